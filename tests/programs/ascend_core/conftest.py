"""Ascend's programs here are PE programs that tests/test_core.py runs, not pytest modules."""

collect_ignore_glob = ["test_*.py"]
