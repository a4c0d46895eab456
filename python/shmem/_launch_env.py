"""Where a job's rank, size and rendezvous address come from.

A shmem program started by ``shmemrun``, ``torchrun``, Open MPI's ``mpirun`` or
Slurm's ``srun`` finds its rank and job size in variables those launchers set.
This module reads them, so ``shmem.init()`` needs no arguments. It is plain
Python with no dependency on the extension: ``shmemrun`` uses it too.

Every function takes an optional environment mapping (``os.environ`` when
omitted) so that it can be tested without touching the process environment.
Empty variables count as unset, as shells make ``VAR=`` easy to type by mistake.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

# torchrun's own store listens on MASTER_PORT; the shmem rendezvous sits a
# fixed distance above it so both can run in one job.
TORCH_PORT_OFFSET = 11

# The runtime accepts 1024 < PORT <= 65535 (api-spec, shmem_set_attributes).
MIN_PORT = 1025
MAX_PORT = 65535

SOURCE_SHMEMRUN = "shmemrun"
SOURCE_TORCHRUN = "torchrun"
SOURCE_OPENMPI = "openmpi"
SOURCE_SLURM = "slurm"
SOURCE_ENV = "env"

_INTEGER = re.compile(r"[+-]?[0-9]+")
_IP_PORT_FORMS = "expected tcp://HOST:PORT or tcp6://[V6]:PORT with 1024 < PORT <= 65535"


@dataclass(frozen=True)
class JobIdentity:
    """Which job this process belongs to, for the rendezvous to tell jobs apart and keep strangers out."""

    identity: str  # the launcher's name of the job ("" when none is known)
    key: str  # SHMEM_JOB_KEY: a secret every process of the job knows ("" when none)
    all_local: bool  # the launcher says every PE runs on this host: they may meet without an address


@dataclass(frozen=True)
class LaunchInfo:
    """What the environment says about this process's place in the job."""

    rank: int
    npes: int
    ip_port: str | None  # None: the environment names no rendezvous address
    local_rank: int  # rank among the PEs on this host; the rank when unknown
    source: str  # SOURCE_*: which launcher's variables were used


def _environ(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _int_var(env: Mapping[str, str], name: str, minimum: int) -> int:
    raw = _get(env, name)
    if raw is None:
        raise ValueError(f"{name} is not set")
    if not _INTEGER.fullmatch(raw):
        raise ValueError(f"{name}={raw!r} is not an integer")
    value = int(raw)
    if value < minimum:
        raise ValueError(f"{name}={value} must be >= {minimum}")
    return value


def _check_port(port: int, what: str) -> int:
    if not MIN_PORT <= port <= MAX_PORT:
        raise ValueError(f"{what}: port {port} is outside {MIN_PORT}..{MAX_PORT}")
    return port


def _is_ipv6(host: str) -> bool:
    if ":" not in host:
        return False
    try:
        ipaddress.IPv6Address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def format_ip_port(host: str, port: int) -> str:
    """``tcp://host:port``, or ``tcp6://[host]:port`` for an IPv6 address.

    ``host`` may already carry brackets. ValueError for an empty host, a host
    that is neither IPv6 nor free of colons, or a port outside 1025..65535.
    """
    bare = host.strip()
    if bare.startswith("[") and bare.endswith("]"):
        bare = bare[1:-1]
    if not bare:
        raise ValueError("the rendezvous host is empty")
    _check_port(port, f"rendezvous address {host}")
    if _is_ipv6(bare):
        return f"tcp6://[{bare}]:{port}"
    if ":" in bare or "/" in bare or any(c.isspace() for c in bare):
        raise ValueError(f"{host!r} is neither a host name nor an IP address")
    return f"tcp://{bare}:{port}"


def parse_ip_port(ip_port: str) -> tuple[str, int]:
    """Split ``tcp://HOST:PORT`` / ``tcp6://[V6]:PORT`` into (host, port).

    The rules are the runtime's (gopkg/api ParseIPPort), so an address accepted
    here is accepted at init. ValueError, naming the address, otherwise.
    """

    def bad(why: str) -> ValueError:
        return ValueError(f"ip_port {ip_port!r} {why} ({_IP_PORT_FORMS})")

    if ip_port.startswith("tcp://"):
        rest, v6 = ip_port[len("tcp://") :], False
    elif ip_port.startswith("tcp6://"):
        rest, v6 = ip_port[len("tcp6://") :], True
    else:
        raise bad("has no tcp:// or tcp6:// scheme")
    host, sep, port_text = rest.rpartition(":")
    if not sep or not host:
        raise bad("has no HOST:PORT")
    if host.startswith("["):
        if not host.endswith("]") or len(host) == 2:
            raise bad("has no HOST:PORT")
        host = host[1:-1]
    elif v6:
        raise bad("needs the IPv6 address in brackets")
    if "[" in host or "]" in host:
        raise bad("has no HOST:PORT")
    if ":" in host and not v6:
        raise bad("holds an IPv6 address: use tcp6://[V6]:PORT")
    if not (port_text.isascii() and port_text.isdigit()):
        raise bad("has a port that is not a number")
    port = int(port_text)
    if not MIN_PORT <= port <= MAX_PORT:
        raise bad(f"has a port outside {MIN_PORT}..{MAX_PORT}")
    return host, port


def _shmem_ip_port(env: Mapping[str, str]) -> str | None:
    """The address shmem's own variables name, if any."""
    ip_port = _get(env, "SHMEM_IP_PORT")
    if ip_port is not None:
        try:
            parse_ip_port(ip_port)
        except ValueError as err:
            raise ValueError(f"SHMEM_IP_PORT: {err}") from None
        return ip_port
    addr = _get(env, "SHMEM_MASTER_ADDR")
    port_set = _get(env, "SHMEM_MASTER_PORT") is not None
    if addr is None and not port_set:
        return None
    if addr is None:
        raise ValueError("SHMEM_MASTER_PORT is set but SHMEM_MASTER_ADDR is not: set both")
    if not port_set:
        raise ValueError("SHMEM_MASTER_ADDR is set but SHMEM_MASTER_PORT is not: set both")
    port = _int_var(env, "SHMEM_MASTER_PORT", 0)
    return format_ip_port(addr, _check_port(port, "SHMEM_MASTER_PORT"))


def _torch_ip_port(env: Mapping[str, str]) -> str | None:
    """``tcp://$MASTER_ADDR:($MASTER_PORT+11)``; None unless both are set.

    An incomplete pair is ignored rather than refused: these are torch's names
    and may be set for another tool.
    """
    addr = _get(env, "MASTER_ADDR")
    if addr is None or _get(env, "MASTER_PORT") is None:
        return None
    port = _int_var(env, "MASTER_PORT", 0) + TORCH_PORT_OFFSET
    return format_ip_port(addr, _check_port(port, f"MASTER_PORT+{TORCH_PORT_OFFSET}"))


def resolve_ip_port(env: Mapping[str, str] | None = None) -> str | None:
    """The rendezvous address the environment gives, in api-spec's order.

    ``$SHMEM_IP_PORT``; else ``tcp://$SHMEM_MASTER_ADDR:$SHMEM_MASTER_PORT``;
    else ``tcp://$MASTER_ADDR:($MASTER_PORT+11)`` (torchrun); else None. IPv6
    hosts come back as ``tcp6://[V6]:PORT``. ValueError for a malformed value.
    """
    e = _environ(env)
    ip_port = _shmem_ip_port(e)
    return ip_port if ip_port is not None else _torch_ip_port(e)


def _launch_info(
    env: Mapping[str, str],
    rank_var: str,
    size_var: str,
    local_var: str,
    ip_port: str | None,
    source: str,
) -> LaunchInfo:
    rank = _int_var(env, rank_var, 0)
    npes = _int_var(env, size_var, 1)
    if rank >= npes:
        raise ValueError(f"{rank_var}={rank} must be below {size_var}={npes}")
    local_rank = _int_var(env, local_var, 0) if _get(env, local_var) is not None else rank
    return LaunchInfo(rank=rank, npes=npes, ip_port=ip_port, local_rank=local_rank, source=source)


def _both_set(env: Mapping[str, str], rank_var: str, size_var: str) -> bool:
    return _get(env, rank_var) is not None and _get(env, size_var) is not None


def detect_launch(env: Mapping[str, str] | None = None) -> LaunchInfo | None:
    """This process's rank, job size and address, from the first launcher found.

    Order: shmem's variables (SHMEM_RANK, SHMEM_NPES: source "shmemrun" when
    SHMEM_LAUNCHER says so, else "env"); torchrun (RANK, WORLD_SIZE,
    LOCAL_RANK); Open MPI (OMPI_COMM_WORLD_RANK/_SIZE/_LOCAL_RANK); Slurm
    (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID). shmem and torchrun jobs take
    their address from ``resolve_ip_port``; MPI and Slurm jobs only from
    SHMEM_IP_PORT or SHMEM_MASTER_ADDR/PORT, else ip_port is None and the
    caller decides. None when no launcher is recognised. ValueError for a
    malformed or inconsistent value, or only one of SHMEM_RANK/SHMEM_NPES.
    """
    e = _environ(env)
    has_rank, has_npes = _get(e, "SHMEM_RANK") is not None, _get(e, "SHMEM_NPES") is not None
    if has_rank != has_npes:
        missing = "SHMEM_NPES" if has_rank else "SHMEM_RANK"
        present = "SHMEM_RANK" if has_rank else "SHMEM_NPES"
        raise ValueError(f"{present} is set but {missing} is not: set both")
    if has_rank:
        source = SOURCE_SHMEMRUN if _get(e, "SHMEM_LAUNCHER") == "shmemrun" else SOURCE_ENV
        return _launch_info(e, "SHMEM_RANK", "SHMEM_NPES", "SHMEM_LOCAL_RANK", resolve_ip_port(e), source)
    if _both_set(e, "RANK", "WORLD_SIZE"):
        return _launch_info(e, "RANK", "WORLD_SIZE", "LOCAL_RANK", resolve_ip_port(e), SOURCE_TORCHRUN)
    if _both_set(e, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"):
        return _launch_info(
            e,
            "OMPI_COMM_WORLD_RANK",
            "OMPI_COMM_WORLD_SIZE",
            "OMPI_COMM_WORLD_LOCAL_RANK",
            _shmem_ip_port(e),
            SOURCE_OPENMPI,
        )
    if _both_set(e, "SLURM_PROCID", "SLURM_NTASKS"):
        return _launch_info(e, "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", _shmem_ip_port(e), SOURCE_SLURM)
    return None


# Launchers' names of a job, innermost launcher first: an mpirun started inside
# a Slurm allocation sees both, and its ranks are the job.
_IDENTITY_SOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("torchrun", ("TORCHELASTIC_RUN_ID",)),
    ("openmpi", ("PMIX_NAMESPACE",)),
    ("openmpi", ("OMPI_MCA_ess_base_jobid",)),
    ("openmpi", ("OMPI_MCA_orte_ess_jobid",)),
    ("slurm", ("SLURM_JOB_ID", "SLURM_STEP_ID")),
)


def _all_local(e: Mapping[str, str]) -> bool:
    """Whether the launcher says that every PE of the job runs on this host."""
    size, local = _get(e, "OMPI_COMM_WORLD_SIZE"), _get(e, "OMPI_COMM_WORLD_LOCAL_SIZE")
    if size is not None and local is not None:
        return size == local
    nodes = _get(e, "SLURM_STEP_NUM_NODES") or _get(e, "SLURM_NNODES")
    if _get(e, "SLURM_PROCID") is not None and nodes is not None:
        return nodes == "1"
    return False


def job_identity(env: Mapping[str, str] | None = None) -> JobIdentity:
    """The job this process belongs to, from the launcher's variables and SHMEM_JOB_KEY.

    The identity is the first of TORCHELASTIC_RUN_ID (torchrun), PMIX_NAMESPACE / OMPI_MCA_ess_base_jobid /
    OMPI_MCA_orte_ess_jobid (Open MPI), SLURM_JOB_ID.SLURM_STEP_ID (Slurm); "" when none is set (the runtime
    then names a keyed job by the key's fingerprint). A PE whose identity differs from PE 0's is refused.
    The identity is no secret: it keeps jobs apart, not attackers out; SHMEM_JOB_KEY does that.
    """
    e = _environ(env)
    identity = ""
    for launcher, names in _IDENTITY_SOURCES:
        values = [_get(e, name) for name in names]
        if values[0] is not None:
            identity = f"{launcher}:" + ".".join(v if v is not None else "0" for v in values)
            break
    return JobIdentity(identity=identity, key=_get(e, "SHMEM_JOB_KEY") or "", all_local=_all_local(e))

