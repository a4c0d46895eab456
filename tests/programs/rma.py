"""Put, get, their _nbi forms, quiet and fence between real PE processes (tests/test_rma.py), under the MTE and SDMA
engines: ``python -m programs.rma <case> [engine] [how]``."""

from __future__ import annotations

import gc
import sys
import threading
import time
from typing import Any

import numpy as np
import shmem

from programs.pe import IP_PORT, NPES, RANK, dispatch, report

MIB = 1 << 20
SIZES = [1, 7, 8, 63, 64, 4095, 4097, 65537, MIB + 3, 16 * MIB]


def init(engine: str, mem: int, how: str | None = None) -> None:
    """Sets the engine one of the two ways the API offers, so both are exercised: MTE through an InitAttr given to
    shmem_init, SDMA through shmem_set_attributes + the engine setter (unless how says which)."""
    how = how or ("attr" if engine == "MTE" else "setter")
    attr = shmem.InitAttr()
    if how == "attr":
        attr.my_rank, attr.n_ranks, attr.local_mem_size, attr.ip_port = RANK, NPES, mem, IP_PORT
        attr.option_attr.data_op_engine_type = shmem.OpEngineType[engine]
        assert shmem.shmem_init(attr) == 0
    else:
        assert shmem.shmem_set_attributes(RANK, NPES, mem, IP_PORT, attr) == 0
        assert shmem.shmem_set_data_op_engine_type(attr, shmem.OpEngineType[engine]) == 0
        assert shmem.shmem_init(RANK, NPES, mem) == 0


def stream(pe: int, n: int) -> Any:
    """PE pe's random bytes: any PE can regenerate them to check what it received."""
    return np.frombuffer(np.random.default_rng(1000 + pe).bytes(n), np.uint8)


def code_of(fn: Any, *args: Any) -> int | str:
    try:
        fn(*args)
    except shmem.ShmemError as e:
        return int(e.code)
    return "no error"


def all_pairs(engine: str) -> None:
    """Every PE puts to and gets from every PE (itself too) every size, unaligned, byte for byte."""
    MAXN = max(SIZES)
    SLOT = MAXN + 256
    init(engine, NPES * SLOT + SLOT + (1 << 20))
    streams = [stream(pe, MAXN + 128) for pe in range(NPES)]
    inbox = shmem.shmem_malloc(NPES * SLOT)          # slot i on PE j: what initiator i sent to j
    outbox = shmem.shmem_malloc(MAXN + 128)          # what gets read from this PE
    box = np.frombuffer(shmem.buffer(inbox, NPES * SLOT), np.uint8)
    np.frombuffer(shmem.buffer(outbox, MAXN + 128), np.uint8)[:] = streams[RANK]
    def offsets(i: int, j: int, n: int) -> tuple[int, int]:
        # Unaligned and different for every (initiator, target, size); (0, 0) once in a while.
        return (i * 13 + j * 29 + n) % 61 * (n % 5 != 0), (i * 7 + j * 17 + n) % 53 + 1
    failures: dict[str, list[Any]] = {}
    for op in ("put", "put_nbi"):
        fn = getattr(shmem, "shmem_" + op.replace("put", "putmem"))
        for n in SIZES:
            box[:] = 0xEE
            shmem.shmem_barrier_all()
            for j in range(NPES):
                so, do = offsets(RANK, j, n)
                fn(inbox + RANK * SLOT + do, streams[RANK].ctypes.data + so, n, j)
            if op == "put_nbi":
                shmem.shmem_quiet()
            shmem.shmem_barrier_all()
            for i in range(NPES):
                so, do = offsets(i, RANK, n)
                got = box[i * SLOT:(i + 1) * SLOT]
                if not np.array_equal(got[do:do + n], streams[i][so:so + n]):
                    failures.setdefault(op, []).append(["data", i, n])
                if got[do - 1] != 0xEE or got[do + n] != 0xEE:
                    failures.setdefault(op, []).append(["overrun", i, n])
    for op in ("get", "get_nbi"):
        fn = getattr(shmem, "shmem_" + op.replace("get", "getmem"))
        for n in SIZES:
            dsts = [np.full(n + 128, 0xEE, np.uint8) for _ in range(NPES)]
            for j in range(NPES):
                so, do = offsets(RANK, j, n)
                fn(dsts[j].ctypes.data + do, outbox + so, n, j)
            if op == "get_nbi":
                shmem.shmem_quiet()
            for j in range(NPES):
                so, do = offsets(RANK, j, n)
                if not np.array_equal(dsts[j][do:do + n], streams[j][so:so + n]):
                    failures.setdefault(op, []).append(["data", j, n])
                if dsts[j][do - 1] != 0xEE or dsts[j][do + n] != 0xEE:
                    failures.setdefault(op, []).append(["overrun", j, n])
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(failures)


def local_kinds(engine: str) -> None:
    """The local side as an address, bytes, bytearray, memoryview or NumPy array."""
    init(engine, 4 << 20)
    peer = 1 - RANK
    sym = shmem.shmem_malloc(2 << 20)
    view = np.frombuffer(shmem.buffer(sym, 2 << 20), np.uint8)
    failures = []
    for n in (1, 4097, 65537 + 3):
        data = stream(RANK * 10 + n % 7, n)
        def sources(data: Any = data, n: int = n) -> list[tuple[str, Any]]:
            raw = data.tobytes()
            keep = np.zeros(n + 3, np.uint8)
            keep[3:] = data
            f64 = np.zeros((n + 7) // 8, np.float64)
            f64.view(np.uint8)[:n] = data
            return [("int", data.ctypes.data), ("bytes", raw), ("bytearray", bytearray(raw)),
                    ("memoryview", memoryview(raw)), ("memoryview slice", memoryview(bytearray(b"..." + raw))[3:]),
                    ("numpy", data.copy()), ("numpy slice", keep[3:]), ("numpy float64 2d", f64.reshape(1, -1))]
        # every (call, source) pair writes its own slot of the peer's block: one barrier for all of them
        slot = n + 64
        view[:16 * slot] = 0
        shmem.shmem_barrier_all()
        alive = []      # an nbi source must live (untouched) until the quiet
        for p, put in enumerate(("shmem_putmem", "shmem_putmem_nbi")):
            alive.append(sources())
            for k, (_, src) in enumerate(alive[-1]):
                getattr(shmem, put)(sym + (8 * p + k) * slot, src, n, peer)
        shmem.shmem_quiet()
        del alive
        shmem.shmem_barrier_all()
        mine = stream(peer * 10 + n % 7, n)
        for p, put in enumerate(("shmem_putmem", "shmem_putmem_nbi")):
            for k, (name, _) in enumerate(sources()):
                at = (8 * p + k) * slot
                if not np.array_equal(view[at:at + n], mine) or view[at + n] != 0:
                    failures.append([put, name, n])
        shmem.shmem_barrier_all()
        view[:n] = data
        shmem.shmem_barrier_all()
        theirs = stream(peer * 10 + n % 7, n)
        for get in ("shmem_getmem", "shmem_getmem_nbi"):
            dsts: dict[str, Any] = {"int": np.zeros(n, np.uint8), "bytearray": bytearray(n),
                     "memoryview": memoryview(bytearray(n + 5))[5:], "numpy": np.zeros(n, np.uint8),
                     "numpy float64 2d": np.zeros((1, (n + 7) // 8), np.float64)}
            for name, dst in dsts.items():
                getattr(shmem, get)(dst.ctypes.data if name == "int" else dst, sym, n, peer)
                shmem.shmem_quiet()
                got = np.frombuffer(dst, np.uint8) if name != "numpy float64 2d" else dst.view(np.uint8).ravel()
                if not np.array_equal(got[:n], theirs):
                    failures.append([get, name, n])
        shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(failures)


def bad_arguments(engine: str) -> None:
    """Bad arguments raise ShmemError with their code and never crash; the job goes on."""
    MEM = 1 << 20
    init(engine, MEM)
    peer = 1 - RANK
    base = shmem.shmem_malloc(4096)     # the first block starts the user heap
    local = np.zeros(1 << 17, np.uint8)
    L = local.ctypes.data
    codes: dict[str, list[Any]] = {}
    def check(name: str, fn: Any, *args: Any) -> None:
        codes.setdefault(name, []).append(code_of(fn, *args))
    put, get, put_nbi, get_nbi = (shmem.shmem_putmem, shmem.shmem_getmem,
                                  shmem.shmem_putmem_nbi, shmem.shmem_getmem_nbi)
    for pe in (-1, NPES, 1000):
        check("unknown pe", put, base, L, 8, pe)
        check("unknown pe", get, L, base, 8, pe)
        check("unknown pe", put_nbi, base, L, 8, pe)
        check("unknown pe", get_nbi, L, base, 8, pe)
    for dst, n in ((base + MEM - 10, 100), (base + MEM, 1), (base, MEM + 1), (base + 64, 1 << 62),
                   (base - 64, 128)):
        check("past the heap", put, dst, L, n, peer)
        check("past the heap", get, L, dst, n, peer)
        check("past the heap", put_nbi, dst, L, n, peer)
    for sym in (L, 8, 1 << 47):
        check("not symmetric", put, sym, L, 8, peer)
        check("not symmetric", get, L, sym, 8, peer)
    for n in (8, 65536):       # 65536: handed to a copy-engine worker under SDMA
        for bad in (8, (1 << 63) - 4096, 1 << 46):
            check("unmapped local", put, base, bad, n, peer)
            check("unmapped local", get, bad, base, n, peer)
            # nbi: the error comes from the call or from the next quiet, but it comes
            try:
                put_nbi(base, bad, n, peer)
                shmem.shmem_quiet()
                codes.setdefault("unmapped local nbi", []).append("no error")
            except shmem.ShmemError as e:
                codes.setdefault("unmapped local nbi", []).append(e.code)
    check("negative size", put, base, L, -1, peer)
    check("negative size", get, L, base, -8, peer)
    check("negative address", put, -64, L, 8, peer)
    check("negative address", get, -8, base, 8, peer)
    # elem_size 0 does nothing, whatever the pointers are
    np.frombuffer(shmem.buffer(base, 4096), np.uint8)[:] = 7
    shmem.shmem_barrier_all()
    for fn, args in ((put, (base, 8, 0, peer)), (get, (8, base, 0, peer)), (put_nbi, (base, 0, 0, peer)),
                     (get_nbi, (L, base + MEM - 1, 0, peer)), (put, (base, b"", 0, peer)),
                     (get, (bytearray(), base, 0, peer))):
        check("size 0", fn, *args)
    shmem.shmem_quiet()
    # after all that the job still works
    put(base + 64, np.full(64, RANK + 1, np.uint8), 64, peer)
    shmem.shmem_barrier_all()
    intact = np.frombuffer(shmem.buffer(base, 4096), np.uint8)
    after = [bool((intact[:64] == 7).all()), bool((intact[64:128] == peer + 1).all()),
             bool((intact[128:] == 7).all())]
    shmem.shmem_finialize()
    report([codes, after])


def threads(engine: str) -> None:
    """Python threads put concurrently into disjoint regions of the peer."""
    init(engine, 8 << 20)
    THREADS, REGION = 4, 1 << 20
    peer = 1 - RANK
    sym = shmem.shmem_malloc(THREADS * REGION)
    view = np.frombuffer(shmem.buffer(sym, THREADS * REGION), np.uint8)
    view[:] = 0
    shmem.shmem_barrier_all()
    start = threading.Barrier(THREADS)
    errors: list[Any] = []
    def worker(t: int) -> int | None:
        try:
            data = stream(10 * RANK + t, REGION)
            start.wait()
            pos = 0
            for k in range(60):
                n = [1, 100, 4097, 20000, 70001][k % 5]
                n = min(n, REGION - pos)
                fn = shmem.shmem_putmem_nbi if k % 3 == 0 else shmem.shmem_putmem
                fn(sym + t * REGION + pos, data.ctypes.data + pos, n, peer)
                pos += n
            shmem.shmem_quiet()
            assert pos == REGION
            # read it back with gets from this thread too
            back = np.zeros(pos, np.uint8)
            shmem.shmem_getmem(back, sym + t * REGION, pos, peer)
            if not np.array_equal(back, data[:pos]):
                errors.append(["get", t])
            return pos
        except Exception as e:
            errors.append(repr(e))
            return None
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    shmem.shmem_barrier_all()
    for t in range(THREADS):
        data = stream(10 * peer + t, REGION)
        if not np.array_equal(view[t * REGION:(t + 1) * REGION], data):
            errors.append(["data", t])
    shmem.shmem_finialize()
    report(errors)


def nbi_overlap(engine: str, how: str) -> None:
    """A put_nbi returns before its copy is done; quiet completes it."""
    N = 64 << 20
    ATTEMPTS = 5
    init(engine, N + (1 << 20), how=how)
    dst = shmem.shmem_malloc(N)
    out: Any = None
    if RANK == 0:
        remote = np.frombuffer(shmem.buffer(shmem.shmem_ptr(dst, 1), N), np.uint8)
        pending, work, equal = 0, 0, True
        for k in range(ATTEMPTS):
            src = stream(k, N).copy()
            shmem.shmem_putmem_nbi(dst, src.ctypes.data, N, 1)
            # One byte per page (16 Ki random bytes): any old one means the call returned before its copy was
            # done (the peer's bytes only ever move towards src).
            pending += not np.array_equal(remote[::4096], src[::4096])
            deadline = time.monotonic() + 60  # guards against a hang only
            while not (np.array_equal(remote[-4096:], src[-4096:]) and np.array_equal(remote[:4096], src[:4096])):
                work += 1
                assert time.monotonic() < deadline, "the copy made no progress without quiet"
            shmem.shmem_quiet()
            equal = equal and bool(np.array_equal(remote, src))
        out = [pending, work, equal, ATTEMPTS]
    shmem.shmem_barrier_all()
    if RANK == 1:
        out = bool(np.array_equal(np.frombuffer(shmem.buffer(dst, N), np.uint8), stream(4, N)))
    shmem.shmem_finialize()
    report(out)


def chunk_size() -> None:
    """The chunk size of mte_set_ub_params is the one the copy engine uses."""
    before = shmem.mte_set_ub_params(0, 1, 0)
    init("SDMA", 8 << 20)
    peer = 1 - RANK
    sym = shmem.shmem_malloc(4 << 20)
    view = np.frombuffer(shmem.buffer(sym, 4 << 20), np.uint8)
    data = stream(RANK, 4 << 20)
    def timed_put(n: int) -> float:
        best = 1e9
        for _ in range(2):
            t0 = time.perf_counter()
            shmem.shmem_putmem(sym, data.ctypes.data, n, peer)
            best = min(best, time.perf_counter() - t0)
        return best
    out: dict[str, Any] = {"before": before}
    out["slow"] = timed_put(1 << 20)                     # chunk 1, set before init
    out["set"] = [shmem.mte_set_ub_params(0, 1 << 20, 0)]
    out["fast"] = timed_put(1 << 20)
    theirs, bad = stream(peer, 4 << 20), []
    for chunk, sizes in ((4096, [4097, 65537, (1 << 20) + 3, 3 << 20]), (7, [10001]), (65535, [1 << 20])):
        out["set"].append(shmem.mte_set_ub_params(0, chunk, 0))
        for n in sizes:
            for off in (0, 3):
                shmem.shmem_barrier_all()
                view[:] = 0
                shmem.shmem_barrier_all()
                shmem.shmem_putmem_nbi(sym + off, data.ctypes.data + 5, n, peer)
                shmem.shmem_quiet()
                shmem.shmem_barrier_all()
                if not (np.array_equal(view[off:off + n], theirs[5:5 + n]) and view[off + n] == 0):
                    wrong = np.flatnonzero(view[off:off + n] != theirs[5:5 + n])
                    bad.append(["put", chunk, n, off, len(wrong), wrong[:3].tolist(), wrong[-3:].tolist(),
                                int(view[off + n])])
                got = np.zeros(n + 2, np.uint8)
                shmem.shmem_getmem(got[1:1 + n], sym + off, n, peer)
                if not (np.array_equal(got[1:1 + n], data[5:5 + n]) and got[0] == 0 and got[-1] == 0):
                    bad.append(["get", chunk, n, off])
    out["bad"] = bad
    shmem.shmem_barrier_all()       # the peer is done checking before the timed puts overwrite its heap
    out["set"].append(shmem.mte_set_ub_params(0, 1, 0))
    out["slow again"] = timed_put(1 << 20)
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(out)


def fence(engine: str) -> None:
    """A fence orders a big put before the flag that announces it."""
    init(engine, 4 << 20)
    N, ROUNDS = 256 << 10, 25
    data = shmem.shmem_malloc(N)
    flags = shmem.shmem_malloc(64)        # [0]: round announced to PE 1; [1]: round PE 1 has checked
    words = np.frombuffer(shmem.buffer(flags, 16), np.int64)
    words[:] = 0
    shmem.shmem_barrier_all()
    wrong = []
    deadline = time.monotonic() + 20
    if RANK == 0:
        src, flag = np.zeros(N, np.uint8), np.zeros(1, np.int64)
        for k in range(1, ROUNDS + 1):
            src[:] = (np.arange(N) * 7 + k) & 0xFF
            flag[0] = k
            shmem.shmem_putmem_nbi(data, src.ctypes.data, N, 1)
            shmem.shmem_fence()
            shmem.shmem_putmem_nbi(flags, flag, 8, 1)
            while words[1] != k:
                assert time.monotonic() < deadline, ("no ack", k)
            shmem.shmem_quiet()
    else:
        view = np.frombuffer(shmem.buffer(data, N), np.uint8)
        for k in range(1, ROUNDS + 1):
            while words[0] != k:
                assert time.monotonic() < deadline, ("no flag", k)
            if not np.array_equal(view, (np.arange(N) * 7 + k) & 0xFF):
                wrong.append(k)
            shmem.shmem_putmem(flags + 8, np.array([k], np.int64), 8, 0)
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(wrong)


def gil(engine: str) -> None:
    """A long put releases the GIL: another thread ticks while it copies."""
    N = 128 << 20
    init(engine, N + (1 << 20))
    dst = shmem.shmem_malloc(N)
    src = np.ones(N, np.uint8)
    shmem.shmem_putmem(dst, src.ctypes.data, N, 0)        # touch every page first
    sys.setswitchinterval(3600)
    stop, ticks = threading.Event(), []
    def spin() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.0005)  # lets the main thread take the GIL back: with no forced switches, it could starve
    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.05)
    inside = []
    for _ in range(5):
        t0 = time.perf_counter()
        shmem.shmem_putmem(dst, src.ctypes.data, N, 0)
        t1 = time.perf_counter()
        inside.append(sum(1 for x in ticks[-100000:] if t0 < x < t1))
    stop.set()
    t.join()
    shmem.shmem_finialize()
    report(inside)


def nbi_keeps_source() -> None:
    """An nbi put keeps a temporary source alive (and unresizable) until quiet."""
    attr = shmem.InitAttr()
    shmem.shmem_set_attributes(RANK, NPES, 64 << 20, IP_PORT, attr)
    shmem.shmem_set_data_op_engine_type(attr, shmem.OpEngineType.SDMA)
    assert shmem.shmem_init(RANK, NPES, 64 << 20) == 0
    n = 16 << 20
    dst = shmem.shmem_malloc(n)
    if RANK == 0:
        shmem.shmem_putmem_nbi(dst, bytes([7]) * n, n, 1)       # a temporary: nothing else refers to it
        junk = [bytes([9]) * (1 << 20) for _ in range(32)]       # reuse of freed memory would show as 9s
        held = bytearray(64)
        shmem.shmem_putmem_nbi(dst, held, 64, 1)
        try:
            held.extend(b"x")
            resized = True
        except BufferError:
            resized = False
        shmem.shmem_quiet()
        held.extend(b"x")                                        # released by quiet
        del junk
        gc.collect()
        report(resized)
    shmem.shmem_barrier_all()
    if RANK == 1:
        view = shmem.buffer(dst, n)
        report([view[64:].tobytes() == bytes([7]) * (n - 64), view[:64].tobytes() == bytes(64)])
    shmem.shmem_finialize()


if __name__ == "__main__":
    dispatch({"all_pairs": all_pairs,
              "local_kinds": local_kinds,
              "bad_arguments": bad_arguments,
              "threads": threads,
              "nbi_overlap": nbi_overlap,
              "chunk_size": chunk_size,
              "fence": fence,
              "gil": gil,
              "nbi_keeps_source": nbi_keeps_source})
