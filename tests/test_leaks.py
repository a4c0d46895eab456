"""The hot calls must not leak: gopy's glue for a Go function that returns only an error allocates a C string on
every call and never frees it, so every such call of the API returns (int, error) instead. A million calls of
each shape would leak tens of megabytes if that came back."""

import spmd


def test_hot_calls_do_not_grow_the_process():
    results = spmd.run_module(1, "leaks", timeout=120)
    assert results[0].report < 2048, f"RSS grew by {results[0].report} KiB over 1.2M calls"
