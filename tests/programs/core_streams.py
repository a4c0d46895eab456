"""Host streams on a real job: order within a stream, concurrency between streams, enqueue returning at once,
errors reported at synchronize, lent buffers kept alive, finalize with work still queued. Argument: the case."""

from __future__ import annotations

import gc
import sys
import time

import shmem
from shmem import core

from programs.core_uid import init
from programs.pe import NPES, RANK, report


def word(buf: core.Buffer) -> int:
    return int.from_bytes(buf.view()[:4], "little", signed=True)


def order() -> dict:
    """A queued signal wait holds back the put queued after it; the host goes on meanwhile."""
    nxt = (RANK + 1) % NPES
    sig, dst, src = core.calloc(1, 8), core.calloc(1, 64), core.buffer(64)
    src.view()[:] = bytes([RANK + 1]) * 64
    core.barrier_all()
    s = core.Stream()
    core.signal_wait(sig, 1, core.direct.ComparisonType.CMP_EQ, s)
    core.put(dst, src, nxt, s)  # returns although the stream is held by the wait before it
    time.sleep(0.3)
    pending = s.pending()
    core.barrier_all()
    untouched = bytes(dst.view()) == bytes(64)  # nobody's put may have run: every stream waits
    core.barrier_all()
    shmem.shmem_putmem_signal(dst.addr, 0, 0, sig.addr, 1, shmem.SHMEM_SIGNAL_SET, RANK)  # release own stream
    s.synchronize()
    core.barrier_all()
    got = dst.view()[0]
    s.destroy()
    return {"pending": pending, "untouched": untouched, "got": got, "expect": (RANK - 1) % NPES + 1}


def concurrent() -> dict:
    """Stream A is blocked in a wait; stream B's put completes meanwhile; then A is released."""
    nxt = (RANK + 1) % NPES
    sig, dst, src = core.calloc(1, 8), core.calloc(1, 64), core.buffer(64)
    src.view()[:] = bytes([RANK + 7]) * 64
    core.barrier_all()
    a, b = core.Stream(), core.Stream()
    core.signal_wait(sig, 1, core.direct.ComparisonType.CMP_GE, a)
    core.put(dst, src, nxt, b)
    b.synchronize()
    a_pending = a.pending()
    core.signal_op(sig, 1, core.direct.SignalOp.SIGNAL_ADD, RANK, stream=b)
    a.synchronize()
    core.barrier_all()
    out = {"a_pending_while_b_done": a_pending, "got": dst.view()[0], "expect": (RANK - 1) % NPES + 7}
    a.destroy()
    b.destroy()
    return out


def errors() -> dict:
    """A queued operation that fails is reported by the next synchronize, once, and the stream goes on."""
    buf = core.buffer(64)
    s = core.Stream()
    shmem.aclshmemx_getmem_on_stream(8, buf.addr, 64, RANK, s)  # local dst 8: unmapped, fails when it runs
    shmem.aclshmemx_putmem_on_stream(buf.addr, b"x" * 8, 8, RANK, s)
    other = core.buffer(64)
    core.free(other)  # waits for the queued operations, leaves their error to the synchronize
    try:
        s.synchronize()
        first = "no error"
    except shmem.ShmemError as exc:
        first = f"{exc.code}"
    s.synchronize()
    data = bytes(buf.view()[:8])
    # Unreported at finalize: finalize raises it.
    shmem.aclshmemx_getmem_on_stream(8, buf.addr, 64, RANK, 0)
    core.barrier_all()
    try:
        core.finalize()
        fin = "no error"
    except core.utils.AclshmemError as exc:
        fin = str(exc)
    return {"first": first, "later_put_ran": data == b"x" * 8, "finalize": fin}


def lifetime() -> dict:
    """A temporary source lent to a queued put stays alive (and cannot be resized) until the put ran."""
    sig, dst = core.calloc(1, 8), core.calloc(1, 1 << 16)
    s = core.Stream()
    core.signal_wait(sig, 1, core.direct.ComparisonType.CMP_EQ, s)
    payload = bytearray(b"%d" % RANK * 1) * (1 << 16)
    shmem.aclshmemx_putmem_on_stream(dst.addr, bytes(payload[: 1 << 16]), 1 << 16, RANK, s)  # a temporary
    grow = bytearray(16)
    shmem.aclshmemx_putmem_on_stream(dst.addr, grow, 16, RANK, s)
    try:
        grow.extend(b"more")
        resized = "resized"
    except BufferError:
        resized = "refused"
    gc.collect()
    shmem.shmem_putmem_signal(dst.addr, 0, 0, sig.addr, 1, shmem.SHMEM_SIGNAL_SET, RANK)
    s.synchronize()
    grow.extend(b"more")  # released by the synchronize
    ok = bytes(dst.view()[16:]) == bytes(payload[16: 1 << 16]) and bytes(dst.view()[:16]) == bytes(16)
    return {"resize_while_lent": resized, "data": ok}


def cancelled() -> dict:
    """finalize with a wait nobody satisfies: the queued work is cancelled, reported, and finalize returns."""
    sig = core.calloc(1, 8)
    s = core.Stream()
    core.signal_wait(sig, 1, core.direct.ComparisonType.CMP_EQ, s)
    core.quiet(s)
    core.barrier_all()
    t0 = time.monotonic()
    try:
        core.finalize()
        fin = "no error"
    except core.utils.AclshmemError as exc:
        fin = str(exc)
    return {"finalize": fin, "seconds": round(time.monotonic() - t0), "stream_gone": _gone(s)}


def _gone(s: core.Stream) -> str:
    try:
        s.synchronize()
    except shmem.ShmemError as exc:
        return str(exc.code)
    return "alive"


def interrupt() -> dict:
    """Ctrl-C reaches a program waiting in synchronize."""
    import os
    import signal
    import threading

    sig = core.calloc(1, 8)
    s = core.Stream()
    core.signal_wait(sig, 1, core.direct.ComparisonType.CMP_EQ, s)
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        s.synchronize()
        got = "returned"
    except KeyboardInterrupt:
        got = "interrupted"
    shmem.shmem_putmem_signal(sig.addr, 0, 0, sig.addr, 1, shmem.SHMEM_SIGNAL_SET, RANK)
    s.synchronize()
    s.destroy()
    return {"sync": got}


def heaps() -> dict:
    """The host-side heap's size comes from SHMEM_HOST_MEM_SIZE: 0 means there is none."""
    base = core.get_heap_base(core.MemType.HOST_SIDE)
    try:
        core.buffer(64, mem_type=core.MemType.HOST_SIDE)
        host = "allocated"
    except core.utils.AclshmemError as exc:
        host = str(exc)
    dev = core.buffer(64)
    core.free(dev)
    return {"host_base": base, "host": host}


CASES = {"interrupt": interrupt, "heaps": heaps, "order": order, "concurrent": concurrent, "errors": errors,
         "lifetime": lifetime, "cancelled": cancelled}


def main() -> None:
    init()
    case = sys.argv[1]
    result = CASES[case]()
    if case not in ("errors", "cancelled"):
        core.finalize()
    report(result)


if __name__ == "__main__":
    main()
