"""Is the machine quiet enough to measure? Load average and CPU busy (from /proc/stat) before each block."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Machine:
    """What the machine looked like just before a block was measured."""

    load1: float  # 1-minute load average
    busy: float  # fraction of all CPUs' time not idle over the last sample
    waited: float  # seconds spent waiting for a quiet machine
    quiet: bool

    def describe(self) -> str:
        state = "quiet" if self.quiet else "BUSY"
        wait = f", waited {self.waited:.0f} s" if self.waited >= 1 else ""
        return f"{state} (load {self.load1:.1f}, CPU {self.busy:.0%} busy{wait})"


def _cpu_times() -> tuple[int, int]:
    """(idle, total) jiffies of all CPUs together, from the first line of /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return idle, sum(fields[:8])  # guest time is already counted in user


def cpu_busy(interval: float = 0.5) -> float:
    """Fraction of CPU time spent busy (all CPUs) over `interval` seconds; 0 where /proc/stat is missing."""
    try:
        idle0, total0 = _cpu_times()
        time.sleep(interval)
        idle1, total1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return 0.0
    total = total1 - total0
    return 0.0 if total <= 0 else 1.0 - (idle1 - idle0) / total


def wait_quiet(max_load: float, max_busy: float, max_wait: float, interval: float = 0.5) -> Machine:
    """Samples the machine until the 1-minute load average is at most max_load and the CPUs are at most max_busy
    busy, or max_wait seconds have passed; says which (a block measured anyway is marked busy)."""
    t0 = time.monotonic()
    while True:
        waited = time.monotonic() - t0  # before this sample
        busy = cpu_busy(interval)
        load1 = os.getloadavg()[0]
        if load1 <= max_load and busy <= max_busy:
            return Machine(load1, busy, waited, True)
        if waited >= max_wait:
            return Machine(load1, busy, waited, False)
        time.sleep(min(2.0, max(0.0, max_wait - waited)))
