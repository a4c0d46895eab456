"""Ascend's semantics on real PE processes (docs/api.md, "Ascend does / shmem does"), and two of Ascend's own
E2 test programs, ported with torch.distributed replaced, running unchanged otherwise."""

import pytest
import shmem
import spmd


@pytest.mark.parametrize("engine", ["MTE", "ROCE"])
def test_semantics_on_four_pes(engine):
    results = spmd.run_module(4, "ascend_semantics", engine, timeout=120)
    r = [pe.report for pe in results]
    for rank, out in enumerate(r):
        row, col = divmod(rank, 2)
        assert out["split_2d"] == [2, 2, col, row, 0, 0, shmem.SHMEM_INVALID_PARAM], out["split_2d"]
        assert out["solo"] == [1, 0, rank], "a team of itself"
        pair, size, second = out["pair"]
        assert size == 2 and second == rank // 2 * 2 + 1
        assert pair == r[rank ^ 1]["pair"][0], "the members of a pair agree on its id"
        assert out["barrier_bad_team"] == ["ShmemError", shmem.SHMEM_INVALID_PARAM]
    # PEs 0 and 1 made {0, 1}; PE 2 named {1, 2} alone: an error (the exchange's timeout), never a team
    assert r[0]["disagree"][1] == r[1]["disagree"][1] == 2 and r[0]["disagree"][0] == r[1]["disagree"][0]
    assert r[2]["disagree"] == [shmem.SHMEM_BOOTSTRAP_ERROR, None] or r[2]["disagree"][0] in (
        shmem.SHMEM_TIMEOUT_ERROR, shmem.SHMEM_BOOTSTRAP_ERROR), r[2]["disagree"]
    assert r[3]["disagree"] == [shmem.SHMEM_TEAM_INVALID, None], "no member: SHMEM_TEAM_INVALID, no error"


def test_ascend_init_test_program_runs():
    for pe in spmd.run_module(2, "ascend_port_init", timeout=120):
        assert "init_test.py running success!" in pe.stdout


def test_ascend_unique_id_test_program_runs(tmp_path):
    env = {"SHMEM_TEST_UID_FILE": str(tmp_path / "uid")}
    for pe in spmd.run_module(2, "ascend_port_uid", env=env, timeout=120):
        assert "test.py running success!" in pe.stdout
    assert len((tmp_path / "uid").read_bytes()) == 136, "Ascend's aclshmemx_uniqueid_t size"
