"""The recipes of docs/multihost.md: a program calling shmem.init() with no arguments, started the way torchrun
--nnodes, Open MPI's mpirun and Slurm's srun start it on two nodes.

Each PE is a real process that gets exactly the variables that launcher sets (and none of shmem's own, except the
SHMEM_MASTER_ADDR/PORT the MPI and Slurm recipes tell users to export). The two nodes are two network namespaces
(tests/netns.py) or, where those cannot be made, two "nodes" on loopback told apart by SHMEM_HOST_ID. The
program puts a greeting to the next PE, meets the others in a barrier and reports what it received and which PEs
it reaches through shared memory (those on its own node only). MPICH-style launchers, whose variables shmem does
not read, go through the one-line wrapper the docs give. When Open MPI's mpirun is installed, it is also run for
real."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import netns
import pytest
import shmem
import spmd
from netns import Hosts

# The user's program, as in docs/multihost.md.
# The user's program (tests/programs/train.py), a stand-in for torchrun's store (store.py), a PE without an address
# (no_address.py).
PROGRAMS = Path(__file__).resolve().parent / "programs"

NODES, PER_NODE = 2, 2
NPES = NODES * PER_NODE

_LAUNCHER_PREFIXES = ("SHMEM_", "OMPI_", "PMIX_", "SLURM", "TORCHELASTIC_", "ROLE_", "GROUP_", "MASTER_")
_LAUNCHER_NAMES = {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "OMP_NUM_THREADS"}


def clean_env() -> dict:
    """This process's environment without any launcher's variables (PATH, PYTHONPATH and the like stay)."""
    return {k: v for k, v in os.environ.items()
            if k not in _LAUNCHER_NAMES and not k.startswith(_LAUNCHER_PREFIXES)}


def torchrun_env(rank: int, master_addr: str, master_port: int) -> dict:
    """What torchrun --nnodes=2 --nproc-per-node=2 --node-rank=N --master-addr=A --master-port=P sets."""
    node, local = divmod(rank, PER_NODE)
    return {
        "RANK": str(rank), "LOCAL_RANK": str(local), "WORLD_SIZE": str(NPES), "LOCAL_WORLD_SIZE": str(PER_NODE),
        "GROUP_RANK": str(node), "GROUP_WORLD_SIZE": str(NODES), "ROLE_RANK": str(rank),
        "ROLE_WORLD_SIZE": str(NPES), "ROLE_NAME": "default", "MASTER_ADDR": master_addr,
        "MASTER_PORT": str(master_port), "TORCHELASTIC_RESTART_COUNT": "0", "TORCHELASTIC_MAX_RESTARTS": "0",
        "TORCHELASTIC_RUN_ID": "none", "TORCHELASTIC_USE_AGENT_STORE": "True",
        "TORCH_NCCL_ASYNC_ERROR_HANDLING": "1", "OMP_NUM_THREADS": "1",
    }


def openmpi_env(rank: int, master_addr: str, master_port: int) -> dict:
    """What mpirun -np 4 --map-by ppr:2:node -x SHMEM_MASTER_ADDR -x SHMEM_MASTER_PORT sets (Open MPI 4/5)."""
    node, local = divmod(rank, PER_NODE)
    return {
        "OMPI_COMM_WORLD_RANK": str(rank), "OMPI_COMM_WORLD_SIZE": str(NPES),
        "OMPI_COMM_WORLD_LOCAL_RANK": str(local), "OMPI_COMM_WORLD_LOCAL_SIZE": str(PER_NODE),
        "OMPI_COMM_WORLD_NODE_RANK": str(local), "OMPI_UNIVERSE_SIZE": str(NPES),
        "OMPI_APP_CTX_NUM_PROCS": str(NPES), "OMPI_FIRST_RANKS": "0", "OMPI_COMMAND": "python3",
        "PMIX_RANK": str(rank), "PMIX_NAMESPACE": "prterun-node0-4242@1",
        "SHMEM_MASTER_ADDR": master_addr, "SHMEM_MASTER_PORT": str(master_port),
    }


def slurm_env(rank: int, master_addr: str, master_port: int) -> dict:
    """What srun --nodes=2 --ntasks-per-node=2 sets, plus the two exports of the sbatch script."""
    node, local = divmod(rank, PER_NODE)
    return {
        "SLURM_PROCID": str(rank), "SLURM_NTASKS": str(NPES), "SLURM_NPROCS": str(NPES),
        "SLURM_LOCALID": str(local), "SLURM_NODEID": str(node), "SLURM_NNODES": str(NODES),
        "SLURM_JOB_ID": "4242", "SLURM_JOBID": "4242", "SLURM_STEP_ID": "0", "SLURM_STEPID": "0",
        "SLURM_STEP_NUM_TASKS": str(NPES), "SLURM_STEP_NUM_NODES": str(NODES),
        "SLURM_NTASKS_PER_NODE": str(PER_NODE), "SLURM_TASKS_PER_NODE": f"{PER_NODE}(x{NODES})",
        "SLURM_JOB_NODELIST": "node[0-1]", "SLURM_STEP_NODELIST": "node[0-1]", "SLURMD_NODENAME": f"node{node}",
        "SLURM_CPUS_ON_NODE": str(PER_NODE), "SLURM_TASK_PID": str(os.getpid()),
        "SHMEM_MASTER_ADDR": master_addr, "SHMEM_MASTER_PORT": str(master_port),
    }


def mpich_env(rank: int, master_addr: str, master_port: int) -> dict:
    """What MPICH's (or Intel MPI's) mpiexec -n 4 -ppn 2 -genv SHMEM_MASTER_ADDR A -genv SHMEM_MASTER_PORT P sets."""
    node, local = divmod(rank, PER_NODE)
    return {
        "PMI_RANK": str(rank), "PMI_SIZE": str(NPES), "PMI_FD": "5", "MPI_LOCALRANKID": str(local),
        "MPI_LOCALNRANKS": str(PER_NODE), "SHMEM_MASTER_ADDR": master_addr, "SHMEM_MASTER_PORT": str(master_port),
    }


# docs/multihost.md's line for launchers shmem does not read itself (MPICH, Intel MPI): name rank and size.
MPICH_WRAPPER = ["sh", "-c", 'SHMEM_RANK=$PMI_RANK SHMEM_NPES=$PMI_SIZE exec "$0" "$@"']


@pytest.fixture(scope="module")
def nodes():
    yield from netns.hosts_or_loopback()


@pytest.fixture
def program(tmp_path: Path) -> Path:
    path = tmp_path / "train.py"     # in a folder of its own, as a user's script
    shutil.copy(PROGRAMS / "train.py", path)
    return path


def launch(hosts: Hosts, program: Path, env_of, master_port: int, wrapper: tuple = ()) -> list:
    """Starts PE r on node r // 2 with env_of(r, master address, port) and waits for all."""
    procs = []
    for rank in range(NPES):
        host = (hosts.a, hosts.b)[rank // PER_NODE]
        # SHMEM_HOST_ID makes the two simulated nodes, which share this machine's /proc, behave as two machines
        # (tests/netns.py); real nodes need nothing of the kind.
        env = {**clean_env(), **env_of(rank, hosts.a.addr, master_port), "SHMEM_HOST_ID": host.name,
               "PYTHONUNBUFFERED": "1"}
        procs.append((rank, host.popen([*wrapper, sys.executable, str(program)], env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)))
    return spmd.wait(procs, timeout=60)


def check_job(results: list) -> None:
    reports = []
    for pe in results:
        assert pe.returncode == 0, f"rank {pe.rank} exited {pe.returncode}\n{pe.stderr}"
        reports += pe.reports
    check_reports(reports)


def check_reports(reports: list) -> None:
    assert sorted(r["pe"] for r in reports) == list(range(NPES)), reports
    for r in reports:
        me = r["pe"]
        assert r["npes"] == NPES
        assert r["got"] == f"hello from PE {(me - 1) % NPES}", r
        node = me // PER_NODE
        # the other node's PEs are reached through the network, not mapped
        assert r["near"] == [node * PER_NODE + i for i in range(PER_NODE)], r


def test_torchrun_nnodes_2(nodes, program):
    master_port = spmd.free_port()
    # torchrun's own store holds MASTER_PORT on the master node; shmem meets at MASTER_PORT + 11 beside it.
    store = nodes.a.popen([sys.executable, str(PROGRAMS / "store.py"), nodes.a.addr, str(master_port)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert store.stdout.readline().strip() == "ready"
        results = launch(nodes, program, torchrun_env, master_port)
    finally:
        store.stdin.close()
        store.wait(timeout=10)
    check_job(results)


def test_mpirun_environment(nodes, program):
    check_job(launch(nodes, program, openmpi_env, spmd.free_port()))


def test_srun_environment(nodes, program):
    check_job(launch(nodes, program, slurm_env, spmd.free_port()))


def test_mpich_environment_through_the_documented_wrapper(nodes, program):
    check_job(launch(nodes, program, mpich_env, spmd.free_port(), wrapper=tuple(MPICH_WRAPPER)))


@pytest.mark.parametrize("env_of", [openmpi_env, slurm_env], ids=["mpirun", "srun"])
def test_mpi_and_slurm_without_shmem_master_fail_at_once_and_say_what_to_set(env_of):
    prog = PROGRAMS / "no_address.py"
    env = {k: v for k, v in {**clean_env(), **env_of(1, "x", 2000)}.items() if not k.startswith("SHMEM_MASTER")}
    proc = subprocess.run([sys.executable, str(prog)], env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["REPORT", str(shmem.SHMEM_BOOTSTRAP_ERROR)], proc.stdout
    assert "SHMEM_MASTER_ADDR" in proc.stderr, proc.stderr


def _mpirun_argv(hosts: Hosts, program: Path, port: int) -> list:
    # Open MPI starts each rank through a shell that puts it on its node: rank // 2 picks the namespace (or the
    # simulated host identity on loopback). In a real cluster this line is just `python3 train.py`.
    place = (f'if [ "$OMPI_COMM_WORLD_RANK" -lt {PER_NODE} ]; then export SHMEM_HOST_ID={hosts.a.name}; '
             f'exec "{hosts.a.python}" "$0"; '
             f'else export SHMEM_HOST_ID={hosts.b.name}; exec "{hosts.b.python}" "$0"; fi')
    root = ["--allow-run-as-root"] if os.geteuid() == 0 else []
    return ["mpirun", *root, "--oversubscribe", "-np", str(NPES),
            "-x", f"SHMEM_MASTER_ADDR={hosts.a.addr}", "-x", f"SHMEM_MASTER_PORT={port}", "-x", "PYTHONPATH",
            "-x", "PYTHONUNBUFFERED=1", "sh", "-c", place, str(program)]


@pytest.mark.skipif(shutil.which("mpirun") is None, reason="Open MPI's mpirun is not installed")
def test_real_mpirun(nodes, program):
    proc = subprocess.run(_mpirun_argv(nodes, program, spmd.free_port()), env=clean_env(), capture_output=True,
                          text=True, timeout=90)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    # mpirun forwards every rank's output into one stream, where a line may end after another rank's line began
    check_reports([json.loads(m) for m in re.findall(r"REPORT (\{[^{}]*\})", proc.stdout)])
