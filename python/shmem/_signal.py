"""Put-with-signal, and waiting on signal words in this PE's symmetric memory."""

from __future__ import annotations

import operator
from typing import Any

from . import _hot
from ._buffers import LocalBuffer, lend
from ._core import raw
from ._errors import FAILURES, SHMEM_INVALID_VALUE, ShmemError, beyond_int64, from_runtime
from ._rma import _stored

SHMEM_SIGNAL_SET = 0
SHMEM_SIGNAL_ADD = 1
SHMEM_CMP_EQ, SHMEM_CMP_NE, SHMEM_CMP_GT, SHMEM_CMP_GE, SHMEM_CMP_LT, SHMEM_CMP_LE = range(6)

_put_signal = raw.api_PutmemSignal
_wait = raw.api_SignalWaitUntil
_FAST_MAX = _hot.FAST_MAX
# SHMEM_CMP_EQ..LE as functions, for the waits that spin here.
_COMPARE = (operator.eq, operator.ne, operator.gt, operator.ge, operator.lt, operator.le)
_I32_MIN, _I32_END = -(1 << 31), 1 << 31

# The fast path's state (see _hot).
_hp_peers: dict[int, memoryview] = {}
_hp_ipeers: dict[int, memoryview] = {}
_hp_gates: Any = None
_hp_wakes: dict[int, memoryview] = {}
_hp_me = 0
_hp_base = 0
_hp_size = -1
_hp_own: Any = None
_hp_owni: Any = None
_hp_spin = 0
_hot.register(globals())


def _signal_put_fast(dst: Any, src: Any, elem_size: Any, sig: Any, signal: Any, sig_op: Any, pe: Any) -> bool:
    """A put-with-signal SET to a mapped PE done here (see _hot): the data, then the signal word with one aligned
    4-byte store, which other cores see after the data's stores (x86-64 keeps stores in order); False: the runtime
    must do it."""
    if (sig_op.__class__ is int and sig_op == 0 and pe.__class__ is int and sig.__class__ is int
            and signal.__class__ is int and _I32_MIN <= signal < _I32_END and elem_size.__class__ is int):
        iheap = _hp_ipeers.get(pe)
        if iheap is not None and _hp_gates[pe]:
            w = sig - _hp_base
            if not (0 <= w <= _hp_size - 4 and not w & 3):
                return False
            if elem_size:
                if not (0 < elem_size <= _FAST_MAX and dst.__class__ is int):
                    return False
                d = dst - _hp_base
                if not 0 <= d <= _hp_size - elem_size:
                    return False
                if src.__class__ is int:
                    s = src - _hp_base
                    if not 0 <= s <= _hp_size - elem_size:
                        return False
                    _hp_peers[pe][d:d + elem_size] = _hp_own[s:s + elem_size]
                elif src.__class__ is bytes and len(src) == elem_size:
                    _hp_peers[pe][d:d + elem_size] = src
                else:
                    return False
            elif not (dst.__class__ is int and dst >= 0
                      and (src.__class__ is int and src >= 0 or src.__class__ is bytes)):
                return False
            iheap[w >> 2] = signal
            _stored(pe)
            return True
    return False


def _signal_put(dst: int, src: Any, elem_size: int, sig: int, signal: int, sig_op: int, pe: int, nbi: int) -> None:
    if _signal_put_fast(dst, src, elem_size, sig, signal, sig_op, pe):
        return
    _signal_put_runtime(dst, src, elem_size, sig, signal, sig_op, pe, nbi)
    if not _hp_gates[_hp_me]:
        _hot.setup()


def _signal_put_runtime(dst: int, src: Any, elem_size: int, sig: int, signal: int, sig_op: int, pe: int,
                        nbi: int) -> None:
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
    got = wait_fast(sig, cmp, value)
    if got is not None:
        return got
    got = _wait_runtime(sig, cmp, value)
    if not _hp_gates[_hp_me]:
        _hot.setup()
    return got


def wait_fast(sig: Any, cmp: Any, value: Any) -> int | None:
    """The fast path of a signal wait (see _hot): the word is in this PE's own heap, so it is read here, a few
    hundred times when every PE has a CPU of its own, before the runtime's wait (which spins, yields, then sleeps);
    None: not satisfied yet, or not a case for it."""
    global _spin_credit
    if sig.__class__ is int and cmp.__class__ is int and value.__class__ is int and 0 <= cmp <= 5:
        w = sig - _hp_base
        if 0 <= w <= _hp_size - 4 and not w & 3 and _I32_MIN <= value < _I32_END and _hp_gates[_hp_me]:
            words, i, holds = _hp_owni, w >> 2, _COMPARE[cmp]
            got: int = words[i]
            if holds(got, value):
                return got
            if _hp_spin:
                # Spin as long as spinning paid lately: the credit doubles when the store came while spinning and
                # halves when it did not (a machine busier than its PEs: the writer waits for this CPU).
                for _ in range(_spin_credit):
                    got = words[i]
                    if holds(got, value):
                        _spin_credit = min(2 * _spin_credit + 1, _hp_spin)
                        return got
                _spin_credit = max(_spin_credit // 2, 8)  # a few reads: a quiet machine earns it back
    return None


_spin_credit = _hot.SPIN  # see wait_fast


def _wait_runtime(sig: int, cmp: int, value: int) -> int:
    while True:
        try:
            return _wait(sig, cmp, value)
        except FAILURES as exc:
            failure = exc
        error = _signal_error(failure, value)  # KeyboardInterrupt leaves here on Ctrl-C, unchained
        if not isinstance(error, InterruptedError):  # a signal handler that did not raise: wait on
            raise error from None
