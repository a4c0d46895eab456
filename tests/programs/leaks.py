"""A million hot calls on one PE; reports how much the resident set grew, in KiB (tests/test_leaks.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shmem

from programs.pe import report


def rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4


def main() -> None:
    assert shmem.shmem_init(0, 1, 1 << 20) == 0
    p = shmem.shmem_malloc(64)
    src = shmem.shmem_malloc(64)
    calls: list[Callable[[], Any]] = [
        lambda: shmem.shmem_putmem(p, src, 8, 0), lambda: shmem.shmem_getmem(src, p, 8, 0),
        lambda: shmem.shmem_putmem_nbi(p, src, 8, 0), shmem.shmem_quiet, shmem.shmem_fence,
        lambda: shmem.shmem_int32_p(p, 1, 0), lambda: shmem.shmem_int64_atomic_add(p + 8, 1, 0),
        lambda: shmem.shmem_putmem_signal(p, src, 8, p + 16, 1, shmem.SHMEM_SIGNAL_ADD, 0)]
    for call in calls:          # warm up: first calls allocate caches
        for _ in range(20000):
            call()
    before = rss_kib()
    for call in calls:
        for _ in range(150000):
            call()
    report(rss_kib() - before)
    shmem.shmem_finialize()


if __name__ == "__main__":
    main()
