import os
import time

import pytest
import shmem
from spmd import heaps_held, shm_segments


def _owner_gone_or_us(name: str) -> bool:
    """A /dev/shm name is left behind when its process is dead, or is this test process (which finalized, or
    should have). A live stranger's segment (another job on the machine, mid-init) is none of this test's
    business. (The runtime creates no names any more; this guards against their return.)"""
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


def _names() -> set:
    return {name for name in shm_segments() if " held by " not in name}


@pytest.fixture(autouse=True)
def no_leftover_segments():
    """Every test must leave shared memory as it found it: no /dev/shm name, and no heap still held by this
    process or by a process this session started (an orphaned PE keeps its heap and its peers' alive)."""
    names, held = _names(), set(heaps_held(session_only=True))
    yield
    left = {name for name in _names() - names if _owner_gone_or_us(name)}
    assert not left, f"shared-memory segments left behind: {sorted(left)}"
    deadline = time.monotonic() + 5  # PEs the test killed may take a moment to be reaped
    while (kept := set(heaps_held(session_only=True)) - held) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not kept, f"heaps still held after the test: {sorted(kept)}"


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
