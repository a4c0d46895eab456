"""Sharing a unique id between the PEs of a test job, by a file: rank 0 writes what core.get_unique_id made,
the others wait for it (Ascend's programs broadcast it with torch.distributed)."""

from __future__ import annotations

import os
import time

from shmem import core

from programs.pe import RANK


def shared_uid() -> bytes:
    path = os.environ["SHMEM_TEST_STORE"] + "/uid"
    if RANK == 0:
        uid = core.get_unique_id()
        with open(path + ".tmp", "wb") as f:
            f.write(uid)
        os.rename(path + ".tmp", path)
        return uid
    deadline = time.monotonic() + 120
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError("rank 0 never wrote the unique id")
        time.sleep(0.01)
    with open(path, "rb") as f:
        return f.read()


def init(mem_size: int = 4 << 20) -> None:
    from programs.pe import NPES

    core.init(uid=shared_uid(), rank=RANK, nranks=NPES, mem_size=mem_size, initializer_method="uid")
