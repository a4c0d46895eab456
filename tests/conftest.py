import pytest
from spmd import shm_segments


@pytest.fixture(autouse=True)
def no_leftover_segments():
    """Every test must leave /dev/shm as it found it: no segment outlives a job."""
    before = set(shm_segments())
    yield
    left = set(shm_segments()) - before
    assert not left, f"shared-memory segments left behind: {sorted(left)}"
