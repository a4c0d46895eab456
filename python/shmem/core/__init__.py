"""shmem.core: Ascend's newest Python API (E3) over this runtime. Buffers in symmetric memory (DEVICE_SIDE and
HOST_SIDE heaps), operations queued on host streams, team synchronisation, engine configuration, profiling.
One module per concern: init_final, memory, rma, sync, stream, config, profiling, instance, direct, utils.
See docs/core.md."""

from . import direct, utils
from ._types import (
    ACLSHMEM_MAX_TEAMS,
    ACLSHMEM_TEAM_INVALID,
    ACLSHMEM_TEAM_WORLD,
    Handle,
    InstanceContext,
    MemType,
    ProfData,
)
from .config import set_mte_config, set_rdma_config, set_sdma_config, set_udma_config
from .init_final import UniqueID, finalize, get_unique_id, get_version, init
from .instance import current_instance, multi_instance, set_instance
from .memory import Buffer, align, buffer, calloc, free, get_heap_base, get_peer_buffer
from .profiling import get_prof, show_prof
from .rma import get, put, put_signal, quiet, signal_op, signal_wait
from .stream import Stream, default_stream, synchronize
from .sync import barrier, barrier_all, barrier_all_on_stream, barrier_on_stream, handle_wait, sync, sync_all

__all__ = [
    "ACLSHMEM_MAX_TEAMS", "ACLSHMEM_TEAM_INVALID", "ACLSHMEM_TEAM_WORLD", "Buffer", "Handle", "InstanceContext",
    "MemType", "ProfData", "Stream", "UniqueID", "align", "barrier", "barrier_all", "barrier_all_on_stream",
    "barrier_on_stream", "buffer", "calloc", "current_instance", "default_stream", "direct", "finalize", "free",
    "get", "get_heap_base", "get_peer_buffer", "get_prof", "get_unique_id", "get_version", "handle_wait", "init",
    "multi_instance", "put", "put_signal", "quiet", "set_instance", "set_mte_config", "set_rdma_config",
    "set_sdma_config", "set_udma_config", "show_prof", "signal_op", "signal_wait", "sync", "sync_all",
    "synchronize", "utils",
]
