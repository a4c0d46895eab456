"""Identity and teams: my_pe / pe_count in the world or a team, and team management."""

from __future__ import annotations

from ._attrs import TeamConfig
from ._core import api, raw
from ._errors import FAILURES, SHMEM_INVALID_PARAM, call
from ._rma import completing

SHMEM_TEAM_WORLD = 0
SHMEM_TEAM_INVALID = -1

_my_pe = raw.api_MyPe
_n_pes = raw.api_NPes
_team_my_pe = raw.api_TeamMyPe
_team_n_pes = raw.api_TeamNPes


def my_pe(team: int | None = None) -> int:
    """This PE's number in the world, or in team; -1 before init or for an invalid team."""
    if team is None:
        return _my_pe()
    try:
        return _team_my_pe(team)
    except FAILURES:  # a team id beyond 64 bits names no team
        return SHMEM_TEAM_INVALID


def pe_count(team: int | None = None) -> int:
    """The number of PEs in the world, or in team; -1 before init or for an invalid team."""
    if team is None:
        return _n_pes()
    try:
        return _team_n_pes(team)
    except FAILURES:  # a team id beyond 64 bits names no team
        return SHMEM_TEAM_INVALID


def team_my_pe(team_id: int) -> int:
    """This PE's number in team_id; -1 for an invalid team."""
    try:
        return _team_my_pe(team_id)
    except FAILURES:  # a team id beyond 64 bits names no team
        return SHMEM_TEAM_INVALID


def team_n_pes(team_id: int) -> int:
    """The number of PEs in team_id; -1 for an invalid team."""
    try:
        return _team_n_pes(team_id)
    except FAILURES:
        return SHMEM_TEAM_INVALID


def team_split_strided(parent: int, start: int, stride: int, size: int) -> int:
    """Collective over parent: a team of parent PEs start, start+stride, ..., start+(size-1)*stride.

    Computed on each PE from its own arguments, as Ascend does: the new team's id on its members (who agree on
    it), SHMEM_TEAM_INVALID on the parent's other PEs. A failure raises ShmemError (a RuntimeError) with the code,
    as Ascend's newest binding raises RuntimeError: never confused with the SHMEM_TEAM_INVALID of a non-member."""
    return call(api.TeamSplitStrided, parent, start, stride, size)


def team_split_2d(parent: int, x_range: int) -> tuple[int, int]:
    """Collective over parent: views its PEs as rows of x_range; returns (x_team, y_team), this PE's row and column."""
    packed = call(api.TeamSplit2d, parent, x_range)
    x, y = packed >> 32, packed & 0xFFFFFFFF
    return (x, y - (1 << 32) if y >= 1 << 31 else y)


def team_translate_pe(src_team: int, src_pe: int, dest_team: int) -> int:
    """The number in dest_team of PE src_pe of src_team; -1 on error or when it is not in dest_team."""
    try:
        return raw.api_TeamTranslatePe(src_team, src_pe, dest_team)
    except FAILURES:
        return -1


def team_destroy(team: int) -> None:
    """Frees a team; SHMEM_TEAM_WORLD or an unknown team raises ShmemError."""
    call(api.TeamDestroy, team)


def shmem_team_get_config(team: int, team_config: TeamConfig | None = None) -> TeamConfig | int:
    """The TeamConfig team was created with. With a TeamConfig as second argument, fills it and returns 0
    (-1 for an invalid team); without, returns a new TeamConfig and raises ShmemError for an invalid team."""
    if team_config is None:
        return TeamConfig(call(api.TeamNumContexts, team))
    config = team_config
    if not isinstance(config, TeamConfig):
        raise TypeError(f"team_config must be a TeamConfig or None, not {type(config).__name__}")
    try:
        config.num_contexts = api.TeamNumContexts(team)
    except FAILURES:
        return SHMEM_INVALID_PARAM
    return 0


def shmem_barrier(team: int = SHMEM_TEAM_WORLD) -> None:
    """Completes this PE's transfers and waits until every member of team has called it."""
    completing(raw.api_Barrier, team)
