"""The symmetric heap on real PE processes (tests/test_memory.py): ``python -m programs.memory <case> [args]``.

Every PE reports what it saw, and the test compares the reports across address spaces."""

from __future__ import annotations

import os
import random
import signal
import time
from typing import Any

import numpy as np
import shmem

from programs.pe import IP_PORT, NPES, RANK, dispatch, report

MEM = 4 << 20
LOG: list[str] = []
shmem.set_extern_logger(lambda level, msg: LOG.append(msg))


def init(mem: int = MEM) -> None:
    assert shmem.shmem_init(RANK, NPES, mem) == 0


ODD = {"malloc": lambda: shmem.shmem_malloc(0), "calloc": lambda: shmem.shmem_calloc(-1, 64),
       "align": lambda: shmem.shmem_align(3, 64)}


def same_offsets() -> None:
    """Allocations of every kind have the same offset on every PE."""
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


def alignment() -> None:
    """Every block is 64-byte aligned; shmem_align honours every power of two and refuses the rest."""
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
    assert shmem.shmem_malloc(64) != 0    # a pad, so that the next block does not start aligned by accident
    for k in range(0, 21):
        p = shmem.shmem_align(1 << k, 100)
        aligned.append([k, p != 0, p % (1 << k)])
        shmem.shmem_free(p)
    bad = [shmem.shmem_align(a, 64) for a in (0, 3, 96, -4)]
    shmem.shmem_finialize()
    report([misaligned, aligned, bad])


def calloc_zeroes() -> None:
    """calloc returns zeroed memory where freed blocks held garbage."""
    init()
    n = 70000
    p = shmem.shmem_malloc(n)
    shmem.buffer(p, n)[:] = b"\xab" * n
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


def null_sizes() -> None:
    """malloc of 0 and bad sizes give NULL."""
    init()
    out = [shmem.shmem_malloc(0), shmem.shmem_calloc(0, 8), shmem.shmem_calloc(8, 0),
           shmem.shmem_malloc(-1), shmem.shmem_calloc(-1, 8), shmem.shmem_calloc(1 << 40, 1 << 40)]
    p = shmem.shmem_malloc(8)      # still usable and symmetric afterwards
    out.append(shmem.shmem_ptr(p, 1 - RANK) != 0)
    shmem.shmem_free(p)
    shmem.shmem_finialize()
    report(out)


def heap_full() -> None:
    """A request beyond the heap gives NULL on every PE, with the reason logged."""
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


def different_sizes() -> None:
    """PEs asking different sizes all get NULL; the heap stays symmetric."""
    init()
    first = shmem.shmem_malloc(64)
    odd = shmem.shmem_malloc(1024 + 64 * (RANK == 2))     # one PE disagrees
    why = list(LOG)
    odd_align = shmem.shmem_align(64 << RANK, 64)          # every PE disagrees
    nxt = shmem.shmem_malloc(128)
    report([odd, odd_align, nxt - first, why])
    shmem.shmem_finialize()


def one_odd_request(odd: str) -> None:
    """One PE's invalid request makes the whole job's allocation NULL, in step."""
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(RANK, NPES, MEM, IP_PORT, attr) == 0
    assert shmem.shmem_set_timeout(attr, 2) == 0
    init()
    first = shmem.shmem_malloc(64)
    bad = ODD[odd]() if RANK == 1 else shmem.shmem_malloc(64)
    a, b = shmem.shmem_malloc(128), shmem.shmem_malloc(256)
    report([bad, a - first if a else 0, b - first if b else 0])
    shmem.shmem_finialize()


def free_errors() -> None:
    """Bad frees raise INVALID_PARAM on every PE and free nothing."""
    init()
    local = np.zeros(64, np.uint8)
    p = shmem.shmem_malloc(256)
    shmem.shmem_free(0)                 # no-op (and not collective)
    codes: list[Any] = []
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


def ptr() -> None:
    """shmem_ptr of this PE, of peers and of bad arguments."""
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


def buffer_views() -> None:
    """buffer() views of the heap and their errors."""
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
    codes: list[Any] = []
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


def numpy_arrays() -> None:
    """NumPy arrays in the heap and views of peers' arrays."""
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
    errors: list[Any] = []
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


def mte_set_ub() -> None:
    """mte_set_ub_params before and after init: the return codes."""
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


def mte_get_ub() -> None:
    """mte_get_ub_params reports what was set and the chunk size in effect."""
    seen = [list(shmem.mte_get_ub_params())]            # defaults before anything: 1 MiB chunks
    shmem.mte_set_ub_params(64, 8192, 5)                 # before init: kept for init
    seen.append(list(shmem.mte_get_ub_params()))
    init()
    seen.append(list(shmem.mte_get_ub_params()))         # the engine took 8192
    shmem.mte_set_ub_params(0, 1 << 16, 1)
    seen.append(list(shmem.mte_get_ub_params()))
    shmem.shmem_finialize()
    report(seen)


def killed() -> None:
    """PE 2 kills itself after the job is up; the others' next barrier must fail with the bootstrap error."""
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


if __name__ == "__main__":
    dispatch({"same_offsets": same_offsets,
              "alignment": alignment,
              "calloc_zeroes": calloc_zeroes,
              "null_sizes": null_sizes,
              "heap_full": heap_full,
              "different_sizes": different_sizes,
              "one_odd_request": one_odd_request,
              "free_errors": free_errors,
              "ptr": ptr,
              "buffer_views": buffer_views,
              "numpy_arrays": numpy_arrays,
              "mte_set_ub": mte_set_ub,
              "mte_get_ub": mte_get_ub,
              "killed": killed})
