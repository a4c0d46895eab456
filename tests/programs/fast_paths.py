"""The facade's fast paths (python/shmem/_hot.py): small same-host puts, gets, put-with-signal, signal waits and
quiet done without a call into the runtime. Each mode checks that the fast path is really taken (its state holds
the peers' views) and that it keeps every guarantee of the runtime's path.

    python -m programs.fast_paths MODE [ARG]
    data                  exact bytes for every size up to the limit and past it, edges of the heap, every kind of
                          local side; bad arguments raise what the runtime raises; quiet and fence
    signal                put-with-signal SET and ADD, waits that return at once, a waiter asleep in the runtime
                          woken by a fast put (the wake counted)
    finalize              after finalize: NOT_INITED, the views dropped and the retired heaps released; a second
                          job in the same process gets fast paths of its own
    dead                  PE 1 dies: every fast path to it fails with SHMEM_BOOTSTRAP_ERROR
    off ENGINE|prof       no fast path under SDMA or while profiling counts (and the calls are counted)
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import shmem
from shmem import _hot, _rma
from shmem import _signal as _sig

from programs.pe import IP_PORT, NPES, RANK, report

MEM = 4 << 20
LIMIT = _hot.FAST_MAX


def init(engine: str = "MTE") -> None:
    attr = shmem.InitAttr()
    attr.my_rank, attr.n_ranks, attr.local_mem_size, attr.ip_port = RANK, NPES, MEM, IP_PORT
    attr.option_attr.data_op_engine_type = shmem.OpEngineType[engine]
    assert shmem.shmem_init(attr) == 0


def outcome(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        fn(*args)
    except shmem.ShmemError as e:
        return e.code
    except TypeError:
        return "TypeError"
    return "ok"


def fast_on() -> bool:
    """Whether the fast path's state is set up with this job's peers (what every fast call starts from)."""
    return sorted(_rma._hp_peers) == list(range(NPES)) and _rma._hp_gates[RANK] == 1


def pattern(n: int, seed: int) -> bytes:
    return bytes((i * 31 + seed) % 251 for i in range(n))


def data() -> None:
    init()
    other = (RANK + 1) % NPES
    size = 2 * LIMIT + 64
    block = shmem.shmem_malloc(size)
    mine = shmem.shmem_malloc(size)
    shmem.shmem_barrier_all()
    shmem.shmem_putmem(block, mine, 1, RANK)  # the first call sets the fast path up
    errors: list[str] = []
    if not fast_on():
        errors.append("fast path not set up after a first put")
    view = shmem.buffer(mine, size)
    sizes = [1, 7, 8, 9, 63, 64, 4095, 4096, 4097, LIMIT - 1, LIMIT, LIMIT + 1, 2 * LIMIT]
    for n in sizes:
        for off in (0, 3):
            want = pattern(n, n + off + RANK)
            view[off:off + n] = want
            shmem.shmem_barrier_all()
            # int source in the heap, to the next PE; the bytes around stay untouched
            shmem.shmem_putmem(block + off, mine + off, n, other)
            shmem.shmem_barrier_all()
            got = bytes(shmem.buffer(block, size))
            src_pe = (RANK - 1) % NPES
            expect = pattern(n, n + off + src_pe)
            if got[off:off + n] != expect:
                errors.append(f"put int {n}+{off}: wrong bytes")
            if any(got[:off]) or any(got[off + n:off + n + 64]):
                errors.append(f"put int {n}+{off}: bytes around the range changed")
            shmem.shmem_barrier_all()
            shmem.buffer(block, size)[:] = bytes(size)
            shmem.shmem_barrier_all()
            # bytes source, then gets back into an int address, a bytearray and a NumPy-free buffer
            shmem.shmem_putmem(block + off, want, n, other)
            shmem.shmem_barrier_all()
            back = bytearray(n)
            shmem.shmem_getmem(back, block + off, n, other)
            if bytes(back) != want:
                errors.append(f"put bytes / get bytearray {n}+{off}: wrong bytes")
            shmem.shmem_getmem(mine + size - n, block + off, n, other)
            if bytes(view[size - n:]) != want:
                errors.append(f"get int {n}+{off}: wrong bytes")
            shmem.shmem_putmem_nbi(block + off, want[::-1], n, other)
            shmem.shmem_quiet()
            shmem.shmem_getmem_nbi(back, block + off, n, other)
            shmem.shmem_quiet()
            if bytes(back) != want[::-1]:
                errors.append(f"nbi {n}+{off}: wrong bytes")
            shmem.shmem_barrier_all()
            shmem.buffer(block, size)[:] = bytes(size)
            shmem.shmem_barrier_all()
    # A local side outside the heap: the runtime's fast entry (native/fastcall.c), which is really there.
    if _hot.fast_copy is _hot._declined:
        errors.append("no fast entry")
    outside = ctypes.create_string_buffer(2 * LIMIT)
    addr = ctypes.addressof(outside)
    for n in (1, 8, 13, 4096, LIMIT, LIMIT + 1):
        want = pattern(n, 7 * n + RANK)
        ctypes.memmove(addr, want, n)
        shmem.shmem_putmem(block, addr, n, RANK)
        if bytes(shmem.buffer(block, n)) != want:
            errors.append(f"put from outside the heap {n}: wrong bytes")
        ctypes.memset(addr, 0, n)
        shmem.shmem_getmem(addr + 1, block, n, RANK)
        if ctypes.string_at(addr + 1, n) != want:
            errors.append(f"get to outside the heap {n}: wrong bytes")
    spare = block + 2 * LIMIT  # past what the other PE checks meanwhile in its own block
    if not _hot.fast_copy(0, spare, addr, 8, other) or not _hot.fast_copy(1, addr, spare, 8, other):
        errors.append("the fast entry declined a plain 8 B copy")
    for args in ((0, block, 8, 8, other), (1, 8, block, 8, other), (0, block, addr, LIMIT + 1, other),
                 (0, block, addr, 8, NPES), (0, block, addr, 8, 1 << 70), (0, block, addr, 8.0, other),
                 (0, block, addr, True, other), (2, block, addr, 8, other), (0, block, addr, 0, other)):
        if _hot.fast_copy(*args) is not False:
            errors.append(f"the fast entry did not decline {args}")
    end = block + size  # the heap's own end is checked by the runtime; the block's end is inside it
    heap_end = _rma._hp_base + _rma._hp_size
    bad = {
        "pe -1": outcome(shmem.shmem_putmem, block, mine, 8, -1),
        "pe npes": outcome(shmem.shmem_putmem, block, mine, 8, NPES),
        "pe float": outcome(shmem.shmem_putmem, block, mine, 8, 1.0),
        "pe bool": outcome(shmem.shmem_putmem, block, mine, 8, True),
        "size float": outcome(shmem.shmem_putmem, block, mine, 8.0, other),
        "size negative": outcome(shmem.shmem_putmem, block, mine, -8, other),
        "dst float": outcome(shmem.shmem_putmem, float(block), mine, 8, other),
        "dst below heap": outcome(shmem.shmem_putmem, _rma._hp_base - 8, mine, 8, other),
        "dst past heap": outcome(shmem.shmem_putmem, heap_end - 4, mine, 8, other),
        "dst at heap end": outcome(shmem.shmem_putmem, heap_end - 8, mine, 8, RANK),
        "get src past heap": outcome(shmem.shmem_getmem, mine, heap_end - 4, 8, other),
        "get dst null": outcome(shmem.shmem_getmem, 0, block, 8, other),
        "get pe -1": outcome(shmem.shmem_getmem, mine, block, 8, -1),
        "get pe npes": outcome(shmem.shmem_getmem, mine, block, 8, NPES),
        "get pe float": outcome(shmem.shmem_getmem, mine, block, 8, 1.0),
        "short bytes": outcome(shmem.shmem_putmem, block, b"1234", 8, other),
        "short bytearray": outcome(shmem.shmem_getmem, bytearray(4), block, 8, other),
        "read-only get": outcome(shmem.shmem_getmem, b"12345678", block, 8, other),
        "list src": outcome(shmem.shmem_putmem, block, [1, 2], 8, other),
        "huge pe": outcome(shmem.shmem_putmem, block, mine, 8, 1 << 70),
        "end ok": outcome(shmem.shmem_putmem, end - 8, mine, 8, other),
        "put from unmapped": outcome(shmem.shmem_putmem, block, 8, 8, other),
        "get to unmapped": outcome(shmem.shmem_getmem, 8, block, 8, other),
        "put from outside, dst past heap": outcome(shmem.shmem_putmem, heap_end - 4, addr, 8, other),
    }
    shmem.shmem_fence()
    shmem.shmem_quiet()
    report({"errors": errors, "bad": bad, "fast": fast_on()})
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()


def signals() -> None:
    init()
    block = shmem.shmem_malloc(256)
    sig = shmem.shmem_malloc(64)
    shmem.shmem_barrier_all()
    shmem.shmem_putmem_signal(block, b"", 0, sig + 8, 0, 0, RANK)  # sets the fast path up
    errors: list[str] = []
    if not fast_on():
        errors.append("fast path not set up")
    wakes = []
    real_wake = _rma._wake

    def counting_wake(pe: int) -> None:
        wakes.append(pe)
        real_wake(pe)

    _rma._wake = counting_wake
    words = shmem.buffer(sig, 64).cast("i")
    if RANK == 0:
        # Wait in the runtime long enough to be asleep on the futex; PE 1 writes after 1 s.
        got = shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_EQ, -7)
        if got != -7 or bytes(shmem.buffer(block, 8)) != b"payload!":
            errors.append(f"woken with {got}, data {bytes(shmem.buffer(block, 8))!r}")
    else:
        time.sleep(1.0)
        shmem.shmem_putmem_signal(block, b"payload!", 8, sig, -7, shmem.SHMEM_SIGNAL_SET, 0)
        report({"wakes": list(wakes)})
    shmem.shmem_barrier_all()
    # Every comparison, at once, through the fast path's read; values beyond 32 bits go to the runtime's error.
    words[4] = -5
    cases = {"eq": (0, -5), "ne": (1, 0), "gt": (2, -6), "ge": (3, -5), "lt": (4, -4), "le": (5, -5)}
    for name, (cmp, value) in cases.items():
        if shmem.shmem_signal_wait_until(sig + 16, cmp, value) != -5:
            errors.append(f"wait {name}")
        if shmem.aclshmem_signal_wait_until(sig + 16, cmp, value) != -5:
            errors.append(f"aclshmem wait {name}")
    bad = {
        "value beyond 32 bits": outcome(shmem.shmem_signal_wait_until, sig + 16, 0, 1 << 40),
        "cmp 6": outcome(shmem.shmem_signal_wait_until, sig + 16, 6, 0),
        "sig misaligned": outcome(shmem.shmem_signal_wait_until, sig + 2, 0, 0),
        "sig float": outcome(shmem.shmem_signal_wait_until, float(sig), 0, 0),
        "put sig misaligned": outcome(shmem.shmem_putmem_signal, block, b"12345678", 8, sig + 2, 1, 0, 1 - RANK),
        "put signal beyond 32 bits": outcome(shmem.shmem_putmem_signal, block, b"12345678", 8, sig, 1 << 33, 0,
                                             1 - RANK),
        "put sig_op 2": outcome(shmem.shmem_putmem_signal, block, b"12345678", 8, sig, 1, 2, 1 - RANK),
        "put sig_op float": outcome(shmem.shmem_putmem_signal, block, b"12345678", 8, sig, 1, 0.0, 1 - RANK),
        "put pe -1": outcome(shmem.shmem_putmem_signal, block, b"12345678", 8, sig, 1, 0, -1),
        "put dst negative, no data": outcome(shmem.shmem_putmem_signal, -8, b"", 0, sig, 1, 0, 1 - RANK),
    }
    shmem.shmem_barrier_all()
    # SET and ADD interleaved from both PEs into one word of PE 0: ADD goes to the runtime, SET may not.
    if RANK == 1:
        for k in range(200):
            shmem.shmem_putmem_signal(block + 8, k.to_bytes(8, "little"), 8, sig + 32, 1, shmem.SHMEM_SIGNAL_ADD, 0)
        shmem.shmem_putmem_signal_nbi(block + 16, b"lastdata", 8, sig + 36, 99, shmem.SHMEM_SIGNAL_SET, 0)
        shmem.shmem_quiet()
    shmem.shmem_barrier_all()
    if RANK == 0 and (words[8] != 200 or words[9] != 99 or bytes(shmem.buffer(block + 16, 8)) != b"lastdata"):
        errors.append(f"ADD total {words[8]}, SET {words[9]}")
    _rma._wake = real_wake
    report({"errors": errors, "bad": bad})
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()


def finalize() -> None:
    results: dict[str, Any] = {}
    scratch = ctypes.create_string_buffer(8)
    for job in range(2):
        init()
        block = shmem.shmem_malloc(64)
        shmem.shmem_barrier_all()
        shmem.shmem_putmem(block, b"12345678", 8, (RANK + 1) % NPES)
        on = fast_on()
        base = _rma._hp_base
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()
        results[f"job {job}"] = {
            "fast during": on,
            "base": base,
            "state dropped": _rma._hp_peers == {} and _sig._hp_ipeers == {} and _rma._hp_size == -1,
            "put after": outcome(shmem.shmem_putmem, block, b"12345678", 8, 0),
            "get after": outcome(shmem.shmem_getmem, bytearray(8), block, 8, 0),
            "signal after": outcome(shmem.shmem_putmem_signal, block, b"12345678", 8, block, 1, 0, 0),
            "wait after": outcome(shmem.shmem_signal_wait_until, block, 0, 0),
            "quiet after": outcome(shmem.shmem_quiet),
            "fast entry after": _hot.fast_copy(0, block, ctypes.addressof(scratch), 8, 0),
            "retired ranges": shmem._core.api.RetiredRanges(),
        }
    # A thread that kept putting while the main thread finalized never crashed: run one through a finalize.
    init()
    block = shmem.shmem_malloc(64)
    shmem.shmem_barrier_all()
    stop, seen = threading.Event(), []

    def hammer() -> None:
        while not stop.is_set():
            try:
                shmem.shmem_putmem(block, b"12345678", 8, RANK)
            except shmem.ShmemError as e:
                seen.append(e.code)

    t = threading.Thread(target=hammer)
    t.start()
    time.sleep(0.2)
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    time.sleep(0.1)
    stop.set()
    t.join()
    results["racing thread"] = sorted(set(seen))
    report(results)


def dead() -> None:
    mem = MEM
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(RANK, NPES, mem, IP_PORT, attr) == 0
    assert shmem.shmem_set_timeout(attr, 60) == 0
    assert shmem.shmem_init(RANK, NPES, mem) == 0
    block = shmem.shmem_malloc(128)
    scratch = ctypes.create_string_buffer(8)
    shmem.shmem_barrier_all()
    shmem.shmem_putmem(block, block + 64, 8, RANK)
    on = fast_on()
    shmem.shmem_barrier_all()
    if RANK == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    deadline = time.monotonic() + 30
    first = None
    while time.monotonic() < deadline and first is None:
        try:
            shmem.shmem_putmem(block, block + 64, 8, 1)  # the fast path, until the gate shuts
        except shmem.ShmemError as e:
            first = e.code
    codes = {
        "put int": outcome(shmem.shmem_putmem, block, block + 64, 8, 1),
        "put bytes": outcome(shmem.shmem_putmem, block, b"12345678", 8, 1),
        "put nbi": outcome(shmem.shmem_putmem_nbi, block, b"12345678", 8, 1),
        "get int": outcome(shmem.shmem_getmem, block + 64, block, 8, 1),
        "get bytearray": outcome(shmem.shmem_getmem, bytearray(8), block, 8, 1),
        "put from outside": outcome(shmem.shmem_putmem, block, ctypes.addressof(scratch), 8, 1),
        "get to outside": outcome(shmem.shmem_getmem, ctypes.addressof(scratch), block, 8, 1),
        "get nbi": outcome(shmem.shmem_getmem_nbi, block + 64, block, 8, 1),
        "signal with data": outcome(shmem.shmem_putmem_signal, block, b"12345678", 8, block + 96, 1, 0, 1),
        "signal alone": outcome(shmem.shmem_putmem_signal, block, b"", 0, block + 96, 1, 0, 1),
        "self still": outcome(shmem.shmem_putmem, block, block + 64, 8, 0),
    }
    report({"fast before": on, "first": first, "codes": codes})
    try:
        shmem.shmem_finialize()
    except shmem.ShmemError:
        pass  # the final meeting misses the dead PE


def off(what: str) -> None:
    init("SDMA" if what == "SDMA" else "MTE")
    block = shmem.shmem_malloc(64)
    shmem.shmem_barrier_all()
    for _ in range(10):
        shmem.shmem_putmem(block, block + 32, 8, 1 - RANK)
    counted = None
    if what == "prof":  # the runtime counted every put to the other PE (kind "put", peer 1 - RANK)
        kinds = shmem._core.raw.api_ProfKinds().split("\n")
        rows = [line.split(",") for line in shmem._core.raw.api_ProfSnapshot().splitlines()[1:]]
        counted = sum(int(r[2]) for r in rows if kinds[int(r[0])].lower() == "put" and int(r[1]) == 1 - RANK)
    report({"peers": sorted(_rma._hp_peers), "gate": _rma._hp_gates[RANK], "snapshot": counted})
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()


if __name__ == "__main__":
    mode = sys.argv[1]
    {"data": data, "signal": signals, "finalize": finalize, "dead": dead}.get(mode, lambda: off(sys.argv[2]))()
