"""The point-to-point synchronisation family (aclshmem_<T>_wait*, aclshmem_<T>_test*) and aclshmem_sync/_barrier.

What is checked: every listed type compares as its type (signed, unsigned, float) through every form; status masks
leave variables out; the _any forms answer SIZE_MAX and the _some forms 0 for an empty or unsatisfied set; res_out
is written as Ascend's binding writes it (a C int for _test and _test_all_vector, a size_t otherwise) and the result
is returned too; Ascend's parameter names work as keywords; bad values and addresses are errors, never crashes. On
real 2-PE jobs: a sleeping waiter of every kind is woken by a put of its own PE, a peer's put (MTE and SDMA), a
peer's atomic, and a network delivery (ROCE); an idle wait uses almost no CPU; a wait ends with -6 when a PE dies."""

from __future__ import annotations

import struct

import numpy as np
import pytest
import shmem
import spmd

EQ, NE, GT, GE, LT, LE = (shmem.SHMEM_CMP_EQ, shmem.SHMEM_CMP_NE, shmem.SHMEM_CMP_GT, shmem.SHMEM_CMP_GE,
                          shmem.SHMEM_CMP_LT, shmem.SHMEM_CMP_LE)
SIZE_MAX = (1 << 64) - 1
TYPES = {  # name -> NumPy dtype
    "char": np.int8, "float": np.float32, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "int8": np.int8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64, "uint8": np.uint8,
}
FORMS = ["wait", "wait_until", "wait_until_all", "wait_until_any", "wait_until_some", "wait_until_all_vector",
         "wait_until_any_vector", "wait_until_some_vector", "test", "test_any", "test_some", "test_all_vector",
         "test_any_vector", "test_some_vector", "test_all"]


def fn(type_name: str, form: str):
    return getattr(shmem, f"aclshmem_{type_name}_{form}")


def view(addr: int, dtype, n: int) -> np.ndarray:
    return np.frombuffer(shmem.buffer(addr, np.dtype(dtype).itemsize * n), dtype=dtype, count=n)


def test_every_name_exists_for_every_type():
    for name in TYPES:
        for form in FORMS:
            assert callable(fn(name, form)), f"aclshmem_{name}_{form}"
    for name in ("aclshmem_barrier", "aclshmem_barrier_all", "aclshmem_sync", "aclshmem_sync_all",
                 "aclshmem_signal_wait_until"):
        assert callable(getattr(shmem, name))


@pytest.mark.parametrize("name", list(TYPES))
def test_each_type_compares_as_its_type(heap, name):
    dtype = TYPES[name]
    if name == "float":
        lo, hi = -1.5, 2.5
    else:
        lo, hi = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
    v = view(heap, dtype, 4)
    v[:] = [lo, hi, 1, hi]
    res = np.zeros(1, dtype=np.int32)
    assert fn(name, "test")(heap, LT, 0, res) == (1 if lo < 0 else 0)
    assert res[0] == (1 if lo < 0 else 0)
    size = np.dtype(dtype).itemsize
    assert fn(name, "test")(heap + size, EQ, hi) == 1
    assert fn(name, "test")(heap + size, GT, lo) == 1
    assert fn(name, "test")(heap + 2 * size, LE, 1) == 1
    # Neighbours (all bits set in signed and unsigned maxima) do not leak into narrow variables.
    assert fn(name, "test")(heap + 2 * size, EQ, 1) == 1
    idx = np.zeros(4, dtype=np.uint64)
    res64 = np.zeros(1, dtype=np.uint64)
    assert fn(name, "test_some")(heap, 4, idx, None, EQ, hi, res64) == 2
    assert idx[:2].tolist() == [1, 3] and res64[0] == 2
    assert fn(name, "test_any")(heap, 4, [0, 1, 0, 0], EQ, hi, res64) == 3 and res64[0] == 3
    assert fn(name, "test_any")(heap, 4, [0, 1, 0, 1], EQ, hi) == SIZE_MAX
    assert fn(name, "test_all_vector")(heap, 4, None, EQ, [lo, hi, 1, hi]) == 1
    assert fn(name, "test_all_vector")(heap, 4, None, EQ, [lo, hi, 1, 0]) == 0
    assert fn(name, "test_all_vector")(heap, 4, [0, 0, 0, 1], EQ, [lo, hi, 1, 0]) == 1
    assert fn(name, "test_all")(heap, 4, [1, 0, 1, 0], EQ, hi) == 1
    # Waits already satisfied return at once, with the same answers.
    assert fn(name, "wait_until")(heap + size, EQ, hi) is None
    assert fn(name, "wait")(heap + size, 0) is None
    assert fn(name, "wait_until_all")(heap, 4, [1, 0, 1, 0], EQ, hi) is None
    assert fn(name, "wait_until_any")(heap, 4, None, EQ, hi, res64) == 1 and res64[0] == 1
    assert fn(name, "wait_until_some_vector")(heap, 4, idx, None, NE, [lo, lo, lo, lo], res64) == 3
    assert idx[:3].tolist() == [1, 2, 3]


def test_set_semantics_masks_and_empty_sets(heap):
    v = view(heap, np.int32, 4)
    v[:] = [5, 1, 5, 7]
    idx = np.zeros(4, dtype=np.uint64)
    t = shmem.aclshmem_int32_test_some
    assert t(heap, 4, idx, None, EQ, 5) == 2 and idx[:2].tolist() == [0, 2]
    assert t(heap, 4, idx, [1, 0, 0, 0], EQ, 5) == 1 and idx[0] == 2
    assert t(heap, 4, idx, np.array([1, 0, 1, 0], dtype=np.int32), EQ, 5) == 0
    assert shmem.aclshmem_int32_test_any(heap, 4, [1, 1, 1, 1], EQ, 5) == SIZE_MAX
    assert shmem.aclshmem_int32_test_any(heap, 0, None, EQ, 5) == SIZE_MAX
    assert shmem.aclshmem_int32_test_all(heap, 0, None, EQ, 99) == 1
    # Empty wait sets end at once (OpenSHMEM 1.5): any -> SIZE_MAX, some -> 0, all -> returns.
    assert shmem.aclshmem_int32_wait_until_any(heap, 4, [1, 1, 1, 1], EQ, 99) == SIZE_MAX
    assert shmem.aclshmem_int32_wait_until_some(heap, 4, idx, [1, 1, 1, 1], EQ, 99) == 0
    assert shmem.aclshmem_int32_wait_until_all(heap, 4, [1, 1, 1, 1], EQ, 99) is None
    # Status given as an address of C ints, cmp_values as an address of the type's values.
    status = np.array([1, 1, 0, 1], dtype=np.int32)
    values = np.array([0, 0, 5, 0], dtype=np.int32)
    assert shmem.aclshmem_int32_test_any_vector(heap, 4, status.ctypes.data, EQ, values.ctypes.data) == 2
    # ivars may be a buffer over the heap (a view of it, a shmem.array).
    assert shmem.aclshmem_int32_test_any(v[1:], 3, None, EQ, 7) == 2
    arr = shmem.array(4, "int16")
    arr[:] = [0, 0, 3, 0]
    assert shmem.aclshmem_int16_wait_until_any(arr, 4, None, GT, 2) == 2
    shmem.shmem_free(arr)


def test_res_out_is_written_as_ascend_writes_it(heap):
    v = view(heap, np.int64, 2)
    v[:] = [3, 4]
    out = np.full(2, -1, dtype=np.int32)  # _test writes one C int: the second stays untouched
    shmem.aclshmem_int64_test(ivar=heap, cmp=EQ, cmp_value=3, res_out=out.ctypes.data)
    assert out.tolist() == [1, -1]
    shmem.aclshmem_int64_test_all_vector(ivars=heap, nelems=2, status=None, cmp=EQ, cmp_values=[3, 4], res_out=out)
    assert out.tolist() == [1, -1]
    wide = np.zeros(1, dtype=np.uint64)
    shmem.aclshmem_int64_test_any(ivars=heap, nelems=2, status=None, cmp=EQ, cmp_value=9, res_out=wide)
    assert wide[0] == SIZE_MAX
    idx = np.zeros(2, dtype=np.uint64)
    shmem.aclshmem_int64_wait_until_some(ivars=heap, nelems=2, indices=idx, status=None, cmp=GE, cmp_value=4,
                                         res_out=wide)
    assert wide[0] == 1 and idx[0] == 1


def test_char_takes_characters_and_float_compares_floats(heap):
    shmem.buffer(heap, 2)[:] = b"A\xff"
    assert shmem.aclshmem_char_test(heap, EQ, "A") == 1
    assert shmem.aclshmem_char_test(heap + 1, EQ, -1) == 1
    assert shmem.aclshmem_uint8_test(heap + 1, EQ, 255) == 1
    shmem.buffer(heap + 4, 4)[:] = struct.pack("<f", 0.1)
    assert shmem.aclshmem_float_test(heap + 4, EQ, 0.1) == 1  # compared as float32
    assert shmem.aclshmem_float_test(heap + 4, GT, 0.099) == 1


@pytest.mark.parametrize("call, code", [
    (lambda h: shmem.aclshmem_int32_test(h, 6, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int32_test(h, -1, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int8_test(h, EQ, 128), shmem.SHMEM_INVALID_VALUE),
    (lambda h: shmem.aclshmem_uint64_test(h, EQ, -1), shmem.SHMEM_INVALID_VALUE),
    (lambda h: shmem.aclshmem_uint64_test(h, EQ, 1 << 64), shmem.SHMEM_INVALID_VALUE),
    (lambda h: shmem.aclshmem_float_test(h, EQ, 1e39), shmem.SHMEM_INVALID_VALUE),
    (lambda h: shmem.aclshmem_int32_test(h + 2, EQ, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int64_wait_until(h + 4, EQ, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int32_test(8, EQ, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int32_test_all(h, 1 << 40, None, EQ, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int32_test_all(h, -1, None, EQ, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int32_test_all(h, 2, 8, EQ, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int32_test_any(h, 2, None, EQ, 0, 16), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int32_test_some(h, 2, 0, None, EQ, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int32_test_some(h, 2, 24, None, EQ, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int32_test_all_vector(h, 2, None, EQ, 32), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int32_test_all(h, 4, [0], EQ, 0), shmem.SHMEM_INVALID_PARAM),
])
def test_bad_arguments_are_errors(heap, call, code):
    with pytest.raises(shmem.ShmemError) as info:
        call(heap)
    assert info.value.code == code


@pytest.mark.parametrize("call, code", [
    (lambda h: shmem.aclshmem_int32_test(1 << 64, EQ, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int32_test(h, 1 << 70, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int32_test_all(h, 1 << 64, None, EQ, 0), shmem.SHMEM_INVALID_PARAM),
    (lambda h: shmem.aclshmem_int8_test_all_vector(h, 2, None, EQ, [1, 300]), shmem.SHMEM_INVALID_VALUE),
    (lambda h: shmem.aclshmem_float_test_all_vector(h, 2, None, EQ, [1.0, 1e39]), shmem.SHMEM_INVALID_VALUE),
    (lambda h: shmem.aclshmem_int32_test_all(h, 2, [0, 1 << 40], EQ, 0), shmem.SHMEM_INVALID_VALUE),
])
def test_huge_values_are_errors_not_overflow(heap, call, code):
    with pytest.raises(shmem.ShmemError) as info:
        call(heap)
    assert info.value.code == code


def test_bad_types_are_type_errors(heap):
    with pytest.raises(TypeError):
        shmem.aclshmem_int32_test(heap, EQ, "x")
    with pytest.raises(TypeError):
        shmem.aclshmem_int32_test(heap, EQ, 1.5)
    with pytest.raises(TypeError):
        shmem.aclshmem_int32_test_all(heap, "2", None, EQ, 0)
    with pytest.raises(TypeError):
        shmem.aclshmem_float_test(heap, EQ, "1.0")


def test_sync_and_barrier_on_one_pe(heap):
    shmem.aclshmem_sync_all()
    shmem.aclshmem_sync(shmem.SHMEM_TEAM_WORLD)
    shmem.aclshmem_barrier_all()
    shmem.aclshmem_barrier(team=shmem.SHMEM_TEAM_WORLD)
    with pytest.raises(shmem.ShmemError):
        shmem.aclshmem_sync(12345)
    shmem.buffer(heap, 4)[:] = (5).to_bytes(4, "little")
    assert shmem.aclshmem_signal_wait_until(sig_addr=heap, cmp=EQ, cmp_val=5) == 5


# ---------------------------------------------------------------------------------------------------------------
# Real 2-PE jobs: a sleeping waiter of every kind, every kind of store.

WAITERS = ["wait", "wait_until", "wait_until_all", "wait_until_any", "wait_until_some", "wait_until_all_vector",
           "wait_until_any_vector", "wait_until_some_vector", "signal_wait_until"]
MTE, SDMA, ROCE = (int(shmem.OpEngineType.MTE), int(shmem.OpEngineType.SDMA), int(shmem.OpEngineType.ROCE))


@pytest.mark.parametrize("writer, engine", [
    ("local", MTE),  # a put of the waiting PE itself, from another thread
    ("put", MTE),  # a same-host peer's direct store
    ("put", SDMA),  # a same-host peer's copy-engine workers
    ("atomic", MTE),  # a same-host peer's atomic
    ("put", ROCE),  # a network delivery
    ("atomic", ROCE),  # a network atomic
], ids=["local-put", "peer-put-mte", "peer-put-sdma", "peer-atomic", "network-put", "network-atomic"])
def test_every_waiter_is_woken_by_every_store(writer, engine):
    pe0 = spmd.run_module(2, "waker", writer, str(engine), "0.3", timeout=240)[0]
    results = pe0.report
    assert sorted(results) == sorted(WAITERS)
    # Atomics set the variables one by one, so a wait may end before the last: check each wait's own condition on
    # the values it saw after it returned.
    for waiter in ("wait", "wait_until", "signal_wait_until"):
        assert results[waiter]["values"][0] == 7, (waiter, results[waiter])
    assert results["signal_wait_until"]["got"] == 7
    v = results["wait_until_all"]["values"]
    assert [v[0], v[1], v[3]] == [7, 7, 7], results["wait_until_all"]  # entry 2 is masked out
    assert results["wait_until_all_vector"]["values"] == [7, 7, 7, 7]
    for waiter in ("wait", "wait_until", "wait_until_all", "wait_until_all_vector"):
        assert results[waiter]["got"] is None, waiter
    for waiter in ("wait_until_any", "wait_until_any_vector"):
        r = results[waiter]
        assert 0 <= r["got"] < 4 and r["values"][r["got"]] == 7, (waiter, r)
    assert results["wait_until_any_vector"]["got"] != 0  # entry 0 is masked out
    for waiter in ("wait_until_some", "wait_until_some_vector"):
        r = results[waiter]
        assert 1 <= r["got"] <= 4, (waiter, r)
        assert all(r["values"][i] == 7 for i in r["indices"][:r["got"]]), (waiter, r)
        assert r["indices"][:r["got"]] == sorted(r["indices"][:r["got"]]), (waiter, r)
    if writer != "atomic":  # one put writes all four: every wait sees all of them
        for waiter, r in results.items():
            assert r["values"] == [7, 7, 7, 7], (waiter, r)
        assert results["wait_until_any"]["got"] == 0
        assert results["wait_until_some"]["got"] == 4 and results["wait_until_some"]["indices"] == [0, 1, 2, 3]


def test_an_idle_wait_sleeps():
    """A 2 s wait that nothing satisfies until the end: the waiting process uses a small part of one CPU (a
    behaviour check with a loose bound: a spinning waiter would use ~100%)."""
    pe0 = spmd.run_module(2, "waker", "put", str(MTE), "2.0", "wait_until", "wait_until_some_vector",
                          timeout=120)[0]
    for waiter, r in pe0.report.items():
        assert r["wall"] >= 1.5, (waiter, r)
        assert r["cpu"] < 0.2 * r["wall"], (waiter, r)
