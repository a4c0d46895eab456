"""Two "hosts" on one machine: Linux network namespaces joined by a veth pair, for tests across hosts.

    with netns_pair() as hosts:
        results = hosts.run(4, "ring")          # PEs 0, 1 in host A, PEs 2, 3 in host B (a module of tests/programs)

    @pytest.fixture(scope="module")             # in a test module: skips with the reason where impossible
    def hosts():
        yield from netns.hosts_or_skip()

Each namespace has its own loopback and one end of a veth pair, addressed in a private test subnet
(10.213.<x>.1/24 in A, .2/24 in B). Those addresses exist only inside the two namespaces: no route leads out of
them, so nothing a test sends can reach any other machine or the host's own network.

The PEs are started by spmd.start (unchanged): for each host its ranks are started with `sys.executable` pointing
at a tiny shell wrapper that runs `ip netns exec <ns> <python>`, so spmd's environment, reporting, waiting and
killing all apply as they do on one host. The rendezvous address is host A's veth address; rank 0 must live there
(the default placement puts the first half of the ranks in A).

Everything is removed afterwards, also when a test fails: processes still running in the namespaces (ours: only
we start processes there) are killed, the namespaces deleted (which deletes the veth pair with them), the wrapper
scripts removed; teardown checks that `ip netns list` no longer shows them. When namespaces cannot be made (not
root, no iproute2, no permission, no veth support) hosts_or_skip skips with the reason. The module needs no
pytest unless it skips, so the benchmarks use it too.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spmd

# 10.213.0.0/16 is private (RFC 1918) and only ever configured inside namespaces made here.
SUBNET_PREFIX = "10.213"
_IP_TIMEOUT = 10.0
_counter = itertools.count()


class NetnsUnavailable(Exception):
    """Namespaces (or a veth pair) cannot be created here; the message says why."""


@dataclass(frozen=True)
class Host:
    """One simulated host: a namespace (None: the machine itself) and the address other hosts reach it at."""

    name: str  # also the PEs' SHMEM_HOST_ID
    addr: str
    netns: str | None
    python: str  # an executable that runs this interpreter inside the host
    link: str | None = None  # this host's end of the veth pair

    def set_link(self, up: bool) -> None:
        """Plugs (up) or pulls (down) this host's network cable: its end of the veth pair."""
        assert self.netns is not None and self.link is not None, "only a namespace host has a cable to pull"
        _ip("-n", self.netns, "link", "set", "dev", self.link, "up" if up else "down")

    def argv(self, argv: list[str]) -> list[str]:
        """argv run inside this host."""
        return list(argv) if self.netns is None else ["ip", "netns", "exec", self.netns, *argv]

    def popen(self, argv: list[str], **kw: Any) -> subprocess.Popen:
        """Starts argv inside this host, in a session of its own (so spmd.wait can kill its process group)."""
        kw.setdefault("start_new_session", True)
        return subprocess.Popen(self.argv(argv), **kw)

    def run(self, argv: list[str], **kw: Any) -> subprocess.CompletedProcess:
        kw.setdefault("timeout", 60)
        return subprocess.run(self.argv(argv), **kw)


@contextlib.contextmanager
def _python_as(executable: str) -> Iterator[None]:
    """Makes spmd.start run PEs with `executable` instead of this interpreter (the test process is single-
    threaded while it starts PEs, and the old value is back before anything else runs)."""
    saved = sys.executable
    sys.executable = executable
    try:
        yield
    finally:
        sys.executable = saved


@dataclass(frozen=True)
class Hosts:
    """Host A and host B; start PEs across them with start/run (spmd's semantics)."""

    a: Host
    b: Host

    def ip_port(self, port: int | None = None) -> str:
        """A rendezvous address on host A (where rank 0 runs)."""
        return f"tcp://{self.a.addr}:{port or spmd.free_port()}"

    def placement(self, n: int) -> list:
        """The default placement: ranks 0..ceil(n/2)-1 on A, the rest on B."""
        return [self.a] * (n - n // 2) + [self.b] * (n // 2)

    def start(self, n: int, module: str, *args: str, placement: list | None = None, env: dict | None = None,
              ip_port: str | None = None) -> list:
        """spmd.start_module across the hosts. Every PE gets SHMEM_HOST_ID=<its host's name>: both namespaces still see
        the machine's processes in /proc (a network namespace does not separate them), so without distinct host
        identities the PEs would map each other's heap segments directly and never use the network. With them
        each PE treats the other host's PEs as remote, as on separate machines. `env` is applied after that."""
        placement = placement if placement is not None else self.placement(n)
        assert len(placement) == n and placement[0] is self.a, "rank 0 serves the rendezvous: it must be on A"
        ip_port = ip_port if ip_port is not None else self.ip_port()
        procs = []
        for host in (self.a, self.b):
            ranks = [r for r in range(n) if placement[r] is host]
            if not ranks:
                continue
            penv = {"SHMEM_HOST_ID": host.name, **(env or {})}
            with _python_as(host.python):
                procs += spmd.start_module(n, module, *args, ranks=ranks, env=penv, ip_port=ip_port)
        return sorted(procs, key=lambda rp: rp[0])

    def run(self, n: int, module: str, *args: str, timeout: float = 60, check: bool = True, **kw: Any) -> list:
        """spmd.run_module across the hosts: waits for every PE; with check, every PE must exit 0."""
        results = spmd.wait(self.start(n, module, *args, **kw), timeout)
        if check:
            for pe in results:
                assert pe.returncode == 0, (
                    f"PE {pe.rank} exited {pe.returncode}\nstdout:\n{pe.stdout}\nstderr:\n{pe.stderr}")
        return results


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=_IP_TIMEOUT)
    if check and proc.returncode != 0:
        raise NetnsUnavailable(f"`ip {' '.join(args)}` failed: {proc.stderr.strip() or proc.returncode}")
    return proc


def netns_list() -> list:
    """The names `ip netns list` shows."""
    return [line.split()[0] for line in _ip("netns", "list").stdout.splitlines() if line.strip()]


def unavailable_reason() -> str | None:
    """Why namespaces cannot be created here (None: they probably can; creating them is the real test)."""
    if not sys.platform.startswith("linux"):
        return "network namespaces need Linux"
    if shutil.which("ip") is None:
        return "iproute2 (the `ip` command) is not installed"
    if os.geteuid() != 0:
        return "creating network namespaces needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)"
    return None


def _kill_inside(ns: str) -> None:
    """Kills what still runs in namespace ns: only this harness starts processes there."""
    proc = _ip("netns", "pids", ns, check=False)
    for pid in proc.stdout.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


def _wrapper(folder: Path, ns: str) -> str:
    path = folder / f"python-in-{ns}"
    path.write_text(f'#!/bin/sh\nexec ip netns exec {ns} "{sys.executable}" "$@"\n')
    path.chmod(0o755)
    return str(path)


@contextlib.contextmanager
def netns_pair() -> Iterator[Hosts]:
    """Creates host A and host B (see the module docstring); raises NetnsUnavailable with the reason when it
    cannot. Everything made is removed on the way out, whatever happened."""
    reason = unavailable_reason()
    if reason:
        raise NetnsUnavailable(reason)
    k = next(_counter)
    pid = os.getpid()
    names = (f"shm-a-{pid}-{k}", f"shm-b-{pid}-{k}")
    # The subnet only has to be unique per pair of namespaces, since each namespace has its own stack.
    subnet = f"{SUBNET_PREFIX}.{(pid + k) % 250 + 1}"
    addrs = (f"{subnet}.1", f"{subnet}.2")
    # Interface names live inside the namespaces (at most 15 characters).
    links = (f"va{pid}x{k}"[:15], f"vb{pid}x{k}"[:15])
    made: list = []
    folder = Path(tempfile.mkdtemp(prefix=f"shm-netns-{pid}-{k}-"))
    try:
        for ns in names:
            _ip("netns", "add", ns)
            made.append(ns)
        _ip("link", "add", links[0], "netns", names[0], "type", "veth", "peer", "name", links[1], "netns", names[1])
        for ns, link, addr in zip(names, links, addrs, strict=True):
            _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", link)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", link, "up")
        a, b = (Host(name=ns, addr=addr, netns=ns, python=_wrapper(folder, ns), link=link)
                for ns, addr, link in zip(names, addrs, links, strict=True))
        yield Hosts(a, b)
    finally:
        for ns in made:
            _kill_inside(ns)
            _ip("netns", "del", ns, check=False)
        shutil.rmtree(folder, ignore_errors=True)
        left = [ns for ns in netns_list() if ns in made]
        assert not left, f"network namespaces left behind: {left}"


def loopback_hosts() -> Hosts:
    """The stand-in where namespaces cannot be made: two "hosts" on this machine's loopback, told apart only by
    SHMEM_HOST_ID (so their PEs still talk over the network engine)."""
    return Hosts(Host("loop-a", "127.0.0.1", None, sys.executable), Host("loop-b", "127.0.0.1", None, sys.executable))


def hosts_or_skip() -> Iterator[Hosts]:
    """For a fixture (`yield from`): host A and host B in namespaces; pytest.skip with the reason where they
    cannot be made."""
    try:
        pair = netns_pair()
        made = pair.__enter__()
    except NetnsUnavailable as err:
        import pytest

        pytest.skip(f"network namespaces unavailable: {err}")
    try:
        yield made
    finally:
        pair.__exit__(None, None, None)


def hosts_or_loopback() -> Iterator[Hosts]:
    """For a fixture (`yield from`): like hosts_or_skip, but two "hosts" on loopback instead of skipping."""
    try:
        pair = netns_pair()
        made = pair.__enter__()
    except NetnsUnavailable:
        yield loopback_hosts()
        return
    try:
        yield made
    finally:
        pair.__exit__(None, None, None)
