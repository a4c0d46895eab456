#!/usr/bin/env bash
# Builds shmem from this checkout and installs it into a fresh virtualenv (.venv), with what the tests need.
# Needs: Go >= 1.26 and CPython >= 3.10 on PATH; everything else (zig as the C compiler of the wheel, too) it
# installs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
command -v go >/dev/null || { echo "shmem needs the Go toolchain (>= 1.26) on PATH" >&2; exit 1; }
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv
fi
# Open MPI: the tests run a real `mpirun -n 4` (as root it needs --allow-run-as-root, which they pass).
if ! command -v mpirun >/dev/null; then
    echo "== setup: installing Open MPI (apt)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin libopenmpi-dev) >/dev/null \
        || echo "could not install Open MPI: the real-mpirun tests will be skipped" >&2
fi
# tests/test_slurm.py runs a real `srun -n 4` on a local one-node Slurm cluster (scripts/slurm_local.sh): Debian's
# slurm-wlm, where this is root with apt; elsewhere the test is skipped with the reason.
if ! command -v slurmd >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== setup: installing Slurm and munge (apt)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        slurm-wlm munge >/dev/null) || echo "setup: could not install slurm-wlm; tests/test_slurm.py will skip" >&2
fi
[ -x .venv/bin/python ] || { echo "== setup: creating the virtualenv .venv with $PY"; "$PY" -m venv .venv; }
echo "== setup: installing the test tools into .venv (pip, pytest, NumPy, cryptography, ruff, Hypothesis, mypy)"
.venv/bin/python -m pip install -q --upgrade pip
# Hypothesis drives the property-based fuzz test of the whole API (tests/test_fuzz.py).
.venv/bin/python -m pip install -q pytest pytest-timeout numpy cryptography ruff hypothesis mypy
# The portable wheel for the venv's Python (scripts/build_wheels.sh: from the sdist, zig cc, manylinux, checked),
# then an install of that wheel: what a user gets from `pip install shmem-*.whl`. Skipped when nothing that goes
# into the wheel changed since the installed one was built: the inputs' hash is kept beside the venv.
build_inputs_hash() {
    local files=(gopkg native python setup.py pyproject.toml MANIFEST.in LICENSE README.md go.mod go.sum
        scripts/gopy_build.py scripts/build_backend.py scripts/zigcc scripts/build_wheels.sh)
    {
        .venv/bin/python -VV
        go version
        if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
            git ls-files -co --exclude-standard -- "${files[@]}"
        else
            find "${files[@]}" -type f ! -name '*.so' ! -path '*/__pycache__/*' 2>/dev/null
        fi | LC_ALL=C sort | while IFS= read -r f; do if [ -f "$f" ]; then sha256sum "$f"; fi; done
    } | sha256sum | cut -d' ' -f1
}
stamp=.venv/shmem-build-inputs.sha256
inputs=$(build_inputs_hash)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ] && (cd /tmp && "$OLDPWD/.venv/bin/python" -c 'import shmem') 2>/dev/null; then
    echo "== setup: shmem in .venv is up to date (built from the same sources, ${inputs:0:12}); not rebuilding"
else
    rm -f "$stamp"
    echo "== setup: building the shmem wheel (a few minutes: the Go runtime and the CPython extension)"
    bash scripts/build_wheels.sh "$(pwd)/.venv/bin/python"
    tag=$(.venv/bin/python -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
    .venv/bin/python -m pip install -q --force-reinstall --no-deps dist/shmem-*-"$tag"-"$tag"-*manylinux*.whl
    echo "$inputs" >"$stamp"
fi
echo "== setup: installed into $(pwd)/.venv: $(cd /tmp && "$OLDPWD/.venv/bin/python" -c 'import shmem; print(shmem.shmem_info_get_name())')"
