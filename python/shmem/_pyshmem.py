"""shmem._pyshmem: the name Ascend's programs use for the native module (``ash._pyshmem.aclshmem_int32_p``).
Here every name is looked up in the shmem package; an ``aclshmem_<x>`` name the package does not define falls
back to the E1 ``shmem_<x>`` of the same call."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    import shmem

    if hasattr(shmem, name):
        return getattr(shmem, name)
    if name.startswith("aclshmem_") and hasattr(shmem, "shmem_" + name[len("aclshmem_"):]):
        return getattr(shmem, "shmem_" + name[len("aclshmem_"):])
    raise AttributeError(f"module 'shmem._pyshmem' has no attribute {name!r}")
