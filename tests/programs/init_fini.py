"""Start-up, shut-down, attributes and global exit on real PE processes (tests/test_init_fini.py):
``python -m programs.init_fini <case> [args]``."""

from __future__ import annotations

import os
import threading
import time

import shmem

from programs.pe import IP_PORT, NPES, RANK, dispatch, report


def four_pes() -> None:
    """Four PEs meet, know who they are and pass a barrier."""
    assert shmem.shmem_init(RANK, NPES, 1 << 20) == 0
    seen = [shmem.my_pe(), shmem.pe_count(), shmem.my_pe(0), shmem.pe_count(0), int(shmem.shmem_init_status())]
    for _ in range(50):
        shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(seen + [int(shmem.shmem_init_status())])


def attributes_address(port: str) -> None:
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(RANK, NPES, 1 << 20, f"tcp://127.0.0.1:{port}", attr) == 0
    assert shmem.shmem_init(RANK, NPES, 1 << 20) == 0
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()


def torchrun_address() -> None:
    assert shmem.shmem_init(RANK, NPES, 1 << 20) == 0
    shmem.shmem_finialize()


def init_via_attributes() -> None:
    attr = shmem.InitAttr()
    attr.my_rank, attr.n_ranks, attr.local_mem_size, attr.ip_port = RANK, NPES, 1 << 20, IP_PORT
    assert shmem.shmem_init(attr) == 0
    assert shmem.my_pe() == RANK
    shmem.shmem_finialize()
    shmem.init(mem_size=1 << 20)       # shmemrun's variables
    assert (shmem.my_pe(), shmem.pe_count()) == (RANK, NPES)
    shmem.shmem_finialize()


def no_address() -> None:
    """Two PEs and no address anywhere: init returns the bootstrap error."""
    report(shmem.shmem_init(0, 2, 1 << 20))


def missing_pe() -> None:
    """A PE that never comes: init times out cleanly, and init works afterwards."""
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(RANK, NPES, 1 << 20, IP_PORT, attr) == 0
    assert shmem.shmem_set_timeout(attr, 2) == 0
    t0 = time.monotonic()
    rc = shmem.shmem_init(RANK, NPES, 1 << 20)
    took = time.monotonic() - t0
    status = int(shmem.shmem_init_status())
    left = [n for n in os.listdir("/dev/shm") if n.startswith(f"shmem-{os.getpid()}-")]
    threads = threading.active_count()
    # the port is free again and init works afterwards
    assert shmem.shmem_init(0, 1, 1 << 16) == 0
    shmem.shmem_finialize()
    report([rc, took, status, left, threads])


def rank0_port_taken() -> None:
    """Rank 0 that cannot bind its address: init returns the bootstrap error."""
    attr = shmem.InitAttr()
    shmem.shmem_set_attributes(0, 2, 1 << 20, IP_PORT, attr)
    shmem.shmem_set_timeout(attr, 2)
    report(shmem.shmem_init(0, 2, 1 << 20))


def init_again() -> None:
    """init, barrier and finalize three times over."""
    for i in range(3):
        assert shmem.shmem_init(RANK, NPES, 1 << 20) == 0, i
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()


def global_exit() -> None:
    """PE 1's global exit ends every PE, also ones busy in Python or blocked."""
    assert shmem.shmem_init(RANK, NPES, 1 << 20) == 0
    shmem.shmem_barrier_all()
    if RANK == 1:
        time.sleep(0.5)
        print("exiting at", time.time(), flush=True)
        shmem.shmem_global_exit(7)
    elif RANK == 2:
        time.sleep(60)          # busy in Python, not in the runtime
    else:
        shmem.shmem_barrier_all()   # never completes: PE 1 leaves
    print("not reached", flush=True)


def global_exit_before_init() -> None:
    """global_exit before init exits this process with the status."""
    shmem.shmem_global_exit(3)


def dead_pe() -> None:
    """A barrier with a dead PE fails with the bootstrap error instead of hanging."""
    attr = shmem.InitAttr()
    shmem.shmem_set_attributes(RANK, NPES, 1 << 20, IP_PORT, attr)
    shmem.shmem_set_timeout(attr, 60)
    assert shmem.shmem_init(RANK, NPES, 1 << 20) == 0
    shmem.shmem_barrier_all()
    if RANK == 1:
        os._exit(9)
    t0 = time.monotonic()
    try:
        shmem.shmem_barrier_all()
        report(["passed"])
    except shmem.ShmemError as e:
        report([e.code, time.monotonic() - t0])
    shmem.shmem_finialize()   # warns, does not raise: no data was lost


if __name__ == "__main__":
    dispatch({"four_pes": four_pes,
              "attributes_address": attributes_address,
              "torchrun_address": torchrun_address,
              "init_via_attributes": init_via_attributes,
              "no_address": no_address,
              "missing_pe": missing_pe,
              "rank0_port_taken": rank0_port_taken,
              "init_again": init_again,
              "global_exit": global_exit,
              "global_exit_before_init": global_exit_before_init,
              "dead_pe": dead_pe})
