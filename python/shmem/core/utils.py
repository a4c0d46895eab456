"""Errors, the logger set-up and the argument checks every shmem.core call shares (Ascend's shmem.core.utils)."""

from __future__ import annotations

import ctypes
import logging
import os
import socket
import sys
import threading

from .._core import raw
from ._buffer import Buffer

_MAX_INSTANCE_COUNT = 255
_INTPTR_MAX = (1 << (ctypes.sizeof(ctypes.c_void_p) * 8 - 1)) - 1
_SIZE_T_MAX = (1 << (ctypes.sizeof(ctypes.c_size_t) * 8)) - 1
# Serialises the calls that act on "the current instance" (Ascend's lock of the same name).
_instance_lock = threading.RLock()

NOT_SUPPORTED = -100


class AclshmemError(Exception):
    """A shmem.core call failed in the runtime."""

    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.msg = msg

    def __repr__(self) -> str:
        return f"<AclshmemError: {self.msg}>"


class AclshmemInvalid(Exception):
    """A shmem.core call was given an argument it refuses before doing anything."""

    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.msg = msg

    def __repr__(self) -> str:
        return f"<AclshmemInvalid: {self.msg}>"


def setup_aclshmem_logger(log_level: str = "ERROR", log_file_path: str | None = None) -> None:
    """Configures the "aclshmem" logger: `<host>:<pid>:<tid> [<PE>] ACLSHMEM <LEVEL> : <message>` on stdout, and
    in log_file_path too when given. ValueError for an unknown level name."""
    numeric = getattr(logging, str(log_level).upper(), None)
    if not isinstance(numeric, int):
        raise ValueError(f"Invalid log level: {log_level}")
    pe = raw.api_MyPe()
    host = socket.getfqdn().split(".")[0]
    fmt = logging.Formatter(f"{host}:{os.getpid()}:{threading.get_native_id()} [{pe}] ACLSHMEM "
                            "%(levelname)s : %(message)s")
    logger = logging.getLogger("aclshmem")
    logger.setLevel(numeric)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    console = logging.StreamHandler(sys.stdout)
    console.setFormatter(fmt)
    logger.addHandler(console)
    if log_file_path:
        file_handler = logging.FileHandler(log_file_path)
        file_handler.setFormatter(fmt)
        logger.addHandler(file_handler)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_instance_id(instance_id: object) -> None:
    if not _is_int(instance_id) or not 0 <= instance_id < _MAX_INSTANCE_COUNT:  # type: ignore[operator]
        raise AclshmemInvalid(f"instance_id must be an integer in range [0, {_MAX_INSTANCE_COUNT - 1}].")


def _current_instance_id() -> int:
    from . import instance

    return instance.current_instance()


def _validate_buffer_instance(buf: Buffer, name: str) -> None:
    if buf.instance_id is not None and buf.instance_id != _current_instance_id():
        raise AclshmemInvalid(f"{name} belongs to instance {buf.instance_id}, but current instance is "
                              f"{_current_instance_id()}.")


def _validate_stream(stream: object, *, allow_none: bool) -> int:
    """The integer handle of stream (a Stream or an int >= 0; None means 0 where allowed)."""
    if stream is None:
        if allow_none:
            return 0
        raise AclshmemInvalid("stream must be a non-negative integer or a Stream.")
    handle = getattr(stream, "handle", stream)
    if not _is_int(handle) or handle < 0:  # type: ignore[operator]
        raise AclshmemInvalid("stream must be a non-negative integer or a Stream.")
    return handle  # type: ignore[return-value]


__all__ = ["AclshmemError", "AclshmemInvalid", "Buffer", "setup_aclshmem_logger"]
