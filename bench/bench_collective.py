"""Benchmark of team collectives: barrier latency on 2, 4 and 8 PEs, and all-reduce (sum) of float32 arrays on 4 PEs
next to plain NumPy summing the same arrays in one process. Prints a markdown table.

    python bench/bench_collective.py             # starts the PEs itself (separate processes)
    shmemrun -n 4 python bench/bench_collective.py   # or under the launcher: measures at that PE count

Every number is the median over several timed rounds of many calls, as seen by PE 0 (the PEs run in lock-step,
so every PE sees about the same)."""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

from _spawn import collect  # bench/ is on sys.path: these scripts run as files

BARRIER_PES = (2, 4, 8)
REDUCE_PES = 4
REDUCE_BYTES = (1 << 10, 1 << 20)
ROUNDS = 7


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timed(fn, calls: int) -> float:
    """Median over ROUNDS of the time of one call (seconds), each round timing `calls` calls."""
    samples = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - t0) / calls)
    return statistics.median(samples)


def measure_barrier() -> float:
    import shmem

    for _ in range(500):
        shmem.shmem_barrier_all()
    return _timed(shmem.shmem_barrier_all, 4000)


def measure_allreduce(nbytes: int) -> float:
    import numpy as np
    import shmem
    from shmem import _collective as coll

    n = nbytes // 4
    src, dst = shmem.array(n, "float32"), shmem.array(n, "float32")
    src[:] = np.arange(n, dtype=np.float32) * (shmem.my_pe() + 1)
    calls = max(20, min(4000, (64 << 20) // max(nbytes, 1) // 8))
    for _ in range(max(5, calls // 10)):
        coll.sum_reduce(dst, src)
    expect = np.arange(n, dtype=np.float32) * sum(range(1, shmem.pe_count() + 1))
    assert np.allclose(dst, expect), "all-reduce gave a wrong result"
    t = _timed(lambda: coll.sum_reduce(dst, src), calls)
    shmem.shmem_free(dst)
    shmem.shmem_free(src)
    return t


def numpy_sum(nbytes: int, arrays: int) -> float:
    """The same reduction in one process: sum `arrays` float32 arrays into a preallocated result."""
    import numpy as np

    n = nbytes // 4
    srcs = [np.arange(n, dtype=np.float32) * (k + 1) for k in range(arrays)]
    out = np.empty(n, np.float32)

    def run() -> None:
        np.add(srcs[0], srcs[1], out=out)
        for s in srcs[2:]:
            np.add(out, s, out=out)

    calls = max(20, min(20000, (256 << 20) // max(nbytes, 1) // 8))
    for _ in range(calls // 10):
        run()
    return _timed(run, calls)


def worker(tasks: list) -> dict:
    """Runs inside a PE: the measurements named in tasks; returns them (on PE 0)."""
    import shmem

    shmem.init(mem_size=8 << 20)
    out = {"npes": shmem.pe_count()}
    try:
        for task in tasks:
            if task == "barrier":
                out["barrier"] = measure_barrier()
            elif task.startswith("allreduce:"):
                nbytes = int(task.split(":")[1])
                out[task] = measure_allreduce(nbytes)
    finally:
        shmem.shmem_finialize()
    return out


def spawn(npes: int, tasks: list, timeout: float = 600) -> dict:
    """Starts npes PE processes running this file's worker; returns PE 0's results."""
    env_base = dict(os.environ, SHMEM_NPES=str(npes), SHMEM_IP_PORT=f"tcp://127.0.0.1:{_free_port()}")
    procs = []
    for rank in range(npes):
        env = dict(env_base, SHMEM_RANK=str(rank), SHMEM_LOCAL_RANK=str(rank), SHMEM_LOCAL_SIZE=str(npes),
                   SHMEM_LAUNCHER="shmemrun")
        procs.append(subprocess.Popen([sys.executable, __file__, "--worker", *tasks], env=env,
                                      stdout=subprocess.PIPE, text=True))
    outputs = collect(procs, timeout)
    for line in outputs[0].splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit("PE 0 reported nothing")


def table(barriers: dict, reduces: dict, npes_reduce: int) -> str:
    rows = ["| measurement | PEs | shmem | NumPy, one process | shmem / NumPy |", "|---|---|---|---|---|"]
    for npes, t in sorted(barriers.items()):
        rows.append(f"| barrier latency | {npes} | {t * 1e6:.1f} us | | |")
    for nbytes, (t, t_np) in sorted(reduces.items()):
        size = f"{nbytes >> 20} MiB" if nbytes >= 1 << 20 else f"{nbytes >> 10} KiB"
        rows.append(f"| all-reduce sum, {size} float32 | {npes_reduce} | {t * 1e6:.1f} us | {t_np * 1e6:.1f} us "
                    f"| {t / t_np:.1f}x |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    reduce_tasks = [f"allreduce:{n}" for n in REDUCE_BYTES]
    if args.worker is not None:  # a PE started by spawn()
        result = worker(args.worker)
        if int(os.environ["SHMEM_RANK"]) == 0:
            print("RESULT " + json.dumps(result), flush=True)
        return
    if os.environ.get("SHMEM_RANK"):  # started by a launcher: measure at its PE count, PE 0 prints
        result = worker(["barrier", *reduce_tasks])
        if int(os.environ["SHMEM_RANK"]) == 0:
            npes = result["npes"]
            reduces = {n: (result[f"allreduce:{n}"], numpy_sum(n, npes)) for n in REDUCE_BYTES}
            print(table({npes: result["barrier"]}, reduces, npes))
        return
    barriers = {npes: spawn(npes, ["barrier"])["barrier"] for npes in BARRIER_PES}
    measured = spawn(REDUCE_PES, reduce_tasks)
    reduces = {n: (measured[f"allreduce:{n}"], numpy_sum(n, REDUCE_PES)) for n in REDUCE_BYTES}
    print(f"{os.cpu_count()} CPUs; {ROUNDS} rounds per number, median\n")
    print(table(barriers, reduces, REDUCE_PES))


if __name__ == "__main__":
    main()
