"""shmem: OpenSHMEM-style one-sided communication between processes over a symmetric heap.

The Ascend SHMEM Python API on any Linux machine: PEs on one host share memory directly. See README and docs/
for a quick start; ``shmemrun -n 4 python prog.py`` launches a job."""

from . import (
    _interrupt,  # noqa: F401 - Ctrl-C ends blocking calls (installs the signal wakeup fd)
    _pyshmem,  # Ascend programs reach calls as shmem._pyshmem.<name> (issue 10)
)
from ._aclshmemx import (  # streams, memory types, config, profiling, instances (issue 10)
    aclshmemx_barrier_all_on_stream,
    aclshmemx_barrier_on_stream,
    aclshmemx_get_heap_base,
    aclshmemx_get_prof,
    aclshmemx_getmem_on_stream,
    aclshmemx_handle_wait,
    aclshmemx_instance_ctx_get,
    aclshmemx_instance_ctx_set,
    aclshmemx_putmem_on_stream,
    aclshmemx_quiet_on_stream,
    aclshmemx_set_mte_config,
    aclshmemx_set_qp_num,
    aclshmemx_set_rdma_config,
    aclshmemx_set_sdma_config,
    aclshmemx_set_udma_config,
    aclshmemx_show_prof,
    aclshmemx_signal_op_on_stream,
    aclshmemx_signal_wait_until_on_stream,
)
from ._amo import *  # noqa: F403 - the typed names are generated, listed in _amo.__all__
from ._ascend import *  # noqa: F403 - Ascend's later names (docs/migration.md), listed in _ascend.__all__
from ._attrs import (
    SHMEM_STATUS_INVALID,
    SHMEM_STATUS_IS_INITIALIZED,
    SHMEM_STATUS_NOT_INITIALIZED,
    SHMEM_STATUS_SHM_CREATED,
    InitAttr,
    InitStatus,
    OpEngineType,
    OptionalAttr,
    TeamConfig,
)
from ._collective import (
    alltoall,
    and_reduce,
    broadcast,
    fcollect,
    max_reduce,
    min_reduce,
    or_reduce,
    prod_reduce,
    reduce,
    shmem_alltoall,
    shmem_and_reduce,
    shmem_broadcast,
    shmem_fcollect,
    shmem_max_reduce,
    shmem_min_reduce,
    shmem_or_reduce,
    shmem_prod_reduce,
    shmem_reduce,
    shmem_sum_reduce,
    shmem_xor_reduce,
    sum_reduce,
    xor_reduce,
)
from ._device import get_ffts_config, mte_get_ub_params, mte_set_ub_params
from ._errors import (
    SHMEM_BOOTSTRAP_ERROR,
    SHMEM_INNER_ERROR,
    SHMEM_INVALID_PARAM,
    SHMEM_INVALID_VALUE,
    SHMEM_MALLOC_FAILED,
    SHMEM_NOT_INITED,
    SHMEM_NOT_SUPPORTED,
    SHMEM_SMEM_ERROR,
    SHMEM_SUCCESS,
    SHMEM_TIMEOUT_ERROR,
    ShmemError,
)
from ._init_fini import (
    init,
    job_info,
    register_decrypt_handler,
    shmem_finalize,
    shmem_finialize,
    shmem_global_exit,
    shmem_info_get_name,
    shmem_info_get_version,
    shmem_init,
    shmem_init_status,
    shmem_set_attributes,
    shmem_set_data_op_engine_type,
    shmem_set_timeout,
)
from ._logging import logger, set_extern_logger, set_log_level
from ._memory import (
    array,
    buffer,
    peer_array,
    shmem_align,
    shmem_calloc,
    shmem_free,
    shmem_malloc,
    shmem_ptr,
)
from ._p2p import *  # noqa: F403 - aclshmem_<T>_wait*/_test*, generated, listed in _p2p.__all__
from ._rma import (
    shmem_barrier_all,
    shmem_fence,
    shmem_getmem,
    shmem_getmem_nbi,
    shmem_putmem,
    shmem_putmem_nbi,
    shmem_quiet,
)
from ._signal import (
    SHMEM_CMP_EQ,
    SHMEM_CMP_GE,
    SHMEM_CMP_GT,
    SHMEM_CMP_LE,
    SHMEM_CMP_LT,
    SHMEM_CMP_NE,
    SHMEM_SIGNAL_ADD,
    SHMEM_SIGNAL_SET,
    shmem_putmem_signal,
    shmem_putmem_signal_nbi,
    shmem_signal_fetch,
    shmem_signal_wait_until,
)
from ._sync import (
    aclshmem_barrier,
    aclshmem_barrier_all,
    aclshmem_signal_wait_until,
    aclshmem_sync,
    aclshmem_sync_all,
)
from ._teams import (
    SHMEM_TEAM_INVALID,
    SHMEM_TEAM_WORLD,
    my_pe,
    pe_count,
    shmem_barrier,
    shmem_team_get_config,
    team_destroy,
    team_my_pe,
    team_n_pes,
    team_split_2d,
    team_split_strided,
    team_translate_pe,
)
from ._tls import set_conf_store_tls, set_conf_store_tls_key
from ._types import (
    ACLSHMEM_TEAM_INVALID,
    ACLSHMEM_TEAM_WORLD,
    CmpOp,
    Handle,
    InitMode,
    InstanceContext,
    MemType,
    ProfData,
    SignalOp,
    UniqueId,
)
from ._unique_id import UNIQUE_ID_SIZE, shmem_get_unique_id, shmem_init_using_unique_id

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]
