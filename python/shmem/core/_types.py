"""The classes and constants of shmem.core, as Ascend's module defines them (memory types, handles, profiling
data, instance contexts, signal and comparison operations)."""

from __future__ import annotations

from .._attrs import InitStatus
from .._core import raw

# One definition for the E2 names and shmem.core:
from .._types import ACLSHMEM_TEAM_INVALID, ACLSHMEM_TEAM_WORLD, CmpOp, MemType, SignalOp

ACLSHMEM_MAX_TEAMS = 2048

#: Profiling tables have Ascend's shape: 64 rows (here: operation kinds) of 1024 columns (here: target PEs).
PROF_ROWS = 64
PROF_COLUMNS = 1024


def team_is_active(team: int) -> bool:
    """Whether team names a team that exists now (this PE being a member)."""
    return isinstance(team, int) and not isinstance(team, bool) and 0 <= team < ACLSHMEM_MAX_TEAMS \
        and raw.api_TeamNPes(team) > 0


class Handle:
    """Names a team for handle_wait: the completion and rendezvous of the team's outstanding operations."""

    __slots__ = ("_team_id",)

    def __init__(self, team_id: int = ACLSHMEM_TEAM_WORLD) -> None:
        self._team_id = ACLSHMEM_TEAM_WORLD
        self.team_id = team_id

    @property
    def team_id(self) -> int:
        return self._team_id

    @team_id.setter
    def team_id(self, value: int) -> None:
        if not team_is_active(value):
            raise ValueError(f"team {value!r} is not a currently active team")
        self._team_id = value

    def __repr__(self) -> str:
        return f"Handle(team_id={self._team_id})"


class InstanceContext:
    """An instance of the library in this process (its id); see shmem.core.instance."""

    __slots__ = ("id",)

    def __init__(self, id: int = 0) -> None:  # noqa: A002 - Ascend's attribute name
        self.id = id

    def __repr__(self) -> str:
        return f"InstanceContext(id={self.id})"


class ProfData:
    """One PE's profiling counters. Rows are operation kinds (``kinds[i]`` names row i), columns target PEs:
    ``ccount[kind][pe]`` calls, ``cycles[kind][pe]`` nanoseconds spent in them, ``bytes[kind][pe]`` bytes moved.
    The matrices have Ascend's shape, PROF_ROWS x PROF_COLUMNS."""

    __slots__ = ("pe_id", "ccount", "cycles", "bytes", "kinds")

    def __init__(self, pe_id: int, kinds: list[str]) -> None:
        self.pe_id = pe_id
        self.kinds = kinds
        self.ccount = [[0] * PROF_COLUMNS for _ in range(PROF_ROWS)]
        self.cycles = [[0] * PROF_COLUMNS for _ in range(PROF_ROWS)]
        self.bytes = [[0] * PROF_COLUMNS for _ in range(PROF_ROWS)]

    def rows(self) -> list[tuple[str, int, int, int, int]]:
        """The non-zero cells as (kind name, pe, calls, bytes, nanoseconds)."""
        out = []
        for k in range(PROF_ROWS):
            for pe in range(PROF_COLUMNS):
                if self.ccount[k][pe]:
                    name = self.kinds[k] if k < len(self.kinds) else str(k)
                    out.append((name, pe, self.ccount[k][pe], self.bytes[k][pe], self.cycles[k][pe]))
        return out

    def __repr__(self) -> str:
        return f"ProfData(pe_id={self.pe_id}, cells={len(self.rows())})"


__all__ = ["ACLSHMEM_MAX_TEAMS", "ACLSHMEM_TEAM_INVALID", "ACLSHMEM_TEAM_WORLD", "PROF_COLUMNS", "PROF_ROWS",
           "CmpOp", "Handle", "InitStatus", "InstanceContext", "MemType", "ProfData", "SignalOp", "team_is_active"]
