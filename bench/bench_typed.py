"""Ascend's typed and sized calls beside shmem_putmem / shmem_getmem of the same size, between two PEs on this host.

    shmemrun -n 2 python bench/bench_typed.py        (or: python bench/bench_typed.py, which starts its 2 PEs)

PE 0 times, with int addresses, each call to PE 1 and the untyped call that moves the same bytes: the promise is
that a typed call costs no more than shmem_putmem of the same size. Strided copies (iput64 with a stride of 2) are
shown beside a Python loop of 8-byte puts doing the same, which is what they replace."""

from __future__ import annotations

import argparse
import sys

from _spawn import launched, spawn_pes  # bench/ is on sys.path: these scripts run as files
from bench_rma import best_of, python_sampler


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engine", default="MTE", help="OpEngineType name (default MTE)")
    p.add_argument("--seconds", type=float, default=0.05, help="length of one timed loop (default 0.05)")
    p.add_argument("--reps", type=int, default=5, help="timed loops per figure; the best counts (default 5)")
    return p.parse_args(argv)


def cases(shmem, dst: int, src: int, sig: int) -> list:
    """(label, typed call, its args, untyped call, its args): the same bytes to PE 1."""
    n = 512
    return [
        ("int64_p (8 B)", shmem.aclshmem_int64_p, (dst, 7, 1), shmem.shmem_putmem, (dst, src, 8, 1)),
        ("int64_g (8 B)", shmem.aclshmem_int64_g, (dst, 1), shmem.shmem_getmem, (src, dst, 8, 1)),
        ("float_p (4 B)", shmem.aclshmem_float_p, (dst, 1.5, 1), shmem.shmem_putmem, (dst, src, 4, 1)),
        ("put64, 1 element", shmem.aclshmem_put64, (dst, src, 1, 1), shmem.shmem_putmem, (dst, src, 8, 1)),
        ("get64, 1 element", shmem.aclshmem_get64, (src, dst, 1, 1), shmem.shmem_getmem, (src, dst, 8, 1)),
        (f"put64, {n} elements", shmem.aclshmem_put64, (dst, src, n, 1), shmem.shmem_putmem, (dst, src, 8 * n, 1)),
        (f"put128_nbi, {n} elements", shmem.aclshmem_put128_nbi, (dst, src, n, 1), shmem.shmem_putmem_nbi,
         (dst, src, 16 * n, 1)),
        ("iput64, 1 element", shmem.aclshmem_iput64, (dst, src, 1, 1, 1, 1), shmem.shmem_putmem, (dst, src, 8, 1)),
        (f"iput64, {n} contiguous", shmem.aclshmem_iput64, (dst, src, 1, 1, n, 1), shmem.shmem_putmem,
         (dst, src, 8 * n, 1)),
        (f"put64_signal, {n} elements", shmem.aclshmemx_put64_signal, (dst, src, n, sig, 1, 0, 1),
         shmem.shmem_putmem_signal, (dst, src, 8 * n, sig, 1, 0, 1)),
    ]


def strided_loop(shmem, dst: int, src: int, n: int) -> None:
    put = shmem.shmem_putmem
    for i in range(n):
        put(dst + 16 * i, src + 16 * i, 8, 1)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not launched():
        return spawn_pes(__file__, argv)
    import numpy as np
    import shmem

    attr = shmem.InitAttr()
    attr.option_attr.data_op_engine_type = shmem.OpEngineType[args.engine]
    shmem.init(mem_size=8 << 20, attributes=attr)
    sym = shmem.shmem_calloc(1 << 20, 1)
    sig = shmem.shmem_calloc(1, 8)
    if shmem.my_pe() == 0:
        local = np.arange(1 << 17, dtype=np.uint64)
        src = local.ctypes.data
        rows = []
        for label, typed, targs, plain, pargs in cases(shmem, sym, src, sig):
            best = best_of({"typed": python_sampler(typed, targs, args.seconds),
                            "plain": python_sampler(plain, pargs, args.seconds)}, args.reps)
            rows.append((label, best["typed"], best["plain"]))
        shmem.shmem_quiet()
        n = 512
        best = best_of({"typed": python_sampler(shmem.aclshmem_iput64, (sym, src, 2, 2, n, 1), args.seconds),
                        "plain": python_sampler(strided_loop, (shmem, sym, src, n), args.seconds)}, args.reps)
        rows.append((f"iput64, {n} elements, strides 2 (vs a Python loop of puts)", best["typed"], best["plain"]))
        print(f"### typed calls beside untyped ones, {args.engine}, 2 PEs on one host\n")
        print("| call | typed us | untyped us | typed/untyped |")
        print("|---|---:|---:|---:|")
        for label, t, p in rows:
            print(f"| {label} | {t * 1e6:.3f} | {p * 1e6:.3f} | {t / p:.2f} |")
    shmem.shmem_barrier_all()
    shmem.shmem_free(sig)
    shmem.shmem_free(sym)
    shmem.shmem_finialize()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
