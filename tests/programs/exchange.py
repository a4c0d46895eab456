"""Every PE puts a pattern into every other PE's heap, with put and get, and reports whether what arrived is
exact and which peers it can load and store directly (shmem_ptr not 0).

    python -m programs.exchange
"""

from __future__ import annotations

import shmem

from programs.pe import NPES, RANK, report

N = 1 << 20


def pattern(src: int, dst: int) -> bytes:
    return bytes((src * 31 + dst * 7 + i) % 251 for i in range(256)) * (N // 256)


def main() -> None:
    shmem.init(mem_size=NPES * N + (1 << 20))
    inbox = shmem.shmem_malloc(NPES * N)
    for pe in range(NPES):
        shmem.shmem_putmem(inbox + RANK * N, pattern(RANK, pe), N, pe)
    shmem.shmem_barrier_all()
    got = shmem.buffer(inbox, NPES * N)
    exact = all(bytes(got[src * N:(src + 1) * N]) == pattern(src, RANK) for src in range(NPES))
    back = bytearray(N)
    for pe in range(NPES):
        shmem.shmem_getmem(back, inbox + RANK * N, N, pe)
        exact = exact and bytes(back) == pattern(RANK, pe)
    report({"exact": exact, "direct": [shmem.shmem_ptr(inbox, pe) != 0 for pe in range(NPES)]})
    shmem.shmem_barrier_all()
    shmem.shmem_free(inbox)
    shmem.shmem_finialize()


if __name__ == "__main__":
    main()
