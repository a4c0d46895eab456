"""Point-to-point synchronisation on symmetric variables of this PE: aclshmem_<T>_wait*, aclshmem_<T>_test*.

OpenSHMEM 1.5 semantics, Ascend's names and parameters (E2): ivar/ivars is a symmetric address of this PE (an int,
or a buffer over the symmetric heap such as shmem.array); status an optional mask (None/0, an int address of C
ints, a buffer, or a list), nonzero entries leaving variables out; cmp one of SHMEM_CMP_*; cmp_values the vector
forms' per-variable values (address, buffer or list); indices and res_out where results go (address or writable
buffer; res_out may be None). Ascend's binding returns nothing and writes res_out (a C int for _test and
_test_all_vector, a size_t otherwise); these functions write res_out the same way and also return the result.
A wait sleeps without using a CPU, wakes on any library store that satisfies it, ends with ShmemError -6 when a PE
of the job dies, and Ctrl-C ends it with KeyboardInterrupt."""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from typing import Any

from ._buffers import LocalBuffer
from ._core import raw
from ._errors import SHMEM_INVALID_PARAM, SHMEM_INVALID_VALUE, ShmemError, from_runtime

_p2p = raw.api_P2p

_FLT_MAX = 3.4028234663852886e38
SIZE_MAX = (1 << 64) - 1  # the "no index" answer of the _any forms

# Operation codes of the runtime (gopkg/internal/p2p/op.go).
_TEST, _TEST_ALL, _TEST_ANY, _TEST_SOME, _WAIT_UNTIL, _WAIT_ALL, _WAIT_ANY, _WAIT_SOME = range(8)

# type name -> (runtime kind code, size in bytes, array typecode, value range or None for float)
_TYPES: dict[str, tuple[int, int, str, tuple[int, int] | None]] = {
    "char": (0, 1, "b", (-128, 127)),
    "float": (8, 4, "f", None),
    "int16": (1, 2, "h", (-(1 << 15), (1 << 15) - 1)),
    "int32": (2, 4, "i", (-(1 << 31), (1 << 31) - 1)),
    "int64": (3, 8, "q", (-(1 << 63), (1 << 63) - 1)),
    "int8": (0, 1, "b", (-128, 127)),
    "uint16": (5, 2, "H", (0, (1 << 16) - 1)),
    "uint32": (6, 4, "I", (0, (1 << 32) - 1)),
    "uint64": (7, 8, "Q", (0, (1 << 64) - 1)),
    "uint8": (4, 1, "B", (0, 255)),
}


def _operand(name: str, value: Any, bounds: Any) -> tuple[int, float]:
    """(int64 bits, float) carrying cmp_value for the runtime, after checking that the type holds it."""
    if bounds is None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"cmp_value of {name} must be a number, not {type(value).__name__}")
        return 0, float(value)
    if value.__class__ is not int:
        if name == "char" and isinstance(value, (bytes, str)) and len(value) == 1:
            value = ord(value)
            value = value - 256 if value > 127 else value
        elif isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"cmp_value of {name} must be an int, not {type(value).__name__}")
    lo, hi = bounds
    if not lo <= value <= hi:
        raise ShmemError(SHMEM_INVALID_VALUE, f"cmp_value {value} does not fit {name} ({lo}..{hi})")
    return (value - (1 << 64) if value >= 1 << 63 else value), 0.0


def _too_large() -> ShmemError:
    return ShmemError(SHMEM_INVALID_PARAM, "an address, nelems or cmp is too large to be one")


class _Args:
    """The address arguments of one call; buffers stay exported until release()."""

    __slots__ = ("held",)

    def __init__(self) -> None:
        self.held: list[LocalBuffer] = []

    def address(self, obj: Any, nbytes: int, writable: bool, what: str, typecode: str = "") -> int:
        if obj is None:
            return 0
        if obj.__class__ is int:
            return obj
        if typecode and isinstance(obj, (list, tuple)):
            if writable:
                raise TypeError(f"{what} must be an address or a writable buffer, not {type(obj).__name__}")
            if typecode == "f" and any(abs(v) > _FLT_MAX and abs(v) != math.inf for v in obj):
                raise ShmemError(SHMEM_INVALID_VALUE, f"an entry of {what} does not fit a float")
            try:
                obj = array(typecode, obj)
            except OverflowError:
                raise ShmemError(SHMEM_INVALID_VALUE, f"an entry of {what} does not fit its type") from None
        buffer = LocalBuffer(obj, nbytes, writable, what)
        self.held.append(buffer)
        return buffer.address

    def release(self) -> None:
        for buffer in self.held:
            buffer.release()


def _run(op: int, kind: int, ivars: Any, nelems: int, indices: Any, status: Any, cmp: int, value: int,
         fvalue: float, values: Any, res_out: Any, size: int, typecode: str, waits: bool) -> int:
    args = _Args()
    try:
        if nelems.__class__ is not int:
            raise TypeError(f"nelems must be an int, not {type(nelems).__name__}")
        count = max(nelems, 0)
        addresses = (
            args.address(ivars, count * size, False, "ivars"),
            args.address(indices, count * 8, True, "indices"),
            args.address(status, count * 4, False, "status", "i"),
            args.address(values, count * size, False, "cmp_values", typecode),
            args.address(res_out, 4 if op in (_TEST, _TEST_ALL) else 8, True, "res_out"),
        )
        ivar_addr, index_addr, status_addr, values_addr, res_addr = addresses
        while True:
            try:
                got = _p2p(op, kind, ivar_addr, nelems, index_addr, status_addr, cmp, value, fvalue, values_addr,
                           res_addr)
                break
            except RuntimeError as exc:
                failure = exc
            except OverflowError:
                raise _too_large() from None
            # Outside the except block, so that Ctrl-C's KeyboardInterrupt is not chained to the RuntimeError.
            error = from_runtime(failure)  # runs the signal handlers on Ctrl-C: KeyboardInterrupt leaves here
            if not (waits and isinstance(error, InterruptedError)):  # else a handler did not raise: wait on
                raise error from None
    finally:
        args.release()
    return got + (1 << 64) if got < 0 else got


def _family(name: str) -> dict[str, Callable[..., Any]]:
    kind, size, typecode, bounds = _TYPES[name]

    def run(op: int, ivars: Any, nelems: int, indices: Any, status: Any, cmp: int, cmp_value: Any, values: Any,
            res_out: Any) -> int:
        bits, fbits = (0, 0.0) if values is not None else _operand(name, cmp_value, bounds)
        return _run(op, kind, ivars, nelems, indices, status, cmp, bits, fbits, values, res_out, size, typecode,
                    op >= _WAIT_UNTIL)

    lo, hi = bounds if bounds is not None else (0, -1)

    def scalar(op: int, ivar: Any, cmp: int, cmp_value: Any, res_out: Any) -> int:
        """The one-variable forms: straight to the runtime for int arguments (the common, hot case)."""
        if cmp_value.__class__ is int and lo <= cmp_value <= hi:
            bits, fbits = (cmp_value - (1 << 64) if cmp_value >= 1 << 63 else cmp_value), 0.0
        else:
            bits, fbits = _operand(name, cmp_value, bounds)
        if ivar.__class__ is int and (res_out is None or res_out.__class__ is int):
            try:
                return _p2p(op, kind, ivar, 1, 0, 0, cmp, bits, fbits, 0, res_out or 0)
            except OverflowError:
                raise _too_large() from None
            except RuntimeError as exc:
                failure = exc
            error = from_runtime(failure)  # KeyboardInterrupt leaves here on Ctrl-C, unchained
            if op < _WAIT_UNTIL or not isinstance(error, InterruptedError):
                raise error from None
        return _run(op, kind, ivar, 1, None, None, cmp, bits, fbits, None, res_out, size, typecode,
                    op >= _WAIT_UNTIL)

    def wait(ivar: Any, cmp_value: Any) -> None:
        scalar(_WAIT_UNTIL, ivar, 1, cmp_value, None)  # until ivar != cmp_value

    def wait_until(ivar: Any, cmp: int, cmp_value: Any) -> None:
        scalar(_WAIT_UNTIL, ivar, cmp, cmp_value, None)

    def wait_until_all(ivars: Any, nelems: int, status: Any, cmp: int, cmp_value: Any) -> None:
        run(_WAIT_ALL, ivars, nelems, None, status, cmp, cmp_value, None, None)

    def wait_until_any(ivars: Any, nelems: int, status: Any, cmp: int, cmp_value: Any, res_out: Any = None) -> int:
        return run(_WAIT_ANY, ivars, nelems, None, status, cmp, cmp_value, None, res_out)

    def wait_until_some(ivars: Any, nelems: int, indices: Any, status: Any, cmp: int, cmp_value: Any,
                        res_out: Any = None) -> int:
        return run(_WAIT_SOME, ivars, nelems, indices, status, cmp, cmp_value, None, res_out)

    def wait_until_all_vector(ivars: Any, nelems: int, status: Any, cmp: int, cmp_values: Any) -> None:
        run(_WAIT_ALL, ivars, nelems, None, status, cmp, None, cmp_values, None)

    def wait_until_any_vector(ivars: Any, nelems: int, status: Any, cmp: int, cmp_values: Any,
                              res_out: Any = None) -> int:
        return run(_WAIT_ANY, ivars, nelems, None, status, cmp, None, cmp_values, res_out)

    def wait_until_some_vector(ivars: Any, nelems: int, indices: Any, status: Any, cmp: int, cmp_values: Any,
                               res_out: Any = None) -> int:
        return run(_WAIT_SOME, ivars, nelems, indices, status, cmp, None, cmp_values, res_out)

    def test(ivar: Any, cmp: int, cmp_value: Any, res_out: Any = None) -> int:
        return scalar(_TEST, ivar, cmp, cmp_value, res_out)

    def test_all(ivars: Any, nelems: int, status: Any, cmp: int, cmp_value: Any, res_out: Any = None) -> int:
        return run(_TEST_ALL, ivars, nelems, None, status, cmp, cmp_value, None, res_out)

    def test_any(ivars: Any, nelems: int, status: Any, cmp: int, cmp_value: Any, res_out: Any = None) -> int:
        return run(_TEST_ANY, ivars, nelems, None, status, cmp, cmp_value, None, res_out)

    def test_some(ivars: Any, nelems: int, indices: Any, status: Any, cmp: int, cmp_value: Any,
                  res_out: Any = None) -> int:
        return run(_TEST_SOME, ivars, nelems, indices, status, cmp, cmp_value, None, res_out)

    def test_all_vector(ivars: Any, nelems: int, status: Any, cmp: int, cmp_values: Any, res_out: Any = None) -> int:
        return run(_TEST_ALL, ivars, nelems, None, status, cmp, None, cmp_values, res_out)

    def test_any_vector(ivars: Any, nelems: int, status: Any, cmp: int, cmp_values: Any, res_out: Any = None) -> int:
        return run(_TEST_ANY, ivars, nelems, None, status, cmp, None, cmp_values, res_out)

    def test_some_vector(ivars: Any, nelems: int, indices: Any, status: Any, cmp: int, cmp_values: Any,
                         res_out: Any = None) -> int:
        return run(_TEST_SOME, ivars, nelems, indices, status, cmp, None, cmp_values, res_out)

    functions: dict[str, Callable[..., Any]] = {}
    for suffix, fn in (
        ("wait", wait), ("wait_until", wait_until), ("wait_until_all", wait_until_all),
        ("wait_until_any", wait_until_any), ("wait_until_some", wait_until_some),
        ("wait_until_all_vector", wait_until_all_vector), ("wait_until_any_vector", wait_until_any_vector),
        ("wait_until_some_vector", wait_until_some_vector), ("test", test), ("test_all", test_all),
        ("test_any", test_any), ("test_some", test_some), ("test_all_vector", test_all_vector),
        ("test_any_vector", test_any_vector), ("test_some_vector", test_some_vector),
    ):
        full = f"aclshmem_{name}_{suffix}"
        fn.__name__ = fn.__qualname__ = full
        fn.__doc__ = f"{suffix.replace('_', ' ')} on {name} variables of this PE (see the module and docs/api.md)."
        functions[full] = fn
    return functions


_generated: dict[str, Callable[..., Any]] = {}
for _name in _TYPES:
    _generated.update(_family(_name))
globals().update(_generated)

__all__ = sorted(_generated)

