"""The harness for PE programs that are real modules (tests/programs): a ring on three PEs."""

import spmd


def test_ring_program_runs_as_a_module_on_every_pe():
    results = spmd.run_module(3, "ring")
    assert [pe.report for pe in results] == [2, 0, 1]
