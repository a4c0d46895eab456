"""Ascend's E2 barrier and sync names, and its signal wait.

aclshmem_barrier/_barrier_all complete this PE's outstanding transfers and wait for the team (quiet + sync);
aclshmem_sync/_sync_all only wait for the team (OpenSHMEM shmem_sync): transfers still outstanding stay so. Every
one of them ends with KeyboardInterrupt on Ctrl-C."""

from __future__ import annotations

from ._core import raw
from ._errors import FAILURES, call, from_runtime
from ._rma import completing, shmem_barrier_all
from ._signal import wait_fast
from ._teams import SHMEM_TEAM_WORLD

_signal_wait = raw.api_SignalWaitUntil


def aclshmem_barrier(team: int = SHMEM_TEAM_WORLD) -> None:
    """Completes this PE's outstanding transfers, then waits until every PE of team has called it."""
    completing(raw.api_Barrier, team)


def aclshmem_barrier_all() -> None:
    """aclshmem_barrier over every PE."""
    shmem_barrier_all()


def aclshmem_sync(team: int = SHMEM_TEAM_WORLD) -> None:
    """Waits until every PE of team has called it, without completing outstanding transfers (shmem_sync)."""
    call(raw.api_Sync, team)


def aclshmem_sync_all() -> None:
    """aclshmem_sync over every PE."""
    call(raw.api_Sync, SHMEM_TEAM_WORLD)


def aclshmem_signal_wait_until(sig_addr: int, cmp: int, cmp_val: int) -> int:
    """Waits until this PE's 32-bit signal word at sig_addr satisfies `word <cmp> cmp_val` and returns it (Ascend's
    binding returns None; the value is returned here as shmem_signal_wait_until does)."""
    got = wait_fast(sig_addr, cmp, cmp_val)
    if got is not None:
        return got
    while True:
        try:
            return _signal_wait(sig_addr, cmp, cmp_val)
        except FAILURES as exc:
            failure = exc
        error = from_runtime(failure)  # KeyboardInterrupt leaves here on Ctrl-C, unchained
        if not isinstance(error, InterruptedError):  # a signal handler that did not raise: wait on
            raise error from None
