"""PE 0 blocks in one kind of call that nothing will satisfy; the test ends it with Ctrl-C (SIGINT) or watches
it end by itself (a frozen peer and control_operation_timeout, a dead peer). PE 0 reports "blocking" just before
the call, then how the call ended; the other PEs stay out of the way (asleep in Python) until the test ends them.

Usage: python -m programs.blocking <call> <engine> [control_operation_timeout] [stop]
With "stop", PE 1 freezes itself (SIGSTOP) once the job is up, before PE 0 calls."""

from __future__ import annotations

import os
import signal
import sys
import time

import numpy as np
import shmem

from programs.pe import IP_PORT, NPES, RANK, report

EQ = shmem.SHMEM_CMP_EQ


def calls(sym: int, local: np.ndarray) -> dict:
    return {
        "wait_until": lambda: shmem.aclshmem_int64_wait_until(sym, EQ, 1),
        "wait_until_any": lambda: shmem.aclshmem_int16_wait_until_any(sym, 4, None, EQ, 1),
        "wait_until_some_vector": lambda: shmem.aclshmem_float_wait_until_some_vector(
            sym, 4, local, None, EQ, [1.0] * 4),
        "signal_wait_until": lambda: shmem.shmem_signal_wait_until(sym, EQ, 1),
        "barrier_all": shmem.shmem_barrier_all,
        "aclshmem_barrier": lambda: shmem.aclshmem_barrier(shmem.SHMEM_TEAM_WORLD),
        "sync_all": shmem.aclshmem_sync_all,
        "team_split": lambda: shmem.team_split_strided(0, 0, 1, NPES),
        "broadcast": lambda: shmem.broadcast(sym + 64, sym, 1, nbytes=8),
        "getmem": lambda: shmem.shmem_getmem(local, sym, 8, 1),
        "putmem": lambda: shmem.shmem_putmem(sym, local, 8, 1),
        "quiet": lambda: [shmem.shmem_putmem_nbi(sym, local, 8, 1), shmem.shmem_quiet()],  # type: ignore[func-returns-value]
    }


def main() -> None:
    call, engine = sys.argv[1], int(sys.argv[2])
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(RANK, NPES, 1 << 20, IP_PORT, attr) == 0
    assert shmem.shmem_set_data_op_engine_type(attr, engine) == 0
    if len(sys.argv) > 3 and int(sys.argv[3]) > 0:
        assert shmem.shmem_set_timeout(attr, int(sys.argv[3])) == 0
    freeze = sys.argv[4:] == ["stop"]
    if call == "init":  # the other PEs never come
        report("blocking")
        try:
            shmem.shmem_init(RANK, NPES, 1 << 20)
        except KeyboardInterrupt:
            report("KeyboardInterrupt")
            os._exit(3)  # at once: the test times the exit
        report("returned")
        os._exit(5)
    assert shmem.shmem_init(RANK, NPES, 1 << 20) == 0
    sym = shmem.shmem_calloc(16, 8)
    local = np.zeros(8, dtype=np.uint64)
    shmem.shmem_barrier_all()
    if RANK != 0:
        report("idle")
        if freeze and RANK == 1:
            os.kill(os.getpid(), signal.SIGSTOP)
        try:
            time.sleep(600)
        except KeyboardInterrupt:
            pass
        os._exit(0)
    fn = calls(sym, local)[call]
    if freeze:
        time.sleep(1.0)  # PE 1 has stopped itself by then
    report("blocking")
    start = time.monotonic()
    try:
        fn()
    except KeyboardInterrupt:
        report(["KeyboardInterrupt", time.monotonic() - start])
        os._exit(3)
    except shmem.ShmemError as exc:
        report(["ShmemError", exc.code, time.monotonic() - start])
        os._exit(4)
    report(["returned", time.monotonic() - start])
    os._exit(5)


if __name__ == "__main__":
    main()
