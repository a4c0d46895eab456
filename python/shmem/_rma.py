"""One-sided data movement: put, get, their non-blocking forms, quiet and fence.

The int-address path goes straight to the generated C function (no wrapper frame), since these calls are the hot
path; other objects go through LocalBuffer."""

from __future__ import annotations

from typing import Any

from . import _hot
from ._buffers import LocalBuffer, _lent, complete_lent, lend, lent_count
from ._core import raw
from ._errors import FAILURES, call, from_runtime

_put = raw.api_Putmem
_get = raw.api_Getmem
_put_nbi = raw.api_PutmemNbi
_get_nbi = raw.api_GetmemNbi
_quiet = raw.api_Quiet


def _wake(pe: int) -> None:
    """Wakes the threads sleeping on pe's heap after the fast path stored into it."""
    try:
        raw.api_WakePE(pe)
    except FAILURES as exc:
        raise from_runtime(exc) from None


_FAST_MAX = _hot.FAST_MAX
_fence_acquire, _fence_release = _hot.fence_acquire, _hot.fence_release
_unfenced = _hot.unfenced
_fast_copy = _hot.fast_copy

# The fast path's state (see _hot): written by _hot.setup/reset through this module's globals.
_hp_peers: dict[int, memoryview] = {}
_hp_gates: Any = None
_hp_wakes: dict[int, memoryview] = {}
_hp_me = 0
_hp_base = 0
_hp_size = -1
_hp_own: Any = None
_hp_qpeers: dict[int, memoryview] = {}
_hp_ownq: Any = None
_hp_quiet = False
_hp_fence = True
_hot.register(globals())


def _put_fast(dst: Any, src: Any, elem_size: Any, pe: Any) -> bool:
    """Copies a small put to a mapped PE here (see _hot); False: the runtime must do it."""
    if pe.__class__ is int and elem_size.__class__ is int and dst.__class__ is int and 0 < elem_size <= _FAST_MAX:
        heap = _hp_peers.get(pe)
        if heap is not None and _hp_gates[pe]:
            d = dst - _hp_base
            if 0 <= d <= _hp_size - elem_size:
                if src.__class__ is int:
                    s = src - _hp_base
                    if not 0 <= s <= _hp_size - elem_size:
                        return False
                    heap[d:d + elem_size] = _hp_own[s:s + elem_size]
                elif src.__class__ is bytes and len(src) == elem_size:
                    heap[d:d + elem_size] = src
                else:
                    return False
                _stored(pe)
                return True
    return False


def _get_fast(dst: Any, src: Any, elem_size: Any, pe: Any) -> bool:
    """Copies a small get from a mapped PE here (see _hot); False: the runtime must do it."""
    if pe.__class__ is int and elem_size.__class__ is int and src.__class__ is int and 0 < elem_size <= _FAST_MAX:
        heap = _hp_peers.get(pe)
        if heap is not None and _hp_gates[pe]:
            s = src - _hp_base
            if 0 <= s <= _hp_size - elem_size:
                if dst.__class__ is int:
                    d = dst - _hp_base
                    if not 0 <= d <= _hp_size - elem_size:
                        return False
                    _hp_own[d:d + elem_size] = heap[s:s + elem_size]
                elif dst.__class__ is bytearray and len(dst) == elem_size:
                    dst[:] = heap[s:s + elem_size]
                else:
                    return False
                return True
    return False


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
        if _fast_copy(0, dst, src, elem_size, pe):  # the runtime's fast entry (see _hot)
            return
        try:
            _put(dst, src, elem_size, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None
    elif not _put_fast(dst, src, elem_size, pe):
        _move(_put, dst, src, elem_size, pe, False)
    if not _hp_gates[_hp_me]:
        _hot.setup()


def _stored(pe: int) -> None:
    """What follows the fast path's stores into pe's heap: the wake protocol's fence (unless sleepers fence, see
    _hot), marking this PE's stores as not yet fenced (for quiet), and waking pe's sleepers."""
    if _hp_fence:
        _fence_acquire()
        _fence_release()
    else:
        _unfenced[0] = 1
    if _hp_wakes[pe][0]:
        _wake(pe)


def shmem_getmem(dst: Any, src: int, elem_size: int, pe: int) -> None:
    """Copies elem_size bytes from symmetric address src on PE pe to local dst; done when it returns."""
    if dst.__class__ is int:
        if _fast_copy(1, dst, src, elem_size, pe):  # the runtime's fast entry (see _hot)
            return
        try:
            _get(dst, src, elem_size, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None
    elif not _get_fast(dst, src, elem_size, pe):
        _move(_get, dst, src, elem_size, pe, True)
    if not _hp_gates[_hp_me]:
        _hot.setup()


def shmem_putmem_nbi(dst: int, src: Any, elem_size: int, pe: int) -> None:
    """Starts a put; src must stay untouched until shmem_quiet() or a barrier."""
    if src.__class__ is int and _fast_copy(0, dst, src, elem_size, pe) or _put_fast(dst, src, elem_size, pe):
        return  # done at once, as the runtime's MTE engine does
    if src.__class__ is int:
        try:
            _put_nbi(dst, src, elem_size, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None
    else:
        _move(_put_nbi, dst, src, elem_size, pe, False, nbi=True)


def shmem_getmem_nbi(dst: Any, src: int, elem_size: int, pe: int) -> None:
    """Starts a get; dst holds the data after shmem_quiet() or a barrier."""
    if dst.__class__ is int and _fast_copy(1, dst, src, elem_size, pe) or _get_fast(dst, src, elem_size, pe):
        return  # done at once, as the runtime's MTE engine does
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
    if _hp_quiet and not _lent and _hp_gates[_hp_me]:
        # Nothing can be outstanding: every PE is mapped and the engine copies in the caller (see _hot). What is
        # left of quiet is a fence after the fast path's own stores, so that they are visible before any later
        # load (the runtime's calls fence themselves).
        if _unfenced[0]:
            _unfenced[0] = 0
            _fence_acquire()
            _fence_release()
        return
    if not _lent:
        try:
            _quiet()
        except FAILURES as exc:
            raise from_runtime(exc) from None
        return
    completing(_quiet)


def shmem_fence() -> None:
    """Orders this PE's earlier puts to each PE before its later ones."""
    if _hp_quiet and _hp_gates[_hp_me]:
        return  # puts complete in the caller, in order, and x86-64 keeps stores in order (see _hot)
    call(raw.api_Fence)


_barrier_all = raw.api_BarrierAll


def shmem_barrier_all() -> None:
    """Completes outstanding transfers and waits until every PE has called it."""
    if _lent:
        completing(_barrier_all)
        return
    try:  # nothing lent: no bookkeeping around the call
        _barrier_all()
    except FAILURES as exc:
        failure = exc
    else:
        if not _hp_gates[_hp_me]:  # a job's first barrier sets the fast paths up (see _hot)
            _hot.setup()
        return
    raise from_runtime(failure) from None  # outside the except block: Ctrl-C's KeyboardInterrupt unchained

