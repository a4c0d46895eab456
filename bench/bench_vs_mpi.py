"""shmem beside mpi4py (Open MPI) in one run: barrier_all on 2, 4 and 8 PEs, all-reduce (sum) of 1 MiB of float32
on 4 PEs, and init+finalize of 8 PEs. Prints a markdown table with the ratio of each row and the target of issue 14.

    python bench/bench_vs_mpi.py                 # every row, 5 jobs of each kind per row
    python bench/bench_vs_mpi.py --repeats 9 --rows barrier
    python bench/bench_vs_mpi.py --build before=/tmp/old --build after=/tmp/new   # two builds, one run

Each number is the median over --repeats jobs, a shmem job and an mpi4py job taking turns (which one goes first
alternates), so both see the same machine. Inside a job PE 0 times rounds of many calls after a warm-up and keeps
the median round; init+finalize is the slowest PE's time from just before init to just after finalize (the
interpreter and the modules are already loaded). shmem's PEs are started the way shmemrun starts them; mpi4py's
with `mpirun --allow-run-as-root --oversubscribe` (Debian's openmpi-bin, PyPI's mpi4py): with more PEs than cores
Open MPI yields the CPU while it polls, as shmem does.

--build NAME=DIR (repeatable) measures the shmem package found in DIR (a `scripts/dev-build.sh DIR` build, or a
copy of an installed one) as a column of its own, put first on PYTHONPATH of its PEs; without it the shmem this
Python imports is measured.

Needs NumPy, mpi4py and mpirun; without mpi4py or mpirun only shmem's columns are filled."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time

from _spawn import collect  # bench/ is on sys.path: these scripts run as files

BARRIER_PES = (2, 4, 8)
REDUCE_PES, REDUCE_BYTES = 4, 1 << 20
INIT_PES = 8
ROUNDS = 7


def _timed(fn, calls: int) -> float:
    """Median over ROUNDS of the time of one call (seconds), each round timing `calls` calls."""
    samples = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - t0) / calls)
    return statistics.median(samples)


def _barrier_calls(npes: int) -> int:
    return 4000 if npes <= 2 else 2000


# --- inside a PE ---------------------------------------------------------------------------------------------------


def shmem_worker(task: str) -> dict:
    import numpy as np

    if task == "init":
        import shmem

        t0 = time.perf_counter()
        shmem.init()
        shmem.shmem_finialize()
        return {"seconds": time.perf_counter() - t0}
    import shmem
    from shmem import _collective as coll
    from shmem._core import raw

    shmem.init(mem_size=16 << 20)
    try:
        npes = shmem.pe_count()
        if task in ("barrier", "rawbarrier"):
            # rawbarrier: the extension's call alone, without the Python facade around it (what bounds the facade).
            fn = shmem.shmem_barrier_all if task == "barrier" else raw.api_BarrierAll
            for _ in range(500):
                fn()
            return {"seconds": _timed(fn, _barrier_calls(npes))}
        n = REDUCE_BYTES // 4
        src, dst = shmem.array(n, "float32"), shmem.array(n, "float32")
        src[:] = np.arange(n, dtype=np.float32) * (shmem.my_pe() + 1)
        for _ in range(10):
            coll.sum_reduce(dst, src)
        expect = np.arange(n, dtype=np.float32) * sum(range(1, npes + 1))
        assert np.array_equal(dst, expect), "all-reduce gave a wrong result"
        seconds = _timed(lambda: coll.sum_reduce(dst, src), 40)
        shmem.shmem_free(dst)
        shmem.shmem_free(src)
        return {"seconds": seconds}
    finally:
        shmem.shmem_finialize()


def mpi_worker(task: str) -> dict:
    import mpi4py
    import numpy as np

    mpi4py.rc.initialize = False
    mpi4py.rc.finalize = False
    from mpi4py import MPI

    if task == "init":
        t0 = time.perf_counter()
        MPI.Init()
        MPI.Finalize()
        return {"seconds": time.perf_counter() - t0}
    MPI.Init()
    try:
        comm = MPI.COMM_WORLD
        npes = comm.Get_size()
        if task in ("barrier", "rawbarrier"):
            for _ in range(500):
                comm.Barrier()
            return {"seconds": _timed(comm.Barrier, _barrier_calls(npes))}
        n = REDUCE_BYTES // 4
        src = np.arange(n, dtype=np.float32) * (comm.Get_rank() + 1)
        dst = np.empty(n, np.float32)
        for _ in range(10):
            comm.Allreduce(src, dst, op=MPI.SUM)
        expect = np.arange(n, dtype=np.float32) * sum(range(1, npes + 1))
        assert np.array_equal(dst, expect), "all-reduce gave a wrong result"
        return {"seconds": _timed(lambda: comm.Allreduce(src, dst, op=MPI.SUM), 40)}
    finally:
        MPI.Finalize()


# --- the driver ----------------------------------------------------------------------------------------------------


def _results(outputs: list) -> list:
    # Results are flat JSON objects; mpirun may glue the lines of several ranks together.
    return [json.loads(m) for out in outputs for m in re.findall(r"RESULT (\{[^{}]*\})", out)]




def run_shmem(npes: int, task: str, path: str = "", timeout: float = 600) -> list:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []
    for rank in range(npes):
        env = dict(os.environ, SHMEM_RANK=str(rank), SHMEM_NPES=str(npes), SHMEM_IP_PORT=f"tcp://127.0.0.1:{port}",
                   SHMEM_LOCAL_RANK=str(rank), SHMEM_LOCAL_SIZE=str(npes), SHMEM_LAUNCHER="shmemrun")
        if path:
            env["PYTHONPATH"] = os.pathsep.join(p for p in (path, os.environ.get("PYTHONPATH", "")) if p)
        procs.append(subprocess.Popen([sys.executable, __file__, "--worker", "shmem", task], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return _results(collect(procs, timeout))


def run_mpi(npes: int, task: str, mpirun_args: list, timeout: float = 600) -> list:
    cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", *mpirun_args, "-n", str(npes),
           sys.executable, __file__, "--worker", "mpi", task]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return _results(collect([proc], timeout))


def _have_mpi() -> bool:
    if shutil.which("mpirun") is None:
        return False
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def _rows(selected: list) -> list:
    rows = []
    if "barrier" in selected:
        rows += [(f"barrier_all, {n} PEs", n, "barrier") for n in BARRIER_PES]
    if "rawbarrier" in selected:
        rows += [(f"barrier_all without the facade, {n} PEs", n, "rawbarrier") for n in BARRIER_PES]
    if "allreduce" in selected:
        rows.append((f"all-reduce {REDUCE_BYTES >> 20} MiB float32, {REDUCE_PES} PEs", REDUCE_PES, "allreduce"))
    if "init" in selected:
        rows.append((f"init+finalize, {INIT_PES} PEs", INIT_PES, "init"))
    return rows


def _seconds(results: list, task: str) -> float:
    # init+finalize: the slowest PE; the others: PE 0 reported alone.
    return max(r["seconds"] for r in results) if task == "init" else results[0]["seconds"]


def _fmt(seconds: float) -> str:
    if seconds >= 0.1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-4:
        return f"{seconds * 1e6:.0f} us"
    if seconds >= 1e-5:
        return f"{seconds * 1e6:.1f} us"
    return f"{seconds * 1e9:.0f} ns"


def _target(task: str, ratio: float) -> str:
    if task == "allreduce":
        return f"{'met' if ratio <= 1 / 3 else 'NOT met'} (<= 0.33x)"
    return f"{'met' if ratio <= 1 else 'NOT met'} (<= 1x)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", nargs=2, metavar=("LIB", "TASK"), help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=5, help="jobs of each kind per row (default 5)")
    parser.add_argument("--rows", default="barrier,allreduce,init",
                        help="barrier, allreduce, init, rawbarrier (the extension's barrier call without the Python "
                             "facade, beside mpi4py's Barrier); comma-separated")
    parser.add_argument("--mpirun-args", default="", help="extra mpirun arguments, one string")
    parser.add_argument("--build", action="append", default=[], metavar="NAME=DIR",
                        help="a shmem build to measure, found in DIR (repeatable; the target is judged on the last)")
    args = parser.parse_args()
    if args.worker is not None:
        lib, task = args.worker
        result = shmem_worker(task) if lib == "shmem" else mpi_worker(task)
        rank = int(os.environ.get("SHMEM_RANK") or os.environ.get("OMPI_COMM_WORLD_RANK") or 0)
        if task == "init" or rank == 0:
            print("RESULT " + json.dumps(result), flush=True)
        return
    builds = [tuple(b.split("=", 1)) for b in args.build] or [("shmem", "")]
    mpi = _have_mpi()
    if not mpi:
        print("mpi4py or mpirun missing: shmem only\n", file=sys.stderr)
    libs = [name for name, _ in builds] + (["mpi4py"] if mpi else [])
    paths = dict(builds)
    rows = _rows(args.rows.split(","))
    times: dict = {(row, lib): [] for row, _, _ in rows for lib in libs}
    for rep in range(args.repeats):
        for row, npes, task in rows:
            for lib in libs if rep % 2 == 0 else libs[::-1]:  # who goes first alternates
                if lib == "mpi4py":
                    results = run_mpi(npes, task, args.mpirun_args.split())
                else:
                    results = run_shmem(npes, task, paths[lib])
                times[(row, lib)].append(_seconds(results, task))
        print(f"repeat {rep + 1}/{args.repeats} done", file=sys.stderr, flush=True)
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} at the end; median of {args.repeats} jobs per number\n")
    shmems = [name for name, _ in builds]
    head = "| measure | " + " | ".join(libs) + " |"
    if mpi:
        head += "".join(f" {name} / mpi4py |" for name in shmems) + " target |"
    print(head)
    print("|---|" + "---:|" * (len(libs) + (len(shmems) if mpi else 0)) + ("---|" if mpi else ""))
    for row, _, task in rows:
        med = {lib: statistics.median(times[(row, lib)]) for lib in libs}
        line = f"| {row} | " + " | ".join(_fmt(med[lib]) for lib in libs) + " |"
        if mpi:
            ratios = [med[name] / med["mpi4py"] for name in shmems]
            line += "".join(f" {r:.2f}x |" for r in ratios) + f" {_target(task, ratios[-1])} |"
        print(line)

if __name__ == "__main__":
    main()
