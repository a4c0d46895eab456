"""The facade's own copies to and from the heaps mapped in this process: the fast path of small same-host puts, gets,
put-with-signal, signal waits and quiet, which never call into the runtime.

A call into the extension costs ~200 ns before any work (gopy's glue, C into Go, the GIL released and taken back),
while an 8-byte store through a memoryview into a peer's mapped heap costs ~65 ns. So for a transfer of at most
FAST_MAX bytes between int addresses of the heaps (or a bytes object of exactly the size), the facade copies
through views of the heaps it keeps here, after checking everything the runtime would:

- the gate of the target PE, a word the runtime maps for this (liveness.Set's gates): 1 while the PE is alive and
  the job open; the runtime shuts it when the rendezvous reports the PE dead and, for every PE, first thing when
  the job is torn down. A shut gate sends the call to the runtime, which raises the error;
- the types (int, exactly) and the ranges of every argument; anything else goes to the runtime, which raises what
  it always raised;
- the wake block of the target: a put that changed a heap a thread sleeps on wakes it, as the runtime's put does
  (a locked instruction first, so the stores are visible before the sleeper count is read).

The state is set up lazily, after the first call into the runtime that succeeded (FastPathInfo), and dropped at
finalize. It is written into the globals of the modules whose functions read it (register), since a global load is
the cheapest lookup the interpreter has. Where stores are not seen in program order by other cores (not x86-64),
under the copy engine (SDMA), or while profiling counts calls, the runtime says so and every call goes to it.
docs/benchmarks.md ("What the fast paths rely on") says what this relies on."""

from __future__ import annotations

import ctypes
import json
import threading
from typing import Any

from . import _views
from ._core import raw
from ._errors import FAILURES

# The largest transfer copied here, with the GIL held; larger ones release the GIL in the runtime.
FAST_MAX = 64 << 10
# The most reads of a signal word a wait makes in Python (~50 ns each, on credit: see _signal.wait_fast) before it
# waits in the runtime, when every PE of the host has a CPU of its own. 0: one read, then the runtime (which spins
# on credit, yields, then sleeps). Measured on a machine loaded far beyond its 2 cores, spinning here made the
# signal ping-pong 2.4x slower (the writer was waiting for the spinner's CPU), so it is off until measured on a
# quiet machine.
SPIN = 0

_ZERO = memoryview(bytearray(4)).cast("I")  # the gate of a job that is not set up: shut


def _empty() -> dict[str, Any]:
    return {"_hp_peers": {}, "_hp_ipeers": {}, "_hp_qpeers": {}, "_hp_wakes": {}, "_hp_gates": _ZERO, "_hp_me": 0,
            "_hp_base": 0, "_hp_size": -1, "_hp_own": None, "_hp_owni": None, "_hp_ownq": None, "_hp_quiet": False,
            "_hp_spin": 0, "_hp_fence": True}


_consumers: list[dict[str, Any]] = []
_state = _empty()
_setup_lock = threading.Lock()
_fence_lock = threading.Lock()
# A full fence: acquiring and releasing an uncontended lock are locked instructions (glibc's sem_trywait and
# sem_post on x86-64), which order the stores before them before the loads after them.
fence_acquire, fence_release = _fence_lock.acquire, _fence_lock.release
# 1 once the fast path stored without a fence of its own (the sleepers fence for the wake protocol): quiet then
# fences, so that the stores are visible before any later load.
unfenced = bytearray(1)


def register(namespace: dict[str, Any]) -> None:
    """Lets the module whose globals() is namespace read the state through its own globals."""
    _consumers.append(namespace)
    namespace.update(_state)


def _publish(state: dict[str, Any]) -> None:
    global _state
    _state = state
    for namespace in _consumers:
        namespace.update(state)


def reset() -> None:
    """Drops every view (at finalize, with _views' lock held: the retired heaps can then be released)."""
    _publish(_empty())


def setup() -> None:
    """Sets the state up for the current job, after a call into the runtime succeeded and the gate of this PE
    in the state read shut (not set up yet, or set up for a job that is gone)."""
    if not _setup_lock.acquire(blocking=False):
        return  # another thread does it
    try:
        with _views.held():
            try:
                info = json.loads(raw.api_FastPathInfo())
            except FAILURES:  # the job went away meanwhile
                return
            state = _empty()
            size, me = int(info["user_size"]), int(info["rank"])
            if info["gates"]:
                gates = (ctypes.c_uint32 * int(info["size"])).from_address(int(info["gates"]))
                state["_hp_gates"] = memoryview(gates).cast("B").cast("I")  # never unmapped: not a view root
                state["_hp_me"] = me
            if info["ok"] and info["gates"]:
                peers, ipeers, qpeers, wakes = {}, {}, {}, {}
                for pe, (base, wake) in enumerate(zip(info["bases"], info["wakes"], strict=True)):
                    if base and wake:
                        heap = _views.mapped(int(base), size)
                        peers[pe], ipeers[pe], qpeers[pe] = heap, heap.cast("i"), heap[:size & ~7].cast("Q")
                        wakes[pe] = _views.mapped(int(wake), 8).cast("I")
                if me in peers:
                    state.update(_hp_peers=peers, _hp_ipeers=ipeers, _hp_qpeers=qpeers, _hp_wakes=wakes,
                                 _hp_base=int(info["bases"][me]), _hp_size=size, _hp_own=peers[me],
                                 _hp_owni=ipeers[me], _hp_ownq=qpeers[me], _hp_quiet=bool(info["quiet"]),
                                 _hp_spin=SPIN if info["spin"] else 0, _hp_fence=not info["asym"])
            _publish(state)
    finally:
        _setup_lock.release()


_views.on_finalize(reset)


def _declined(op: int, a: int, b: int, n: int, pe: int) -> bool:
    return False


def _make_fast_copy() -> Any:
    """The runtime's fast entry for short copies (native/fastcall.c): a builtin fast_copy(op, dst, src, n, pe) ->
    bool that calls the runtime without gopy's glue and without releasing the GIL (the runtime accepts only copies
    that complete in the caller: MTE, the PE's heap mapped here, at most FAST_MAX bytes). It never raises: False
    means the facade makes the ordinary call. Built from the interpreter's own functions through ctypes, since the
    extension is compiled without Python's headers."""
    try:
        api = ctypes.pythonapi
        probe = 1 << 200  # a large int: probing its first words never reads past it
        offset = next(off for off in range(0, 64, 8)
                      if ctypes.c_void_p.from_address(id(probe) + off).value == id(int))

        def address(fn: Any) -> int:
            return int(ctypes.cast(fn, ctypes.c_void_p).value or 0)

        method = raw.api_FastCallDef(id(int), offset, address(api.PyLong_AsLongLong),
                                     address(api.PyBool_FromLong), address(api.PyErr_Clear))
        new = api.PyCFunction_NewEx
        new.restype = ctypes.py_object
        new.argtypes = [ctypes.c_void_p, ctypes.py_object, ctypes.py_object]
        fast = new(method, None, None)
        if fast(0, 0, 0, 0, 0) is not False:  # a null copy is always declined
            return _declined
        return fast
    except Exception:  # noqa: BLE001 - no fast entry: every call takes the ordinary path
        return _declined


fast_copy = _make_fast_copy()
