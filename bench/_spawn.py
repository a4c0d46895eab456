"""Lets a benchmark run without a launcher: it starts its own PEs the way shmemrun does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time


def launched() -> bool:
    """Whether a launcher (shmemrun, torchrun, mpirun, srun) started this process as one PE of a job."""
    from shmem import _launch_env

    return _launch_env.detect_launch() is not None


def spawn_pes(script: str, argv: list[str], npes: int = 2, timeout: float = 600) -> int:
    """Runs script as npes PEs (rank 0 prints), as shmemrun would; returns the job's exit status."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []
    for rank in range(npes):
        env = dict(os.environ, SHMEM_RANK=str(rank), SHMEM_NPES=str(npes), SHMEM_IP_PORT=f"tcp://127.0.0.1:{port}")
        procs.append(subprocess.Popen([sys.executable, script, *argv], env=env))
    deadline, status = time.monotonic() + timeout, 0
    try:
        for proc in procs:
            status = status or proc.wait(timeout=max(deadline - time.monotonic(), 1))
            if status:
                break
    except subprocess.TimeoutExpired:
        print(f"{os.path.basename(script)}: the PEs did not finish within {timeout:.0f}s", file=sys.stderr)
        status = 1
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return status


def collect(procs: list[subprocess.Popen[str]], timeout: float) -> list[str]:
    """The stdout of every PE process in procs, in order, once each has exited 0 (SystemExit naming the status,
    and the end of its stderr when captured, otherwise); the PEs still running after a failure are killed."""
    outputs = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=timeout)
            if p.returncode != 0:
                raise SystemExit(f"a PE exited with {p.returncode}" + (f":\n{err[-2000:]}" if err else ""))
            outputs.append(out)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    return outputs
