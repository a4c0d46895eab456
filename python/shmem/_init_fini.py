"""Start-up and shut-down: shmem_init, shmem_finialize, attributes, status, global exit, version."""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from . import _buffers, _launch_env, _logging, _views
from ._attrs import (
    InitAttr,
    InitStatus,
    OptionalAttr,
    engine_value,
)
from ._core import api
from ._errors import (
    FAILURES,
    SHMEM_INNER_ERROR,
    SHMEM_INVALID_PARAM,
    SHMEM_INVALID_VALUE,
    SHMEM_NOT_SUPPORTED,
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

# Job keys that came with unique ids, by the rendezvous address the id names: an init meeting there proves the
# key (it overrides SHMEM_JOB_KEY). Filled by the unique-id calls, which only fill in an address.
unique_id_keys: dict[str, str] = {}


def _status_call(fn: Callable[..., object], *args: object) -> int:
    """Runs a Go call whose failure is reported as a status code, logging the reason."""
    try:
        fn(*args)
    except FAILURES as exc:
        err = from_runtime(exc)
        logger.error("%s", err)
        return err.code
    return SHMEM_SUCCESS


def _check_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")


def shmem_init(mype: int | InitAttr | None = None, npes: int | None = None, mem_size: int | None = None,
               attributes: InitAttr | None = None) -> int:
    """Collective start-up: creates this PE's symmetric heap of mem_size bytes and meets the other PEs.

    Also accepts one InitAttr, positionally or as attributes= (the later Ascend form). Returns 0 or an error code."""
    if attributes is not None and mype is None:
        mype = attributes
    try:
        _start(mype, npes, mem_size)
    except (ShmemError, InterruptedError) as err:  # InterruptedError: Ctrl-C with a handler that did not raise
        logger.error("%s", err)
        code: int = getattr(err, "code", SHMEM_INNER_ERROR)  # the interrupted status for InterruptedError
        return code
    return SHMEM_SUCCESS


def _start(mype: int | InitAttr | None, npes: int | None, mem_size: int | None) -> None:
    """shmem_init raising ShmemError with the reason."""
    attrs: InitAttr | None
    instance_id = 0
    if isinstance(mype, InitAttr):
        attrs = mype
        mype, npes, mem_size = attrs.my_rank, attrs.n_ranks, attrs.local_mem_size
        instance_id = instance_id_arg(getattr(attrs, "instance_id", 0))
        # Ascend's fields this runtime has no use for: refused when set, not ignored (see docs/migration.md).
        if getattr(attrs.option_attr, "sockFd", -1) not in (-1, None):
            raise ShmemError(SHMEM_NOT_SUPPORTED, f"shmem_init: sockFd {attrs.option_attr.sockFd!r}: the "
                             "rendezvous binds its own port; leave sockFd at -1")
    else:
        attrs = _attributes
        if npes is None or mem_size is None:
            raise TypeError("shmem_init(mype, npes, mem_size) needs all three, or one InitAttr")
    for name, value in (("mype", mype), ("npes", npes), ("mem_size", mem_size)):
        _check_int(name, value)
    assert isinstance(mype, int)  # for the type checker: _check_int raised otherwise
    opt = attrs.option_attr if attrs is not None else OptionalAttr()
    ip_port = attrs.ip_port if attrs is not None and attrs.ip_port else ""
    where = "attributes"
    if not ip_port:
        where = "environment"
        try:
            ip_port = _launch_env.resolve_ip_port() or ""
        except ValueError as exc:
            raise ShmemError(SHMEM_INVALID_VALUE, str(exc)) from None
        if ip_port and instance_id != 0:
            ip_port = _instance_launcher_address(ip_port, instance_id)
    engine = engine_value(opt.data_op_engine_type)
    if engine is None:
        raise ShmemError(SHMEM_INVALID_VALUE, f"data_op_engine_type {opt.data_op_engine_type!r} is not an OpEngineType")
    logger.debug("init: shmem_init(mype=%d, npes=%d, mem_size=%d), instance %d, address %r (from the %s), engine %s",
                 mype, npes, mem_size, instance_id, ip_port, where, engine.name)
    api.SetDecryptHandler(decrypt_handler_address())  # TLS (issue 6): for this init's key password
    job = _launch_env.job_identity()  # which job this is: strangers and other jobs are refused
    call(api.SetJobIdentity, job.identity, unique_id_keys.get(ip_port) or job.key, job.all_local)
    api.SetLogSink(_logging.sink_address())
    _pass_environment()
    call(api.InitInstance, instance_id, mype, npes, mem_size, ip_port, int(engine), int(opt.shm_init_timeout),
         int(opt.shm_create_timeout), int(opt.control_operation_timeout))
    _views.switched()  # the new instance is current
    _buffers.current_instance = instance_id
    _register_exit_finalize()


# -- instances (InitAttr.instance_id; see shmem.core.instance) ----------------------------------------------------

MAX_INSTANCES = 255


def instance_id_arg(value: object, name: str = "instance_id") -> int:
    """value as an instance id: TypeError for what is no int, ShmemError (a ValueError) for a bool or an int
    outside 0..254, as Ascend's binding refuses them."""
    if not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if isinstance(value, bool) or not 0 <= value < MAX_INSTANCES:
        raise ShmemError(SHMEM_INVALID_PARAM, f"{name} must be an integer in range [0, {MAX_INSTANCES - 1}], "
                         f"not {value!r}")
    return value


def _instance_launcher_address(ip_port: str, instance_id: int) -> str:
    """The address the launcher gave is instance 0's; instance instance_id meets at the port SHMEM_INSTANCE_PORT_RANGE
    gives it (port 0 asks the runtime for it)."""
    if not os.environ.get("SHMEM_INSTANCE_PORT_RANGE"):
        raise ShmemError(SHMEM_INVALID_VALUE, f"instance {instance_id} needs a rendezvous address of its own: the "
                         f"launcher's ({ip_port}) is instance 0's. Give InitAttr.ip_port or a unique id, or set "
                         "SHMEM_INSTANCE_PORT_RANGE=start:end (instance k meets at port start+k)")
    return ip_port[: ip_port.rindex(":") + 1] + "0"


# The variables the runtime reads at init. The runtime keeps its own copy of the environment, taken when it was
# loaded, so a value the program set in os.environ afterwards (as Ascend's programs do) is passed on here.
_INIT_VARIABLES = ("SHMEM_CYCLE_PROF_PE", "SHMEM_INSTANCE_PORT_RANGE", "SHMEM_HOST_MEM_SIZE")


def _pass_environment() -> None:
    for name in _INIT_VARIABLES:
        call(api.SetInitVariable, name, os.environ.get(name, ""))


def init(mem_size: int = 64 << 20, attributes: InitAttr | None = None) -> int:
    """shmem_init with rank, size and address taken from the launcher (shmemrun, torchrun, mpirun, srun).

    Raises ShmemError with the reason when it fails, since there is no status for the caller to check by habit."""
    if attributes is not None and not isinstance(attributes, InitAttr):
        raise TypeError(f"attributes must be an InitAttr or None, not {type(attributes).__name__}")
    try:
        info = _launch_env.detect_launch()
    except ValueError as exc:
        raise ShmemError(SHMEM_INVALID_VALUE, f"shmem.init(): the launcher's variables are not valid: {exc}") from None
    if info is None:
        rank, npes, ip_port, source = 0, 1, None, "none (a job of one)"
    else:
        rank, npes, ip_port, source = info.rank, info.npes, info.ip_port, info.source
    logger.debug("init: launcher %s: rank %d of %d, address %s", source, rank, npes, ip_port)
    attrs = attributes if attributes is not None else InitAttr()
    attrs.my_rank, attrs.n_ranks, attrs.local_mem_size = rank, npes, mem_size
    if ip_port and not attrs.ip_port:
        attrs.ip_port = ip_port
    try:
        _start(attrs, None, None)
    except ShmemError as err:
        logger.error("%s", err)  # as shmem_init does, for programs that catch the exception and print only its code
        raise ShmemError(err.code, f"shmem.init() failed (rank {rank} of {npes}, launcher {source}): {err}") from None
    return SHMEM_SUCCESS


def shmem_finialize() -> None:
    """Collective shut-down of the current instance: completes outstanding transfers, frees the heap and teams.
    No-op before init."""
    _finalize(cur_instance(), api.Finalize)


def finalize_instance(instance_id: int) -> None:
    """shmem_finialize of instance instance_id (ShmemError SHMEM_INVALID_PARAM when no init created it); the other
    instances go on."""
    _finalize(instance_id, lambda: api.FinalizeInstance(instance_id))


def cur_instance() -> int:
    """The id of the current instance."""
    return int(api.CurrentInstance())


def _finalize(instance_id: int, fn: Callable[[], str]) -> None:
    lent = _buffers.lent_count()
    api.SetLogSink(_logging.sink_address())
    was_live = api.InstanceStatus(instance_id) != InitStatus.NOT_INITIALIZED
    try:
        warning = _views.finalize(fn, instance_id)  # views kept past finalize: see _views
    finally:
        _buffers.current_instance = cur_instance()
        if was_live:
            from .core import _state

            _state.instance_finalized(instance_id)  # its shmem.core Buffers are stale, the others' are not
            if api.InstanceIDs() == "0" and api.InitStatus() == InitStatus.NOT_INITIALIZED:
                _state.release_all()  # no stream operation of any instance is left
    _buffers.complete_lent(lent, instance_id)
    if warning:
        logger.warning("%s", warning)


def job_info() -> dict[str, Any]:
    """This PE's view of the running job (beyond the Ascend API): rank, npes, the rendezvous address, each peer's
    host and engine ("self", "mte", "sdma" or "network") and why, the start-up steps and their times.

    Raises ShmemError (SHMEM_NOT_INITED) before init."""
    info: dict[str, Any] = json.loads(call(api.JobInfo))
    return info


_exit_hook_registered = False


def _register_exit_finalize() -> None:
    global _exit_hook_registered
    if not _exit_hook_registered:
        atexit.register(_finalize_at_exit)
        _exit_hook_registered = True


def _finalize_at_exit() -> None:
    """A program that ends without shmem_finialize is finalized here, so the other PEs see it leave, not die.

    Not after an uncaught exception (Python then sets sys.last_value): the others may be waiting for this PE's
    data, and meeting them would hang; they are told that it died instead."""
    live = [int(i) for i in str(api.InstanceIDs()).split(",") if api.InstanceStatus(int(i)) == InitStatus.INITIALIZED]
    if not live:
        return
    if getattr(sys, "last_value", None) is not None:
        logger.info("exit after an uncaught exception: not finalizing, the other PEs will see this PE end")
        return
    # In ascending order on every PE: finalize is collective per instance, so one order everywhere cannot deadlock.
    for instance_id in live:
        logger.debug("exit without finalizing instance %d: finalizing it now", instance_id)
        try:
            finalize_instance(instance_id)
        except ShmemError as err:
            logger.error("finalize at exit of instance %d: %s", instance_id, err)


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
    if not isinstance(vaue, int):
        raise TypeError(f"vaue must be an int (an OpEngineType), not {type(vaue).__name__}")
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
    """Every PE of the job exits promptly with exit status `status`, this one too: the PEs of every instance this
    process runs."""
    _check_int("status", status)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed stream must not stop the exit
            pass
    call(api.GlobalExit, status)  # an int beyond 64 bits: ShmemError, not OverflowError
    os._exit(status)  # not reached: the runtime exits the process


def shmem_info_get_version() -> tuple[int, int]:
    """The API level (major, minor)."""
    return (api.VersionMajor, api.VersionMinor)


def shmem_info_get_name() -> str:
    """The name and version of this implementation."""
    return api.InfoName()

