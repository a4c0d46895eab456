"""Several SHMEM instances in the same processes (run on 4 PEs).

Instance 0 spans the 4 processes (PE i = process i). Instance 1 spans processes 2 and 3 only, numbered the other
way round (process 3 is its PE 0): an instance has PE numbering of its own and may leave processes out.

Modes (argv[1]):
  concurrent  both instances move data at once, from two threads of processes 2 and 3 (streams run the transfers);
              every byte is checked.
  lifecycle   instance 0 moves data from a thread while the main thread of processes 2 and 3 inits instance 1,
              uses it and finalizes it, twice; instance 0's data stay exact throughout.
  calls       the E1/E2 calls act on the current instance; instance 1 initialised through an InitAttr whose ip_port
              has port 0 (the port comes from SHMEM_INSTANCE_PORT_RANGE); finalizing an instance that is not
              current keeps the current one.
  exit        process 0 (instance 0 only) calls global_exit(7); processes 2 and 3, waiting in instance 1, exit
              with 7 too: the notice reaches every instance's PEs.
"""

from __future__ import annotations

import os
import sys
import threading
import time

import numpy as np
import shmem
from shmem import _buffers, _hot, core

from programs.pe import NPES, RANK, report

IN_ONE = RANK >= 2  # processes 2 and 3 are instance 1's PEs
RANK1 = 3 - RANK  # their PE number there
N = 4096  # 8-byte words per transfer
ROUNDS = 20


def shared(name: str, maker: bool) -> bytes:
    """A unique id made on the process maker is True for, shared by a file."""
    path = os.environ["SHMEM_TEST_STORE"] + "/" + name
    if maker:
        uid = core.get_unique_id()
        with open(path + ".tmp", "wb") as f:
            f.write(uid)
        os.rename(path + ".tmp", path)
        return uid
    deadline = time.monotonic() + 120
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the unique id {name} was never written")
        time.sleep(0.01)
    with open(path, "rb") as f:
        return f.read()


def init0() -> None:
    core.init(uid=shared("uid0", RANK == 0), rank=RANK, nranks=NPES, mem_size=8 << 20, initializer_method="uid")


def init1(name: str = "uid1") -> None:
    core.init(uid=shared(name, RANK1 == 0), rank=RANK1, nranks=2, mem_size=8 << 20, initializer_method="uid",
              instance_id=1)


def pattern(instance: int, pe: int, r: int) -> np.ndarray:
    return np.arange(N, dtype=np.uint64) + np.uint64((instance + 1) * 10**12 + pe * 10**8 + r * 10**5)


class Ring:
    """A ring exchange in one instance: each round every PE puts a pattern into its successor and checks what its
    predecessor put, all queued on a stream of the instance (put, then a barrier of every PE)."""

    def __init__(self, instance: int, me: int, npes: int) -> None:
        self.instance, self.me, self.npes = instance, me, npes
        with core.multi_instance(instance):
            self.src = core.buffer(N * 8)
            self.dst = [core.buffer(N * 8), core.buffer(N * 8)]  # by round parity: a neighbour one round ahead
            self.stream = core.Stream()
            core.barrier_all()
        self.errors: list[str] = []
        self.rounds = 0

    def round(self, r: int) -> None:
        nxt, prv = (self.me + 1) % self.npes, (self.me - 1) % self.npes
        with core.multi_instance(self.instance):  # held only to queue: the stream runs the operations
            np.from_dlpack(self.src).view(np.uint64)[:] = pattern(self.instance, self.me, r)
            core.put(self.dst[r % 2], self.src, nxt, self.stream)
            core.barrier_all_on_stream(self.stream)
        self.stream.synchronize()  # by handle: whichever instance is current now
        got = np.from_dlpack(self.dst[r % 2]).view(np.uint64)
        if not np.array_equal(got, pattern(self.instance, prv, r)):
            self.errors.append(f"instance {self.instance} round {r}: got {got[:2]} from PE {prv}")
        self.rounds += 1

    def run(self, rounds: int) -> None:
        for r in range(rounds):
            self.round(r)

    def close(self) -> None:
        with core.multi_instance(self.instance):
            self.stream.destroy()
            core.barrier_all()
            for b in (self.src, *self.dst):
                core.free(b)


def concurrent() -> None:
    init0()
    if IN_ONE:
        init1()
    ring0 = Ring(0, RANK, NPES)
    ring1 = Ring(1, RANK1, 2) if IN_ONE else None
    threads = [threading.Thread(target=ring0.run, args=(ROUNDS,))]
    if ring1 is not None:
        threads.append(threading.Thread(target=ring1.run, args=(ROUNDS,)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {"rounds": [ring0.rounds, ring1.rounds if ring1 else None],
           "errors": ring0.errors + (ring1.errors if ring1 else []),
           "distinct_heaps": None}
    if ring1 is not None:
        out["distinct_heaps"] = ring0.src.addr != ring1.src.addr
        ring1.close()
        core.finalize(instance_id=1)
    ring0.close()
    out["current_after"] = core.current_instance()
    core.finalize()
    report(out)


def lifecycle() -> None:
    init0()
    ring0 = Ring(0, RANK, NPES)
    worker = threading.Thread(target=ring0.run, args=(ROUNDS * 3,))
    worker.start()
    seen = []
    if IN_ONE:
        for cycle in range(2):
            init1(f"uid1-{cycle}")
            seen.append(core.current_instance())
            ring1 = Ring(1, RANK1, 2)
            ring1.run(5)
            seen.append(ring1.errors == [] and ring1.rounds == 5)
            ring1.close()
            core.finalize(instance_id=1)
            seen.append(core.current_instance())
    worker.join()
    ring0.close()
    report({"rounds": ring0.rounds, "errors": ring0.errors, "seen": seen})
    core.finalize()


def calls() -> None:
    init0()
    out: dict = {}
    if IN_ONE:
        attr = shmem.InitAttr()
        attr.my_rank, attr.n_ranks, attr.local_mem_size = RANK1, 2, 4 << 20
        attr.ip_port = "tcp://127.0.0.1:0"  # port 0: the instance's port from SHMEM_INSTANCE_PORT_RANGE
        attr.instance_id = 1
        out["init_attr"] = shmem.aclshmemx_init_attr(shmem.InitMode.DEFAULT, attr)
        out["rendezvous"] = shmem.job_info()["rendezvous"]
        # E1 and E2 calls act on the current instance.
        out["in1"] = [shmem.my_pe(), shmem.pe_count(), shmem.aclshmemx_instance_ctx_get().id]
        p1 = shmem.shmem_malloc(64)
        buf = np.full(8, 100 + RANK1, dtype=np.int64)
        shmem.shmem_putmem(p1, buf, 64, (RANK1 + 1) % 2)
        shmem.shmem_barrier_all()
        got1 = np.frombuffer(shmem.buffer(p1, 64), dtype=np.int64).tolist()
        shmem.shmem_barrier_all()  # both read before anything is put again
        # A buffer lent to a non-blocking put of instance 1 stays lent through a quiet of instance 0.
        shmem.shmem_putmem_nbi(p1, bytearray(64), 64, (RANK1 + 1) % 2)
        lent = [_buffers.lent_count()]
        out["ctx_set"] = [shmem.aclshmemx_instance_ctx_set(0), shmem.my_pe(), shmem.pe_count()]
        shmem.shmem_quiet()
        lent.append(_buffers.lent_count())
        shmem.aclshmemx_instance_ctx_set(1)
        shmem.shmem_quiet()
        lent.append(_buffers.lent_count())
        shmem.shmem_barrier_all()  # the zeros landed everywhere before the values are put again
        shmem.shmem_putmem(p1, buf, 64, (RANK1 + 1) % 2)
        shmem.shmem_barrier_all()
        out["lent"] = lent
        # The facade's fast path (copies through its views of the heaps) follows a switch: after it, an address of
        # instance 1's heap is no address of the current instance's, whatever the fast path saw before.
        shmem.shmem_putmem(p1, bytes(64), 64, (RANK1 + 1) % 2)
        fast = [_hot._state["_hp_size"] > 0]
        shmem.aclshmemx_instance_ctx_set(0)
        fast.append(_hot._state["_hp_size"])
        try:
            shmem.shmem_putmem(p1, b"\x01" * 64, 64, 1)
            fast.append("no error")
        except shmem.ShmemError as exc:
            fast.append(exc.code)
        shmem.aclshmemx_instance_ctx_set(1)
        shmem.shmem_barrier_all()
        fast.append(np.frombuffer(shmem.buffer(p1, 64), dtype=np.int64).tolist() == [0] * 8)
        out["fast_switch"] = fast
        shmem.aclshmemx_instance_ctx_set(0)
        out["unknown"] = [shmem.aclshmemx_instance_ctx_set(7), core.current_instance()]
        shmem.aclshmemx_instance_ctx_set(1)
        out["got1"] = got1
        shmem.shmem_free(p1)
        core.set_instance(0)
    # Instance 0 through E1 names, on every process.
    p0 = shmem.shmem_malloc(64)
    shmem.shmem_putmem(p0, np.full(8, 200 + RANK, dtype=np.int64), 64, (RANK + 1) % NPES)
    shmem.shmem_barrier_all()
    out["got0"] = np.frombuffer(shmem.buffer(p0, 64), dtype=np.int64).tolist()
    out["in0"] = [shmem.my_pe(), shmem.pe_count(), int(shmem.shmem_init_status())]
    if IN_ONE:
        # Finalizing instance 1 while 0 is current keeps 0 current; 1 is gone afterwards.
        out["finalize_other"] = [shmem.aclshmemx_finalize(1), core.current_instance(),
                                 shmem.aclshmemx_instance_ctx_set(1), shmem.aclshmemx_finalize(1)]
    shmem.shmem_free(p0)
    shmem.shmem_barrier_all()
    out["current_end"] = core.current_instance()
    report(out)
    core.finalize()


def exit_everywhere() -> None:
    """Instance 0: processes 0 and 1. Instance 1: processes 1, 2 and 3 (process 1 is in both). Process 0 exits
    globally; 2 and 3 hear of it only through process 1's instance 1."""
    if RANK <= 1:
        core.init(uid=shared("uid0", RANK == 0), rank=RANK, nranks=2, mem_size=4 << 20, initializer_method="uid")
    if RANK >= 1:  # instance 1 alone on processes 2 and 3: an instance needs no instance 0 beside it
        core.init(uid=shared("uid1", RANK == 1), rank=RANK - 1, nranks=3, mem_size=4 << 20,
                  initializer_method="uid", instance_id=1)
    ready = os.environ["SHMEM_TEST_STORE"] + f"/ready{RANK}"
    open(ready, "w").close()
    if RANK == 0:
        while not all(os.path.exists(os.environ["SHMEM_TEST_STORE"] + f"/ready{r}") for r in range(NPES)):
            time.sleep(0.01)
        shmem.shmem_global_exit(7)
    time.sleep(120)  # the notice ends this process
    print("not ended by the global exit", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    {"concurrent": concurrent, "lifecycle": lifecycle, "calls": calls, "exit": exit_everywhere}[sys.argv[1]]()
