"""Start-up and shut-down of shmem.core: init with a unique id, finalize, the unique id, the version."""

from __future__ import annotations

import logging
import os
from typing import Any

from .. import _ascend, _init_fini, _pyshmem
from .._attrs import InitAttr
from .._types import InitMode
from .utils import (
    AclshmemError,
    AclshmemInvalid,
    _instance_lock,
    _validate_instance_id,
    setup_aclshmem_logger,
)

logger = logging.getLogger("aclshmem")


class UniqueID(bytes):
    """The bytes get_unique_id returns: where PE 0 serves the rendezvous. Picklable; plain bytes work too."""

    @classmethod
    def from_bytes(cls, data: Any) -> UniqueID:
        return cls(bytes(data))


def get_version() -> str:
    """The library's version as ``"libaclshmem_version=X.Y"``."""
    major, minor = _init_fini.shmem_info_get_version()
    return f"libaclshmem_version={major}.{minor}"


def get_unique_id(empty: bool = False) -> UniqueID:
    """A unique id for init: make it on one PE (rank 0), hand it to every PE. ``empty`` is accepted and ignored.
    Ascend's serialized form (aclshmemx_uniqueid_t, 136 bytes), which ``shmem.UniqueId.from_bytes`` reads."""
    try:
        return UniqueID(_ascend.aclshmem_get_unique_id())
    except Exception as exc:  # noqa: BLE001 - any failure is Ascend's AclshmemError
        raise AclshmemError("Generate a unique ID fails.") from exc


def init(device: Any = None, uid: Any = None, rank: int | None = None, nranks: int | None = None,
         mpi_comm: Any = None, initializer_method: str = "", mem_size: int | None = None,
         instance_id: int = 0) -> None:
    """Collective start-up with a unique id (``initializer_method="uid"``): rank of nranks, mem_size bytes of
    DEVICE_SIDE heap, as instance instance_id (0..254), which becomes the current instance; the instances this
    process already runs go on. ``device`` and ``mpi_comm`` are accepted and ignored."""
    level = os.environ.get("SHMEM_LOG_LEVEL")
    if level not in ("DEBUG", "INFO", "WARN", "ERROR"):
        level = "ERROR"
    setup_aclshmem_logger(log_level="WARNING" if level == "WARN" else level)
    if initializer_method not in ("uid",):
        raise AclshmemInvalid("Invalid init method requested")
    if any(arg is None for arg in (uid, rank, nranks, mem_size)):
        raise AclshmemInvalid("uid, rank and nranks must be specified.")
    if not isinstance(rank, int) or isinstance(rank, bool):
        raise AclshmemInvalid("rank must be an integer.")
    if not isinstance(nranks, int) or isinstance(nranks, bool) or nranks <= 0:
        raise AclshmemInvalid("nranks must be a positive integer.")
    if rank < 0 or rank >= nranks:
        raise AclshmemInvalid("rank must satisfy 0 <= rank < nranks.")
    if not isinstance(mem_size, int) or isinstance(mem_size, bool) or mem_size <= 0:
        raise AclshmemInvalid("mem_size must be a positive integer.")
    _validate_instance_id(instance_id)
    if not isinstance(uid, (bytes, bytearray, memoryview)):
        raise AclshmemInvalid("uid must be a UniqueID or serialized bytes.")
    with _instance_lock:
        attr = InitAttr()
        remembered = _init_fini._attributes  # the engine and timeouts given to shmem_set_attributes
        if remembered is not None:
            attr.option_attr = remembered.option_attr
        attr.instance_id = instance_id
        # Through shmem._pyshmem, as Ascend calls its native module (programs patch these names).
        ret = _pyshmem.aclshmemx_set_attr_uniqueid_args(rank, nranks, mem_size, bytes(uid), attr)
        if ret != 0:
            raise AclshmemError(f"ACLSHMEM initialization fails, ret={ret}: the unique id is not valid.")
        ret = _pyshmem.aclshmemx_init_attr(InitMode.UNIQUEID, attr)
        if ret != 0:
            raise AclshmemError(f"ACLSHMEM initialization fails, ret={ret}.")


def finalize(instance_id: int | None = None) -> None:
    """Collective shut-down of instance instance_id (default: the current one) among its PEs; the other instances go
    on. Finalizing the current instance makes instance 0 current; finalizing another leaves the current one.
    Queued stream operations of the instance get a few seconds to run; what failed among them and was never
    synchronized raises here. Every Buffer of the instance becomes unusable. AclshmemError for an instance no init
    created."""
    if instance_id is not None:
        _validate_instance_id(instance_id)
    with _instance_lock:
        try:
            if instance_id is None:
                ret = _pyshmem.aclshmem_finalize()
            else:
                ret = _pyshmem.aclshmemx_finalize(instance_id)
        except RuntimeError as exc:
            raise AclshmemError(f"ACLSHMEM finalization fails: {exc}") from exc
        if ret != 0:
            raise AclshmemError(f"ACLSHMEM finalization fails, ret={ret}: instance {instance_id} does not exist.")


__all__ = ["UniqueID", "finalize", "get_unique_id", "get_version", "init"]
