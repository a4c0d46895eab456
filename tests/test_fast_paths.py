"""The facade's fast paths for small same-host transfers (python/shmem/_hot.py, docs/benchmarks.md "What the fast
paths rely on"): exact data, the runtime's errors for bad arguments, a dead PE, calls after finalize, sleepers
woken, and no fast path where it may not run (copy engine, profiling). Each PE program also checks that the fast
path was really set up, so a fast path that silently stopped being taken fails here too."""

import signal

import pytest
import shmem
import spmd

INVALID, NOT_INITED, DEAD = shmem.SHMEM_INVALID_PARAM, shmem.SHMEM_NOT_INITED, shmem.SHMEM_BOOTSTRAP_ERROR


def test_exact_data_edges_and_bad_arguments():
    results = spmd.run_module(2, "fast_paths", "data", timeout=240)
    for pe in results:
        got = pe.report
        assert got["fast"], "the fast path was not set up"
        assert got["errors"] == [], got["errors"]
        bad = got["bad"]
        assert bad["end ok"] == "ok" and bad["dst at heap end"] == "ok"
        for case in ("pe float", "size float", "dst float", "list src"):
            assert bad[case] == "TypeError", (case, bad[case])
        assert bad["pe bool"] == "ok"  # True is the int 1 to the runtime as well
        for case in ("pe -1", "pe npes", "size negative", "dst below heap", "dst past heap",
                     "get src past heap", "get dst null", "get pe -1", "get pe npes", "short bytes",
                     "short bytearray", "read-only get", "huge pe"):
            assert bad[case] == INVALID, (case, bad[case])
        assert bad["get pe float"] == "TypeError"
        for case in ("put from unmapped", "get to unmapped", "put from outside, dst past heap"):
            assert bad[case] == INVALID, (case, bad[case])  # a fault in the fast entry is an error, never a crash


def test_put_with_signal_waits_and_wakes():
    results = spmd.run_module(2, "fast_paths", "signal", timeout=240)
    assert results[1].reports[0]["wakes"] == [0], "the fast put-with-signal did not wake PE 0's sleeping waiter"
    for pe in results:
        got = pe.reports[-1]
        assert got["errors"] == [], got["errors"]
        bad = got["bad"]
        assert bad["value beyond 32 bits"] == shmem.SHMEM_INVALID_VALUE
        assert bad["put signal beyond 32 bits"] == shmem.SHMEM_INVALID_VALUE
        assert bad["sig float"] == "TypeError" and bad["put sig_op float"] == "TypeError"
        for case in ("cmp 6", "sig misaligned", "put sig misaligned", "put sig_op 2", "put pe -1",
                     "put dst negative, no data"):
            assert bad[case] == INVALID, (case, bad[case])


def test_after_finalize_not_inited_views_dropped_and_a_second_job_fast_again():
    results = spmd.run_module(2, "fast_paths", "finalize", timeout=240)
    for pe in results:
        got = pe.report
        for job in ("job 0", "job 1"):
            j = got[job]
            assert j["fast during"], (job, j)
            assert j["state dropped"], (job, j)
            for call in ("put after", "get after", "signal after", "wait after", "quiet after"):
                assert j[call] == NOT_INITED, (job, call, j[call])
            assert j["retired ranges"] == 0, "the fast path's views kept the finalized heaps mapped"
            assert j["fast entry after"] is False
        assert got["job 0"]["base"] != 0 and got["job 1"]["base"] != 0
        assert got["racing thread"] in ([], [NOT_INITED]), got["racing thread"]


def test_a_dead_pe_fails_every_fast_path():
    results = spmd.run_module(2, "fast_paths", "dead", timeout=240, check=False)
    assert results[1].returncode == -signal.SIGKILL
    got = results[0].report
    assert results[0].returncode == 0, results[0].stderr
    assert got["fast before"]
    assert got["first"] == DEAD
    codes = got["codes"]
    assert codes.pop("self still") == "ok"
    assert all(code == DEAD for code in codes.values()), codes


@pytest.mark.parametrize("what", ["SDMA", "prof"])
def test_no_fast_path_under_the_copy_engine_or_profiling(what):
    env = {"SHMEM_CYCLE_PROF_PE": "all"} if what == "prof" else {}
    results = spmd.run_module(2, "fast_paths", "off", what, timeout=240, env=env)
    for pe in results:
        got = pe.report
        assert got["peers"] == [] and got["gate"] == 1, got
        if what == "prof":
            assert got["snapshot"] == 10, "profiling did not count every put"
