"""shmem.core benchmarks: compute overlapping a stream of puts; the cost of profiling off and on; the copy
engine's chunk size set by set_sdma_config (config), set_udma_config (udma, a job on the UDMA engine) or
set_mte_config (mte); the network engine's frame size (rdma); connections per peer (qp N); the copy engine's
workers of a UDMA job (udmaqp N). Rank 0 prints.

Run: python bench/bench_core.py [overlap|prof|config|udma|mte|rdma|qp N|udmaqp N]  (starts its own 2 PEs; or
under shmemrun -n 2)"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _spawn import launched, spawn_pes  # noqa: E402


def compute(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def overlap(core, shmem, me: int, peer: int) -> None:
    nbytes, count, work = 4 << 20, 32, 200_000
    dst, src = core.buffer(nbytes), core.buffer(nbytes)
    s = core.Stream()
    core.barrier_all()
    t0 = time.perf_counter()
    for _ in range(count):
        shmem.shmem_putmem(dst.addr, src.addr, nbytes, peer)
    puts = time.perf_counter() - t0
    t0 = time.perf_counter()
    compute(work)
    comp = time.perf_counter() - t0
    core.barrier_all()
    t0 = time.perf_counter()
    for _ in range(count):
        core.put(dst, src, peer, s)
    compute(work)
    s.synchronize()
    both = time.perf_counter() - t0
    if me == 0:
        print(f"overlap: {count} puts of {nbytes >> 20} MiB {puts * 1e3:.1f} ms, compute {comp * 1e3:.1f} ms, "
              f"serial sum {(puts + comp) * 1e3:.1f} ms; on a stream beside the compute {both * 1e3:.1f} ms")
    s.destroy()
    core.barrier_all()


def put_ns(shmem, dst: int, src: int, peer: int, iters: int) -> float:
    put = shmem.shmem_putmem
    t0 = time.perf_counter_ns()
    for _ in range(iters):
        put(dst, src, 8, peer)
    return (time.perf_counter_ns() - t0) / iters


def prof(core, shmem, me: int, peer: int) -> None:
    dst, src = core.buffer(64), core.buffer(64)
    core.barrier_all()
    best = min(put_ns(shmem, dst.addr, src.addr, peer, 200_000) for _ in range(5))
    on = core.get_prof() is not None
    if me == 0:
        print(f"prof: 8-byte put {best:.0f} ns/call with profiling {'on' if on else 'off'}")
    core.barrier_all()


def config(core, shmem, me: int, peer: int, setter: str = "sdma") -> None:
    """64 MiB puts through the copy engine at each chunk size the setter (set_<setter>_config) gives."""
    nbytes = 64 << 20
    dst, src = core.buffer(nbytes), core.buffer(nbytes)
    core.barrier_all()
    for chunk in (4 << 10, 64 << 10, 1 << 20, 16 << 20):
        getattr(core, f"set_{setter}_config")(0, chunk, 0)
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(2):
                shmem.shmem_putmem(dst.addr, src.addr, nbytes, peer)
            best = min(best, (time.perf_counter() - t0) / 2)
        if me == 0:
            print(f"{setter}: set_{setter}_config chunk {chunk >> 10:>6} KiB: 64 MiB put {best * 1e3:7.1f} ms "
                  f"({nbytes / best / 1e9:.2f} GB/s)")
    core.barrier_all()


def rdma(core, shmem, me: int, peer: int) -> None:
    """The network engine (ROCE: every PE through it, here over loopback) with the frame size set_rdma_config
    gives."""
    nbytes = 64 << 20
    dst, src = core.buffer(nbytes), core.buffer(nbytes)
    core.barrier_all()
    for chunk in (16 << 10, 256 << 10, 4 << 20):
        core.set_rdma_config(0, chunk, 0)
        t0 = time.perf_counter()
        for _ in range(2):
            shmem.shmem_putmem(dst.addr, src.addr, nbytes, peer)
        dt = (time.perf_counter() - t0) / 2
        if me == 0:
            print(f"rdma: frame {chunk >> 10:>6} KiB: 64 MiB put over the network engine {dt * 1e3:7.1f} ms "
                  f"({nbytes / dt / 1e9:.2f} GB/s)")
    core.barrier_all()


def qp(core, shmem, me: int, peer: int) -> None:
    """64 MiB puts and gets over the network engine (ROCE, here over loopback) with the connections per peer
    that aclshmemx_set_qp_num gave before init (argument 2)."""
    nbytes = 64 << 20
    dst, src = core.buffer(nbytes), core.buffer(nbytes)
    core.barrier_all()
    for name, fn in (("put", shmem.shmem_putmem), ("get", shmem.shmem_getmem)):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            fn(dst.addr, src.addr, nbytes, peer)
            best = min(best, time.perf_counter() - t0)
        if me == 0:
            print(f"qp: {sys.argv[2]} connection(s) per peer: 64 MiB {name} {best * 1e3:7.1f} ms "
                  f"({nbytes / best / 1e9:.2f} GB/s)")
    core.barrier_all()


def udmaqp(core, shmem, me: int, peer: int) -> None:
    """64 MiB puts through the copy engine of a UDMA job whose workers aclshmemx_set_qp_num(UDMA, N) gave before
    init (argument 2), in 256 KiB chunks."""
    nbytes = 64 << 20
    dst, src = core.buffer(nbytes), core.buffer(nbytes)
    core.set_udma_config(0, 256 << 10, 0)
    core.barrier_all()
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        shmem.shmem_putmem(dst.addr, src.addr, nbytes, peer)
        best = min(best, time.perf_counter() - t0)
    if me == 0:
        print(f"udmaqp: {sys.argv[2]} copy-engine worker(s): 64 MiB put {best * 1e3:7.1f} ms "
              f"({nbytes / best / 1e9:.2f} GB/s)")
    core.barrier_all()


def main() -> None:
    import shmem
    from shmem import core

    mode = sys.argv[1] if len(sys.argv) > 1 else "overlap"
    attrs = shmem.InitAttr()
    if mode in ("config", "mte"):
        attrs.option_attr.data_op_engine_type = shmem.OpEngineType.SDMA
    if mode in ("udma", "udmaqp"):
        attrs.option_attr.data_op_engine_type = shmem.OpEngineType.UDMA
    if mode == "udmaqp":
        assert shmem.aclshmemx_set_qp_num(shmem.OpEngineType.UDMA, int(sys.argv[2])) == 0
    if mode in ("rdma", "qp"):
        attrs.option_attr.data_op_engine_type = shmem.OpEngineType.ROCE
    if mode == "qp":
        assert shmem.aclshmemx_set_qp_num(shmem.OpEngineType.ROCE, int(sys.argv[2])) == 0
    shmem.init(mem_size=(160 if mode == "qp" else 256) << 20, attributes=attrs)
    me = shmem.my_pe()
    modes = {"overlap": overlap, "prof": prof, "config": config, "rdma": rdma, "qp": qp,
             "udma": lambda *a: config(*a, setter="udma"), "mte": lambda *a: config(*a, setter="mte"),
             "udmaqp": udmaqp}
    modes[mode](core, shmem, me, (me + 1) % shmem.pe_count())
    shmem.shmem_finialize()


if __name__ == "__main__":
    if launched():
        main()
    else:
        sys.exit(spawn_pes(__file__, sys.argv[1:]))
