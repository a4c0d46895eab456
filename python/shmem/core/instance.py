"""Instances. Only instance 0 (the one job of the process) exists for now: switching to any other instance
raises AclshmemError with ret=-100 (NOT_SUPPORTED)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ._types import InstanceContext
from .utils import NOT_SUPPORTED, AclshmemError, _instance_lock, _validate_instance_id

# The current instance of this process.
_current = 0


def _switch(instance_id: int) -> int:
    """aclshmemx_instance_ctx_set's status: 0, or NOT_SUPPORTED for an instance that does not exist."""
    global _current
    if instance_id != 0:
        return NOT_SUPPORTED
    _current = instance_id
    return 0


def current_instance() -> int:
    """The id of the current instance."""
    with _instance_lock:
        return _current


def set_instance(instance_id: int) -> None:
    """Makes instance_id current (for the whole process)."""
    _validate_instance_id(instance_id)
    with _instance_lock:
        ret = _switch(instance_id)
        if ret != 0:
            raise AclshmemError(f"Set ACLSHMEM instance context failed, ret={ret}.")


@contextmanager
def multi_instance(instance_id: int) -> Iterator[None]:
    """Makes instance_id current inside the with block and restores the previous one after it."""
    _validate_instance_id(instance_id)
    with _instance_lock:
        previous = _current
        ret = _switch(instance_id)
        if ret != 0:
            raise AclshmemError(f"Set ACLSHMEM instance context failed, ret={ret}.")
        try:
            yield
        finally:
            ret = _switch(previous)
            if ret != 0:
                raise AclshmemError(f"Restore ACLSHMEM instance context failed, ret={ret}.")


def instance_context() -> InstanceContext:
    """The current instance as an InstanceContext (aclshmemx_instance_ctx_get)."""
    return InstanceContext(_current)


__all__ = ["InstanceContext", "current_instance", "multi_instance", "set_instance"]
