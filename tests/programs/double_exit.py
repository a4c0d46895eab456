"""Two PEs call shmem_global_exit at the same moment with different statuses (PE 1 with 11, PE 2 with 12); the
others wait in a barrier that never completes. Every PE must end with one status, the first one's."""

from __future__ import annotations

import time

import shmem

from programs.pe import report


def main() -> None:
    shmem.init(mem_size=1 << 20)
    me = shmem.my_pe()
    shmem.shmem_barrier_all()
    report({"pe": me, "exiting_at": time.time()})
    if me in (1, 2):
        shmem.shmem_global_exit(10 + me)
    shmem.shmem_barrier_all()  # never completes: PEs 1 and 2 do not come
    report({"pe": me, "error": "the barrier completed"})


if __name__ == "__main__":
    main()
