#!/usr/bin/env bash
# Installs what `python -m shmem.bench --compare` and `--plot` compare against and draw with (not needed by the
# tests): Open MPI (Debian's openmpi-bin, libopenmpi-dev: mpicc, oshcc, mpirun), mpi4py built against it, shmem4py
# built with Open MPI's OpenSHMEM compiler wrapper oshcc, and matplotlib.
#   bash scripts/bench_setup.sh [PYTHON]      (default: this checkout's .venv/bin/python, else python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
if ! command -v mpicc >/dev/null || ! command -v oshcc >/dev/null; then
    echo "== bench_setup: installing Open MPI (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin libopenmpi-dev >/dev/null
fi
echo "== bench_setup: mpi4py (built with mpicc) and matplotlib into $PY"
MPICC=mpicc "$PY" -m pip install -q --no-binary mpi4py mpi4py matplotlib
echo "== bench_setup: shmem4py (built with oshcc)"
# shmem4py's build finds the OpenSHMEM compiler wrapper through OSHCC (or CC).
OSHCC=oshcc CC=oshcc "$PY" -m pip install -q --no-binary shmem4py shmem4py
"$PY" -c 'import mpi4py, shmem4py, matplotlib; print("== bench_setup: mpi4py", mpi4py.__version__, "shmem4py", shmem4py.__version__, "matplotlib", matplotlib.__version__)'
