"""The symmetric heap: collective allocation, peer addresses, buffer/NumPy views, device-flavoured calls.

Multi-PE cases run as real separate processes (tests/spmd.py); every PE reports what it saw and the test compares
the reports, so "the same on every PE" is checked across address spaces, not assumed."""

import signal
import time

import pytest
import shmem
import spmd

MEM = 4 << 20

def run(n: int, case: str, *args: str, **kw):
    return spmd.run_module(n, "memory", case, *args, timeout=kw.pop("timeout", 30), **kw)


def all_equal(results):
    reports = [pe.report for pe in results]
    assert all(r == reports[0] for r in reports), reports
    return reports[0]


def test_allocations_have_the_same_offset_on_every_pe():
    results = run(4, "same_offsets")
    offsets, seen = all_equal(results)
    live = [off for i, off in enumerate(offsets) if i not in (2, 4)]
    assert len(set(live)) == len(live)                # distinct blocks
    assert all(row == [row[0]] * 4 for row in seen)   # the peer views agree with the local offsets
    assert [row[0] for row in seen] == offsets


def test_every_block_is_64_byte_aligned_and_align_honours_powers_of_two():
    results = run(2, "alignment")
    misaligned, aligned, bad = all_equal(results)
    assert misaligned == []
    assert aligned == [[k, True, 0] for k in range(21)]
    assert bad == [0, 0, 0, 0]


def test_calloc_zeroes_memory_that_held_garbage_on_every_pe():
    results = run(3, "calloc_zeroes")
    for pe in results:
        reused, zeros, kept = pe.report
        assert reused               # the garbage really was in that block
        assert zeros == [70000] * 3
        assert kept


def test_malloc_zero_and_bad_sizes_give_null():
    results = run(2, "null_sizes")
    assert all_equal(results) == [0, 0, 0, 0, 0, 0, True]


def test_heap_full_gives_null_on_every_pe_with_the_reason_logged():
    results = run(3, "heap_full")
    too_big, half_ok, second, after, why_big, why_full = results[0].report
    assert (too_big, half_ok, second, after) == (0, True, 0, MEM // 2)
    for pe in results:
        assert pe.report[:4] == results[0].report[:4]
        for why in (pe.report[4], pe.report[5]):
            assert len(why) == 1 and "no room" in why[0], why


def test_pes_asking_different_sizes_all_get_null_and_the_heap_stays_symmetric():
    results = run(4, "different_sizes")
    for pe in results:
        assert pe.report[:3] == [0, 0, 64]
        assert len(pe.report[3]) == 1 and "different" in pe.report[3][0], pe.report[3]


@pytest.mark.parametrize("odd", ["malloc", "calloc", "align"])  # malloc(0), calloc(-1, 64), align(3, 64)
def test_one_pe_with_an_invalid_request_gets_the_whole_job_null_and_in_step(odd):
    results = run(3, "one_odd_request", odd)
    # In step, and without waiting for the odd PE: a PE left waiting would hold the job for the operation timeout
    # (120 s), beyond run's 30 s.
    assert [pe.report for pe in results] == [[0, 64, 192]] * 3


def test_free_errors_raise_invalid_param_on_every_pe_and_free_nothing():
    results = run(3, "free_errors")
    assert all_equal(results) == [[-1, -1, -1, -1, -1], 256, 0]


def test_shmem_ptr_for_self_peers_and_bad_arguments():
    results = run(3, "ptr")
    for pe in results:
        is_self, distinct, seen, inner, bad, last = pe.report
        assert is_self and distinct == 3
        assert seen == [True, True, True]
        assert inner == [4095] * 3
        assert bad == [0] * 9
        assert last == MEM - 1


def test_buffer_views_and_their_errors():
    results = run(2, "buffer_views")
    for pe in results:
        ok, codes = pe.report
        assert ok == [True] * 5
        assert codes == [-1] * 6


def test_buffer_before_init_is_not_inited():
    with pytest.raises(shmem.ShmemError) as err:
        shmem.buffer(1 << 20, 8)
    assert err.value.code == shmem.SHMEM_NOT_INITED


def test_numpy_array_in_the_heap_and_peer_arrays():
    results = run(3, "numpy_arrays")
    metas = [pe.report[0] for pe in results]
    assert all(m == metas[0] for m in metas)
    shape_a, dt_a, shape_b, dt_b, writeable, off_a, off_b, self_ptr, off_again = metas[0]
    assert (shape_a, dt_a, shape_b, dt_b, writeable, self_ptr) == ([4, 5], "int32", [7], "float64", True, True)
    assert off_a % 64 == 0 and off_b >= off_a + 80 and off_again == off_a
    for pe in results:
        r = pe.rank
        rows, errors = pe.report[1], pe.report[2]
        assert rows[0] == [r] * 5
        assert rows[1:] == [[10 * w + r] * 5 for w in range(3)]
        assert errors == [shmem.SHMEM_NOT_SUPPORTED, shmem.SHMEM_NOT_SUPPORTED, shmem.SHMEM_MALLOC_FAILED]


def test_ffts_config_is_zero_before_init_and_stable_after():
    assert shmem.get_ffts_config() == 0
    assert shmem.shmem_init(0, 1, 1 << 20) == 0
    try:
        handle = shmem.get_ffts_config()
        assert handle != 0
        p = shmem.shmem_malloc(4096)
        shmem.shmem_barrier_all()
        assert shmem.get_ffts_config() == handle
        # The handle is this PE's synchronisation block, which precedes the user heap.
        assert 0 < p - handle <= 1 << 24
        shmem.shmem_free(p)
        assert [shmem.get_ffts_config() for _ in range(5)] == [handle] * 5
    finally:
        shmem.shmem_finialize()
    assert shmem.get_ffts_config() == 0


def test_mte_set_ub_params_return_codes():
    # In a child: values given before init are kept for later inits of the process.
    results = run(1, "mte_set_ub")
    assert results[0].report == [-5, -2, 0, 0, -2, -2, -2, -2, 0, -5]


def test_a_killed_pe_leaves_no_shared_memory_behind():
    procs = spmd.start_module(4, "memory", "killed")
    pids = [p.pid for _, p in procs]
    t0 = time.monotonic()
    results = spmd.wait(procs, timeout=40)
    assert time.monotonic() - t0 < 20
    assert [pe.returncode for pe in results] == [0, 0, -signal.SIGKILL, 0], [pe.stderr for pe in results]
    assert all(pe.report == [] for pe in results)
    for pe in results:
        if pe.rank != 2:
            assert f"barrier failed {shmem.SHMEM_BOOTSTRAP_ERROR}" in pe.stdout, pe.stdout + pe.stderr
    assert spmd.shm_segments(pids) == []


def test_mte_get_ub_params_reports_what_was_set_and_the_chunk_size_in_effect():
    results = run(1, "mte_get_ub")
    assert results[0].report == [[0, 1 << 20, 0], [64, 8192, 5], [64, 8192, 5], [0, 1 << 16, 1]]
