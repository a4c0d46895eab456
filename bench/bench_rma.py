"""Put/get latency and bandwidth between two PEs on this host, beside C baselines measured in the same run.

    shmemrun -n 2 python bench/bench_rma.py          (or: python -m shmem.run -n 2 bench/bench_rma.py)
    python bench/bench_rma.py                        (starts its own 2 PEs)

PE 0 times shmem_putmem / shmem_getmem to PE 1 from Python, for each engine (MTE, SDMA), with int addresses (the
hot path; NumPy only for setup). Beside every size it measures, with the same buffers:
  - a C memcpy of the same size (glibc, timed inside C with clock_gettime over many copies: no call overhead);
  - a bare ctypes call of a no-op C function taking the same four arguments (the floor of any Python-to-C call).
It prints a markdown table per engine and the targets: an 8 B put at most 2x the bare ctypes call; a 1 MiB put at
least 95% of memcpy bandwidth; no cliff at sizes that are not powers of two or at misaligned addresses.
Every figure is the best of --reps repetitions of a timed loop, for the shmem calls and the baselines alike."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from _spawn import launched, spawn_pes  # bench/ is on sys.path: these scripts run as files

KIB, MIB = 1 << 10, 1 << 20
POW2_SIZES = [1 << k for k in range(3, 25)]  # 8 B .. 16 MiB
ODD_SIZES = [7, 63, 4095, 4097, 65537, MIB + 3]
# (size, src offset, dst offset): copies whose source and destination are not congruent modulo 64.
MISALIGNED = [(MIB, 1, 0), (MIB, 0, 3), (64 * KIB, 5, 0)]
MAX_SIZE = 16 * MIB
PAD = 4 * KIB


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engines", default="MTE,SDMA", help="comma-separated OpEngineType names (default MTE,SDMA)")
    p.add_argument("--max-size", type=int, default=MAX_SIZE, help="largest transfer in bytes (default 16 MiB)")
    p.add_argument("--seconds", type=float, default=0.02, help="length of one timed loop (default 0.02)")
    p.add_argument("--reps", type=int, default=5, help="timed loops per figure; the best counts (default 5)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    return p.parse_args(argv)


# ---------------------------------------------------------------- launching




# ---------------------------------------------------------------- timing


def python_sampler(fn, args: tuple, seconds: float):
    """A function timing one loop of k calls fn(*args) (k calibrated to take about `seconds`); it returns the
    seconds per call. The loop has as little Python around each call as a user's loop has."""

    def loop(k: int) -> float:
        t0 = time.perf_counter()
        for _ in range(k):
            fn(*args)
        return (time.perf_counter() - t0) / k

    k = 1
    while k < 1 << 22 and loop(k) * k < seconds / 10:  # grow k until a loop takes a tenth of the target
        k *= 4
    k = max(1, int(seconds / max(loop(k), 1e-9)))
    return lambda: loop(k)


def memcpy_sampler(base, dst: int, src: int, n: int, seconds: float):
    """A function timing one run of glibc memcpy (n bytes, dst <- src) inside C; seconds per copy."""
    per = base.memcpy_ns(dst, src, n, 16) * 1e-9  # warms up and estimates
    iters = max(1, min(int(seconds / max(per, 1e-10)), 1 << 26))
    return lambda: base.memcpy_ns(dst, src, n, iters) * 1e-9


def best_of(samplers: dict, reps: int) -> dict:
    """The best of reps samples of each, taken in turns, so that a burst of load elsewhere on the machine
    spoils one sample of everything rather than every sample of one thing."""
    best = dict.fromkeys(samplers, float("inf"))
    for _ in range(reps):
        for name, sample in samplers.items():
            best[name] = min(best[name], sample())
    return best


# ---------------------------------------------------------------- one engine


def measure_engine(shmem, np, base, engine: str, cases: list, args: argparse.Namespace) -> dict:
    attr = shmem.InitAttr()
    attr.option_attr.data_op_engine_type = shmem.OpEngineType[engine]
    shmem.init(mem_size=2 * args.max_size + 4 * MIB, attributes=attr)
    me = shmem.my_pe()
    sym = shmem.shmem_malloc(args.max_size + PAD)  # the peer's copy is written by puts and read by gets
    rows = []
    if me == 0:
        local = np.zeros(args.max_size + PAD, np.uint8)
        local[:] = np.arange(local.size) % 251
        src, dst = local.ctypes.data, sym
        peer = shmem.shmem_ptr(sym, 1)  # PE 1's heap as mapped here: where the put's bytes land
        put, get = shmem.shmem_putmem, shmem.shmem_getmem
        put(dst, src, args.max_size + PAD, 1)  # touch every page on both sides once
        get(src, dst, args.max_size + PAD, 1)
        for n, so, do in cases:
            samplers = {
                "put_s": python_sampler(put, (dst + do, src + so, n, 1), args.seconds),
                "get_s": python_sampler(get, (src + so, dst + do, n, 1), args.seconds),
                "memcpy_put_s": memcpy_sampler(base, peer + do, src + so, n, args.seconds),
                "memcpy_get_s": memcpy_sampler(base, src + so, peer + do, n, args.seconds),
            }
            if n <= 64:  # the bare ctypes call, sampled beside the small puts it is compared with
                samplers["noop_s"] = python_sampler(base.noop4, (dst, src, n, 1), args.seconds)
            rows.append({"size": n, "src_off": so, "dst_off": do, **best_of(samplers, args.reps)})
        # The data really moved: one last put of a fresh pattern, checked through the peer's mapping.
        check = min(MIB, args.max_size)
        local[:check] = np.arange(check) % 241
        put(dst, src, check, 1)
        seen = np.frombuffer(shmem.buffer(peer, check), np.uint8)
        if not np.array_equal(seen, local[:check]):
            raise SystemExit(f"{engine}: the benchmark's puts did not deliver the data")
    shmem.shmem_barrier_all()  # PE 1 waits here (spin, then sleep) while PE 0 measures
    shmem.shmem_free(sym)
    shmem.shmem_finialize()
    return {"engine": engine, "rows": rows}


# ---------------------------------------------------------------- report


def human(n: int) -> str:
    for unit, size in (("MiB", MIB), ("KiB", KIB)):
        if n >= size:
            q, r = divmod(n, size)
            return f"{q} {unit}" + (f"+{r}" if r else "")
    return f"{n} B"


def table(result: dict, noop_s: float) -> list[str]:
    out = [f"### {result['engine']}", "",
           "| size | put us | get us | memcpy us | put GB/s | get GB/s | memcpy GB/s | put/ctypes | get/ctypes "
           "| put/memcpy BW | get/memcpy BW |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in result["rows"]:
        n = r["size"]
        name = human(n) + (f" (src+{r['src_off']}, dst+{r['dst_off']})" if r["src_off"] or r["dst_off"] else "")
        out.append(f"| {name} | {r['put_s'] * 1e6:.3f} | {r['get_s'] * 1e6:.3f} | {r['memcpy_put_s'] * 1e6:.3f} "
                   f"| {n / r['put_s'] / 1e9:.2f} | {n / r['get_s'] / 1e9:.2f} | {n / r['memcpy_put_s'] / 1e9:.2f} "
                   f"| {r['put_s'] / noop_s:.2f} | {r['get_s'] / noop_s:.2f} "
                   f"| {r['memcpy_put_s'] / r['put_s']:.0%} | {r['memcpy_get_s'] / r['get_s']:.0%} |")
    return out


def verdicts(result: dict, noop_s: float) -> list[str]:
    rows = {(r["size"], r["src_off"], r["dst_off"]): r for r in result["rows"]}
    eng, out = result["engine"], []
    if (8, 0, 0) in rows:
        ratio = rows[(8, 0, 0)]["put_s"] / noop_s
        out.append(f"- {eng}: 8 B put = {ratio:.2f}x a bare ctypes call (target <= 2x): "
                   f"{'met' if ratio <= 2 else 'MISSED'}")
    if (MIB, 0, 0) in rows:
        r = rows[(MIB, 0, 0)]
        frac = r["memcpy_put_s"] / r["put_s"]
        out.append(f"- {eng}: 1 MiB put = {frac:.1%} of memcpy bandwidth (target >= 95%): "
                   f"{'met' if frac >= 0.95 else 'MISSED'}")
    # Odd sizes: within 1.5x of the next power of two. Misaligned addresses: within 1.5x of the aligned copy.
    odd, misaligned = [], []
    for (n, so, do), r in sorted(rows.items()):
        if so or do:
            ref = rows.get((n, 0, 0))
            if ref:
                misaligned.append((r["put_s"] / ref["put_s"], f"{human(n)} src+{so} dst+{do}"))
        elif n & (n - 1):
            ref = rows.get((1 << n.bit_length(), 0, 0))
            if ref:
                odd.append((r["put_s"] / ref["put_s"], f"{human(n)} vs {human(1 << n.bit_length())}"))
    if odd:
        worst = max(odd)
        out.append(f"- {eng}: odd sizes: worst put time {worst[0]:.2f}x the next power of two ({worst[1]}): "
                   f"{'no cliff' if worst[0] <= 1.5 else 'CLIFF'}")
    if misaligned:
        worst = max(misaligned)
        out.append(f"- {eng}: misaligned addresses: worst put time {worst[0]:.2f}x the aligned copy ({worst[1]}): "
                   f"{'no cliff' if worst[0] <= 1.5 else 'CLIFF'}")
    # A step: doubling the size multiplies the put time by more than twice what it does to memcpy (cache
    # boundaries slow both alike) and by more than 4.
    pow2 = [n for n in POW2_SIZES if (n, 0, 0) in rows]
    steps = []
    for a, b in zip(pow2, pow2[1:], strict=False):
        ra, rb = rows[(a, 0, 0)], rows[(b, 0, 0)]
        put_step, memcpy_step = rb["put_s"] / ra["put_s"], rb["memcpy_put_s"] / ra["memcpy_put_s"]
        steps.append((put_step / max(memcpy_step, 2.0), put_step, memcpy_step, a, b))
    if steps:
        rel, put_step, memcpy_step, a, b = max(steps)
        out.append(f"- {eng}: largest step between powers of two: {human(a)} -> {human(b)}, put time x{put_step:.1f} "
                   f"(memcpy x{memcpy_step:.1f}): " + ("CLIFF" if rel > 2 and put_step > 4 else "no cliff"))
    return out


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not launched():
        return spawn_pes(__file__, argv)
    import numpy as np
    import shmem

    cases = sorted({(n, 0, 0) for n in POW2_SIZES + ODD_SIZES if n <= args.max_size}
                   | {c for c in MISALIGNED if c[0] <= args.max_size})
    rank = int(os.environ.get("SHMEM_RANK", os.environ.get("RANK", "0")))
    base = None
    if rank == 0:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import _baseline

        base = _baseline.build()
    results = [measure_engine(shmem, np, base, e.strip(), cases, args) for e in args.engines.split(",")]
    if rank != 0:
        return 0
    noop_s = min(r["noop_s"] for result in results for r in result["rows"] if "noop_s" in r)
    lines = ["## shmem put/get between 2 PEs on one host", "",
             f"{shmem.shmem_info_get_name()}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs; "
             f"best of {args.reps} loops of {args.seconds * 1e3:.0f} ms per figure, taken in turns.",
             f"Bare ctypes call of a no-op C function with 4 arguments: {noop_s * 1e6:.3f} us. "
             "memcpy: glibc, same buffers, timed in C.", ""]
    for result in results:
        lines += table(result, noop_s) + [""]
    lines += ["### Targets", ""]
    for result in results:
        lines += verdicts(result, noop_s)
    print("\n".join(lines), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"noop_s": noop_s, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
