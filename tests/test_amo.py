"""Atomics on symmetric 32/64-bit integers and typed single-element put/get, on this PE and on real peer processes.

Every op of every type is checked against a model of C integer arithmetic (old values returned, the word left in
memory, wrap-around at the type's limits, the neighbouring bytes untouched); concurrent fetch_add gives unique
tickets and an exact total; a compare_swap lock makes a non-atomic read-modify-write exact; _p/_g round-trip the
extremes of each C type; bad values, types, addresses and PEs give the documented errors."""

from __future__ import annotations

import math
import struct
import sys

import pytest
import shmem
import spmd

# The checks run both here (one PE) and inside the PE processes of programs.amo: one module, imported by both.
from programs.amo_model import ATOMIC_OPS, ATOMIC_TYPES, TYPED, check_atomics, check_typed, limits, wrap

# ---------------------------------------------------------------------------------------------------------------
# One PE, in this process


def test_every_atomic_name_exists():
    for name in ATOMIC_TYPES:
        for op in ATOMIC_OPS:
            fn = getattr(shmem, f"shmem_{name}_atomic_{op}")
            assert fn.__name__ == f"shmem_{name}_atomic_{op}"
    for name in [*TYPED, "float", "double"]:
        assert callable(getattr(shmem, f"shmem_{name}_p")) and callable(getattr(shmem, f"shmem_{name}_g"))


@pytest.mark.parametrize("name", ["int32", "int64", "uint32", "uint64", "int", "long"])
def test_every_op_on_self(heap, name):
    assert check_atomics(name, heap, 0) == []


def test_aliases_are_the_same_width(heap):
    shmem.shmem_int64_atomic_set(heap, -1, 0)
    shmem.shmem_int_atomic_set(heap, 7, 0)  # int is int32: only the low half changes
    assert shmem.shmem_int64_atomic_fetch(heap, 0) == (0xFFFFFFFF << 32 | 7) - (1 << 64)
    shmem.shmem_long_atomic_set(heap, 1 << 40, 0)  # long is int64
    assert shmem.shmem_int64_atomic_fetch(heap, 0) == 1 << 40
    assert shmem.shmem_uint32_atomic_fetch(heap + 4, 0) == 1 << 8


def test_typed_put_get_round_trip_on_self(heap):
    assert check_typed(heap, 0) == []


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
    size = ATOMIC_TYPES[name][0]
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
    results = spmd.run_module(3, "amo", "peers", timeout=50)
    for pe in results:
        assert pe.report == [], f"PE {pe.rank}: {pe.report[:5]}"


def test_four_pes_fetch_add_on_one_counter_exact_sum_unique_tickets():
    results = spmd.run_module(4, "amo", "tickets", timeout=50)
    for index in (0, 1):
        tickets = [t for pe in results for t in pe.report[index]]
        assert sorted(tickets) == list(range(8000)), "tickets are not exactly 0..7999 once each"
        for pe in results:  # each PE's own tickets increase
            assert pe.report[index] == sorted(pe.report[index])
    assert all(pe.report[2] == [8000, 8000] for pe in results)


def test_compare_swap_lock_makes_a_plain_read_modify_write_exact():
    results = spmd.run_module(4, "amo", "lock", timeout=50)
    for pe in results:
        violations, final, _ = pe.report
        assert violations == [], f"PE {pe.rank} broke mutual exclusion at {violations[:5]}"
        assert final == 4 * 150


def test_atomic_writes_wake_a_sleeping_signal_waiter():
    # A signal word is a 32-bit integer: atomics from a peer change it, and a PE asleep on it sees each value. That
    # the write's futex wake (not the sleeper's periodic re-check) ends the wait is counted in Go
    # (gopkg/internal/signal TestEveryWriteWakesSleepers); wake-up latency is measured in bench/, not asserted here.
    results = spmd.run_module(2, "amo", "wake", timeout=40)
    woken, returned = results[0].report, results[1].report
    assert woken == [1, 2, 3, 4, 5, 6]
    assert returned == [None, None, 2, 3, 4, None]


def test_model_is_sound():
    # The model itself: wrap-around and limits as C defines them for these widths.
    assert wrap((1 << 31) - 1 + 1, 4, True) == -(1 << 31)
    assert wrap(-1, 8, False) == (1 << 64) - 1
    assert limits(1, True) == (-128, 127) and limits(2, False) == (0, 65535)
    assert sys.byteorder == "little"  # the byte checks assume it, as the runtime's typed calls do
