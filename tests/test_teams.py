"""The team API end to end on real PE processes: splits (strided, 2d, nested), identity inside teams, translation,
configuration, barriers over teams, destruction, and the errors of each."""

import textwrap

import pytest
import shmem
import spmd

_INIT = """
import shmem
assert shmem.shmem_init(RANK, NPES, 1 << 20) == 0
W, INVALID = shmem.SHMEM_TEAM_WORLD, shmem.SHMEM_TEAM_INVALID
def ident(t):
    return [shmem.my_pe(t), shmem.pe_count(t), shmem.team_my_pe(t), shmem.team_n_pes(t)]
def code_of(fn, *args):
    try:
        fn(*args)
    except shmem.ShmemError as exc:
        return exc.code
    return "no error"
"""


def run(n: int, body: str, **kw) -> list:
    return spmd.run(n, _INIT + textwrap.dedent(body), **kw)


def test_split_strided_on_world_and_on_a_split_of_a_split():
    results = run(6, """
        evens = shmem.team_split_strided(W, 0, 2, 3)            # world PEs 0, 2, 4
        seen = {"evens": evens, "evens_ident": ident(evens)}
        if evens != INVALID:
            upper = shmem.team_split_strided(evens, 1, 1, 2)     # ranks 1, 2 of evens: world PEs 2, 4
            seen["upper"] = upper
            seen["upper_ident"] = ident(upper)
            if upper != INVALID:
                last = shmem.team_split_strided(upper, 1, 5, 1)  # rank 1 of upper: world PE 4 (stride unused)
                seen["last"] = last
                seen["last_ident"] = ident(last)
                seen["translate"] = [shmem.team_translate_pe(upper, 0, W), shmem.team_translate_pe(upper, 1, evens),
                                     shmem.team_translate_pe(W, 4, upper), shmem.team_translate_pe(evens, 0, upper),
                                     shmem.team_translate_pe(upper, 2, W), shmem.team_translate_pe(upper, -1, W),
                                     shmem.team_translate_pe(12345, 0, W), shmem.team_translate_pe(upper, 0, 12345)]
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()
        report(seen)
    """)
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
    results = run(5, """
        seen = []
        for x_range in (2, 5, 9):
            x, y = shmem.team_split_2d(W, x_range)
            seen.append([x, y, ident(x), ident(y), shmem.team_translate_pe(x, 0, W), shmem.team_translate_pe(y, 0, W)])
        shmem.shmem_finialize()
        report(seen)
    """)
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
    results = run(3, """
        codes = [code_of(shmem.team_split_strided, *args) for args in [  # Ascend's newest binding raises
            (W, 0, 1, 4), (W, 3, 1, 1), (W, -1, 1, 1), (W, 0, 0, 2), (W, 0, -1, 2), (W, 0, 1, 0), (W, 1, 2, 2),
            (12345, 0, 1, 1), (INVALID, 0, 1, 1)]]
        codes += [code_of(shmem.team_split_2d, *args) for args in [(W, 0), (W, -2), (777, 2)]]
        good = shmem.team_split_strided(W, 0, 1, 3)
        shmem.shmem_barrier(good)
        good_ident = ident(good)
        shmem.shmem_finialize()
        report([codes, good, good_ident])
    """, timeout=60)
    reports = [pe.report for pe in results]
    for rank, (codes, good, good_ident) in enumerate(reports):
        assert codes == [shmem.SHMEM_INVALID_PARAM] * 12
        assert good == reports[0][1] and good not in (0, -1)
        assert good_ident == [rank, 3, rank, 3]


def test_get_config_destroy_and_barriers_on_nested_teams():
    results = run(4, """
        import ctypes
        seen = {}
        cfg = shmem.shmem_team_get_config(W)
        seen["world_cfg"] = [type(cfg).__name__, cfg.num_contexts]
        odd = shmem.team_split_strided(W, 1, 2, 2)          # world PEs 1, 3
        word = shmem.shmem_malloc(8)                        # malloc and free are collective over the world
        if odd != INVALID:
            filled = shmem.TeamConfig(7)
            seen["fill"] = [shmem.shmem_team_get_config(odd, filled), filled.num_contexts]
            seen["new"] = shmem.shmem_team_get_config(odd).num_contexts
            pair = shmem.team_split_strided(odd, 0, 1, 2)   # a split of a split: the same PEs
            # The barrier really waits: each member stores a round number in its partner's word, then, after the
            # barrier, must find the partner's store of the same round in its own word.
            partner = 4 - RANK
            rounds_ok = 0
            for rnd in range(1, 201):
                shmem.shmem_putmem(word, rnd.to_bytes(8, "little"), 8, partner)
                shmem.shmem_barrier(pair)
                rounds_ok += ctypes.c_int64.from_address(word).value == rnd
                shmem.shmem_barrier(odd)
            seen["rounds_ok"] = rounds_ok
            shmem.team_destroy(pair)
            seen["destroyed"] = [ident(pair), code_of(shmem.shmem_barrier, pair),
                                 code_of(shmem.shmem_team_get_config, pair),
                                 shmem.shmem_team_get_config(pair, shmem.TeamConfig()),
                                 shmem.team_translate_pe(pair, 0, W), code_of(shmem.team_destroy, pair)]
            shmem.shmem_barrier(odd)                            # the parent still works
            again = shmem.team_split_strided(odd, 0, 1, 2)
            seen["again_new_id"] = again not in (pair, odd, INVALID)
        shmem.shmem_free(word)
        seen["errors"] = [code_of(shmem.team_destroy, W), code_of(shmem.team_destroy, 9999),
                          code_of(shmem.team_destroy, INVALID), code_of(shmem.shmem_team_get_config, 9999),
                          shmem.shmem_team_get_config(9999, shmem.TeamConfig()), code_of(shmem.shmem_barrier, 9999),
                          ident(9999), ident(INVALID)]
        shmem.shmem_barrier_all()
        shmem.shmem_finialize()
        report(seen)
    """)
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
