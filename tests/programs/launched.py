"""A PE that takes everything from its launcher (shmem.init() with no arguments): each PE puts its rank into
the next PE's slot and reports its rank, the job size and what it received; a failing init is reported with its
code and how long it took.

    python -m programs.launched [--before-init-marker] [--roce] [--hold SECONDS]

With --before-init-marker the PE prints "BEFORE-INIT" just before it calls init, so that a test can tell when
it is waiting in the rendezvous; with --roce every transfer goes through the network engine; with --hold it
prints "HOLDING" once initialised and waits SECONDS before the ring (a job that keeps its address busy)."""

from __future__ import annotations

import sys
import time

import shmem

from programs.pe import report


def main() -> None:
    if "--before-init-marker" in sys.argv:
        print("BEFORE-INIT", flush=True)
    start = time.monotonic()
    try:
        attrs = shmem.InitAttr()
        if "--roce" in sys.argv:
            shmem.shmem_set_data_op_engine_type(attrs, shmem.OpEngineType.ROCE)
        shmem.init(mem_size=1 << 20, attributes=attrs)
    except shmem.ShmemError as exc:
        report({"init_error": exc.code, "seconds": round(time.monotonic() - start, 3)})
        return
    me, npes = shmem.my_pe(), shmem.pe_count()
    if "--hold" in sys.argv:
        print("HOLDING", flush=True)
        time.sleep(float(sys.argv[sys.argv.index("--hold") + 1]))
    slot = shmem.shmem_malloc(8)
    shmem.shmem_putmem(slot, me.to_bytes(8, "little"), 8, (me + 1) % npes)
    shmem.shmem_barrier_all()
    got = int.from_bytes(shmem.buffer(slot, 8), "little")
    shmem.shmem_free(slot)
    shmem.shmem_finialize()
    report({"pe": me, "npes": npes, "got": got})


if __name__ == "__main__":
    main()
