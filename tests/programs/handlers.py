"""SIGINT with a Python handler that does not raise (tests/test_interrupt.py): ``python -m programs.handlers <case>``.

wait: on one PE, a wait that a SIGINT interrupts goes on and ends when its condition holds; reports the number of
times the handler ran. init: PE 0 of 2 (PE 1 never comes) is interrupted in shmem_init; reports the status.
wakeup_fd: reports the wakeup fd that importing shmem in the main thread set (-1: none)."""

from __future__ import annotations

import os
import signal
import threading

import shmem

from programs.pe import IP_PORT, dispatch, report


def wait() -> None:
    hits = []
    signal.signal(signal.SIGINT, lambda *a: hits.append(1))
    assert shmem.shmem_init(0, 1, 1 << 20) == 0
    sym = shmem.shmem_calloc(1, 8)
    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    threading.Timer(1.5, lambda: shmem.shmem_putmem(sym, (3).to_bytes(8, "little"), 8, 0)).start()
    shmem.aclshmem_int64_wait_until(sym, shmem.SHMEM_CMP_EQ, 3)
    report(len(hits))
    shmem.shmem_finialize()


def init() -> None:
    signal.signal(signal.SIGINT, lambda *a: None)
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(0, 2, 1 << 20, IP_PORT, attr) == 0
    threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    report(shmem.shmem_init(0, 2, 1 << 20))


def wakeup_fd() -> None:
    report(signal.set_wakeup_fd(-1))


if __name__ == "__main__":
    dispatch({"wait": wait, "init": init, "wakeup_fd": wakeup_fd})
