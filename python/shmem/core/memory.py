"""Allocation from the symmetric heaps (DEVICE_SIDE or HOST_SIDE), free, and peers' copies."""

from __future__ import annotations

import logging

from .._core import api, raw
from .._errors import FAILURES, from_runtime
from ._buffer import Buffer
from ._types import MemType
from .stream import _drain
from .utils import (
    _SIZE_T_MAX,
    AclshmemError,
    AclshmemInvalid,
    _current_instance_id,
    _instance_lock,
    _validate_buffer_instance,
)

logger = logging.getLogger("aclshmem")


def _validate_size(value: object, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise AclshmemInvalid(f"{name} must be an integer.")
    if value <= 0:
        raise AclshmemInvalid(f"{name} must be greater than zero.")
    if value > _SIZE_T_MAX:
        raise AclshmemInvalid(f"{name} exceeds the native size_t range.")


def _validate_mem_type(mem_type: object) -> None:
    if not isinstance(mem_type, MemType):
        raise AclshmemInvalid("mem_type must be MemType.HOST_SIDE or MemType.DEVICE_SIDE.")


def _allocate(what: str, mem_type: MemType, count: int, size: int, alignment: int, length: int) -> Buffer:
    with _instance_lock:
        instance_id = _current_instance_id()
        try:
            ptr = raw.api_MallocType(int(mem_type), count, size, alignment)
        except FAILURES as exc:
            raise AclshmemError(f"Allocate {what} failed: {from_runtime(exc)}") from None
        if ptr == 0:
            raise AclshmemError(f"Allocate {what} failed.")
        return Buffer._owning(ptr, length, mem_type, instance_id)


def buffer(size: int, release: bool = False, except_on_del: bool = True,
           mem_type: MemType = MemType.DEVICE_SIDE) -> Buffer:
    """Collective: size bytes of symmetric memory from the mem_type heap, as an owning Buffer. ``release`` and
    ``except_on_del`` are accepted and ignored (as Ascend does): free it with core.free."""
    _validate_size(size, "size")
    _validate_mem_type(mem_type)
    return _allocate("buffer", mem_type, 0, size, 0, size)


def calloc(count: int, size: int, mem_type: MemType = MemType.DEVICE_SIDE) -> Buffer:
    """Collective: count*size zeroed bytes from the mem_type heap."""
    _validate_size(count, "count")
    _validate_size(size, "size")
    _validate_mem_type(mem_type)
    if count > _SIZE_T_MAX // size:
        raise AclshmemInvalid("count * size exceeds the native size_t range.")
    return _allocate("zero-initialized buffer", mem_type, count, size, 0, count * size)


def align(alignment: int, size: int, mem_type: MemType = MemType.DEVICE_SIDE) -> Buffer:
    """Collective: size bytes aligned to alignment (a power of two, up to 2 MiB) from the mem_type heap."""
    _validate_size(alignment, "alignment")
    _validate_size(size, "size")
    _validate_mem_type(mem_type)
    if alignment & (alignment - 1):
        raise AclshmemInvalid("alignment must be a power of two.")
    return _allocate("aligned buffer", mem_type, 0, size, alignment, size)


def free(buf: Buffer) -> None:
    """Collective: frees an owning Buffer. Operations queued on streams run first (they may use it). A Buffer
    that is not owning, already freed, or of a finalized job raises AclshmemInvalid and changes nothing."""
    with _instance_lock:
        if not isinstance(buf, Buffer):
            raise AclshmemInvalid("buf must be a Buffer.")
        if not buf.owned:
            raise AclshmemInvalid("Cannot free a non-owning Buffer.")
        if buf.release_called:
            raise AclshmemInvalid("Native free has already been called for this Buffer.")
        if buf.finalized:
            raise AclshmemInvalid("Buffer is no longer usable: its job was finalized.")
        _validate_buffer_instance(buf, "buf")
        # Claimed before the collective, which releases the GIL: a second thread must not free it again.
        buf._release_called = True
        _drain()  # queued operations may use it; their errors stay for their stream's synchronize
        try:
            api.Free(buf.addr)
        except FAILURES as exc:
            raise AclshmemError(f"Free buffer failed: {from_runtime(exc)}") from None


def get_peer_buffer(buf: Buffer, pe: int) -> Buffer:
    """A borrowed Buffer through which PE pe's copy of buf is loaded and stored here (same-host PEs only);
    AclshmemError when there is none."""
    with _instance_lock:
        if not isinstance(buf, Buffer):
            raise AclshmemInvalid("buf must be a Buffer.")
        buf._ensure_usable()
        _validate_buffer_instance(buf, "buf")
        if not isinstance(pe, int) or isinstance(pe, bool) or pe < 0:
            raise AclshmemInvalid("pe must be a non-negative integer.")
        peer = raw.api_Ptr(buf.addr, pe)
        if peer == 0:
            raise AclshmemError("Get the symmetric address on a specified PE failed.")
        return Buffer._borrowed(peer, buf.length, buf.mem_type, buf)


def get_heap_base(mem_type: MemType = MemType.DEVICE_SIDE) -> int:
    """The address of this PE's mem_type heap; 0 before init or when that heap has size 0."""
    _validate_mem_type(mem_type)
    return raw.api_HeapBase(int(mem_type))


__all__ = ["Buffer", "MemType", "align", "buffer", "calloc", "free", "get_heap_base", "get_peer_buffer"]
