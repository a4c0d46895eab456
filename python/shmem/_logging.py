"""The "shmem" logger, and the Ascend-style switches over it."""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

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


def set_extern_logger(func: Callable[[int, str], object] | None) -> int:
    """Sends the library's log records to func(level, message) as well; None removes it."""
    global _extern
    if _extern is not None:
        logger.removeHandler(_extern)
        _extern = None
    if func is not None:
        if not callable(func):
            raise TypeError("set_extern_logger needs a callable(level, message) or None")
        _extern = _FuncHandler(func)
        logger.addHandler(_extern)
    return 0


# --- SHMEM_LOG_LEVEL and the runtime's log lines (issue 13) ---

# Ascend's SHMEM_LOG_LEVEL: 0 debug, 1 info, 2 warn, 3 error, 4 off, or the names.
_ENV_LEVELS = {
    "0": logging.DEBUG, "DEBUG": logging.DEBUG,
    "1": logging.INFO, "INFO": logging.INFO,
    "2": logging.WARNING, "WARN": logging.WARNING, "WARNING": logging.WARNING,
    "3": logging.ERROR, "ERROR": logging.ERROR,
    "4": logging.CRITICAL + 1, "OFF": logging.CRITICAL + 1,
}


if TYPE_CHECKING:  # generic only in typeshed: subscripting it at run time fails
    _StreamHandler = logging.StreamHandler[TextIO]
else:
    _StreamHandler = logging.StreamHandler


class _EnvHandler(_StreamHandler):
    """Prints to stderr when SHMEM_LOG_LEVEL asks for lines and the application configured no logging itself
    (then its root handlers get them by propagation, and printing here too would double them)."""

    def __init__(self) -> None:
        super().__init__()  # sys.stderr at emit time
        self.setFormatter(logging.Formatter("shmem %(levelname)s [pid %(process)d]: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if not logging.getLogger().handlers:
            super().emit(record)


def apply_env_level(value: str | None) -> int | None:
    """Sets the logger's level from a SHMEM_LOG_LEVEL value; the level, or None when value is unset or invalid."""
    if value is None or not value.strip():
        return None
    level = _ENV_LEVELS.get(value.strip().upper())
    if level is None:
        logger.warning("SHMEM_LOG_LEVEL=%r is not one of 0-4 or DEBUG, INFO, WARN, ERROR, OFF: ignored", value)
        return None
    logger.setLevel(level)
    if not any(isinstance(h, _EnvHandler) for h in logger.handlers):
        logger.addHandler(_EnvHandler())
    return level


# The runtime's start-up and shut-down lines arrive through this ctypes function ("LEVEL message"), called by Go
# during init and finalize only (native.CallStringFunc's protocol: returns the answer's length, here 0).
_SINK_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t)


def _sink(line: bytes, out: int, cap: int) -> int:
    try:
        level, _, text = line.decode(errors="replace").partition(" ")
        logger.log(int(level), "%s", text)
    except Exception:  # noqa: BLE001 - runs on a Go thread: nothing may escape
        pass
    return 0


_sink_cfunc = _SINK_FN(_sink)
_sink_address = ctypes.cast(_sink_cfunc, ctypes.c_void_p).value or 0


def sink_address() -> int:
    """The log function for the runtime when the logger wants INFO lines, else 0 (then the runtime formats none)."""
    return _sink_address if logger.isEnabledFor(logging.INFO) else 0


apply_env_level(os.environ.get("SHMEM_LOG_LEVEL"))
