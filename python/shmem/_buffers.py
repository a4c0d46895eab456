"""Turning the local side of a transfer (an int address or any buffer-protocol object) into an address."""

from __future__ import annotations

import ctypes
from typing import Any

from ._errors import SHMEM_INVALID_PARAM, ShmemError

_PyBUF_SIMPLE = 0
_PyBUF_WRITABLE = 0x0001
_PyBUF_FORMAT = 0x0004
_PyBUF_ND = 0x0008  # memoryview hands out its format only with the shape (a C-contiguous one)

# The struct/PEP 3118 item codes of plain data: bytes a transfer may overwrite without breaking anything but the
# values. 'O' (a Python object pointer) and '&' are not: a get into an object array overwrites reference-holding
# pointers and the interpreter crashes later, so such buffers are refused (issue 12, item 2).
_PLAIN_CODES = frozenset("xcbB?hHiIlLqQnNefdgspPwuZ")
# Layout punctuation: byte order, repeat counts, structs T{...}, sub-array shapes (2,3).
_LAYOUT = frozenset("@=<>!^ T{}(),0123456789")
_verdicts: dict[bytes | None, bool] = {None: True, b"B": True, b"b": True, b"d": True, b"f": True, b"O": False}


def plain_format(fmt: bytes | None) -> bool:
    """Whether a buffer of this struct format holds plain data only (None, as from bytes, means unsigned bytes)."""
    verdict = _verdicts.get(fmt)
    if verdict is None:
        verdict = _plain(fmt.decode("latin-1")) if isinstance(fmt, bytes) else False
        if len(_verdicts) < 256:
            _verdicts[fmt] = verdict
    return verdict


def _plain(fmt: str) -> bool:
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == ":":  # a struct field's name, between colons
            end = fmt.find(":", i + 1)
            if end < 0:
                return False
            i = end + 1
        elif ch in _PLAIN_CODES or ch in _LAYOUT:
            i += 1
        else:
            return False
    return True


class _PyBuffer(ctypes.Structure):
    _fields_ = [
        ("buf", ctypes.c_void_p), ("obj", ctypes.c_void_p), ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p), ("shape", ctypes.c_void_p), ("strides", ctypes.c_void_p),
        ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p),
    ]


_get_buffer = ctypes.pythonapi.PyObject_GetBuffer
_get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
_get_buffer.restype = ctypes.c_int
_release_buffer = ctypes.pythonapi.PyBuffer_Release
_release_buffer.argtypes = [ctypes.POINTER(_PyBuffer)]
_release_buffer.restype = None


class LocalBuffer:
    """Holds an export of obj's buffer (so it cannot be resized or freed) while the runtime uses its address."""

    __slots__ = ("view", "address", "instance")
    view: _PyBuffer | None
    address: int
    instance: int  # set when lent: the instance whose transfer uses it

    def __init__(self, obj: Any, nbytes: int, writable: bool, what: str) -> None:
        self.view = _PyBuffer()
        try:
            _get_buffer(obj, ctypes.byref(self.view),
                        (_PyBUF_WRITABLE if writable else _PyBUF_SIMPLE) | _PyBUF_FORMAT | _PyBUF_ND)
        except (BufferError, ValueError) as exc:  # NumPy says ValueError for read-only or strided arrays
            self.view = None
            need = "a writable, contiguous buffer" if writable else "a contiguous buffer"
            raise ShmemError(SHMEM_INVALID_PARAM, f"{what} must be an address or {need}: {exc}") from None
        except TypeError:
            self.view = None
            raise TypeError(f"{what} must be an int address or a buffer-protocol object, "
                            f"not {type(obj).__name__}") from None
        if not plain_format(self.view.format):
            fmt = self.view.format
            self.release()
            raise TypeError(f"{what} must hold plain data (numbers or bytes); a {type(obj).__name__} of items "
                            f"{fmt!r} holds Python objects, which a transfer must not overwrite")
        if self.view.len < nbytes:
            have = self.view.len
            self.release()
            raise ShmemError(SHMEM_INVALID_PARAM, f"{what} holds {have} bytes, elem_size asks for {nbytes}")
        self.address = self.view.buf or 0

    def release(self) -> None:
        if self.view is not None:
            _release_buffer(ctypes.byref(self.view))
            self.view = None

    def __enter__(self) -> int:
        return self.address

    def __exit__(self, *exc: object) -> None:
        self.release()


# Buffers lent to non-blocking transfers. A Python object passed to a _nbi call may be a temporary that Python
# frees as soon as the call returns, while the runtime still reads (or writes) it; so the export is held until the
# next completion point (quiet, a barrier, finalize) and released only then. It also keeps the object from being
# resized in the meantime.
_lent: list[LocalBuffer] = []
# Instances (shmem.core.instance): the current instance as the facade last set it (after every switch, init and
# finalize). A lent buffer belongs to a transfer of the instance current when it was lent; a completion point
# completes the transfers of one instance and releases only its buffers.
current_instance = 0


def lend(buffer: LocalBuffer) -> None:
    """Holds buffer's export until the transfers issued so far are complete (see complete_lent)."""
    buffer.instance = current_instance
    _lent.append(buffer)


def lent_count() -> int:
    """How many buffers are lent now: the ones a completion point starting now covers."""
    return len(_lent)


def complete_lent(count: int, instance_id: int | None = None) -> None:
    """Releases those of the first count lent buffers that belong to instance_id (default: the current instance),
    whose transfers a completion point has just completed. Buffers lent meanwhile by other threads stay lent: they
    belong to transfers issued after it began; so do those of other instances."""
    instance = current_instance if instance_id is None else instance_id
    head = _lent[:count]
    _lent[:count] = [buffer for buffer in head if buffer.instance != instance]
    for buffer in head:
        if buffer.instance == instance:
            buffer.release()
