"""Which job a process belongs to (shmem._launch_env.job_identity) and shmemrun's job key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shmem import _launch_env


def test_identity_comes_from_the_innermost_launcher():
    slurm = {"SLURM_JOB_ID": "42", "SLURM_STEP_ID": "3", "SLURM_PROCID": "0", "SLURM_NNODES": "2"}
    assert _launch_env.job_identity(slurm).identity == "slurm:42.3"
    # mpirun inside a Slurm allocation: the mpirun job is the job
    ompi = {**slurm, "PMIX_NAMESPACE": "prterun-node0-4242@1", "OMPI_COMM_WORLD_SIZE": "4",
            "OMPI_COMM_WORLD_LOCAL_SIZE": "4"}
    got = _launch_env.job_identity(ompi)
    assert got.identity == "openmpi:prterun-node0-4242@1" and got.all_local and got.key == ""
    assert _launch_env.job_identity({"OMPI_MCA_orte_ess_jobid": "123", "OMPI_COMM_WORLD_SIZE": "4",
                                     "OMPI_COMM_WORLD_LOCAL_SIZE": "2"}) == _launch_env.JobIdentity(
        identity="openmpi:123", key="", all_local=False)
    torch = {"TORCHELASTIC_RUN_ID": "run7", "SHMEM_JOB_KEY": " k "}
    assert _launch_env.job_identity(torch) == _launch_env.JobIdentity(identity="torchrun:run7", key="k",
                                                                      all_local=False)
    assert _launch_env.job_identity({}) == _launch_env.JobIdentity(identity="", key="", all_local=False)


def test_a_slurm_step_on_one_node_is_all_local():
    env = {"SLURM_JOB_ID": "1", "SLURM_PROCID": "2", "SLURM_NTASKS": "4", "SLURM_STEP_NUM_NODES": "1"}
    assert _launch_env.job_identity(env).all_local
    assert not _launch_env.job_identity({**env, "SLURM_STEP_NUM_NODES": "2"}).all_local


def test_shmemrun_gives_each_job_a_random_key_and_keeps_one_given():
    prog = str(Path(__file__).resolve().parent / "programs" / "job_key.py")  # prints "<rank> <key>"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHMEM_")}

    def keys(extra: dict) -> set:
        out = subprocess.run([sys.executable, "-m", "shmem.run", "-n", "2", sys.executable, prog],
                             env={**env, **extra}, capture_output=True, text=True, timeout=60, check=True).stdout
        lines = [line.split() for line in out.splitlines() if line.strip()]
        assert sorted(words[0] for words in lines) == ["0", "1"] and all(len(w) == 2 for w in lines), out
        return {words[1] for words in lines}

    first, second = keys({}), keys({})
    assert len(first) == 1 and len(second) == 1 and first != second, (first, second)
    assert len(next(iter(first))) == 64
    assert keys({"SHMEM_JOB_KEY": "mine"}) == {"mine"}
