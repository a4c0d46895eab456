import os

import pytest
import shmem
from spmd import shm_segments


def _owner_gone_or_us(name: str) -> bool:
    """A segment is left behind when its process is dead, or is this test process (which finalized, or should
    have). A live stranger's segment (another job on the machine, mid-init) is none of this test's business."""
    try:
        pid = int(name.split("-")[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@pytest.fixture(autouse=True)
def no_leftover_segments():
    """Every test must leave /dev/shm as it found it: no segment outlives a job."""
    before = set(shm_segments())
    yield
    left = {name for name in set(shm_segments()) - before if _owner_gone_or_us(name)}
    assert not left, f"shared-memory segments left behind: {sorted(left)}"


@pytest.fixture
def heap():
    """A single-PE job in this process; yields a 4 KiB symmetric block."""
    assert shmem.shmem_init(0, 1, 1 << 20) == 0
    try:
        block = shmem.shmem_malloc(4096)
        assert block != 0
        yield block
    finally:
        shmem.shmem_finialize()
