"""Views of symmetric memory (shmem.buffer, shmem.array, shmem.peer_array) and what becomes of them at finalize.

A view is plain memory access: nothing checks, on a[0], that the heap under it still exists. So shmem_finialize
does not unmap the heaps: the runtime replaces them with private zero pages at the same addresses ("retires"
them), and a view kept past finalize reads zeros and writes where nobody looks, instead of crashing the process
with SIGSEGV. The memoryviews shmem.buffer hands out are also released at finalize, so using one raises
ValueError; NumPy arrays cannot be revoked, so they fall back on the zero pages.

The retired ranges are unmapped as soon as no view made before a finalize is left. Every view hangs on one ctypes
array (its "root"), which this module watches with a weak reference tagged with the number of finalizes done
when it was made (its generation)."""

from __future__ import annotations

import ctypes
import threading
import weakref
from typing import Any

from ._core import api, raw
from ._errors import FAILURES, call

# Serialises making views, finalize and the release of retired ranges, so a view is always tagged with the
# generation of the heap it looks at. Weak-reference callbacks never wait for it (they may run inside it).
_lock = threading.Lock()
_finalized = 0  # finalizes so far: the generation of the views made now
# id(weakref) -> (generation, weakref to the root of some views)
_roots: dict[int, tuple[int, weakref.ref[Any]]] = {}
# id(weakref) -> (address, nbytes, weakref to a memoryview shmem.buffer returned)
_handed: dict[int, tuple[int, int, weakref.ref[memoryview]]] = {}
_retired = False  # the runtime may hold retired ranges that views of past generations still use
# Instances: id(weakref) of a _handed memoryview -> the instance current when it was made; a finalize revokes only
# the views of the instance it finalizes.
_handed_instance: dict[int, int] = {}


def _forget_root(ref: weakref.ref[Any]) -> None:
    try:
        _roots.pop(id(ref), None)
        # A chance to release the ranges early; never waits, so it cannot deadlock inside a locked section.
        if _retired and _lock.acquire(blocking=False):
            try:
                _release_if_unused()
            finally:
                _lock.release()
    except Exception:  # noqa: BLE001, S110 - at interpreter exit this module may already be torn down
        pass


def _forget_handed(ref: weakref.ref[memoryview]) -> None:
    try:
        _handed.pop(id(ref), None)
        _handed_instance.pop(id(ref), None)
    except Exception:  # noqa: BLE001, S110 - likewise
        pass


def _release_if_unused() -> None:
    """Unmaps the retired ranges when no view of a finalized heap is left. Called with _lock held."""
    global _retired
    if not _retired:
        return
    if any(gen < _finalized for gen, _ in list(_roots.values())):
        return
    _retired = False
    try:
        call(api.ReleaseRetired)
    except Exception:  # noqa: BLE001 - may run in a weakref callback; the ranges stay mapped, which is safe
        pass


def view(ptr: int, nbytes: int, revocable: bool) -> memoryview:
    """A writable byte memoryview of [ptr, ptr+nbytes) of a mapped heap (ShmemError otherwise). revocable: the
    view is released at finalize (the caller hands it to the user as it is, exported to nobody)."""
    with _lock:
        _release_if_unused()
        call(api.CheckMapped, ptr, nbytes)
        if nbytes == 0:
            return memoryview(bytearray())
        root = (ctypes.c_char * nbytes).from_address(ptr)
        ref = weakref.ref(root, _forget_root)
        _roots[id(ref)] = (_finalized, ref)
        mv = memoryview(root).cast("B")
        if revocable:
            handed = weakref.ref(mv, _forget_handed)
            _handed[id(handed)] = (ptr, nbytes, handed)
            _handed_instance[id(handed)] = api.CurrentInstance()
        return mv


def mapped(ptr: int, nbytes: int) -> memoryview:
    """A byte memoryview of [ptr, ptr+nbytes) that the runtime says is mapped (no check here), tagged like view's.
    Call with _lock held (see held)."""
    root = (ctypes.c_char * nbytes).from_address(ptr)
    ref = weakref.ref(root, _forget_root)
    _roots[id(ref)] = (_finalized, ref)
    return memoryview(root).cast("B")


def held() -> threading.Lock:
    """The lock under which views are made (a context manager): no finalize runs meanwhile."""
    return _lock


# Called at finalize, with _lock held, before the retired ranges may be released: the fast path drops its views.
_finalize_hooks: list[Any] = []


def on_finalize(hook: Any) -> None:
    _finalize_hooks.append(hook)


def switched() -> None:
    """After the current instance changed: the fast path drops its views of the previous instance's heaps (they
    are still there, but a transfer now means the new instance's PEs and heaps)."""
    with _lock:
        for hook in _finalize_hooks:
            hook()


def finalize(fn: Any, instance_id: int | None = None) -> Any:
    """Runs the runtime's finalize (fn), then revokes the views of the heaps it retired (those of instance_id when
    given: the other instances' heaps are still there)."""
    global _finalized, _retired
    with _lock:
        try:
            return call(fn)
        finally:
            for hook in _finalize_hooks:
                hook()
            _finalized += 1
            _retired = True
            keys = [k for k in list(_handed) if instance_id is None or _handed_instance.get(k) == instance_id]
            revoke([entry[2] for entry in (_handed.pop(k, None) for k in keys) if entry is not None])
            for k in keys:
                _handed_instance.pop(k, None)
            _release_if_unused()


def revoke(refs: list[weakref.ref[memoryview]]) -> None:
    """Releases the memoryviews behind refs, so that using one raises ValueError."""
    for ref in refs:
        mv = ref()
        if mv is not None:
            try:
                mv.release()
            except BufferError:  # exported (np.frombuffer, a lent transfer): it stays usable, without a crash
                pass


def views_of_block(addr: int) -> list[weakref.ref[memoryview]]:
    """The memoryviews shmem.buffer made that lie inside the live block at addr or a peer's copy of it: what
    shmem_free(addr) revokes once it succeeds."""
    if not _handed or not isinstance(addr, int) or addr <= 0:
        return []
    try:
        size = raw.api_BlockSize(addr)
        copies = {raw.api_Ptr(addr, pe) for pe in range(raw.api_NPes())} | {addr}
    except FAILURES:
        return []
    if size <= 0:
        return []
    return [ref for start, n, ref in list(_handed.values())
            if any(0 < copy <= start and start + n <= copy + size for copy in copies)]


def live_views() -> int:
    """How many view roots exist (for tests)."""
    return len(_roots)
