"""Profiling: counters per operation kind and target PE (calls, bytes, nanoseconds). Off unless
SHMEM_CYCLE_PROF_PE names this PE (or is "all") when the job starts; off, it costs each call one atomic load."""

from __future__ import annotations

import sys

from .._core import raw
from .._errors import FAILURES, from_runtime
from ._types import PROF_COLUMNS, PROF_ROWS, ProfData
from .utils import _instance_lock

_KINDS = raw.api_ProfKinds().split("\n")


def get_prof(verbose: bool = False) -> ProfData | None:
    """A snapshot of this PE's counters, or None when this PE does not profile. verbose also prints the table."""
    if not isinstance(verbose, bool):
        raise TypeError("verbose must be a bool.")
    with _instance_lock:
        try:
            text = raw.api_ProfSnapshot()
        except FAILURES as exc:
            raise from_runtime(exc) from None
    if not text:
        return None
    lines = text.splitlines()
    data = ProfData(int(lines[0]), list(_KINDS))
    for line in lines[1:]:
        kind, pe, calls, nbytes, ns = (int(v) for v in line.split(","))
        if kind < PROF_ROWS and pe < PROF_COLUMNS:
            data.ccount[kind][pe] = calls
            data.bytes[kind][pe] = nbytes
            data.cycles[kind][pe] = ns
    if verbose:
        _print(data)
    return data


def _print(data: ProfData) -> None:
    out = sys.stdout
    rule = "=" * 86
    out.write(f"{rule}\nshmem profile of PE {data.pe_id}\n")
    out.write(f"{'operation':<24}{'peer':>6}{'calls':>12}{'bytes':>16}{'time(us)':>14}{'avg(us)':>14}\n")
    out.write("-" * 86 + "\n")
    for name, pe, calls, nbytes, ns in data.rows():
        out.write(f"{name:<24}{pe:>6}{calls:>12}{nbytes:>16}{ns / 1e3:>14.3f}{ns / 1e3 / calls:>14.3f}\n")
    out.write(rule + "\n")
    out.flush()


def show_prof() -> None:
    """Prints this PE's profiling table (nothing when this PE does not profile)."""
    get_prof(verbose=True)


__all__ = ["ProfData", "get_prof", "show_prof"]
