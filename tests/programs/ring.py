"""Each PE puts its rank into the next PE's slot; every PE reports what it received (the spmd harness's own test)."""

from __future__ import annotations

import shmem

from programs.pe import NPES, RANK, report


def main() -> None:
    shmem.init(mem_size=1 << 20)  # rank, size and address from the SHMEM_* variables spmd sets
    slot = shmem.shmem_malloc(8)
    shmem.shmem_putmem(slot, RANK.to_bytes(8, "little"), 8, (RANK + 1) % NPES)
    shmem.shmem_barrier_all()
    report(int.from_bytes(shmem.buffer(slot, 8), "little"))
    shmem.shmem_free(slot)
    shmem.shmem_finialize()


if __name__ == "__main__":
    main()
