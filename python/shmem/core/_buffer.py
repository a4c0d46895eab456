"""Buffer: a range of memory by address and length, with its memory type; owning (from an allocation) or
borrowed (a peer's copy, a view, an external address). It speaks the buffer protocol (Python >= 3.12),
NumPy's array interface and DLPack, so NumPy sees symmetric memory without a copy."""

from __future__ import annotations

import ctypes
from typing import Any

from .._core import api
from .._errors import FAILURES
from . import _state
from ._types import MemType

_INTPTR_MAX = (1 << (ctypes.sizeof(ctypes.c_void_p) * 8 - 1)) - 1
_SIZE_T_MAX = (1 << (ctypes.sizeof(ctypes.c_size_t) * 8)) - 1


def _invalid(msg: str) -> Exception:
    from .utils import AclshmemInvalid

    return AclshmemInvalid(msg)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Buffer:
    """A memory range: ``addr``, ``length`` (bytes), ``mem_type``. ``Buffer(addr, length)`` describes an external
    address and never owns it; core.buffer/calloc/align return owning Buffers, get_peer_buffer borrowed ones.
    After free (of it or of its owner) or after finalize, using it raises AclshmemInvalid."""

    __slots__ = ("addr", "length", "mem_type", "_owned", "_release_called", "_owner", "_instance_id", "_epoch",
                 "__weakref__")

    def __init__(self, addr: int, length: int, mem_type: MemType = MemType.DEVICE_SIDE) -> None:
        self._initialize(addr, length, mem_type, owned=False, owner=None, instance_id=None)

    def _initialize(self, addr: Any, length: Any, mem_type: Any, *, owned: bool, owner: Buffer | None,
                    instance_id: int | None) -> None:
        if not _is_int(addr):
            raise _invalid("addr must be an integer.")
        if addr <= 0 or addr > _INTPTR_MAX:
            raise _invalid(f"addr must satisfy 0 < addr <= {_INTPTR_MAX}.")
        if not _is_int(length):
            raise _invalid("length must be an integer.")
        if length <= 0 or length > _SIZE_T_MAX:
            raise _invalid(f"length must satisfy 0 < length <= {_SIZE_T_MAX}.")
        if not isinstance(mem_type, MemType):
            raise TypeError("mem_type must be an instance of MemType")
        if owner is not None and not isinstance(owner, Buffer):
            raise TypeError("owner must be a Buffer or None")
        if owned and owner is not None:
            raise ValueError("An owned Buffer cannot also be a borrowed view")
        if owner is not None:
            instance_id = owner.instance_id
        elif not owned and instance_id is not None:
            raise ValueError("An external Buffer cannot declare an allocation instance")
        self.addr: int = addr
        self.length: int = length
        self.mem_type = mem_type
        self._owned = owned
        self._release_called = False
        self._owner = owner
        self._instance_id = instance_id
        self._epoch: int = owner._epoch if owner is not None else _state.epoch_of(instance_id)

    @classmethod
    def _owning(cls, addr: int, length: int, mem_type: MemType, instance_id: int) -> Buffer:
        obj = cls.__new__(cls)
        obj._initialize(addr, length, mem_type, owned=True, owner=None, instance_id=instance_id)
        return obj

    @classmethod
    def _borrowed(cls, addr: int, length: int, mem_type: MemType, owner: Buffer) -> Buffer:
        obj = cls.__new__(cls)
        obj._initialize(addr, length, mem_type, owned=False, owner=owner, instance_id=owner.instance_id)
        return obj

    @property
    def owned(self) -> bool:
        """Whether this object owns its allocation (only owning Buffers can be freed)."""
        return self._owned

    @property
    def instance_id(self) -> int | None:
        """The instance that allocated it; None for an external address."""
        return self._instance_id

    @property
    def release_called(self) -> bool:
        """Whether free was called for it or for the Buffer it borrows from."""
        return self._release_called or (self._owner is not None and self._owner.release_called)

    @property
    def finalized(self) -> bool:
        """Whether the job its memory belonged to has been finalized since it was made."""
        return (self._owned or self._owner is not None) and self._epoch != _state.epoch_of(self._instance_id)

    def _ensure_usable(self) -> None:
        if self.release_called:
            raise _invalid("Buffer is no longer usable after free was called.")
        if self.finalized:
            raise _invalid("Buffer is no longer usable: its job was finalized.")

    def _address_checked(self) -> int:
        """Its address, after checking that the whole range is memory this process can load and store."""
        self._ensure_usable()
        try:
            api.CheckMapped(self.addr, self.length)
        except FAILURES:
            raise _invalid(f"Buffer [0x{self.addr:x}, +{self.length}) is not inside a mapped symmetric heap: "
                           "only symmetric memory can be viewed.") from None
        return self.addr

    def view(self) -> memoryview:
        """A writable memoryview of its bytes (symmetric memory of this PE or a same-host peer only)."""
        addr = self._address_checked()
        return memoryview((ctypes.c_char * self.length).from_address(addr)).cast("B")

    def __buffer__(self, flags: int) -> memoryview:  # the buffer protocol, Python >= 3.12 (PEP 688)
        return self.view()

    def __release_buffer__(self, view: memoryview) -> None:
        view.release()

    @property
    def __array_interface__(self) -> dict[str, Any]:
        return {"shape": (self.length,), "typestr": "|u1", "data": (self._address_checked(), False), "version": 3}

    def __dlpack_device__(self) -> tuple[int, int]:
        return (_KDLCPU, 0)

    def __dlpack__(self, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: Any = None) -> Any:
        """A DLPack capsule of its bytes (uint8, 1-D, on kDLCPU): numpy.from_dlpack(buf) views them, no copy."""
        if copy:
            raise BufferError("Buffer exports its memory itself; copy=True is not supported")
        if dl_device is not None and tuple(dl_device) != (_KDLCPU, 0):
            raise BufferError(f"Buffer lives on the CPU (kDLCPU, 0), not {dl_device}")
        from ._dlpack import capsule

        versioned = max_version is not None and tuple(max_version) >= (1, 0)
        return capsule(self._address_checked(), self.length, self, versioned)

    def __repr__(self) -> str:
        return (f"Buffer(addr=0x{self.addr:x}, length={self.length}, mem_type={self.mem_type!s}, "
                f"owned={self.owned}, instance_id={self.instance_id}, release_called={self.release_called})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Buffer):
            return False
        return self.addr == other.addr and self.length == other.length and self.mem_type == other.mem_type

    def __hash__(self) -> int:
        return hash((self.addr, self.length, int(self.mem_type)))


_KDLCPU = 1
