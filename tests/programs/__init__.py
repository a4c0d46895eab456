"""PE programs of the tests: real modules, run as ``python -m programs.<name> [args]`` by ``spmd.run_module``."""
