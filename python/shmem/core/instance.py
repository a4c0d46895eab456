"""Instances: several SHMEM jobs in one process, each with its own heaps, teams, PE numbering, streams and
profiling. ``init(..., instance_id=k)`` creates instance k and makes it current; calls act on the current instance,
which is one for the whole process (as in Ascend: not per thread). ``set_instance`` switches; ``multi_instance``
switches for a ``with`` block and holds the instance lock meanwhile, so init, finalize, configuration and the other
shmem.core calls of other threads wait for the block to end. Instance 0 is the default."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .. import _buffers, _views
from .._core import api
from .._errors import FAILURES, from_runtime
from ._types import InstanceContext
from .utils import AclshmemError, _instance_lock, _validate_instance_id


def _switch(instance_id: int) -> int:
    """aclshmemx_instance_ctx_set's status: 0, or the error code (an instance no init created)."""
    with _instance_lock:
        try:
            api.SetInstance(instance_id)
        except FAILURES as exc:
            return from_runtime(exc).code
        _views.switched()
        _buffers.current_instance = instance_id
        return 0


def current_instance() -> int:
    """The id of the current instance."""
    with _instance_lock:
        return int(api.CurrentInstance())


def set_instance(instance_id: int) -> None:
    """Makes instance_id current (for the whole process). AclshmemError for an instance no init created."""
    _validate_instance_id(instance_id)
    with _instance_lock:
        ret = _switch(instance_id)
        if ret != 0:
            raise AclshmemError(f"Set ACLSHMEM instance context failed, ret={ret}: instance {instance_id} "
                                "does not exist.")


@contextmanager
def multi_instance(instance_id: int) -> Iterator[None]:
    """Makes instance_id current inside the with block and restores the previous one after it (instance 0 when the
    previous one was finalized inside the block). Holds the instance lock for the whole block."""
    _validate_instance_id(instance_id)
    with _instance_lock:
        previous = current_instance()
        ret = _switch(instance_id)
        if ret != 0:
            raise AclshmemError(f"Set ACLSHMEM instance context failed, ret={ret}: instance {instance_id} "
                                "does not exist.")
        try:
            yield
        finally:
            if _switch(previous) != 0:
                _switch(0)  # the previous instance was finalized in the block: fall back as finalize does


def instance_context() -> InstanceContext:
    """The current instance as an InstanceContext (aclshmemx_instance_ctx_get)."""
    return InstanceContext(current_instance())


def instances() -> list[int]:
    """The ids of the instances that exist in this process (0 always), ascending."""
    return [int(i) for i in str(api.InstanceIDs()).split(",")]


__all__ = ["InstanceContext", "current_instance", "multi_instance", "set_instance"]
