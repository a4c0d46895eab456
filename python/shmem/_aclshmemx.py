"""The E2 names of streams, memory types, engine configuration, profiling and instances (aclshmemx_*): the
int-address forms of what shmem.core offers on Buffers."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from ._buffers import LocalBuffer
from ._core import raw
from ._errors import FAILURES, SHMEM_INVALID_PARAM, SHMEM_INVALID_VALUE, ShmemError, from_runtime


def _stream_handle(stream: Any) -> int:
    handle = getattr(stream, "handle", stream)
    if handle is None:
        return 0
    if not isinstance(handle, int) or isinstance(handle, bool):
        raise TypeError(f"stream must be an int handle or a shmem.core.Stream, not {type(stream).__name__}")
    return handle


def _lend(handle: int, obj: object) -> None:
    from .core import _state

    _state.lend(handle, obj)


def _on_stream(fn: Any, handle: int, *args: Any) -> None:
    try:
        fn(*args)
    except FAILURES as exc:
        raise from_runtime(exc) from None


def _local(fn: Any, sym: int, local: Any, elem_size: int, pe: int, stream: Any, local_is_dst: bool) -> None:
    handle = _stream_handle(stream)
    if local.__class__ is int:
        args = (local, sym) if local_is_dst else (sym, local)
        _on_stream(fn, handle, *args, elem_size, pe, handle)
        return
    buffer = LocalBuffer(local, elem_size, local_is_dst, "dst" if local_is_dst else "src")
    args = (buffer.address, sym) if local_is_dst else (sym, buffer.address)
    try:
        _on_stream(fn, handle, *args, elem_size, pe, handle)
    except BaseException:
        buffer.release()
        raise
    _lend(handle, buffer)  # held (alive, not resizable) until a synchronize of the stream


def aclshmemx_putmem_on_stream(dst: int, src: Any, elem_size: int, pe: int, stream: Any = 0) -> None:
    """Queues on stream a put of elem_size bytes from local src (address or buffer) to symmetric dst on pe."""
    _local(raw.api_PutmemOnStream, dst, src, elem_size, pe, stream, False)


def aclshmemx_getmem_on_stream(dst: Any, src: int, elem_size: int, pe: int, stream: Any = 0) -> None:
    """Queues on stream a get of elem_size bytes from symmetric src on pe into local dst (address or buffer)."""
    _local(raw.api_GetmemOnStream, src, dst, elem_size, pe, stream, True)


def aclshmemx_signal_op_on_stream(sig_addr: int, signal: int, sig_op: int, pe: int, stream: Any = 0) -> None:
    """Queues on stream a SET (0) or ADD (1) of signal to the 32-bit signal word sig_addr on pe."""
    handle = _stream_handle(stream)
    _on_stream(raw.api_SignalOpOnStream, handle, sig_addr, signal, operator.index(sig_op), pe, handle)


def aclshmemx_signal_wait_until_on_stream(sig_addr: int, cmp: int, cmp_val: int, stream: Any = 0) -> None:
    """Queues on stream a wait until this PE's signal word sig_addr compares to cmp_val as cmp asks."""
    handle = _stream_handle(stream)
    _on_stream(raw.api_SignalWaitUntilOnStream, handle, sig_addr, operator.index(cmp), cmp_val, handle)


def aclshmemx_quiet_on_stream(stream: Any = 0) -> None:
    """Queues on stream the completion of this PE's outstanding transfers."""
    handle = _stream_handle(stream)
    _on_stream(raw.api_QuietOnStream, handle, handle)


def aclshmemx_barrier_on_stream(team: int, stream: Any = 0) -> None:
    """Queues on stream a barrier of team; ValueError for a team that is not active."""
    from .core._types import team_is_active

    if not team_is_active(team):
        # A ShmemError is a ValueError, as Ascend raises here, and carries the code.
        raise ShmemError(SHMEM_INVALID_PARAM, f"team {team!r} is not a currently active team")
    handle = _stream_handle(stream)
    _on_stream(raw.api_BarrierOnStream, handle, team, handle)


def aclshmemx_barrier_all_on_stream(stream: Any = 0) -> None:
    """Queues on stream a barrier of every PE."""
    aclshmemx_barrier_on_stream(0, stream)


def aclshmemx_handle_wait(handle: Any, stream: Any = 0) -> None:
    """Queues on stream the completion and rendezvous of handle's team (a shmem.core.Handle); ValueError for a
    team that is no longer active."""
    from .core._types import Handle

    if not isinstance(handle, Handle):
        raise TypeError(f"handle must be a Handle, not {type(handle).__name__}")
    aclshmemx_barrier_on_stream(handle.team_id, stream)


def aclshmemx_get_heap_base(mem_type: int) -> int:
    """The address of this PE's heap of mem_type (MemType.HOST_SIDE 0, DEVICE_SIDE 1); 0 before init or when there
    is no such heap."""
    if not isinstance(mem_type, int) or isinstance(mem_type, bool):
        raise TypeError(f"mem_type must be a MemType, not {type(mem_type).__name__}")
    try:
        return raw.api_HeapBase(int(mem_type))
    except FAILURES as exc:  # an int beyond 64 bits
        raise from_runtime(exc) from None


def _config(fn: Callable[[int, int, int], int], offset: int, ub_size: int, sync_id: int) -> int:
    for name, value in (("offset", offset), ("ub_size", ub_size), ("sync_id", sync_id)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
        if value < 0 or value >= 1 << 63:
            return SHMEM_INVALID_VALUE
    return fn(offset, ub_size, sync_id)


def aclshmemx_set_mte_config(offset: int, ub_size: int, sync_id: int) -> int:
    """ub_size becomes the piece size of the copy engine and the network engine (as mte_set_ub_params). Status."""
    return _config(raw.api_SetMteConfig, offset, ub_size, sync_id)


def aclshmemx_set_sdma_config(offset: int, ub_size: int, sync_id: int) -> int:
    """ub_size becomes the copy engine's chunk size. Status."""
    return _config(raw.api_SetSdmaConfig, offset, ub_size, sync_id)


def aclshmemx_set_rdma_config(offset: int, ub_size: int, sync_id: int) -> int:
    """ub_size becomes the network engine's frame size (kept, moving nothing, while no PE of the job is reached
    through the network). Status."""
    return _config(raw.api_SetRdmaConfig, offset, ub_size, sync_id)


def aclshmemx_set_udma_config(offset: int, ub_size: int, sync_id: int) -> int:
    """UDMA runs on the copy engine here: ub_size becomes the copy engine's chunk size, as for SDMA. Status."""
    return _config(raw.api_SetUdmaConfig, offset, ub_size, sync_id)


def aclshmemx_set_qp_num(engine_type: int, qp_num: int) -> int:
    """Before init: how many queue pairs (1..32) an engine of the next init drives in parallel. ROCE: the network
    engine opens qp_num connections to each peer and splits large blocking transfers over them; UDMA (the copy
    engine here): a UDMA job's copy engine gets qp_num workers. Status: 0; -2 for MTE or SDMA or a qp_num out of
    range; -1 after init (the value is frozen at init)."""
    for name, value in (("engine_type", engine_type), ("qp_num", qp_num)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not (-(1 << 63) <= qp_num < 1 << 63 and -(1 << 63) <= engine_type < 1 << 63):
        return SHMEM_INVALID_VALUE
    return raw.api_SetQpNum(int(engine_type), qp_num)


def aclshmemx_get_prof(verbose: bool = False) -> Any:
    """This PE's profiling data (a shmem.core.ProfData), None when it does not profile; verbose prints it."""
    from .core.profiling import get_prof

    return get_prof(verbose)


def aclshmemx_show_prof() -> None:
    """Prints this PE's profiling table."""
    from .core.profiling import show_prof

    show_prof()


def aclshmemx_instance_ctx_set(instance_id: int) -> int:
    """Makes instance_id current for the whole process: 0, or SHMEM_INVALID_PARAM (-1) for an instance no init
    created (the current one stays). ValueError for an id outside 0..254."""
    if not isinstance(instance_id, int) or isinstance(instance_id, bool) or not 0 <= instance_id < 255:
        raise ShmemError(SHMEM_INVALID_PARAM, f"instance_id must be an integer in range [0, 254], not {instance_id!r}")
    from .core import instance

    return instance._switch(instance_id)


def aclshmemx_instance_ctx_get() -> Any:
    """The current instance, as a shmem.core.InstanceContext."""
    from .core import instance

    return instance.instance_context()


__all__ = [
    "aclshmemx_barrier_all_on_stream", "aclshmemx_barrier_on_stream", "aclshmemx_get_heap_base",
    "aclshmemx_get_prof", "aclshmemx_getmem_on_stream", "aclshmemx_handle_wait", "aclshmemx_instance_ctx_get",
    "aclshmemx_instance_ctx_set", "aclshmemx_putmem_on_stream", "aclshmemx_quiet_on_stream",
    "aclshmemx_set_mte_config", "aclshmemx_set_qp_num", "aclshmemx_set_rdma_config", "aclshmemx_set_sdma_config",
    "aclshmemx_set_udma_config", "aclshmemx_show_prof", "aclshmemx_signal_op_on_stream",
    "aclshmemx_signal_wait_until_on_stream",
]
