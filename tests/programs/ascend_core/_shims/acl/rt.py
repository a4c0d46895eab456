"""acl.rt: memset, memcpy and streams."""

from __future__ import annotations

import ctypes

from shmem import core


def _mapped(addr: int, size: int) -> bool:
    try:
        core.Buffer(addr, size).view()
    except Exception:  # noqa: BLE001 - not symmetric memory: the caller's own (a ctypes object)
        return False
    return True


def memset(dev_ptr: int, max_count: int, value: int, count: int) -> int:
    if count > max_count or not _mapped(dev_ptr, count):
        return 1
    ctypes.memset(dev_ptr, value, count)
    return 0


def memcpy(dst: int, dest_max: int, src: int, count: int, kind: int) -> int:
    if count > dest_max:
        return 1
    ctypes.memmove(dst, src, count)
    return 0


_streams: dict = {}


def create_stream() -> tuple:
    stream = core.Stream()
    _streams[stream.handle] = stream
    return stream.handle, 0


def synchronize_stream(stream: int) -> int:
    core.synchronize(stream)
    return 0


def destroy_stream(stream: int) -> int:
    _streams.pop(stream).destroy()
    return 0
