"""What a freshly installed wheel must do on 4 PEs: put to the right neighbour, get from the left, a fetch-add on
PE 0 from everyone, barriers; each PE reports what it saw, with the module's file and version.

Run by tests/test_wheels.py under the wheel's own `shmemrun`, in a venv with no Go and no C compiler."""

from __future__ import annotations

import shmem

from programs.pe import NPES, RANK, report


def main() -> None:
    shmem.init(mem_size=1 << 20)  # rank, size and address from shmemrun
    me, n = shmem.my_pe(), shmem.pe_count()
    slot = shmem.shmem_malloc(16)
    shmem.shmem_putmem(slot, (me * 10).to_bytes(8, "little"), 8, (me + 1) % n)
    shmem.shmem_int64_atomic_fetch_add(slot + 8, me + 1, 0)
    shmem.shmem_barrier_all()
    got = bytearray(8)
    shmem.shmem_getmem(got, slot, 8, (me - 1) % n)  # the left neighbour's slot holds what its own left put
    shmem.shmem_barrier_all()
    local = shmem.buffer(slot, 16)
    report({"rank": RANK, "npes": NPES, "me": me, "n": n, "received": int.from_bytes(local[:8], "little"),
            "got": int.from_bytes(got, "little"), "sum": int.from_bytes(local[8:], "little"),
            "module": shmem.__file__, "version": list(shmem.shmem_info_get_version())})
    shmem.shmem_free(slot)
    shmem.shmem_finialize()


if __name__ == "__main__":
    main()
