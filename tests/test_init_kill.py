"""A PE SIGKILLed while it waits in shmem_init leaves nothing behind, however it was launched: its heap is a memfd
with no name, so the memory goes with the last process that holds it. The check is real: before the kill the
heap is seen held by the PE (spmd.heaps_held reads every process's descriptors and mappings); after it, no
process holds it and /dev/shm has no name of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import spmd

TESTS = str(Path(__file__).resolve().parent)
WAIT = 60  # generous: the machine may be loaded


def wait_for_heap(pid: int) -> list:
    """The heap the PE pid holds once it has created it (it then waits at the rendezvous)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        held = [h for h in spmd.heaps_held([pid]) if h.startswith(f"shmem-{pid}-") and h.endswith(f" by {pid}")]
        if held:
            return held
        time.sleep(0.05)
    raise AssertionError(f"PE {pid} never created its heap")


def wait_for_pid_file(out: Path, rank: int) -> int:
    deadline = time.monotonic() + WAIT
    path = out / f"pid-{rank}"
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"rank {rank} never started")


def assert_nothing_left(pids: list) -> None:
    deadline = time.monotonic() + 10
    while spmd.shm_segments(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert spmd.shm_segments(pids) == []
    assert not [n for n in os.listdir("/dev/shm") if any(n.startswith(f"shmem-{p}-") for p in pids)]


def kill_and_reap(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=WAIT)


@pytest.mark.parametrize("rank", [0, 1])
def test_plain_environment(tmp_path, rank):
    """SHMEM_RANK/SHMEM_NPES/SHMEM_IP_PORT set by hand (the harness): rank 0 (which serves the rendezvous) or
    rank 1 (which dials it) alone, killed while it waits for the other."""
    [(_, proc)] = spmd.start_module(2, "wait_in_init", str(tmp_path), ranks=[rank])
    try:
        wait_for_heap(proc.pid)
    finally:
        kill_and_reap(proc)
    assert proc.returncode == -signal.SIGKILL
    assert_nothing_left([proc.pid])


def test_torchrun_environment(tmp_path):
    """torchrun's variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and no SHMEM_* at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHMEM_")}
    env.update({"RANK": "1", "LOCAL_RANK": "1", "WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "2",
                "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(spmd.free_port() % 50000 + 2000),
                "PYTHONPATH": TESTS})
    proc = subprocess.Popen([sys.executable, "-m", "programs.wait_in_init", str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for_heap(proc.pid)
    finally:
        kill_and_reap(proc)
    assert_nothing_left([proc.pid])


def test_shmemrun(tmp_path):
    """shmemrun -n 3 with rank 2 never arriving: ranks 0 and 1 wait in init; rank 1 is SIGKILLed, shmemrun ends
    the job (137), and nothing of any rank is left."""
    env = dict(os.environ, PYTHONPATH=TESTS)
    launcher = subprocess.Popen(
        [sys.executable, "-m", "shmem.run", "-n", "3", "--ip-port", f"tcp://127.0.0.1:{spmd.free_port()}",
         sys.executable, "-m", "programs.wait_in_init", str(tmp_path), "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        pids = [wait_for_pid_file(tmp_path, r) for r in range(3)]
        wait_for_heap(pids[0])
        wait_for_heap(pids[1])
        os.kill(pids[1], signal.SIGKILL)
        _, err = launcher.communicate(timeout=WAIT)
    finally:
        kill_and_reap(launcher)
    assert launcher.returncode == 128 + signal.SIGKILL, err
    assert "rank 1" in err
    assert_nothing_left(pids)
