"""Property-based fuzzing of the public API with Hypothesis on a real job (issue 12, "also deliver").

Run on 2 PEs by tests/test_fuzz.py. Three phases:

1. one-sided: each PE on its own draws calls of every non-collective function (put/get and their nbi and signal
   forms, atomics, typed put/get, signal fetch/wait, views, queries, settings) with arguments from valid
   symmetric and local memory, boundaries, out-of-range and negative ints, and wrong types;
2. collectives in lockstep: both PEs draw the same sequence (derandomized Hypothesis, the same seed) of
   allocations, team splits, barriers, broadcast/fcollect/alltoall/reduce with random dtypes, shapes, roots, ops
   and teams, valid or not; each example first compares a fingerprint of its arguments across the PEs, so a
   divergence is reported instead of hanging;
3. the job still works: a final put, get, barrier and reduce give exact data.

A call may return, raise ShmemError or raise TypeError; anything else is an offender. Local memory is only ever
named by address where it is this PE's own scratch buffer or surely unmapped (a random int address of the
process's own memory is the caller's responsibility, as in C)."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import shmem
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from programs.pe import NPES, RANK, report

ALLOWED = (shmem.ShmemError, TypeError)
ONE_SIDED_EXAMPLES = int(os.environ.get("FUZZ_ONE_SIDED", "1600"))
COLLECTIVE_EXAMPLES = int(os.environ.get("FUZZ_COLLECTIVE", "300"))
SCRATCH = 4096

offenders: list = []
counts = {"one_sided": 0, "collective": 0, "errors": 0}


def check(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Calls fn; records any exception other than ShmemError/TypeError."""
    try:
        return fn(*args, **kwargs)
    except ALLOWED:
        counts["errors"] += 1
    except BaseException as exc:  # noqa: BLE001 - this is what the fuzzing looks for
        if len(offenders) < 50:
            offenders.append([name, repr(args)[:100], type(exc).__name__, str(exc)[:160]])
    return None


def settings_for(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    phases=[Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False)


BAD_INTS = st.sampled_from([2**64, 2**63, -(2**63) - 1, -(2**63), 2**63 - 1, -1, 10**40, -(10**40)])
WRONG: st.SearchStrategy[Any] = st.sampled_from(["x", 1.5, None, [1], {}, 1j, b"ab"])


def one_sided_phase(block: int, sig: int, local: bytearray, local_addr: int) -> None:
    heap_end_guess = block + (1 << 20)
    sym = st.one_of(
        st.integers(0, SCRATCH - 1).map(lambda off: block + off),   # inside this PE's scratch block
        st.integers(-64, 64).map(lambda off: block + off),          # around its start
        st.sampled_from([0, 1, 64, heap_end_guess, heap_end_guess - 8, block + (1 << 30)]),
        BAD_INTS, WRONG)
    local_addr_st = st.one_of(st.integers(0, SCRATCH - 1).map(lambda off: local_addr + off),
                              st.sampled_from([0, 1, 0x1000, 2**62]), BAD_INTS, WRONG)
    nbytes = st.one_of(st.integers(0, 64), st.integers(0, SCRATCH + 64), BAD_INTS, WRONG)
    pe = st.one_of(st.integers(-2, NPES + 1), BAD_INTS, WRONG)
    dtypes = st.sampled_from(["u1", "i4", "<f8", ">i8", "c16", "O", "U3", "S2", "?", [("a", "<i4"), ("o", "O")],
                              [("a", "<i4"), ("b", "<f4")]])

    def buffers(draw: Any) -> Any:
        kind = draw(st.sampled_from(["bytes", "bytearray", "array", "strided", "readonly", "memoryview",
                                     "released", "int", "wrong"]))
        size = draw(st.integers(0, 256))
        if kind == "bytes":
            return bytes(size)
        if kind == "bytearray":
            return bytearray(size)
        if kind == "array":
            dt = np.dtype(draw(dtypes))
            return np.zeros(size // max(dt.itemsize, 1) + 1, dtype=dt)
        if kind == "strided":
            return np.zeros(size + 2, dtype=np.uint8)[::2]
        if kind == "readonly":
            arr = np.zeros(size + 1, dtype=np.uint8)
            arr.flags.writeable = False
            return arr
        if kind == "memoryview":
            return memoryview(bytearray(size))
        if kind == "released":
            mv = memoryview(bytearray(size))
            mv.release()
            return mv
        if kind == "int":
            return draw(local_addr_st)
        return draw(WRONG)

    names = vars(shmem)["__all__"]
    typed = sorted(n for n in names if n.startswith("shmem_") and (n.endswith("_p") or n.endswith("_g")))
    atomics = sorted(n for n in vars(shmem)["__all__"] if "_atomic_" in n)
    value = st.one_of(st.integers(-(2**65), 2**65), st.integers(-300, 300), st.floats(allow_nan=True), WRONG,
                      st.sampled_from(["a", b"b", "\u20ac"]))

    @settings_for(ONE_SIDED_EXAMPLES)
    @given(st.data())
    def example(data: Any) -> None:
        counts["one_sided"] += 1
        op = data.draw(st.sampled_from([
            "put", "get", "put_nbi", "get_nbi", "put_signal", "put_signal_nbi", "typed", "atomic", "signal_fetch",
            "wait_until", "buffer", "ptr", "queries", "quiet_fence", "settings", "team_get_config"]), label="op")
        d = data.draw
        if op in ("put", "put_nbi"):
            fn: Callable[..., Any] = shmem.shmem_putmem if op == "put" else shmem.shmem_putmem_nbi
            check(op, fn, d(sym), buffers(d), d(nbytes), d(pe))
        elif op in ("get", "get_nbi"):
            fn = shmem.shmem_getmem if op == "get" else shmem.shmem_getmem_nbi
            check(op, fn, buffers(d), d(sym), d(nbytes), d(pe))
        elif op in ("put_signal", "put_signal_nbi"):
            fn = shmem.shmem_putmem_signal if op == "put_signal" else shmem.shmem_putmem_signal_nbi
            check(op, fn, d(sym), buffers(d), d(nbytes), d(st.one_of(st.just(sig), sym)),
                  d(st.one_of(st.integers(-(2**40), 2**40), BAD_INTS)), d(st.integers(-1, 3)), d(pe))
        elif op == "typed":
            name = d(st.sampled_from(typed))
            fn = getattr(shmem, name)
            if name.endswith("_p"):
                check(name, fn, d(sym), d(value), d(pe))
            else:
                check(name, fn, d(sym), d(pe))
        elif op == "atomic":
            name = d(st.sampled_from(atomics))
            fn = getattr(shmem, name)
            nargs = fn.__code__.co_argcount
            args = [d(sym)] + [d(value) for _ in range(nargs - 2)] + [d(pe)]
            check(name, fn, *args)
        elif op == "signal_fetch":
            check(op, shmem.shmem_signal_fetch, d(st.one_of(st.just(sig), sym)))
        elif op == "wait_until":
            # Only calls that must fail at once: an address outside the heap, a bad comparison or value (a valid
            # one would wait for a signal nobody sends).
            bad = d(st.sampled_from(["sig", "cmp", "value"]))
            s = d(st.sampled_from([0, 1, block + (1 << 30)]) | BAD_INTS | WRONG) if bad == "sig" else sig
            c = d(st.integers(6, 100) | st.integers(-100, -1) | BAD_INTS | WRONG) if bad == "cmp" else 0
            v = d(st.integers(2**31, 2**70) | st.integers(-(2**70), -(2**31) - 1) | WRONG) if bad == "value" else 0
            check(op, shmem.shmem_signal_wait_until, s, c, v)
        elif op == "buffer":
            view = check(op, shmem.buffer, d(sym), d(nbytes))
            if view is not None and len(view):
                view[0] = view[-1]
        elif op == "ptr":
            p = check(op, shmem.shmem_ptr, d(sym), d(pe))
            if p and isinstance(p, int):
                check("ptr_view", shmem.buffer, p, 8)
        elif op == "queries":
            team = d(st.one_of(st.integers(-3, 40), BAD_INTS, WRONG))
            queries: tuple[Callable[..., Any], ...] = (shmem.my_pe, shmem.pe_count, shmem.team_my_pe,
                                                       shmem.team_n_pes)
            for fn in queries:
                check(fn.__name__, fn, team)
            check("team_translate_pe", shmem.team_translate_pe, team, d(pe), d(st.integers(-2, 5) | BAD_INTS))
            check("init_status", shmem.shmem_init_status)
            check("mte_get_ub_params", shmem.mte_get_ub_params)
            check("get_ffts_config", shmem.get_ffts_config)
            check("info", shmem.shmem_info_get_name)
        elif op == "quiet_fence":
            check("quiet", shmem.shmem_quiet)
            check("fence", shmem.shmem_fence)
        elif op == "settings":
            attrs = shmem.InitAttr()
            check("set_attributes", shmem.shmem_set_attributes, d(pe), d(pe), d(nbytes),
                  d(st.sampled_from(["tcp://127.0.0.1:8666", "", "tcp://x", "tcp6://[::1]:70000"]) | WRONG), attrs)
            check("set_engine", shmem.shmem_set_data_op_engine_type, attrs, d(st.integers(-1, 5) | BAD_INTS | WRONG))
            check("set_timeout", shmem.shmem_set_timeout, attrs, d(st.integers(-5, 5) | BAD_INTS | WRONG))
            check("set_log_level", shmem.set_log_level, d(st.integers(-5, 60) | BAD_INTS | WRONG))
        elif op == "team_get_config":
            cfg = d(st.sampled_from([None, "config"]) | WRONG)
            check(op, shmem.shmem_team_get_config, d(st.integers(-3, 40) | BAD_INTS | WRONG),
                  shmem.TeamConfig() if cfg == "config" else cfg)

    example()
    shmem.set_log_level(3)
    check("quiet", shmem.shmem_quiet)


def collective_phase() -> list:
    """Returns the divergences seen (both PEs must have drawn the same example)."""
    diverged: list = []
    fingerprint = shmem.array(2, "int64")
    gathered = shmem.array((NPES, 2), "int64")
    dtypes = st.sampled_from(["i1", "u1", "i2", "i4", "u4", "i8", "u8", "f4", "f8", "c8", "?"])
    sizes = st.one_of(st.integers(0, 4096), BAD_INTS, WRONG)

    def same_everywhere(tag: str) -> bool:
        digest = hashlib.sha256(tag.encode()).digest()
        fingerprint[:] = np.frombuffer(digest[:16], dtype=np.int64)
        shmem.fcollect(gathered, fingerprint)
        return bool((gathered == gathered[0]).all())

    @settings_for(COLLECTIVE_EXAMPLES)
    @given(st.data())
    def example(data: Any) -> None:
        if diverged:
            return
        d = data.draw
        op = d(st.sampled_from(["malloc", "calloc", "align", "split_strided", "split_2d", "barrier", "broadcast",
                                "fcollect", "alltoall", "reduce", "reduce_addr"]))
        team_arg = d(st.one_of(st.integers(-2, 6), BAD_INTS))
        shape = d(st.one_of(st.integers(0, 40), st.tuples(st.integers(1, 4), st.integers(0, 6))))
        dtype = d(dtypes)
        root = d(st.one_of(st.integers(-2, 3), BAD_INTS))
        reduce_op = d(st.sampled_from(["sum", "prod", "min", "max", "and", "or", "xor", "bad"]))
        size, other = d(sizes), d(sizes)
        args = (op, team_arg, shape, dtype, root, reduce_op, repr(size), repr(other))
        if not same_everywhere(repr(args)):
            diverged.append(repr(args)[:200])
            return
        counts["collective"] += 1
        if op in ("malloc", "calloc", "align"):
            fn = {"malloc": lambda: shmem.shmem_malloc(size), "calloc": lambda: shmem.shmem_calloc(size, other),
                  "align": lambda: shmem.shmem_align(other, size)}[op]
            p = check(op, fn)
            if p:
                check("free", shmem.shmem_free, p)
        elif op == "split_strided":
            start, stride, count = (d(st.integers(-1, 3)) for _ in range(3))
            team = check(op, shmem.team_split_strided, 0, start, stride, count)
            if isinstance(team, int) and team > 0:
                check("barrier", shmem.shmem_barrier, team)
                check("destroy", shmem.team_destroy, team)
        elif op == "split_2d":
            teams = check(op, shmem.team_split_2d, 0, d(st.integers(-1, 4) | BAD_INTS))
            for team in teams or ():
                if team > 0:
                    check("destroy", shmem.team_destroy, team)
        elif op == "barrier":
            check(op, shmem.shmem_barrier, team_arg)
        else:
            team = 0 if d(st.booleans()) else team_arg
            src = check("array", shmem.array, shape, dtype)
            if src is None:
                return
            src[...] = RANK + 1 if src.dtype != np.bool_ else True
            count = src.size
            dst_shape = (NPES * count,) if op == "fcollect" else shape
            dst = check("array", shmem.array, dst_shape, dtype)
            if dst is not None:
                if op == "broadcast":
                    check(op, shmem.broadcast, dst, src, root, team)
                elif op == "fcollect":
                    check(op, shmem.fcollect, dst, src, team)
                elif op == "alltoall":
                    check(op, shmem.alltoall, dst, src, team)
                elif op == "reduce":
                    check(op, shmem.reduce, dst, src, reduce_op, team)
                else:
                    check(op, shmem.reduce, dst.__array_interface__["data"][0], src.__array_interface__["data"][0],
                          reduce_op, team, count=d(st.integers(-1, count) | BAD_INTS), dtype=dtype)
                check("free", shmem.shmem_free, dst)
            check("free", shmem.shmem_free, src)

    example()
    shmem.shmem_free(gathered)
    shmem.shmem_free(fingerprint)
    return diverged


def final_check() -> dict:
    """After the fuzzing, the job still moves exact data."""
    peer = (RANK + 1) % NPES
    n = 1 << 16
    block = shmem.shmem_malloc(n)
    pattern = np.random.default_rng(RANK).integers(0, 256, n, dtype=np.uint8)
    shmem.shmem_putmem(block, pattern, n, peer)
    shmem.shmem_barrier_all()
    mine = np.frombuffer(bytes(shmem.buffer(block, n)), dtype=np.uint8)
    expected_from = np.random.default_rng((RANK - 1) % NPES).integers(0, 256, n, dtype=np.uint8)
    back = np.zeros(n, dtype=np.uint8)
    shmem.shmem_getmem(back, block, n, peer)
    total = shmem.array(4, "int64")
    part = shmem.array(4, "int64")
    part[:] = RANK + 1
    shmem.sum_reduce(total, part)
    ok = {"put": bool((mine == expected_from).all()), "get": bool((back == pattern).all()),
          "reduce": bool((total == NPES * (NPES + 1) // 2).all())}
    shmem.shmem_free(total)
    shmem.shmem_free(part)
    shmem.shmem_free(block)
    return ok


def main() -> None:
    shmem.init(mem_size=4 << 20)
    shmem.set_log_level(3)
    block = shmem.shmem_malloc(SCRATCH)
    sig = shmem.shmem_malloc(64)
    local = bytearray(3 * SCRATCH)  # int-address transfers start in the first third and end before its end
    local_addr = np.frombuffer(local, dtype=np.uint8).__array_interface__["data"][0]
    phases = sys.argv[1:] or ["one_sided", "collective"]
    diverged: list = []
    if "one_sided" in phases:
        one_sided_phase(block, sig, local, local_addr)
    shmem.shmem_barrier_all()
    if "collective" in phases:
        diverged = collective_phase()
    shmem.shmem_barrier_all()
    ok = final_check()
    shmem.shmem_free(sig)
    shmem.shmem_free(block)
    shmem.shmem_finialize()
    report({"counts": counts, "offenders": offenders, "diverged": diverged, "final": ok})


if __name__ == "__main__":
    main()
