"""Uses views of symmetric memory after the memory is gone (issue 12, item 1): after shmem_free, after
shmem_finialize, and across a second init. Before the fix the first read after finalize died with SIGSEGV; the
test sees a crash as a non-zero exit. Every PE reports what its stale views gave."""

from __future__ import annotations

import gc

import numpy as np
import shmem
from shmem._core import raw

from programs.pe import NPES, RANK, report


def attempt(fn, *args) -> object:  # type: ignore[no-untyped-def]
    """fn(*args)'s value, or the name of the exception it raised."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - the report says which
        return type(exc).__name__


def write_read(view, index: int, value: int) -> int:  # type: ignore[no-untyped-def]
    view[index] = value
    return int(view[index])


def main() -> None:
    shmem.init(mem_size=1 << 20)
    peer = (RANK + 1) % NPES
    arr = shmem.array(16, "int64")
    arr[:] = 100 + RANK
    block = shmem.shmem_malloc(64)
    view = shmem.buffer(block, 64)
    view[:8] = bytes([RANK + 1] * 8)
    wrapped = np.frombuffer(shmem.buffer(block, 64), dtype=np.uint8)  # a buffer view exported to NumPy
    shmem.shmem_barrier_all()
    peer_view = shmem.peer_array(arr, peer)
    peer_before = int(peer_view[0])

    # After shmem_free: the block's memory stays mapped (it may be handed out again); reads give what is there.
    freed = shmem.array(8, "int64")
    freed[:] = 7
    freed_addr = freed.__array_interface__["data"][0]
    freed_view = shmem.buffer(freed_addr + 8, 16)  # inside the block: revoked by shmem_free
    freed_peer_view = shmem.buffer(shmem.shmem_ptr(freed_addr, peer), 8)  # the peer's copy: revoked too
    shmem.shmem_barrier_all()
    shmem.shmem_free(freed)
    after_free = int(freed[0])
    freed[1] = 9  # writes into the free heap: no crash (and a later allocation may see it)
    freed_view_use = attempt(freed_view.__getitem__, 0)
    freed_peer_view_use = attempt(write_read, freed_peer_view, 0, 1)
    other_view_after_free = attempt(view.__getitem__, 0)  # a view of another block is not touched
    shmem.shmem_barrier_all()

    shmem.shmem_finialize()
    # Every kind of view, read and written after finalize: none may crash.
    out = {
        "peer_before": peer_before,
        "after_free": after_free,
        "freed_view": freed_view_use,
        "freed_peer_view": freed_peer_view_use,
        "other_view_after_free": other_view_after_free,
        "array_read": int(arr[0]),
        "array_write": attempt(write_read, arr, 1, 5),
        "array_sum": int(arr.sum()),
        "peer_read": int(peer_view[0]),
        "peer_write": attempt(write_read, peer_view, 0, 1),
        "buffer_read": attempt(view.__getitem__, 0),
        "buffer_write": attempt(write_read, view, 0, 1),
        "wrapped_read": int(wrapped[0]),
        "freed_read": int(freed[0]),
        "new_buffer": attempt(shmem.buffer, block, 8),
    }
    retired_with_views = raw.api_RetiredRanges()

    # A second job while the first one's views still exist: they stay harmless, and do not touch the new heap.
    shmem.init(mem_size=1 << 20)
    fresh = shmem.array(16, "int64")
    fresh[:] = 3
    arr[:] = 42  # the old view: must not reach the new heap
    shmem.shmem_barrier_all()
    out["fresh_ok"] = bool((fresh == 3).all())
    out["old_read_in_new_job"] = int(arr[2])
    shmem.shmem_free(fresh)
    del fresh
    shmem.shmem_finialize()

    del arr, view, wrapped, peer_view, freed, freed_view, freed_peer_view
    gc.collect()
    out["retired_with_views"] = retired_with_views
    out["retired_after_views_gone"] = raw.api_RetiredRanges()
    report(out)


if __name__ == "__main__":
    main()
