"""A PE that stays in shmem_init: it writes OUTDIR/pid-<rank>, then calls shmem.init(), which waits for the
PEs that never come. The rank given as LATE never reaches init (it sleeps instead), so the others wait.

    python -m programs.wait_in_init OUTDIR [LATE]

Rank, size and address come from the launcher's variables (SHMEM_*, torchrun's, ...), as in a user's job."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import shmem
from shmem._launch_env import detect_launch

MEM = 64 << 20  # large enough that a leak would show


def main() -> None:
    out = Path(sys.argv[1])
    late = int(sys.argv[2]) if len(sys.argv) > 2 else -1
    info = detect_launch()
    assert info is not None, "started without a launcher's variables"
    rank = info.rank
    (out / f"pid-{rank}").write_text(str(os.getpid()))
    if rank == late:
        time.sleep(120)
        return
    shmem.init(mem_size=MEM)
    shmem.shmem_finialize()


if __name__ == "__main__":
    main()
