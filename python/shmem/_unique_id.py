"""Meeting through a unique id, for programs that already have a way to share a few bytes (torch.distributed,
MPI, a file): PE 0 makes the id, the program hands it to every PE, and each PE initialises with it."""

from __future__ import annotations

import os
import secrets
import socket

from . import _init_fini
from ._attrs import InitAttr
from ._core import api
from ._errors import FAILURES, SHMEM_INVALID_VALUE, from_runtime
from ._launch_env import format_ip_port
from ._logging import logger

UNIQUE_ID_SIZE = 128
# shmem-uid-2:<ip_port>#<job key>: the key is a secret of the job, since the program hands the id to its own PEs
# only; a process without it cannot join (docs/reliability.md). The runtime decodes it (api.UniqueIDAddress).
_MAGIC = b"shmem-uid-2:"
_ASCEND_SIZE = 136  # sizeof(aclshmemx_uniqueid_t)
_ASCEND_MAGIC = (1 << 16) + _ASCEND_SIZE


def _local_host() -> str:
    """An address of this host that other hosts can use: $SHMEM_UID_HOST, $SHMEM_MASTER_ADDR, else the first
    non-loopback address the host name resolves to, else loopback (a one-host job)."""
    for name in ("SHMEM_UID_HOST", "SHMEM_MASTER_ADDR"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        infos = []
    for info in infos:
        addr = str(info[4][0])  # a str for AF_INET; the type also allows other families' int
        if not addr.startswith("127."):
            return addr
    return "127.0.0.1"


def shmem_get_unique_id() -> bytes:
    """A unique id (UNIQUE_ID_SIZE bytes) naming where PE 0 will serve the rendezvous: call it on PE 0, give the
    bytes to every PE, then call shmem_init_using_unique_id everywhere."""
    host = _local_host()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port = s.getsockname()[1]
    text = _MAGIC + format_ip_port(host, port).encode() + b"#" + secrets.token_hex(16).encode()
    return text.ljust(UNIQUE_ID_SIZE, b"\0")


def address_of(uid: bytes) -> str | None:
    """The rendezvous address a unique id names: the seed's form (UNIQUE_ID_SIZE bytes) or Ascend's later
    aclshmemx_uniqueid_t (136 bytes, the seed's form in its 124-byte internal field); None, logged, otherwise.
    The id's job key is remembered for the init that meets at that address."""
    if not isinstance(uid, (bytes, bytearray)):
        raise TypeError(f"uid must be the bytes a get_unique_id call returned, not {type(uid).__name__}")
    data = bytes(uid)
    if len(data) == _ASCEND_SIZE and int.from_bytes(data[:4], "little") == _ASCEND_MAGIC:
        data = data[12:]
    text = data.rstrip(b"\0").decode("latin-1")  # the padding; a C string (the runtime's) holds no NUL
    try:
        if "\0" in text:
            raise ValueError(f"{data[:40]!r} is not a shmem unique id: a NUL inside")
        ip_port, key = api.UniqueIDAddress(text), api.UniqueIDKey(text)
    except FAILURES as exc:
        logger.error("unique id: %s", from_runtime(exc))
        return None
    except ValueError as exc:
        logger.error("unique id: %s", exc)
        return None
    if key:
        _init_fini.unique_id_keys[ip_port] = key
    return ip_port


def shmem_init_using_unique_id(mype: int, npes: int, mem_size: int, uid: bytes) -> int:
    """shmem_init meeting at the place a unique id from shmem_get_unique_id names. Returns 0 or an error code;
    the engine and timeouts come from the attributes given to shmem_set_attributes, as for shmem_init."""
    ip_port = address_of(uid)
    if ip_port is None:
        return SHMEM_INVALID_VALUE
    attrs = InitAttr()
    remembered = _init_fini._attributes
    if remembered is not None:
        attrs.option_attr = remembered.option_attr
    attrs.my_rank, attrs.n_ranks, attrs.local_mem_size, attrs.ip_port = mype, npes, mem_size, ip_port
    return _init_fini.shmem_init(attrs)
