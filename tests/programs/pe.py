"""What every PE program of the tests gets: its launch values and a way to report back to the test.

``spmd`` starts each PE with SHMEM_RANK, SHMEM_NPES and SHMEM_IP_PORT in its environment; ``report`` prints one
JSON line that ``spmd.wait`` collects."""

from __future__ import annotations

import json
import os
from typing import Any

RANK = int(os.environ.get("SHMEM_RANK", "0"))
NPES = int(os.environ.get("SHMEM_NPES", "1"))
IP_PORT = os.environ.get("SHMEM_IP_PORT", "")


def report(value: Any) -> None:
    """Sends a JSON-able value back to the test."""
    print("REPORT " + json.dumps(value), flush=True)
