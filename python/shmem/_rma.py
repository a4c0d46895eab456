"""One-sided data movement: put, get, their non-blocking forms, quiet and fence.

The int-address path goes straight to the generated C function (no wrapper frame), since these calls are the hot
path; other objects go through LocalBuffer."""

from __future__ import annotations

from typing import Any

from ._buffers import LocalBuffer, complete_lent, lend, lent_count
from ._core import raw
from ._errors import FAILURES, call, from_runtime

_put = raw.api_Putmem
_get = raw.api_Getmem
_put_nbi = raw.api_PutmemNbi
_get_nbi = raw.api_GetmemNbi


def _move(fn: Any, dst: Any, src: Any, elem_size: int, pe: int, local_is_dst: bool, nbi: bool = False) -> None:
    local = dst if local_is_dst else src
    buffer = LocalBuffer(local, elem_size, local_is_dst, "dst" if local_is_dst else "src")
    try:
        if local_is_dst:
            fn(buffer.address, src, elem_size, pe)
        else:
            fn(dst, buffer.address, elem_size, pe)
    except FAILURES as exc:
        buffer.release()
        raise from_runtime(exc) from None
    if nbi:
        lend(buffer)  # the transfer may still use it: released at the next quiet or barrier
    else:
        buffer.release()


def shmem_putmem(dst: int, src: Any, elem_size: int, pe: int) -> None:
    """Copies elem_size bytes from local src to symmetric address dst on PE pe; done when it returns."""
    if src.__class__ is int:
        try:
            _put(dst, src, elem_size, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None
    else:
        _move(_put, dst, src, elem_size, pe, False)


def shmem_getmem(dst: Any, src: int, elem_size: int, pe: int) -> None:
    """Copies elem_size bytes from symmetric address src on PE pe to local dst; done when it returns."""
    if dst.__class__ is int:
        try:
            _get(dst, src, elem_size, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None
    else:
        _move(_get, dst, src, elem_size, pe, True)


def shmem_putmem_nbi(dst: int, src: Any, elem_size: int, pe: int) -> None:
    """Starts a put; src must stay untouched until shmem_quiet() or a barrier."""
    if src.__class__ is int:
        try:
            _put_nbi(dst, src, elem_size, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None
    else:
        _move(_put_nbi, dst, src, elem_size, pe, False, nbi=True)


def shmem_getmem_nbi(dst: Any, src: int, elem_size: int, pe: int) -> None:
    """Starts a get; dst holds the data after shmem_quiet() or a barrier."""
    if dst.__class__ is int:
        try:
            _get_nbi(dst, src, elem_size, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None
    else:
        _move(_get_nbi, dst, src, elem_size, pe, True, nbi=True)


def completing(fn: Any, *args: Any) -> None:
    """Runs a completion point (quiet, a barrier, finalize), then releases the buffers lent to the transfers it
    completed."""
    count = lent_count()
    call(fn, *args)
    complete_lent(count)


def shmem_quiet() -> None:
    """Completes every outstanding put and get of this PE."""
    completing(raw.api_Quiet)


def shmem_fence() -> None:
    """Orders this PE's earlier puts to each PE before its later ones."""
    call(raw.api_Fence)


def shmem_barrier_all() -> None:
    """Completes outstanding transfers and waits until every PE has called it."""
    completing(raw.api_BarrierAll)

