"""Diagnostics and exit behaviour on a real job. Modes (argv[1]):

hosts      each PE reports job_info() (the test starts them with two SHMEM_HOST_IDs: two "hosts").
no-final   PE 2 returns without shmem_finialize (the exit hook finalizes it); the others finalize and report
           whether finalize logged a warning (a PE seen to die).
raises     PE 1 raises after init; the others finalize and report their warnings.
hold F     every PE keeps its heap until the file F exists, then finalizes (python -m shmem info looks meanwhile)."""

from __future__ import annotations

import logging
import os
import sys
import time

from programs.pe import RANK, report


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def main(mode: str) -> None:
    import shmem

    warnings = _Warnings()
    shmem.logger.addHandler(warnings)
    shmem.init(mem_size=1 << 20)
    shmem.shmem_barrier_all()
    if mode == "hosts":
        report(shmem.job_info())
        shmem.shmem_finialize()
        return
    if mode == "no-final" and RANK == 2:
        return  # no finalize: the atexit hook does it
    if mode == "raises" and RANK == 1:
        raise RuntimeError("PE 1 fails on purpose")
    if mode == "hold":
        deadline = time.monotonic() + 120
        while not os.path.exists(sys.argv[2]) and time.monotonic() < deadline:
            time.sleep(0.05)
        shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(warnings.lines)


if __name__ == "__main__":
    main(sys.argv[1])
