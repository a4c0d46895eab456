"""shmem.core (E3) and the E2 stream/heap/config/profiling/instance names on real jobs of 2 and 4 PEs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import spmd

NOT_SUPPORTED = "ret=-100"


def run(n: int, module: str, *args: str, tmp_path, env: dict | None = None, timeout: float = 240) -> list:
    penv = {"SHMEM_TEST_STORE": str(tmp_path)}
    penv.update(env or {})
    return spmd.run_module(n, module, *args, env=penv, timeout=timeout)


@pytest.mark.parametrize("n", [2, 4])
def test_every_core_call(n, tmp_path):
    for pe in run(n, "core_api", tmp_path=tmp_path):
        r, me = pe.report, pe.rank
        nxt, prv = (me + 1) % n, (me - 1) % n
        assert r["version"] == "libaclshmem_version=1.1"
        assert r["direct"] == [me, n, 2, me, n]
        assert r["heaps"] == [True, True, True, 0, True, True, True]
        assert r["dlpack"] == [True, me + 1, me + 1, [1, 0]]
        assert "not inside a mapped symmetric heap" in r["external_view"]
        assert r["put"] == [10 + prv, 10 + prv]
        assert r["get"] == 10 + me  # nxt's dev holds what its predecessor (this PE) put
        assert r["put_signal"] == 7
        assert r["signal_op_wait"] == 12
        assert all(r["bad_team"]) and all(r["bad_args"])
        assert "-1" in r["bad_stream"] or "does not exist" in r["bad_stream"]
        assert r["config"][0] == [1 << 16, 4096, 4096]  # SDMA's, then UDMA's size; RDMA's leaves it
        assert all("ub_size" in m for m in r["config"][1:3]), r["config"]
        assert r["config"][3:] == [-1, 0, 0]  # qp_num after init: frozen
        assert r["instances"][0] == 0 and "ret=-1:" in r["instances"][1]  # instances: no instance 1, 2 or 3
        assert r["instances"][3:5] == [-1, 0] and "ret=-1:" in r["instances"][5]
        assert r["prof_off"] is True
        assert r["peer"][:2] == [False, 10 + me]
        assert r["after_free"][0] is True and all("free" in m or "usable" in m for m in r["after_free"][1:])
        assert all("finalized" in m for m in r["after_finalize"]), r["after_finalize"]
        del nxt


@pytest.mark.parametrize("n", [2, 4])
def test_stream_orders_its_operations_and_returns_at_once(n, tmp_path):
    for pe in run(n, "core_streams", "order", tmp_path=tmp_path):
        r = pe.report
        assert r["pending"] == 2 and r["untouched"]
        assert r["got"] == r["expect"]


def test_streams_run_concurrently(tmp_path):
    for pe in run(2, "core_streams", "concurrent", tmp_path=tmp_path):
        r = pe.report
        assert r["a_pending_while_b_done"] == 1 and r["got"] == r["expect"]


def test_queued_errors_are_reported_never_lost(tmp_path):
    for pe in run(2, "core_streams", "errors", tmp_path=tmp_path):
        r = pe.report
        assert r["first"] == "-1" and r["later_put_ran"]
        assert "no synchronize reported it" in r["finalize"]


def test_lent_source_stays_alive_until_the_operation_ran(tmp_path):
    for pe in run(2, "core_streams", "lifetime", tmp_path=tmp_path):
        assert pe.report == {"resize_while_lent": "refused", "data": True}


def test_finalize_cancels_a_wait_nobody_satisfies(tmp_path):
    for pe in run(2, "core_streams", "cancelled", tmp_path=tmp_path):
        r = pe.report
        assert "never ran" in r["finalize"] or "cancelled" in r["finalize"], r
        assert r["stream_gone"] == "-1"


ASCEND = Path(__file__).resolve().parent / "programs" / "ascend_core"
# Ascend's programs that stop before their end here, and the text of where they stop:
STOPS: dict[str, tuple[str, ...]] = {}  # none now
# Races in the programs themselves (docs/core.md): when a PE loses one, the program stops there with this text,
# every step before having passed.
RACES = {
    # at the end of step 9 a PE gets from its neighbour's send buffer while the neighbour, already in step 10, may
    # clear it (no barrier between the steps)
    "test_rma": "[FAIL] step 9",
    # a PE clears its own receive buffer after the allocation while its predecessor, out of the allocation first,
    # may already have put into it (no barrier between): the check then reads the 0 of the clearing
    "test_handle_wait": ", got 0.",
}
PROGRAMS = ["test_init_final", "test_memory", "test_rma", "test_direct", "test_sync_config_prof",
            "test_multi_instance", "test_handle_wait"]


@pytest.mark.parametrize("n", [2, 4])
@pytest.mark.parametrize("name", PROGRAMS)
def test_ascend_core_programs_run_unchanged(name, n, tmp_path, extra_env: dict | None = None):
    """Ascend's examples/python_extension/test/core programs, with torch/acl shims (tests/programs/ascend_core)."""
    env = {"SHMEM_TEST_STORE": str(tmp_path), "SHMEM_CYCLE_PROF_PE": "0",
           "PYTHONPATH": os.pathsep.join([str(ASCEND / "_shims"), os.environ.get("PYTHONPATH", "")])}
    env.update(extra_env or {})
    results = spmd.wait(spmd._start(n, [str(ASCEND / f"{name}.py")], ranks=None, env=env, ip_port=None),
                        timeout=240)
    if name in STOPS:
        assert all(pe.returncode != 0 for pe in results), results
        assert any(stop in pe.stderr for pe in results for stop in STOPS[name]), results
        return
    if name in RACES and any(RACES[name] in pe.stderr for pe in results):
        # the others either finished, or waited in their next collective step for the PE that stopped and were
        # told it was lost (or timed out)
        for pe in results:
            assert pe.returncode == 0 or RACES[name] in pe.stderr or "TimeoutError" in pe.stderr or (
                "was lost" in pe.stderr), pe.stderr
        return
    for pe in results:
        assert pe.returncode == 0, f"PE {pe.rank}\n{pe.stdout}\n{pe.stderr}"
        assert f"{name} running success!" in pe.stdout


@pytest.mark.parametrize("n", [2, 4])
def test_ascend_handle_wait_on_the_roce_engine(n, tmp_path):
    """test_handle_wait's own second path: InitAttr from aclshmemx_set_attr_uniqueid_args with the ROCE engine, so
    every transfer goes through the network engine."""
    test_ascend_core_programs_run_unchanged("test_handle_wait", n, tmp_path, {"SHMEM_TEST_ENGINE": "ROCE"})


@pytest.mark.parametrize("n", [2, 4])
def test_profiling_counts_per_kind_and_peer(n, tmp_path):
    results = run(n, "core_prof", tmp_path=tmp_path, env={"SHMEM_CYCLE_PROF_PE": "0"})
    r = results[0].report
    assert r["pe_id"] == 0 and r["shape"] == [64, 1024, 64]
    assert r["put"] == [10, 10240, True] and r["stream"] == [1, 1024]
    assert r["barrier"] and r["table"]
    for pe in results[1:]:
        assert pe.report == {"none": True, "table": ""}


def test_profiling_is_off_by_default(tmp_path):
    for pe in run(2, "core_prof", tmp_path=tmp_path, env={"SHMEM_CYCLE_PROF_PE": ""}):
        assert pe.report == {"none": True, "table": ""}


@pytest.mark.parametrize("n", [2, 4])
def test_e3_example_runs(n):
    example = Path(__file__).resolve().parents[1] / "examples" / "core_ring.py"
    for pe in spmd.wait(spmd._start(n, [str(example)], ranks=None, env=None, ip_port=None), timeout=240):
        assert pe.returncode == 0, pe.stderr
        assert f"PE {pe.rank} of {n}: received {(pe.rank - 1) % n}" in pe.stdout


def test_ctrl_c_reaches_a_synchronize(tmp_path):
    for pe in run(2, "core_streams", "interrupt", tmp_path=tmp_path):
        assert pe.report == {"sync": "interrupted"}


def test_no_host_side_heap_when_its_size_is_zero(tmp_path):
    for pe in run(2, "core_streams", "heaps", tmp_path=tmp_path, env={"SHMEM_HOST_MEM_SIZE": "0"}):
        assert pe.report["host_base"] == 0 and "no host-side heap" in pe.report["host"]


def test_a_bad_host_heap_size_fails_init(tmp_path):
    results = spmd.wait(spmd.start_module(2, "core_streams", "heaps",
                                          env={"SHMEM_TEST_STORE": str(tmp_path), "SHMEM_HOST_MEM_SIZE": "lots"}),
                        timeout=240)
    for pe in results:
        assert pe.returncode != 0 and "SHMEM_HOST_MEM_SIZE" in pe.stderr


@pytest.mark.parametrize("n", [2, 4])
def test_qp_num_opens_parallel_connections_and_keeps_data_exact(n, tmp_path):
    one = run(n, "core_qp", "1", tmp_path=tmp_path)
    four = run(n, "core_qp", "4", tmp_path=tmp_path)
    for a, b in zip(one, four, strict=True):
        assert a.report["before"] == [-2, -2, -2, 0] and a.report["after"] == -1
        assert a.report["data"] and b.report["data"]
        # one more connection out and one more in per extra lane to every other PE
        assert b.report["sockets"] - a.report["sockets"] == 2 * 3 * (n - 1), (a.report, b.report)


@pytest.mark.parametrize("n,queues", [(2, 3), (4, 1)])
def test_udma_job_takes_its_queues_and_chunk_from_qp_num_and_udma_config(n, queues, tmp_path):
    for pe in run(n, "core_udma", str(queues), tmp_path=tmp_path):
        r = pe.report
        assert r["before"] == [-2, -2, -2, 0] and r["after"] == -1
        assert len(r["started"]) == 1 and f"copy engine started with {queues} workers" in r["started"][0], r
        assert r["chunk"] == 4096 and r["data"]
