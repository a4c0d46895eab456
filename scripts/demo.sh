#!/usr/bin/env bash
# Builds and installs shmem (scripts/setup.sh), then runs a real 4-PE program on this host.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/shmemrun -n 4 --tag-output .venv/bin/python examples/hello.py
