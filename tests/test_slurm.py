"""A real Slurm job: `srun -n 4` on a one-node Slurm cluster (munged, slurmctld, slurmd) that the fixture starts on
this machine with scripts/slurm_local.sh and stops afterwards. Skipped, with the script's reason, only where those
daemons cannot run (no slurm-wlm installed, not root)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import spmd

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "slurm_local.sh"


@pytest.fixture(scope="module")
def slurm_conf():
    state = tempfile.mkdtemp(prefix="shmem-slurm-")
    os.chmod(state, 0o755)
    r = subprocess.run(["bash", str(SCRIPT), "start", state], capture_output=True, text=True, timeout=120,
                       check=False)
    if r.returncode != 0:
        reason = next((line[len("CANNOT: "):] for line in r.stdout.splitlines() if line.startswith("CANNOT: ")),
                      r.stdout + r.stderr)
        subprocess.run(["bash", str(SCRIPT), "stop", state], check=False, timeout=60)
        pytest.skip(f"no local Slurm cluster: {reason}")
    try:
        yield f"{state}/slurm.conf"
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", state], check=False, timeout=60)


def srun(conf: str, *args: str) -> subprocess.CompletedProcess:
    """srun -n 4 with the docs' recipe: SHMEM_MASTER_ADDR/SHMEM_MASTER_PORT exported, srun passes them on."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SHMEM_", "SLURM_", "OMPI_", "PMIX_")) and k not in ("RANK", "WORLD_SIZE")}
    env.update(SLURM_CONF=conf, SHMEM_MASTER_ADDR="127.0.0.1", SHMEM_MASTER_PORT=str(spmd.free_port()))
    return subprocess.run(["srun", "--time=3", "-n", "4", *args], capture_output=True, text=True, env=env,
                          timeout=240, cwd="/tmp", check=False)


def test_srun_n4_runs_a_job(slurm_conf):
    r = srun(slurm_conf, sys.executable, str(ROOT / "examples" / "hello.py"))
    assert r.returncode == 0, r.stdout + r.stderr
    got = sorted(line for line in r.stdout.splitlines() if "received" in line)
    assert got == [f"PE {pe} of 4: received {(pe - 1) % 4} from my left neighbour" for pe in range(4)], r.stdout


def test_srun_job_reads_slurms_variables(slurm_conf):
    r = srun(slurm_conf, sys.executable, "-m", "shmem", "info", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    la = doc["launcher"]
    assert (la["detected"], la["rank"], la["npes"], la["local_rank"]) == ("slurm", 0, 4, 0)
    assert la["read"]["SLURM_PROCID"] == "0" and la["read"]["SLURM_NTASKS"] == "4"
    assert la["ip_port"] == "tcp://" + doc["job"]["rendezvous"]
    assert sorted(pe["rank"] for pe in doc["pes"]) == [0, 1, 2, 3]
    assert [p["engine"] for p in doc["job"]["peers"]] == ["self", "mte", "mte", "mte"]
