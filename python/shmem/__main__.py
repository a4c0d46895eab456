"""``python -m shmem info``: what this installation, this machine and the launcher's environment look like.

Under a launcher (for example ``shmemrun -n 4 python -m shmem info``) every PE also starts a small job, and PE 0
prints how each PE reaches every other (load/store, copy engine or network) and where they met."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from . import _diag

_SLOT = 1024  # bytes of a PE's one-line summary in PE 0's heap


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _limit(lim: dict[str, int | None], fmt: Callable[[int], str]) -> str:
    soft, hard = (("unlimited" if v is None else fmt(v)) for v in (lim["soft"], lim["hard"]))
    return soft if soft == hard else f"{soft} (hard {hard})"


def _print_report(rep: dict[str, Any]) -> None:
    s, py, la, sy = rep["shmem"], rep["python"], rep["launcher"], rep["system"]
    b = s["build"]
    print(f"shmem {s['version']} ({s['name']}), API level {s['api_level'][0]}.{s['api_level'][1]}")
    print(f"  installed at  {s['location']}")
    print(f"  built with    {b.get('go_version')} {b.get('goos')}/{b.get('goarch')}, cgo {b.get('CGO_ENABLED', '?')}, "
          f"trimpath {b.get('-trimpath', 'false')}, revision {b.get('vcs.revision', 'unknown')}")
    print(f"python {py['version']} ({py['implementation']}) {py['executable']}")
    print(f"  platform      {py['platform']}")
    print("launcher")
    if "error" in la:
        print(f"  error         {la['error']}")
    elif la["detected"] is None:
        print("  detected      none: shmem.init() starts a job of one PE")
    else:
        print(f"  detected      {la['detected']}: rank {la['rank']} of {la['npes']}, local rank {la['local_rank']}")
    addr = la.get("ip_port")
    print(f"  rendezvous    {addr if addr else 'none (a job of one needs none; more PEs need an address)'}")
    print("  read          " + ("\n                ".join(
        f"{k}={v!r}" if v is not None else f"{k} (unset)" for k, v in la["read"].items()) or "nothing"))
    print(f"  log level     SHMEM_LOG_LEVEL={rep['log_level']!r}")
    print("system")
    hp = sy["heaps"]
    room = "unknown" if hp["memory_available"] is None else _size(hp["memory_available"] + (hp["swap_free"] or 0))
    print(f"  heaps         memfds (no file in /dev/shm, freed with their last mapping); room for new ones: {room} "
          f"(MemAvailable + free swap)")
    live = hp["live"]
    print(f"  live heaps    {len(live)} in this user's jobs, {_size(sum(h['bytes'] for h in live))}"
          + "".join(f"\n                {h['label']} {_size(h['bytes'])}, mapped by pids "
                    f"{', '.join(map(str, h['mapped_by']))}" for h in live))
    print(f"  ulimit -l     {_limit(sy['memlock_bytes'], _size)} (locked memory)")
    print(f"  ulimit -n     {_limit(sy['open_files'], str)} (open files: a PE holds one socket per remote peer)")
    print(f"  ulimit -v     {_limit(sy['address_space_bytes'], _size)} (address space: each PE maps every local heap)")
    print(f"  kernel shm    shmmax {sy['kernel.shmmax']}, shmall {sy['kernel.shmall']}, shmmni {sy['kernel.shmmni']}")
    print(f"  local ports   {sy['ip_local_port_range']}")
    print(f"  cpus          {sy['cpus']}")


def _peer_line(info: dict[str, Any]) -> str:
    groups: dict[str, list[int]] = {}
    for p in info["peers"]:
        if p["engine"] != "self":
            groups.setdefault(p["engine"], []).append(p["pe"])
    engines = "; ".join(f"{e} to PEs {_ranges(pes)}" for e, pes in groups.items()) or "no peers"
    return (f"PE {info['rank']} on {info['hostname']}: {engines}; reached rank 0 from {info['local_addr']}; "
            f"init {info['init_ms']:.1f} ms")


def _ranges(pes: list[int]) -> str:
    parts, i = [], 0
    while i < len(pes):
        k = i
        while k + 1 < len(pes) and pes[k + 1] == pes[k] + 1:
            k += 1
        parts.append(str(pes[i]) if k == i else f"{pes[i]}-{pes[k]}")
        i = k + 1
    return ",".join(parts)


def _job(as_json: bool, report: dict[str, Any]) -> int:
    """Starts a small job; PE 0 prints its peer table and every PE's one-line summary (gathered through the heap)."""
    import shmem

    try:
        shmem.init(mem_size=1 << 20)
    except shmem.ShmemError as err:
        print(f"shmem info: init failed: {err}", file=sys.stderr)
        return 1
    info = shmem.job_info()
    me, n = shmem.my_pe(), shmem.pe_count()
    slots = shmem.shmem_malloc(_SLOT * n)
    line = (json.dumps(info) if as_json else _peer_line(info)).encode()
    if len(line) > _SLOT:  # a very large job: the summary without the peer table
        brief = {k: v for k, v in info.items() if k not in ("peers", "startup")}
        line = (json.dumps(brief) if as_json else line.decode()[: _SLOT // 2]).encode()[:_SLOT]
    shmem.shmem_putmem(slots + me * _SLOT, line.ljust(_SLOT, b"\0"), _SLOT, 0)
    shmem.shmem_barrier_all()
    if me == 0:
        raw = bytes(shmem.buffer(slots, _SLOT * n))
        lines = [raw[i * _SLOT:(i + 1) * _SLOT].rstrip(b"\0").decode() for i in range(n)]
        if as_json:
            print(json.dumps({**report, "job": info, "pes": [json.loads(x) for x in lines]}, indent=2))
        else:
            print(f"job: {n} PEs met at {info['rendezvous']} (served by PE 0)")
            print("PE 0's view, peer by peer:")
            for p in info["peers"]:
                print(f"  PE {p['pe']:<4} {p['host']:<20} {p['engine']:<8} {p['reason']}")
            print("every PE:")
            for x in lines:
                print("  " + x)
            steps = ", ".join(f"{s['name']} {s['ms']:.1f} ms" for s in info["startup"])
            print(f"PE 0's start-up: {steps}")
    shmem.shmem_barrier_all()
    shmem.shmem_free(slots)
    shmem.shmem_finialize()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shmem", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("info", help="versions, build, launcher environment, heaps, memory, limits; under a launcher, "
                                    "the job's engines per peer and rendezvous address")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--no-job", action="store_true", help="under a launcher too, only report; start no job")
    args = parser.parse_args(argv)
    rep = _diag.report()
    under_launcher = rep["launcher"].get("detected") is not None
    if not under_launcher or args.no_job:
        if args.json:
            print(json.dumps(rep, indent=2))
        else:
            _print_report(rep)
        return 0
    if rep["launcher"]["rank"] == 0 and not args.json:
        _print_report(rep)
        sys.stdout.flush()
    return _job(args.json, rep)


if __name__ == "__main__":
    sys.exit(main())
