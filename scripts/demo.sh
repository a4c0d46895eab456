#!/usr/bin/env bash
# Builds and installs shmem (scripts/setup.sh), then runs a real 4-PE program on this host, saying what it does.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== demo 1/2: build shmem and install it into $(pwd)/.venv (scripts/setup.sh; the first build takes a few minutes)"
bash scripts/setup.sh
echo "== demo 2/2: run examples/hello.py as 4 PEs on this host:"
echo "   .venv/bin/shmemrun -n 4 --tag-output .venv/bin/python examples/hello.py   ([rank] prefixes each PE's lines)"
.venv/bin/shmemrun -n 4 --tag-output .venv/bin/python examples/hello.py
echo "== demo done: 4 processes shared a symmetric heap. Your own program: .venv/bin/shmemrun -n 4 .venv/bin/python prog.py"
