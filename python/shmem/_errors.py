"""Error codes (the Ascend library's values) and ShmemError."""

from __future__ import annotations

import ctypes
import errno
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # typing_extensions for Python 3.10; annotations are never evaluated at run time
    from typing_extensions import TypeVarTuple, Unpack

    _Ts = TypeVarTuple("_Ts")
_R = TypeVar("_R")

SHMEM_SUCCESS = 0
SHMEM_INVALID_PARAM = -1
SHMEM_INVALID_VALUE = -2
SHMEM_SMEM_ERROR = -3
SHMEM_INNER_ERROR = -4
SHMEM_NOT_INITED = -5
SHMEM_BOOTSTRAP_ERROR = -6
SHMEM_TIMEOUT_ERROR = -7
SHMEM_MALLOC_FAILED = -8
SHMEM_NOT_SUPPORTED = -100


class ShmemError(RuntimeError, ValueError):
    """A shmem call failed; ``code`` holds the error code (one of the SHMEM_* constants).

    A RuntimeError, as Ascend's binding raises for failed calls, and a ValueError, as it raises for bad arguments
    (an invalid team, a null address): ``except`` clauses written for Ascend catch it either way."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


# The Go runtime formats every error as "shmem[<code>]: <message>".
_CODED = re.compile(r"^shmem\[(-?\d+)\]: (.*)$", re.S)

# What a call into the generated extension can raise for a bad value: RuntimeError is a failure the runtime
# reports; OverflowError comes from the extension's argument conversion, before the runtime is reached, when an
# int does not fit the 64-bit C integer it becomes. Every facade call catches both and raises from_runtime's
# ShmemError (or returns the code), so a wrong value never escapes as OverflowError (issue 12, item 10). A wrong
# type is the conversion's TypeError, which passes through as it is.
FAILURES = (RuntimeError, OverflowError)


def beyond_int64(value: object) -> bool:
    """Whether value is an int the runtime's 64-bit integers cannot hold (for choosing an error's code)."""
    return isinstance(value, int) and not -(1 << 63) <= value < 1 << 63


def from_runtime(exc: BaseException) -> ShmemError:
    """The ShmemError a failure of the generated extension (one of FAILURES) stands for: the runtime's code, or
    SHMEM_INVALID_PARAM for an integer argument out of the 64-bit range."""
    if isinstance(exc, ShmemError):
        return exc
    if isinstance(exc, OverflowError):
        return ShmemError(SHMEM_INVALID_PARAM, f"an integer argument is out of the 64-bit range ({exc})")
    text = str(exc)
    match = _CODED.match(text)
    if match is None:
        return ShmemError(SHMEM_INNER_ERROR, text)
    code = int(match.group(1))
    if code == _INTERRUPTED:
        # An InterruptedError that carries .code as a ShmemError does (see interrupted()): Python's types cannot
        # say "an InterruptedError with a code" without a class of its own, which would change what is raised.
        return interrupted(match.group(2))  # type: ignore[return-value]
    return ShmemError(code, match.group(2))


# A blocking call ended by a signal (Ctrl-C; see _interrupt.py). Not an Ascend code: never given to users.
_INTERRUPTED = -99
_check_signals = ctypes.pythonapi.PyErr_CheckSignals
_check_signals.restype = ctypes.c_int


def interrupted(message: str) -> InterruptedError:
    """Runs the Python signal handlers that the interrupting signal set pending: the SIGINT handler raises
    KeyboardInterrupt right here. A handler that returns normally leaves InterruptedError for the caller (the
    waits retry on it; a call that cannot be resumed raises it)."""
    _check_signals()  # ctypes raises what the handler raised
    error = InterruptedError(errno.EINTR, message)
    error.code = _INTERRUPTED  # type: ignore[attr-defined]  # what a call returning a status returns
    return error


def call(fn: Callable[[Unpack[_Ts]], _R], *args: Unpack[_Ts]) -> _R:
    """Runs a generated-extension call, turning its failure into the ShmemError it stands for."""
    try:
        return fn(*args)
    except FAILURES as exc:
        failure = exc
    # Outside the except block: a KeyboardInterrupt that from_runtime lets out (Ctrl-C) is not chained to the
    # RuntimeError that carried it.
    raise from_runtime(failure) from None
