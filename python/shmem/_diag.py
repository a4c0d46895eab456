"""What ``python -m shmem info`` reports: versions, build, launcher, rendezvous address, heaps, memory and limits."""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from . import _launch_env

# A heap is a memfd labelled shmem-<creator pid>-<tag> (gopkg/internal/heap); /proc/<pid>/maps shows each mapping
# of it as "/memfd:<label> (deleted)".
_HEAP_MAPPING = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) .* /memfd:(shmem-(\d+)-[0-9a-z]+) ", re.MULTILINE)


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


def _meminfo(field: str) -> int | None:
    """A /proc/meminfo figure in bytes."""
    for line in (_read("/proc/meminfo") or "").splitlines():
        name, _, value = line.partition(":")
        if name == field and value.split():
            return int(value.split()[0]) * 1024
    return None


def heaps(proc: str = "/proc") -> dict[str, Any]:
    """The heaps of live jobs this user can see, found where they live: the mappings in /proc/<pid>/maps (a heap has
    no name in /dev/shm or anywhere; the kernel frees it with its last mapping, so none is ever left over). Each
    heap: its label, the pid that created it, its size, and the pids that map it. Also what limits new heaps:
    shmem_init refuses a heap larger than MemAvailable plus free swap."""
    found: dict[str, dict[str, Any]] = {}
    uid = os.getuid()
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"{proc}/{entry}").st_uid != uid:
                continue
            with open(f"{proc}/{entry}/maps") as f:
                maps = f.read()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        mapped: dict[str, int] = {}
        for lo, hi, label, creator in _HEAP_MAPPING.findall(maps):
            mapped[label] = mapped.get(label, 0) + int(hi, 16) - int(lo, 16)
            found.setdefault(label, {"label": label, "creator": int(creator), "bytes": 0, "mapped_by": []})
        for label, size in mapped.items():
            found[label]["bytes"] = max(found[label]["bytes"], size)
            found[label]["mapped_by"].append(int(entry))
    live = sorted(found.values(), key=lambda h: h["label"])
    for h in live:
        h["mapped_by"].sort()
    return {"kind": "memfd", "live": live, "memory_available": _meminfo("MemAvailable"),
            "swap_free": _meminfo("SwapFree")}


def system() -> dict[str, Any]:
    """Live heaps, the memory for new ones, and the limits that matter to a job."""
    out: dict[str, Any] = {"heaps": heaps()}
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
