"""Diagnostics (issue 13): python -m shmem info, job_info(), SHMEM_LOG_LEVEL, init errors with their reason, and
the finalize a PE gets at exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import spmd

TIMEOUT = 120
TESTS_DIR = str(Path(__file__).resolve().parent)


def run(*args: str, env: dict | None = None, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("SHMEM_", "OMPI_", "SLURM_", "PMIX_")) and k not in
            ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    full.update(env or {})
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=full, timeout=timeout,
                          cwd="/tmp", check=False)


def program(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Runs tests/programs/logs.py (python -m programs.logs args) with run's clean environment."""
    return run("-m", "programs.logs", *args, env={"PYTHONPATH": TESTS_DIR, **(env or {})})


def test_info_without_a_launcher_reports_versions_environment_and_limits():
    r = run("-m", "shmem", "info")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for want in ("shmem 0.1.0", "API level 1.1", "built with    go1.", f"python {sys.version.split()[0]}",
                 "detected      none", "SHMEM_IP_PORT (unset)", "heaps         memfds", "live heaps ", "ulimit -l",
                 "ulimit -n", "shmmax"):
        assert want in out, (want, out)


def test_info_shows_what_it_read_from_a_torchrun_environment():
    env = {"RANK": "1", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "MASTER_ADDR": "10.1.2.3", "MASTER_PORT": "29500"}
    r = run("-m", "shmem", "info", "--json", "--no-job", env=env)
    assert r.returncode == 0, r.stderr
    la = json.loads(r.stdout)["launcher"]
    assert la["detected"] == "torchrun"
    assert (la["rank"], la["npes"], la["local_rank"]) == (1, 4, 1)
    assert la["ip_port"] == "tcp://10.1.2.3:29511"  # MASTER_PORT + 11
    assert la["read"]["MASTER_PORT"] == "29500"
    assert la["read"]["SHMEM_IP_PORT"] is None  # consulted first, unset
    assert la["read"]["WORLD_SIZE"] == "4"


def test_info_reports_a_malformed_launcher_variable():
    r = run("-m", "shmem", "info", "--no-job", env={"SHMEM_RANK": "x", "SHMEM_NPES": "2"})
    assert r.returncode == 0, r.stderr
    assert "error         SHMEM_RANK='x' is not an integer" in r.stdout


def test_info_under_shmemrun_prints_every_peers_engine_and_the_rendezvous():
    r = run("-m", "shmem.run", "-n", "4", sys.executable, "-m", "shmem", "info", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    job = doc["job"]
    assert doc["launcher"]["detected"] == "shmemrun"
    assert "tcp://" + job["rendezvous"] == doc["launcher"]["ip_port"]
    assert [p["engine"] for p in job["peers"]] == ["self", "mte", "mte", "mte"]
    assert [pe["rank"] for pe in doc["pes"]] == [0, 1, 2, 3]
    for pe in doc["pes"]:
        assert pe["rendezvous"] == job["rendezvous"]
        assert sorted(p["engine"] for p in pe["peers"]) == ["mte", "mte", "mte", "self"]
        assert [s["name"] for s in pe["startup"]] == ["heap", "rendezvous", "exchange", "map", "engine"]
    text = run("-m", "shmem.run", "-n", "2", sys.executable, "-m", "shmem", "info")
    assert text.returncode == 0, text.stdout + text.stderr
    assert "PE 1    " in text.stdout and "same host: heap mapped here" in text.stdout
    assert "PE 1 on " in text.stdout and "mte to PEs 0" in text.stdout


def test_job_info_names_the_network_engine_for_peers_on_other_hosts():
    ip_port = f"tcp://127.0.0.1:{spmd.free_port()}"
    procs = []
    for host in (0, 1):  # SHMEM_HOST_ID must be in the environment the process starts with (Go reads it once)
        procs += spmd.start_module(4, "diag", "hosts", ranks=[host, host + 2], ip_port=ip_port,
                                   env={"SHMEM_HOST_ID": f"host-{host}"})
    results = spmd.wait(procs, TIMEOUT)
    for pe in results:
        assert pe.returncode == 0, pe.stderr
        info = pe.report
        assert info["rank"] == pe.rank and info["npes"] == 4
        for p in info["peers"]:
            if p["pe"] == pe.rank:
                assert p["engine"] == "self"
            elif p["pe"] % 2 == pe.rank % 2:
                assert p["engine"] == "mte", p
            else:
                assert p["engine"] == "network", p
                assert "another host" in p["reason"]
        assert info["network_addr"]
        assert [s["name"] for s in info["startup"]][-1] == "network"


def test_job_info_before_init_raises_not_inited():
    r = program("not-inited")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "-5"


def test_log_level_from_the_environment():
    quiet = program("init")
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    info = program("init", env={"SHMEM_LOG_LEVEL": "INFO"})
    assert "shmem INFO" in info.stderr and "PE 0 of 1 initialised in" in info.stderr, info.stderr
    assert "finalised in" in info.stderr and "DEBUG" not in info.stderr
    debug = program("init", env={"SHMEM_LOG_LEVEL": "0"})
    for step in ("init: launcher none", "init: heap (", "init: rendezvous (", "init: map (", "finalize: PE 0"):
        assert step in debug.stderr, (step, debug.stderr)
    off = program("init", "hidden", env={"SHMEM_LOG_LEVEL": "off"})
    assert off.stderr == "", off.stderr
    bad = program("init", env={"SHMEM_LOG_LEVEL": "loud"})
    assert "SHMEM_LOG_LEVEL='loud' is not one of" in bad.stderr


def test_log_lines_go_to_the_applications_handlers_once():
    r = program("app-handlers", env={"SHMEM_LOG_LEVEL": "info"})
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("initialised in") == 1 and "APP PE 0 of 1 initialised" in r.stderr, r.stderr


def _live_heaps() -> dict:
    r = run("-m", "shmem", "info", "--json", "--no-job")
    assert r.returncode == 0, r.stderr
    heaps = json.loads(r.stdout)["system"]["heaps"]
    assert heaps["kind"] == "memfd" and heaps["memory_available"] > 0
    return {h["label"]: h for h in heaps["live"]}


def test_info_lists_the_heaps_of_running_jobs_where_they_live_and_forgets_them_after(tmp_path):
    """Heaps are memfds with no name in /dev/shm: info finds them in /proc/<pid>/maps, each with its creator, its
    size and every PE mapping it, and no longer once the job has ended."""
    go = tmp_path / "go"
    procs = spmd.start_module(2, "diag", "hold", str(go))
    pids = [p.pid for _, p in procs]
    try:
        truth: set = set()
        for _ in range(1200):  # until both PEs have mapped both heaps (spmd's own view of what is held)
            truth = set(spmd.heaps_held(pids))
            if len(truth) == 4:
                break
            time.sleep(0.1)
        assert len(truth) == 4, truth
        seen = _live_heaps()
    finally:
        go.touch()
        results = spmd.wait(procs, timeout=TIMEOUT)
    assert [pe.returncode for pe in results] == [0, 0], [pe.stderr for pe in results]
    ours = {label: h for label, h in seen.items() if h["creator"] in pids}
    assert sorted(ours) == sorted({held.split()[0] for held in truth}), (ours, truth)
    assert sorted(h["creator"] for h in ours.values()) == sorted(pids)
    for h in ours.values():
        assert h["mapped_by"] == sorted(pids), h
        assert h["bytes"] >= 1 << 20, h  # mem_size 1 MiB and the runtime's own part
    assert not set(ours) & set(_live_heaps()), "heaps of an ended job are still listed"


def test_init_failure_carries_its_reason():
    r = program("init-failure", env={"SHMEM_RANK": "0", "SHMEM_NPES": "2"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("-6 "), r.stdout
    assert "no rendezvous address for 2 PEs" in r.stdout and "see the" not in r.stdout
    r = program("init-failure", env={"SHMEM_RANK": "0", "SHMEM_NPES": "2", "SHMEM_IP_PORT": "tcp://127.0.0.1:80"})
    assert r.stdout.startswith("-2 ") and "port outside 1025..65535" in r.stdout, r.stdout


def test_a_pe_that_exits_without_finalize_is_finalized_and_nobody_sees_a_death():
    results = spmd.run_module(4, "diag", "no-final", timeout=TIMEOUT)
    for pe in results:
        if pe.rank != 2:
            assert pe.report == [], (pe.rank, pe.report, pe.stderr)
    assert spmd.shm_segments([0]) == []


def test_a_pe_that_raises_is_not_finalized_and_the_others_are_told():
    results = spmd.run_module(4, "diag", "raises", timeout=TIMEOUT, check=False)
    for pe in results:
        if pe.rank == 1:
            assert pe.returncode == 1 and "PE 1 fails on purpose" in pe.stderr
        else:
            assert pe.returncode == 0, pe.stderr
            assert any("PE 1" in w for w in pe.report), pe.report
