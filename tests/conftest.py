import os
import time
from pathlib import Path

import pytest
import shmem
import spmd
from spmd import heaps_held


def _ours(name: str) -> bool:
    """A /dev/shm name of this test process or of a PE the harness started. (The runtime creates no names any
    more; this guards against their return. Other jobs on the machine, which may still create names, are none of
    this test's business.)"""
    try:
        pid = int(name.split("-")[1])
    except (IndexError, ValueError):
        return False
    return pid == os.getpid() or pid in spmd.STARTED


def _names() -> set:
    return {p.name for p in Path("/dev/shm").glob("shmem-*")}


@pytest.fixture(autouse=True)
def no_leftover_segments():
    """Every test must leave shared memory as it found it: no /dev/shm name, and no heap still held by this
    process or by a process this session started (an orphaned PE keeps its heap and its peers' alive)."""
    names, held = _names(), set(heaps_held(session_only=True))
    yield
    left = {name for name in _names() - names if _ours(name)}
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
