"""A DLPack (legacy, unversioned) capsule over a memory range, built with ctypes: a DLManagedTensor whose
deleter drops what keeps the range's owner alive."""

from __future__ import annotations

import ctypes
from typing import Any


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", _DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class _DLManagedTensor(ctypes.Structure):
    pass


_DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(_DLManagedTensor))
_DLManagedTensor._fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _DELETER)]



class _DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class _DLManagedTensorVersioned(ctypes.Structure):
    pass


_DELETER_V = ctypes.CFUNCTYPE(None, ctypes.POINTER(_DLManagedTensorVersioned))
_DLManagedTensorVersioned._fields_ = [("version", _DLPackVersion), ("manager_ctx", ctypes.c_void_p),
                                      ("deleter", _DELETER_V), ("flags", ctypes.c_uint64),
                                      ("dl_tensor", _DLTensor)]

_KDLCPU = 1
_KDLUINT = 1
_NAME = b"dltensor"
_NAME_V = b"dltensor_versioned"

# address of a live DLManagedTensor -> what it keeps alive (the struct, its shape, the owner of the memory)
_live: dict[int | None, tuple[Any, Any, Any]] = {}


def _delete(managed: Any) -> None:
    _live.pop(ctypes.cast(managed, ctypes.c_void_p).value, None)


_deleter = _DELETER(_delete)
_deleter_v = _DELETER_V(_delete)

_PyCapsule_New = ctypes.pythonapi.PyCapsule_New
_PyCapsule_New.restype = ctypes.py_object
_PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
# The destructor gets the dying capsule as a raw pointer: turning it into a Python object there would take and
# drop a reference to an object whose count already reached zero.
_api = ctypes.PyDLL(None)
_PyCapsule_IsValid = _api.PyCapsule_IsValid
_PyCapsule_IsValid.restype = ctypes.c_int
_PyCapsule_IsValid.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_PyCapsule_GetPointer = _api.PyCapsule_GetPointer
_PyCapsule_GetPointer.restype = ctypes.c_void_p
_PyCapsule_GetPointer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]

_DESTRUCTOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


def _capsule_gone(cap: Any) -> None:
    # A consumer renames the capsule to "used_dltensor" and owns the tensor from then on; a capsule nobody
    # consumed still holds it, and its deleter must run here.
    for name in (_NAME, _NAME_V):
        if _PyCapsule_IsValid(cap, name):
            _live.pop(_PyCapsule_GetPointer(cap, name), None)


_destructor = _DESTRUCTOR(_capsule_gone)


def capsule(addr: int, length: int, owner: object, versioned: bool = False) -> Any:
    """A DLPack capsule of `length` writable bytes at addr as a 1-D uint8 tensor on the CPU ("dltensor_versioned",
    DLPack 1.0, when versioned; else the legacy "dltensor", which consumers import read-only); owner stays alive
    until the consumer (or the capsule, when nobody consumes it) lets go."""
    shape = (ctypes.c_int64 * 1)(length)
    managed: Any
    if versioned:
        managed = _DLManagedTensorVersioned()
        managed.version = _DLPackVersion(1, 0)
        managed.flags = 0
        managed.deleter = _deleter_v
    else:
        managed = _DLManagedTensor()
        managed.deleter = _deleter
    managed.dl_tensor.data = addr
    managed.dl_tensor.device = _DLDevice(_KDLCPU, 0)
    managed.dl_tensor.ndim = 1
    managed.dl_tensor.dtype = _DLDataType(_KDLUINT, 8, 1)
    managed.dl_tensor.shape = ctypes.cast(shape, ctypes.POINTER(ctypes.c_int64))
    managed.dl_tensor.strides = None
    managed.dl_tensor.byte_offset = 0
    managed.manager_ctx = None
    ptr = ctypes.addressof(managed)
    _live[ptr] = (managed, shape, owner)
    return _PyCapsule_New(ptr, _NAME_V if versioned else _NAME, ctypes.cast(_destructor, ctypes.c_void_p))
