#!/usr/bin/env bash
# Builds shmem from this checkout and installs it into a fresh virtualenv (.venv), with what the tests need.
# Needs: Go >= 1.26 and CPython >= 3.9 on PATH; everything else it installs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
command -v go >/dev/null || { echo "shmem needs the Go toolchain (>= 1.26) on PATH" >&2; exit 1; }
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv
fi
# Open MPI: the tests run a real `mpirun -n 4` (as root it needs --allow-run-as-root, which they pass).
if ! command -v mpirun >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin libopenmpi-dev) >/dev/null \
        || echo "could not install Open MPI: the real-mpirun tests will be skipped" >&2
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q pytest pytest-timeout numpy cryptography ruff
# tests/test_slurm.py runs a real `srun -n 4` on a local one-node Slurm cluster (scripts/slurm_local.sh): Debian's
# slurm-wlm, where this is root with apt; elsewhere the test is skipped with the reason.
if ! command -v slurmd >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        slurm-wlm munge >/dev/null) || echo "setup: could not install slurm-wlm; tests/test_slurm.py will skip" >&2
fi
# Hypothesis drives the property-based fuzz test of the whole API (tests/test_fuzz.py).
.venv/bin/python -m pip install -q hypothesis
# A wheel, then an install of that wheel: what a user gets from `pip install shmem-*.whl`.
rm -rf dist
.venv/bin/python -m pip wheel -q --no-deps -w dist .
.venv/bin/python -m pip install -q --force-reinstall --no-deps dist/shmem-*.whl
echo "installed into $(pwd)/.venv: $(cd /tmp && "$OLDPWD/.venv/bin/python" -c 'import shmem; print(shmem.shmem_info_get_name())')"
