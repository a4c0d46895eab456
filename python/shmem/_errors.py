"""Error codes (the Ascend library's values) and ShmemError."""

from __future__ import annotations

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


class ShmemError(RuntimeError, ValueError):
    """A shmem call failed; ``code`` holds the error code (one of the SHMEM_* constants).

    A RuntimeError, as Ascend's binding raises for failed calls, and a ValueError, as it raises for bad arguments
    (an invalid team, a null address): ``except`` clauses written for Ascend catch it either way."""

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
    return ShmemError(int(match.group(1)), match.group(2))


def call(fn, *args):  # type: ignore[no-untyped-def]
    """Runs a generated-extension call, turning its RuntimeError into the ShmemError it stands for."""
    try:
        return fn(*args)
    except RuntimeError as exc:
        raise from_runtime(exc) from None
