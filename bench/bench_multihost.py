"""Put/get speed between two hosts, beside raw TCP between the same hosts in the same run.

    python bench/bench_multihost.py            (needs root: creates two network namespaces joined by a veth pair)
    python bench/bench_multihost.py --compare-pythonpath DIR    (also runs the PEs with another build of shmem)

The two hosts are the network namespaces of tests/netns.py (private addresses that exist only inside them), one
PE in each: PE 0 on host A times shmem_putmem, shmem_putmem_nbi (a batch, then shmem_quiet) and shmem_getmem
to PE 1 on host B for 1, 4, 16 and 64 MiB, and an 8 B shmem_putmem and shmem_getmem (blocking: one round trip
each). Every byte crosses the veth through the network engine. Then the same job again with
aclshmemx_set_qp_num(ROCE, k) for every k of --lanes (default 1 and 4): k TCP connections per peer, over which
blocking transfers of two chunks or more are split; 64 MiB puts and gets are timed.

The baseline is a small C program (embedded below, compiled with gcc at start into a temporary folder; Python's
socket module when there is no compiler) run between the same two namespaces, before and after the PEs: A sends
B messages of the same sizes with plain send(2), B recv(2)s them into one buffer, both at most --tcp-piece bytes
per call (1 MiB by default, like the engine's frames: on a veth that beats one call per message).
  - "TCP message + ack": B answers every message with 1 byte, as the engine acknowledges a blocking put;
  - "TCP stream": a batch of messages, one ack at the end (the NBI put's counterpart);
  - 8 B round trip: 8 bytes there, 1 byte back, the client blocked in recv(2) meanwhile.
TCP_NODELAY is set on both sides, as the engine does. Figures are the median of --repeats timed loops of about
--seconds each (the best is printed too; the baseline's loops of both runs are pooled). Targets (issue 14): an
8 B put at most 1.2x the raw TCP round trip; puts of 1-64 MiB at least 90% of raw TCP (put against "message +
ack", put_nbi against "stream").

run() does all of it and returns the figures (rows, raw TCP baselines, lanes) for other tools (python -m
shmem.bench); main() prints them as Markdown tables. When namespaces cannot be created (not root, no iproute2)
run() raises Unavailable and main() says so and exits 0.
"""

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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

MIB = 1 << 20
SIZES = [1 * MIB, 4 * MIB, 16 * MIB, 64 * MIB]
BANDWIDTH_TARGET = 0.90  # shmem puts / raw TCP, 1-64 MiB
LATENCY_TARGET = 1.2  # 8 B put / raw TCP round trip
ROCE = 4  # OpEngineType.ROCE: the engine aclshmemx_set_qp_num configures

# The raw TCP baseline. server PORT: accepts connections one after another; each sends requests
# "size u64 | count u64 | ack_each u64 | piece u64" and then count messages of size bytes; the server acks each
# message with one byte (ack_each) or the whole batch once. size 0 ends the connection. client HOST PORT SECONDS
# REPEATS PIECE SIZE...: for every size, both modes, prints JSON {size: {"ack": [GB/s...], "stream": [GB/s...]}}.
# Both sides move at most PIECE bytes per send(2)/recv(2) call (0: a whole message).
C_SOURCE = r"""
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }

/* piece: the most bytes one send(2) or recv(2) moves (0: no limit) */
static void full_send(int fd, const char *p, size_t n, size_t piece) {
    while (n > 0) {
        ssize_t k = send(fd, p, piece && piece < n ? piece : n, 0);
        if (k <= 0) die("send");
        p += k; n -= (size_t)k;
    }
}

static void full_recv(int fd, char *p, size_t n, size_t piece) {
    while (n > 0) {
        ssize_t k = recv(fd, p, piece && piece < n ? piece : n, 0);
        if (k <= 0) die("recv");
        p += k; n -= (size_t)k;
    }
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int serve(int port) {
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = INADDR_ANY};
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4)) die("listen");
    printf("ready\n");
    fflush(stdout);
    char *buf = NULL;
    size_t cap = 0;
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) die("accept");
        nodelay(fd);
        for (;;) {
            uint64_t req[4];
            full_recv(fd, (char *)req, sizeof req, 0);
            if (req[0] == 0) break;
            if (req[0] > cap) {
                free(buf);
                cap = req[0];
                if (!(buf = malloc(cap))) die("malloc");
                memset(buf, 0, cap);
            }
            for (uint64_t i = 0; i < req[1]; i++) {
                full_recv(fd, buf, req[0], req[3]);
                if (req[2]) full_send(fd, "k", 1, 0);
            }
            if (!req[2]) full_send(fd, "k", 1, 0);
        }
        close(fd);
        if (getenv("ONE_CLIENT")) return 0;
    }
}

/* seconds per message of size bytes, count messages a loop */
static double run(int fd, char *buf, uint64_t size, uint64_t count, int ack_each, uint64_t piece) {
    uint64_t req[4] = {size, count, (uint64_t)ack_each, piece};
    char ack;
    double t0 = now();
    full_send(fd, (char *)req, sizeof req, 0);
    for (uint64_t i = 0; i < count; i++) {
        full_send(fd, buf, size, piece);
        if (ack_each) full_recv(fd, &ack, 1, 0);
    }
    if (!ack_each) full_recv(fd, &ack, 1, 0);
    return (now() - t0) / count;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "server")) return serve(atoi(argv[2]));
    if (argc < 8 || strcmp(argv[1], "client")) {
        fprintf(stderr, "usage: server PORT | client HOST PORT SECONDS REPEATS PIECE SIZE...\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3]))};
    inet_pton(AF_INET, argv[2], &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) die("connect");
    nodelay(fd);
    double seconds = atof(argv[4]);
    int repeats = atoi(argv[5]);
    uint64_t piece = strtoull(argv[6], NULL, 10);
    printf("{");
    for (int s = 7; s < argc; s++) {
        uint64_t size = strtoull(argv[s], NULL, 10);
        char *buf = malloc(size);
        if (!buf) die("malloc");
        memset(buf, 7, size);
        printf("%s\"%llu\": {", s > 7 ? ", " : "", (unsigned long long)size);
        for (int mode = 0; mode < 2; mode++) {
            double per = run(fd, buf, size, 1, mode == 0, piece); /* warm-up, and a first estimate */
            uint64_t count = (uint64_t)(seconds / (per > 0 ? per : 1e-6));
            if (count < 2) count = 2;
            printf("%s\"%s\": [", mode ? ", " : "", mode == 0 ? "ack" : "stream");
            for (int r = 0; r < repeats; r++) {
                per = run(fd, buf, size, count, mode == 0, piece);
                printf("%s%.6g", r ? ", " : "", size / per / 1e9);
            }
            printf("]");
        }
        printf("}");
        free(buf);
    }
    printf("}\n");
    uint64_t end[4] = {0, 0, 0, 0};
    full_send(fd, (char *)end, sizeof end, 0);
    close(fd);
    return 0;
}
"""

# The same protocol in Python, for machines without a C compiler (slower per call; fine for MiB messages).
PY_BASELINE = r"""
import json, socket, struct, sys, time

def recv_exact(s, view, piece=0):
    while len(view):
        n = s.recv_into(view[:piece] if piece else view)
        if n == 0:
            raise SystemExit("connection closed")
        view = view[n:]

if sys.argv[1] == "server":
    ls = socket.create_server(("0.0.0.0", int(sys.argv[2])))
    print("ready", flush=True)
    while True:
        s, _ = ls.accept()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = bytearray(0)
        while True:
            req = bytearray(32)
            recv_exact(s, memoryview(req))
            size, count, ack_each, piece = struct.unpack("<QQQQ", req)
            if size == 0:
                break
            if len(buf) < size:
                buf = bytearray(size)
            view = memoryview(buf)[:size]
            for _ in range(count):
                recv_exact(s, view, piece)
                if ack_each:
                    s.sendall(b"k")
            if not ack_each:
                s.sendall(b"k")
        s.close()
else:
    host, port, seconds = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    repeats, piece, sizes = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7:]
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ack = bytearray(1)
    def run(buf, count, ack_each):
        t0 = time.perf_counter()
        s.sendall(struct.pack("<QQQQ", len(buf), count, ack_each, piece))
        for _ in range(count):
            for at in range(0, len(buf), piece or len(buf)):
                s.sendall(buf[at:at + piece] if piece else buf)
            if ack_each:
                recv_exact(s, memoryview(ack))
        if not ack_each:
            recv_exact(s, memoryview(ack))
        return (time.perf_counter() - t0) / count
    out = {}
    for size in map(int, sizes):
        buf = memoryview(bytearray(b"\x07" * size))
        fig = {}
        for mode, name in ((1, "ack"), (0, "stream")):
            count = max(2, int(seconds / max(run(buf, 1, mode), 1e-6)))
            fig[name] = [size / run(buf, count, mode) / 1e9 for _ in range(repeats)]
        out[str(size)] = fig
    s.sendall(struct.pack("<QQQQ", 0, 0, 0, 0))
    print(json.dumps(out))
"""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=0.4, help="length of one timed loop (default 0.4)")
    p.add_argument("--repeats", type=int, default=5, help="timed loops per figure (default 5)")
    p.add_argument("--max-size", type=int, default=64 * MIB, help="largest transfer in bytes (default 64 MiB)")
    p.add_argument("--tcp-piece", type=int, default=MIB,
                   help="most bytes the baseline moves per send/recv call, 0 for whole messages (default 1 MiB, the "
                        "engine's chunk size: on a veth that is faster than one call per message)")
    p.add_argument("--lanes", default="1,4",
                   help="qp_num values (connections per peer) compared at the largest size, comma-separated; "
                        "empty for none (default 1,4)")
    p.add_argument("--compare-pythonpath", metavar="DIR",
                   help="also run the PEs with the shmem found in DIR (another build, e.g. scripts/dev-build.sh "
                        "DIR of an older checkout), in the same run, labelled --compare-label")
    p.add_argument("--compare-label", default="other build", help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=int, default=6,
                   help="with --compare-pythonpath: rounds of 8 B latency alternating the two builds, one job each, "
                        "so that both see the same phases of a busy machine (default 6; 0: none)")
    p.add_argument("--json", metavar="FILE", help="also write the raw figures as JSON to FILE")
    # internal: run as one PE of the job
    p.add_argument("--pe", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--pe-qp-num", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--pe-sizes", default="", help=argparse.SUPPRESS)
    p.add_argument("--pe-latency-only", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


class Unavailable(Exception):
    """Two hosts cannot be simulated here (network namespaces need root and iproute2); the message says why."""


# ---------------------------------------------------------------- the raw TCP baseline


def baseline_command() -> tuple[list[str], str]:
    """The baseline program's argv prefix and its kind; the C one is compiled into a folder removed at exit."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is not None:
        tmp = tempfile.mkdtemp(prefix="shmem-bench-multihost-")
        atexit.register(shutil.rmtree, tmp, True)
        src, exe = Path(tmp) / "tcp.c", Path(tmp) / "tcp"
        src.write_text(C_SOURCE)
        subprocess.run([gcc, "-O2", "-std=c11", "-o", str(exe), str(src)], check=True)
        return [str(exe)], "C send/recv"
    return [sys.executable, "-c", PY_BASELINE], "Python socket (no C compiler)"


def raw_tcp(hosts, command: list[str], sizes: list[int], seconds: float, repeats: int, piece: int) -> dict:
    """Runs the baseline: server on host B, client on host A; {size: figures}."""
    port = 20000 + os.getpid() % 20000
    server = hosts.b.popen([*command, "server", str(port)], stdout=subprocess.PIPE, text=True,
                           env=dict(os.environ, ONE_CLIENT="1"))
    try:
        if server.stdout.readline().strip() != "ready":
            raise SystemExit("the raw TCP server did not start")
        out = hosts.a.run([*command, "client", hosts.b.addr, str(port), str(seconds), str(repeats), str(piece),
                           *map(str, [8, *sizes])], capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise SystemExit(f"the raw TCP client failed: {out.stderr}")
        return {int(k): v for k, v in json.loads(out.stdout).items()}
    finally:
        if server.poll() is None:
            server.kill()
        server.wait()


# ---------------------------------------------------------------- the shmem PEs


def timed(fn, seconds: float, repeats: int) -> list[float]:
    """Seconds per call of fn(), one figure per timed loop; a first call warms up and sizes the loops."""
    t0 = time.perf_counter()
    fn()
    per = max(time.perf_counter() - t0, 1e-7)
    count = max(2, int(seconds / per))
    figures = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(count):
            fn()
        figures.append((time.perf_counter() - t0) / count)
    return figures


def switches_per_call(fn, count: int = 2000) -> float:
    """Context switches of this process (every thread: voluntary and not) per call of fn(): how many times a
    thread went to sleep and was woken, or was preempted, per round trip. Unlike time, it hardly depends on how
    busy the machine is, so it shows what a change saves even when the timings are noisy."""
    return usage_per_call(fn, count)[0]


def usage_per_call(fn, count: int = 2000) -> tuple[float, float, float]:
    """(context switches, CPU seconds of this process, wall seconds) per call of fn()."""
    import resource

    def now() -> tuple[int, float, float]:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return ru.ru_nvcsw + ru.ru_nivcsw, ru.ru_utime + ru.ru_stime, time.perf_counter()

    fn()
    before = now()
    for _ in range(count):
        fn()
    after = now()
    return tuple((a - b) / count for a, b in zip(after, before, strict=True))


def measure(args: argparse.Namespace, sizes: list[int]) -> dict | None:
    """One PE's part: PE 0 measures, PE 1 waits in a barrier. PE 0's figures, None on PE 1. With --pe-qp-num
    the job opens that many connections per peer and only puts and gets of the given sizes are timed."""
    import shmem

    lanes_run = args.pe_qp_num > 0
    if lanes_run and shmem.aclshmemx_set_qp_num(ROCE, args.pe_qp_num) != 0:
        raise SystemExit(f"aclshmemx_set_qp_num({args.pe_qp_num}) refused")
    biggest = max(sizes)
    shmem.init(mem_size=biggest + (4 * MIB))
    me = shmem.my_pe()
    if shmem.pe_count() != 2:
        raise SystemExit("bench_multihost runs exactly 2 PEs")
    dst = shmem.shmem_malloc(biggest)
    small = shmem.shmem_malloc(64)
    results: dict = {}
    if me == 0:
        if shmem.shmem_ptr(dst, 1) != 0:
            raise SystemExit("PE 1 is mapped here: the PEs are not on two hosts")
        local = (ctypes.c_char * biggest)()
        ctypes.memset(local, 0x5A, biggest)
        src = ctypes.addressof(local)
        put, get, put_nbi, quiet = shmem.shmem_putmem, shmem.shmem_getmem, shmem.shmem_putmem_nbi, shmem.shmem_quiet
        if args.pe_latency_only:
            for name, fn in (("put8", lambda: put(small, src, 8, 1)), ("get8", lambda: get(src, small, 8, 1))):
                results[name] = usage_per_call(fn)
            sizes = []
        if not lanes_run:
            results["put8_s"] = timed(lambda: put(small, src, 8, 1), args.seconds, args.repeats)
            results["get8_s"] = timed(lambda: get(src, small, 8, 1), args.seconds, args.repeats)
            results["put8_switches"] = switches_per_call(lambda: put(small, src, 8, 1))
            results["get8_switches"] = switches_per_call(lambda: get(src, small, 8, 1))
        for n in sizes:
            batch = max(2, (64 * MIB) // n)

            def nbi(n=n, batch=batch):
                for _ in range(batch):
                    put_nbi(dst, src, n, 1)
                quiet()

            fig = {"put": [n / s / 1e9 for s in timed(lambda n=n: put(dst, src, n, 1), args.seconds, args.repeats)]}
            if not lanes_run:
                fig["put_nbi"] = [batch * n / s / 1e9 for s in timed(nbi, args.seconds, args.repeats)]
            fig["get"] = [n / s / 1e9 for s in timed(lambda n=n: get(src, dst, n, 1), args.seconds, args.repeats)]
            results[n] = fig
        # The data arrived: PE 1 checks its copy after the barrier.
        ctypes.memset(local, 0xA5, biggest)
        shmem.shmem_putmem(dst, src, biggest, 1)
    shmem.shmem_barrier_all()
    if me == 1 and bytes(shmem.buffer(dst, biggest)) != b"\xa5" * biggest:
        raise SystemExit("PE 1: the data that arrived is wrong")
    shmem.shmem_finialize()
    return results if me == 0 else None


def run_pes(hosts, argv: list[str], pythonpath: str | None = None, timeout: float = 900) -> dict:
    """Runs this script as PE 0 on host A and PE 1 on host B (importing shmem from pythonpath when given); PE 0's
    figures."""
    ip_port = hosts.ip_port(20000 + (os.getpid() + 7) % 20000)
    procs = []
    for rank, host in enumerate((hosts.a, hosts.b)):
        # Distinct host identities: both namespaces see this machine's processes in /proc (see tests/netns.py).
        env = dict(os.environ, SHMEM_RANK=str(rank), SHMEM_NPES="2", SHMEM_IP_PORT=ip_port, SHMEM_HOST_ID=host.name)
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        procs.append(host.popen([sys.executable, __file__, "--pe", *argv], env=env, stdout=subprocess.PIPE,
                                text=True))
    try:
        out, _ = procs[0].communicate(timeout=timeout)
        procs[1].wait(timeout=60)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    if procs[0].returncode or procs[1].returncode:
        raise SystemExit(f"the PEs failed: exit {procs[0].returncode}, {procs[1].returncode}")
    raw = json.loads(out.strip().splitlines()[-1])
    return {(int(k) if k.isdigit() else k): v for k, v in raw.items()}


# ---------------------------------------------------------------- figures


def rows_of(r: dict, tcp: dict, sizes: list[int]) -> list[dict]:
    """One row per measure: shmem's median and best, the raw TCP baseline's median, their ratio and the target.
    Bandwidths in GB/s (ratio: shmem / TCP, higher is better), latencies in us (ratio: shmem / TCP, lower is
    better)."""
    med = statistics.median
    rtt = [8 / gb / 1e3 for gb in tcp[8]["ack"]]  # one 8 B message and its 1 B answer, in us
    rows = []
    for name, key in (("put 8 B", "put8_s"), ("get 8 B", "get8_s")):
        if key in r:
            us = [s * 1e6 for s in r[key]]
            rows.append({"measure": name, "size": 8, "unit": "us", "shmem": med(us), "best": min(us),
                         "tcp": med(rtt), "tcp_what": "round trip: 8 B there, 1 B back",
                         "ratio": med(us) / med(rtt), "target": LATENCY_TARGET if name == "put 8 B" else None,
                         "switches": r.get(key.replace("_s", "_switches"))})
    for n in sizes:
        s, t = r[n], tcp[n]
        for mode, base, what in (("put", "ack", "message + ack"), ("put_nbi", "stream", "stream"),
                                 ("get", "ack", "message + ack")):
            if mode not in s:
                continue
            rows.append({"measure": f"{mode} {n // MIB} MiB", "size": n, "unit": "GB/s", "shmem": med(s[mode]),
                         "best": max(s[mode]), "tcp": med(t[base]), "tcp_what": what,
                         "ratio": med(s[mode]) / med(t[base]),
                         "target": BANDWIDTH_TARGET if mode != "get" else None})
    return rows


def met(row: dict) -> bool | None:
    """Whether the row meets its target (None: it has none)."""
    if row["target"] is None:
        return None
    return row["ratio"] <= row["target"] if row["unit"] == "us" else row["ratio"] >= row["target"]


def run(seconds: float = 0.4, repeats: int = 5, max_size: int = 64 * MIB, tcp_piece: int = MIB,
        lanes: tuple[int, ...] = (1, 4), compare_pythonpath: str | None = None,
        compare_label: str = "other build", rounds: int = 6) -> dict:
    """The whole benchmark in one run; raises Unavailable where two hosts cannot be simulated. Returns
    {"rows": rows_of(...), "tcp": {"kind", "before", "after", "pooled"}, "lanes": {k: {"put", "get"} GB/s
    medians at the largest size}, "lanes_size", "raw": PE 0's figures, "compare": {"label", "rows", "raw"} or
    None, "rounds": {"this" | "other": {"put8" | "get8": [(switches, CPU s, wall s) per call, one per round]}}
    or None}. Every figure of one call comes from the same two namespaces, minutes apart at most."""
    sizes = [n for n in SIZES if n <= max_size] or [max_size]
    argv = ["--seconds", str(seconds), "--repeats", str(repeats), "--max-size", str(max_size)]
    import netns

    try:
        pair = netns.netns_pair()
        hosts = pair.__enter__()
    except netns.NetnsUnavailable as err:
        raise Unavailable(str(err)) from None
    try:
        command, kind = baseline_command()
        tcp_before = raw_tcp(hosts, command, sizes, seconds, repeats, tcp_piece)
        shm = run_pes(hosts, argv)
        other = run_pes(hosts, argv, pythonpath=compare_pythonpath) if compare_pythonpath else None
        by_lanes = {k: run_pes(hosts, [*argv, "--pe-qp-num", str(k), "--pe-sizes", str(sizes[-1])])
                    for k in lanes}
        alternating = None
        if compare_pythonpath and rounds > 0:
            alternating = {"this": {"put8": [], "get8": []}, "other": {"put8": [], "get8": []}}
            for _ in range(rounds):
                for who, path in (("this", None), ("other", compare_pythonpath)):
                    r = run_pes(hosts, [*argv, "--pe-latency-only", "--pe-sizes", str(MIB)], pythonpath=path)
                    for m in ("put8", "get8"):
                        alternating[who][m].append(r[m])
        tcp_after = raw_tcp(hosts, command, sizes, seconds, repeats, tcp_piece)
    finally:
        pair.__exit__(None, None, None)
    # Both baseline runs pooled: the machine's state before and after the PEs both count.
    tcp = {n: {k: tcp_before[n][k] + tcp_after[n][k] for k in tcp_before[n]} for n in tcp_before}
    med = statistics.median
    return {
        "rows": rows_of(shm, tcp, sizes),
        "tcp": {"kind": kind, "before": tcp_before, "after": tcp_after, "pooled": tcp},
        "lanes_size": sizes[-1],
        "lanes": {k: {m: med(r[sizes[-1]][m]) for m in ("put", "get")} for k, r in by_lanes.items()},
        "raw": shm,
        "compare": None if other is None else {"label": compare_label, "rows": rows_of(other, tcp, sizes),
                                               "raw": other},
        "rounds": alternating,
    }


# ---------------------------------------------------------------- report


def _fmt(row: dict, value: float) -> str:
    return f"{value:.1f} us" if row["unit"] == "us" else f"{value:.2f}"


def _ratio(row: dict) -> str:
    return f"{row['ratio']:.2f}x" if row["unit"] == "us" else f"{row['ratio']:.0%}"


def _target(row: dict) -> str:
    if row["target"] is None:
        return ""
    want = f"<= {row['target']:.1f}x" if row["unit"] == "us" else f">= {row['target']:.0%}"
    return f"{want}: {'met' if met(row) else 'MISSED'}"


def report(res: dict, args: argparse.Namespace) -> list[str]:
    tcp = res["tcp"]
    lines = [
        f"## Across two hosts: network namespaces joined by a veth pair ({os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}, Python {platform.python_version()})", "",
        f"1 PE per host; PE 0 on host A moves data to/from PE 1 on host B. Raw TCP baseline: {tcp['kind']}, same "
        f"namespaces, run before and after the PEs ({2 * args.repeats} loops pooled). Median of the timed loops "
        f"(best in parentheses); ratios of the medians. Bandwidth in GB/s.", "",
    ]
    cmp = res["compare"]
    other = {r["measure"]: r for r in cmp["rows"]} if cmp else {}
    cols = ["measure", "shmem", "raw TCP", "TCP baseline", "shmem / TCP", "target"]
    if cmp:
        cols += [cmp["label"], f"{cmp['label']} / TCP"]
    lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in res["rows"]:
        cells = [r["measure"], f"{_fmt(r, r['shmem'])} ({_fmt(r, r['best'])})", _fmt(r, r["tcp"]), r["tcp_what"],
                 _ratio(r), _target(r)]
        if cmp:
            o = other[r["measure"]]
            cells += [f"{_fmt(o, o['shmem'])} ({_fmt(o, o['best'])})", _ratio(o)]
        lines.append("| " + " | ".join(cells) + " |")
    for r in res["rows"]:
        if r.get("switches") is not None:
            o = other.get(r["measure"], {}).get("switches")
            lines.append(f"\n{r['measure']}: {r['switches']:.2f} context switches of PE 0's process per call"
                         + (f" ({cmp['label']}: {o:.2f})" if o is not None else "")
                         + " (a thread put to sleep and woken, or preempted)")
    if res.get("rounds"):
        med = statistics.median
        lines += ["", f"8 B latency, {len(res['rounds']['this']['put8'])} rounds alternating this build and "
                      f"{cmp['label']} (one job each, 2000 calls), medians over the rounds:", "",
                  "| call | build | us per call (best round) | CPU us per call, PE 0's process | context switches "
                  "per call |", "|---|---|---:|---:|---:|"]
        for m in ("put8", "get8"):
            for who, name in (("this", "this build"), ("other", cmp["label"])):
                f = res["rounds"][who][m]
                wall = [x[2] * 1e6 for x in f]
                lines.append(f"| {m[:3]} 8 B | {name} | {med(wall):.1f} ({min(wall):.1f}) | "
                             f"{med(x[1] * 1e6 for x in f):.1f} | {med(x[0] for x in f):.2f} |")
    if res["lanes"]:
        one = res["lanes"].get(1)
        lines += ["", f"qp_num: aclshmemx_set_qp_num(ROCE, k) before init opens k connections per peer; blocking "
                      f"{res['lanes_size'] // MIB} MiB transfers, GB/s:", "",
                  "| qp_num | put | get | put vs qp_num 1 | get vs qp_num 1 |", "|---:|---:|---:|---:|---:|"]
        for k, f in res["lanes"].items():
            vs = [f"{f[m] / one[m]:.2f}x" if one else "" for m in ("put", "get")]
            lines.append(f"| {k} | {f['put']:.2f} | {f['get']:.2f} | {vs[0]} | {vs[1]} |")
    return lines


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.pe:
        sizes = ([int(args.pe_sizes)] if args.pe_sizes else
                 [n for n in SIZES if n <= args.max_size] or [args.max_size])
        results = measure(args, sizes)
        if results is not None:
            print(json.dumps(results), flush=True)
        return 0
    lanes = tuple(int(k) for k in args.lanes.split(",") if k.strip())
    try:
        res = run(args.seconds, args.repeats, args.max_size, args.tcp_piece, lanes, args.compare_pythonpath,
                  args.compare_label, args.rounds)
    except Unavailable as err:
        print(f"bench_multihost: skipped: network namespaces unavailable: {err}")
        return 0
    print("\n".join(report(res, args)), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
