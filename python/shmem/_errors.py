"""Error codes (the Ascend library's values) and ShmemError."""

from __future__ import annotations

import ctypes
import errno
import re

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


class ShmemError(RuntimeError):
    """A shmem call failed; ``code`` holds the error code (one of the SHMEM_* constants)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


# The Go runtime formats every error as "shmem[<code>]: <message>".
_CODED = re.compile(r"^shmem\[(-?\d+)\]: (.*)$", re.S)


def from_runtime(exc: BaseException) -> ShmemError:
    """The ShmemError a RuntimeError raised by the generated extension stands for."""
    if isinstance(exc, ShmemError):
        return exc
    text = str(exc)
    match = _CODED.match(text)
    if match is None:
        return ShmemError(SHMEM_INNER_ERROR, text)
    code = int(match.group(1))
    if code == _INTERRUPTED:
        return interrupted(match.group(2))
    return ShmemError(code, match.group(2))


# A blocking call ended by a signal (Ctrl-C; see _interrupt.py). Not an Ascend code: never given to users.
_INTERRUPTED = -99
_check_signals = ctypes.pythonapi.PyErr_CheckSignals
_check_signals.restype = ctypes.c_int


def interrupted(message: str) -> BaseException:
    """Runs the Python signal handlers that the interrupting signal set pending: the SIGINT handler raises
    KeyboardInterrupt right here. A handler that returns normally leaves InterruptedError for the caller (the
    waits retry on it; a call that cannot be resumed raises it)."""
    _check_signals()  # ctypes raises what the handler raised
    error = InterruptedError(errno.EINTR, message)
    error.code = _INTERRUPTED  # type: ignore[attr-defined]  # what a call returning a status returns
    return error


def call(fn, *args):  # type: ignore[no-untyped-def]
    """Runs a generated-extension call, turning its RuntimeError into the ShmemError it stands for."""
    try:
        return fn(*args)
    except RuntimeError as exc:
        failure = exc
    # Outside the except block: a KeyboardInterrupt that from_runtime lets out (Ctrl-C) is not chained to the
    # RuntimeError that carried it.
    raise from_runtime(failure) from None
