"""The tables (markdown), the plot (matplotlib) and the regeneration of docs/benchmarks.md."""

from __future__ import annotations

import re
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .__main__ import Run

BEGIN = "<!-- python -m shmem.bench: begin -->"
END = "<!-- python -m shmem.bench: end -->"
KIB, MIB = 1 << 10, 1 << 20
SUMMARY_BW = [4 * KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB]
OTHERS = ("mpi4py", "shmem4py")
WHAT = {
    "mpi4py": "mpi4py: one-sided RMA on a window from `Win.Allocate` under `Lock_all`; a put is `Put` + `Flush`, a "
              "get `Get` + `Flush` (both complete on return, like shmem's); the ping-pong is `Send`/`Recv` of 8 B "
              "(MPI's way to hand data and a wake-up to a waiting peer); `Barrier`; `Allreduce(SUM)`; "
              "`MPI_Init` + `MPI_Finalize`. Started with `mpirun`.",
    "shmem4py": "shmem4py (Open MPI's OpenSHMEM): a put is `put` + `quiet` (OpenSHMEM's put only returns when the "
                "source may be reused), a get `get`; the ping-pong is `put` + `fence` + `atomic_set` of a flag + "
                "`wait_until` (Open MPI's OpenSHMEM 1.4 has no `put_signal`); `barrier_all`; "
                "`sum_reduce`; importing `shmem4py.shmem` (which initialises) + `finalize`. Started with `mpirun`.",
}


def human(n: int) -> str:
    for unit, size in (("MiB", MIB), ("KiB", KIB)):
        if n >= size:
            return f"{n // size} {unit}" if n % size == 0 else f"{n / size:.1f} {unit}"
    return f"{n} B"


def t_fmt(s: float | None) -> str:
    """A time, in the unit that suits it."""
    if s is None:
        return ""
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.1f} us" if s < 1e-4 else f"{s * 1e6:.0f} us"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def rate(n: int, s: float) -> str:
    """n bytes in s seconds, in GB/s, with three significant digits below 1 GB/s."""
    r = n / s / 1e9
    return f"{r:.1f}" if r >= 10 else f"{r:.2f}" if r >= 1 else f"{r:.3g}"


def gbs(n: int, s: float | None) -> str:
    return "" if not s else f"{rate(n, s)} GB/s"


def versus(shmem_s: float | None, other_s: float | None) -> str:
    """shmem's time against another's: how many times faster or slower shmem is."""
    if not shmem_s or not other_s:
        return ""
    r = other_s / shmem_s
    return f"{r:.2f}x faster" if r >= 1 else f"{1 / r:.2f}x slower"


def fig(runs: dict[str, dict[str, Run]], key: str, lib: str, name: str) -> float | None:
    run = runs.get(key, {}).get(lib)
    return None if run is None else run.figures.get(name)


def cell(runs: dict[str, dict[str, Run]], key: str, lib: str, text: str) -> str:
    """A figure's cell: the figure, marked with * when its block was measured on a busy machine, or why not."""
    run = runs.get(key, {}).get(lib)
    if run is None:
        return ""
    if run.error:
        return "failed"
    return text + (" *" if text and run.machine and not run.machine.quiet else "")


def summary(runs: dict[str, dict[str, Run]], libs: list[str], across: dict[str, Any] | None) -> list[str]:
    others = [lib for lib in libs if lib != "shmem"]
    head = ["measure", "shmem", *others, "C baseline", *(f"shmem vs {o}" for o in others)]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]

    def row(label: str, key: str, name: str, fmt: Any, baseline: str = "", cmp: bool = True) -> None:
        if key not in runs:
            return
        cells = [cell(runs, key, lib, fmt(fig(runs, key, lib, name))) for lib in libs]
        ratios = [versus(fig(runs, key, "shmem", name), fig(runs, key, o, name)) if cmp else "" for o in others]
        lines.append("| " + " | ".join([label, *cells, baseline, *ratios]) + " |")

    sizes = sorted(int(k.split(":")[1]) for k in runs.get("rma", {}).get("shmem", _NO).figures if k.startswith("put:"))
    if 8 in sizes:
        row("put 8 B, complete on return", "rma", "put:8", t_fmt)
        row("get 8 B", "rma", "get:8", t_fmt)
    for n in SUMMARY_BW:
        if n in sizes:
            memcpy = fig(runs, "rma", "shmem", f"memcpy:{n}")
            row(f"put {human(n)}", "rma", f"put:{n}", lambda s, n=n: gbs(n, s),
                f"memcpy {gbs(n, memcpy)}" if memcpy else "")
    row("signal ping-pong, one way", "pingpong", "pingpong", t_fmt)
    for key in sorted((k for k in runs if k.startswith("barrier:")), key=lambda k: int(k.split(":")[1])):
        row(f"barrier_all, {key.split(':')[1]} PEs", key, "barrier", t_fmt)
    for key in (k for k in runs if k.startswith("allreduce:")):
        _, npes, nbytes = key.split(":")
        row(f"all-reduce {human(int(nbytes))} float32, {npes} PEs", key, "allreduce", t_fmt)
    for key in (k for k in runs if k.startswith("init:")):
        row(f"init + finalize, {key.split(':')[1]} PEs", key, "init", t_fmt)
    if 8 in sizes:
        put8, pq8 = fig(runs, "rma", "shmem", "put:8"), fig(runs, "rma", "shmem", "put_quiet:8")
        row("put 8 B + quiet", "rma", "put_quiet:8", t_fmt,
            f"quiet adds {t_fmt(pq8 - put8)}" if put8 and pq8 and pq8 > put8 else "", cmp=False)
    if across and across.get("figures"):
        lines += across_rows(across["figures"], len(libs), len(others))
    return lines


class _Nothing:
    figures: dict[str, float] = {}


_NO: Any = _Nothing()


def across_rows(f: dict[str, Any], nlibs: int, nothers: int) -> list[str]:
    """Summary rows from bench_multihost.py's JSON: 8 B put against a raw TCP round trip, puts against raw TCP
    between the same namespaces (its runs before and after the PEs pooled, as it pools them)."""
    try:
        shm = f["shmem"]
        tcp = {k: {m: f["tcp_before"][k][m] + f["tcp_after"][k][m] for m in f["tcp_before"][k]}
               for k in f["tcp_before"]}
        pad, tail = [""] * (nlibs - 1), [""] * nothers
        put8 = statistics.median(shm["put8_s"])
        rtt = statistics.median(8 / gb / 1e9 for gb in tcp["8"]["ack"])
        out = ["| " + " | ".join(["across hosts: put 8 B", t_fmt(put8), *pad,
                                  f"TCP round trip {t_fmt(rtt)}: shmem {put8 / rtt:.2f}x", *tail]) + " |"]
        for k in sorted((k for k in shm if k.isdigit()), key=int):
            put = statistics.median(shm[k]["put"])
            ack = statistics.median(tcp[k]["ack"])
            out.append("| " + " | ".join([f"across hosts: put {human(int(k))}", f"{put:.2f} GB/s", *pad,
                                          f"TCP message + ack {ack:.2f} GB/s: shmem {put / ack:.0%}", *tail]) + " |")
        return out
    except (KeyError, TypeError, ValueError, ZeroDivisionError, statistics.StatisticsError):
        return []


def by_size(runs: dict[str, dict[str, Run]], libs: list[str], op: str) -> list[str]:
    """The OSU-style table of one operation (put or get): latency and bandwidth by size, every library."""
    shm = runs.get("rma", {}).get("shmem")
    if shm is None:
        return []
    sizes = sorted(int(k.split(":")[1]) for k in shm.figures if k.startswith(f"{op}:"))
    others = [lib for lib in libs if lib != "shmem"]
    memcpy = op == "put" and any(k.startswith("memcpy:") for k in shm.figures)
    head = ["size", *(f"{lib} us" for lib in libs), *(f"{lib} GB/s" for lib in libs)]
    head += ["C memcpy GB/s", "shmem / memcpy"] if memcpy else []
    head += [f"shmem vs {o}" for o in others]
    lines = ["| " + " | ".join(head) + " |", "|---:|" + "---:|" * (len(head) - 1)]
    for n in sizes:
        times = [fig(runs, "rma", lib, f"{op}:{n}") for lib in libs]
        cells = [human(n)]
        pairs = list(zip(libs, times, strict=True))
        cells += [cell(runs, "rma", lib, "" if t is None else f"{t * 1e6:.2f}") for lib, t in pairs]
        cells += [cell(runs, "rma", lib, "" if not t else rate(n, t)) for lib, t in pairs]
        if memcpy:
            m = fig(runs, "rma", "shmem", f"memcpy:{n}")
            cells += [rate(n, m) if m else "", f"{m / times[0]:.0%}" if m and times[0] else ""]
        cells += [versus(times[0], fig(runs, "rma", o, f"{op}:{n}")) for o in others]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(runs: dict[str, dict[str, Run]], libs: list[str], info: dict[str, Any],
             across: dict[str, Any] | None) -> str:
    busy = [f"{key} {lib}: {r.machine.describe()}" for key, v in runs.items() for lib, r in v.items()
            if r.machine is not None]
    any_busy = any(not r.machine.quiet for v in runs.values() for r in v.values() if r.machine is not None)
    vers = "; ".join(f"{lib} {v}" for lib, v in info["versions"].items())
    out = [
        "### Measured: `python -m shmem.bench" + "".join(f" {a}" for a in info["argv"]) + "`",
        "",
        f"Measured {info['date']} on {info['cpus']} CPUs, Python {info['python']}; {vers}. All PEs on this host, "
        "started by the tool; every figure is the median of 3 timed loops (init + finalize: of 3 jobs), the "
        "libraries measured one after another, block by block. The ratio columns compare shmem's time with the "
        "other library's.",
        "",
    ]
    for lib in libs:
        if lib in WHAT:
            out.append(f"- {WHAT[lib]}")
    for lib, why in info["skipped"].items():
        out.append(f"- {lib}: not measured: {why}.")
    out += ["- shmem: `shmem_putmem` / `shmem_getmem` with int addresses (a put on one host is complete on return), "
            "`shmem_putmem_signal` + `shmem_signal_wait_until`, `shmem_barrier_all`, `sum_reduce`, `init` + "
            "`shmem_finialize`. C baseline: glibc `memcpy` of the same size into the peer's heap as mapped here, "
            "timed inside C.", ""]
    out += ["#### Summary", ""] + summary(runs, libs, across) + [""]
    out += ["#### Put by size", ""] + by_size(runs, libs, "put") + [""]
    out += ["#### Get by size", ""] + by_size(runs, libs, "get") + [""]
    errors = [f"- {key} through {lib}: {r.error}" for key, v in runs.items() for lib, r in v.items() if r.error]
    if errors:
        out += ["#### Failed blocks", "", *errors, ""]
    out += ["#### The machine before each block", "",
            ("Figures marked * were measured on a busy machine (the limits were not met within the wait). "
             if any_busy else "") + "; ".join(busy) + ".", ""]
    if across is not None:
        out += ["#### Across hosts (bench/bench_multihost.py)", ""]
        if "markdown" in across:  # its own headings go one level below this one
            out += [re.sub(r"^#+ ", "##### ", across["markdown"], flags=re.M), ""]
        else:
            out += [f"Not measured: {across['error']}.", ""]
    return "\n".join(out).rstrip() + "\n"


def write_markdown(path: Path, text: str) -> None:
    """Puts text between the lines of path that are exactly BEGIN and END (the rest of the file stays; the markers
    quoted inside a line of prose do not count), else writes it as the whole file."""
    old = path.read_text() if path.exists() else ""
    lines = old.splitlines(keepends=True)
    stripped = [ln.strip() for ln in lines]
    if BEGIN in stripped and END in stripped[stripped.index(BEGIN):]:
        b = stripped.index(BEGIN)
        e = stripped.index(END, b)
        path.write_text("".join(lines[:b + 1]) + f"\n{text}\n" + "".join(lines[e:]))
    else:
        path.write_text(text)


def plot(path: Path, runs: dict[str, dict[str, Run]], libs: list[str], sizes: list[int]) -> str | None:
    """Latency and bandwidth of put and get by size, one curve per library (and memcpy); why not, or None."""
    try:
        import matplotlib
    except ImportError:
        return "matplotlib is not installed (pip install matplotlib); no plot drawn"
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig_, (lat, bw) = plt.subplots(1, 2, figsize=(12, 4.5))
    for lib in libs:
        for op, style in (("put", "-"), ("get", "--")):
            pts = [(n, fig(runs, "rma", lib, f"{op}:{n}")) for n in sizes]
            pts2 = [(n, t) for n, t in pts if t]
            if not pts2:
                continue
            xs = [n for n, _ in pts2]
            lat.plot(xs, [t * 1e6 for _, t in pts2], style, marker="o", ms=3, label=f"{lib} {op}")
            bw.plot(xs, [n / t / 1e9 for n, t in pts2], style, marker="o", ms=3, label=f"{lib} {op}")
    mc = [(n, fig(runs, "rma", "shmem", f"memcpy:{n}")) for n in sizes]
    mc2 = [(n, t) for n, t in mc if t]
    if mc2:
        bw.plot([n for n, _ in mc2], [n / t / 1e9 for n, t in mc2], ":", color="black", label="C memcpy")
    for ax, ylabel in ((lat, "latency (us)"), (bw, "bandwidth (GB/s)")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("size (bytes)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    lat.set_title("put / get latency, 2 PEs on one host")
    bw.set_title("put / get bandwidth")
    fig_.tight_layout()
    fig_.savefig(path, dpi=110)
    plt.close(fig_)
    return None
