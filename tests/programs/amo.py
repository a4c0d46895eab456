"""Atomics and typed put/get between PE processes (tests/test_amo.py): ``python -m programs.amo <case>``."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import shmem

from programs.amo_model import ATOMIC_TYPES, check_atomics, check_typed
from programs.pe import IP_PORT, NPES, RANK, dispatch, report


def init(mem: int = 1 << 20) -> None:
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(RANK, NPES, mem, IP_PORT, attr) == 0
    assert shmem.shmem_init(RANK, NPES, mem) == 0


def peers() -> None:
    """Each PE runs the whole model against the next PE's memory (and its own), all at once."""
    init()
    blocks = [shmem.shmem_malloc(64) for _ in range(2 * NPES)]
    shmem.shmem_barrier_all()
    peer = (RANK + 1) % NPES
    failures = []
    for name in ATOMIC_TYPES:
        failures += check_atomics(name, blocks[RANK], peer)        # my block on the next PE
        failures += check_atomics(name, blocks[NPES + RANK], RANK)  # my second block here
    failures += check_typed(blocks[RANK], peer)
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(failures)


def tickets() -> None:
    """Every PE takes N tickets from one 64-bit and one 32-bit counter on PE 0."""
    n = 2000
    init()
    counter64 = shmem.shmem_malloc(64)
    counter32 = shmem.shmem_malloc(64)
    shmem.shmem_barrier_all()
    tickets64, tickets32 = [], []
    for _ in range(n):
        tickets64.append(shmem.shmem_int64_atomic_fetch_add(counter64, 1, 0))
        tickets32.append(shmem.shmem_uint32_atomic_fetch_inc(counter32, 0))
    shmem.shmem_barrier_all()
    totals = [shmem.shmem_long_atomic_fetch(counter64, 0), shmem.shmem_uint32_atomic_fetch(counter32, 0)]
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report([tickets64, tickets32, totals])


def lock() -> None:
    """A compare_swap lock on PE 0 guards a plain (non-atomic) read-modify-write of a counter."""
    n = 150
    init()
    lock = shmem.shmem_malloc(64)
    inside = shmem.shmem_malloc(64)
    counter = shmem.shmem_malloc(64)
    shmem.shmem_barrier_all()
    me = RANK + 1
    violations, spins = [], 0
    for i in range(n):
        while shmem.shmem_int_atomic_compare_swap(lock, 0, me, 0) != 0:
            spins += 1
            os.sched_yield()
        if shmem.shmem_int32_atomic_fetch_inc(inside, 0) != 0:
            violations.append(i)                 # someone else is inside too
        value = shmem.shmem_int64_g(counter, 0)  # not atomic: only the lock makes this exact
        os.sched_yield()                         # widen the window a broken lock would leave open
        shmem.shmem_int64_p(counter, value + 1, 0)
        shmem.shmem_int32_atomic_add(inside, -1, 0)
        if shmem.shmem_int_atomic_swap(lock, 0, 0) != me:
            violations.append(-i)
    shmem.shmem_barrier_all()
    final = shmem.shmem_int64_g(counter, 0)
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report([violations, final, spins])


def wake() -> None:
    """PE 1 changes a signal word on PE 0 by atomics, one step at a time; PE 0 sleeps on each value in turn."""
    init()
    sig = shmem.shmem_malloc(64)
    shmem.shmem_barrier_all()
    out = []
    steps: list[Callable[[], Any]] = [
        lambda: shmem.shmem_int32_atomic_set(sig, 1, 0),
        lambda: shmem.shmem_int_atomic_add(sig, 1, 0),
        lambda: shmem.shmem_int32_atomic_fetch_inc(sig, 0),
        lambda: shmem.shmem_int32_atomic_swap(sig, 4, 0),
        lambda: shmem.shmem_int_atomic_compare_swap(sig, 4, 5, 0),
        lambda: shmem.shmem_uint32_atomic_inc(sig, 0)]
    for i, step in enumerate(steps, 1):
        if RANK == 0:
            out.append(shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_EQ, i))
        else:
            time.sleep(0.1)  # lets PE 0 fall asleep: not a bound on anything
            out.append(step())
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(out)


if __name__ == "__main__":
    dispatch({"peers": peers, "tickets": tickets, "lock": lock, "wake": wake})
