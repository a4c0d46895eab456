"""One PE of a benchmark job, for any of the three libraries: ``python _pe.py LIBRARY BLOCK`` (run by path).

It is run by file path, not as ``shmem.bench._pe``, so that an mpi4py or shmem4py PE never imports shmem (whose
Go runtime would share the cores with what is measured); it imports nothing of shmem's unless LIBRARY is shmem.
The job's parameters come in SHMEM_BENCH_PARAMS (JSON); every PE writes its figures as JSON to
SHMEM_BENCH_DIR/result.<rank>.json. Figures are lists of seconds per operation, one per timed loop (the
orchestrator takes the median).

The init block waits at a start gate (SHMEM_BENCH_DIR/go, written once every PE has written ready.<rank>), so
that the time of Python starting and importing is not counted, only initialisation and finalisation."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Loop = Callable[[int], None]


def rank_of(library: str) -> int:
    if library == "shmem":
        return int(os.environ["SHMEM_RANK"])
    return int(os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMIX_RANK", "0")))


def calibrate(loop: Loop, seconds: float) -> int:
    """How many iterations of loop take about `seconds` (at least 2)."""
    k = 1
    while True:
        t0 = time.perf_counter()
        loop(k)
        took = time.perf_counter() - t0
        if took >= seconds / 10 or k >= 1 << 24:
            return max(2, int(k * seconds / max(took, 1e-9)))
        k *= 4


def timed(loop: Loop, k: int, repeats: int) -> list[float]:
    """Seconds per iteration of loop, one figure per timed run of k iterations."""
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        loop(k)
        out.append((time.perf_counter() - t0) / k)
    return out


def sampled(loop: Loop, seconds: float, repeats: int) -> list[float]:
    """A loop run by one PE alone: calibrated to about `seconds` a run, warmed up, then timed `repeats` times."""
    return timed(loop, calibrate(loop, seconds), repeats)


def memcpy_baseline(params: dict[str, Any]) -> Any:
    """glibc memcpy timed inside C (the package's _baseline.c, compiled now); None without a C compiler."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        return None
    with tempfile.TemporaryDirectory(prefix="shmem-bench-") as tmp:
        so = Path(tmp) / "libbaseline.so"
        subprocess.run([gcc, "-O2", "-shared", "-fPIC", "-o", str(so), str(Path(__file__).with_name("_baseline.c"))],
                       check=True)
        lib = ctypes.CDLL(str(so))  # stays mapped after the folder is removed
    fn = lib.memcpy_ns
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long]
    fn.restype = ctypes.c_double
    return fn


def memcpy_figures(memcpy_ns: Any, dst: int, src: int, n: int, seconds: float, repeats: int) -> list[float]:
    per = memcpy_ns(dst, src, n, 4) * 1e-9
    iters = max(1, min(int(seconds / max(per, 1e-10)), 1 << 26))
    return [memcpy_ns(dst, src, n, iters) * 1e-9 for _ in range(repeats)]


# ---------------------------------------------------------------- shmem


def shmem_pe(block: str, p: dict[str, Any], rank: int) -> dict[str, Any]:
    import numpy as np

    if block == "init":
        import shmem

        gate(rank, p["npes"])
        t0 = time.time()
        shmem.init()
        shmem.shmem_finialize()
        return {"start": t0, "end": time.time()}
    import shmem

    sizes, seconds, repeats = p["sizes"], p["seconds"], p["repeats"]
    biggest = max(sizes) if sizes else 8
    shmem.init(mem_size=biggest + 8 * (1 << 20) + (p.get("reduce_bytes", 0) * 2))
    me, npes = shmem.my_pe(), shmem.pe_count()
    out: dict[str, Any] = {}
    if block == "rma":
        sym = shmem.shmem_malloc(biggest)
        if me == 0:
            local = np.zeros(biggest, np.uint8)
            local[:] = np.arange(biggest) % 251
            src, dst = int(local.ctypes.data), sym
            put, get, quiet = shmem.shmem_putmem, shmem.shmem_getmem, shmem.shmem_quiet
            put(dst, src, biggest, 1)  # every page touched once on both sides
            get(src, dst, biggest, 1)
            memcpy_ns = memcpy_baseline(p)
            peer = shmem.shmem_ptr(sym, 1)
            for n in sizes:
                def put_loop(k: int, n: int = n) -> None:
                    for _ in range(k):
                        put(dst, src, n, 1)

                def get_loop(k: int, n: int = n) -> None:
                    for _ in range(k):
                        get(src, dst, n, 1)

                out[f"put:{n}"] = sampled(put_loop, seconds, repeats)
                out[f"get:{n}"] = sampled(get_loop, seconds, repeats)
                if memcpy_ns is not None and peer:
                    out[f"memcpy:{n}"] = memcpy_figures(memcpy_ns, peer, src, n, seconds, repeats)

            def put_quiet_loop(k: int) -> None:
                for _ in range(k):
                    put(dst, src, 8, 1)
                    quiet()

            out["put_quiet:8"] = sampled(put_quiet_loop, seconds, repeats)
            # The data really moved: a fresh pattern put, read back through the peer's mapping.
            check = min(biggest, 1 << 20)
            local[:check] = np.arange(check) % 241
            put(dst, src, check, 1)
            back = np.zeros(check, np.uint8)
            get(int(back.ctypes.data), dst, check, 1)
            if not np.array_equal(back, local[:check]):
                raise SystemExit("shmem: the benchmark's puts did not deliver the data")
        shmem.shmem_barrier_all()  # PE 1 waits here while PE 0 measures
        shmem.shmem_free(sym)
    elif block == "pingpong":
        sig, dst, src = (shmem.shmem_malloc(64) for _ in range(3))
        put_signal, wait, eq = shmem.shmem_putmem_signal, shmem.shmem_signal_wait_until, shmem.SHMEM_CMP_EQ
        data, seen = ctypes.c_int64.from_address(src), ctypes.c_int64.from_address(dst)
        peer, token = 1 - me, [0]

        def hops(k: int) -> None:
            t = token[0]
            if me == 0:
                for _ in range(k):
                    t += 1
                    data.value = t
                    put_signal(dst, src, 8, sig, t, 0, peer)
                    wait(sig, eq, t)
            else:
                for _ in range(k):
                    t += 1
                    wait(sig, eq, t)
                    data.value = seen.value
                    put_signal(dst, src, 8, sig, t, 0, peer)
            token[0] = t

        out["pingpong"] = lockstep(hops, p["rounds"], repeats, shmem.shmem_barrier_all, halve=True)
        if seen.value != token[0]:
            raise SystemExit("shmem: the ping-pong data did not arrive with its signal")
        for block_ in (sig, dst, src):
            shmem.shmem_free(block_)
    elif block == "barrier":
        barrier = shmem.shmem_barrier_all

        def barriers(k: int) -> None:
            for _ in range(k):
                barrier()

        out["barrier"] = lockstep(barriers, p["rounds"], repeats, barrier)
    elif block == "allreduce":
        n = p["reduce_bytes"] // 4
        src_a, dst_a = shmem.array(n, "float32"), shmem.array(n, "float32")
        src_a[:] = np.arange(n, dtype=np.float32) % 1000 * (me + 1)
        reduce = shmem.sum_reduce

        def reduces(k: int) -> None:
            for _ in range(k):
                reduce(dst_a, src_a)

        out["allreduce"] = lockstep(reduces, p["rounds"], repeats, shmem.shmem_barrier_all)
        check_sum(np, dst_a, n, npes)
        shmem.shmem_free(dst_a)
        shmem.shmem_free(src_a)
    shmem.shmem_finialize()
    return out


def check_sum(np: Any, dst: Any, n: int, npes: int) -> None:
    expect = np.arange(n, dtype=np.float32) % 1000 * sum(range(1, npes + 1))
    if not np.allclose(dst, expect):
        raise SystemExit("the all-reduce gave a wrong result")


def lockstep(loop: Loop, rounds: int, repeats: int, sync: Callable[[], Any], halve: bool = False) -> list[float]:
    """A loop every PE runs together (a collective, a ping-pong): the same iteration count on every PE (no
    calibration), a warm-up of a tenth, a sync before each timed run. Halve: a round trip counts as two hops."""
    sync()
    loop(max(1, rounds // 10))
    out = []
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        loop(rounds)
        out.append((time.perf_counter() - t0) / rounds / (2 if halve else 1))
    return out


def gate(rank: int, npes: int) -> None:
    """Says this PE is ready, then waits for the orchestrator's go (bounded: 600 s)."""
    d = Path(os.environ["SHMEM_BENCH_DIR"])
    (d / f"ready.{rank}").write_text("")
    deadline = time.monotonic() + 600
    while not (d / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit("no start signal from the orchestrator")
        time.sleep(0.0005)


# ---------------------------------------------------------------- mpi4py (one-sided RMA, Open MPI)


def mpi4py_pe(block: str, p: dict[str, Any], rank: int) -> dict[str, Any]:
    import mpi4py

    mpi4py.rc.initialize = False
    mpi4py.rc.finalize = False
    import numpy as np
    from mpi4py import MPI

    if block == "init":
        gate(rank, p["npes"])
        t0 = time.time()
        MPI.Init()
        MPI.Finalize()
        return {"start": t0, "end": time.time()}
    MPI.Init()
    comm = MPI.COMM_WORLD
    me, npes = comm.Get_rank(), comm.Get_size()
    sizes, seconds, repeats = p["sizes"], p["seconds"], p["repeats"]
    out: dict[str, Any] = {}
    if block == "rma":
        biggest = max(sizes)
        win = MPI.Win.Allocate(biggest, 1, comm=comm)
        win.Lock_all()
        if me == 0:
            local = np.zeros(biggest, np.uint8)
            local[:] = np.arange(biggest) % 251
            put, get, flush = win.Put, win.Get, win.Flush
            put(local, 1)
            flush(1)
            for n in sizes:
                view = local[:n]

                def put_loop(k: int, view: Any = view) -> None:
                    for _ in range(k):
                        put(view, 1)
                        flush(1)

                def get_loop(k: int, view: Any = view) -> None:
                    for _ in range(k):
                        get(view, 1)
                        flush(1)

                out[f"put:{n}"] = sampled(put_loop, seconds, repeats)
                out[f"get:{n}"] = sampled(get_loop, seconds, repeats)
            check = min(biggest, 1 << 20)
            local[:check] = np.arange(check) % 241
            put(local[:check], 1)
            flush(1)
            back = np.zeros(check, np.uint8)
            get(back, 1)
            flush(1)
            if not np.array_equal(back, local[:check]):
                raise SystemExit("mpi4py: the benchmark's puts did not deliver the data")
        win.Unlock_all()
        comm.Barrier()
        win.Free()
    elif block == "pingpong":
        # MPI's way to hand 8 B and a wake-up to a waiting peer: a message (Send / Recv of a NumPy buffer).
        buf = np.zeros(1, np.int64)
        send, recv, peer, token = comm.Send, comm.Recv, 1 - me, [0]

        def hops(k: int) -> None:
            t = token[0]
            if me == 0:
                for _ in range(k):
                    t += 1
                    buf[0] = t
                    send(buf, peer)
                    recv(buf, peer)
            else:
                for _ in range(k):
                    t += 1
                    recv(buf, peer)
                    send(buf, peer)
            token[0] = t

        out["pingpong"] = lockstep(hops, p["rounds"], repeats, comm.Barrier, halve=True)
        if int(buf[0]) != token[0]:
            raise SystemExit("mpi4py: the ping-pong data was wrong")
    elif block == "barrier":
        barrier = comm.Barrier

        def barriers(k: int) -> None:
            for _ in range(k):
                barrier()

        out["barrier"] = lockstep(barriers, p["rounds"], repeats, barrier)
    elif block == "allreduce":
        n = p["reduce_bytes"] // 4
        src_a, dst_a = np.arange(n, dtype=np.float32) % 1000 * (me + 1), np.zeros(n, np.float32)
        allreduce, op = comm.Allreduce, MPI.SUM

        def reduces(k: int) -> None:
            for _ in range(k):
                allreduce(src_a, dst_a, op)

        out["allreduce"] = lockstep(reduces, p["rounds"], repeats, comm.Barrier)
        check_sum(np, dst_a, n, npes)
    MPI.Finalize()
    return out


# ---------------------------------------------------------------- shmem4py (Open MPI's OpenSHMEM)


def shmem4py_pe(block: str, p: dict[str, Any], rank: int) -> dict[str, Any]:
    import numpy as np

    os.environ["SHMEM4PY_RC_FINALIZE"] = "0"  # finalised here, in the open, not a second time at exit

    if block == "init":
        gate(rank, p["npes"])
        t0 = time.time()
        from shmem4py import shmem  # initialises OpenSHMEM on import

        shmem.finalize()
        return {"start": t0, "end": time.time()}
    from shmem4py import shmem

    me, npes = shmem.my_pe(), shmem.n_pes()
    sizes, seconds, repeats = p["sizes"], p["seconds"], p["repeats"]
    out: dict[str, Any] = {}
    if block == "rma":
        biggest = max(sizes)
        sym = shmem.zeros(biggest, dtype="u1")
        if me == 0:
            local = np.zeros(biggest, np.uint8)
            local[:] = np.arange(biggest) % 251
            put, get, quiet = shmem.put, shmem.get, shmem.quiet
            put(sym, local, 1)
            quiet()
            for n in sizes:
                sv, dv = local[:n], sym[:n]

                # OpenSHMEM's put returns once the source may be reused; the quiet makes it complete, as a shmem
                # put on one host is on return and as MPI's Flush makes a Put.
                def put_loop(k: int, sv: Any = sv, dv: Any = dv) -> None:
                    for _ in range(k):
                        put(dv, sv, 1)
                        quiet()

                def get_loop(k: int, sv: Any = sv, dv: Any = dv) -> None:
                    for _ in range(k):
                        get(sv, dv, 1)

                out[f"put:{n}"] = sampled(put_loop, seconds, repeats)
                out[f"get:{n}"] = sampled(get_loop, seconds, repeats)
            check = min(biggest, 1 << 20)
            local[:check] = np.arange(check) % 241
            put(sym[:check], local[:check], 1)
            quiet()
            back = np.zeros(check, np.uint8)
            get(back, sym[:check], 1)
            if not np.array_equal(back, local[:check]):
                raise SystemExit("shmem4py: the benchmark's puts did not deliver the data")
        shmem.barrier_all()
        shmem.free(sym)
    elif block == "pingpong":
        # Open MPI's OpenSHMEM (1.4) has no put_signal: the 1.4 idiom, put + fence + atomic set of a flag that the
        # peer waits on with wait_until.
        flag, dst, src = shmem.zeros(1, dtype="i8"), shmem.zeros(1, dtype="i8"), np.zeros(1, np.int64)
        put, fence, aset, wait, eq = shmem.put, shmem.fence, shmem.atomic_set, shmem.wait_until, shmem.CMP.EQ
        peer, token = 1 - me, [0]

        def hops(k: int) -> None:
            t = token[0]
            if me == 0:
                for _ in range(k):
                    t += 1
                    src[0] = t
                    put(dst, src, peer)
                    fence()
                    aset(flag, t, peer)
                    wait(flag, eq, t)
            else:
                for _ in range(k):
                    t += 1
                    wait(flag, eq, t)
                    src[0] = dst[0]
                    put(dst, src, peer)
                    fence()
                    aset(flag, t, peer)
            token[0] = t

        out["pingpong"] = lockstep(hops, p["rounds"], repeats, shmem.barrier_all, halve=True)
        if int(dst[0]) != token[0]:
            raise SystemExit("shmem4py: the ping-pong data did not arrive with its flag")
        shmem.barrier_all()
        shmem.free(flag)
        shmem.free(dst)
    elif block == "barrier":
        barrier = shmem.barrier_all

        def barriers(k: int) -> None:
            for _ in range(k):
                barrier()

        out["barrier"] = lockstep(barriers, p["rounds"], repeats, barrier)
    elif block == "allreduce":
        n = p["reduce_bytes"] // 4
        src_a, dst_a = shmem.zeros(n, dtype="f4"), shmem.zeros(n, dtype="f4")
        src_a[:] = np.arange(n, dtype=np.float32) % 1000 * (me + 1)
        reduce = shmem.sum_reduce

        def reduces(k: int) -> None:
            for _ in range(k):
                reduce(dst_a, src_a)

        out["allreduce"] = lockstep(reduces, p["rounds"], repeats, shmem.barrier_all)
        check_sum(np, dst_a, n, npes)
        shmem.barrier_all()
        shmem.free(dst_a)
        shmem.free(src_a)
    shmem.finalize()
    return out


PES = {"shmem": shmem_pe, "mpi4py": mpi4py_pe, "shmem4py": shmem4py_pe}


def main(argv: list[str]) -> int:
    library, block = argv
    rank = rank_of(library)
    params = json.loads(os.environ["SHMEM_BENCH_PARAMS"])
    try:
        result = PES[library](block, params, rank)
    except BaseException as err:  # the orchestrator says why, not only the exit status mpirun passes on
        why = f"PE {rank}: {type(err).__name__}: {err}"
        (Path(os.environ["SHMEM_BENCH_DIR"]) / f"error.{rank}").write_text(why)
        raise
    out = Path(os.environ["SHMEM_BENCH_DIR"]) / f"result.{rank}.json"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result))
    tmp.rename(out)  # the orchestrator never reads half a file
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
