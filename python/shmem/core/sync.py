"""Team synchronisation: barriers and syncs now, or queued on a stream; handle_wait."""

from __future__ import annotations

from .._core import raw
from .._errors import FAILURES, from_runtime
from .._rma import completing
from ._types import ACLSHMEM_MAX_TEAMS, ACLSHMEM_TEAM_INVALID, ACLSHMEM_TEAM_WORLD, Handle, team_is_active
from .rma import _queue
from .utils import AclshmemError, AclshmemInvalid, _instance_lock, _validate_stream


def _validate_team(team: object) -> int:
    if not isinstance(team, int) or isinstance(team, bool) or not 0 <= team < ACLSHMEM_MAX_TEAMS:
        raise AclshmemInvalid(f"team must be an integer in range [0, {ACLSHMEM_MAX_TEAMS - 1}].")
    if not team_is_active(team):
        raise AclshmemInvalid("team must refer to a currently active team.")
    return team


def _run(fn: object, *args: object) -> None:
    try:
        completing(fn, *args)
    except FAILURES as exc:
        raise AclshmemError(f"{from_runtime(exc)}") from None


def barrier(team: int) -> None:
    """Completes this PE's transfers and waits until every member of team has called it."""
    with _instance_lock:
        _run(raw.api_Barrier, _validate_team(team))


def barrier_all() -> None:
    """barrier over every PE."""
    with _instance_lock:
        _run(raw.api_BarrierAll)


def sync(team: int) -> None:
    """Waits until every member of team has called it. Here it also completes this PE's transfers (a barrier):
    stronger than Ascend promises, never weaker."""
    with _instance_lock:
        _run(raw.api_Barrier, _validate_team(team))


def sync_all() -> None:
    """sync over every PE."""
    with _instance_lock:
        _run(raw.api_BarrierAll)


def barrier_on_stream(team: int, stream: object) -> None:
    """Queues a barrier of team on stream: once the stream's earlier operations ran, completes this PE's
    transfers and meets the team. Do not run another barrier of the same team from the host meanwhile."""
    with _instance_lock:
        t = _validate_team(team)
        handle = _validate_stream(stream, allow_none=False)
        _queue(raw.api_BarrierOnStream, handle, (), t, handle)


def barrier_all_on_stream(stream: object) -> None:
    """barrier_on_stream over every PE."""
    barrier_on_stream(ACLSHMEM_TEAM_WORLD, stream)


def handle_wait(handle: Handle, stream: object) -> None:
    """Queues on stream the completion of this PE's outstanding operations and a rendezvous of the handle's team
    (every member calls it in the same order). Returns at once; synchronize the stream to see it done."""
    with _instance_lock:
        if not isinstance(handle, Handle):
            raise AclshmemInvalid("handle must be a Handle.")
        t = _validate_team(handle.team_id)
        h = _validate_stream(stream, allow_none=False)
        _queue(raw.api_BarrierOnStream, h, (), t, h)


__all__ = ["ACLSHMEM_MAX_TEAMS", "ACLSHMEM_TEAM_INVALID", "ACLSHMEM_TEAM_WORLD", "Handle", "barrier",
           "barrier_all", "barrier_all_on_stream", "barrier_on_stream", "handle_wait", "sync", "sync_all"]
