"""Start-up and shut-down: shmem_init, shmem_finialize, attributes, status, global exit, version."""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

from . import _buffers, _launch_env
from ._attrs import (
    InitAttr,
    InitStatus,
    OptionalAttr,
    engine_value,
)
from ._core import api
from ._errors import (
    SHMEM_INVALID_VALUE,
    SHMEM_SUCCESS,
    ShmemError,
    call,
    from_runtime,
)
from ._logging import logger

# The attributes last given to shmem_set_attributes: read at init time, so edits made
# afterwards through the setters count.
_attributes: InitAttr | None = None

# The registered decrypt handler: the ctypes trampoline wrapping the Python callable, kept
# here so both stay alive for as long as Go may call them.
# TLS (issue 6): `out` is c_void_p, not c_char_p: ctypes hands a callback's c_char_p argument over as a bytes
# copy, so the answer was written into that copy and Go read zeros. Same C ABI (a pointer).
_DECRYPT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t)
_decrypt_cfunc = None

# The job key of the next shmem_init when it comes from elsewhere than SHMEM_JOB_KEY (a unique id's key).
next_job_key: str | None = None


def _status_call(fn: Callable[..., object], *args: object) -> int:
    """Runs a Go call whose failure is reported as a status code, logging the reason."""
    try:
        fn(*args)
    except RuntimeError as exc:
        err = from_runtime(exc)
        logger.error("%s", err)
        return err.code
    return SHMEM_SUCCESS


def _check_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")


def shmem_init(mype: int | InitAttr, npes: int | None = None, mem_size: int | None = None) -> int:
    """Collective start-up: creates this PE's symmetric heap of mem_size bytes and meets the other PEs.

    Also accepts one InitAttr (the later Ascend form). Returns 0 or an error code."""
    if isinstance(mype, InitAttr):
        attrs = mype
        mype, npes, mem_size = attrs.my_rank, attrs.n_ranks, attrs.local_mem_size
    else:
        attrs = _attributes
        if npes is None or mem_size is None:
            raise TypeError("shmem_init(mype, npes, mem_size) needs all three, or one InitAttr")
    for name, value in (("mype", mype), ("npes", npes), ("mem_size", mem_size)):
        _check_int(name, value)
    opt = attrs.option_attr if attrs is not None else OptionalAttr()
    ip_port = attrs.ip_port if attrs is not None and attrs.ip_port else ""
    if not ip_port:
        try:
            ip_port = _launch_env.resolve_ip_port() or ""
        except ValueError as exc:
            logger.error("%s", exc)
            return SHMEM_INVALID_VALUE
    engine = engine_value(opt.data_op_engine_type)
    if engine is None:
        logger.error("data_op_engine_type %r is not an OpEngineType", opt.data_op_engine_type)
        return SHMEM_INVALID_VALUE
    api.SetDecryptHandler(decrypt_handler_address())  # TLS (issue 6): for this init's key password
    job = _launch_env.job_identity()  # which job this is: strangers and other jobs are refused
    rc = _status_call(api.SetJobIdentity, job.identity, next_job_key or job.key, job.all_local)
    if rc != SHMEM_SUCCESS:
        return rc
    return _status_call(api.Init, mype, npes, mem_size, ip_port, int(engine), int(opt.shm_init_timeout),
                        int(opt.shm_create_timeout), int(opt.control_operation_timeout))


def init(mem_size: int = 64 << 20, attributes: InitAttr | None = None) -> int:
    """shmem_init with rank, size and address taken from the launcher (shmemrun, torchrun, mpirun, srun).

    Raises ShmemError when it fails, since there is no status for the caller to check by habit."""
    info = _launch_env.detect_launch()
    if info is None:
        rank, npes, ip_port = 0, 1, None
    else:
        rank, npes, ip_port = info.rank, info.npes, info.ip_port
    attrs = attributes if attributes is not None else InitAttr()
    attrs.my_rank, attrs.n_ranks, attrs.local_mem_size = rank, npes, mem_size
    if ip_port and not attrs.ip_port:
        attrs.ip_port = ip_port
    rc = shmem_init(attrs)
    if rc != SHMEM_SUCCESS:
        raise ShmemError(rc, f"shmem.init() failed with code {rc} (rank {rank} of {npes}); see the 'shmem' log")
    return rc


def shmem_finialize() -> None:
    """Collective shut-down: completes outstanding transfers, frees the heap and teams. No-op before init."""
    lent = _buffers.lent_count()
    warning = call(api.Finalize)
    _buffers.complete_lent(lent)
    if warning:
        logger.warning("%s", warning)


shmem_finalize = shmem_finialize


def shmem_set_attributes(my_rank: int, n_ranks: int, local_mem_size: int, ip_port: str,
                         attributes: InitAttr) -> int:
    """Fills attributes and remembers them as the source of the next shmem_init's address, engine and timeouts."""
    for name, value in (("my_rank", my_rank), ("n_ranks", n_ranks), ("local_mem_size", local_mem_size)):
        _check_int(name, value)
    if not isinstance(ip_port, str):
        raise TypeError(f"ip_port must be a str, not {type(ip_port).__name__}")
    if not isinstance(attributes, InitAttr):
        raise TypeError(f"attributes must be an InitAttr, not {type(attributes).__name__}")
    if my_rank < 0 or n_ranks <= 0 or my_rank >= n_ranks or local_mem_size <= 0:
        logger.error("shmem_set_attributes: my_rank %d, n_ranks %d, local_mem_size %d are not valid",
                     my_rank, n_ranks, local_mem_size)
        return SHMEM_INVALID_VALUE
    rc = _status_call(api.CheckIPPort, ip_port)
    if rc != SHMEM_SUCCESS:
        return rc
    global _attributes
    attributes.my_rank, attributes.n_ranks = my_rank, n_ranks
    attributes.local_mem_size, attributes.ip_port = local_mem_size, ip_port
    if not isinstance(attributes.option_attr, OptionalAttr):
        attributes.option_attr = OptionalAttr()
    _attributes = attributes
    return SHMEM_SUCCESS


def shmem_init_status() -> InitStatus:
    """NOT_INITIALIZED, SHM_CREATED (heap made, PEs still meeting) or INITIALIZED."""
    return InitStatus(api.InitStatus())


def shmem_set_data_op_engine_type(attributes: InitAttr, vaue: int) -> int:
    """Sets the data operation engine in attributes; 0, or -2 for a value that is not an OpEngineType."""
    if not isinstance(attributes, InitAttr):
        raise TypeError(f"attributes must be an InitAttr, not {type(attributes).__name__}")
    engine = engine_value(vaue)
    if engine is None:
        return SHMEM_INVALID_VALUE
    attributes.option_attr.data_op_engine_type = engine
    return SHMEM_SUCCESS


def shmem_set_timeout(attributes: InitAttr, vaue: int) -> int:
    """Sets the three timeouts of attributes to vaue seconds; 0, or -2 for vaue <= 0."""
    if not isinstance(attributes, InitAttr):
        raise TypeError(f"attributes must be an InitAttr, not {type(attributes).__name__}")
    _check_int("vaue", vaue)
    if vaue <= 0:
        return SHMEM_INVALID_VALUE
    opt = attributes.option_attr
    opt.shm_init_timeout = opt.shm_create_timeout = opt.control_operation_timeout = vaue
    return SHMEM_SUCCESS


def register_decrypt_handler(py_decrypt_func: Callable[[str], str] | None) -> int:
    """Registers fn(cipher_text) -> plain_text, used to decrypt the TLS private-key password; None unregisters."""
    global _decrypt_cfunc
    if py_decrypt_func is None:
        _decrypt_cfunc = None
        return SHMEM_SUCCESS
    if not callable(py_decrypt_func):
        raise TypeError("register_decrypt_handler needs a callable(str) -> str or None")

    def trampoline(cipher: bytes, out: int, cap: int) -> int:
        # Runs on a Go thread through ctypes, which takes the GIL; nothing may escape.
        try:
            plain = py_decrypt_func(cipher.decode())
            if not isinstance(plain, str):
                logger.error("decrypt handler %r returned %s, not str", py_decrypt_func, type(plain).__name__)
                return -1
            data = plain.encode()
            if len(data) <= cap:
                ctypes.memmove(out, data, len(data))
            return len(data)
        except Exception as exc:  # noqa: BLE001 - a raising handler must fail init, not the process
            logger.error("decrypt handler %r raised %r", py_decrypt_func, exc)
            return -1

    _decrypt_cfunc = _DECRYPT_FN(trampoline)
    return SHMEM_SUCCESS


def decrypt_handler_address() -> int:
    """The C function pointer of the registered decrypt handler, 0 when none (for the runtime)."""
    if _decrypt_cfunc is None:
        return 0
    return ctypes.cast(_decrypt_cfunc, ctypes.c_void_p).value or 0


def shmem_global_exit(status: int) -> None:
    """Every PE of the job exits promptly with exit status `status`, this one too."""
    _check_int("status", status)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed stream must not stop the exit
            pass
    api.GlobalExit(status)
    os._exit(status)  # not reached: the runtime exits the process


def shmem_info_get_version() -> tuple:
    """The API level (major, minor)."""
    return (api.VersionMajor, api.VersionMinor)


def shmem_info_get_name() -> str:
    """The name and version of this implementation."""
    return api.InfoName()

