"""Passes buffers whose items are Python objects to every call that takes a local buffer (issue 12, item 2).

Before the fix shmem_getmem wrote heap bytes over the object pointers of a NumPy object array and the interpreter
died later (when the array was freed). Every call must refuse such a buffer with TypeError before any byte moves;
the PE reports what each call raised and then checks the objects are intact. Plain buffers still work."""

from __future__ import annotations

import ctypes
import gc

import numpy as np
import shmem

from programs.pe import report


def outcome(fn) -> str:  # type: ignore[no-untyped-def]
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the report says which
        return type(exc).__name__
    return "accepted"


class WithObject(ctypes.Structure):
    _fields_ = [("n", ctypes.c_int), ("obj", ctypes.py_object)]


def main() -> None:
    shmem.init(mem_size=1 << 20)
    sym = shmem.shmem_malloc(64)
    shmem.buffer(sym, 64)[:] = b"\xab" * 64  # would be pointers 0xabab... if written into an object array
    sig = shmem.shmem_malloc(8)
    objects = np.array([object(), "text", 3, None], dtype=object)
    keep = [objects[i] for i in range(4)]
    structured = np.zeros(2, dtype=[("a", "<i8"), ("o", "O")])
    py_objects = (ctypes.py_object * 4)(*keep)
    with_object = (WithObject * 2)()
    sym_arr = shmem.array(4, "int64")
    calls = {
        "getmem": lambda b: shmem.shmem_getmem(b, sym, 32, 0),
        "getmem_nbi": lambda b: shmem.shmem_getmem_nbi(b, sym, 32, 0),
        "putmem": lambda b: shmem.shmem_putmem(sym, b, 32, 0),
        "putmem_nbi": lambda b: shmem.shmem_putmem_nbi(sym, b, 32, 0),
        "putmem_signal": lambda b: shmem.shmem_putmem_signal(sym, b, 32, sig, 1, shmem.SHMEM_SIGNAL_SET, 0),
        "putmem_signal_nbi": lambda b: shmem.shmem_putmem_signal_nbi(sym, b, 32, sig, 1, shmem.SHMEM_SIGNAL_SET,
                                                                     0),
        "broadcast": lambda b: shmem.broadcast(b, b, 0),
        "fcollect": lambda b: shmem.fcollect(b, b),
        "alltoall": lambda b: shmem.alltoall(b, b),
        "reduce": lambda b: shmem.reduce(b, b, "sum"),
        "broadcast_src": lambda b: shmem.broadcast(sym_arr, b, 0),
    }
    seen = {}
    for bname, buf in (("object_array", objects), ("structured_with_object", structured),
                       ("ctypes_py_object", py_objects), ("ctypes_struct_with_object", with_object),
                       ("memoryview_of_objects", memoryview(objects))):
        for cname, call in calls.items():
            seen[f"{bname}/{cname}"] = outcome(lambda c=call, b=buf: c(b))
    shmem.shmem_quiet()
    intact = all(objects[i] is keep[i] for i in range(4)) and all(py_objects[i] is keep[i] for i in range(4))

    plain = np.zeros(4, dtype=np.int64)
    shmem.shmem_getmem(plain, sym, 32, 0)
    structured_plain = np.zeros(2, dtype=[("a", "<i4"), ("b", "<f4")])
    shmem.shmem_getmem(structured_plain, sym, 16, 0)
    plain_ok = bool((plain == np.frombuffer(b"\xab" * 32, dtype=np.int64)).all())
    plain_ok = plain_ok and bytes(structured_plain.tobytes()) == b"\xab" * 16
    seen["array_of_objects"] = outcome(lambda: shmem.array(4, object))
    del objects, structured, py_objects, with_object, keep
    gc.collect()  # the crash used to come here, when the overwritten objects were released
    shmem.shmem_free(sym_arr)
    shmem.shmem_finialize()
    report({"seen": seen, "intact": intact, "plain_ok": plain_ok})


if __name__ == "__main__":
    main()
