"""Jobs across hosts: two network namespaces joined by a veth pair (tests/netns.py), two PEs in each.

PEs 0 and 1 live in host A, PEs 2 and 3 in host B; the pairs (0, 2) and (1, 3) talk only through the network
engine. What is checked across the hosts: puts and gets of many sizes byte for byte in both directions (blocking,
NBI + quiet), put-with-signal (the data is there whenever the signal is, also when the waiter sleeps),
signal_wait_until, atomics from all four PEs on one word exact, barriers, strided teams with their barrier and
collectives, shmem_ptr (0 across hosts only), a dead PE on the other host failing waits and transfers with
SHMEM_BOOTSTRAP_ERROR instead of hanging, a host that vanishes (its cable pulled: no FIN, no RST) doing the same
through TCP keepalive, no /dev/shm file left, and that a process without the job secret cannot write into a PE's
heap through its data port. On one host, the ROCE engine sends everything through the network. Where namespaces
cannot be created the cross-host tests skip with the reason."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import netns
import pytest
import shmem
import spmd
from programs.multihost import VANISH_TIMEOUT as _VANISH_TIMEOUT  # the PEs' operation timeout


@pytest.fixture(scope="module")
def hosts():
    yield from netns.hosts_or_skip()


def no_failures(results: list) -> None:
    for pe in results:
        assert pe.report == [], f"PE {pe.rank}: {pe.report}\n{pe.stderr}"


def test_put_get_of_many_sizes_across_hosts_byte_for_byte(hosts):
    results = hosts.run(4, "multihost", "put_get", timeout=60)
    for pe in results:
        ptrs, bad = pe.report
        assert bad == [], f"PE {pe.rank}: {bad}"
        same_host = [0, 1] if pe.rank < 2 else [2, 3]
        assert ptrs == [q in same_host for q in range(4)], f"PE {pe.rank}: shmem_ptr non-zero for {ptrs}"


def test_put_with_signal_across_hosts_data_visible_with_the_signal(hosts):
    results = hosts.run(4, "multihost", "put_signal", timeout=60)
    no_failures(results)


def test_atomics_from_all_four_pes_on_one_word_are_exact(hosts):
    results = hosts.run(4, "multihost", "atomics", timeout=60)
    tickets = sorted(t for pe in results for t in pe.report[0])
    assert tickets == list(range(600)), "fetch_add tickets are not unique and dense"
    for pe in results:
        assert pe.report[1] == [600, 600, 160], f"PE {pe.rank}: final counters {pe.report[1]}"
        assert pe.report[2] == [], f"PE {pe.rank}: {pe.report[2]}"


def test_barriers_strided_teams_and_collectives_across_hosts(hosts):
    results = hosts.run(4, "multihost", "teams", timeout=60)
    no_failures(results)


def test_a_pe_dying_on_the_other_host_fails_waits_and_transfers_not_hangs(hosts):
    results = hosts.run(4, "multihost", "dead_pe", check=False, timeout=60)
    assert results[3].returncode == 9
    for pe in results[:3]:
        assert pe.returncode == 0, f"PE {pe.rank}\n{pe.stderr}"
        outcome, transfer, left = pe.report
        assert outcome[0] == shmem.SHMEM_BOOTSTRAP_ERROR, f"PE {pe.rank}: {outcome}"
        assert outcome[1] < 60, f"PE {pe.rank} took {outcome[1]:.1f}s to notice (init timeout 60s)"
        assert left == []
    transfer = results[0].report[1]
    assert transfer[0] == shmem.SHMEM_BOOTSTRAP_ERROR, transfer
    assert transfer[1] < 60


# A host that vanishes: host B's cable (its end of the veth) is pulled while the PEs wait. No FIN, no RST, just
# silence; TCP keepalive on the rendezvous connections (about 11 s) is what turns it into an error. The PEs write
# ready-<rank> into the test's folder once they are about to wait.


def _pull_cable_once_ready(hosts, folder, procs, wait_timeout: float) -> list:
    try:
        deadline = time.monotonic() + 30
        while len(list(folder.glob("ready-*"))) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(list(folder.glob("ready-*"))) == 4, "the PEs did not get going"
        time.sleep(0.3)                      # every PE is inside its wait by now
        hosts.b.set_link(False)
        return spmd.wait(procs, timeout=wait_timeout)
    finally:
        hosts.b.set_link(True)


def _vanish(folder, stagger: float, finalize: bool) -> tuple:
    # PEs 0 and 2 wait for a signal, PEs 1 and 3 in a barrier; PE 3 starts `stagger` seconds after the others.
    # Without finalize the PEs leave with os._exit once they have reported (their segments have no name to leave).
    return "multihost", "vanish", str(folder), str(stagger), "1" if finalize else "0"


def test_a_host_that_vanishes_makes_every_wait_fail_on_both_sides(hosts, tmp_path):
    results = _pull_cable_once_ready(hosts, tmp_path, hosts.start(4, *_vanish(tmp_path, 0, False)), 60)
    for pe in results:
        assert pe.returncode == 0, f"PE {pe.rank}\n{pe.stderr}"
        code, took, _ = pe.report
        assert code == shmem.SHMEM_BOOTSTRAP_ERROR, f"PE {pe.rank}: {pe.report}"
        assert took < _VANISH_TIMEOUT, f"PE {pe.rank} took {took:.0f}s: the keepalive did not notice"


def test_finalize_after_a_host_vanished_does_not_wait_out_the_timeout(hosts, tmp_path):
    # PE 3 talks to the rendezvous 2 s after PE 2, so the keepalive gives up on PE 2's connection first; the server
    # then queues PE 2's loss to PE 3, and PE 3's connection is no longer idle: keepalive stops probing it. (With no
    # stagger the two expire in the same instant and the bug shows only now and then.)
    results = _pull_cable_once_ready(hosts, tmp_path, hosts.start(4, *_vanish(tmp_path, 2, True)), 90)
    for pe in results:
        assert pe.returncode == 0, f"PE {pe.rank}\n{pe.stderr}"
        code, _, finalize = pe.report
        assert code == shmem.SHMEM_BOOTSTRAP_ERROR, f"PE {pe.rank}: {pe.report}"
        assert finalize < _VANISH_TIMEOUT, f"PE {pe.rank}: finalize took {finalize:.0f}s, the operation timeout"


def test_a_put_to_a_vanished_host_fails_instead_of_hanging(hosts, tmp_path):
    procs = hosts.start(4, "multihost", "vanished_put", str(tmp_path))
    results = _pull_cable_once_ready(hosts, tmp_path, procs, 60)
    outcome = results[0].report
    assert outcome[0] == shmem.SHMEM_BOOTSTRAP_ERROR, f"the put to PE 2: {outcome}"
    assert outcome[1] < 18


# A process that is not part of the job talks to a PE's data port (programs/intruder.py).
INTRUDER = Path(__file__).resolve().parent / "programs" / "intruder.py"


def test_a_process_without_the_job_secret_cannot_write_into_a_heap(hosts, tmp_path):
    port_file, done_file = tmp_path / "port", tmp_path / "attacked"
    procs = hosts.start(4, "multihost", "intruded", str(port_file), str(done_file))
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert port_file.exists(), "PE 1 did not publish its data port"
        ports = json.loads(port_file.read_text())
        assert len(ports) == 1, f"PE 1 listens on {ports}, expected only its data port"
        # The intruder runs on host B, like any process on another machine of the network.
        intruder = hosts.b.run([sys.executable, str(INTRUDER), hosts.a.addr, str(ports[0])],
                               capture_output=True, text=True, timeout=60)
        done_file.write_text("done")
    finally:
        done_file.touch()
        results = spmd.wait(procs, timeout=60)
    assert intruder.returncode == 0, intruder.stderr
    seen = json.loads(intruder.stdout)
    for kind in ("raw", "guess", "size"):
        assert seen[kind]["magic"] == "SHMN" and seen[kind]["server_rank"] == 1, seen
        # the server closes the connection without a byte of answer to the put
        assert seen[kind]["after"] in ("", "<ConnectionResetError>"), seen
    assert seen["guess"]["verdict"] == 1, seen       # job secret mismatch
    assert seen["size"]["verdict"] == 2, seen        # not a PE of this job
    for pe in results:
        assert pe.returncode == 0, f"PE {pe.rank}\n{pe.stderr}"
    no_failures(results)


def test_roce_engine_on_one_host_sends_everything_over_the_network():
    results = spmd.run_module(3, "multihost", "roce_one_host", timeout=60)
    assert sorted(t for pe in results for t in pe.report[0]) == list(range(300))
    for pe in results:
        assert pe.report[1] == [], f"PE {pe.rank}: {pe.report[1]}"
