"""Engine configuration: each engine's staging size (ub_size) is the piece size in which it splits large
transfers (docs/core.md, Configuration). offset and sync_id name device resources a host has none of: checked,
then ignored."""

from __future__ import annotations

from .. import _pyshmem
from .utils import AclshmemError, AclshmemInvalid, _instance_lock

_UINT32_MAX = (1 << 32) - 1
_UINT64_MAX = (1 << 64) - 1


def _validate(offset: object, ub_size: object, sync_id: object, min_ub_size: int = 0) -> None:
    for name, value, low, high in (("offset", offset, 0, _UINT64_MAX), ("ub_size", ub_size, min_ub_size, _UINT32_MAX),
                                   ("sync_id", sync_id, 0, _UINT32_MAX)):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise AclshmemInvalid(f"{name} must be an integer in [{low}, {high}].")


def _set(name: str, native: str, offset: int, ub_size: int, sync_id: int, min_ub_size: int = 0) -> None:
    with _instance_lock:
        _validate(offset, ub_size, sync_id, min_ub_size)
        # Through shmem._pyshmem, as Ascend calls its native module (programs may patch it). The runtime takes
        # signed 64-bit values: the top half of offset's range means nothing on a host.
        ret = getattr(_pyshmem, native)(min(offset, (1 << 63) - 1), ub_size, sync_id)
        if ret != 0:
            raise AclshmemError(f"Set {name} configuration failed, ret={ret}.")


def set_mte_config(offset: int, ub_size: int, sync_id: int) -> None:
    """As mte_set_ub_params: ub_size becomes the piece size of every engine that splits large transfers (the copy
    engine and the network engine). ub_size 0 is refused by the runtime (AclshmemError, ret=-2)."""
    _set("MTE", "aclshmemx_set_mte_config", offset, ub_size, sync_id)


def set_sdma_config(offset: int, ub_size: int, sync_id: int) -> None:
    """ub_size becomes the chunk size of the copy engine (SDMA) alone; the chunks of one transfer are spread over
    its workers."""
    _set("SDMA", "aclshmemx_set_sdma_config", offset, ub_size, sync_id)


def set_rdma_config(offset: int, ub_size: int, sync_id: int) -> None:
    """ub_size (>= 128) becomes the frame size in which the network engine sends large transfers. While no PE of
    the job is reached through the network the size is kept and moves nothing, as Ascend keeps an RDMA
    configuration whether or not RDMA carries anything."""
    _set("RDMA", "aclshmemx_set_rdma_config", offset, ub_size, sync_id, min_ub_size=128)


def set_udma_config(offset: int, ub_size: int, sync_id: int) -> None:
    """UDMA runs on the copy engine here (OpEngineType.UDMA selects it): ub_size (>= 128) becomes the copy
    engine's chunk size, as set_sdma_config gives it."""
    _set("UDMA", "aclshmemx_set_udma_config", offset, ub_size, sync_id, min_ub_size=128)


__all__ = ["set_mte_config", "set_rdma_config", "set_sdma_config", "set_udma_config"]
