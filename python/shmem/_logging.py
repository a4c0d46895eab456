"""The "shmem" logger, and the Ascend-style switches over it."""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger("shmem")

_LEVELS = {0: logging.DEBUG, 1: logging.INFO, 2: logging.WARNING, 3: logging.ERROR}
_extern: logging.Handler | None = None


def set_log_level(level: int) -> int:
    """Sets the level of the "shmem" logger: 0 debug, 1 info, 2 warning, 3 error (or a logging level)."""
    if not isinstance(level, int):
        raise TypeError(f"level must be an int, not {type(level).__name__}")
    if level in _LEVELS:
        logger.setLevel(_LEVELS[level])
    elif isinstance(level, int) and level >= logging.DEBUG:
        logger.setLevel(level)
    else:
        return -2
    return 0


class _FuncHandler(logging.Handler):
    def __init__(self, fn: Callable[[int, str], object]) -> None:
        super().__init__()
        self.fn = fn

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.fn(record.levelno, self.format(record))
        except Exception:  # a user's logger must not break the library
            self.handleError(record)


def set_extern_logger(fn: Callable[[int, str], object] | None) -> int:
    """Sends the library's log records to fn(level, message) as well; None removes it."""
    global _extern
    if _extern is not None:
        logger.removeHandler(_extern)
        _extern = None
    if fn is not None:
        if not callable(fn):
            raise TypeError("set_extern_logger needs a callable(level, message) or None")
        _extern = _FuncHandler(fn)
        logger.addHandler(_extern)
    return 0
