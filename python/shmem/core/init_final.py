"""Start-up and shut-down of shmem.core: init with a unique id, finalize, the unique id, the version."""

from __future__ import annotations

import logging
import os
from typing import Any

from .. import _ascend, _init_fini, _unique_id
from . import _state
from .utils import (
    NOT_SUPPORTED,
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
    DEVICE_SIDE heap. ``device`` and ``mpi_comm`` are accepted and ignored. Only instance 0 exists for now: any
    other instance_id raises AclshmemError with ret=-100 (NOT_SUPPORTED)."""
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
        if instance_id != 0:
            raise AclshmemError(f"ACLSHMEM initialization fails, ret={NOT_SUPPORTED}: only instance 0 exists "
                                "(several instances are not supported yet).")
        ret = _unique_id.shmem_init_using_unique_id(rank, nranks, mem_size, bytes(uid))
        if ret != 0:
            raise AclshmemError(f"ACLSHMEM initialization fails, ret={ret}.")
        from . import instance

        instance._current = 0


def finalize(instance_id: int | None = None) -> None:
    """Collective shut-down of instance_id (default: the current one, 0). Queued stream operations get a few
    seconds to run; what failed among them and was never synchronized raises here. Every Buffer of the job becomes
    unusable."""
    if instance_id is not None:
        _validate_instance_id(instance_id)
    with _instance_lock:
        if instance_id not in (None, 0):
            raise AclshmemError(f"ACLSHMEM finalization fails, ret={NOT_SUPPORTED}: instance {instance_id} "
                                "does not exist (only instance 0 is supported).")
        try:
            _init_fini.shmem_finialize()
        except RuntimeError as exc:
            raise AclshmemError(f"ACLSHMEM finalization fails: {exc}") from exc
        finally:
            _state.epoch += 1
            _state.release_all()


__all__ = ["UniqueID", "finalize", "get_unique_id", "get_version", "init"]
