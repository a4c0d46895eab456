"""Put-with-signal, and waiting on signal words in this PE's symmetric memory."""

from __future__ import annotations

from typing import Any

from ._buffers import LocalBuffer, lend
from ._core import raw
from ._errors import FAILURES, SHMEM_INVALID_VALUE, ShmemError, beyond_int64, from_runtime

SHMEM_SIGNAL_SET = 0
SHMEM_SIGNAL_ADD = 1
SHMEM_CMP_EQ, SHMEM_CMP_NE, SHMEM_CMP_GT, SHMEM_CMP_GE, SHMEM_CMP_LT, SHMEM_CMP_LE = range(6)

_put_signal = raw.api_PutmemSignal


def _signal_put(dst: int, src: Any, elem_size: int, sig: int, signal: int, sig_op: int, pe: int, nbi: int) -> None:
    try:
        if src.__class__ is int:
            _put_signal(dst, src, elem_size, sig, signal, sig_op, pe, nbi)
            return
        buffer = LocalBuffer(src, elem_size, False, "src")
        try:
            _put_signal(dst, buffer.address, elem_size, sig, signal, sig_op, pe, nbi)
        except BaseException:
            buffer.release()
            raise
        if nbi:
            lend(buffer)  # released at the next quiet or barrier
        else:
            buffer.release()
    except FAILURES as exc:
        raise _signal_error(exc, signal) from None


def _signal_error(exc: BaseException, value: object) -> ShmemError:
    """A signal value beyond 64 bits is out of the 32-bit word's range like any other too large one: -2."""
    if isinstance(exc, OverflowError) and beyond_int64(value):
        return ShmemError(SHMEM_INVALID_VALUE, f"{value} does not fit the 32-bit signal word")
    return from_runtime(exc)


def shmem_putmem_signal(dst: int, src: Any, elem_size: int, sig: int, signal: int, sig_op: int, pe: int) -> None:
    """Puts elem_size bytes to dst on pe, then updates the 32-bit signal word sig on pe (SET or ADD signal).

    Whoever sees the new signal value sees the data. Done when it returns."""
    _signal_put(dst, src, elem_size, sig, signal, sig_op, pe, 0)


def shmem_putmem_signal_nbi(dst: int, src: Any, elem_size: int, sig: int, signal: int, sig_op: int,
                            pe: int) -> None:
    """shmem_putmem_signal that may return before the transfer is done (complete at shmem_quiet or a barrier)."""
    _signal_put(dst, src, elem_size, sig, signal, sig_op, pe, 1)


def shmem_signal_fetch(sig: int) -> int:
    """The value of this PE's 32-bit signal word at symmetric address sig."""
    try:
        return raw.api_SignalFetch(sig)
    except FAILURES as exc:
        raise from_runtime(exc) from None


def shmem_signal_wait_until(sig: int, cmp: int, value: int) -> int:
    """Waits until this PE's signal word at sig satisfies `word <cmp> value` (SHMEM_CMP_*) and returns the word.

    Spins briefly, then sleeps on a futex: a long wait costs no CPU."""
    while True:
        try:
            return raw.api_SignalWaitUntil(sig, cmp, value)
        except FAILURES as exc:
            failure = exc
        error = _signal_error(failure, value)  # KeyboardInterrupt leaves here on Ctrl-C, unchained
        if not isinstance(error, InterruptedError):  # a signal handler that did not raise: wait on
            raise error from None
