"""Data movement between Buffers: put/get and signal operations queued on streams, the blocking put_signal,
and quiet."""

from __future__ import annotations

from collections.abc import Callable

from .._core import raw
from .._errors import FAILURES, from_runtime
from . import _state
from ._buffer import Buffer
from ._types import CmpOp, SignalOp
from .utils import AclshmemInvalid, _instance_lock, _validate_buffer_instance, _validate_stream

_SIGNAL_WORD_SIZE = 4


def _validate_buffer(buf: object, name: str) -> Buffer:
    if not isinstance(buf, Buffer):
        raise AclshmemInvalid(f"{name} must be a Buffer.")
    buf._ensure_usable()
    _validate_buffer_instance(buf, name)
    return buf


def _validate_capacity(dst: Buffer, src: Buffer) -> None:
    if dst.length < src.length:
        raise AclshmemInvalid(f"dst length ({dst.length}) must be greater than or equal to src length "
                              f"({src.length}).")


def _validate_signal_buffer(signal_var: object) -> Buffer:
    buf = _validate_buffer(signal_var, "signal_var")
    if buf.length < _SIGNAL_WORD_SIZE:
        raise AclshmemInvalid(f"signal_var must contain at least {_SIGNAL_WORD_SIZE} bytes.")
    if buf.addr % _SIGNAL_WORD_SIZE:
        raise AclshmemInvalid(f"signal_var address must be {_SIGNAL_WORD_SIZE}-byte aligned.")
    return buf


def _validate_remote_pe(remote_pe: object) -> int:
    if not isinstance(remote_pe, int) or isinstance(remote_pe, bool):
        raise AclshmemInvalid("remote_pe must be an integer.")
    n = raw.api_NPes()
    if n <= 0:
        raise AclshmemInvalid("ACLSHMEM must be initialized before validating remote_pe.")
    if not 0 <= remote_pe < n:
        raise AclshmemInvalid(f"remote_pe must satisfy 0 <= remote_pe < {n}.")
    return remote_pe


def _validate_signal_operation(op: object) -> SignalOp:
    if not isinstance(op, SignalOp):
        raise AclshmemInvalid("signal_operation must be SignalOp.SIGNAL_SET or SignalOp.SIGNAL_ADD.")
    return op


def _validate_comparison(op: object) -> CmpOp:
    if not isinstance(op, CmpOp):
        raise AclshmemInvalid("signal_operation must be a supported ComparisonType value.")
    return op


def _queue(fn: Callable[..., object], stream: int, keep: tuple[object, ...], *args: object) -> None:
    try:
        fn(*args)
    except FAILURES as exc:
        raise from_runtime(exc) from None
    for obj in keep:
        _state.lend(stream, obj)  # alive until a synchronize has seen the operation run


def put_signal(dst: Buffer, src: Buffer, signal_var: Buffer, signal_val: int, signal_operation: SignalOp,
               remote_pe: int, stream: object = None) -> None:
    """Blocking: copies src to dst on remote_pe, then updates the 32-bit signal word signal_var there (SET or
    ADD signal_val); whoever sees the signal sees the data. ``stream`` is accepted and ignored, as Ascend does."""
    with _instance_lock:
        _validate_buffer(dst, "dst")
        _validate_buffer(src, "src")
        _validate_capacity(dst, src)
        _validate_signal_buffer(signal_var)
        _validate_remote_pe(remote_pe)
        _validate_signal_operation(signal_operation)
        try:
            raw.api_PutmemSignal(dst.addr, src.addr, src.length, signal_var.addr, signal_val,
                                 int(signal_operation), remote_pe, 0)
        except FAILURES as exc:
            raise from_runtime(exc) from None


def signal_op(signal_var: Buffer, signal_val: int, signal_operation: SignalOp, remote_pe: int,
              stream: object = None) -> None:
    """Queues on stream (required) a SET or ADD of signal_val to the signal word signal_var on remote_pe."""
    with _instance_lock:
        _validate_signal_buffer(signal_var)
        _validate_remote_pe(remote_pe)
        _validate_signal_operation(signal_operation)
        handle = _validate_stream(stream, allow_none=False)
        _queue(raw.api_SignalOpOnStream, handle, (), signal_var.addr, signal_val, int(signal_operation),
               remote_pe, handle)


def signal_wait(signal_var: Buffer, signal_val: int, signal_operation: CmpOp, stream: object) -> None:
    """Queues on stream a wait until this PE's signal word signal_var compares to signal_val as signal_operation
    (a ComparisonType) asks; the stream's later operations run after it. Returns at once."""
    with _instance_lock:
        _validate_signal_buffer(signal_var)
        _validate_comparison(signal_operation)
        handle = _validate_stream(stream, allow_none=False)
        _queue(raw.api_SignalWaitUntilOnStream, handle, (), signal_var.addr, int(signal_operation), signal_val,
               handle)


def put(dst: Buffer, src: Buffer, remote_pe: int, stream: object = None) -> None:
    """Queues on stream (None: the default stream 0) a copy of src to dst on remote_pe; returns at once. The data
    is in place once the stream is synchronized."""
    with _instance_lock:
        _validate_buffer(dst, "dst")
        _validate_buffer(src, "src")
        _validate_capacity(dst, src)
        _validate_remote_pe(remote_pe)
        handle = _validate_stream(stream, allow_none=True)
        _queue(raw.api_PutmemOnStream, handle, (src, dst), dst.addr, src.addr, src.length, remote_pe, handle)


def get(dst: Buffer, src: Buffer, remote_pe: int, stream: object = None) -> None:
    """Queues on stream (None: the default stream 0) a copy of src on remote_pe into dst here; returns at once."""
    with _instance_lock:
        _validate_buffer(dst, "dst")
        _validate_buffer(src, "src")
        _validate_capacity(dst, src)
        _validate_remote_pe(remote_pe)
        handle = _validate_stream(stream, allow_none=True)
        _queue(raw.api_GetmemOnStream, handle, (src, dst), dst.addr, src.addr, src.length, remote_pe, handle)


def quiet(stream: object) -> None:
    """Queues on stream a quiet: once the stream's earlier operations ran, this PE's transfers complete."""
    with _instance_lock:
        handle = _validate_stream(stream, allow_none=False)
        _queue(raw.api_QuietOnStream, handle, (), handle)


__all__ = ["get", "put", "put_signal", "quiet", "signal_op", "signal_wait"]
