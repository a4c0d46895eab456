#!/usr/bin/env bash
# For developers: regenerates the extension into python/shmem/_gopy, so PYTHONPATH=python runs the working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/gopy_build.py python/shmem/_gopy
