"""Atomics on symmetric 32/64-bit integers and typed single-element put/get, on this PE and on real peer processes.

Every op of every type is checked against a model of C integer arithmetic (old values returned, the word left in
memory, wrap-around at the type's limits, the neighbouring bytes untouched); concurrent fetch_add gives unique
tickets and an exact total; a compare_swap lock makes a non-atomic read-modify-write exact; _p/_g round-trip the
extremes of each C type; bad values, types, addresses and PEs give the documented errors."""

from __future__ import annotations

import math
import struct
import sys
import textwrap

import pytest
import shmem
import spmd

# The checks run both here (one PE) and inside PE processes, so they are one piece of source, executed in both.
MODEL = r'''
import struct
import shmem

ATOMIC_TYPES = {"int32": (4, True), "int64": (8, True), "uint32": (4, False), "uint64": (8, False),
                "int": (4, True), "long": (8, True)}
ATOMIC_OPS = ["fetch", "set", "swap", "compare_swap", "fetch_add", "add", "fetch_inc", "inc"]
GUARD = 0xA5


def limits(size, signed):
    bits = 8 * size
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


def wrap(value, size, signed):
    bits = 8 * size
    value &= (1 << bits) - 1
    return value - (1 << bits) if signed and value >= 1 << (bits - 1) else value


def fmt(size, signed):
    return "<" + {4: "i", 8: "q"}[size] if signed else "<" + {4: "I", 8: "Q"}[size]


def check_atomics(name, base, pe):
    """Runs every op of type name on the word at base + 16 of PE pe; returns a list of failures (empty: all good).

    base is a 64-byte symmetric block; the bytes around the word are guard bytes that no op may touch."""
    size, signed = ATOMIC_TYPES[name]
    lo, hi = limits(size, signed)
    op = {o: getattr(shmem, f"shmem_{name}_atomic_{o}") for o in ATOMIC_OPS}
    word = base + 16
    view = shmem.buffer(shmem.shmem_ptr(base, pe), 64)   # the target's memory, read directly
    view[:] = bytes([GUARD]) * 64
    failures = []
    state = struct.unpack(fmt(size, signed), bytes(view[16:16 + size]))[0]

    def step(label, got, want_return, want_state):
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


def typed_values(name):
    size, signed = TYPED[name]
    lo, hi = limits(size, signed)
    return [lo, hi, 0, 1, hi // 3, lo + 1] + ([-1] if signed else [hi - 1])


def same_float(a, b):
    return (a != a and b != b) or (a == b and struct.pack("<d", a) == struct.pack("<d", b))


def check_typed(base, pe):
    """Round-trips every value of every typed _p/_g through PE pe's block at base (>= 64 bytes); returns failures.

    Each value is written at an unaligned offset between guard bytes; the bytes in memory are checked too."""
    view = shmem.buffer(shmem.shmem_ptr(base, pe), 64)
    failures = []
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
    for value, want in [("A", 65), (b"A", 65), (b"\xff", -1), ("\x7f", 127), ("\x80", -128), (b"\x00", 0)]:
        shmem.shmem_char_p(base + 5, value, pe)
        got = shmem.shmem_char_g(base + 5, pe)
        if got != want or bytes(view[5:6]) != bytes([want & 0xFF]):
            failures.append(["char", pe, repr(value), got, want])
    return failures
'''

exec(MODEL)  # noqa: S102 - the same definitions here and in the PE processes

PRELUDE = """
import os, struct, time
import shmem

def init(mem=1 << 20):
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(RANK, NPES, mem, IP_PORT, attr) == 0
    assert shmem.shmem_init(RANK, NPES, mem) == 0
"""


def run(n: int, body: str, **kw):
    return spmd.run(n, MODEL + PRELUDE + textwrap.dedent(body), **kw)


# ---------------------------------------------------------------------------------------------------------------
# One PE, in this process


def test_every_atomic_name_exists():
    for name in ATOMIC_TYPES:  # noqa: F821 - defined by exec(MODEL)
        for op in ATOMIC_OPS:  # noqa: F821
            fn = getattr(shmem, f"shmem_{name}_atomic_{op}")
            assert fn.__name__ == f"shmem_{name}_atomic_{op}"
    for name in [*TYPED, "float", "double"]:  # noqa: F821
        assert callable(getattr(shmem, f"shmem_{name}_p")) and callable(getattr(shmem, f"shmem_{name}_g"))


@pytest.mark.parametrize("name", ["int32", "int64", "uint32", "uint64", "int", "long"])
def test_every_op_on_self(heap, name):
    assert check_atomics(name, heap, 0) == []  # noqa: F821


def test_aliases_are_the_same_width(heap):
    shmem.shmem_int64_atomic_set(heap, -1, 0)
    shmem.shmem_int_atomic_set(heap, 7, 0)  # int is int32: only the low half changes
    assert shmem.shmem_int64_atomic_fetch(heap, 0) == (0xFFFFFFFF << 32 | 7) - (1 << 64)
    shmem.shmem_long_atomic_set(heap, 1 << 40, 0)  # long is int64
    assert shmem.shmem_int64_atomic_fetch(heap, 0) == 1 << 40
    assert shmem.shmem_uint32_atomic_fetch(heap + 4, 0) == 1 << 8


def test_typed_put_get_round_trip_on_self(heap):
    assert check_typed(heap, 0) == []  # noqa: F821


def test_float_accepts_an_int_and_rounds_to_float32(heap):
    shmem.shmem_float_p(heap, 3, 0)
    assert shmem.shmem_float_g(heap, 0) == 3.0
    shmem.shmem_float_p(heap, 0.1, 0)
    assert shmem.shmem_float_g(heap, 0) == struct.unpack("<f", struct.pack("<f", 0.1))[0] != 0.1
    shmem.shmem_double_p(heap, 0.1, 0)
    assert shmem.shmem_double_g(heap, 0) == 0.1
    shmem.shmem_double_p(heap, -0.0, 0)
    assert math.copysign(1, shmem.shmem_double_g(heap, 0)) == -1


OUT_OF_RANGE = [("int8", 128), ("int8", -129), ("uint8", 256), ("uint8", -1), ("int16", 1 << 15),
                ("int16", -(1 << 15) - 1), ("uint16", 1 << 16), ("int32", 1 << 31), ("int32", -(1 << 31) - 1),
                ("uint32", 1 << 32), ("uint32", -1), ("int64", 1 << 63), ("int64", -(1 << 63) - 1),
                ("uint64", 1 << 64), ("uint64", -1), ("char", 128), ("char", -129)]


@pytest.mark.parametrize(("name", "value"), OUT_OF_RANGE)
def test_typed_put_of_an_out_of_range_value_is_invalid_value(heap, name, value):
    shmem.buffer(heap, 16)[:] = b"\x5a" * 16
    with pytest.raises(shmem.ShmemError) as err:
        getattr(shmem, f"shmem_{name}_p")(heap + 4, value, 0)
    assert err.value.code == shmem.SHMEM_INVALID_VALUE
    assert bytes(shmem.buffer(heap, 16)) == b"\x5a" * 16


def test_char_of_a_character_that_does_not_fit_a_byte_is_invalid_value(heap):
    shmem.shmem_char_p(heap, "x", 0)
    with pytest.raises(shmem.ShmemError) as err:
        shmem.shmem_char_p(heap, "\u20ac", 0)
    assert err.value.code == shmem.SHMEM_INVALID_VALUE
    assert shmem.shmem_char_g(heap, 0) == ord("x")


ATOMIC_OUT_OF_RANGE = [
    ("int32", "set", (1 << 31,)), ("int32", "fetch_add", (-(1 << 31) - 1,)), ("int", "swap", (1 << 31,)),
    ("uint32", "add", (-1,)), ("uint32", "set", (1 << 32,)), ("uint32", "compare_swap", (1 << 32, 0)),
    ("uint32", "compare_swap", (0, -1)), ("int64", "swap", (1 << 63,)), ("long", "fetch_add", (-(1 << 63) - 1,)),
    ("int64", "compare_swap", (1 << 63, 0)), ("uint64", "set", (1 << 64,)), ("uint64", "fetch_add", (-1,)),
]


@pytest.mark.parametrize(("name", "op", "args"), ATOMIC_OUT_OF_RANGE)
def test_atomic_of_an_out_of_range_value_is_invalid_value(heap, name, op, args):
    shmem.shmem_int64_atomic_set(heap, 42, 0)
    with pytest.raises(shmem.ShmemError) as err:
        getattr(shmem, f"shmem_{name}_atomic_{op}")(heap, *args, 0)
    assert err.value.code == shmem.SHMEM_INVALID_VALUE
    assert shmem.shmem_int64_atomic_fetch(heap, 0) == 42


@pytest.mark.parametrize("call", [
    lambda h: shmem.shmem_int32_p(h, "5", 0),
    lambda h: shmem.shmem_int8_p(h, "A", 0),  # only char takes a character
    lambda h: shmem.shmem_uint64_p(h, 1.0, 0),
    lambda h: shmem.shmem_char_p(h, "AB", 0),
    lambda h: shmem.shmem_char_p(h, b"", 0),
    lambda h: shmem.shmem_float_p(h, "1.0", 0),
    lambda h: shmem.shmem_double_p(h, None, 0),
    lambda h: shmem.shmem_int64_g("addr", 0),
    lambda h: shmem.shmem_int16_p(h, 1, "0"),
    lambda h: shmem.shmem_int64_atomic_add(h, "1", 0),
    lambda h: shmem.shmem_int32_atomic_set(h, 1.5, 0),
    lambda h: shmem.shmem_uint32_atomic_compare_swap(h, "0", 1, 0),
    lambda h: shmem.shmem_long_atomic_fetch("addr", 0),
    lambda h: shmem.shmem_int_atomic_inc(h, None),
], ids=lambda f: "")
def test_wrong_types_are_type_errors(heap, call):
    shmem.shmem_int64_atomic_set(heap, 42, 0)
    with pytest.raises(TypeError):
        call(heap)
    assert shmem.shmem_int64_atomic_fetch(heap, 0) == 42


@pytest.mark.parametrize("name", ["int32", "uint32", "int", "int64", "uint64", "long"])
@pytest.mark.parametrize("op", ["fetch", "set", "swap", "compare_swap", "fetch_add", "add", "fetch_inc", "inc"])
def test_unaligned_atomic_addresses_raise(heap, name, op):
    size = ATOMIC_TYPES[name][0]  # noqa: F821
    fn = getattr(shmem, f"shmem_{name}_atomic_{op}")
    args = {"fetch": (), "set": (1,), "swap": (1,), "compare_swap": (0, 1), "fetch_add": (1,), "add": (1,),
            "fetch_inc": (), "inc": ()}[op]
    shmem.buffer(heap, 32)[:] = bytes(32)
    for offset in [1, 2, size // 2, size + 3]:
        with pytest.raises(shmem.ShmemError) as err:
            fn(heap + offset, *args, 0)
        assert err.value.code == shmem.SHMEM_INVALID_PARAM, offset
    assert bytes(shmem.buffer(heap, 32)) == bytes(32)


def test_addresses_outside_the_heap_and_unknown_pes_raise(heap):
    assert shmem.shmem_ptr(heap + (1 << 20), 0) == 0  # the end of the heap
    outside = bytearray(64)
    import ctypes

    local = (ctypes.addressof(ctypes.c_char.from_buffer(outside)) + 7) & ~7
    calls = [lambda a, pe: shmem.shmem_int64_atomic_fetch(a, pe), lambda a, pe: shmem.shmem_int32_atomic_add(a, 1, pe),
             lambda a, pe: shmem.shmem_uint64_atomic_compare_swap(a, 0, 1, pe),
             lambda a, pe: shmem.shmem_int16_p(a, 1, pe), lambda a, pe: shmem.shmem_uint64_g(a, pe),
             lambda a, pe: shmem.shmem_double_p(a, 1.0, pe), lambda a, pe: shmem.shmem_float_g(a, pe)]
    for call in calls:
        for address, pe in [(local, 0), (-8, 0), (0, 0), (heap + (1 << 20), 0), (heap, 1), (heap, -1),
                            (heap, 1 << 20)]:
            with pytest.raises(shmem.ShmemError) as err:
                call(address, pe)
            assert err.value.code == shmem.SHMEM_INVALID_PARAM, (address - heap, pe)
    assert outside == bytearray(64)


def test_typed_calls_work_at_any_alignment_up_to_the_end_of_the_heap(heap):
    end = heap + (1 << 20)  # the block is the first in a 1 MiB heap:
    assert shmem.shmem_ptr(end - 8, 0) == end - 8 and shmem.shmem_ptr(end, 0) == 0
    shmem.shmem_int64_p(end - 8, -2, 0)
    assert shmem.shmem_int64_g(end - 8, 0) == -2
    shmem.shmem_uint16_p(end - 2, 0xBEEF, 0)
    assert shmem.shmem_uint16_g(end - 2, 0) == 0xBEEF
    with pytest.raises(shmem.ShmemError):
        shmem.shmem_int32_p(end - 2, 1, 0)
    for offset in range(8):
        shmem.shmem_int64_p(heap + offset, 0x0102030405060708, 0)
        assert shmem.shmem_int64_g(heap + offset, 0) == 0x0102030405060708


def test_calls_before_init_are_not_inited():
    calls = [lambda: shmem.shmem_int64_atomic_fetch(1 << 20, 0), lambda: shmem.shmem_uint32_atomic_inc(1 << 20, 0),
             lambda: shmem.shmem_int8_p(1 << 20, 1, 0), lambda: shmem.shmem_double_g(1 << 20, 0)]
    for call in calls:
        with pytest.raises(shmem.ShmemError) as err:
            call()
        assert err.value.code == shmem.SHMEM_NOT_INITED


# ---------------------------------------------------------------------------------------------------------------
# Several PEs


def test_every_op_and_typed_access_on_peers():
    # Each PE runs the whole model against the next PE's memory (and its own), all at once.
    results = run(3, """
        init()
        blocks = [shmem.shmem_malloc(64) for _ in range(2 * NPES)]
        shmem.shmem_barrier_all()
        peer = (RANK + 1) % NPES
        failures = []
        for name in ATOMIC_TYPES:
            failures += check_atomics(name, blocks[RANK], peer)        # my block on the next PE
            failures += check_atomics(name, blocks[NPES + RANK], RANK)  # my second block here
        failures += check_typed(blocks[RANK], peer)
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()
        report(failures)
    """, timeout=50)
    for pe in results:
        assert pe.report == [], f"PE {pe.rank}: {pe.report[:5]}"


def test_four_pes_fetch_add_on_one_counter_exact_sum_unique_tickets():
    results = run(4, """
        N = 2000
        init()
        counter64 = shmem.shmem_malloc(64)
        counter32 = shmem.shmem_malloc(64)
        shmem.shmem_barrier_all()
        tickets64, tickets32 = [], []
        for _ in range(N):
            tickets64.append(shmem.shmem_int64_atomic_fetch_add(counter64, 1, 0))
            tickets32.append(shmem.shmem_uint32_atomic_fetch_inc(counter32, 0))
        shmem.shmem_barrier_all()
        totals = [shmem.shmem_long_atomic_fetch(counter64, 0), shmem.shmem_uint32_atomic_fetch(counter32, 0)]
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()
        report([tickets64, tickets32, totals])
    """, timeout=50)
    for index in (0, 1):
        tickets = [t for pe in results for t in pe.report[index]]
        assert sorted(tickets) == list(range(8000)), "tickets are not exactly 0..7999 once each"
        for pe in results:  # each PE's own tickets increase
            assert pe.report[index] == sorted(pe.report[index])
    assert all(pe.report[2] == [8000, 8000] for pe in results)


def test_compare_swap_lock_makes_a_plain_read_modify_write_exact():
    results = run(4, """
        N = 150
        init()
        lock = shmem.shmem_malloc(64)
        inside = shmem.shmem_malloc(64)
        counter = shmem.shmem_malloc(64)
        shmem.shmem_barrier_all()
        me = RANK + 1
        violations, spins = [], 0
        for i in range(N):
            while shmem.shmem_int_atomic_compare_swap(lock, 0, me, 0) != 0:
                spins += 1
                os.sched_yield()
            if shmem.shmem_int32_atomic_fetch_inc(inside, 0) != 0:
                violations.append(i)                 # someone else is inside too
            value = shmem.shmem_int64_g(counter, 0)  # not atomic: only the lock makes this exact
            os.sched_yield()                         # widen the window a broken lock would leave open
            shmem.shmem_int64_p(counter, value + 1, 0)
            shmem.shmem_int32_atomic_add(inside, -1, 0)
            if shmem.shmem_int_atomic_swap(lock, 0, 0) != me:
                violations.append(-i)
        shmem.shmem_barrier_all()
        final = shmem.shmem_int64_g(counter, 0)
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()
        report([violations, final, spins])
    """, timeout=50)
    for pe in results:
        violations, final, _ = pe.report
        assert violations == [], f"PE {pe.rank} broke mutual exclusion at {violations[:5]}"
        assert final == 4 * 150


def test_atomic_writes_wake_a_sleeping_signal_waiter():
    # A signal word is a 32-bit integer: atomics from a peer change it, and a PE asleep on it sees each value. That
    # the write's futex wake (not the sleeper's periodic re-check) ends the wait is counted in Go
    # (gopkg/internal/signal TestEveryWriteWakesSleepers); wake-up latency is measured in bench/, not asserted here.
    results = run(2, """
        init()
        sig = shmem.shmem_malloc(64)
        shmem.shmem_barrier_all()
        out = []
        steps = [lambda: shmem.shmem_int32_atomic_set(sig, 1, 0),
                 lambda: shmem.shmem_int_atomic_add(sig, 1, 0),
                 lambda: shmem.shmem_int32_atomic_fetch_inc(sig, 0),
                 lambda: shmem.shmem_int32_atomic_swap(sig, 4, 0),
                 lambda: shmem.shmem_int_atomic_compare_swap(sig, 4, 5, 0),
                 lambda: shmem.shmem_uint32_atomic_inc(sig, 0)]
        for i, step in enumerate(steps, 1):
            if RANK == 0:
                out.append(shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_EQ, i))
            else:
                time.sleep(0.1)  # lets PE 0 fall asleep: not a bound on anything
                out.append(step())
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()
        report(out)
    """, timeout=40)
    woken, returned = results[0].report, results[1].report
    assert woken == [1, 2, 3, 4, 5, 6]
    assert returned == [None, None, 2, 3, 4, None]


def test_model_is_sound():
    # The model itself: wrap-around and limits as C defines them for these widths.
    assert wrap((1 << 31) - 1 + 1, 4, True) == -(1 << 31)  # noqa: F821
    assert wrap(-1, 8, False) == (1 << 64) - 1  # noqa: F821
    assert limits(1, True) == (-128, 127) and limits(2, False) == (0, 65535)  # noqa: F821
    assert sys.byteorder == "little"  # the byte checks assume it, as the runtime's typed calls do
