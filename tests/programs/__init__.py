"""Programs of the tests, as real modules that ruff and mypy check (scripts/test.sh).

PE programs run as ``python -m programs.<name> <case> [args]`` under ``spmd.run_module`` / ``spmd.start_module``
(netns.Hosts for two hosts), read their launch values from ``programs.pe`` and report to the test with
``programs.pe.report``; a module holds one test file's related programs, one function a case, chosen by
``programs.pe.dispatch``. A few stand-alone scripts run by path, as a user's script or a foreign process would:
train.py, no_address.py, job_key.py (launchers), store.py (torchrun's store), intruder.py (a stranger on the
network)."""
