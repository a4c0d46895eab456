"""A PE program written against Ascend's E2 names (aclshmem_* / aclshmemx_*), as programs ported from Ascend use
them: init through InitAttr, the typed and sized families, strided copies, put-with-signal, tensors, local team
splits and Ascend's error model. Usage: python -m programs.ascend_e2 [MTE|SDMA|ROCE|UDMA]. Reports a dict of
what each part observed; tests/test_ascend_families.py checks it."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import shmem

from programs.pe import IP_PORT, NPES, RANK, report

INTS: dict[str, Any] = {"int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64, "uint8": np.uint8,
        "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64}
WIDTH = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}


def sample(bits: int, n: int, salt: int) -> np.ndarray:
    """n elements of `bits` bits as a byte-exact array (128-bit elements as pairs of uint64)."""
    if bits == 128:
        return (np.arange(2 * n, dtype=np.uint64) * 7919 + salt * 1000003).view(np.uint64)
    return (np.arange(n, dtype=np.uint64) * 131 + salt * 17).astype(WIDTH[bits])


def code(fn: Any, *args: Any, **kw: Any) -> object:
    """The code of the ShmemError fn raises, "ValueError" flags kept; "ok" when it returns."""
    try:
        fn(*args, **kw)
    except ValueError as exc:  # ShmemError is a ValueError as well as a RuntimeError
        return getattr(exc, "code", "ValueError")
    return "ok"


def main() -> None:
    engine = sys.argv[1] if len(sys.argv) > 1 else "MTE"
    attr = shmem.InitAttr()
    attr.my_rank, attr.n_ranks, attr.local_mem_size, attr.ip_port = RANK, NPES, 4 << 20, IP_PORT
    attr.option_attr.data_op_engine_type = shmem.OpEngineType[engine]
    assert shmem.aclshmem_init(attributes=attr) == 0
    assert shmem.aclshmemx_init_status() == shmem.InitStatus.INITIALIZED
    me, n = shmem.my_pe(), shmem.pe_count()
    right, left = (me + 1) % n, (me - 1) % n
    out: dict = {"engine": engine}

    # typed single elements: every type, put to the right neighbour, read back from it
    slot = shmem.aclshmem_malloc(16 * 11)
    values: dict[str, Any] = {t: (np.iinfo(d).max - me if t.startswith("u") else np.iinfo(d).min + me)
                              for t, d in INTS.items()}
    values.update({"char": 65 + me, "float": 1.5 + me, "double": -2.25e300 / (me + 1)})
    for i, t in enumerate(sorted(values)):
        getattr(shmem, f"aclshmem_{t}_p")(dst=slot + 16 * i, value=int(values[t]) if t in INTS else values[t],
                                          pe=right)
    shmem.aclshmem_barrier_all() if hasattr(shmem, "aclshmem_barrier_all") else shmem.shmem_barrier_all()
    got = {t: getattr(shmem, f"aclshmem_{t}_g")(src=slot + 16 * i, pe=me) for i, t in enumerate(sorted(values))}
    back = {t: getattr(shmem, f"aclshmem_{t}_g")(slot + 16 * i, right) for i, t in enumerate(sorted(values))}
    want_from_left: dict[str, Any] = {t: (np.iinfo(d).max - left if t.startswith("u") else np.iinfo(d).min + left)
                      for t, d in INTS.items()}
    want_from_left.update({"char": 65 + left, "float": 1.5 + left, "double": -2.25e300 / (left + 1)})
    out["typed_local"] = all(got[t] == want_from_left[t] for t in values)
    out["typed_remote"] = all(back[t] == values[t] for t in values)
    # out of range: -2, nothing stored (issue 12 item 11), for E2 and E1 names alike
    def words() -> tuple:
        return (bytes(shmem.buffer(slot, 16)), shmem.aclshmem_uint64_g(slot, right),
                shmem.aclshmem_uint64_g(slot + 8, right))

    before = words()
    out["range"] = [code(shmem.aclshmem_float_p, slot, 1e39, right), code(shmem.shmem_float_p, slot, -1e39, right),
                    code(shmem.aclshmem_int8_p, slot, 128, right), code(shmem.aclshmem_uint8_p, slot, -1, right),
                    code(shmem.aclshmem_uint64_p, slot, 1 << 64, right), code(shmem.shmem_int16_p, slot, -32769, me),
                    code(shmem.aclshmem_double_p, slot, 10**400, right)]
    out["range_untouched"] = words() == before
    shmem.shmem_barrier_all()

    # contiguous transfers counted in elements of N bits, blocking and nbi, int addresses and arrays
    sized = {}
    for bits in (8, 16, 32, 64, 128):
        count = 37
        src = sample(bits, count, me)
        sym = shmem.aclshmem_calloc(count * 2, bits // 8)
        local = np.zeros_like(src)
        getattr(shmem, f"aclshmem_put{bits}")(sym, src, count, right)
        shmem.shmem_barrier_all()
        arrived = np.frombuffer(shmem.buffer(sym, src.nbytes), dtype=src.dtype).copy()
        getattr(shmem, f"aclshmem_get{bits}")(local, sym, count, right)
        nbi_src = sample(bits, count, me + 100)
        getattr(shmem, f"aclshmem_put{bits}_nbi")(sym + src.nbytes, nbi_src, count, right)
        shmem.shmem_quiet()
        shmem.shmem_barrier_all()
        nbi_back = np.zeros_like(src)
        getattr(shmem, f"aclshmem_get{bits}_nbi")(dst=nbi_back, src=sym + src.nbytes, elem_size=count, pe=me)
        shmem.shmem_quiet()
        sized[bits] = [bool((arrived == sample(bits, count, left)).all()),
                       bool((local == sample(bits, count, me)).all()),
                       bool((nbi_back == sample(bits, count, left + 100)).all())]
        shmem.shmem_barrier_all()
        shmem.aclshmem_free(sym)
    out["sized"] = sized

    # strided: iputN/igetN and <T>_iput/_iget, strides in elements
    strided = {}
    names = [(f"aclshmem_iput{b}", f"aclshmem_iget{b}", b // 8) for b in (8, 16, 32, 64, 128)]
    names += [(f"aclshmem_{t}_iput", f"aclshmem_{t}_iget", s) for t, s in
              (("char", 1), ("int16", 2), ("float", 4), ("uint64", 8), ("double", 8))]
    for put_name, get_name, size in names:
        nelems, dst_stride, src_stride = 5, 2, 3
        src = np.frombuffer(bytes((me * 37 + i) % 251 for i in range(64 * size)), dtype=np.uint8).reshape(64, size)
        src = src.copy()
        sym = shmem.aclshmem_calloc(32, size)
        getattr(shmem, put_name)(sym, src, dst_stride, src_stride, nelems, right)
        shmem.shmem_barrier_all()
        mine = np.frombuffer(shmem.buffer(sym, 32 * size), dtype=np.uint8).reshape(32, size).copy()
        left_src = np.frombuffer(bytes((left * 37 + i) % 251 for i in range(64 * size)),
                                 dtype=np.uint8).reshape(64, size)
        expect = np.zeros((32, size), dtype=np.uint8)
        expect[0:nelems * dst_stride:dst_stride] = left_src[0:nelems * src_stride:src_stride]
        gathered = np.zeros((16, size), dtype=np.uint8)
        getattr(shmem, get_name)(dest=gathered, source=sym, dst=3, sst=2, nelems=5, pe=right)
        from_right = np.zeros((32, size), dtype=np.uint8)
        shmem.shmem_getmem(from_right, sym, 32 * size, right)
        expect_get = np.zeros((16, size), dtype=np.uint8)
        expect_get[0:15:3] = from_right[0:10:2]
        strided[put_name] = [bool((mine == expect).all()), bool((gathered == expect_get).all())]
        shmem.shmem_barrier_all()
        shmem.aclshmem_free(sym)
    out["strided"] = strided
    sym = shmem.aclshmem_malloc(64)
    out["strided_bad"] = [code(shmem.aclshmem_iput32, sym, np.zeros(4, np.uint32), 0, 1, 4, right),
                          code(shmem.aclshmem_int32_iget, np.zeros(4, np.int32), sym, 1, 1 << 40, 4, right),
                          code(shmem.aclshmem_iput64, sym, np.zeros(1, np.uint64), 1, 2, 2, right)]

    # put with signal: data then the signal word; SIGNAL_ADD from every PE to PE 0
    sig = shmem.aclshmem_calloc(1, 8)
    data = shmem.aclshmem_calloc(64, 8)
    payload = sample(64, 64, me)
    shmem.aclshmemx_put64_signal(data, payload, 64, sig, me + 1, shmem.SignalOp.SIGNAL_SET, right)
    seen = shmem.shmem_signal_wait_until(sig, shmem.CmpOp.CMP_EQ, left + 1)
    arrived = np.frombuffer(shmem.buffer(data, payload.nbytes), dtype=np.uint64)
    sig_ok = [seen == left + 1, bool((arrived == sample(64, 64, left)).all())]
    shmem.shmem_barrier_all()
    counter = shmem.aclshmem_calloc(1, 8)
    for bits in (8, 16, 32, 64, 128):
        getattr(shmem, f"aclshmemx_put{bits}_signal_nbi")(data, payload, 1, counter, 1, shmem.SignalOp.SIGNAL_ADD, 0)
    shmem.aclshmemx_putmem_signal(data, payload, 8, counter, 1, shmem.SignalOp.SIGNAL_ADD, 0)
    shmem.aclshmemx_putmem_signal_nbi(data, payload, 8, counter, 1, shmem.SignalOp.SIGNAL_ADD, 0)
    shmem.shmem_quiet()
    if me == 0:
        sig_ok.append(shmem.shmem_signal_wait_until(counter, shmem.CmpOp.CMP_EQ, 7 * n) == 7 * n)
    shmem.shmem_barrier_all()
    out["signal"] = sig_ok

    # tensors in the symmetric heap
    t = shmem.aclshmem_create_tensor((4, 8), "float32", 0)
    t[:] = me
    shmem.shmem_barrier_all()
    peer = np.zeros((4, 8), dtype=np.float32)
    shmem.aclshmem_getmem(peer, t.__array_interface__["data"][0], t.nbytes, right)
    out["tensor"] = [t.shape == (4, 8), t.dtype == np.float32, bool((peer == right).all())]
    shmem.shmem_barrier_all()
    shmem.aclshmem_free_tensor(t)

    # Ascend's error model: malloc raises, a bad free raises something `except ValueError` catches
    out["errors"] = [code(shmem.aclshmem_malloc, 0), code(shmem.aclshmem_free, sym + 8),
                     isinstance(shmem.ShmemError(-1, "x"), RuntimeError)]

    # team_split_strided is computed locally: every PE may split off a team of itself
    solo = shmem.team_split_strided(0, me, 1, 1)
    whole = shmem.team_split_strided(shmem.ACLSHMEM_TEAM_WORLD, 0, 1, n)
    out["teams"] = {"solo": [solo > 0, shmem.team_n_pes(solo), shmem.team_my_pe(solo),
                             shmem.team_translate_pe(solo, 0, 0)],
                    "whole": whole, "whole_size": shmem.team_n_pes(whole),
                    "bad": code(shmem.team_split_strided, 0, n, 1, 1)}
    shmem.shmem_barrier(whole)
    shmem.aclshmem_free(counter)
    shmem.aclshmem_free(sig)
    shmem.aclshmem_free(data)
    shmem.aclshmem_free(sym)
    shmem.aclshmem_free(slot)
    out["finalize"] = shmem.aclshmem_finalize()
    report(out)


if __name__ == "__main__":
    main()
