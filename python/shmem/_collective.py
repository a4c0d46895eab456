"""Collectives over a team: broadcast, fcollect (all-gather), alltoall and all-reductions.

Every member of the team calls the same function with the same sizes (and root, op); PEs outside the team do not
call it. dest and source live in symmetric memory: NumPy arrays made by ``shmem.array`` (or views of them, which
must be C-contiguous), or int symmetric addresses with the sizes given as keywords. dest and source may be the
same array (in place) or overlap. Every call starts and ends with the team's barrier, so on return dest is complete
on this PE and every buffer may be reused at once."""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING, Any

from ._core import raw
from ._errors import FAILURES, SHMEM_INVALID_PARAM, SHMEM_NOT_INITED, ShmemError, from_runtime
from ._teams import SHMEM_TEAM_WORLD

if TYPE_CHECKING:
    import numpy as np

    ArrayOrAddress = np.ndarray | int
else:
    ArrayOrAddress = Any

_broadcast = raw.api_Broadcast
_fcollect = raw.api_Fcollect
_alltoall = raw.api_Alltoall
_reduce = raw.api_Reduce

# The runtime's codes (package gopkg/internal/collective): (kind, itemsize) -> dtype code; op name -> op code.
_DTYPE_CODES = {
    ("i", 1): 1, ("i", 2): 2, ("i", 4): 3, ("i", 8): 4,
    ("u", 1): 5, ("u", 2): 6, ("u", 4): 7, ("u", 8): 8,
    ("f", 4): 9, ("f", 8): 10,
}
OPS = ("sum", "prod", "min", "max", "and", "or", "xor")
_OP_CODES = {name: code for code, name in enumerate(OPS)}


_numpy: Any = None


def _np() -> Any:
    """NumPy, imported on first use (shmem itself does not need it)."""
    global _numpy
    if _numpy is None:
        import numpy

        _numpy = numpy
    return _numpy


def _run(fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except FAILURES as exc:
        raise from_runtime(exc) from None


def _team_size(team: int) -> int:
    """The number of PEs in team; ShmemError when it is not a team of this PE (or before init)."""
    try:
        npes = raw.api_TeamNPes(team)
    except FAILURES:
        npes = -1
    if npes < 0:
        if raw.api_MyPe() < 0:
            raise ShmemError(SHMEM_NOT_INITED, "shmem is not initialised: call shmem_init first")
        raise ShmemError(SHMEM_INVALID_PARAM, f"team {team} is not a team of this PE")
    return npes


def _as_array(obj: Any, what: str, writable: bool) -> Any:
    """obj as a C-contiguous NumPy array sharing its memory (never a copy)."""
    np = _np()
    if not isinstance(obj, np.ndarray):
        try:
            view = memoryview(obj)
        except TypeError:
            raise TypeError(f"{what} must be a NumPy array in symmetric memory or an int address, "
                            f"not {type(obj).__name__}") from None
        obj = np.asarray(view)
    if obj.dtype.hasobject:
        raise TypeError(f"{what} must hold plain data, not {obj.dtype} (Python objects cannot be shared)")
    flags = obj.flags
    if not flags.c_contiguous:
        raise ShmemError(SHMEM_INVALID_PARAM, f"{what} must be C-contiguous (a view with steps is not)")
    if writable and not flags.writeable:
        raise ShmemError(SHMEM_INVALID_PARAM, f"{what} is read-only")
    return obj


_c_byte_at = ctypes.c_byte.from_buffer
_addressof = ctypes.addressof


def _address(arr: Any) -> int:
    # A ctypes view of a writable buffer gives the address ~5x faster than __array_interface__.
    try:
        return _addressof(_c_byte_at(arr))
    except (TypeError, ValueError):  # read-only, or empty
        addr: int = arr.__array_interface__["data"][0]
        return addr


def _is_address(dest: Any, source: Any) -> bool:
    """True for the int-address form, False for arrays; TypeError for a mix or a bool."""
    dest_int, source_int = isinstance(dest, int), isinstance(source, int)
    if isinstance(dest, bool) or isinstance(source, bool):
        raise TypeError("dest and source must be arrays or int addresses, not bool")
    if dest_int != source_int:
        raise TypeError("dest and source must both be arrays or both be int addresses")
    return dest_int


def _pair(dest: Any, source: Any) -> tuple[Any, Any]:
    """dest and source as arrays of the same dtype."""
    d = _as_array(dest, "dest", True)
    s = _as_array(source, "source", False)
    if d.dtype != s.dtype:
        raise TypeError(f"dest has dtype {d.dtype} but source has {s.dtype}: they must be the same")
    return d, s


def _nbytes(nbytes: int | None) -> int:
    if nbytes is None:
        raise TypeError("with int addresses, give the size: nbytes=...")
    return nbytes


def broadcast(dest: ArrayOrAddress, source: ArrayOrAddress, root: int, team: int = SHMEM_TEAM_WORLD, *,
              nbytes: int | None = None) -> None:
    """Collective over team: copies source of the PE with team rank root to dest on every member, root included.

    dest and source have the same dtype and shape (or are int addresses of nbytes bytes)."""
    if _is_address(dest, source):
        _run(_broadcast, team, dest, source, _nbytes(nbytes), root)
        return
    d, s = _pair(dest, source)
    if d.shape != s.shape:
        raise ShmemError(SHMEM_INVALID_PARAM, f"dest has shape {d.shape} but source has {s.shape}")
    _run(_broadcast, team, _address(d), _address(s), s.nbytes, root)


def fcollect(dest: ArrayOrAddress, source: ArrayOrAddress, team: int = SHMEM_TEAM_WORLD, *,
             nbytes: int | None = None) -> None:
    """Collective over team (all-gather): dest on every member receives every member's source, in team rank order.

    dest holds team-size times source's elements, of the same dtype (for example shape (npes, *source.shape));
    with int addresses, nbytes is the size of one member's source."""
    if _is_address(dest, source):
        _run(_fcollect, team, dest, source, _nbytes(nbytes))
        return
    d, s = _pair(dest, source)
    npes = _team_size(team)
    if d.size != npes * s.size:
        raise ShmemError(SHMEM_INVALID_PARAM,
                         f"dest has {d.size} elements; fcollect over {npes} PEs of {s.size} needs {npes * s.size}")
    _run(_fcollect, team, _address(d), _address(s), s.nbytes)


def alltoall(dest: ArrayOrAddress, source: ArrayOrAddress, team: int = SHMEM_TEAM_WORLD, *,
             nbytes: int | None = None) -> None:
    """Collective over team: block i of source goes to the member of team rank i, which stores it as block j of its
    dest, j being this PE's team rank.

    dest and source have the same dtype and shape, and their elements divide into team-size equal blocks (the
    leading axis when it has team-size entries); with int addresses, nbytes is the size of one block."""
    if _is_address(dest, source):
        _run(_alltoall, team, dest, source, _nbytes(nbytes))
        return
    d, s = _pair(dest, source)
    if d.shape != s.shape:
        raise ShmemError(SHMEM_INVALID_PARAM, f"dest has shape {d.shape} but source has {s.shape}")
    npes = _team_size(team)
    if s.size % npes:
        raise ShmemError(SHMEM_INVALID_PARAM, f"{s.size} elements do not divide into {npes} equal blocks")
    _run(_alltoall, team, _address(d), _address(s), s.nbytes // npes)


_dtype_cache: dict[Any, int] = {}


def _dtype_code(dtype: Any) -> int:
    code = _dtype_cache.get(dtype)
    if code is not None:
        return code
    dt = _np().dtype(dtype)
    code = _DTYPE_CODES.get((dt.kind, dt.itemsize))
    if code is None or not dt.isnative:
        raise TypeError(f"reductions take native-endian int8..int64, uint8..uint64, float32 or float64, not {dt}")
    if isinstance(dtype, _np().dtype):
        _dtype_cache[dtype] = code
    return code


def _op_code(op: str) -> int:
    if not isinstance(op, str):
        raise TypeError(f"op must be a str (one of {', '.join(OPS)}), not {type(op).__name__}")
    code = _OP_CODES.get(op)
    if code is None:
        raise ShmemError(SHMEM_INVALID_PARAM, f"unknown reduction {op!r}: use one of {', '.join(OPS)}")
    return code


def reduce(dest: ArrayOrAddress, source: ArrayOrAddress, op: str = "sum", team: int = SHMEM_TEAM_WORLD, *,
           count: int | None = None, dtype: Any = None) -> None:
    """Collective over team (all-reduce): dest on every member becomes source of team rank 0 op source of rank 1 op
    ..., element by element, combined in rank order (the same bits on every member).

    op is one of sum, prod, min, max, and, or, xor (the bitwise ones for integers only; min and max propagate NaN
    like numpy.minimum/maximum; integers wrap like NumPy's). dest and source have the same dtype and shape; with
    int addresses give count (elements) and dtype."""
    code = _op_code(op)
    if _is_address(dest, source):
        if count is None or dtype is None:
            raise TypeError("with int addresses, give count=... and dtype=...")
        _run(_reduce, team, dest, source, count, _dtype_code(dtype), code)
        return
    d, s = _pair(dest, source)
    if d.shape != s.shape:
        raise ShmemError(SHMEM_INVALID_PARAM, f"dest has shape {d.shape} but source has {s.shape}")
    _run(_reduce, team, _address(d), _address(s), s.size, _dtype_code(s.dtype), code)


def sum_reduce(dest: ArrayOrAddress, source: ArrayOrAddress, team: int = SHMEM_TEAM_WORLD, **sizes: Any) -> None:
    """reduce(dest, source, "sum", team)."""
    reduce(dest, source, "sum", team, **sizes)


def prod_reduce(dest: ArrayOrAddress, source: ArrayOrAddress, team: int = SHMEM_TEAM_WORLD, **sizes: Any) -> None:
    """reduce(dest, source, "prod", team)."""
    reduce(dest, source, "prod", team, **sizes)


def min_reduce(dest: ArrayOrAddress, source: ArrayOrAddress, team: int = SHMEM_TEAM_WORLD, **sizes: Any) -> None:
    """reduce(dest, source, "min", team)."""
    reduce(dest, source, "min", team, **sizes)


def max_reduce(dest: ArrayOrAddress, source: ArrayOrAddress, team: int = SHMEM_TEAM_WORLD, **sizes: Any) -> None:
    """reduce(dest, source, "max", team)."""
    reduce(dest, source, "max", team, **sizes)


def and_reduce(dest: ArrayOrAddress, source: ArrayOrAddress, team: int = SHMEM_TEAM_WORLD, **sizes: Any) -> None:
    """reduce(dest, source, "and", team): bitwise and, integers only."""
    reduce(dest, source, "and", team, **sizes)


def or_reduce(dest: ArrayOrAddress, source: ArrayOrAddress, team: int = SHMEM_TEAM_WORLD, **sizes: Any) -> None:
    """reduce(dest, source, "or", team): bitwise or, integers only."""
    reduce(dest, source, "or", team, **sizes)


def xor_reduce(dest: ArrayOrAddress, source: ArrayOrAddress, team: int = SHMEM_TEAM_WORLD, **sizes: Any) -> None:
    """reduce(dest, source, "xor", team): bitwise xor, integers only."""
    reduce(dest, source, "xor", team, **sizes)


# The OpenSHMEM-style names.
shmem_broadcast = broadcast
shmem_fcollect = fcollect
shmem_alltoall = alltoall
shmem_reduce = reduce
shmem_sum_reduce = sum_reduce
shmem_prod_reduce = prod_reduce
shmem_min_reduce = min_reduce
shmem_max_reduce = max_reduce
shmem_and_reduce = and_reduce
shmem_or_reduce = or_reduce
shmem_xor_reduce = xor_reduce
