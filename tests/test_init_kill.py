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


LAUNCHER_VARIABLES = {
    "torchrun": {"RANK": "1", "LOCAL_RANK": "1", "WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "2",
                 "MASTER_ADDR": "127.0.0.1"},
    "mpirun": {"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_LOCAL_RANK": "1",
               "SHMEM_MASTER_ADDR": "127.0.0.1"},
    "srun": {"SLURM_PROCID": "1", "SLURM_NTASKS": "2", "SLURM_LOCALID": "1", "SHMEM_MASTER_ADDR": "127.0.0.1"},
}


@pytest.mark.parametrize("launcher", sorted(LAUNCHER_VARIABLES))
def test_other_launchers_environment(tmp_path, launcher):
    """The variables torchrun, Open MPI's mpirun or Slurm's srun set (no SHMEM_RANK/SHMEM_NPES): rank 1 alone,
    killed while it waits for rank 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHMEM_", "OMPI_", "SLURM_"))}
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    env.update(LAUNCHER_VARIABLES[launcher], PYTHONPATH=TESTS)
    port = str(spmd.free_port() % 50000 + 2000)
    env["MASTER_PORT" if launcher == "torchrun" else "SHMEM_MASTER_PORT"] = port
    proc = subprocess.Popen([sys.executable, "-m", "programs.wait_in_init", str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for_heap(proc.pid)
    finally:
        kill_and_reap(proc)
    assert proc.returncode == -signal.SIGKILL
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


def _can_unshare_pids() -> bool:
    try:
        return subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def test_a_peer_whose_heap_cannot_be_opened_is_reached_over_the_network():
    """Same host, but rank 1 runs in a PID namespace of its own: the pid in its heap handle names another process
    here (pid 1: the machine's init), and rank 0's pid does not exist there. The handle's device, inode and label
    check refuses the wrong file, and each PE reaches the other through the network engine, with exact data."""
    if not _can_unshare_pids():
        pytest.skip("needs unshare --pid (root or user namespaces)")
    port = f"tcp://127.0.0.1:{spmd.free_port()}"
    env = dict(os.environ, PYTHONPATH=TESTS, SHMEM_NPES="2", SHMEM_IP_PORT=port, PYTHONUNBUFFERED="1")
    argv = [sys.executable, "-m", "programs.exchange"]
    procs = [
        (0, subprocess.Popen(argv, env=dict(env, SHMEM_RANK="0"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)),
        (1, subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", *argv], env=dict(env, SHMEM_RANK="1"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)),
    ]
    results = spmd.wait(procs, timeout=120)
    for pe in results:
        assert pe.returncode == 0, pe.stderr
        assert pe.report["exact"], pe.rank
    assert results[0].report["direct"] == [True, False]
    assert results[1].report["direct"] == [False, True]


def test_peers_on_one_host_map_each_other_directly():
    """The ordinary case, for contrast: every PE loads and stores every heap."""
    results = spmd.run_module(3, "exchange", timeout=120)
    for pe in results:
        assert pe.report == {"exact": True, "direct": [True, True, True]}
