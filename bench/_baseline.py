"""Builds bench/_baseline.c with gcc into a temporary folder and loads it through ctypes."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
from pathlib import Path

# The C source ships in the wheel with python -m shmem.bench, which compiles the same baselines.
SOURCE = Path(__file__).resolve().parent.parent / "python" / "shmem" / "bench" / "_baseline.c"


class Baseline:
    """The compiled baselines: memcpy timed in C, and a no-op C function with a put's four arguments."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.memcpy_ns = lib.memcpy_ns
        self.memcpy_ns.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long]
        self.memcpy_ns.restype = ctypes.c_double
        # The same argument conversions a put of int addresses needs: two pointers, a size, a PE.
        self.noop4 = lib.noop4
        self.noop4.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        self.noop4.restype = ctypes.c_int


def build() -> Baseline:
    """Compiles the baselines (-O2, as a distribution's glibc callers are) and loads them."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        raise RuntimeError("the C baselines need gcc (or cc) on PATH")
    with tempfile.TemporaryDirectory(prefix="shmem-bench-") as tmp:
        so = Path(tmp) / "libbaseline.so"
        subprocess.run([gcc, "-O2", "-shared", "-fPIC", "-o", str(so), str(SOURCE)], check=True)
        lib = ctypes.CDLL(str(so))  # stays mapped after the folder is removed
    return Baseline(lib)
