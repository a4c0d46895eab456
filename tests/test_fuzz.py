"""Property-based fuzzing of the whole public API on a real 2-PE job (tests/programs/fuzz_api.py): about 2,000
Hypothesis examples per PE, one-sided calls on each PE and collectives in lockstep, then exact data."""

import spmd


def test_fuzzed_api_never_crashes_and_the_job_still_works():
    # The same hash seed on both PEs, so that their derandomized Hypothesis runs draw the same collectives.
    results = spmd.run_module(2, "fuzz_api", timeout=600, env={"PYTHONHASHSEED": "0"})
    for pe in results:
        got = pe.report
        assert got["offenders"] == [], got["offenders"]
        assert got["diverged"] == [], "the PEs drew different collectives"
        assert got["counts"]["one_sided"] >= 1000, got["counts"]
        assert got["counts"]["collective"] >= 200, got["counts"]
        assert got["counts"]["errors"] > 0, "the fuzzing reached the error paths"
        assert got["final"] == {"put": True, "get": True, "reduce": True}
