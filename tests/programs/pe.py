"""What every PE program of the tests gets: its launch values and a way to report back to the test.

``spmd`` starts each PE with SHMEM_RANK, SHMEM_NPES and SHMEM_IP_PORT in its environment; ``report`` prints one
JSON line that ``spmd.wait`` collects."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

RANK = int(os.environ.get("SHMEM_RANK", "0"))
NPES = int(os.environ.get("SHMEM_NPES", "1"))
IP_PORT = os.environ.get("SHMEM_IP_PORT", "")


def report(value: Any) -> None:
    """Sends a JSON-able value back to the test."""
    print("REPORT " + json.dumps(value), flush=True)


def dispatch(cases: dict[str, Callable[..., None]]) -> None:
    """Runs the case named by the first command-line argument with the rest as its arguments (strings): one module
    holds a test file's related PE programs."""
    if len(sys.argv) < 2 or sys.argv[1] not in cases:
        sys.exit(f"usage: python -m {sys.argv[0]} {{{','.join(cases)}}} [args]")
    cases[sys.argv[1]](*sys.argv[2:])
