"""PE 0 sleeps in each kind of wait, in turn, on int32 variables of its heap; one kind of store wakes it: a put of
its own (from another thread), a peer's put, a peer's atomic. The engine (MTE, SDMA, ROCE: a network delivery) is
chosen by the test. For each wait PE 0 reports what it returned, the variables, and its process CPU time and wall
time while it waited.

Usage: python -m programs.waker <writer> <engine> <seconds before the write> [waiter ...]"""

from __future__ import annotations

import sys
import threading
import time

import numpy as np
import shmem

from programs.pe import IP_PORT, NPES, RANK, report

EQ = shmem.SHMEM_CMP_EQ
N = 4
VALUE = 7


def waiters(sym: int, indices: np.ndarray) -> dict:
    return {
        "wait": lambda: shmem.aclshmem_int32_wait(sym, 0),
        "wait_until": lambda: shmem.aclshmem_int32_wait_until(sym, EQ, VALUE),
        "wait_until_all": lambda: shmem.aclshmem_int32_wait_until_all(sym, N, [0, 0, 1, 0], EQ, VALUE),
        "wait_until_any": lambda: shmem.aclshmem_int32_wait_until_any(sym, N, None, EQ, VALUE),
        "wait_until_some": lambda: shmem.aclshmem_int32_wait_until_some(sym, N, indices, None, EQ, VALUE),
        "wait_until_all_vector": lambda: shmem.aclshmem_int32_wait_until_all_vector(
            sym, N, None, EQ, [VALUE] * N),
        "wait_until_any_vector": lambda: shmem.aclshmem_int32_wait_until_any_vector(
            sym, N, [1, 0, 0, 0], EQ, [VALUE] * N),
        "wait_until_some_vector": lambda: shmem.aclshmem_int32_wait_until_some_vector(
            sym, N, indices, None, EQ, [VALUE] * N),
        "signal_wait_until": lambda: shmem.aclshmem_signal_wait_until(sym, EQ, VALUE),
    }


def write(writer: str, sym: int) -> None:
    """Sets every variable to VALUE on PE 0, the way writer says."""
    if writer == "atomic":
        for i in range(N):
            shmem.shmem_int32_atomic_set(sym + 4 * i, VALUE, 0)
    else:
        shmem.shmem_putmem(sym, np.full(N, VALUE, dtype=np.int32).tobytes(), 4 * N, 0)


def cpu_seconds() -> float:
    """This process's user + system CPU time, from /proc/self/stat."""
    import os

    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    writer, engine, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(RANK, NPES, 1 << 20, IP_PORT, attr) == 0
    assert shmem.shmem_set_data_op_engine_type(attr, engine) == 0
    assert shmem.shmem_init(RANK, NPES, 1 << 20) == 0
    sym = shmem.shmem_calloc(N, 4)
    indices = np.zeros(N, dtype=np.uint64)
    kinds = waiters(sym, indices)
    results = {}
    for waiter in sys.argv[4:] or list(kinds):
        shmem.buffer(sym, 4 * N)[:] = bytes(4 * N)
        indices[:] = 0
        shmem.aclshmem_barrier_all()
        if RANK == 0:
            # The write comes `delay` seconds from now: the waiter is asleep in the futex by then.
            if writer == "local":
                threading.Timer(delay, write, (writer, sym)).start()
            wall, cpu = time.monotonic(), cpu_seconds()
            got = kinds[waiter]()
            wall, cpu = time.monotonic() - wall, cpu_seconds() - cpu
            values = np.frombuffer(shmem.buffer(sym, 4 * N), dtype=np.int32).tolist()
            results[waiter] = {"got": got, "indices": indices.tolist(), "values": values, "wall": wall, "cpu": cpu}
        elif RANK == 1 and writer != "local":
            time.sleep(delay)
            write(writer, sym)
        shmem.aclshmem_barrier_all()
    if RANK == 0:
        report(results)
    shmem.shmem_free(sym)
    shmem.shmem_finialize()


if __name__ == "__main__":
    main()
