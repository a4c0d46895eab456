"""Several SHMEM instances in the same 4 processes (tests/programs/instances.py): one of 4 PEs and one of 2 moving
data at the same time, init and finalize of one while the other runs, the E1/E2 calls on the current instance,
and a global exit that reaches the PEs of every instance."""

from __future__ import annotations

import random
import socket

import pytest
import shmem
import spmd


def run(mode: str, tmp_path, env: dict | None = None, check: bool = True) -> list:
    penv = {"SHMEM_TEST_STORE": str(tmp_path)}
    penv.update(env or {})
    return spmd.run_module(4, "instances", mode, env=penv, timeout=300, check=check)


def test_two_instances_move_data_at_once(tmp_path):
    for pe in run("concurrent", tmp_path):
        r = pe.report
        assert r["errors"] == [], r
        assert r["rounds"] == ([20, 20] if pe.rank >= 2 else [20, None])
        assert r["distinct_heaps"] is (True if pe.rank >= 2 else None)
        assert r["current_after"] == 0


def test_init_and_finalize_of_one_while_the_other_runs(tmp_path):
    for pe in run("lifecycle", tmp_path):
        r = pe.report
        assert r["errors"] == [] and r["rounds"] == 60, r
        # init makes instance 1 current, its data are exact, finalizing it falls back to instance 0; twice
        assert r["seen"] == ([1, True, 0] * 2 if pe.rank >= 2 else []), r


def _free_port_range(n: int) -> int:
    for _ in range(50):
        start = random.randrange(20000, 60000)
        try:
            for port in range(start, start + n):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return start
    pytest.skip("no free range of loopback ports")


def test_calls_act_on_the_current_instance(tmp_path):
    start = _free_port_range(3)
    for pe in run("calls", tmp_path, env={"SHMEM_INSTANCE_PORT_RANGE": f"{start}:{start + 2}"}):
        r, me = pe.report, pe.rank
        assert r["got0"] == [200 + (me - 1) % 4] * 8
        assert r["in0"] == [me, 4, 2]
        assert r["current_end"] == 0
        if me < 2:
            continue
        me1 = 3 - me
        assert r["init_attr"] == 0
        assert r["rendezvous"] == f"127.0.0.1:{start + 1}", "instance 1's port: start + 1"
        assert r["in1"] == [me1, 2, 1]
        assert r["got1"] == [100 + (me1 + 1) % 2] * 8
        assert r["ctx_set"] == [0, me, 4]
        assert r["lent"] == [1, 1, 0], "a quiet of instance 0 leaves instance 1's lent buffer lent"
        assert r["unknown"] == [-1, 0], "an unknown instance is refused and the current one stays"
        # set up for instance 1, dropped at the switch; instance 1's heap untouched by a put made in instance 0
        assert r["fast_switch"] == [True, -1, shmem.SHMEM_INVALID_PARAM, True]
        assert r["finalize_other"] == [0, 0, -1, -1]


def test_global_exit_reaches_every_instance(tmp_path):
    results = run("exit", tmp_path, check=False)
    for pe in results:
        assert pe.returncode == 7, f"PE {pe.rank} exited {pe.returncode}\n{pe.stderr}"


def test_instance_arguments_are_checked_as_ascend_does():
    """In this process, before any init: ids outside 0..254 raise, an instance no init created is refused."""
    import shmem
    from shmem import core
    from shmem.core.utils import AclshmemError, AclshmemInvalid

    attr = shmem.InitAttr()
    attr.instance_id = 254
    assert attr.instance_id == 254 and "instance_id=254" in repr(attr)
    for bad in (True, -1, 255, 1 << 64):
        with pytest.raises(ValueError):
            attr.instance_id = bad
        with pytest.raises(ValueError):
            shmem.aclshmemx_finalize(bad)
        with pytest.raises(ValueError):
            shmem.aclshmemx_instance_ctx_set(bad)
    with pytest.raises(TypeError):
        attr.instance_id = "1"
    assert attr.instance_id == 254
    assert shmem.aclshmemx_instance_ctx_set(3) == -1 and shmem.aclshmemx_instance_ctx_get().id == 0
    assert shmem.aclshmemx_finalize(3) == -1
    assert shmem.aclshmemx_finalize(0) == 0  # instance 0 before init: nothing to do
    with pytest.raises(AclshmemError, match="ret=-1"):
        core.set_instance(1)
    with pytest.raises(AclshmemInvalid):
        core.set_instance(255)
    with core.multi_instance(0):
        assert core.current_instance() == 0
    with pytest.raises(AclshmemError, match="ret=-1"):
        with core.multi_instance(2):
            pass
    assert core.current_instance() == 0


def test_a_launcher_address_is_instance_0s(monkeypatch):
    """Instance k != 0 given no ip_port: the launcher's address is instance 0's, so k needs SHMEM_INSTANCE_PORT_RANGE
    (port 0 asks the runtime for port start+k)."""
    from shmem import _init_fini
    from shmem._errors import ShmemError

    monkeypatch.delenv("SHMEM_INSTANCE_PORT_RANGE", raising=False)
    with pytest.raises(ShmemError, match="SHMEM_INSTANCE_PORT_RANGE"):
        _init_fini._instance_launcher_address("tcp://10.0.0.1:29500", 2)
    monkeypatch.setenv("SHMEM_INSTANCE_PORT_RANGE", "30000:30010")
    assert _init_fini._instance_launcher_address("tcp://10.0.0.1:29500", 2) == "tcp://10.0.0.1:0"
    assert _init_fini._instance_launcher_address("tcp6://[::1]:29500", 2) == "tcp6://[::1]:0"
