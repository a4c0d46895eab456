"""What shmem.core remembers between calls: the generation of the current job (a Buffer of an earlier one is
stale), and the buffers lent to queued stream operations."""

from __future__ import annotations

import threading

from .._buffers import LocalBuffer

# Bumped at every finalize: a Buffer made before it refers to memory that is gone.
epoch = 0
# Instances (core.instance): finalizes so far of each instance. A Buffer keeps its instance's count from when it was
# made; once the instance is finalized its memory is gone, while Buffers of the other instances stay usable.
_finalizes: dict[int | None, int] = {}


def epoch_of(instance_id: int | None) -> int:
    return _finalizes.get(instance_id, 0)


def instance_finalized(instance_id: int) -> None:
    global epoch
    _finalizes[instance_id] = _finalizes.get(instance_id, 0) + 1
    epoch += 1
_lock = threading.Lock()
# stream handle -> objects that queued operations of that stream use: LocalBuffer exports (released) or Buffers
# (kept alive), until a synchronize of the stream has seen those operations run.
_lent: dict[int, list[object]] = {}


def lend(stream: int, obj: object) -> None:
    with _lock:
        _lent.setdefault(stream, []).append(obj)


def lent_count(stream: int) -> int:
    with _lock:
        return len(_lent.get(stream, ()))


def snapshot() -> dict[int, int]:
    with _lock:
        return {h: len(v) for h, v in _lent.items()}


def release(stream: int, count: int) -> None:
    """Releases the first count objects lent to stream: the operations that used them have run."""
    with _lock:
        items = _lent.get(stream, [])
        done, items[:count] = items[:count], []
    for obj in done:
        if isinstance(obj, LocalBuffer):
            obj.release()


def release_all() -> None:
    with _lock:
        everything = [obj for items in _lent.values() for obj in items]
        _lent.clear()
    for obj in everything:
        if isinstance(obj, LocalBuffer):
            obj.release()
