"""Start-up, shut-down, status, attributes, identity and global exit, on real separate PE processes."""


import pytest
import shmem
import spmd


def run(n: int, case: str, *args: str, **kw) -> list:
    return spmd.run_module(n, "init_fini", case, *args, **kw)


def test_single_pe_in_the_test_process_init_finalize_and_again():
    assert shmem.shmem_init_status() == shmem.InitStatus.NOT_INITIALIZED
    assert shmem.my_pe() == -1 and shmem.pe_count() == -1
    for _ in range(3):
        assert shmem.shmem_init(0, 1, 1 << 20) == 0
        assert shmem.shmem_init_status() == shmem.SHMEM_STATUS_IS_INITIALIZED
        assert (shmem.my_pe(), shmem.pe_count()) == (0, 1)
        assert (shmem.my_pe(shmem.SHMEM_TEAM_WORLD), shmem.pe_count(shmem.SHMEM_TEAM_WORLD)) == (0, 1)
        assert (shmem.team_my_pe(0), shmem.team_n_pes(0)) == (0, 1)
        assert shmem.team_my_pe(12345) == -1 and shmem.pe_count(-7) == -1
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()
        assert shmem.shmem_init_status() == shmem.InitStatus.NOT_INITIALIZED
        assert shmem.my_pe() == -1


def test_finalize_before_init_is_a_noop():
    shmem.shmem_finialize()
    shmem.shmem_finalize()
    assert shmem.shmem_init_status() == shmem.InitStatus.NOT_INITIALIZED


@pytest.mark.parametrize(("args", "code"), [
    ((-1, 1, 1024), shmem.SHMEM_INVALID_VALUE),
    ((0, 0, 1024), shmem.SHMEM_INVALID_VALUE),
    ((0, -3, 1024), shmem.SHMEM_INVALID_VALUE),
    ((0, 1, 0), shmem.SHMEM_INVALID_VALUE),
    ((0, 1, -5), shmem.SHMEM_INVALID_VALUE),
    ((1, 1, 1024), shmem.SHMEM_INVALID_PARAM),
    ((4, 2, 1024), shmem.SHMEM_INVALID_PARAM),
])
def test_init_rejects_bad_values(args, code):
    assert shmem.shmem_init(*args) == code
    assert shmem.shmem_init_status() == shmem.InitStatus.NOT_INITIALIZED


@pytest.mark.parametrize("args", [("0", 1, 1024), (0, 1.5, 1024), (0, 1, None), (0, None, 1024)])
def test_init_rejects_wrong_types(args):
    with pytest.raises(TypeError):
        shmem.shmem_init(*args)


def test_second_init_is_invalid_param_and_keeps_the_first():
    assert shmem.shmem_init(0, 1, 1 << 16) == 0
    try:
        assert shmem.shmem_init(0, 1, 1 << 16) == shmem.SHMEM_INVALID_PARAM
        assert shmem.shmem_init_status() == shmem.InitStatus.INITIALIZED
    finally:
        shmem.shmem_finialize()


def test_calls_before_init_and_after_finalize():
    for phase in ("before", "after"):
        if phase == "after":
            assert shmem.shmem_init(0, 1, 1 << 16) == 0
            shmem.shmem_finialize()
        with pytest.raises(shmem.ShmemError) as err:
            shmem.shmem_putmem(1 << 20, b"x", 1, 0)
        assert err.value.code == shmem.SHMEM_NOT_INITED
        with pytest.raises(shmem.ShmemError) as err:
            shmem.shmem_barrier_all()
        assert err.value.code == shmem.SHMEM_NOT_INITED
        assert shmem.shmem_malloc(64) == 0
        assert shmem.shmem_ptr(1 << 20, 0) == 0
        assert shmem.get_ffts_config() == 0
        assert shmem.my_pe() == -1 and shmem.pe_count(0) == -1


def test_set_attributes_fills_and_validates():
    attr = shmem.InitAttr()
    assert attr.option_attr.data_op_engine_type == shmem.OpEngineType.MTE
    assert attr.option_attr.shm_init_timeout == 120
    assert shmem.shmem_set_attributes(1, 4, 1 << 20, "tcp://127.0.0.1:8666", attr) == 0
    assert (attr.my_rank, attr.n_ranks, attr.local_mem_size, attr.ip_port) == (1, 4, 1 << 20, "tcp://127.0.0.1:8666")
    assert shmem.shmem_set_attributes(0, 2, 4096, "tcp6://[::1]:20000", shmem.InitAttr()) == 0
    for bad in ["127.0.0.1:8666", "http://127.0.0.1:8666", "tcp://127.0.0.1", "tcp://127.0.0.1:1024",
                "tcp://127.0.0.1:65536", "tcp://:8666", "tcp6://::1:8666", "tcp://127.0.0.1:port", ""]:
        assert shmem.shmem_set_attributes(0, 1, 1024, bad, shmem.InitAttr()) == shmem.SHMEM_INVALID_VALUE, bad
    for ranks in [(-1, 2), (2, 2), (0, 0), (0, -1)]:
        assert shmem.shmem_set_attributes(*ranks, 1024, "tcp://127.0.0.1:8666", shmem.InitAttr()) == -2
    assert shmem.shmem_set_attributes(0, 1, 0, "tcp://127.0.0.1:8666", shmem.InitAttr()) == -2
    with pytest.raises(TypeError):
        shmem.shmem_set_attributes(0, 1, 1024, 8666, shmem.InitAttr())


def test_engine_and_timeout_setters():
    attr = shmem.InitAttr()
    assert shmem.shmem_set_data_op_engine_type(attr, shmem.OpEngineType.SDMA) == 0
    assert attr.option_attr.data_op_engine_type == shmem.OpEngineType.SDMA
    assert shmem.shmem_set_data_op_engine_type(attr, vaue=4) == 0
    assert attr.option_attr.data_op_engine_type is shmem.OpEngineType.ROCE
    for bad in (0, 3, 16, -1, True):  # 8 is UDMA (Ascend E2)
        assert shmem.shmem_set_data_op_engine_type(attr, bad) == shmem.SHMEM_INVALID_VALUE
    assert shmem.shmem_set_timeout(attr, vaue=7) == 0
    opt = attr.option_attr
    assert (opt.shm_init_timeout, opt.shm_create_timeout, opt.control_operation_timeout) == (7, 7, 7)
    assert shmem.shmem_set_timeout(attr, 0) == shmem.SHMEM_INVALID_VALUE
    assert shmem.shmem_set_timeout(attr, -1) == shmem.SHMEM_INVALID_VALUE
    assert opt.shm_init_timeout == 7


def test_info_and_classes():
    assert shmem.shmem_info_get_version() == (1, 1)
    assert "shmem" in shmem.shmem_info_get_name()
    assert shmem.TeamConfig().num_contexts == 0 and shmem.TeamConfig(3).num_contexts == 3
    assert issubclass(shmem.ShmemError, RuntimeError)
    assert shmem.SHMEM_MALLOC_FAILED == -8 and shmem.SHMEM_NOT_SUPPORTED == -100
    assert shmem.InitStatus.INVALID == 2147483647


def test_gopy_gc_hook_is_removed():
    import gc

    assert not [cb for cb in gc.callbacks if "gopy" in getattr(cb, "__name__", "")]


def test_four_pes_meet_identify_and_barrier():
    results = run(4, "four_pes")
    assert [pe.report for pe in results] == [[r, 4, r, 4, 2, 0] for r in range(4)]


def test_address_from_attributes_and_from_torchrun_variables():
    port = spmd.free_port()
    # the environment's address is wrong: the attributes must win
    run(2, "attributes_address", str(port), ip_port="tcp://127.0.0.1:1")
    master = spmd.free_port()
    run(2, "torchrun_address", ip_port="",
        env={"SHMEM_IP_PORT": "", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(master - 11)})


def test_init_via_attributes_object_and_launcher_detection():
    run(3, "init_via_attributes")


def test_no_address_for_several_pes_is_a_bootstrap_error():
    results = run(1, "no_address", ip_port="",
                  env={"SHMEM_IP_PORT": "", "MASTER_ADDR": "", "SHMEM_MASTER_ADDR": ""})
    assert results[0].report == shmem.SHMEM_BOOTSTRAP_ERROR


def test_missing_pe_times_out_cleanly_and_init_can_be_retried():
    results = run(3, "missing_pe", ranks=[0, 1])  # PE 2 never comes
    for pe in results:
        rc, took, status, left, threads = pe.report
        assert rc == shmem.SHMEM_TIMEOUT_ERROR
        assert 1.5 < took < 60  # waited for its 2 s timeout; the upper bound guards a hang only
        assert status == shmem.InitStatus.NOT_INITIALIZED
        assert left == []
        assert threads == 1


def test_rank0_that_cannot_bind_reports_bootstrap_error():
    with spmd.socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        results = run(1, "rank0_port_taken", ip_port=f"tcp://127.0.0.1:{port}")
    assert results[0].report == shmem.SHMEM_BOOTSTRAP_ERROR


def test_init_finalize_init_with_two_pes():
    run(2, "init_again")


def test_global_exit_ends_every_pe_also_those_blocked_in_a_barrier():
    procs = spmd.start_module(4, "init_fini", "global_exit")
    results = spmd.wait(procs, timeout=50)
    # Status 7 from PE 2, asleep in Python for 60 s, can only come from the global exit (no speed asserted).
    assert [pe.returncode for pe in results] == [7, 7, 7, 7], [pe.stderr for pe in results]
    assert all("not reached" not in pe.stdout for pe in results)


def test_global_exit_before_init_exits_the_process():
    results = run(1, "global_exit_before_init", check=False)
    assert results[0].returncode == 3


def test_a_dead_pe_makes_the_barrier_fail_not_hang():
    results = run(2, "dead_pe", check=False, timeout=40)
    assert results[1].returncode == 9
    assert results[0].returncode == 0, results[0].stderr
    code, took = results[0].report
    assert code == shmem.SHMEM_BOOTSTRAP_ERROR
    assert took < 60     # -6 before the 60 s timeout (which says -7): the rendezvous saw the PE die
