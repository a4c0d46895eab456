"""Ascend's later names (E0 "aclshmem" package, E2 aclshmem_* / aclshmemx_*) over the same runtime.

Most are the seed's functions under another name; the families (putN/getN, iputN/igetN, <T>_iput/_iget,
putN_signal) are generated per width. Where Ascend's binding behaves differently from the seed's name (malloc
raises instead of returning 0, finalize takes an instance id), the wrapper here does what Ascend does; see
docs/migration.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _amo, _init_fini, _memory, _rma, _teams, _unique_id
from ._attrs import InitAttr
from ._buffers import LocalBuffer
from ._core import raw
from ._errors import (
    FAILURES,
    SHMEM_INVALID_PARAM,
    SHMEM_INVALID_VALUE,
    SHMEM_MALLOC_FAILED,
    SHMEM_SUCCESS,
    ShmemError,
    from_runtime,
)
from ._logging import logger
from ._signal import _signal_put
from ._types import InitMode, MemType, UniqueId

# Ascend's element types of the typed families, and their sizes in bytes.
TYPES = {"char": 1, "double": 8, "float": 4, "int16": 2, "int32": 4, "int64": 8, "int8": 1,
         "uint16": 2, "uint32": 4, "uint64": 8, "uint8": 1}
BITS = (8, 16, 32, 64, 128)

_put, _get, _put_nbi, _get_nbi = raw.api_Putmem, raw.api_Getmem, raw.api_PutmemNbi, raw.api_GetmemNbi
_iput, _iget = raw.api_Iput, raw.api_Iget
_put_signal = raw.api_PutmemSignal
_INT64_MAX = (1 << 63) - 1


def _count(value: Any, name: str) -> int:
    if value.__class__ is not int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
        value = int(value)
    count: int = value  # an int by here
    return count


def _bytes_of(count: Any, width: int, name: str) -> int:
    n = _count(count, name) * width
    if n > _INT64_MAX:
        raise ShmemError(SHMEM_INVALID_PARAM, f"{name} {count} elements of {width} bytes is too large")
    return n


# -- contiguous transfers counted in elements of N bits ---------------------------------------------------------

def _make_sized(bits: int, put: bool, nbi: bool) -> Any:
    width = bits // 8
    fn = (_put_nbi if nbi else _put) if put else (_get_nbi if nbi else _get)

    if put:
        def call(dst: Any, src: Any, elem_size: int, pe: int) -> None:
            if src.__class__ is int and elem_size.__class__ is int and 0 <= elem_size <= _INT64_MAX // width:
                try:
                    fn(dst, src, elem_size * width, pe)
                except FAILURES as exc:
                    raise from_runtime(exc) from None
            elif src.__class__ is int:
                try:
                    fn(dst, src, _bytes_of(elem_size, width, "elem_size"), pe)
                except FAILURES as exc:
                    raise from_runtime(exc) from None
            else:
                _rma._move(fn, dst, src, _bytes_of(elem_size, width, "elem_size"), pe, False, nbi)
    else:
        def call(dst: Any, src: Any, elem_size: int, pe: int) -> None:
            if dst.__class__ is int and elem_size.__class__ is int and 0 <= elem_size <= _INT64_MAX // width:
                try:
                    fn(dst, src, elem_size * width, pe)
                except FAILURES as exc:
                    raise from_runtime(exc) from None
            elif dst.__class__ is int:
                try:
                    fn(dst, src, _bytes_of(elem_size, width, "elem_size"), pe)
                except FAILURES as exc:
                    raise from_runtime(exc) from None
            else:
                _rma._move(fn, dst, src, _bytes_of(elem_size, width, "elem_size"), pe, True, nbi)

    kind = "put" if put else "get"
    call.__name__ = call.__qualname__ = f"aclshmem_{kind}{bits}{'_nbi' if nbi else ''}"
    call.__doc__ = (f"shmem_{kind}mem{'_nbi' if nbi else ''} of elem_size elements of {bits} bits "
                    f"({width} bytes each): elem_size counts elements, as in Ascend's C API.")
    return call


def _make_sized_signal(bits: int, nbi: bool) -> Any:
    width = bits // 8
    flag = 1 if nbi else 0
    most = _INT64_MAX // width

    def call(dst: int, src: Any, nelems: int, sig: int, signal: int, sig_op: int, pe: int) -> None:
        if src.__class__ is int and nelems.__class__ is int and 0 <= nelems <= most:
            try:
                _put_signal(dst, src, nelems * width, sig, signal, sig_op, pe, flag)
            except FAILURES as exc:
                raise from_runtime(exc) from None
            return
        nbytes = _bytes_of(nelems, width, "nelems")
        if nbytes < 0:
            raise ShmemError(SHMEM_INVALID_PARAM, f"nelems {nelems} is negative")
        _signal_put(dst, src, nbytes, sig, signal, sig_op, pe, flag)

    call.__name__ = call.__qualname__ = f"aclshmemx_put{bits}_signal{'_nbi' if nbi else ''}"
    call.__doc__ = (f"shmem_putmem_signal{'_nbi' if nbi else ''} of nelems elements of {bits} bits: the data, "
                    "then the 32-bit signal word sig on pe (SignalOp.SIGNAL_SET or SIGNAL_ADD).")
    return call


# -- strided transfers ---------------------------------------------------------------------------------------------

def _make_strided(size: int, put: bool, name: str) -> Any:
    fn = _iput if put else _iget
    contiguous = _put if put else _get
    most = _INT64_MAX // size

    def call(dest: Any, source: Any, dst: int, sst: int, nelems: int, pe: int) -> None:
        local = source if put else dest
        if local.__class__ is int:
            try:
                if (dst.__class__ is int and sst.__class__ is int and nelems.__class__ is int and dst == 1 == sst
                        and 0 <= nelems <= most):
                    contiguous(dest, source, nelems * size, pe)  # no gaps: a plain put or get
                else:
                    fn(dest, source, dst, sst, nelems, size, pe)
            except FAILURES as exc:
                raise from_runtime(exc) from None
            except OverflowError:
                raise ShmemError(SHMEM_INVALID_PARAM, f"{name}: a value does not fit 64 bits") from None
            return
        stride = _count(sst if put else dst, "sst" if put else "dst")
        n = _count(nelems, "nelems")
        extent = ((n - 1) * stride + 1) * size if n > 0 and stride > 0 else 0
        buf = LocalBuffer(local, extent, not put, "source" if put else "dest")
        try:
            if put:
                fn(dest, buf.address, dst, sst, nelems, size, pe)
            else:
                fn(buf.address, source, dst, sst, nelems, size, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None
        except OverflowError:
            raise ShmemError(SHMEM_INVALID_PARAM, f"{name}: a value does not fit 64 bits") from None
        finally:
            buf.release()

    call.__name__ = call.__qualname__ = name
    side = "to symmetric dest on pe" if put else "from symmetric source on pe"
    call.__doc__ = (f"Copies nelems elements of {size} bytes {side}: source elements sst apart, dest elements dst "
                    "apart (strides in elements, at least 1). Done when it returns.")
    return call


def _build() -> dict[str, Callable[..., Any]]:
    names: dict[str, Callable[..., Any]] = {}
    for bits in BITS:
        for put in (True, False):
            for nbi in (False, True):
                fn = _make_sized(bits, put, nbi)
                names[fn.__name__] = fn
        for nbi in (False, True):
            fn = _make_sized_signal(bits, nbi)
            names[fn.__name__] = fn
        names[f"aclshmem_iput{bits}"] = _make_strided(bits // 8, True, f"aclshmem_iput{bits}")
        names[f"aclshmem_iget{bits}"] = _make_strided(bits // 8, False, f"aclshmem_iget{bits}")
    for t, size in TYPES.items():
        names[f"aclshmem_{t}_p"] = getattr(_amo, f"shmem_{t}_p")
        names[f"aclshmem_{t}_g"] = getattr(_amo, f"shmem_{t}_g")
        names[f"aclshmem_{t}_iput"] = _make_strided(size, True, f"aclshmem_{t}_iput")
        names[f"aclshmem_{t}_iget"] = _make_strided(size, False, f"aclshmem_{t}_iget")
    return names


_FAMILIES = _build()
globals().update(_FAMILIES)

# -- the seed's calls under Ascend's later names -------------------------------------------------------------------

aclshmem_putmem = _rma.shmem_putmem
aclshmem_getmem = _rma.shmem_getmem
aclshmem_putmem_nbi = _rma.shmem_putmem_nbi
aclshmem_getmem_nbi = _rma.shmem_getmem_nbi
aclshmem_ptr = _memory.shmem_ptr
aclshmem_global_exit = _init_fini.shmem_global_exit
aclshmem_info_get_name = _init_fini.shmem_info_get_name
aclshmem_info_get_version = _init_fini.shmem_info_get_version
aclshmem_init_status = _init_fini.shmem_init_status
aclshmemx_init_status = _init_fini.shmem_init_status
aclshmem_set_attributes = _init_fini.shmem_set_attributes
aclshmem_set_data_op_engine_type = _init_fini.shmem_set_data_op_engine_type
aclshmem_set_timeout = _init_fini.shmem_set_timeout
aclshmem_team_get_config = _teams.shmem_team_get_config
shmem_team_split_2d = _teams.team_split_2d
barrier_all = _rma.shmem_barrier_all
barrier_team = _teams.shmem_barrier


def aclshmemx_putmem_signal(dst: int, src: Any, elem_size: int, sig: int, signal: int, sig_op: int, pe: int) -> None:
    """shmem_putmem_signal: elem_size bytes, then the signal word sig on pe. Done when it returns."""
    _signal_put(dst, src, elem_size, sig, signal, sig_op, pe, 0)


def aclshmemx_putmem_signal_nbi(dst: int, src: Any, elem_size: int, sig: int, signal: int, sig_op: int,
                                pe: int) -> None:
    """shmem_putmem_signal_nbi: complete at the next quiet or barrier."""
    _signal_put(dst, src, elem_size, sig, signal, sig_op, pe, 1)


def aclshmemx_set_data_op_engine_type(attributes: InitAttr, value: int) -> int:
    """Sets the engine in attributes (an OpEngineType); 0, or -2 for a value that is none."""
    return _init_fini.shmem_set_data_op_engine_type(attributes, value)


def aclshmemx_set_timeout(attributes: InitAttr, value: int) -> int:
    """Sets the three timeouts of attributes to value seconds; 0, or -2 for value <= 0."""
    return _init_fini.shmem_set_timeout(attributes, value)


# -- start-up and shut-down ----------------------------------------------------------------------------------------

def aclshmem_init(mype: int | InitAttr | None = None, npes: int | None = None, mem_size: int | None = None,
                  attributes: InitAttr | None = None) -> int:
    """Collective start-up: aclshmem_init(mype, npes, mem_size) as the first E2 releases, or
    aclshmem_init(attributes) with an InitAttr as later ones. Returns 0 or an error code."""
    return _init_fini.shmem_init(mype, npes, mem_size, attributes=attributes)


def aclshmemx_init_attr(bootstrap_flags: int, attributes: InitAttr) -> int:
    """aclshmem_init(attributes) with the way PEs meet (InitMode): DEFAULT and MPI meet at attributes.ip_port or the
    launcher's address, UNIQUEID at the address aclshmemx_set_attr_uniqueid_args put into attributes."""
    try:
        InitMode(bootstrap_flags)
    except ValueError:
        logger.error("aclshmemx_init_attr: %r is not an InitMode", bootstrap_flags)
        return SHMEM_INVALID_PARAM
    return _init_fini.shmem_init(attributes=attributes)


def aclshmemx_set_attr_uniqueid_args(my_pe: int, n_pes: int, local_mem_size: int, uid: UniqueId | bytes,
                                     attributes: InitAttr) -> int:
    """Fills attributes for an init through a unique id (then aclshmemx_init_attr(InitMode.UNIQUEID, attributes))."""
    if not isinstance(attributes, InitAttr):
        raise TypeError(f"attributes must be an InitAttr, not {type(attributes).__name__}")
    ip_port = _unique_id.address_of(bytes(uid) if isinstance(uid, UniqueId) else uid)
    if ip_port is None:
        return SHMEM_INVALID_VALUE
    attributes.my_rank, attributes.n_ranks, attributes.local_mem_size = my_pe, n_pes, local_mem_size
    attributes.ip_port = ip_port
    return SHMEM_SUCCESS


def aclshmem_get_unique_id() -> bytes:
    """A unique id as Ascend's (aclshmemx_uniqueid_t, 136 bytes): make it on PE 0, give it to every PE, then call
    aclshmem_init_using_unique_id everywhere. UniqueId.from_bytes reads it."""
    uid = UniqueId()
    uid.internal = _unique_id.shmem_get_unique_id()[: len(uid.internal)]
    return bytes(uid)


def aclshmem_init_using_unique_id(mype: int, npes: int, mem_size: int, uid: UniqueId | bytes) -> int:
    """shmem_init meeting where uid (from aclshmem_get_unique_id, bytes or a UniqueId) says. 0 or an error code."""
    if isinstance(uid, UniqueId):
        uid = bytes(uid)
    return _unique_id.shmem_init_using_unique_id(mype, npes, mem_size, uid)


def aclshmem_finalize(instance_id: int | None = None) -> int:
    """Collective shut-down of instance instance_id (default: the current instance; see shmem.core.instance). 0, or
    SHMEM_INVALID_PARAM (-1) for an instance no init created; ValueError for an id outside 0..254."""
    if instance_id is None:
        _init_fini.shmem_finialize()
        return SHMEM_SUCCESS
    instance_id = _init_fini.instance_id_arg(instance_id)
    try:
        _init_fini.finalize_instance(instance_id)
    except ShmemError as err:
        if err.code != SHMEM_INVALID_PARAM:
            raise  # a transfer that could not complete: never swallowed
        logger.error("aclshmem_finalize: %s", err)
        return err.code
    return SHMEM_SUCCESS


aclshmem_finialize = aclshmem_finalize
aclshmemx_finalize = aclshmem_finalize


# -- memory --------------------------------------------------------------------------------------------------------

def _raising(ptr: int, what: str) -> int:
    # Ascend's later binding raises where the seed's returned NULL.
    if ptr == 0:
        raise ShmemError(SHMEM_MALLOC_FAILED, f"{what} failed (see the 'shmem' log for the reason)")
    return ptr


def aclshmem_malloc(size: int) -> int:
    """Collective: size bytes of symmetric memory; raises ShmemError (a RuntimeError) when none can be had."""
    return _raising(_memory.shmem_malloc(size), "aclshmem_malloc")


def aclshmem_calloc(nmemb: int, size: int) -> int:
    """Collective: nmemb*size zeroed bytes; raises ShmemError when none can be had."""
    return _raising(_memory.shmem_calloc(nmemb, size), "aclshmem_calloc")


def aclshmem_align(alignment: int, size: int) -> int:
    """Collective: size bytes aligned to alignment (a power of two); raises ShmemError when none can be had."""
    return _raising(_memory.shmem_align(alignment, size), "aclshmem_align")


aclshmem_free = _memory.shmem_free


def _mem_type(mem_type: Any) -> None:
    try:
        MemType(mem_type)
    except ValueError:
        raise ShmemError(SHMEM_INVALID_VALUE, f"{mem_type!r} is not a MemType") from None


def aclshmemx_malloc(size: int, mem_type: MemType = MemType.DEVICE_SIDE) -> int:
    """aclshmem_malloc with Ascend's memory type; both types are the one host heap here."""
    _mem_type(mem_type)
    return aclshmem_malloc(size)


def aclshmemx_calloc(count: int, size: int, mem_type: MemType = MemType.DEVICE_SIDE) -> int:
    """aclshmem_calloc with Ascend's memory type; both types are the one host heap here."""
    _mem_type(mem_type)
    return aclshmem_calloc(count, size)


def aclshmemx_align(alignment: int, size: int, mem_type: MemType = MemType.DEVICE_SIDE) -> int:
    """aclshmem_align with Ascend's memory type; both types are the one host heap here."""
    _mem_type(mem_type)
    return aclshmem_align(alignment, size)


def aclshmemx_free(ptr: Any, mem_type: MemType = MemType.DEVICE_SIDE) -> None:
    """aclshmem_free with Ascend's memory type."""
    _mem_type(mem_type)
    _memory.shmem_free(ptr)


# -- tensors -------------------------------------------------------------------------------------------------------

def _torch() -> Any:
    try:
        import torch
    except ImportError:
        return None
    return torch


def aclshmem_create_tensor(shape: Any, dtype: Any = "float32", device_id: int = 0) -> Any:
    """Collective: a tensor in the symmetric heap. With a NumPy dtype (or its name) a NumPy array; with a
    torch.dtype (torch installed) a torch tensor over the same symmetric memory. device_id is accepted for
    Ascend's programs; there is no device, the memory is the host heap. Free it with aclshmem_free_tensor."""
    _count(device_id, "device_id")
    dims = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    count = 1
    for d in dims:
        count *= _count(d, "shape")
    if count <= 0:  # Ascend: malloc(0) is NULL, and its binding raises
        raise ShmemError(SHMEM_MALLOC_FAILED, f"aclshmem_create_tensor: shape {shape} holds no element")
    torch = _torch()
    if torch is not None and isinstance(dtype, torch.dtype):
        itemsize = torch.empty((), dtype=dtype).element_size()
        flat = _memory.array(count * itemsize, "uint8")
        return torch.frombuffer(flat, dtype=dtype, count=count).reshape(dims)
    return _memory.array(dims, dtype)


def aclshmem_free_tensor(tensor: Any) -> None:
    """Collective: frees a tensor from aclshmem_create_tensor (a NumPy array or a torch tensor)."""
    data_ptr = getattr(tensor, "data_ptr", None)
    if callable(data_ptr):
        _memory.shmem_free(data_ptr())
        return
    _memory.shmem_free(tensor)


__all__ = sorted(
    [name for name in _FAMILIES]
    + [name for name in dir() if name.startswith(("aclshmem_", "aclshmemx_")) and name not in _FAMILIES]
    + ["barrier_all", "barrier_team", "shmem_team_split_2d"]
)
