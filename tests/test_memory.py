"""The symmetric heap: collective allocation, peer addresses, buffer/NumPy views, device-flavoured calls.

Multi-PE cases run as real separate processes (tests/spmd.py); every PE reports what it saw and the test compares
the reports, so "the same on every PE" is checked across address spaces, not assumed."""

import signal
import textwrap
import time

import pytest
import shmem
import spmd

MEM = 4 << 20

# Shared by every PE body: init with this test's heap size, and a log collector.
PRELUDE = f"""
import shmem
MEM = {MEM}
LOG = []
shmem.set_extern_logger(lambda level, msg: LOG.append(msg))
def init(mem=MEM):
    assert shmem.shmem_init(RANK, NPES, mem) == 0
"""


def run(n, body, **kw):
    return spmd.run(n, PRELUDE + textwrap.dedent(body), timeout=kw.pop("timeout", 30), **kw)


def all_equal(results):
    reports = [pe.report for pe in results]
    assert all(r == reports[0] for r in reports), reports
    return reports[0]


def test_allocations_have_the_same_offset_on_every_pe():
    results = run(4, """
        init()
        first = shmem.shmem_malloc(64)
        blocks, seen = [first], []
        for i, size in enumerate([1, 100, 4096, 65537, 3, 1 << 20]):
            if i % 2:
                p = shmem.shmem_calloc(3, size)
            else:
                p = shmem.shmem_align(256 << (i % 3), size)
            assert p != 0, (i, size, LOG)
            blocks.append(p)
        shmem.shmem_free(blocks[2])
        shmem.shmem_free(blocks[4])
        blocks.append(shmem.shmem_malloc(50))       # reuses a hole: still the same everywhere
        blocks.append(shmem.shmem_malloc(4000))
        for p in blocks:
            assert shmem.shmem_ptr(p, RANK) == p
            # Every PE's copy sits at the same offset from that PE's first block.
            seen.append([shmem.shmem_ptr(p, pe) - shmem.shmem_ptr(first, pe) for pe in range(NPES)])
        offsets = [p - first for p in blocks]
        shmem.shmem_finialize()
        report([offsets, seen])
    """)
    offsets, seen = all_equal(results)
    live = [off for i, off in enumerate(offsets) if i not in (2, 4)]
    assert len(set(live)) == len(live)                # distinct blocks
    assert all(row == [row[0]] * 4 for row in seen)   # the peer views agree with the local offsets
    assert [row[0] for row in seen] == offsets


def test_every_block_is_64_byte_aligned_and_align_honours_powers_of_two():
    results = run(2, """
        import random
        init(8 << 20)
        rng = random.Random(7)
        misaligned, ptrs = [], []
        for _ in range(60):
            size = rng.randrange(1, 300)
            for p in (shmem.shmem_malloc(size), shmem.shmem_calloc(1, size), shmem.shmem_align(16, size)):
                assert p != 0
                ptrs.append(p)
                if p % 64:
                    misaligned.append(p % 64)
        for p in ptrs:
            shmem.shmem_free(p)
        aligned = []
        pad = shmem.shmem_malloc(64)          # so that the next block does not start aligned by accident
        for k in range(0, 21):
            p = shmem.shmem_align(1 << k, 100)
            aligned.append([k, p != 0, p % (1 << k)])
            shmem.shmem_free(p)
        bad = [shmem.shmem_align(a, 64) for a in (0, 3, 96, -4)]
        shmem.shmem_finialize()
        report([misaligned, aligned, bad])
    """)
    misaligned, aligned, bad = all_equal(results)
    assert misaligned == []
    assert aligned == [[k, True, 0] for k in range(21)]
    assert bad == [0, 0, 0, 0]


def test_calloc_zeroes_memory_that_held_garbage_on_every_pe():
    results = run(3, """
        init()
        n = 70000
        p = shmem.shmem_malloc(n)
        shmem.buffer(p, n)[:] = b"\\xab" * n
        shmem.shmem_barrier_all()
        shmem.shmem_free(p)
        q = shmem.shmem_calloc(7, n // 7)
        # Right after calloc returns, every PE's copy is zero (calloc ends with a barrier).
        views = [bytes(shmem.buffer(shmem.shmem_ptr(q, pe), n)) for pe in range(NPES)]
        shmem.shmem_barrier_all()
        # Puts issued the moment calloc returns are not wiped by a slower PE still clearing its copy.
        r = shmem.shmem_calloc(1, 4096)
        for pe in range(NPES):
            shmem.shmem_putmem(r + 64 * RANK, bytes([RANK + 1]) * 64, 64, pe)
        shmem.shmem_barrier_all()
        mine = bytes(shmem.buffer(r, 64 * NPES))
        report([q == p, [v.count(0) for v in views], mine == b"".join(bytes([w + 1]) * 64 for w in range(NPES))])
        shmem.shmem_finialize()
    """)
    for pe in results:
        reused, zeros, kept = pe.report
        assert reused               # the garbage really was in that block
        assert zeros == [70000] * 3
        assert kept


def test_malloc_zero_and_bad_sizes_give_null():
    results = run(2, """
        init()
        out = [shmem.shmem_malloc(0), shmem.shmem_calloc(0, 8), shmem.shmem_calloc(8, 0),
               shmem.shmem_malloc(-1), shmem.shmem_calloc(-1, 8), shmem.shmem_calloc(1 << 40, 1 << 40)]
        p = shmem.shmem_malloc(8)      # still usable and symmetric afterwards
        out.append(shmem.shmem_ptr(p, 1 - RANK) != 0)
        shmem.shmem_free(p)
        shmem.shmem_finialize()
        report(out)
    """)
    assert all_equal(results) == [0, 0, 0, 0, 0, 0, True]


def test_heap_full_gives_null_on_every_pe_with_the_reason_logged():
    results = run(3, """
        init()
        too_big = shmem.shmem_malloc(MEM + 64)
        why_big = list(LOG)
        half = shmem.shmem_malloc(MEM // 2)
        LOG.clear()
        second = shmem.shmem_malloc(MEM // 2 + 64)
        why_full = list(LOG)
        after = shmem.shmem_malloc(MEM // 4)     # what fits still fits, at the same place everywhere
        report([too_big, half != 0, second, after - half, why_big, why_full])
        shmem.shmem_finialize()
    """)
    too_big, half_ok, second, after, why_big, why_full = results[0].report
    assert (too_big, half_ok, second, after) == (0, True, 0, MEM // 2)
    for pe in results:
        assert pe.report[:4] == results[0].report[:4]
        for why in (pe.report[4], pe.report[5]):
            assert len(why) == 1 and "no room" in why[0], why


def test_pes_asking_different_sizes_all_get_null_and_the_heap_stays_symmetric():
    results = run(4, """
        init()
        first = shmem.shmem_malloc(64)
        odd = shmem.shmem_malloc(1024 + 64 * (RANK == 2))     # one PE disagrees
        why = list(LOG)
        odd_align = shmem.shmem_align(64 << RANK, 64)          # every PE disagrees
        nxt = shmem.shmem_malloc(128)
        report([odd, odd_align, nxt - first, why])
        shmem.shmem_finialize()
    """)
    for pe in results:
        assert pe.report[:3] == [0, 0, 64]
        assert len(pe.report[3]) == 1 and "different" in pe.report[3][0], pe.report[3]


@pytest.mark.parametrize("odd", ["shmem.shmem_malloc(0)", "shmem.shmem_calloc(-1, 64)", "shmem.shmem_align(3, 64)"])
def test_one_pe_with_an_invalid_request_gets_the_whole_job_null_and_in_step(odd):
    results = run(3, f"""
        import time
        attr = shmem.InitAttr()
        assert shmem.shmem_set_attributes(RANK, NPES, MEM, IP_PORT, attr) == 0
        assert shmem.shmem_set_timeout(attr, 2) == 0
        init()
        first = shmem.shmem_malloc(64)
        odd = {odd} if RANK == 1 else shmem.shmem_malloc(64)
        a, b = shmem.shmem_malloc(128), shmem.shmem_malloc(256)
        report([odd, a - first if a else 0, b - first if b else 0])
        shmem.shmem_finialize()
    """)
    # In step, and without waiting for the odd PE: a PE left waiting would hold the job for the operation timeout
    # (120 s), beyond run's 30 s.
    assert [pe.report for pe in results] == [[0, 64, 192]] * 3


def test_free_errors_raise_invalid_param_on_every_pe_and_free_nothing():
    results = run(3, """
        import numpy as np
        init()
        local = np.zeros(64, np.uint8)
        p = shmem.shmem_malloc(256)
        shmem.shmem_free(0)                 # no-op (and not collective)
        codes = []
        for bad in (p + 64,                          # inside a block
                    local.ctypes.data,               # not in the heap at all
                    p + (64 if RANK == 1 else 0),    # one PE frees something else
                    -8):
            try:
                shmem.shmem_free(bad)
                codes.append("freed")
            except shmem.ShmemError as e:
                codes.append(e.code)
        # Nothing was freed: p is still a block and its neighbour gets a new offset.
        q = shmem.shmem_malloc(256)
        shmem.shmem_free(p)
        try:
            shmem.shmem_free(p)
            codes.append("double free passed")
        except shmem.ShmemError as e:
            codes.append(e.code)
        r = shmem.shmem_malloc(256)          # reuses p's place
        report([codes, q - p, r - p])
        shmem.shmem_finialize()
    """)
    assert all_equal(results) == [[-1, -1, -1, -1, -1], 256, 0]


def test_shmem_ptr_for_self_peers_and_bad_arguments():
    results = run(3, """
        import numpy as np
        init()
        p = shmem.shmem_malloc(4096)
        shmem.buffer(p, 8)[:] = bytes([RANK]) * 8
        shmem.shmem_barrier_all()
        peers = [shmem.shmem_ptr(p, pe) for pe in range(NPES)]
        # Through the peer address this process reads the peer's own bytes.
        seen = [bytes(shmem.buffer(a, 8)) == bytes([pe]) * 8 for pe, a in enumerate(peers)]
        inner = [shmem.shmem_ptr(p + 4095, pe) - a for pe, a in enumerate(peers)]
        base = p        # the first block starts the user heap
        local = np.zeros(8)
        bad = [shmem.shmem_ptr(p, -1), shmem.shmem_ptr(p, NPES), shmem.shmem_ptr(p, 1 << 20),
               shmem.shmem_ptr(0, 0), shmem.shmem_ptr(-64, 0), shmem.shmem_ptr(local.ctypes.data, 0),
               shmem.shmem_ptr(base + MEM, 0), shmem.shmem_ptr(base - 1, 1), shmem.shmem_ptr(8, 1)]
        last = shmem.shmem_ptr(base + MEM - 1, (RANK + 1) % NPES) - peers[(RANK + 1) % NPES]
        report([peers[RANK] == p, len(set(peers)), seen, inner, bad, last])
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()
    """)
    for pe in results:
        is_self, distinct, seen, inner, bad, last = pe.report
        assert is_self and distinct == 3
        assert seen == [True, True, True]
        assert inner == [4095] * 3
        assert bad == [0] * 9
        assert last == MEM - 1


def test_buffer_views_and_their_errors():
    results = run(2, """
        import numpy as np
        init()
        p = shmem.shmem_malloc(1000)
        mv = shmem.buffer(p, 1000)
        ok = [mv.nbytes == 1000, not mv.readonly, mv.format == "B", shmem.buffer(p, 0).nbytes == 0]
        mv[RANK * 500:(RANK + 1) * 500] = bytes([RANK + 1]) * 500
        shmem.shmem_barrier_all()
        # Store into the peer's copy through its mapped address, then let the peer check.
        peer = shmem.buffer(shmem.shmem_ptr(p, 1 - RANK), 1000)
        peer[RANK * 500:(RANK + 1) * 500] = bytes([RANK + 1]) * 500
        shmem.shmem_barrier_all()
        ok.append(bytes(mv) == bytes([1]) * 500 + bytes([2]) * 500)
        codes = []
        local = np.zeros(16, np.uint8)
        for args in ((8, 16), (local.ctypes.data, 16), (p, MEM + 1), (p + MEM - 8, 16), (p, -1), (-8, 8)):
            try:
                shmem.buffer(*args)
                codes.append("no error")
            except shmem.ShmemError as e:
                codes.append(e.code)
        shmem.buffer(p + MEM - 8, 8)[:] = b"12345678"      # the last 8 bytes are fine
        report([ok, codes])
        shmem.shmem_finialize()
    """)
    for pe in results:
        ok, codes = pe.report
        assert ok == [True] * 5
        assert codes == [-1] * 6


def test_buffer_before_init_is_not_inited():
    with pytest.raises(shmem.ShmemError) as err:
        shmem.buffer(1 << 20, 8)
    assert err.value.code == shmem.SHMEM_NOT_INITED


def test_numpy_array_in_the_heap_and_peer_arrays():
    results = run(3, """
        import numpy as np
        init()
        first = shmem.shmem_malloc(64)
        a = shmem.array((4, 5), "int32")
        b = shmem.array(7, np.float64)
        meta = [a.shape, str(a.dtype), b.shape, str(b.dtype), a.flags.writeable,
                a.ctypes.data - first, b.ctypes.data - first, shmem.shmem_ptr(a.ctypes.data, RANK) == a.ctypes.data]
        a[:] = RANK
        shmem.shmem_barrier_all()
        # Every PE writes its rank into row RANK of every peer's copy.
        for pe in range(NPES):
            shmem.peer_array(a, pe)[RANK + 1, :] = 10 * RANK + pe
        shmem.shmem_barrier_all()
        rows = a.tolist()
        errors = []
        for pe in (NPES, -1):
            try:
                shmem.peer_array(a, pe)
                errors.append("no error")
            except shmem.ShmemError as e:
                errors.append(e.code)
        try:
            shmem.array((MEM,), np.float64)
            errors.append("no error")
        except shmem.ShmemError as e:
            errors.append(e.code)
        shmem.shmem_free(b)
        shmem.shmem_free(a)
        again = shmem.array((4, 5), "int32")         # the freed place again
        meta.append(again.ctypes.data - first)
        shmem.shmem_free(again)
        report([meta, rows, errors])
        shmem.shmem_finialize()
    """)
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
    results = run(1, """
        codes = [shmem.mte_set_ub_params(0, 65536, 0),        # before init: kept, NOT_INITED
                 shmem.mte_set_ub_params(0, 0, 0)]
        init()
        codes += [shmem.mte_set_ub_params(0, 65536, 0), shmem.mte_set_ub_params(128, 4096, 3),
                  shmem.mte_set_ub_params(0, 0, 0), shmem.mte_set_ub_params(0, -1, 0),
                  shmem.mte_set_ub_params(-1, 4096, 0), shmem.mte_set_ub_params(0, 4096, -1),
                  shmem.mte_set_ub_params(0, 1, 0)]
        shmem.shmem_finialize()
        codes.append(shmem.mte_set_ub_params(0, 4096, 0))
        report(codes)
    """)
    assert results[0].report == [-5, -2, 0, 0, -2, -2, -2, -2, 0, -5]


def test_a_killed_pe_leaves_no_shared_memory_behind():
    procs = spmd.start(4, PRELUDE + textwrap.dedent("""
        import os, signal, time
        attr = shmem.InitAttr()
        assert shmem.shmem_set_attributes(RANK, NPES, MEM, IP_PORT, attr) == 0
        assert shmem.shmem_set_timeout(attr, 20) == 0
        assert shmem.shmem_init(RANK, NPES, MEM) == 0
        # No name, and the descriptor released as soon as every PE has mapped it: only mappings hold the heaps.
        mine = [n for n in os.listdir("/dev/shm") if n.startswith(f"shmem-{os.getpid()}-")]
        for fd in os.listdir("/proc/self/fd"):
            try:
                if "/memfd:shmem-" in os.readlink(f"/proc/self/fd/{fd}"):
                    mine.append(fd)
            except OSError:
                pass
        p = shmem.shmem_malloc(1 << 20)
        shmem.shmem_putmem(p, b"x" * 4096, 4096, (RANK + 1) % NPES)
        shmem.shmem_barrier_all()
        report(mine)
        if RANK == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.3)
        try:
            shmem.shmem_barrier_all()
            print("barrier passed", flush=True)
        except shmem.ShmemError as e:
            print("barrier failed", e.code, flush=True)
        shmem.shmem_finialize()
    """))
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
    results = run(1, """
        seen = [list(shmem.mte_get_ub_params())]            # defaults before anything: 1 MiB chunks
        shmem.mte_set_ub_params(64, 8192, 5)                 # before init: kept for init
        seen.append(list(shmem.mte_get_ub_params()))
        init()
        seen.append(list(shmem.mte_get_ub_params()))         # the engine took 8192
        shmem.mte_set_ub_params(0, 1 << 16, 1)
        seen.append(list(shmem.mte_get_ub_params()))
        shmem.shmem_finialize()
        report(seen)
    """)
    assert results[0].report == [[0, 1 << 20, 0], [64, 8192, 5], [64, 8192, 5], [0, 1 << 16, 1]]
