"""Put-with-signal, signal_wait_until and signal_fetch between real PE processes (tests/test_signal.py):
``python -m programs.signals <case> [args]``."""

from __future__ import annotations

import json
import os
import resource
import struct
import threading
import time
from typing import Any

import shmem

from programs.pe import IP_PORT, NPES, RANK, dispatch, report

SET, ADD = shmem.SHMEM_SIGNAL_SET, shmem.SHMEM_SIGNAL_ADD


def init(engine: int = 1, mem: int = 1 << 22, timeout: int | None = None) -> None:
    """Init with an explicit engine, through the attributes, as users do."""
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(RANK, NPES, mem, IP_PORT, attr) == 0
    assert shmem.shmem_set_data_op_engine_type(attr, engine) == 0
    if timeout is not None:
        assert shmem.shmem_set_timeout(attr, timeout) == 0
    assert shmem.shmem_init(RANK, NPES, mem) == 0


def ping_pong(engine: str) -> None:
    """1000 rounds of ping-pong: the data is visible whenever its signal is."""
    ROUNDS, BIG = 1000, 1 << 16
    init(int(engine))
    assert shmem.mte_set_ub_params(0, 16384, 0) == 0
    sig = shmem.shmem_malloc(64)
    data = shmem.shmem_malloc(BIG)
    view = shmem.buffer(data, BIG)
    shmem.shmem_barrier_all()
    peer = 1 - RANK

    def payload(r: int, sender: int) -> bytes:
        size = BIG if r % 3 == 0 else 8
        return struct.pack("<q", r * 2 + sender) + bytes([(r * 7 + sender) % 256]) * (size - 8)

    bad, pending = [], []
    t0 = time.perf_counter()
    for r in range(1, ROUNDS + 1):
        op = SET if r % 2 else ADD
        value = r if op == SET else 1
        cmp = shmem.SHMEM_CMP_EQ if op == SET else shmem.SHMEM_CMP_GE
        put = shmem.shmem_putmem_signal_nbi if (r // 2) % 2 else shmem.shmem_putmem_signal
        if RANK == 0:
            msg = payload(r, 0)
            put(data, msg, len(msg), sig, value, op, peer)
            pending.append(msg)
        got = shmem.shmem_signal_wait_until(sig, cmp, r)
        expect = payload(r, peer)
        if got != r or bytes(view[:len(expect)]) != expect:
            bad.append([r, got, bytes(view[:8]).hex(), expect[:8].hex()])
        if RANK == 1:
            msg = payload(r, 1)
            put(data, msg, len(msg), sig, value, op, peer)
            pending.append(msg)
        if r % 16 == 0:
            shmem.shmem_quiet()
            pending.clear()
        if time.perf_counter() - t0 > 20:
            break          # far too slow: report how far it got instead of hanging into the test's timeout
    secs = time.perf_counter() - t0
    shmem.shmem_quiet()
    shmem.shmem_barrier_all()
    final = shmem.shmem_signal_fetch(sig)
    shmem.shmem_finialize()
    report([bad[:5], len(bad), final, secs])


def each_comparison(cases: str) -> None:
    """PE 0 waits with each comparison; PE 1 writes values until one satisfies it."""
    init()
    sig = shmem.shmem_malloc(64)
    out = []
    for cmp, target, start, steps in json.loads(cases):
        if RANK == 0:
            shmem.shmem_putmem_signal(sig, b"", 0, sig, start, SET, 0)
        shmem.shmem_barrier_all()
        if RANK == 0:
            t0 = time.monotonic()
            got = shmem.shmem_signal_wait_until(sig, cmp, target)
            out.append([got, shmem.shmem_signal_fetch(sig), time.monotonic() - t0])
        else:
            for v in steps:
                time.sleep(0.03)
                shmem.shmem_putmem_signal(sig, b"", 0, sig, v, SET, 0)   # elem_size 0 to a peer
        shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(out)


def add_from_four(engine: str) -> None:
    """Concurrent ADDs from four PEs give the exact sum."""
    N = 300
    init(int(engine))
    up, down = shmem.shmem_malloc(64), shmem.shmem_malloc(64)
    slots = shmem.shmem_malloc(8 * NPES)
    shmem.shmem_barrier_all()
    keep = []
    for i in range(1, N + 1):
        msg = struct.pack("<q", i * 10 + RANK)
        keep.append(msg)
        put = shmem.shmem_putmem_signal_nbi if i % 2 else shmem.shmem_putmem_signal
        put(slots + 8 * RANK, msg, 8, up, RANK + 1, ADD, 0)
        put(slots + 8 * RANK, msg, 0, down, -1000 * (RANK + 1), ADD, 0)
    shmem.shmem_quiet()
    out: Any = None
    if RANK == 0:
        total = N * NPES * (NPES + 1) // 2
        got = shmem.shmem_signal_wait_until(up, shmem.SHMEM_CMP_GE, total)
        low = shmem.shmem_signal_wait_until(down, shmem.SHMEM_CMP_LE, -1000 * total)
        out = [got, low]
    shmem.shmem_barrier_all()
    if RANK == 0:
        out += [shmem.shmem_signal_fetch(up), shmem.shmem_signal_fetch(down),
                list(struct.unpack("<4q", bytes(shmem.buffer(slots, 32))))]
    shmem.shmem_finialize()
    report(out)


def long_wait() -> None:
    """A long wait sleeps instead of spinning: CPU time of a 2 s wait."""
    init()
    sig = shmem.shmem_malloc(64)
    shmem.shmem_barrier_all()
    if RANK == 0:
        def cpu() -> float:
            ru = resource.getrusage(resource.RUSAGE_SELF)
            return ru.ru_utime + ru.ru_stime
        c0, r0, w0 = time.process_time(), cpu(), time.monotonic()
        got = shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_EQ, 42)
        report([got, time.process_time() - c0, cpu() - r0, time.monotonic() - w0])
    else:
        time.sleep(2.0)
        shmem.shmem_putmem_signal(sig, b"", 0, sig, 42, SET, 0)
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()


def sleeping_waiter() -> None:
    """A waiter asleep on the futex is woken by a peer's write, for each value."""
    init()
    sig = shmem.shmem_malloc(64)
    shmem.shmem_barrier_all()
    out: list[Any] = []
    for i in range(1, 8):
        if RANK == 0:
            got = shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_EQ, i)
            out.append([got, time.monotonic()])
        else:
            time.sleep(0.15)
            out.append(time.monotonic())
            if i % 2:
                shmem.shmem_putmem_signal(sig, b"", 0, sig, 1, ADD, 0)
            else:
                shmem.shmem_putmem_signal(sig, b"", 0, sig, i, SET, 0)
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(out)


def ring_of_eight() -> None:
    """Eight PEs in a ring on two cores make progress, right data with each signal."""
    init(mem=1 << 20)
    sig = shmem.shmem_malloc(64)
    data = shmem.shmem_malloc(64)
    view = shmem.buffer(data, 16)
    shmem.shmem_barrier_all()
    left, right = (RANK - 1) % NPES, (RANK + 1) % NPES
    bad = []
    t0 = time.monotonic()
    for k in range(1, 51):
        if RANK != 0:
            got = shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_GE, k)
            if got != k or bytes(view) != struct.pack("<qq", k, left):
                bad.append([k, got])
        shmem.shmem_putmem_signal(data, struct.pack("<qq", k, RANK), 16, sig, k, SET, right)
        if RANK == 0:
            got = shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_GE, k)
            if got != k or bytes(view) != struct.pack("<qq", k, left):
                bad.append([k, got])
    secs = time.monotonic() - t0
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report([bad, secs])


def releases_gil() -> None:
    """A wait releases the GIL: another thread runs meanwhile."""
    init()
    sig = shmem.shmem_malloc(64)
    got = []
    waiter = threading.Thread(target=lambda: got.append(shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_GE, 9)))
    waiter.start()
    t0, ticks = time.monotonic(), 0
    while time.monotonic() - t0 < 0.3:
        ticks += 1
    shmem.shmem_putmem_signal(sig, b"", 0, sig, 9, SET, 0)
    waiter.join(10)
    alive = waiter.is_alive()
    shmem.shmem_finialize()
    report([got, ticks, alive])


def dead_signaller() -> None:
    """A waiter whose signaller died ends with the bootstrap error."""
    init(timeout=60)
    sig = shmem.shmem_malloc(64)
    shmem.shmem_barrier_all()
    if RANK == 1:
        os._exit(3)          # leaves without signalling
    t0 = time.monotonic()
    try:
        got = shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_EQ, 1)
        report(["returned", got, time.monotonic() - t0])
    except shmem.ShmemError as e:
        report([e.code, time.monotonic() - t0, str(e)])
    shmem.shmem_finialize()


if __name__ == "__main__":
    dispatch({"ping_pong": ping_pong,
              "each_comparison": each_comparison,
              "add_from_four": add_from_four,
              "long_wait": long_wait,
              "sleeping_waiter": sleeping_waiter,
              "ring_of_eight": ring_of_eight,
              "releases_gil": releases_gil,
              "dead_signaller": dead_signaller})
