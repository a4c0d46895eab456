"""A user's program as a launcher starts it (tests/test_launch_recipes.py): ``python train.py``, rank, size and
rendezvous from the launcher's variables. Each PE puts a greeting into the next PE's buffer and prints a REPORT
line: its PE, the job size, what it got and which PEs' heaps it maps."""

from __future__ import annotations

import json

import shmem


def main() -> None:
    shmem.init(mem_size=1 << 22)          # rank, size and rendezvous from the launcher's variables
    me, npes = shmem.my_pe(), shmem.pe_count()
    buf = shmem.shmem_malloc(64)
    shmem.shmem_putmem(buf, f"hello from PE {me}".encode().ljust(64, b"."), 64, (me + 1) % npes)
    shmem.shmem_barrier_all()
    got = bytes(shmem.buffer(buf, 64)).rstrip(b".").decode()
    near = [pe for pe in range(npes) if shmem.shmem_ptr(buf, pe)]
    shmem.shmem_finalize()
    print("REPORT " + json.dumps({"pe": me, "npes": npes, "got": got, "near": near}), flush=True)


if __name__ == "__main__":
    main()
