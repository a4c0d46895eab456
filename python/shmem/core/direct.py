"""Direct queries of the library state and the enums (Ascend's shmem.core.direct)."""

from __future__ import annotations

from .._core import raw
from ._types import CmpOp as ComparisonType
from ._types import InitStatus, SignalOp


def my_pe() -> int:
    """This PE's number; -1 before init."""
    return raw.api_MyPe()


def n_pes() -> int:
    """The number of PEs; -1 before init."""
    return raw.api_NPes()


def team_my_pe(team: int) -> int:
    """This PE's number in team; -1 for an invalid team."""
    return raw.api_TeamMyPe(team)


def team_n_pes(team: int) -> int:
    """The number of PEs in team; -1 for an invalid team."""
    return raw.api_TeamNPes(team)


def init_status() -> InitStatus:
    """The library's initialisation status."""
    return InitStatus(raw.api_InitStatus())


__all__ = ["ComparisonType", "InitStatus", "SignalOp", "init_status", "my_pe", "n_pes", "team_my_pe", "team_n_pes"]
