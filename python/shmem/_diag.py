"""What ``python -m shmem info`` reports: versions, build, launcher, rendezvous address, /dev/shm and limits."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from . import _launch_env

SHM_DIR = "/dev/shm"


class _Recorder(Mapping[str, str]):
    """The environment, noting every variable the launcher detection looks at (set or not)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.read: dict[str, str | None] = {}

    def __getitem__(self, key: str) -> str:
        self.read[key] = self.env.get(key)
        return self.env[key]

    def get(self, key: str, default: Any = None) -> Any:
        self.read[key] = self.env.get(key)
        return self.env.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self.env)

    def __len__(self) -> int:
        return len(self.env)


def launcher(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The launcher detected, what it read (every variable consulted, with its value or None) and the result."""
    rec = _Recorder(os.environ if env is None else env)
    out: dict[str, Any] = {}
    try:
        info = _launch_env.detect_launch(rec)
        if info is None:
            out["detected"] = None
            out["ip_port"] = _launch_env.resolve_ip_port(rec)
        else:
            out["detected"] = info.source
            out.update(rank=info.rank, npes=info.npes, local_rank=info.local_rank, ip_port=info.ip_port)
    except ValueError as exc:
        out["error"] = str(exc)
    out["read"] = dict(rec.read)
    return out


def _limit(which: int) -> dict[str, int | None]:
    """A resource limit's soft and hard values; None for unlimited."""
    soft, hard = resource.getrlimit(which)
    return {"soft": None if soft == resource.RLIM_INFINITY else soft,
            "hard": None if hard == resource.RLIM_INFINITY else hard}


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _owner_alive(segment: str) -> bool:
    """Whether the process that created a heap segment (shmem-<pid>-<random>) still runs."""
    pid = segment.split("-")[1]
    return pid.isdigit() and os.path.exists(f"/proc/{pid}")


def system() -> dict[str, Any]:
    """/dev/shm space and the limits that matter to a job."""
    out: dict[str, Any] = {}
    try:
        st = os.statvfs(SHM_DIR)
        names = sorted(n for n in os.listdir(SHM_DIR) if n.startswith("shmem-"))
        out["dev_shm"] = {"size": st.f_blocks * st.f_frsize, "free": st.f_bavail * st.f_frsize,
                          "shmem_segments_in_use": [n for n in names if _owner_alive(n)],
                          "shmem_segments_left_over": [n for n in names if not _owner_alive(n)]}
    except OSError as exc:
        out["dev_shm"] = {"error": f"{SHM_DIR}: {exc.strerror}"}
    out["memlock_bytes"] = _limit(resource.RLIMIT_MEMLOCK)  # ulimit -l (which shows KiB)
    out["open_files"] = _limit(resource.RLIMIT_NOFILE)  # ulimit -n
    out["address_space_bytes"] = _limit(resource.RLIMIT_AS)  # ulimit -v
    for name in ("shmmax", "shmall", "shmmni"):
        out[f"kernel.{name}"] = _read(f"/proc/sys/kernel/{name}")
    ports = _read("/proc/sys/net/ipv4/ip_local_port_range")
    out["ip_local_port_range"] = "-".join(ports.split()) if ports else None
    out["cpus"] = os.cpu_count()
    return out


def report(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Everything `python -m shmem info` prints, without starting a job."""
    import shmem

    from ._core import api

    return {
        "shmem": {"version": shmem.__version__, "name": shmem.shmem_info_get_name(),
                  "api_level": list(shmem.shmem_info_get_version()), "location": os.path.dirname(shmem.__file__),
                  "build": json.loads(api.BuildInfo())},
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation(),
                   "executable": sys.executable, "platform": platform.platform()},
        "launcher": launcher(env),
        "system": system(),
        "log_level": (os.environ if env is None else env).get("SHMEM_LOG_LEVEL"),
    }
