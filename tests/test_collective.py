"""Collectives over teams (broadcast, fcollect, alltoall, reductions) on real PE processes, checked against NumPy.

Every PE can compute every other PE's source (they are seeded by rank), so each one checks its own result against
the NumPy answer and reports the mismatches."""

import numpy as np
import pytest
import shmem
import spmd
from shmem import _collective as coll


def run(n: int, case: str, **kw) -> list:
    """Runs programs.collective's case on n PEs; every PE must report no mismatch."""
    results = spmd.run_module(n, "collective", case, **kw)
    for pe in results:
        assert pe.report == [], f"PE {pe.rank}: {pe.report}"
    return results


def test_every_op_and_dtype_on_four_pes():
    # 33 elements take the path where every PE reduces everything; 20011 the reduce-scatter + all-gather path
    # (the chunks do not divide evenly). Half of the calls run in place.
    run(4, "every_op", timeout=120)


@pytest.mark.parametrize("npes", [1, 2, 3])
def test_small_jobs_all_collectives_in_place_and_int_addresses(npes):
    run(npes, "small")


def test_eight_pes_world_strided_nested_and_2d_teams():
    run(8, "teams", timeout=180)


def test_errors_raise_on_every_member_without_hanging():
    run(3, "errors", timeout=60)


def test_argument_checks_in_process():
    """The facade's checks, on one PE in this process (nothing here reaches a barrier)."""
    with pytest.raises(shmem.ShmemError) as err:
        coll.reduce(0, 0, count=0, dtype="int32")
    assert err.value.code == shmem.SHMEM_NOT_INITED
    with pytest.raises(shmem.ShmemError) as err:
        coll.fcollect(np.zeros(4), np.zeros(4))
    assert err.value.code == shmem.SHMEM_NOT_INITED
    assert shmem.shmem_init(0, 1, 1 << 20) == 0
    try:
        a, b = shmem.array(16, "float64"), shmem.array(16, "float64")
        a[:] = np.arange(16)
        type_errors = [
            lambda: coll.reduce(a, shmem.array(16, "float32")),
            lambda: coll.reduce(a, b, op=1),
            lambda: coll.reduce(a, 0, count=1, dtype="float64"),
            lambda: coll.reduce(True, 0, count=1, dtype="float64"),
            lambda: coll.reduce(a.ctypes.data, b.ctypes.data),
            lambda: coll.reduce(a.ctypes.data, b.ctypes.data, count=16, dtype="complex64"),
            lambda: coll.broadcast(a.ctypes.data, b.ctypes.data, 0),
            lambda: coll.broadcast([1.0, 2.0], b, 0),
            lambda: coll.reduce(shmem.array(4, "complex64"), shmem.array(4, "complex64")),
            lambda: coll.reduce(shmem.array(4, "bool"), shmem.array(4, "bool"), "or"),
            lambda: coll.reduce(shmem.array(4, "float16"), shmem.array(4, "float16")),
            lambda: coll.reduce(*(shmem.array(4, ">i4") for _ in range(2))),
        ]
        for bad in type_errors:
            with pytest.raises(TypeError):
                bad()
        param_errors = [
            lambda: coll.reduce(a, b, "nope"),
            lambda: coll.reduce(a.reshape(4, 4), b),
            lambda: coll.reduce(a[::2], b[:8]),
            lambda: coll.broadcast(a, np.arange(16.0), 0),
            lambda: coll.broadcast(a, b, 1),
            lambda: coll.broadcast(a.ctypes.data, b.ctypes.data, 0, nbytes=-8),
            lambda: coll.broadcast(-64, b.ctypes.data, 0, nbytes=8),
            lambda: coll.fcollect(a, b[:8]),
            lambda: coll.fcollect(a, b, team=99),
            lambda: coll.alltoall(a, b, team=-1),
            lambda: coll.reduce(a.ctypes.data + 1, b.ctypes.data, count=2, dtype="float64"),
            lambda: coll.reduce(a.ctypes.data, b.ctypes.data, count=1 << 40, dtype="float64"),
            lambda: coll.reduce(np.frombuffer(bytes(a), "float64"), b),
        ]
        for k, bad in enumerate(param_errors):
            with pytest.raises(shmem.ShmemError) as err:
                bad()
            assert err.value.code == shmem.SHMEM_INVALID_PARAM, k
        for op in ("and", "or", "xor"):
            with pytest.raises(shmem.ShmemError) as err:
                getattr(coll, f"{op}_reduce")(a, b)
            assert err.value.code == shmem.SHMEM_INVALID_PARAM and "float64" in str(err.value)
        # one PE: every collective is a copy
        coll.sum_reduce(b, a)
        assert np.array_equal(b, np.arange(16.0))
        b[:] = 0
        coll.fcollect(b, a)
        assert np.array_equal(b, a)
        coll.alltoall(b, a)
        assert np.array_equal(b, a)
        assert coll.shmem_prod_reduce is coll.prod_reduce and coll.shmem_reduce is coll.reduce
    finally:
        shmem.shmem_finialize()
