#!/usr/bin/env bash
# For developers: builds the extension from the working tree without a wheel.
#   bash scripts/dev-build.sh            -> python/shmem/_gopy   (then PYTHONPATH=python)
#   bash scripts/dev-build.sh DIR        -> DIR/shmem: links to the facade files plus a private _gopy, so that
#                                           several people can build and test at once (then PYTHONPATH=DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
    exec python3 scripts/gopy_build.py python/shmem/_gopy
fi
dest=$(realpath -m "$1")/shmem
mkdir -p "$dest/_gopy"
for f in python/shmem/*.py python/shmem/*.pyi python/shmem/py.typed; do
    [ -e "$f" ] && ln -sf "$(realpath "$f")" "$dest/$(basename "$f")"
done
cp python/shmem/_gopy/__init__.py "$dest/_gopy/__init__.py"
python3 scripts/gopy_build.py "$dest/_gopy"
