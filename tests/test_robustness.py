"""Issue 12, items 1, 2 and 10: nothing a careless user does with views, buffers or argument values crashes the
interpreter or escapes as an undocumented exception type.

The cases that crashed the process before their fix run as real PE processes (tests/programs/), so a regression
fails its test with the PE's exit status (-11 for SIGSEGV) instead of killing pytest."""

import numpy as np
import pytest
import shmem
import spmd

HUGE = 2**64


def test_views_used_after_free_and_finalize_never_crash():
    results = spmd.run_module(2, "stale_views", timeout=120)
    for pe in results:
        got = pe.report
        assert got["peer_before"] == 100 + (pe.rank + 1) % 2
        assert got["after_free"] == 7, "a freed block stays mapped: its view reads what is there"
        assert got["freed_view"] == "ValueError", "shmem_free revokes buffer views inside the block"
        assert got["freed_peer_view"] == "ValueError", "and those of the peers' copies"
        assert got["other_view_after_free"] == pe.rank + 1
        # NumPy views of a finalized heap read zeros and keep their own writes; nothing else sees them.
        assert got["array_read"] == 0
        assert got["array_write"] == 5
        assert got["array_sum"] == 5
        assert got["peer_read"] == 0
        assert got["peer_write"] == 1
        assert got["wrapped_read"] == 0
        assert got["freed_read"] == 0
        # shmem.buffer's own memoryviews are revoked: using one raises, as for any released memoryview.
        assert got["buffer_read"] == "ValueError"
        assert got["buffer_write"] == "ValueError"
        assert got["new_buffer"] == "ShmemError"
        # A second job is untouched by the first one's stale views.
        assert got["fresh_ok"] is True
        assert got["old_read_in_new_job"] == 42
        # This PE's heap and its peer's stay mapped while views of them exist, and only then.
        assert got["retired_with_views"] == 2
        assert got["retired_after_views_gone"] == 0


def test_buffers_of_python_objects_are_refused_everywhere():
    got = spmd.run_module(1, "object_buffers", timeout=120)[0].report
    wrong = {call: seen for call, seen in got["seen"].items() if seen != "TypeError"}
    assert not wrong, wrong
    assert len(got["seen"]) == 5 * 11 + 1
    assert got["intact"], "the objects of a refused buffer are untouched"
    assert got["plain_ok"], "plain buffers, structured ones included, still work"


@pytest.mark.parametrize("when", ["before", "after"])
def test_every_public_function_gives_only_documented_errors(when):
    """Out-of-range ints and wrong types into every argument of every public function (before init, and in a
    running job): only ShmemError, TypeError or a status code come out, and the process survives."""
    got = spmd.run_module(1, "bad_args", when, timeout=240)[0].report
    assert got["calls"] > 10000
    assert got["offenders"] == [], got["offenders"][:20]


def test_out_of_range_values_give_their_documented_codes(heap):
    with pytest.raises(shmem.ShmemError) as err:
        shmem.shmem_putmem(HUGE, b"x" * 8, 8, 0)
    assert err.value.code == shmem.SHMEM_INVALID_PARAM
    with pytest.raises(shmem.ShmemError) as err:
        shmem.shmem_getmem(bytearray(8), heap, 8, -(2**63) - 1)
    assert err.value.code == shmem.SHMEM_INVALID_PARAM
    with pytest.raises(shmem.ShmemError) as err:
        shmem.shmem_putmem_signal(heap, b"x" * 8, 8, heap + 64, HUGE, shmem.SHMEM_SIGNAL_SET, 0)
    assert err.value.code == shmem.SHMEM_INVALID_VALUE, "a signal beyond 64 bits does not fit 32 bits either"
    with pytest.raises(shmem.ShmemError) as err:
        shmem.shmem_signal_wait_until(heap + 64, shmem.SHMEM_CMP_EQ, -HUGE)
    assert err.value.code == shmem.SHMEM_INVALID_VALUE
    with pytest.raises(shmem.ShmemError) as err:
        shmem.shmem_int64_atomic_fetch(heap, HUGE)
    assert err.value.code == shmem.SHMEM_INVALID_PARAM
    with pytest.raises(shmem.ShmemError):
        shmem.team_destroy(HUGE)
    with pytest.raises(shmem.ShmemError) as err:
        shmem.shmem_free(HUGE)  # still a collective: fails on every PE together
    assert err.value.code == shmem.SHMEM_INVALID_PARAM
    # Status and value returns keep their contract.
    assert shmem.shmem_malloc(HUGE) == 0
    assert shmem.shmem_calloc(HUGE, 8) == 0
    assert shmem.shmem_align(HUGE, 64) == 0
    assert shmem.my_pe(HUGE) == -1
    assert shmem.pe_count(-HUGE) == -1
    assert shmem.team_my_pe(HUGE) == -1
    assert shmem.team_n_pes(HUGE) == -1
    assert shmem.team_translate_pe(0, HUGE, 0) == -1
    assert shmem.shmem_ptr(HUGE, 0) == 0
    assert shmem.shmem_team_get_config(HUGE, shmem.TeamConfig()) == shmem.SHMEM_INVALID_PARAM
    assert shmem.mte_set_ub_params(0, HUGE, 0) == shmem.SHMEM_INVALID_VALUE
    with pytest.raises(shmem.ShmemError) as err:
        shmem.array((HUGE, 2), "int64")
    assert err.value.code == shmem.SHMEM_MALLOC_FAILED
    with pytest.raises(shmem.ShmemError) as err:
        shmem.array(-1, "int64")
    assert err.value.code == shmem.SHMEM_INVALID_PARAM
    # The job is unharmed.
    shmem.shmem_putmem(heap, b"12345678", 8, 0)
    assert bytes(shmem.buffer(heap, 8)) == b"12345678"


def test_wrong_types_are_type_errors(heap):
    for call in (lambda: shmem.shmem_team_get_config(0, 5),
                 lambda: shmem.shmem_putmem("x", b"x", 1, 0),
                 lambda: shmem.shmem_getmem(heap, heap, 1.5, 0),
                 lambda: shmem.shmem_getmem([1, 2], heap, 1, 0),
                 lambda: shmem.array("x"),
                 lambda: shmem.array(4, object),
                 lambda: shmem.peer_array(heap, 0),
                 lambda: shmem.init(attributes=0),
                 lambda: shmem.set_log_level("debug"),
                 lambda: shmem.shmem_set_data_op_engine_type(shmem.InitAttr(), "MTE"),
                 lambda: shmem.shmem_getmem(np.empty(4, dtype=object), heap, 32, 0)):
        with pytest.raises(TypeError):
            call()
