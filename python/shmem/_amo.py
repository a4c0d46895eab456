"""Atomics on symmetric 32/64-bit integers of any PE, and typed single-element put/get (shmem_<T>_p / _g).

Names follow OpenSHMEM: shmem_<T>_atomic_{fetch,set,swap,compare_swap,fetch_add,add,fetch_inc,inc} for T in
int32, int64, uint32, uint64 (and int = int32, long = int64); shmem_<T>_p(dst, value, pe) and
shmem_<T>_g(src, pe) for float, double, char, int8..int64, uint8..uint64."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from ._core import raw
from ._errors import FAILURES, SHMEM_INVALID_VALUE, ShmemError, from_runtime

_atomic = raw.api_Atomic
_put_bits = raw.api_PutBits
_get_bits = raw.api_GetBits
_put_float = raw.api_PutFloat
_get_float = raw.api_GetFloat

# Operation codes of the runtime (gopkg/internal/job/amo.go).
_FETCH, _SET, _SWAP, _CSWAP, _FETCH_ADD, _ADD = range(6)

# name -> (size in bytes, signed)
_INTEGERS = {
    "int8": (1, True), "int16": (2, True), "int32": (4, True), "int64": (8, True),
    "uint8": (1, False), "uint16": (2, False), "uint32": (4, False), "uint64": (8, False),
    "char": (1, True),
}
_ATOMIC_TYPES = {"int32": "int32", "int64": "int64", "uint32": "uint32", "uint64": "uint64",
                 "int": "int32", "long": "int64"}


def _range_of(size: int, signed: bool) -> tuple[int, int]:
    bits = 8 * size
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


def _encoder(name: str, size: int, signed: bool) -> Callable[[int], int]:
    """Checks that a value fits the type and returns the int64 bit pattern that carries it."""
    lo, hi = _range_of(size, signed)

    def encode(value: int) -> int:
        if value.__class__ is not int:
            if isinstance(value, (bytes, str)) and name == "char" and len(value) == 1:
                code = ord(value)
                if code > 255:
                    raise ShmemError(SHMEM_INVALID_VALUE, f"{value!r} is not a one-byte character")
                return code - 256 if code > 127 else code
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} value must be an int, not {type(value).__name__}")
        if not lo <= value <= hi:
            raise ShmemError(SHMEM_INVALID_VALUE, f"{value} does not fit {name} ({lo}..{hi})")
        return value - (1 << 64) if value >= 1 << 63 else value

    return encode


def _decoder(size: int, signed: bool) -> Callable[[int], int]:
    bits = 8 * size
    mask = (1 << bits) - 1

    def decode(raw_bits: int) -> int:
        value = raw_bits & mask
        if signed and value >= 1 << (bits - 1):
            value -= 1 << bits
        return value

    return decode


def _make_p(name: str, size: int, signed: bool) -> Callable[[int, int, int], None]:
    encode = _encoder(name, size, signed)
    lo, hi = _range_of(size, signed)
    hi = min(hi, (1 << 63) - 1)  # above it (uint64) the bits need rewriting: encode does that

    def put(dst: int, value: int, pe: int) -> None:
        # The common case (an int in range below 2**63) skips encode's frame: a typed put costs what a put does.
        bits = value if value.__class__ is int and lo <= value <= hi else encode(value)
        try:
            _put_bits(dst, bits, size, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None

    put.__name__ = f"shmem_{name}_p"
    put.__doc__ = f"Stores the {name} value at symmetric address dst on PE pe."
    return put


def _make_g(name: str, size: int, signed: bool) -> Callable[[int, int], int]:
    decode = _decoder(size, signed)

    def get(src: int, pe: int) -> int:
        try:
            return decode(_get_bits(src, size, pe))
        except FAILURES as exc:
            raise from_runtime(exc) from None

    get.__name__ = f"shmem_{name}_g"
    get.__doc__ = f"The {name} value at symmetric address src on PE pe."
    return get


_DOUBLE_MAX = int(sys.float_info.max)


def _make_float(name: str, size: int) -> tuple[Callable[[int, float, int], None], Callable[[int, int], float]]:
    def put(dst: int, value: float, pe: int) -> None:
        if value.__class__ is int and not -_DOUBLE_MAX <= value <= _DOUBLE_MAX:
            # An int beyond any double is out of range, as 1e39 is for a float (the runtime checks floats).
            raise ShmemError(SHMEM_INVALID_VALUE, f"{value} does not fit {name}")
        try:
            _put_float(dst, value, size, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None

    def get(src: int, pe: int) -> float:
        try:
            return _get_float(src, size, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None

    put.__name__, get.__name__ = f"shmem_{name}_p", f"shmem_{name}_g"
    put.__doc__ = f"Stores the {name} value at symmetric address dst on PE pe."
    get.__doc__ = f"The {name} value at symmetric address src on PE pe."
    return put, get


def _make_atomics(name: str, size: int, signed: bool) -> dict[str, Callable[..., Any]]:
    """The eight atomics of one type. Each calls the extension itself, in one Python frame: atomics are a hot
    path. The runtime returns 32-bit words sign-extended, so only unsigned types need their result masked."""
    encode = _encoder(name, size, signed)
    mask = -1 if signed else (1 << (8 * size)) - 1  # x & -1 == x for Python ints

    def fetch(source: int, pe: int) -> int:
        try:
            return _atomic(_FETCH, size, source, 0, 0, pe) & mask
        except FAILURES as exc:
            raise from_runtime(exc) from None

    def set_(dest: int, value: int, pe: int) -> None:
        try:
            _atomic(_SET, size, dest, encode(value), 0, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None

    def swap(dest: int, value: int, pe: int) -> int:
        try:
            return _atomic(_SWAP, size, dest, encode(value), 0, pe) & mask
        except FAILURES as exc:
            raise from_runtime(exc) from None

    def compare_swap(dest: int, cond: int, value: int, pe: int) -> int:
        try:
            return _atomic(_CSWAP, size, dest, encode(value), encode(cond), pe) & mask
        except FAILURES as exc:
            raise from_runtime(exc) from None

    def fetch_add(dest: int, value: int, pe: int) -> int:
        try:
            return _atomic(_FETCH_ADD, size, dest, encode(value), 0, pe) & mask
        except FAILURES as exc:
            raise from_runtime(exc) from None

    def add(dest: int, value: int, pe: int) -> None:
        try:
            _atomic(_ADD, size, dest, encode(value), 0, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None

    def fetch_inc(dest: int, pe: int) -> int:
        try:
            return _atomic(_FETCH_ADD, size, dest, 1, 0, pe) & mask
        except FAILURES as exc:
            raise from_runtime(exc) from None

    def inc(dest: int, pe: int) -> None:
        try:
            _atomic(_ADD, size, dest, 1, 0, pe)
        except FAILURES as exc:
            raise from_runtime(exc) from None

    return {"fetch": fetch, "set": set_, "swap": swap, "compare_swap": compare_swap, "fetch_add": fetch_add,
            "add": add, "fetch_inc": fetch_inc, "inc": inc}


def _build() -> dict[str, Callable[..., Any]]:
    names: dict[str, Callable[..., Any]] = {}
    for name, (size, signed) in _INTEGERS.items():
        names[f"shmem_{name}_p"] = _make_p(name, size, signed)
        names[f"shmem_{name}_g"] = _make_g(name, size, signed)
    for name, size in (("float", 4), ("double", 8)):
        names[f"shmem_{name}_p"], names[f"shmem_{name}_g"] = _make_float(name, size)
    for alias, base in _ATOMIC_TYPES.items():
        size, signed = _INTEGERS[base]
        for op, fn in _make_atomics(base, size, signed).items():
            fn.__name__ = f"shmem_{alias}_atomic_{op}"
            fn.__qualname__ = fn.__name__
            fn.__doc__ = f"Atomic {op.replace('_', ' ')} on a symmetric {base} of PE pe (OpenSHMEM semantics)."
            names[fn.__name__] = fn
    return names


_NAMES = _build()
globals().update(_NAMES)
__all__ = sorted(_NAMES)
