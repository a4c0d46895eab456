"""Ascend's semantics where the seed's differ, on real PEs: E1's missing forms called with keywords, local team
splits with different arguments per PE, a real disagreement among members, and Ascend's error model.
Usage: python -m programs.ascend_semantics [MTE|ROCE]. Reports a dict; tests/test_ascend_semantics.py checks it."""

from __future__ import annotations

import sys

import shmem

from programs.pe import IP_PORT, NPES, RANK, report


def main() -> None:
    logged: list = []
    assert shmem.set_extern_logger(func=lambda level, msg: logged.append(msg)) == 0
    attr = shmem.InitAttr()
    attr.my_rank, attr.n_ranks, attr.local_mem_size, attr.ip_port = RANK, NPES, 1 << 20, IP_PORT
    attr.option_attr.control_operation_timeout = 3  # the disagreement below ends in this timeout
    attr.option_attr.data_op_engine_type = shmem.OpEngineType[sys.argv[1] if len(sys.argv) > 1 else "MTE"]
    assert shmem.shmem_init(attributes=attr) == 0
    me, n = shmem.my_pe(), shmem.pe_count()
    out: dict = {}

    # split_2d under its E1 name, keyword arguments, and team_get_config's two-argument form
    x, y = shmem.shmem_team_split_2d(parent=shmem.SHMEM_TEAM_WORLD, x_range=2)
    cfg = shmem.TeamConfig(9)
    out["split_2d"] = [shmem.team_n_pes(x), shmem.team_n_pes(y), shmem.team_my_pe(x), shmem.team_my_pe(y),
                       shmem.shmem_team_get_config(x, team_config=cfg), cfg.num_contexts,
                       shmem.shmem_team_get_config(team=12345, team_config=cfg)]

    # every PE splits with its own arguments: a team of itself
    solo = shmem.team_split_strided(parent=0, start=me, stride=1, size=1)
    shmem.shmem_barrier(solo)
    out["solo"] = [shmem.team_n_pes(solo), shmem.team_my_pe(solo), shmem.team_translate_pe(solo, 0, 0)]
    # pairs {0,1}, {2,3}: each pair's members agree on their id, different arguments per pair
    pair = shmem.team_split_strided(0, me // 2 * 2, 1, 2)
    shmem.shmem_barrier(pair)
    out["pair"] = [pair, shmem.team_n_pes(pair), shmem.team_translate_pe(pair, 1, 0)]
    # a real disagreement: PE 2 names {1, 2}, but PE 1 makes {0, 1} with PE 0; PE 3 is in neither
    done = shmem.shmem_calloc(1, 8)
    start = 1 if me == 2 else 0
    try:
        disagree = shmem.team_split_strided(0, start, 1, 2)
    except RuntimeError as exc:  # Ascend's newest binding raises RuntimeError: ShmemError is one
        disagree = int(getattr(exc, "code"))  # noqa: B009 - a RuntimeError that is no ShmemError fails here
    out["disagree"] = [disagree, shmem.team_n_pes(disagree) if disagree >= 0 else None]
    # PE 2 waits out the exchange's timeout; the others wait for it (a signal, which has no timeout), so that
    # the barrier after it does not time out first
    if me == 2:
        for pe in range(n):
            shmem.shmem_putmem_signal(done, b"", 0, done, 1, shmem.SHMEM_SIGNAL_SET, pe)
    shmem.shmem_signal_wait_until(done, shmem.SHMEM_CMP_EQ, 1)
    shmem.shmem_barrier_all()  # the job goes on
    shmem.shmem_free(done)

    # Ascend's binding raises ValueError for an invalid team in a barrier: ShmemError is one
    try:
        shmem.shmem_barrier(54321)
        out["barrier_bad_team"] = "no error"
    except ValueError as exc:
        out["barrier_bad_team"] = [type(exc).__name__, getattr(exc, "code", None)]
    shmem.shmem_finialize()
    report(out)


if __name__ == "__main__":
    main()
