"""A same-host PE killed with SIGKILL: once the rendezvous has seen it die, every data path to it fails with
SHMEM_BOOTSTRAP_ERROR (-6) instead of reading and writing the memory it left mapped, on both same-host engines,
and the living PEs go on exchanging data."""

import signal

import pytest
import shmem
import spmd

# A hang guard, the program's own GIVE_UP: the measured figure is a few milliseconds (docs/reliability.md) and is
# printed, not asserted; the machine may be loaded.
BOUND = 30.0


@pytest.mark.parametrize("npes", [2, 4])
@pytest.mark.parametrize("engine", ["MTE", "SDMA"])
@pytest.mark.parametrize("who", ["last", "rank 0"])
def test_every_path_to_a_killed_pe_fails_with_bootstrap_error(engine, npes, who):
    """The victim is the last PE, or PE 0, which serves the rendezvous (the others then learn of its death from
    their own connection to it)."""
    victim_rank = npes - 1 if who == "last" else 0
    results = spmd.run_module(npes, "dead_peer", engine, str(victim_rank), timeout=120, check=False)
    victim = results[victim_rank]
    assert victim.returncode == -signal.SIGKILL, victim.stderr
    killed_at = victim.report["killed_at"]
    for pe in results:
        if pe is victim:
            continue
        assert pe.returncode == 0, pe.stderr
        got = pe.report
        assert got["first"] == shmem.SHMEM_BOOTSTRAP_ERROR, (pe.rank, got, pe.stderr)
        assert got["noticed_at"] - killed_at < BOUND, f"PE {pe.rank}: -6 only after {got['noticed_at'] - killed_at}s"
        wrong = {path: code for path, code in got["codes"].items()
                 if code != ("no error" if path == "quiet afterwards" else shmem.SHMEM_BOOTSTRAP_ERROR)}
        assert not wrong, f"PE {pe.rank}: paths to the dead PE that did not give -6: {wrong}"
        assert len(got["codes"]) > 50
        assert got["ptr"] == 0, "shmem_ptr still hands out the dead PE's memory"
        assert got["living"] in (None, True), f"PE {pe.rank}: data between the living PEs was wrong"
        print(f"{engine} {npes} PEs: PE {pe.rank} got -6 {1e3 * (got['noticed_at'] - killed_at):.1f} ms after the kill")
