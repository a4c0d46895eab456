"""The team API end to end on real PE processes: splits (strided, 2d, nested), identity inside teams, translation,
configuration, barriers over teams, destruction, and the errors of each."""

import pytest
import shmem
import spmd


def run(n: int, case: str, **kw) -> list:
    return spmd.run_module(n, "teams", case, **kw)


def test_split_strided_on_world_and_on_a_split_of_a_split():
    results = run(6, "split_strided")
    by_rank = {pe.rank: pe.report for pe in results}
    evens_id = by_rank[0]["evens"]
    assert evens_id not in (0, -1)
    for rank, seen in by_rank.items():
        if rank % 2:
            assert seen == {"evens": -1, "evens_ident": [-1, -1, -1, -1]}
            continue
        assert seen["evens"] == evens_id  # the same id on every member
        assert seen["evens_ident"] == [rank // 2, 3, rank // 2, 3]
    assert by_rank[0]["upper"] == -1 and "last" not in by_rank[0]
    upper_id = by_rank[2]["upper"]
    assert upper_id == by_rank[4]["upper"] and upper_id not in (0, -1, evens_id)
    assert by_rank[2]["upper_ident"] == [0, 2, 0, 2] and by_rank[4]["upper_ident"] == [1, 2, 1, 2]
    assert by_rank[2]["last"] == -1 and by_rank[2]["last_ident"] == [-1, -1, -1, -1]
    assert by_rank[4]["last_ident"] == [0, 1, 0, 1]
    for rank in (2, 4):
        assert by_rank[rank]["translate"] == [2, 2, 1, -1, -1, -1, -1, -1]


def test_split_2d_returns_row_and_column_teams():
    results = run(5, "split_2d")
    reports = [pe.report for pe in results]
    for i, x_range in enumerate((2, 5, 9)):
        width = min(x_range, 5)
        ids = {(r[i][0], r[i][1]) for r in reports}
        x_ids = {x for x, _ in ids}
        y_ids = {y for _, y in ids}
        assert len(x_ids) == 1 and len(y_ids) == 1 and x_ids != y_ids  # one id per kind, equal on all members
        for rank, r in enumerate(reports):
            x, y, x_ident, y_ident, x_first, y_first = r[i]
            row, col = divmod(rank, width)
            row_len = min(width, 5 - row * width)
            col_len = len(range(col, 5, width))
            assert x_ident == [col, row_len, col, row_len], (x_range, rank)
            assert y_ident == [row, col_len, row, col_len], (x_range, rank)
            assert (x_first, y_first) == (row * width, col)


def test_bad_split_arguments_fail_on_every_member_and_the_job_goes_on():
    results = run(3, "bad_splits", timeout=60)
    reports = [pe.report for pe in results]
    for rank, (codes, good, good_ident) in enumerate(reports):
        assert codes == [shmem.SHMEM_INVALID_PARAM] * 12
        assert good == reports[0][1] and good not in (0, -1)
        assert good_ident == [rank, 3, rank, 3]


def test_get_config_destroy_and_barriers_on_nested_teams():
    results = run(4, "config_destroy")
    for pe in results:
        seen = pe.report
        assert seen["world_cfg"] == ["TeamConfig", 0]
        assert seen["errors"] == [-1, -1, -1, -1, -1, -1, [-1] * 4, [-1] * 4]
        if pe.rank % 2 == 0:
            assert set(seen) == {"world_cfg", "errors"}
            continue
        assert seen["fill"] == [0, 0] and seen["new"] == 0
        assert seen["rounds_ok"] == 200
        assert seen["destroyed"] == [[-1] * 4, -1, -1, -1, -1, -1]
        assert seen["again_new_id"]


def test_team_calls_before_init():
    with pytest.raises(RuntimeError) as err:  # as Ascend's newest binding raises; ShmemError is one
        shmem.team_split_strided(0, 0, 1, 1)
    assert err.value.code == shmem.SHMEM_NOT_INITED
    with pytest.raises(shmem.ShmemError) as err:
        shmem.team_split_2d(0, 1)
    assert err.value.code == shmem.SHMEM_NOT_INITED
    with pytest.raises(shmem.ShmemError) as err:
        shmem.team_destroy(1)
    assert err.value.code == shmem.SHMEM_NOT_INITED
    with pytest.raises(shmem.ShmemError):
        shmem.shmem_team_get_config(0)
    assert shmem.shmem_team_get_config(0, shmem.TeamConfig()) == -1
    assert shmem.team_translate_pe(0, 0, 0) == -1
    assert (shmem.my_pe(0), shmem.pe_count(0), shmem.team_my_pe(0), shmem.team_n_pes(0)) == (-1, -1, -1, -1)


def test_single_pe_teams_in_process():
    assert shmem.shmem_init(0, 1, 1 << 16) == 0
    try:
        t = shmem.team_split_strided(shmem.SHMEM_TEAM_WORLD, 0, 1, 1)
        assert t not in (0, -1)
        assert (shmem.my_pe(t), shmem.pe_count(t)) == (0, 1)
        x, y = shmem.team_split_2d(t, 1)
        assert (shmem.team_n_pes(x), shmem.team_n_pes(y)) == (1, 1) and len({t, x, y}) == 3
        for team in (t, x, y):
            shmem.shmem_barrier(team)
        assert shmem.team_translate_pe(y, 0, x) == 0
        shmem.team_destroy(x)
        assert shmem.team_n_pes(x) == -1 and shmem.team_n_pes(y) == 1
        with pytest.raises(shmem.ShmemError):
            shmem.team_destroy(x)
        with pytest.raises(shmem.ShmemError) as err:
            shmem.team_destroy(shmem.SHMEM_TEAM_WORLD)
        assert err.value.code == shmem.SHMEM_INVALID_PARAM
    finally:
        shmem.shmem_finialize()
    assert shmem.team_n_pes(t) == -1  # teams end with the job
