"""PEs that meet through a unique id PE 0 makes and shares in a file (tests/test_unique_id.py).

Usage: python -m programs.unique_id {ring,forged} <path of the id file>"""

from __future__ import annotations

import os
import time

import shmem

from programs.pe import NPES, RANK, dispatch, report


def publish_or_read(path: str) -> bytes:
    """PE 0 makes the id and writes it (atomically, by rename); the others wait for the file and read it."""
    if RANK == 0:
        uid = shmem.shmem_get_unique_id()
        with open(path + ".tmp", "wb") as f:
            f.write(uid)
        os.rename(path + ".tmp", path)
        return uid
    while not os.path.exists(path):
        time.sleep(0.01)
    with open(path, "rb") as f:
        return f.read()


def ring(path: str) -> None:
    """Every PE puts its rank into the next PE's slot; reports what it received."""
    uid = publish_or_read(path)
    assert len(uid) == shmem.UNIQUE_ID_SIZE
    assert shmem.shmem_init_using_unique_id(RANK, NPES, 1 << 20, uid) == 0
    slot = shmem.shmem_malloc(8)
    shmem.shmem_int64_p(slot, RANK, (RANK + 1) % NPES)
    shmem.shmem_barrier_all()
    report(shmem.shmem_int64_g(slot, RANK))
    shmem.shmem_finialize()


def forged(path: str) -> None:
    """PE 1 first tries an id with PE 0's address but another key (reports the status), then the real one."""
    uid = publish_or_read(path)
    if RANK != 0:
        text = uid.rstrip(b"\0")
        fake = text[:-32] + (b"0" * 32 if text[-32:] != b"0" * 32 else b"1" * 32)
        report(shmem.shmem_init_using_unique_id(RANK, NPES, 1 << 20, fake))
    assert shmem.shmem_init_using_unique_id(RANK, NPES, 1 << 20, uid) == 0
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report("joined")


if __name__ == "__main__":
    dispatch({"ring": ring, "forged": forged})
