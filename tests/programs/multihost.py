"""Jobs across two hosts (network namespaces; tests/test_multihost.py): ``python -m programs.multihost <case> [args]``.

PEs 0 and 1 live in host A, PEs 2 and 3 in host B; each case reports the list of failed checks (or its findings)."""

from __future__ import annotations

import json
import os
import random
import threading
import time
from typing import Any

import numpy as np
import shmem

from programs.pe import IP_PORT, NPES, RANK, dispatch, report

SET, ADD = shmem.SHMEM_SIGNAL_SET, shmem.SHMEM_SIGNAL_ADD
VANISH_TIMEOUT = 15      # seconds: the PEs' operation timeout (shmem_set_timeout), above the keepalive's 11 s


def init(mem: int = 1 << 24, engine: Any = None, timeout: int | None = None) -> None:
    attr = shmem.InitAttr()
    assert shmem.shmem_set_attributes(RANK, NPES, mem, IP_PORT, attr) == 0
    if engine is not None:
        assert shmem.shmem_set_data_op_engine_type(attr, engine) == 0
    if timeout is not None:
        assert shmem.shmem_set_timeout(attr, timeout) == 0
    assert shmem.shmem_init(RANK, NPES, mem) == 0


def pattern(tag: Any, n: int) -> bytes:
    return random.Random(str(tag)).randbytes(n)


def across(pe: int) -> int:
    """The PE at the same place on the other host: 0 <-> 2, 1 <-> 3."""
    return (pe + 2) % 4


def my_segments() -> list[str]:
    return [n for n in os.listdir("/dev/shm") if n.startswith(f"shmem-{os.getpid()}-")]


BAD: list[str] = []


def check(what: str, ok: bool) -> None:
    if not ok:
        BAD.append(what)


def listening_ports() -> list[int]:
    """The data port of a PE is learned from the kernel: the TCP sockets in LISTEN state that this process owns
    (PE 1 serves no rendezvous, so its only listener is the network engine)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = []
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:      # 0A: LISTEN
                    ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def put_get() -> None:
    """Puts and gets of many sizes across the hosts, byte for byte, blocking and nbi."""
    init()
    sizes = [1, 7, 8, 63, 64, 65, 4095, 4096, 16385, 65543, 1 << 20, (1 << 20) + 3, (3 << 20) + 5]
    cap = (4 << 20) + 128
    src, dst, dst_nbi = (shmem.shmem_malloc(cap) for _ in range(3))
    ptrs = [shmem.shmem_ptr(src, pe) != 0 for pe in range(NPES)]
    peer = across(RANK)
    for i, n in enumerate(sizes):
        off = 3 * (i % 2)          # every other size lands 3 bytes off the block's alignment
        shmem.buffer(dst, cap)[:] = b"\xee" * cap
        shmem.buffer(dst_nbi, cap)[:] = b"\xee" * cap
        mine = pattern((RANK, n), n)
        shmem.buffer(src + off, n)[:] = mine
        shmem.shmem_barrier_all()
        shmem.shmem_putmem(dst + off, src + off, n, peer)             # from symmetric memory
        local = bytearray(mine)    # an NBI source must live (untouched) until quiet
        shmem.shmem_putmem_nbi(dst_nbi + off, local, n, peer)          # from a local buffer
        shmem.shmem_quiet()
        back = bytearray(n)
        shmem.shmem_getmem(back, dst_nbi + off, n, peer)               # NBI put complete after quiet
        check(f"nbi put of {n} not complete after quiet", back == mine)
        shmem.shmem_barrier_all()
        theirs = pattern((peer, n), n)
        got = bytes(shmem.buffer(dst, cap))
        check(f"put of {n}: data", got[off:off + n] == theirs)
        check(f"put of {n}: bytes around it touched", got[:off] + got[off + n:] == b"\xee" * (cap - n))
        got = bytes(shmem.buffer(dst_nbi, cap))
        check(f"nbi put of {n}: data", got[off:off + n] == theirs)
        check(f"nbi put of {n}: bytes around it touched", got[:off] + got[off + n:] == b"\xee" * (cap - n))
        back = bytearray(n)
        shmem.shmem_getmem(back, src + off, n, peer)
        check(f"get of {n}", back == theirs)
        back_nbi = bytearray(n + 8)
        shmem.shmem_getmem_nbi(back_nbi, src + off, n, peer)
        shmem.shmem_quiet()
        check(f"nbi get of {n}", back_nbi[:n] == theirs and back_nbi[n:] == bytes(8))
        shmem.shmem_barrier_all()  # nobody refills src before the peer has read it
    shmem.shmem_finialize()
    check(f"segments left: {my_segments()}", my_segments() == [])
    report([ptrs, BAD])


def put_signal() -> None:
    """Put-with-signal across the hosts: the data is there whenever the signal is."""
    init()
    n_max = (1 << 20) + 5
    buf, sig, ready = shmem.shmem_malloc(n_max), shmem.shmem_malloc(64), shmem.shmem_malloc(64)
    slots = shmem.shmem_malloc(4 * 65536)
    shmem.shmem_barrier_all()
    peer = across(RANK)

    # A waiter asleep on the futex is woken by an update that came over the network.
    if RANK == 2:
        t0 = time.monotonic()
        shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_EQ, 77)
        waited = time.monotonic() - t0
        check(f"woke after {waited:.3f}s, before the signal was sent", waited > 0.2)
        check(f"the wake-up took {waited:.3f}s", waited < 5)
        check("data with the wake-up", bytes(shmem.buffer(buf, 4096)) == pattern("sleeper", 4096))
    elif RANK == 0:
        time.sleep(0.5)
        shmem.shmem_putmem_signal(buf, pattern("sleeper", 4096), 4096, sig, 77, SET, 2)
    shmem.shmem_barrier_all()
    shmem.buffer(sig, 4)[:] = bytes(4)
    shmem.shmem_barrier_all()

    # Ping-pong between the hosts (0 <-> 2 and 1 <-> 3 at once): every round's payload differs, and the
    # receiver checks all of it as soon as it sees the round's signal.
    sizes = [8, 4096, n_max, 1]
    rounds = 40
    put = [shmem.shmem_putmem_signal, shmem.shmem_putmem_signal_nbi]
    for r in range(1, rounds + 1):
        n = sizes[r % len(sizes)]
        if RANK < 2:
            put[r % 2](buf, pattern((RANK, r), n), n, sig, r, SET, peer)
            seen = shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_GE, r)
            check(f"round {r}: signal {seen}", seen == r)
            check(f"round {r}: reply data", bytes(shmem.buffer(buf, n)) == pattern((peer, r), n))
        else:
            seen = shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_GE, r)
            check(f"round {r}: signal {seen}", seen == r)
            check(f"round {r}: data", bytes(shmem.buffer(buf, n)) == pattern((peer, r), n))
            put[r % 2](buf, pattern((RANK, r), n), n, sig, r, SET, peer)
    shmem.shmem_quiet()
    shmem.shmem_barrier_all()

    # Fan-in with ADD: every other PE (one on PE 2's host, two on the other) sends a slot and adds 1;
    # PE 2 sees all three slots once the sum is 3 per round.
    for r in range(1, 11):
        if RANK != 2:
            data = pattern((RANK, "fan", r), 65536)
            (shmem.shmem_putmem_signal_nbi if r % 2 else shmem.shmem_putmem_signal)(
                slots + RANK * 65536, data, 65536, ready, 1, ADD, 2)
            shmem.shmem_quiet()
        else:
            got = shmem.shmem_signal_wait_until(ready, shmem.SHMEM_CMP_GE, 3 * r)
            check(f"fan-in round {r}: sum {got}", got == 3 * r)
            for pe in (0, 1, 3):
                check(f"fan-in round {r}: slot of PE {pe}",
                      bytes(shmem.buffer(slots + pe * 65536, 65536)) == pattern((pe, "fan", r), 65536))
        shmem.shmem_barrier_all()
    check("signal_fetch after the fan-in", RANK != 2 or shmem.shmem_signal_fetch(ready) == 30)
    shmem.shmem_finialize()
    report(BAD)


def atomics() -> None:
    """Atomics from all four PEs on one word: exact."""
    init()
    c64, c32, lock = shmem.shmem_malloc(8), shmem.shmem_malloc(4), shmem.shmem_malloc(8)
    words = shmem.shmem_malloc(64)
    shmem.shmem_barrier_all()
    # Tickets from a 64-bit counter on PE 3 (host B): PEs 0 and 1 reach it over the network, PE 2 through
    # shared memory, PE 3 in its own heap. Every ticket must be unique.
    tickets = [shmem.shmem_int64_atomic_fetch_add(c64, 1, 3) for _ in range(150)]
    # 32-bit increments and compare-and-swap increments on PE 0 (host A).
    for _ in range(150):
        shmem.shmem_int32_atomic_inc(c32, 0)
    cas_tries = 0
    for _ in range(40):
        old = shmem.shmem_int64_atomic_fetch(lock, 1)
        while True:
            cas_tries += 1
            seen = shmem.shmem_int64_atomic_compare_swap(lock, old, old + 1, 1)
            if seen == old:
                break
            old = seen
    shmem.shmem_barrier_all()
    final = [shmem.shmem_int64_atomic_fetch(c64, 3), shmem.shmem_int32_atomic_fetch(c32, 0),
             shmem.shmem_int64_atomic_fetch(lock, 1)]
    # Every operation once on the other host's PE, on a word nobody else touches.
    peer = across(RANK)
    w32, w64, wdouble = words, words + 8, words + 16    # only this PE writes the peer's words
    shmem.shmem_uint64_atomic_set(w64, (1 << 64) - 2, peer)
    check("uint64 set/fetch", shmem.shmem_uint64_atomic_fetch(w64, peer) == (1 << 64) - 2)
    check("uint64 fetch_inc", shmem.shmem_uint64_atomic_fetch_inc(w64, peer) == (1 << 64) - 2)
    check("uint64 swap", shmem.shmem_uint64_atomic_swap(w64, 5, peer) == (1 << 64) - 1)
    check("int64 failing cswap", shmem.shmem_int64_atomic_compare_swap(w64, 4, 9, peer) == 5)
    check("int64 cswap", shmem.shmem_int64_atomic_compare_swap(w64, 5, -9, peer) == 5)
    shmem.shmem_int64_atomic_add(w64, 10, peer)
    check("int64 add", shmem.shmem_int64_atomic_fetch(w64, peer) == 1)
    shmem.shmem_int32_atomic_set(w32, -(1 << 31), peer)
    check("int32 fetch_add", shmem.shmem_int32_atomic_fetch_add(w32, 5, peer) == -(1 << 31))
    check("int32 swap", shmem.shmem_int32_atomic_swap(w32, 7, peer) == -(1 << 31) + 5)
    check("uint32 fetch", shmem.shmem_uint32_atomic_fetch(w32, peer) == 7)
    shmem.shmem_double_p(wdouble, 2.5, peer)
    check("typed put/get", shmem.shmem_double_g(wdouble, peer) == 2.5)
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report([tickets, final, BAD])


def teams() -> None:
    """Barriers, strided teams across the hosts, their barrier and collectives."""
    init()
    W, INVALID = shmem.SHMEM_TEAM_WORLD, shmem.SHMEM_TEAM_INVALID
    arr = shmem.array(1000, "int64")
    out = shmem.array(1000, "int64")
    gathered = shmem.array((4, 16), "float64")
    part = shmem.array(16, "float64")
    flag = shmem.shmem_malloc(8)
    for _ in range(30):
        shmem.shmem_barrier_all()
    # The barrier orders across hosts: each round one PE writes to everybody after the barrier.
    for r in range(8):
        writer = r % 4
        if RANK == writer:
            for pe in range(NPES):
                shmem.shmem_int64_p(flag, r, pe)
        shmem.shmem_barrier_all()
        check(f"barrier round {r}", shmem.shmem_int64_g(flag, RANK) == r)
        shmem.shmem_barrier_all()
    # Teams whose members sit on both hosts: {0, 2} and {1, 3}.
    even = shmem.team_split_strided(W, 0, 2, 2)
    odd = shmem.team_split_strided(W, 1, 2, 2)
    team = even if RANK % 2 == 0 else odd
    check("the other split is invalid here", (odd if RANK % 2 == 0 else even) == INVALID)
    check("team rank", shmem.team_my_pe(team) == RANK // 2 and shmem.team_n_pes(team) == 2)
    check("translate", shmem.team_translate_pe(team, 1, W) == RANK % 2 + 2)
    for _ in range(20):
        shmem.shmem_barrier(team)
    arr[:] = np.arange(1000) * (RANK + 1)
    shmem.sum_reduce(out, arr, team)
    mates = [RANK % 2, RANK % 2 + 2]
    check("team sum_reduce", np.array_equal(out, np.arange(1000) * sum(pe + 1 for pe in mates)))
    shmem.max_reduce(out, arr, team)
    check("team max_reduce", np.array_equal(out, np.arange(1000) * (max(mates) + 1)))
    arr[:] = np.arange(1000) + 1000 * RANK
    shmem.broadcast(out, arr, 1, team)   # from the member on host B
    check("team broadcast", np.array_equal(out, np.arange(1000) + 1000 * mates[1]))
    # World collectives over both hosts.
    arr[:] = RANK + 1
    shmem.prod_reduce(out, arr)
    check("world prod_reduce", (out == 24).all())
    part[:] = np.arange(16) + 100 * RANK
    shmem.fcollect(gathered, part)
    check("world fcollect", np.array_equal(gathered, np.stack([np.arange(16) + 100 * pe for pe in range(4)])))
    shmem.team_destroy(team)
    shmem.shmem_barrier_all()
    shmem.shmem_finialize()
    report(BAD)


def dead_pe() -> None:
    """A PE on the other host dies: waits and transfers fail with the bootstrap error."""
    init(timeout=60)
    sig, buf = shmem.shmem_malloc(64), shmem.shmem_malloc(1 << 16)
    shmem.shmem_barrier_all()
    if RANK == 3:
        time.sleep(0.5)            # the others are waiting by now
        os._exit(9)
    t0 = time.monotonic()
    try:
        if RANK == 1:
            shmem.shmem_barrier_all()
        else:
            shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_EQ, 1)   # PE 3 would have sent it
        outcome: list[Any] = ["returned"]
    except shmem.ShmemError as e:
        outcome = [e.code, time.monotonic() - t0]
    transfer: list[Any] | None = None
    if RANK == 0:                  # PE 3 is reached over the network from here
        t0 = time.monotonic()
        try:
            shmem.shmem_putmem(buf, b"x" * 65536, 65536, 3)
            shmem.shmem_getmem(bytearray(8), buf, 8, 3)
            transfer = ["returned"]
        except shmem.ShmemError as e:
            transfer = [e.code, time.monotonic() - t0]
    shmem.shmem_finialize()        # warns: the final meeting misses PE 3
    report([outcome, transfer, my_segments()])


def vanish(folder: str, stagger: str, finalize: str) -> None:
    """PEs 0 and 2 wait for a signal, PEs 1 and 3 in a barrier; PE 3 starts `stagger` seconds after the others.
    Without finalize ("0") the PEs leave with os._exit once they have reported."""
    init(timeout=VANISH_TIMEOUT)
    sig = shmem.shmem_malloc(64)
    shmem.shmem_barrier_all()
    if RANK == 3:
        time.sleep(float(stagger))
    open(os.path.join(folder, f"ready-{RANK}"), "w").close()
    t0 = time.monotonic()
    try:
        if RANK % 2:
            shmem.shmem_barrier_all()
        else:
            shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_EQ, 1)
        outcome = ["returned", 0]
    except shmem.ShmemError as e:
        outcome = [e.code, time.monotonic() - t0]
    if finalize == "0":
        report(outcome + [0])
        os._exit(0)
    t0 = time.monotonic()
    shmem.shmem_finialize()
    report(outcome + [time.monotonic() - t0])


def vanished_put(folder: str) -> None:
    init(timeout=VANISH_TIMEOUT)
    buf = shmem.shmem_malloc(1 << 16)
    shmem.shmem_barrier_all()
    open(os.path.join(folder, f"ready-{RANK}"), "w").close()
    if RANK == 0:
        time.sleep(1)                    # the cable is out by now
        outcome: list[Any] = ["hung"]
        def put() -> None:
            t0 = time.monotonic()
            try:
                shmem.shmem_putmem(buf, b"x" * 65536, 65536, 2)
                outcome[:] = ["returned", time.monotonic() - t0]
            except shmem.ShmemError as e:
                outcome[:] = [e.code, time.monotonic() - t0]
        t = threading.Thread(target=put, daemon=True)
        t.start()
        t.join(18)                       # the rendezvous declares PE 2 lost after ~11 s
        report(outcome)
    else:
        try:
            shmem.shmem_barrier_all()    # fails once PE 0 leaves or the host is gone
        except shmem.ShmemError:
            pass
    os._exit(0)                          # no finalize: it is not what this test is about


def roce_one_host() -> None:
    """On one host, the ROCE engine sends everything through the network."""
    init(mem=1 << 23, engine=shmem.OpEngineType.ROCE)
    buf, sig, ctr = shmem.shmem_malloc((2 << 20) + 16), shmem.shmem_malloc(8), shmem.shmem_malloc(8)
    ptrs = [shmem.shmem_ptr(buf, pe) for pe in range(NPES)]
    check(f"shmem_ptr {ptrs}: only this PE's own copy", [p != 0 for p in ptrs] == [pe == RANK for pe in range(3)])
    check("own shmem_ptr is the address", ptrs[RANK] == buf)
    nxt, prv = (RANK + 1) % NPES, (RANK - 1) % NPES
    for n in (1, 4097, (2 << 20) + 13):
        shmem.shmem_putmem_nbi(buf, pattern((RANK, n), n), n, nxt)
        shmem.shmem_quiet()
        shmem.shmem_barrier_all()
        check(f"put of {n}", bytes(shmem.buffer(buf, n)) == pattern((prv, n), n))
        back = bytearray(n)
        shmem.shmem_getmem(back, buf, n, nxt)
        check(f"get of {n}", back == pattern((RANK, n), n))
        shmem.shmem_barrier_all()
    shmem.shmem_putmem_signal(buf, b"signalled", 9, sig, RANK + 1, SET, nxt)
    check("signal", shmem.shmem_signal_wait_until(sig, shmem.SHMEM_CMP_EQ, prv + 1) == prv + 1)
    check("data with the signal", bytes(shmem.buffer(buf, 9)) == b"signalled")
    tickets = [shmem.shmem_int64_atomic_fetch_add(ctr, 1, 0) for _ in range(100)]
    shmem.shmem_barrier_all()
    check("counter", shmem.shmem_int64_atomic_fetch(ctr, 0) == 300)
    shmem.shmem_finialize()
    report([tickets, BAD])




def intruded(port_file: str, done_file: str) -> None:
    """PE 1 publishes its data port and waits while an intruder (programs.intruder) attacks it; its heap must stay
    untouched, and the job's own PEs must still reach it."""
    init(mem=1 << 20)
    canary = shmem.shmem_malloc(65536)      # the first block: heap offset 0, where the intruder writes
    shmem.buffer(canary, 65536)[:] = b"\x5a" * 65536
    shmem.shmem_barrier_all()
    if RANK == 1:
        rendezvous = int(IP_PORT.rsplit(":", 1)[1])
        ports = [p for p in listening_ports() if p != rendezvous]
        with open(port_file + ".tmp", "w") as f:
            json.dump(ports, f)
        os.rename(port_file + ".tmp", port_file)
        deadline = time.monotonic() + 40
        while not os.path.exists(done_file) and time.monotonic() < deadline:
            time.sleep(0.05)
        check("the intruder ran", os.path.exists(done_file))
        check("heap untouched by the intruder", bytes(shmem.buffer(canary, 65536)) == b"\x5a" * 65536)
    shmem.shmem_barrier_all()
    # The job's own PEs still reach PE 1 through the same port afterwards.
    if RANK == 2:
        shmem.shmem_putmem(canary, b"from PE 2", 9, 1)
    shmem.shmem_barrier_all()
    if RANK == 1:
        check("a job PE still writes", bytes(shmem.buffer(canary, 9)) == b"from PE 2")
    shmem.shmem_finialize()
    report(BAD)


if __name__ == "__main__":
    dispatch({"put_get": put_get,
              "put_signal": put_signal,
              "atomics": atomics,
              "teams": teams,
              "dead_pe": dead_pe,
              "vanish": vanish,
              "vanished_put": vanished_put,
              "roce_one_host": roce_one_host,
              "intruded": intruded})
