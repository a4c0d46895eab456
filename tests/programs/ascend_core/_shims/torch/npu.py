"""torch.npu: devices are nothing here; synchronize waits for every shmem.core stream; the current stream is the
default stream (0)."""

from __future__ import annotations

from shmem import core


def set_device(device: int) -> None:
    pass


class _Stream:
    npu_stream = 0


def current_stream() -> _Stream:
    return _Stream()


def synchronize() -> None:
    core.synchronize()
