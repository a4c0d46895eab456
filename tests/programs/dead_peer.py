"""PE VICTIM (default: the last) SIGKILLs itself; every other PE times how long until a put to it fails with
SHMEM_BOOTSTRAP_ERROR, then tries every data path to the dead PE (put, get, their _nbi forms with quiet,
put-with-signal, a signal alone, typed put/get, every atomic of 32 and 64 bits, shmem_ptr) and reports what each
gave; on 3+ PEs it also checks that the living still exchange data.

    python -m programs.dead_peer ENGINE [VICTIM]     ENGINE: MTE or SDMA
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import shmem

from programs.pe import IP_PORT, NPES, RANK, report

BIG = 1 << 20  # above the SDMA engine's inline limit: goes through its workers
# Bound on the wait for the first -6: generous, the machine may be loaded; the measured figure is reported.
GIVE_UP = 30.0


def code_of(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        fn(*args)
    except shmem.ShmemError as e:
        return e.code
    return "no error"


def then_quiet(fn: Callable[..., Any]) -> Callable[..., Any]:
    def both(*args: Any) -> None:
        fn(*args)
        shmem.shmem_quiet()
    return both


def main() -> None:
    engine = sys.argv[1]
    attr = shmem.InitAttr()
    mem = 8 << 20
    assert shmem.shmem_set_attributes(RANK, NPES, mem, IP_PORT, attr) == 0
    assert shmem.shmem_set_data_op_engine_type(attr, shmem.OpEngineType[engine]) == 0
    assert shmem.shmem_set_timeout(attr, 60) == 0
    assert shmem.shmem_init(RANK, NPES, mem) == 0
    victim = int(sys.argv[2]) if len(sys.argv) > 2 else NPES - 1
    block = shmem.shmem_malloc(2 * BIG)
    words = shmem.shmem_malloc(64)
    local = bytearray(2 * BIG)
    shmem.shmem_barrier_all()
    if RANK == victim:
        report({"killed_at": time.monotonic()})
        os.kill(os.getpid(), signal.SIGKILL)

    # Until the death is known, puts succeed (they write memory the dead PE left mapped): that is the window
    # this measures. CLOCK_MONOTONIC is one clock for every process of the machine.
    deadline = time.monotonic() + GIVE_UP
    first = None
    while time.monotonic() < deadline:
        try:
            shmem.shmem_putmem(block, b"12345678", 8, victim)
        except shmem.ShmemError as e:
            first = e.code
            break
    noticed_at = time.monotonic()

    codes: dict = {}
    for n in (8, BIG):
        src = bytes(n)
        codes[f"putmem {n}"] = code_of(shmem.shmem_putmem, block, src, n, victim)
        codes[f"getmem {n}"] = code_of(shmem.shmem_getmem, local, block, n, victim)
        codes[f"putmem_nbi {n}"] = code_of(then_quiet(shmem.shmem_putmem_nbi), block, src, n, victim)
        codes[f"getmem_nbi {n}"] = code_of(then_quiet(shmem.shmem_getmem_nbi), local, block, n, victim)
        for op in (shmem.SHMEM_SIGNAL_SET, shmem.SHMEM_SIGNAL_ADD):
            codes[f"putmem_signal {n} op{op}"] = code_of(
                shmem.shmem_putmem_signal, block, src, n, words, 1, op, victim)
            codes[f"putmem_signal_nbi {n} op{op}"] = code_of(
                then_quiet(shmem.shmem_putmem_signal_nbi), block, src, n, words, 1, op, victim)
    for op in (shmem.SHMEM_SIGNAL_SET, shmem.SHMEM_SIGNAL_ADD):
        codes[f"signal alone op{op}"] = code_of(shmem.shmem_putmem_signal, block, b"", 0, words, 1, op, victim)
    codes["int64_p"] = code_of(shmem.shmem_int64_p, block, 1, victim)
    codes["int8_g"] = code_of(shmem.shmem_int8_g, block, victim)
    codes["double_g"] = code_of(shmem.shmem_double_g, block, victim)
    for t, word in (("int32", words + 8), ("int64", words + 16), ("uint32", words + 24), ("uint64", words + 32)):
        codes[f"{t} fetch"] = code_of(getattr(shmem, f"shmem_{t}_atomic_fetch"), word, victim)
        codes[f"{t} set"] = code_of(getattr(shmem, f"shmem_{t}_atomic_set"), word, 1, victim)
        codes[f"{t} swap"] = code_of(getattr(shmem, f"shmem_{t}_atomic_swap"), word, 1, victim)
        codes[f"{t} compare_swap"] = code_of(getattr(shmem, f"shmem_{t}_atomic_compare_swap"), word, 0, 1, victim)
        codes[f"{t} fetch_add"] = code_of(getattr(shmem, f"shmem_{t}_atomic_fetch_add"), word, 1, victim)
        codes[f"{t} add"] = code_of(getattr(shmem, f"shmem_{t}_atomic_add"), word, 1, victim)
        codes[f"{t} fetch_inc"] = code_of(getattr(shmem, f"shmem_{t}_atomic_fetch_inc"), word, victim)
        codes[f"{t} inc"] = code_of(getattr(shmem, f"shmem_{t}_atomic_inc"), word, victim)
    codes["quiet afterwards"] = code_of(shmem.shmem_quiet)

    living = None
    survivors = [pe for pe in range(NPES) if pe != victim]
    if len(survivors) > 1:
        # The living are not disturbed: a round trip with the next survivor, small and large.
        peer = survivors[(survivors.index(RANK) + 1) % len(survivors)]
        living = True
        for n in (8, BIG):
            data = os.urandom(n)
            off = block + RANK * 64 if n == 8 else block + BIG
            if n == BIG and RANK != survivors[0]:
                continue  # one writer of the large range per peer
            shmem.shmem_putmem(off, data, n, peer)
            back = bytearray(n)
            shmem.shmem_getmem(back, off, n, peer)
            living = living and bytes(back) == data
        shmem.shmem_int64_atomic_add(words + 40, 1, peer)
    report({"first": first, "noticed_at": noticed_at, "ptr": shmem.shmem_ptr(block, victim), "codes": codes,
            "living": living})
    try:
        shmem.shmem_finialize()
    except shmem.ShmemError:
        pass  # the final meeting misses the dead PE; local resources are released all the same


if __name__ == "__main__":
    main()
