"""Host streams: ordered queues of operations the runtime runs in the background, one goroutine per stream.

Operations queued on one stream run in order; different streams run concurrently. ``*_on_stream`` calls (and
core.put/get/signal_op/signal_wait/quiet/barrier_on_stream) queue and return at once; synchronize waits. A stream
is a Stream object or its integer handle; 0 is the default stream."""

from __future__ import annotations

from .._core import raw
from .._errors import FAILURES, from_runtime
from . import _state

_SLICE_MS = 100  # a wait returns to Python this often, so that Ctrl-C gets through


def _sync(handle: int) -> None:
    """Waits for the operations queued on handle (-1: every stream) and raises the first error any of them hit."""
    counts = _state.snapshot()
    try:
        while not raw.api_StreamSync(handle, _SLICE_MS):
            pass
    except FAILURES as exc:
        _release(handle, counts)
        raise from_runtime(exc) from None
    _release(handle, counts)


def _drain() -> None:
    """Waits for the operations queued on every stream, leaving their errors for their next synchronize."""
    while not raw.api_StreamDrain(_SLICE_MS):
        pass


def _release(handle: int, counts: dict[int, int]) -> None:
    for h, n in counts.items():
        if handle < 0 or h == handle:
            _state.release(h, n)


def synchronize(stream: object = None) -> None:
    """Waits until every operation queued on stream (a Stream or handle; None: every stream) has run, and raises
    the first error (a ShmemError) any of them hit since the stream was last synchronized."""
    from .utils import _validate_stream

    _sync(-1 if stream is None else _validate_stream(stream, allow_none=False))


class Stream:
    """An ordered queue of operations. ``int(stream)`` / ``stream.handle`` is the handle calls take.
    ``with Stream() as s:`` synchronizes and destroys it on exit."""

    __slots__ = ("_handle",)

    def __init__(self) -> None:
        try:
            self._handle = raw.api_StreamCreate()
        except FAILURES as exc:
            raise from_runtime(exc) from None

    @property
    def handle(self) -> int:
        return self._handle

    def __int__(self) -> int:
        return self._handle

    __index__ = __int__

    def synchronize(self) -> None:
        """Waits for every operation queued so far; raises the first error any of them hit."""
        _sync(self._handle)

    def pending(self) -> int:
        """How many queued operations have not run yet."""
        try:
            return raw.api_StreamPending(self._handle)
        except FAILURES as exc:
            raise from_runtime(exc) from None

    def destroy(self) -> None:
        """Synchronizes, then removes the stream; its handle is invalid afterwards."""
        if self._handle == 0:
            return
        try:
            _sync(self._handle)
        finally:
            try:
                raw.api_StreamDestroy(self._handle)
            except FAILURES:
                pass  # already gone (finalize removes every stream)
            _state.release(self._handle, _state.lent_count(self._handle))

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy()

    def __repr__(self) -> str:
        return f"Stream(handle={self._handle})"


#: The default stream (handle 0).
default_stream = 0

__all__ = ["Stream", "default_stream", "synchronize"]
