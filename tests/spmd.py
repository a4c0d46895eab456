"""Runs a PE program (a module under tests/programs) as N real PE processes: separate interpreters, separate heaps,
real sockets.

Each PE runs `python -m programs.<module> args` with the SHMEM_* launch variables in its environment
(programs/pe.py reads them as RANK, NPES and IP_PORT); `report(value)` sends a JSON-able value back to the test.
The processes are started fresh (never forked) and killed when the test's time runs out, so a hanging PE fails the
test instead of the run."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_TESTS_DIR = str(Path(__file__).resolve().parent)


@dataclass
class PE:
    rank: int
    returncode: int
    stdout: str
    stderr: str
    reports: list = field(default_factory=list)

    @property
    def report(self) -> Any:
        assert len(self.reports) == 1, f"PE {self.rank} reported {self.reports}\n{self.stderr}"
        return self.reports[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Every process a test starts inherits this mark (spmd copies os.environ), so the leftover check can tell this
# session's processes from another job's on the same machine.
SESSION_MARK = "PYSHMEM_TEST_SESSION"
os.environ.setdefault(SESSION_MARK, str(os.getpid()))
# Every PE process the harness started, for the leftover check.
STARTED: set = set()
_MEMFD = re.compile(r"/memfd:(shmem-(\d+)-[0-9a-z]+) ")


def heaps_held(pids: list | None = None, *, session_only: bool = False) -> list:
    """Heaps (memfd segments) that live processes hold, as descriptors or mappings: "<label> held by <pid>".

    A heap's memory exists exactly as long as some process holds it, so this is the whole of what a job can leave
    behind in memory: once it is empty for a job's pids, its heaps are freed. With pids, only heaps created by or
    held by those pids; with session_only, only holders started by this test session (or this process)."""
    found = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        holder = int(proc.name)
        try:
            if session_only and holder != os.getpid():
                mark = f"{SESSION_MARK}={os.environ[SESSION_MARK]}".encode()
                if mark not in (proc / "environ").read_bytes().split(b"\0"):
                    continue
            text = (proc / "maps").read_text()
            for fd in (proc / "fd").iterdir():
                text += os.readlink(fd) + " \n"
        except OSError:  # gone meanwhile, or not ours to read
            continue
        for label, creator in _MEMFD.findall(text):
            if pids is None or int(creator) in pids or holder in pids:
                found.add(f"{label} held by {holder}")
    return sorted(found)


def shm_segments(pids: list | None = None) -> list:
    """What the runtime's shared memory of the given pids (or of anyone) still occupies: names in /dev/shm (there
    should never be any: heaps are memfds) and heaps some live process holds (heaps_held)."""
    names = [p.name for p in Path("/dev/shm").glob("shmem-*")]
    if pids is not None:
        names = [n for n in names if any(n.startswith(f"shmem-{pid}-") for pid in pids)]
    return names + heaps_held(pids)


def start_module(n: int, module: str, *args: str, ranks: list | None = None, env: dict | None = None,
                 ip_port: str | None = None) -> list:
    """Starts PEs running `python -m programs.<module> args` (a real module under tests/programs)."""
    penv = {"PYTHONPATH": os.pathsep.join(p for p in (_TESTS_DIR, os.environ.get("PYTHONPATH", "")) if p)}
    penv.update(env or {})
    return _start(n, ["-m", f"programs.{module}", *args], ranks=ranks, env=penv, ip_port=ip_port)


def _start(n: int, argv: list, *, ranks: list | None, env: dict | None, ip_port: str | None) -> list:
    ip_port = ip_port if ip_port is not None else f"tcp://127.0.0.1:{free_port()}"
    procs = []
    for rank in (ranks if ranks is not None else range(n)):
        penv = dict(os.environ)
        penv.update({"SHMEM_RANK": str(rank), "SHMEM_NPES": str(n), "SHMEM_IP_PORT": ip_port,
                     "PYTHONUNBUFFERED": "1"})
        penv.update(env or {})
        procs.append((rank, subprocess.Popen([sys.executable, *argv], env=penv, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, text=True, start_new_session=True)))
        STARTED.add(procs[-1][1].pid)
    return procs


def wait(procs: list, timeout: float = 60) -> list:
    """Waits for every PE; kills them all if the time runs out and fails."""
    deadline = time.monotonic() + timeout
    results = []
    for rank, proc in procs:
        try:
            out, err = proc.communicate(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            for _, p in procs:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            out, err = proc.communicate()
            raise AssertionError(
                f"PE {rank} did not finish within {timeout}s\nstdout:\n{out}\nstderr:\n{err}") from None
        reports = [json.loads(line[7:]) for line in out.splitlines() if line.startswith("REPORT ")]
        results.append(PE(rank, proc.returncode, out, err, reports))
    return results


def _checked(results: list, check: bool) -> list:
    if check:
        for pe in results:
            assert pe.returncode == 0, (
                f"PE {pe.rank} exited {pe.returncode}\nstdout:\n{pe.stdout}\nstderr:\n{pe.stderr}")
    return results


def run_module(n: int, module: str, *args: str, timeout: float = 60, check: bool = True, **kw: Any) -> list:
    """Runs tests/programs/<module>.py on n PEs and waits; with check, every PE must exit 0."""
    return _checked(wait(start_module(n, module, *args, **kw), timeout), check)
