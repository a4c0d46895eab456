"""The model of C integer arithmetic the atomics tests check against, and the checks themselves.

The same definitions run in the test process (one PE) and in the PE processes of programs.amo."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import shmem

ATOMIC_TYPES = {"int32": (4, True), "int64": (8, True), "uint32": (4, False), "uint64": (8, False),
                "int": (4, True), "long": (8, True)}
ATOMIC_OPS = ["fetch", "set", "swap", "compare_swap", "fetch_add", "add", "fetch_inc", "inc"]
GUARD = 0xA5


def limits(size: int, signed: bool) -> tuple[int, int]:
    bits = 8 * size
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


def wrap(value: int, size: int, signed: bool) -> int:
    bits = 8 * size
    value &= (1 << bits) - 1
    return value - (1 << bits) if signed and value >= 1 << (bits - 1) else value


def fmt(size: int, signed: bool) -> str:
    return "<" + {4: "i", 8: "q"}[size] if signed else "<" + {4: "I", 8: "Q"}[size]


def check_atomics(name: str, base: int, pe: int) -> list[list[Any]]:
    """Runs every op of type name on the word at base + 16 of PE pe; returns a list of failures (empty: all good).

    base is a 64-byte symmetric block; the bytes around the word are guard bytes that no op may touch."""
    size, signed = ATOMIC_TYPES[name]
    lo, hi = limits(size, signed)
    op: dict[str, Callable[..., Any]] = {o: getattr(shmem, f"shmem_{name}_atomic_{o}") for o in ATOMIC_OPS}
    word = base + 16
    view = shmem.buffer(shmem.shmem_ptr(base, pe), 64)   # the target's memory, read directly
    view[:] = bytes([GUARD]) * 64
    failures: list[list[Any]] = []
    state = struct.unpack(fmt(size, signed), bytes(view[16:16 + size]))[0]

    def step(label: str, got: Any, want_return: Any, want_state: int) -> None:
        nonlocal state
        in_memory = struct.unpack(fmt(size, signed), bytes(view[16:16 + size]))[0]
        guards = bytes(view[:16]) + bytes(view[16 + size:])
        if got != want_return or in_memory != want_state or guards != bytes([GUARD]) * (64 - size):
            failures.append([name, pe, label, got, want_return, in_memory, want_state, guards.hex()])
        state = in_memory

    step("fetch of the guard pattern", op["fetch"](word, pe), state, state)
    step("set hi", op["set"](word, hi, pe), None, hi)
    step("fetch", op["fetch"](word, pe), hi, hi)
    step("swap lo", op["swap"](word, lo, pe), hi, lo)
    step("compare_swap, cond differs", op["compare_swap"](word, hi, 0, pe), lo, lo)
    step("compare_swap, cond equal", op["compare_swap"](word, lo, hi, pe), lo, hi)
    step("fetch_add 1 wraps", op["fetch_add"](word, 1, pe), hi, wrap(hi + 1, size, signed))
    step("add 5", op["add"](word, 5, pe), None, lo + 5)
    step("fetch_inc", op["fetch_inc"](word, pe), lo + 5, lo + 6)
    step("inc", op["inc"](word, pe), None, lo + 7)
    step("fetch_add hi", op["fetch_add"](word, hi, pe), lo + 7, wrap(lo + 7 + hi, size, signed))
    step("set 12345", op["set"](word, 12345, pe), None, 12345)
    if signed:
        step("fetch_add -12346", op["fetch_add"](word, -12346, pe), 12345, -1)
        step("compare_swap -1 -> lo", op["compare_swap"](word, -1, lo, pe), -1, lo)
        step("add -1 wraps", op["add"](word, -1, pe), None, hi)
    else:
        step("fetch_add hi (minus one)", op["fetch_add"](word, hi, pe), 12345, 12344)
        step("compare_swap 12344 -> hi", op["compare_swap"](word, 12344, hi, pe), 12344, hi)
        step("inc wraps to 0", op["inc"](word, pe), None, 0)
    step("swap 0", op["swap"](word, 0, pe), state, 0)
    return failures


TYPED = {"char": (1, True), "int8": (1, True), "int16": (2, True), "int32": (4, True), "int64": (8, True),
         "uint8": (1, False), "uint16": (2, False), "uint32": (4, False), "uint64": (8, False)}
FLOAT32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
FLOAT32_TINY = struct.unpack("<f", b"\x01\x00\x00\x00")[0]        # the smallest subnormal
FLOATS = {"float": [0.0, -0.0, 1.5, -2.25, FLOAT32_MAX, -FLOAT32_MAX, 1.1754943508222875e-38, FLOAT32_TINY,
                    float("inf"), float("-inf"), float("nan")],
          "double": [0.0, -0.0, 0.1, -1e300, 1.7976931348623157e308, 2.2250738585072014e-308, 5e-324,
                     float("inf"), float("-inf"), float("nan")]}


def typed_values(name: str) -> list[int]:
    size, signed = TYPED[name]
    lo, hi = limits(size, signed)
    return [lo, hi, 0, 1, hi // 3, lo + 1] + ([-1] if signed else [hi - 1])


def same_float(a: float, b: float) -> bool:
    return (a != a and b != b) or (a == b and struct.pack("<d", a) == struct.pack("<d", b))


def check_typed(base: int, pe: int) -> list[list[Any]]:
    """Round-trips every value of every typed _p/_g through PE pe's block at base (>= 64 bytes); returns failures.

    Each value is written at an unaligned offset between guard bytes; the bytes in memory are checked too."""
    view = shmem.buffer(shmem.shmem_ptr(base, pe), 64)
    failures: list[list[Any]] = []
    for name, (size, signed) in TYPED.items():
        put, get = getattr(shmem, f"shmem_{name}_p"), getattr(shmem, f"shmem_{name}_g")
        for value in typed_values(name):
            view[:] = bytes([GUARD]) * 64
            put(base + 3, value, pe)
            raw = bytes(view[3:3 + size])
            got = get(base + 3, pe)
            guards = bytes(view[:3]) + bytes(view[3 + size:])
            if got != value or raw != value.to_bytes(size, "little", signed=signed) or \
                    guards != bytes([GUARD]) * (64 - size):
                failures.append([name, pe, value, got, raw.hex(), guards.hex()])
    for name, values in FLOATS.items():
        size, code = (4, "<f") if name == "float" else (8, "<d")
        put, get = getattr(shmem, f"shmem_{name}_p"), getattr(shmem, f"shmem_{name}_g")
        for value in values:
            view[:] = bytes([GUARD]) * 64
            put(base + 8, value, pe)
            got = get(base + 8, pe)
            raw = bytes(view[8:8 + size])
            want = struct.unpack(code, struct.pack(code, value))[0]
            guards = bytes(view[:8]) + bytes(view[8 + size:])
            if not same_float(got, want) or not same_float(struct.unpack(code, raw)[0], want) or \
                    guards != bytes([GUARD]) * (64 - size):
                failures.append([name, pe, repr(value), repr(got), raw.hex()])
    # char also takes a one-character str or bytes, and reads back as an int (C's signed char)
    chars: list[tuple[str | bytes, int]] = [("A", 65), (b"A", 65), (b"\xff", -1), ("\x7f", 127), ("\x80", -128),
                                            (b"\x00", 0)]
    for char, want in chars:
        shmem.shmem_char_p(base + 5, char, pe)
        got = shmem.shmem_char_g(base + 5, pe)
        if got != want or bytes(view[5:6]) != bytes([want & 0xFF]):
            failures.append(["char", pe, repr(char), got, want])
    return failures
