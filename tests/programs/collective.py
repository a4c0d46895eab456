"""Collectives over teams checked against NumPy (tests/test_collective.py): ``python -m programs.collective <case>``.

Every PE can compute every other PE's source (they are seeded by rank), so each checks its own result against the
NumPy answer; each case reports the list of mismatches (empty: all good)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import shmem
from shmem import _collective as coll

from programs.pe import NPES, RANK, dispatch, report

W, INVALID = shmem.SHMEM_TEAM_WORLD, shmem.SHMEM_TEAM_INVALID
UFUNCS: dict[str, Any] = {"sum": np.add, "prod": np.multiply, "min": np.minimum, "max": np.maximum,
                          "and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor}
DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"]
BAD: list[str] = []
# Workspaces allocated once by every PE (allocation is collective over the world, so code that runs in one team
# only must not allocate): the helpers below take typed views of them.
WS: list[Any] = []


def view(k: int, dtype: str, shape: int | tuple[int, ...]) -> Any:
    dt = np.dtype(dtype)
    return WS[k][:int(np.prod(shape)) * dt.itemsize].view(dt).reshape(shape)


def source(world_rank: int, dtype: str, count: int, salt: int = 0) -> Any:
    rng = np.random.default_rng([world_rank, count, salt, np.dtype(dtype).num])
    dt = np.dtype(dtype)
    if dt.kind == "f":
        v = rng.standard_normal(count) * 3
        v[np.abs(v) < 1e-3] = 1.5          # no zeros: the sign of a zero min is not the point here
        return v.astype(dt)
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, size=count, endpoint=True, dtype=dt)


def check(what: str, got: Any, want: Any) -> None:
    if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
        BAD.append(f"{what}: got {got[:8]} want {want[:8]}")


def members(team: int) -> list[int]:
    return [shmem.team_translate_pe(team, r, W) for r in range(shmem.team_n_pes(team))]


def expected_reduce(team: int, op: str, dtype: str, count: int, salt: int = 0) -> Any:
    return functools.reduce(UFUNCS[op], [source(pe, dtype, count, salt) for pe in members(team)])


def check_movement(team: int, tag: str, n: int = 37) -> None:
    """broadcast from every root, fcollect, alltoall: out of place, then in place."""
    me, npes, mine = shmem.my_pe(team), shmem.pe_count(team), members(team)
    src = view(0, "int32", npes * n)
    dst = view(1, "int32", npes * n)
    for root in range(npes):
        src[:] = source(RANK, "int32", npes * n, 1)
        coll.broadcast(dst, src, root, team)
        check(f"{tag} broadcast root {root}", dst, source(mine[root], "int32", npes * n, 1))
        coll.shmem_broadcast(src, src, root, team)
        check(f"{tag} broadcast in place root {root}", src, source(mine[root], "int32", npes * n, 1))
    part = view(2, "int32", n)
    part[:] = source(RANK, "int32", n, 2)
    gathered = view(3, "int32", (npes, n))
    coll.fcollect(gathered, part, team)
    check(f"{tag} fcollect", gathered, np.stack([source(pe, "int32", n, 2) for pe in mine]))
    src[:] = source(RANK, "int32", npes * n, 3)
    coll.shmem_fcollect(src, src[:n], team)       # the source is the first block of the destination
    check(f"{tag} fcollect in place", src, np.concatenate([source(pe, "int32", npes * n, 3)[:n] for pe in mine]))
    src[:] = source(RANK, "int32", npes * n, 4)
    want = np.concatenate([source(pe, "int32", npes * n, 4)[me * n:(me + 1) * n] for pe in mine])
    coll.alltoall(dst, src, team)
    check(f"{tag} alltoall", dst, want)
    coll.shmem_alltoall(src, src, team)
    check(f"{tag} alltoall in place", src, want)


def check_reduce(team: int, tag: str, ops: tuple[str, ...] = ("sum", "max"),
                 dtypes: tuple[str, ...] = ("float32", "int64"), count: int = 1000) -> None:
    for dtype in dtypes:
        s, d = view(0, dtype, count), view(1, dtype, count)
        for op in ops:
            s[:] = source(RANK, dtype, count)
            coll.reduce(d, s, op, team)
            check(f"{tag} {op} {dtype}", d, expected_reduce(team, op, dtype, count))


def every_op() -> None:
    # 33 elements take the path where every PE reduces everything; 20011 the reduce-scatter + all-gather path
    # (the chunks do not divide evenly). Half of the calls run in place.
    for dtype in DTYPES:
        for count in (1, 33, 20011):
            s, d = view(0, dtype, count), view(1, dtype, count)
            for op in UFUNCS:
                if np.dtype(dtype).kind == "f" and op in ("and", "or", "xor"):
                    continue
                want = expected_reduce(W, op, dtype, count)
                s[:] = source(RANK, dtype, count)
                coll.reduce(d, s, op, W)
                check(f"{op} {dtype} {count}", d, want)
                check(f"{op} {dtype} {count} source kept", s, source(RANK, dtype, count))
                getattr(coll, f"shmem_{op}_reduce")(s, s)                 # in place, default team
                check(f"{op} {dtype} {count} in place", s, want)


def small() -> None:
    check_movement(W, "world")
    check_reduce(W, "world", ops=tuple(UFUNCS), dtypes=("int16", "uint32", "uint8"), count=101)
    check_reduce(W, "world big", ops=("sum", "min"), dtypes=("float64",), count=30001)
    # int addresses and sizes
    a, b = shmem.array(64, "float64"), shmem.array(64, "float64")
    a[:] = source(RANK, "float64", 64)
    coll.reduce(b.ctypes.data, a.ctypes.data, "prod", W, count=64, dtype="float64")
    check("int address prod", b, expected_reduce(W, "prod", "float64", 64))
    coll.broadcast(b.ctypes.data, a.ctypes.data, NPES - 1, nbytes=a.nbytes)
    check("int address broadcast", b, source(NPES - 1, "float64", 64))
    g = shmem.array(64 * NPES, "float64")
    coll.fcollect(g.ctypes.data, a.ctypes.data, nbytes=a.nbytes)
    check("int address fcollect", g, np.concatenate([source(pe, "float64", 64) for pe in range(NPES)]))
    # partly overlapping source and destination: views of one array, shifted by 3 elements
    c = shmem.array(200, "int32")
    c[:] = source(RANK, "int32", 200)
    coll.sum_reduce(c[3:103], c[0:100])
    check("overlap sum", c[3:103], functools.reduce(np.add, [source(pe, "int32", 200)[:100] for pe in range(NPES)]))
    c[:] = source(RANK, "int32", 200)
    coll.broadcast(c[0:100], c[5:105], 0)
    check("overlap broadcast", c[0:100], source(0, "int32", 200)[5:105])
    # zero elements still synchronise and touch nothing
    z = shmem.array(0, "int32")
    coll.reduce(z, z)
    coll.fcollect(shmem.array((NPES, 0), "int32"), z)
    # a memoryview from shmem.buffer works like an array
    mv = shmem.buffer(a.ctypes.data, a.nbytes)
    coll.broadcast(b, np.frombuffer(mv, "float64"), 0)
    check("memoryview broadcast", b, source(0, "float64", 64))


def teams() -> None:
    check_reduce(W, "world")
    check_movement(W, "world", n=5)
    odd = shmem.team_split_strided(W, 1, 2, 4)     # 1 3 5 7
    even = shmem.team_split_strided(W, 0, 2, 4)    # 0 2 4 6
    mine = odd if RANK % 2 else even
    assert mine != INVALID and (odd == INVALID) == (RANK % 2 == 0)
    # the two teams run different collectives at the same time; PEs outside a team do not take part
    if RANK % 2:
        check_reduce(odd, "odd", ops=("sum", "prod", "xor"), dtypes=("int32",), count=20000)
        check_movement(odd, "odd")
        inner = shmem.team_split_strided(odd, 1, 2, 2)   # world 3 and 7: a split of a split
        if inner != INVALID:
            check_reduce(inner, "inner", ops=("min",), dtypes=("float64", "uint16"))
            check_movement(inner, "inner")
    else:
        check_movement(even, "even", n=3)
        check_reduce(even, "even", ops=("max", "or"), dtypes=("uint64",))
    x, y = shmem.team_split_2d(W, 4)                   # rows 0-3, 4-7; columns {i, i+4}
    check_reduce(x, "row", ops=("sum",), dtypes=("float32",), count=5000)
    check_movement(y, "column", n=2)


def code_of(fn: Callable[..., Any], *args: Any, **kw: Any) -> int | str:
    try:
        fn(*args, **kw)
    except shmem.ShmemError as exc:
        return int(exc.code)
    except TypeError:
        return "TypeError"
    return "no error"


def errors() -> None:
    f, i = shmem.array(12, "float32"), shmem.array(12, "int32")
    codes = [code_of(coll.reduce, f, f, op) for op in ("and", "or", "xor")]
    codes.append(code_of(coll.reduce, i, i, "median"))
    codes.append(code_of(coll.broadcast, i, i, 3))
    codes.append(code_of(coll.broadcast, i, i, -1))
    codes.append(code_of(coll.fcollect, i, i[:5]))
    codes.append(code_of(coll.alltoall, i[:10], i[2:]))
    codes.append(code_of(coll.alltoall, i[:9], i[:6]))
    codes.append(code_of(coll.reduce, i, f))
    codes.append(code_of(coll.reduce, i, np.zeros(12, "int32")))
    codes.append(code_of(coll.reduce, i, i, team=12345))
    odd = shmem.team_split_strided(W, 1, 1, 1)          # only PE 1; the others must not join its collectives
    if odd == INVALID:
        codes.append(code_of(coll.reduce, i, i, team=odd))
    else:
        coll.reduce(i, i, team=odd)
        codes.append(-1)
    if codes != [-1] * 9 + ["TypeError", -1, -1, -1]:
        BAD.append(f"codes {codes}")
    # the job is intact: a good collective afterwards
    i[:] = RANK + 1
    coll.reduce(i, i)
    check("after errors", i, np.full(12, 6, "int32"))


def case(body: Callable[[], None]) -> Callable[[], None]:
    """A case between init (with the workspaces) and finalize, reporting BAD."""
    def run() -> None:
        assert shmem.shmem_init(RANK, NPES, 1 << 23) == 0
        WS[:] = [shmem.array(1 << 19, "uint8") for _ in range(4)]
        body()
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()
        report(BAD)
    return run


if __name__ == "__main__":
    dispatch({"every_op": case(every_op), "small": case(small), "teams": case(teams), "errors": case(errors)})
