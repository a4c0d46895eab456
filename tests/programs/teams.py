"""The team API on real PE processes (tests/test_teams.py): ``python -m programs.teams <case>``."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

import shmem

from programs.pe import NPES, RANK, dispatch, report

W, INVALID = shmem.SHMEM_TEAM_WORLD, shmem.SHMEM_TEAM_INVALID


def ident(t: int) -> list[int]:
    return [shmem.my_pe(t), shmem.pe_count(t), shmem.team_my_pe(t), shmem.team_n_pes(t)]


def code_of(fn: Callable[..., Any], *args: Any) -> int | str:
    try:
        fn(*args)
    except shmem.ShmemError as exc:
        return int(exc.code)
    return "no error"


def split_strided() -> None:
    """Strided splits of the world and of a split of a split; identity and translation."""
    evens = shmem.team_split_strided(W, 0, 2, 3)            # world PEs 0, 2, 4
    seen: dict[str, Any] = {"evens": evens, "evens_ident": ident(evens)}
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


def split_2d() -> None:
    """split_2d gives row and column teams."""
    seen = []
    for x_range in (2, 5, 9):
        x, y = shmem.team_split_2d(W, x_range)
        seen.append([x, y, ident(x), ident(y), shmem.team_translate_pe(x, 0, W), shmem.team_translate_pe(y, 0, W)])
    shmem.shmem_finialize()
    report(seen)


def bad_splits() -> None:
    """Bad split arguments fail on every member; the job goes on."""
    codes: list[int | str] = [code_of(shmem.team_split_strided, *args) for args in [  # Ascend's newest binding raises
        (W, 0, 1, 4), (W, 3, 1, 1), (W, -1, 1, 1), (W, 0, 0, 2), (W, 0, -1, 2), (W, 0, 1, 0), (W, 1, 2, 2),
        (12345, 0, 1, 1), (INVALID, 0, 1, 1)]]
    codes += [code_of(shmem.team_split_2d, *args) for args in [(W, 0), (W, -2), (777, 2)]]
    good = shmem.team_split_strided(W, 0, 1, 3)
    shmem.shmem_barrier(good)
    good_ident = ident(good)
    shmem.shmem_finialize()
    report([codes, good, good_ident])


def config_destroy() -> None:
    """get_config, barriers that really wait on nested teams, destroy and its errors."""
    seen: dict[str, Any] = {}
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



if __name__ == "__main__":
    assert shmem.shmem_init(RANK, NPES, 1 << 20) == 0
    dispatch({"split_strided": split_strided, "split_2d": split_2d,
              "bad_splits": bad_splits, "config_destroy": config_destroy})
