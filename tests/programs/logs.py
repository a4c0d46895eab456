"""One process, no launcher: logging and init errors (tests/test_diagnostics.py). ``python -m programs.logs <case>``.

not-inited    prints the code job_info() raises before init.
init          init and finalize (what SHMEM_LOG_LEVEL shows of them goes to stderr); with "hidden", then logs an
              error through shmem.logger, which SHMEM_LOG_LEVEL=off must hide.
app-handlers  the application configures logging first: the runtime's lines go to its handlers, once.
init-failure  prints the code and message of the failing init."""

from __future__ import annotations

import logging
import sys

import shmem


def not_inited() -> None:
    try:
        shmem.job_info()
    except shmem.ShmemError as e:
        print(e.code)


def init(*extra: str) -> None:
    shmem.init(mem_size=1 << 20)
    shmem.shmem_finialize()
    if "hidden" in extra:
        shmem.logger.error("hidden")


def app_handlers() -> None:
    logging.basicConfig(level=logging.INFO, format="APP %(message)s")
    shmem.init(mem_size=1 << 20)
    shmem.shmem_finialize()


def init_failure() -> None:
    try:
        shmem.init(mem_size=1 << 20)
    except shmem.ShmemError as e:
        print(e.code, e)


if __name__ == "__main__":
    cases = {"not-inited": not_inited, "init": init, "app-handlers": app_handlers, "init-failure": init_failure}
    cases[sys.argv[1]](*sys.argv[2:])
