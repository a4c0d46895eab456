"""Ascend's E2 families and semantics on real multi-PE jobs (2 and 4 PEs, same-host MTE and the network engine):
tests/programs/ascend_e2.py runs every family and reports what it saw."""

import pytest
import shmem
import spmd


@pytest.mark.parametrize("npes,engine", [(2, "MTE"), (4, "MTE"), (2, "ROCE"), (4, "ROCE"), (2, "UDMA")])
def test_e2_program(npes, engine):
    results = spmd.run_module(npes, "ascend_e2", engine, timeout=240)
    for pe in results:
        r = pe.report
        assert r["typed_local"] and r["typed_remote"], (pe.rank, r)
        assert r["range"] == [shmem.SHMEM_INVALID_VALUE] * 7, r["range"]
        assert r["range_untouched"], "a refused value stored nothing"
        for bits, oks in r["sized"].items():
            assert oks == [True, True, True], (bits, oks)
        for name, oks in r["strided"].items():
            assert oks == [True, True], (name, oks)
        assert r["strided_bad"] == [shmem.SHMEM_INVALID_PARAM] * 3
        assert all(r["signal"]), r["signal"]
        assert r["tensor"] == [True, True, True]
        assert r["errors"] == [shmem.SHMEM_MALLOC_FAILED, shmem.SHMEM_INVALID_PARAM, True]
        solo = r["teams"]["solo"]
        assert solo[1:] == [1, 0, pe.rank] and solo[0], solo
        assert r["teams"]["whole"] == results[0].report["teams"]["whole"], "members agree on the id"
        assert r["teams"]["whole_size"] == npes
        assert r["teams"]["bad"] == shmem.SHMEM_INVALID_PARAM
        assert r["finalize"] == 0
