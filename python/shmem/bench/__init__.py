"""``python -m shmem.bench``: OSU-style tables of shmem's speed on this machine, measured on local PEs it starts
itself, beside mpi4py (one-sided RMA over Open MPI) and shmem4py (Open MPI's OpenSHMEM) with ``--compare`` and a C
memcpy baseline, in the same run. See ``python -m shmem.bench --help`` and docs/benchmarks.md."""
