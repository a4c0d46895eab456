"""Signal ping-pong and atomic latency between two PEs on this host, beside a C shared-memory ping-pong run in the
same job.

    shmemrun -n 2 python bench/bench_signal.py      (or: python -m shmem.run -n 2 python bench/bench_signal.py)
    python bench/bench_signal.py                    (starts its own 2 PEs)

Python: PE 0 and PE 1 pass a token back and forth, each hop one shmem_putmem_signal of 8 B (SET) and one
shmem_signal_wait_until on the receiving side; one-way latency is half the round trip. Then PE 0 times
shmem_int64_atomic_fetch_add on PE 1's memory, and, to show where the time goes, the single calls a hop is made of.
C: bench/_pingpong.c, compiled with gcc at start into a temporary folder, runs the same hand-off between two
processes spinning on a word of a MAP_SHARED mapping, and times fetch-adds on a shared word. While PE 0 runs it,
PE 1 sleeps in a barrier. Rank 0 prints a markdown table; figures are the median of --repeats timed loops (the
best is given too)."""

from __future__ import annotations

import argparse
import atexit
import ctypes
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _spawn import launched, spawn_pes  # bench/ is on sys.path: these scripts run as files

C_SOURCE = Path(__file__).with_name("_pingpong.c")
TARGET_ONEWAY_NS = 1000.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=20000, help="ping-pong round trips per timed loop (default 20000)")
    p.add_argument("--calls", type=int, default=100000, help="calls per timed loop of a single call (default 100000)")
    p.add_argument("--repeats", type=int, default=5, help="timed loops per figure (default 5)")
    p.add_argument("--json", metavar="FILE", help="also write the raw figures as JSON to FILE")
    return p.parse_args(argv)


# ---------------------------------------------------------------- launching




# ---------------------------------------------------------------- the C baseline


def build_c() -> Path | None:
    """Compiles _pingpong.c into a temporary folder (removed at exit); None when there is no C compiler."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        return None
    tmp = tempfile.mkdtemp(prefix="shmem-bench-signal-")
    atexit.register(shutil.rmtree, tmp, True)
    exe = Path(tmp) / "pingpong"
    subprocess.run([gcc, "-O2", "-std=c11", "-o", str(exe), str(C_SOURCE)], check=True)
    return exe


def run_c(exe: Path | None, rounds: int, repeats: int, adds: int) -> dict | None:
    if exe is None:
        return None
    # The C hop is ~100x faster than the Python one: more rounds for a loop of similar length.
    out = subprocess.run([str(exe), str(rounds * 20), str(repeats), str(adds * 100)], check=True,
                         capture_output=True, text=True, timeout=300)
    result = json.loads(out.stdout)
    if result["errors"]:
        raise SystemExit(f"the C ping-pong saw {result['errors']} errors")
    return result


# ---------------------------------------------------------------- the Python side


def per_call_ns(fn, args: tuple, calls: int, repeats: int) -> list[float]:
    """ns per call of fn(*args), one figure per timed loop of `calls` calls."""
    figures = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn(*args)
        figures.append((time.perf_counter() - t0) / calls * 1e9)
    return figures


def ping_pong(shmem, me: int, sig: int, dst: int, src: int, rounds: int, repeats: int) -> list[float]:
    """One-way latency (ns) of a signal hop, one figure per repeat; the first loop of 1/10 the rounds warms up.

    The token is the round number: PE 0 sends k to PE 1 with SET, PE 1 sends k back; each side waits until its
    signal word equals k. 8 bytes of data travel with every signal and are checked on arrival."""
    put, wait, eq, set_ = shmem.shmem_putmem_signal, shmem.shmem_signal_wait_until, shmem.SHMEM_CMP_EQ, 0
    data = ctypes.c_int64.from_address(src)
    seen = ctypes.c_int64.from_address(dst)
    peer = 1 - me
    figures, k, errors = [], 0, 0
    for rep in range(-1, repeats):
        n = rounds // 10 if rep < 0 else rounds
        shmem.shmem_barrier_all()
        t0 = time.perf_counter()
        if me == 0:
            for _ in range(n):
                k += 1
                data.value = k
                put(dst, src, 8, sig, k, set_, peer)
                wait(sig, eq, k)
        else:
            for _ in range(n):
                k += 1
                wait(sig, eq, k)
                data.value = seen.value
                put(dst, src, 8, sig, k, set_, peer)
        took = time.perf_counter() - t0
        errors += seen.value != k  # the peer's last data word arrived with its last signal
        if rep >= 0:
            figures.append(took / (2 * n) * 1e9)
    if errors:
        raise SystemExit(f"PE {me}: the ping-pong data did not arrive with its signal ({errors} loops)")
    return figures


def sleeper_wakeup(shmem, me: int, sig: int, slot: int, rounds: int) -> list[float]:
    """Wake-up latency (ns) of a PE asleep on the futex, one figure per round (tests check that the wake happens,
    this measures how soon). PE 0 sets PE 1's signal word long after PE 1 went to sleep on it; PE 1 stamps the
    time it returned (CLOCK_MONOTONIC: one clock for the processes of a host) and puts the stamp into PE 0's slot
    with a signal back."""
    eq = shmem.SHMEM_CMP_EQ
    woke = ctypes.c_int64.from_address(slot)
    stamp = ctypes.c_int64()
    figures = []
    shmem.shmem_barrier_all()
    for k in range(1, rounds + 1):
        if me == 0:
            time.sleep(0.1)  # PE 1 has long been asleep on the futex
            t0 = time.monotonic_ns()
            shmem.shmem_putmem_signal(slot, b"", 0, sig, k, 0, 1)
            shmem.shmem_signal_wait_until(sig, eq, k)  # PE 1's stamp arrived with this signal
            figures.append(float(woke.value - t0))
        else:
            shmem.shmem_signal_wait_until(sig, eq, k)
            stamp.value = time.monotonic_ns()
            shmem.shmem_putmem_signal(slot, ctypes.addressof(stamp), 8, sig, k, 0, 0)
    return figures


def measure(shmem, args: argparse.Namespace) -> dict | None:
    shmem.init(mem_size=1 << 20)
    me = shmem.my_pe()
    if shmem.pe_count() != 2:
        raise SystemExit("bench_signal needs exactly 2 PEs")
    exe = build_c() if me == 0 else None  # meanwhile PE 1 waits in the first barrier
    sig, dst, src, counter = (shmem.shmem_malloc(64) for _ in range(4))
    results = {"pingpong_ns": ping_pong(shmem, me, sig, dst, src, args.rounds, args.repeats)}
    wake_sig, wake_slot = shmem.shmem_malloc(64), shmem.shmem_malloc(64)
    results["sleeper_wakeup_ns"] = sleeper_wakeup(shmem, me, wake_sig, wake_slot, 7)
    if me == 0:
        reps, calls = args.repeats, args.calls
        results["fetch_add_peer_ns"] = per_call_ns(shmem.shmem_int64_atomic_fetch_add, (counter, 1, 1), calls, reps)
        results["fetch_add_self_ns"] = per_call_ns(shmem.shmem_int64_atomic_fetch_add, (counter, 1, 0), calls, reps)
        results["put_signal_ns"] = per_call_ns(shmem.shmem_putmem_signal, (dst, src, 8, sig, 1, 0, 1), calls, reps)
        results["put_signal_bytes_ns"] = per_call_ns(shmem.shmem_putmem_signal, (dst, b"8 bytes.", 8, sig, 1, 0, 1),
                                                     calls, reps)
        # The generated extension's functions called directly: the runtime and gopy without the facade's frames.
        from shmem._core import raw

        results["raw_put_signal_ns"] = per_call_ns(raw.api_PutmemSignal, (dst, src, 8, sig, 1, 0, 1, 0), calls, reps)
        results["raw_fetch_add_peer_ns"] = per_call_ns(raw.api_Atomic, (4, 8, counter, 1, 0, 1), calls, reps)
        shmem.shmem_putmem_signal(dst, src, 0, sig, 5, 0, 0)
        results["wait_true_ns"] = per_call_ns(shmem.shmem_signal_wait_until, (sig, shmem.SHMEM_CMP_EQ, 5), calls,
                                              reps)
        results["signal_fetch_ns"] = per_call_ns(shmem.shmem_signal_fetch, (sig,), calls, reps)
        results["c"] = run_c(exe, args.rounds, args.repeats, args.calls)
    shmem.shmem_barrier_all()  # PE 1 sleeps here while PE 0 measures
    for block in (sig, dst, src, counter, wake_sig, wake_slot):
        shmem.shmem_free(block)
    shmem.shmem_finialize()
    return results if me == 0 else None


# ---------------------------------------------------------------- report


def fmt(figures: list[float]) -> str:
    return f"{statistics.median(figures):,.0f} (best {min(figures):,.0f})"


def report(r: dict) -> list[str]:
    c = r["c"]
    med = statistics.median

    def ratio(py: list[float], key: str) -> str:
        return f"{med(py) / med(c[key]):.1f}x (best {min(py) / min(c[key]):.1f}x)" if c else "n/a"

    def c_fig(key: str) -> str:
        return fmt(c[key]) if c else "n/a (no C compiler)"

    oneway = med(r["pingpong_ns"])
    lines = [
        f"## Signals and atomics, 2 PEs on one host ({os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}, Python {platform.python_version()})", "",
        "All figures in ns: median of the timed loops (best in parentheses).", "",
        "| measurement | Python (shmem) | C baseline | Python / C |",
        "|---|---:|---:|---:|",
        f"| signal ping-pong, one way: putmem_signal 8 B + signal_wait_until | {fmt(r['pingpong_ns'])} "
        f"| {c_fig('oneway_ns')} (spin on a MAP_SHARED word) | {ratio(r['pingpong_ns'], 'oneway_ns')} |",
        f"| int64 fetch_add on the peer, per call | {fmt(r['fetch_add_peer_ns'])} "
        f"| {c_fig('fetch_add_ns')} (atomic_fetch_add on a shared word) "
        f"| {ratio(r['fetch_add_peer_ns'], 'fetch_add_ns')} |",
        f"| wake-up of a PE asleep on the futex: from putmem_signal to its return from signal_wait_until "
        f"| {fmt(r['sleeper_wakeup_ns'])} | | |",
        "", "What one hop is made of (Python calls, no waiting):", "",
        "| call | ns |", "|---|---:|",
        f"| putmem_signal 8 B to the peer, int address src | {fmt(r['put_signal_ns'])} |",
        f"| putmem_signal 8 B to the peer, bytes src | {fmt(r['put_signal_bytes_ns'])} |",
        f"| the same without the facade (the extension's function called directly) | {fmt(r['raw_put_signal_ns'])} |",
        f"| signal_wait_until, condition already true | {fmt(r['wait_true_ns'])} |",
        f"| signal_fetch (the cheapest call into the runtime) | {fmt(r['signal_fetch_ns'])} |",
        f"| int64 fetch_add on this PE (*) | {fmt(r['fetch_add_self_ns'])} |",
        f"| int64 fetch_add on the peer without the facade | {fmt(r['raw_fetch_add_peer_ns'])} |",
        "",
        "(*) PE 1 sleeps in a barrier meanwhile, whose word is in PE 0's segment; barrier sleepers count themselves "
        "in the barrier's own wake block, so writes to PE 0's heap make no futex-wake system call for them.", "",
        f"Target: ping-pong one way <= {TARGET_ONEWAY_NS:,.0f} ns: "
        f"{'met' if oneway <= TARGET_ONEWAY_NS else 'MISSED'} ({oneway:,.0f} ns).",
    ]
    put, raw = min(r["put_signal_ns"]), min(r["raw_put_signal_ns"])
    handoff = f"the hand-off between cores (C: {min(c['oneway_ns']):,.0f} ns)" if c else "the hand-off between cores"
    lines += [
        "Ping-pong loops, one way: " + ", ".join(f"{x:,.0f}" for x in r["pingpong_ns"]) + " ns.",
        f"A hop is one putmem_signal call ({put:,.0f} ns timed alone, {put - raw:,.0f} of them in the Python "
        f"facade), then {handoff}, then the waiter's return from signal_wait_until into Python; the waiter entered "
        "that call while the sender was still putting, so its entry cost overlaps.",
    ]
    return lines


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not launched():
        return spawn_pes(__file__, argv)
    import shmem

    results = measure(shmem, args)
    if results is not None:
        print("\n".join(report(results)), flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
