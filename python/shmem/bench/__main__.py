"""``python -m shmem.bench``: shmem's speed on this machine, in OSU-style tables, on local PEs it starts itself.

Blocks: put and get latency and bandwidth by size (8 B .. 64 MiB, 2 PEs, blocking calls complete on return),
an 8 B put followed by shmem_quiet, a signal ping-pong (2 PEs), barrier_all (2, 4, 8 PEs), an all-reduce (sum)
of 1 MiB of float32 (4 PEs), init + finalize (8 PEs). Every figure is the median of 3 timed loops (init: of 3
jobs). Beside the put bandwidth: glibc memcpy of the same size into the peer's heap as mapped here, timed in C.

--compare measures the same blocks, in the same run, through mpi4py (one-sided RMA: Win.Allocate, Lock_all,
Put+Flush / Get+Flush; the ping-pong with Send/Recv; Barrier; Allreduce) and shmem4py (put+quiet, get,
put + fence + atomic_set / wait_until, barrier_all, sum_reduce), each where it is installed (scripts/bench_setup.sh
installs them), started with mpirun / oshrun, and prints shmem's ratio to each.

Before each block it waits (at most --max-wait seconds) until the 1-minute load average and the CPUs' busy share
are below the limits, and marks the block measured on a busy machine when they never were."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _quiet, _report

PE_SCRIPT = Path(__file__).with_name("_pe.py")
MIB = 1 << 20
FULL_SIZES = [1 << k for k in range(3, 27)]  # 8 B .. 64 MiB
QUICK_SIZES = [8, 4096, 65536]
LIBRARIES = ("shmem", "mpi4py", "shmem4py")


@dataclass
class Run:
    """One block measured through one library: the medians (seconds per operation), or why it failed."""

    figures: dict[str, float] = field(default_factory=dict)
    machine: _quiet.Machine | None = None
    error: str | None = None


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m shmem.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--compare", action="store_true",
                   help="also measure mpi4py and shmem4py (where installed) in the same run, with ratios")
    p.add_argument("--quick", action="store_true",
                   help="a short run (a few sizes, short loops, at most 2 PEs unless --max-pes): checks the tool")
    p.add_argument("--max-pes", type=int, help="largest job (default 8; with --quick 2)")
    p.add_argument("--blocks", default="rma,pingpong,barrier,allreduce,init",
                   help="comma-separated blocks to run (default: all: rma,pingpong,barrier,allreduce,init)")
    p.add_argument("--max-size", type=int, help="largest put/get in bytes (default 64 MiB)")
    p.add_argument("--seconds", type=float, help="length of one timed loop (default 0.05; --quick 0.005)")
    p.add_argument("--max-load", type=float, default=float(os.cpu_count() or 1),
                   help="quiet machine: 1-minute load average at most this (default: the number of CPUs)")
    p.add_argument("--max-busy", type=float, default=0.5,
                   help="quiet machine: CPUs at most this busy over a 1 s sample (default 0.5)")
    p.add_argument("--max-wait", type=float, help="seconds to wait for a quiet machine before a block (default 60; "
                   "--quick 0)")
    p.add_argument("--mpirun", default=shutil.which("mpirun") or "mpirun", help="Open MPI's launcher")
    p.add_argument("--mpi-args", default="", help="extra mpirun arguments for mpi4py jobs")
    p.add_argument("--oshmem-args", default="--mca osc ^rdma",
                   help="extra mpirun arguments for shmem4py jobs (default: --mca osc ^rdma)")
    p.add_argument("--multihost", metavar="SCRIPT", nargs="?", const="bench/bench_multihost.py",
                   help="also run the across-hosts benchmark (two network namespaces, root; raw TCP baseline in "
                        "the same run): the script of a source checkout (default bench/bench_multihost.py)")
    p.add_argument("--markdown", metavar="FILE", help="write the report as markdown: into FILE between the "
                   f"lines {_report.BEGIN!r} and {_report.END!r} where it has them, else as the whole file")
    p.add_argument("--plot", metavar="FILE.png", help="draw latency and bandwidth by size (needs matplotlib)")
    p.add_argument("--json", metavar="FILE", help="write every figure as JSON")
    p.add_argument("--timeout", type=float, default=600, help="seconds one job may take (default 600)")
    args = p.parse_args(argv)
    if args.max_pes is None:
        args.max_pes = 2 if args.quick else 8
    if args.max_wait is None:
        args.max_wait = 0.0 if args.quick else 60.0
    if args.seconds is None:
        args.seconds = 0.005 if args.quick else 0.05
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    args.sizes = [n for n in sizes if args.max_size is None or n <= args.max_size] or [args.max_size]
    args.blocks = [b.strip() for b in args.blocks.split(",") if b.strip()]
    unknown = set(args.blocks) - {"rma", "pingpong", "barrier", "allreduce", "init"}
    if unknown:
        p.error(f"unknown blocks: {', '.join(sorted(unknown))}")
    if args.max_pes < 2:
        p.error("--max-pes must be at least 2")
    return args


# ---------------------------------------------------------------- what there is to compare with


def available(library: str) -> str | None:
    """Why library cannot be measured here, or None when it can."""
    if library == "shmem":
        return None
    import importlib.util

    if importlib.util.find_spec(library) is None:
        return f"{library} is not installed (scripts/bench_setup.sh installs it)"
    if shutil.which("mpirun") is None:
        return "Open MPI's mpirun is not on PATH"
    return None


def versions(libraries: list[str]) -> dict[str, str]:
    import shmem

    out = {"shmem": shmem.shmem_info_get_name()}
    code = {"mpi4py": "import mpi4py.rc as r; r.initialize=False; from mpi4py import MPI, __version__ as v; "
                      "print(v, MPI.Get_library_version().splitlines()[0].strip())",
            "shmem4py": "from importlib.metadata import version; print(version('shmem4py'))"}
    for lib in libraries:
        if lib in code:
            r = subprocess.run([sys.executable, "-c", code[lib]], capture_output=True, text=True, timeout=120)
            text = r.stdout.replace("\x00", "").strip() or r.stderr.strip()[-200:]  # MPI's string ends in a NUL
            out[lib] = " ".join(text.replace(",", " ").split())
    return out


# ---------------------------------------------------------------- jobs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_job(library: str, block: str, npes: int, workdir: Path, params: dict[str, Any],
              args: argparse.Namespace) -> list[subprocess.Popen[bytes]]:
    env = dict(os.environ, SHMEM_BENCH_DIR=str(workdir), SHMEM_BENCH_PARAMS=json.dumps(params))
    cmd = [sys.executable, str(PE_SCRIPT), library, block]
    if library == "shmem":
        port, procs = free_port(), []
        for rank in range(npes):
            pe_env = dict(env, SHMEM_RANK=str(rank), SHMEM_NPES=str(npes), SHMEM_IP_PORT=f"tcp://127.0.0.1:{port}",
                          SHMEM_LOCAL_RANK=str(rank), SHMEM_LOCAL_SIZE=str(npes), SHMEM_LAUNCHER="shmemrun")
            procs.append(subprocess.Popen(cmd, env=pe_env, start_new_session=True, stdout=subprocess.DEVNULL))
        return procs
    extra = (args.mpi_args if library == "mpi4py" else args.oshmem_args).split()
    if library == "shmem4py":
        # OpenSHMEM's symmetric heap: room for the largest transfer and the all-reduce's arrays.
        heap = max(params.get("sizes") or [0]) + 2 * params.get("reduce_bytes", 0) + 64 * MIB
        env["SHMEM_SYMMETRIC_SIZE"] = str(heap)
    mpirun = [args.mpirun, "-n", str(npes), "--oversubscribe", "--bind-to", "none"]
    if os.geteuid() == 0:
        mpirun.append("--allow-run-as-root")
    for name in ("SHMEM_BENCH_DIR", "SHMEM_BENCH_PARAMS", "SHMEM_SYMMETRIC_SIZE"):
        if name in env:
            mpirun += ["-x", name]
    return [subprocess.Popen([*mpirun, *extra, *cmd], env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)]


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Ends a job still running (a timeout): SIGTERM first, so that mpirun removes Open MPI's shared-memory
    segments, then SIGKILL to the job's own session after a grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for proc in procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, sig)  # the job's own session: mpirun's children go with it
                except ProcessLookupError:
                    pass
        for proc in procs:
            try:
                proc.wait(timeout=10 if sig == signal.SIGTERM else None)
            except subprocess.TimeoutExpired:
                pass


def run_job(library: str, block: str, npes: int, params: dict[str, Any],
            args: argparse.Namespace) -> list[dict[str, Any]]:
    """Runs one job; every PE's result. Raises RuntimeError with the reason when it fails."""
    with tempfile.TemporaryDirectory(prefix="shmem-bench-") as tmp:
        workdir = Path(tmp)
        procs = start_job(library, block, npes, workdir, params, args)
        deadline = time.monotonic() + args.timeout
        try:
            if block == "init":
                go = start_gate(workdir, npes, procs, deadline)
            for proc in procs:
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            failed = [p for p in procs if p.returncode]
            if failed:
                whys = sorted(workdir.glob("error.*"))
                raise RuntimeError(f"exit status {failed[0].returncode}"
                                   + (f": {whys[0].read_text()[:300]}" if whys else ""))
            results = []
            for rank in range(npes):
                f = workdir / f"result.{rank}.json"
                results.append(json.loads(f.read_text()) if f.exists() else {})
            if not results[0]:
                raise RuntimeError("PE 0 reported nothing")
            if block == "init":
                results[0]["init_s"] = max(r["end"] for r in results) - go
            return results
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"did not finish within {args.timeout:.0f} s") from None
        finally:
            stop(procs)


def start_gate(workdir: Path, npes: int, procs: list[subprocess.Popen[bytes]], deadline: float) -> float:
    """Waits until every PE has started and imported its library, then lets them all go at once; the moment."""
    while len(list(workdir.glob("ready.*"))) < npes:
        if any(p.poll() is not None for p in procs):
            return time.time()  # a PE died before the gate: run_job reports its status
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired("init gate", 0)
        time.sleep(0.01)
    go = time.time()
    (workdir / "go").write_text(str(go))
    return go


# ---------------------------------------------------------------- blocks


def plan(args: argparse.Namespace) -> list[tuple[str, str, int, dict[str, Any]]]:
    """(key, block, PEs, parameters) of every block to measure, in order."""
    q = args.quick
    common = {"seconds": args.seconds, "repeats": 3, "sizes": []}
    out: list[tuple[str, str, int, dict[str, Any]]] = []
    for block in args.blocks:
        if block == "rma":
            out.append(("rma", "rma", 2, dict(common, sizes=args.sizes)))
        elif block == "pingpong":
            out.append(("pingpong", "pingpong", 2, dict(common, rounds=100 if q else 2000)))
        elif block == "barrier":
            for npes in (2, 4, 8):
                if npes <= args.max_pes:
                    out.append((f"barrier:{npes}", "barrier", npes, dict(common, rounds=50 if q else 2000)))
        elif block == "allreduce":
            npes = min(4, args.max_pes)
            nbytes = 64 * 1024 if q else MIB
            out.append((f"allreduce:{npes}:{nbytes}", "allreduce", npes, dict(common, rounds=5 if q else 50,
                                                                      reduce_bytes=nbytes)))
        elif block == "init":
            npes = min(8, args.max_pes)
            out.append((f"init:{npes}", "init", npes, dict(common, npes=npes)))
    return out


def measure(key: str, block: str, npes: int, params: dict[str, Any], library: str,
            args: argparse.Namespace) -> Run:
    run = Run(machine=_quiet.wait_quiet(args.max_load, args.max_busy, args.max_wait, interval=1.0))
    try:
        if block == "init":  # one figure a job: three jobs
            figures = [run_job(library, block, npes, params, args)[0]["init_s"] for _ in range(params["repeats"])]
            run.figures = {"init": statistics.median(figures)}
        else:
            result = run_job(library, block, npes, params, args)[0]
            run.figures = {name: statistics.median(values) for name, values in result.items()}
    except RuntimeError as err:
        run.error = str(err)
    return run


def multihost(script: str, quick: bool) -> dict[str, Any]:
    """Runs the across-hosts benchmark of a source checkout (bench/bench_multihost.py, which measures raw TCP
    between the same namespaces in the same run); its markdown and figures, or why not."""
    path = Path(script)
    if not path.is_file():
        return {"error": f"{script} not found (it is in shmem's source checkout, not in the wheel)"}
    with tempfile.TemporaryDirectory(prefix="shmem-bench-") as tmp:
        out_json = Path(tmp) / "multihost.json"
        argv = [sys.executable, str(path), "--repeats", "3", "--json", str(out_json)]
        if quick:
            argv += ["--max-size", str(MIB), "--seconds", "0.05"]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
        if r.returncode != 0:
            return {"error": f"exit status {r.returncode}: {r.stderr.strip()[-300:]}"}
        figures = json.loads(out_json.read_text()) if out_json.exists() else None
        return {"markdown": r.stdout.strip(), "figures": figures}


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    libraries = ["shmem"]
    skipped: dict[str, str] = {}
    if args.compare:
        for lib in LIBRARIES[1:]:
            why = available(lib)
            if why is None:
                libraries.append(lib)
            else:
                skipped[lib] = why
    runs: dict[str, dict[str, Run]] = {}
    blocks = plan(args)
    for i, (key, block, npes, params) in enumerate(blocks):
        runs[key] = {}
        for lib in libraries:
            print(f"[{i + 1}/{len(blocks)}] {key} ({npes} PEs): {lib}", file=sys.stderr, flush=True)
            runs[key][lib] = measure(key, block, npes, params, lib, args)
            if runs[key][lib].error:
                print(f"    failed: {runs[key][lib].error}", file=sys.stderr, flush=True)
    across = multihost(args.multihost, args.quick) if args.multihost else None
    info = {"versions": versions(libraries), "skipped": skipped, "argv": argv, "cpus": os.cpu_count(),
            "python": sys.version.split()[0], "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "sizes": args.sizes}
    text = _report.markdown(runs, libraries, info, across)
    print(text, flush=True)
    if args.markdown:
        _report.write_markdown(Path(args.markdown), text)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"info": info, "runs": {k: {lib: {"figures": r.figures, "error": r.error,
                                               "machine": r.machine.__dict__ if r.machine else None}
                                         for lib, r in v.items()} for k, v in runs.items()},
             "multihost": across}, indent=1))
    if args.plot:
        why = _report.plot(Path(args.plot), runs, libraries, args.sizes)
        if why:
            print(f"--plot: {why}", file=sys.stderr)
    return 1 if any(r.error for v in runs.values() for lib, r in v.items() if lib == "shmem") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
