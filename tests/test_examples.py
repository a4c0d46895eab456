"""Every program in examples/ runs on 4 PEs under shmemrun and prints its checked result (each also asserts its
own result, so a wrong answer makes a PE, and shmemrun, exit non-zero)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NPES = 4

# file -> a pattern every PE's line (or the one reporting PE's line) must match, and how many such lines
EXPECTED = {
    "hello.py": (r"PE (\d) of 4: received (\d) from my left neighbour", NPES),
    "ring_allgather.py": (r"PE \d: gathered 4 blocks of 1024; first numbers \[0, 1000, 2000, 3000\]", NPES),
    "pi_reduce.py": (r"PE \d: my share 0\.\d+, pi ~ 3\.1415926535(89|90)", NPES),
    "stencil2d.py": (r"PE 0: 200 steps on a 64x64 plate over 4 PEs match the serial result", 1),
    "pipeline_signals.py": (r"PE 3: consumed and checked 200 items that passed 2 middle stages", 1),
    "kv_shuffle.py": (r"PE \d: \d+ tokens; sent \d+ blocks, received \d+; caches match the golden replay", NPES),
    "ascend_e2.py": (r"PE \d of 4: typed put, strided put and put-with-signal arrived", NPES),
    "core_ring.py": (r"PE (\d) of 4: received (\d) from my left neighbour", NPES),
}


def test_every_example_is_tested():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_on_four_pes(name):
    # --tag-output: shmemrun copies each PE's output line by line, so lines of different PEs cannot mix.
    r = subprocess.run([sys.executable, "-m", "shmem.run", "-n", str(NPES), "--timeout", "200", "--tag-output",
                        sys.executable, str(EXAMPLES / name)],
                       capture_output=True, text=True, timeout=240, cwd="/tmp", check=False)
    assert r.returncode == 0, f"{name} exited {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    pattern, count = EXPECTED[name]
    lines = [line for line in r.stdout.splitlines() if re.search(pattern, line)]
    assert len(lines) == count, (pattern, r.stdout)


def test_kv_shuffle_moves_blocks():
    r = subprocess.run([sys.executable, "-m", "shmem.run", "-n", str(NPES), "--tag-output", sys.executable,
                        str(EXAMPLES / "kv_shuffle.py")], capture_output=True, text=True, timeout=240, cwd="/tmp",
                       check=False)
    assert r.returncode == 0, r.stderr
    sent = sum(int(m) for m in re.findall(r"sent (\d+) blocks", r.stdout))
    received = sum(int(m) for m in re.findall(r"received (\d+);", r.stdout))
    assert sent == received > 0, r.stdout
