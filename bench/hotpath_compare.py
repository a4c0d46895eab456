"""The same-host rows of issue 14, shmem beside mpi4py one-sided RMA (Open MPI), in one run.

    python bench/hotpath_compare.py [--shmem NAME=PYTHONPATH ...] [--reps 3] [--only ROW,...]

Each --shmem names a build of shmem (a folder holding the `shmem` package, put first on PYTHONPATH; "" for the
installed one), so a build before and after a change are measured in the same run, interleaved with mpi4py
(`mpirun`, needs `mpi4py` and Open MPI). Every figure is the median of --reps launches; each launch reports the best
of 5 timed loops (one-sided calls in CPU time of the calling thread, so that other jobs on the machine do not count;
ping-pong, barrier and init in wall time). Rows: put/get 8 B (shmem: source and destination in the symmetric heap,
and a NumPy source), put bandwidth 4 KiB..64 MiB (+ C memcpy at 1 MiB), quiet alone, signal ping-pong one way,
barrier_all on 2/4/8 PEs, init+finalize of 8 PEs. The PE side is this same file run with --pe."""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import statistics
import subprocess
import sys
import time

KIB, MIB = 1 << 10, 1 << 20
BW_SIZES = [4 * KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB]
HEAP = 2 * 64 * MIB + 8 * MIB


def fixed_loop(fn, args: tuple, k: int, reps: int = 5) -> float:
    """Seconds per call: the best of reps loops of k calls (for collectives: every PE makes the same calls)."""
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(k):
            fn(*args)
        best = min(best, (time.perf_counter() - t0) / k)
    return best


def best_loop(fn, args: tuple, seconds: float = 0.03, reps: int = 5) -> float:
    """Seconds of this thread's CPU per call: the best of reps loops of about `seconds` each. CPU time, not wall
    time: on a machine shared with other jobs a one-sided call is all in the caller's thread (shmem's and mpi4py's
    alike), and its CPU time does not count the time it spent waiting for a core."""
    clock = time.thread_time
    k = 1
    while True:
        t0 = clock()
        for _ in range(k):
            fn(*args)
        dt = clock() - t0
        if dt > seconds / 10 or k >= 1 << 22:
            break
        k *= 4
    k = max(1, int(k * seconds / max(dt, 1e-9)))
    best = float("inf")
    for _ in range(reps):
        t0 = clock()
        for _ in range(k):
            fn(*args)
        best = min(best, (clock() - t0) / k)
    return best


def report(value: dict) -> None:
    print("RESULT " + json.dumps(value), flush=True)


# ------------------------------------------------------------------ shmem PEs

def shmem_pe(what: str) -> None:
    t_start = time.perf_counter()
    import numpy as np
    import shmem

    if what == "init":
        t0 = time.perf_counter()
        shmem.init(mem_size=1 << 20)
        shmem.shmem_finialize()
        report({"init_s": time.perf_counter() - t0, "import_s": t0 - t_start})
        return
    shmem.init(mem_size=HEAP)
    me, n = shmem.my_pe(), shmem.pe_count()
    out: dict = {}
    if what == "barrier":
        shmem.shmem_barrier_all()
        out["barrier_s"] = fixed_loop(shmem.shmem_barrier_all, (), 20000 // n)
    elif what == "rma":
        sym = shmem.shmem_malloc(64 * MIB + 8 * KIB)
        src_sym = shmem.shmem_malloc(64 * MIB + 8 * KIB)
        local = np.ones(64 * MIB + 8 * KIB, np.uint8)
        shmem.shmem_barrier_all()
        if me == 0:
            put, get = shmem.shmem_putmem, shmem.shmem_getmem
            put(sym, local.ctypes.data, 64 * MIB, 1)
            out["put8_s"] = best_loop(put, (sym, src_sym, 8, 1))
            out["get8_s"] = best_loop(get, (src_sym, sym, 8, 1))
            out["put8_np_s"] = best_loop(put, (sym, local.ctypes.data, 8, 1))
            out["get8_np_s"] = best_loop(get, (local.ctypes.data, sym, 8, 1))
            out["quiet_s"] = best_loop(shmem.shmem_quiet, ())
            for size in BW_SIZES:
                secs = 0.03 if size < 16 * MIB else 0.2
                out[f"put{size}_s"] = best_loop(put, (sym, src_sym, size, 1), secs, 3)
                out[f"put{size}_np_s"] = best_loop(put, (sym, local.ctypes.data, size, 1), secs, 3)
            libc = ctypes.CDLL(None)
            libc.memcpy.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
            peer = shmem.shmem_ptr(sym, 1)
            out["memcpy1M_s"] = best_loop(libc.memcpy, (peer, local.ctypes.data, MIB))
        shmem.shmem_barrier_all()
    elif what == "pingpong":
        slot = shmem.shmem_malloc(64)
        sig = shmem.shmem_malloc(64)
        data = shmem.shmem_malloc(64)
        shmem.shmem_barrier_all()
        put_signal, wait, eq = shmem.shmem_putmem_signal, shmem.shmem_signal_wait_until, shmem.SHMEM_CMP_EQ
        rounds = 20000
        for trial in range(5):
            shmem.shmem_barrier_all()
            base = trial * rounds * 2
            t0 = time.perf_counter()
            if me == 0:
                for k in range(base + 1, base + 2 * rounds, 2):
                    put_signal(slot, data, 8, sig, k, 0, 1)
                    wait(sig, eq, k + 1)
            else:
                for k in range(base + 1, base + 2 * rounds, 2):
                    wait(sig, eq, k)
                    put_signal(slot, data, 8, sig, k + 1, 0, 0)
            one_way = (time.perf_counter() - t0) / (2 * rounds)
            out["pingpong_s"] = min(out.get("pingpong_s", 1.0), one_way)
        shmem.shmem_barrier_all()
    if me == 0:
        report(out)
    shmem.shmem_finialize()


# ------------------------------------------------------------------ mpi4py PEs

def mpi_pe(what: str) -> None:
    t_start = time.perf_counter()
    import mpi4py

    mpi4py.rc.initialize = False
    mpi4py.rc.finalize = False
    import numpy as np
    from mpi4py import MPI

    if what == "init":
        t0 = time.perf_counter()
        MPI.Init()
        MPI.Finalize()
        report({"init_s": time.perf_counter() - t0, "import_s": t0 - t_start})
        return
    MPI.Init()
    comm = MPI.COMM_WORLD
    me = comm.Get_rank()
    out: dict = {}
    if what == "barrier":
        comm.Barrier()
        out["barrier_s"] = fixed_loop(comm.Barrier, (), 20000 // comm.Get_size())
    elif what == "rma":
        win = MPI.Win.Allocate(64 * MIB + 8 * KIB, 1, comm=comm)
        local = np.ones(64 * MIB + 8 * KIB, np.uint8)
        win.Lock_all()
        comm.Barrier()
        if me == 0:
            buf8 = local[:8]

            def put(b: object) -> None:
                win.Put(b, 1)
                win.Flush(1)

            def get(b: object) -> None:
                win.Get(b, 1)
                win.Flush(1)

            put(local[:64 * MIB])
            out["put8_s"] = best_loop(put, (buf8,))
            out["get8_s"] = best_loop(get, (buf8,))
            out["quiet_s"] = best_loop(win.Flush, (1,))
            for size in BW_SIZES:
                secs = 0.03 if size < 16 * MIB else 0.2
                out[f"put{size}_s"] = best_loop(put, (local[:size],), secs, 3)
        comm.Barrier()
        win.Unlock_all()
        win.Free()
    elif what == "pingpong":
        buf = np.zeros(1, np.int64)
        rounds = 20000
        for _ in range(5):
            comm.Barrier()
            t0 = time.perf_counter()
            if me == 0:
                for _ in range(rounds):
                    comm.Send(buf, 1)
                    comm.Recv(buf, 1)
            else:
                for _ in range(rounds):
                    comm.Recv(buf, 0)
                    comm.Send(buf, 0)
            one_way = (time.perf_counter() - t0) / (2 * rounds)
            out["pingpong_s"] = min(out.get("pingpong_s", 1.0), one_way)
    if me == 0:
        report(out)
    MPI.Finalize()


# ------------------------------------------------------------------ driver

def launch(kind: str, path: str, what: str, npes: int) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if kind == "shmem":
        if path:
            env["PYTHONPATH"] = path
        cmd = [sys.executable, "-m", "shmem.run", "-n", str(npes), sys.executable, __file__, "--pe", kind, what]
    else:
        cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", str(npes), "--mca", "btl", "self,vader",
               sys.executable, __file__, "--pe", kind, what]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd="/tmp")
    wall = time.perf_counter() - t0
    # Several PEs print at once: lines may be interleaved, so the results are picked out of the whole output.
    results = [json.loads(m.group(1)) for m in re.finditer(r"RESULT (\{[^{}]*\})", proc.stdout)]
    if proc.returncode != 0 or not results:
        raise SystemExit(f"{kind} {path} {what} failed ({proc.returncode}):\n"
                         f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    if what == "init":
        return {"init_s": max(r["init_s"] for r in results), "launch_s": wall}
    return results[0]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pe", nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--shmem", action="append", default=[], metavar="NAME=PYTHONPATH")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--only", default="rma,pingpong,barrier2,barrier4,barrier8,init8")
    args = p.parse_args()
    if args.pe:
        (shmem_pe if args.pe[0] == "shmem" else mpi_pe)(args.pe[1])
        return
    builds = [tuple(s.split("=", 1)) for s in args.shmem] or [("shmem", "")]
    runs = [("mpi4py", "mpi", "")] + [(name, "shmem", path) for name, path in builds]
    table: dict = {}
    for block in args.only.split(","):
        what, npes = (block[:-1], int(block[-1])) if block[-1].isdigit() else (block, 2)
        samples: dict = {}
        for _ in range(args.reps):
            for name, kind, path in runs:  # interleaved: a burst of load spoils one sample of each
                for key, value in launch(kind, path, what, npes).items():
                    label = f"{key}@{npes}" if what in ("barrier", "init") else key
                    samples.setdefault((name, label), []).append(value)
        for (name, key), values in samples.items():
            table.setdefault(key, {})[name] = statistics.median(values)
        print(f"# {block} done: " + json.dumps({f"{n} {k}": v for (n, k), v in samples.items()}), file=sys.stderr,
              flush=True)
    names = [r[0] for r in runs]
    print("| measure | " + " | ".join(names) + " | " + " | ".join(f"{n} / mpi4py" for n in names[1:]) + " |")
    print("|---|" + "---:|" * (2 * len(names) - 1))
    for key, row in table.items():
        cells = []
        for n in names:
            v = row.get(n)
            cells.append("" if v is None else f"{v * 1e9:.0f} ns" if v < 1e-3 else f"{v * 1e3:.2f} ms")
        ratios = [f"{row[n] / row['mpi4py']:.2f}x" if n in row and "mpi4py" in row else "" for n in names[1:]]
        print(f"| {key} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    print("\nbandwidth (GB/s):")
    for size in BW_SIZES:
        for suffix in ("", "_np"):
            key = f"put{size}{suffix}_s"
            if key in table:
                row = table[key]
                print(f"  put {size} B{suffix}: " + ", ".join(f"{n} {size / v / 1e9:.1f}" for n, v in row.items()))
    if "memcpy1M_s" in table:
        print("  memcpy 1 MiB: " + ", ".join(f"{n} {MIB / v / 1e9:.1f}" for n, v in table["memcpy1M_s"].items()))


if __name__ == "__main__":
    main()
