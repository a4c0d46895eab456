"""The symmetric heap: collective allocation, peer addresses, and views of symmetric memory."""

from __future__ import annotations

import ctypes
import operator
from collections.abc import Callable
from typing import Any

from . import _views
from ._core import api, raw
from ._errors import (
    FAILURES,
    SHMEM_INVALID_PARAM,
    SHMEM_MALLOC_FAILED,
    SHMEM_NOT_SUPPORTED,
    ShmemError,
    beyond_int64,
    call,
    from_runtime,
)
from ._logging import logger


def _collective_int(value: Any) -> Any:
    """value as the runtime's collectives take it: an int beyond 64 bits becomes -1, which every PE refuses, so
    that the PE with the bad argument still meets the others and all of them fail together (a local
    OverflowError would leave the others waiting). Anything else goes on as it is (a wrong type is the
    extension's TypeError, raised before any exchange like any call made with a wrong type)."""
    return -1 if beyond_int64(value) else value


def _allocation(fn: Callable[..., int], *args: int) -> int:
    try:
        return fn(*(_collective_int(a) for a in args))
    except FAILURES as exc:
        # The seed's contract: NULL when the memory cannot be had, whatever the reason.
        logger.error("%s", from_runtime(exc))
        return 0


def shmem_malloc(size: int) -> int:
    """Collective: size bytes of symmetric memory, the same offset on every PE; 0 when it cannot be had."""
    return _allocation(api.Malloc, size)


def shmem_calloc(nmemb: int, size: int) -> int:
    """Collective: nmemb*size zeroed bytes of symmetric memory; 0 when it cannot be had."""
    return _allocation(api.Calloc, nmemb, size)


def shmem_align(alignment: int, size: int) -> int:
    """Collective: like shmem_malloc, aligned to alignment (a power of two)."""
    return _allocation(api.Align, alignment, size)


def _address_of(ptr: Any) -> int:
    if isinstance(ptr, int):
        return ptr
    interface = getattr(ptr, "__array_interface__", None)
    if interface is not None:
        addr: int = interface["data"][0]
        return addr
    if isinstance(ptr, memoryview):
        try:
            return ctypes.addressof(ctypes.c_char.from_buffer(ptr))
        except (TypeError, ValueError):  # read-only, empty or released: no address, which free refuses
            return -1
    raise TypeError(f"ptr must be an address or an array from shmem.array, not {type(ptr).__name__}")


def shmem_free(ptr: Any) -> None:
    """Collective: frees a block from shmem_malloc/calloc/align (or shmem.array); 0 is a no-op. shmem.buffer views
    inside the block are released (using one raises ValueError)."""
    addr = _collective_int(_address_of(ptr))
    views = _views.views_of_block(addr)
    call(api.Free, addr)
    _views.revoke(views)  # shmem.buffer views of the block now raise ValueError


def shmem_ptr(ptr: int, peer: int) -> int:
    """An address through which peer's copy of ptr can be loaded and stored here; 0 when there is none."""
    try:
        return raw.api_Ptr(ptr, peer)
    except FAILURES:  # an address or PE beyond 64 bits has no copy anywhere
        return 0


def buffer(ptr: int, nbytes: int) -> memoryview:
    """A writable memoryview of nbytes of symmetric memory (this PE's, or a peer's from shmem_ptr).

    shmem_finialize releases it: using it afterwards raises ValueError (see _views)."""
    return _views.view(ptr, nbytes, True)


def array(shape: Any, dtype: Any = "float64") -> Any:
    """Collective: a NumPy array living in the symmetric heap (free it with shmem_free)."""
    import numpy as np

    dt = np.dtype(dtype)
    if dt.hasobject:
        raise TypeError(f"a symmetric array holds plain data, not {dt} (Python objects cannot be shared)")
    count = 1
    dims = tuple(operator.index(dim) for dim in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    for dim in dims:
        if dim < 0:
            raise ShmemError(SHMEM_INVALID_PARAM, f"shape {shape} has a negative dimension")
        count *= dim
    nbytes = max(count * dt.itemsize, 1)
    ptr = shmem_malloc(nbytes)
    if ptr == 0:
        raise ShmemError(SHMEM_MALLOC_FAILED, f"no room for a {shape} {dt} array in the symmetric heap")
    return np.frombuffer(_views.view(ptr, nbytes, False), dtype=dt, count=count).reshape(dims)


def peer_array(arr: Any, pe: int) -> Any:
    """A view of PE pe's copy of a symmetric array, for direct loads and stores (same-host PEs only)."""
    import numpy as np

    if not isinstance(arr, np.ndarray):
        raise TypeError(f"arr must be a NumPy array from shmem.array, not {type(arr).__name__}")
    peer = shmem_ptr(_address_of(arr), pe)
    if peer == 0:
        raise ShmemError(SHMEM_NOT_SUPPORTED, f"PE {pe}'s copy is not load/store reachable from here")
    return np.frombuffer(_views.view(peer, arr.nbytes, False), dtype=arr.dtype).reshape(arr.shape)
