"""The plain data classes and enums of Ascend's later API (E2 and shmem.core), with Ascend's values.

Kept free of runtime calls so that every part of the facade (and shmem.core) can share them."""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import Any

ACLSHMEM_TEAM_WORLD = 0
ACLSHMEM_TEAM_INVALID = -1


class SignalOp(IntEnum):
    """How a put-with-signal updates the signal word (aclshmem_signal_op_type_t)."""

    SIGNAL_SET = 0
    SIGNAL_ADD = 1


class CmpOp(IntEnum):
    """The comparisons of waits and tests (aclshmem_cmp_op_type_t)."""

    CMP_EQ = 0
    CMP_NE = 1
    CMP_GT = 2
    CMP_GE = 3
    CMP_LT = 4
    CMP_LE = 5


class InitMode(IntEnum):
    """How PEs meet at init (aclshmemx_bootstrap_t): an ip_port (DEFAULT), MPI, or a unique id."""

    DEFAULT = 1 << 0
    MPI = 1 << 1
    UNIQUEID = 1 << 3


class MemType(IntEnum):
    """Where symmetric memory lives (aclshmem_mem_type_t): two separate symmetric heaps, both host memory here
    (there is no device); DEVICE_SIDE is Ascend's default (docs/core.md)."""

    HOST_SIDE = 0
    DEVICE_SIDE = 1


class Handle:
    """What a non-blocking team operation hands back to wait on (aclshmem_handle_t): the team it ran over."""

    __slots__ = ("team_id",)

    def __init__(self, team_id: int = ACLSHMEM_TEAM_INVALID) -> None:
        self.team_id = team_id

    def __repr__(self) -> str:
        return f"Handle(team_id={self.team_id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Handle) and other.team_id == self.team_id


class InstanceContext:
    """One library instance (aclshmem_instance_ctx): its id, and a reserved slot."""

    __slots__ = ("id", "instance")

    def __init__(self, id: int = 0, instance: object = None) -> None:  # noqa: A002 - Ascend's field name
        self.id = id
        self.instance = instance

    def __repr__(self) -> str:
        return f"InstanceContext(id={self.id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InstanceContext) and other.id == self.id


class ProfData:
    """Cycle-profiling data of one PE (aclshmem_prof_pe_t): per block, frame counts and cycles."""

    __slots__ = ("pe_id", "ccount", "cycles")

    def __init__(self, pe_id: int = -1, ccount: list[Any] | None = None, cycles: list[Any] | None = None) -> None:
        self.pe_id = pe_id
        self.ccount: list[Any] = [] if ccount is None else ccount
        self.cycles: list[Any] = [] if cycles is None else cycles

    def __repr__(self) -> str:
        return f"ProfData(pe_id={self.pe_id!r}, blocks={len(self.ccount)})"


UNIQUE_ID_INNER_LEN = 124
UNIQUE_ID_BYTES = 136  # sizeof(aclshmemx_uniqueid_t): version, my_pe, n_pes, internal[124]
UNIQUE_ID_MAGIC = (1 << 16) + UNIQUE_ID_BYTES
_HEAD = struct.Struct("<iii")


class UniqueId:
    """Ascend's unique id (aclshmemx_uniqueid_t, 136 bytes): version, my_pe, n_pes and 124 bytes of internal
    data. ``bytes(uid)`` is the form aclshmem_get_unique_id returns and aclshmem_init_using_unique_id takes."""

    __slots__ = ("version", "my_pe", "n_pes", "_internal")

    def __init__(self) -> None:
        self.version = UNIQUE_ID_MAGIC
        self.my_pe = 0
        self.n_pes = 0
        self._internal = bytes(UNIQUE_ID_INNER_LEN)

    @property
    def internal(self) -> bytes:
        return self._internal

    @internal.setter
    def internal(self, value: bytes) -> None:
        if self.version != UNIQUE_ID_MAGIC:
            raise ValueError("Cannot set 'internal': UniqueId is not initialized or has invalid magic number.")
        if not isinstance(value, (bytes, bytearray)):
            raise TypeError(f"internal must be bytes, not {type(value).__name__}")
        if len(value) != UNIQUE_ID_INNER_LEN:
            raise ValueError(f"internal must be exactly {UNIQUE_ID_INNER_LEN} bytes")
        self._internal = bytes(value)

    def __bytes__(self) -> bytes:
        return _HEAD.pack(self.version, self.my_pe, self.n_pes) + self._internal

    @classmethod
    def from_bytes(cls, data: bytes) -> UniqueId:
        """The UniqueId whose bytes are data (136 bytes, as bytes(uid) gives)."""
        if len(data) != UNIQUE_ID_BYTES:
            raise ValueError(f"a UniqueId is {UNIQUE_ID_BYTES} bytes, not {len(data)}")
        uid = cls()
        uid.version, uid.my_pe, uid.n_pes = _HEAD.unpack_from(data)
        uid._internal = bytes(data[_HEAD.size:])
        return uid

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UniqueId) and bytes(other) == bytes(self)

    def __repr__(self) -> str:
        return f"UniqueId(version={self.version:#x}, my_pe={self.my_pe}, n_pes={self.n_pes})"
