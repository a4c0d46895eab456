#!/usr/bin/env bash
# Runs every check and test of the project: formatting, vet, Go tests under the race detector, ruff, the API
# name check, and the pytest suite against the installed wheel. Installs what it needs (scripts/setup.sh).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
bash scripts/setup.sh
export PATH="$repo/.venv/bin:$PATH"

echo "== gofmt / go vet"
unformatted=$(gofmt -l gopkg native)
[ -z "$unformatted" ] || { echo "gofmt would change: $unformatted" >&2; exit 1; }
go vet ./gopkg/... ./native/...

echo "== staticcheck"
# Installed on its own (not a tool of go.mod): its x/tools would replace the one gopy is pinned with.
go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
"$(go env GOPATH)/bin/staticcheck" ./gopkg/... ./native/...

echo "== go test -race"
# One package at a time: the cross-process tests time real sleeps and wake-ups, and two packages racing for the
# two cores skew them.
cover_log=$(mktemp)
go test -race -count=1 -p 1 -timeout 900s -cover ./gopkg/... ./native/... | tee "$cover_log"

echo "== Go coverage gate (every package at least 80% of its statements; test helpers not gated)"
bash scripts/coverage_gate.sh "$cover_log"
rm -f "$cover_log"

echo "== go test -fuzz (bounded: every decoder of bytes from the network, about 75 s in all)"
# One target per command: go test -fuzz takes one target at a time. A finding always writes its input to
# testdata/fuzz and fails. Go's coordinator can also fail a run with a bare "context deadline exceeded" when the
# -fuzztime deadline races a worker's last execution on a loaded machine (golang/go#51484): nothing was found, so
# that alone is reported and tolerated.
while read -r pkg target seconds; do
    fuzz_log=$(mktemp)
    if ! go test -run='^$' -fuzz="^${target}\$" -fuzztime="${seconds}s" "./gopkg/$pkg" </dev/null 2>&1 | tee "$fuzz_log"; then
        if grep -q "context deadline exceeded" "$fuzz_log" && ! grep -q "Failing input written" "$fuzz_log"; then
            echo "== $target: Go's fuzz deadline race (golang/go#51484), no failing input: tolerated"
        else
            rm -f "$fuzz_log"; exit 1
        fi
    fi
    rm -f "$fuzz_log"
done <<'FUZZ'
internal/bootstrap FuzzDecoders 10
internal/bootstrap FuzzServerJoin 8
internal/bootstrap FuzzClientJoin 8
internal/netengine FuzzServeRequests 10
internal/netengine FuzzServerHandshake 8
internal/netengine FuzzClientHandshake 8
internal/netengine FuzzHeaders 5
api FuzzParseIPPort 6
api FuzzDecodeUniqueID 6
FUZZ

echo "== ruff"
ruff check python tests bench examples

echo "== mypy --strict"
# The generated extension is typed by stubs written from the installed wheel's gopy output (gopy_stubs.py).
# __init__.py on its own: in the package check the public stub __init__.pyi stands in for it. No cache: one made
# before the stubs existed would hide them.
(cd /tmp && python "$repo/scripts/gopy_stubs.py" "$repo/python/shmem/_gopy")
mypy --strict --cache-dir=/dev/null python/shmem
mypy --strict --cache-dir=/dev/null python/shmem/__init__.py

echo "== mypy on the PE programs of the tests (tests/programs)"
# --strict but for bare generics (type-arg: a PE program's `dict` of results may stay a dict); shmem is typed by the
# facade's stub (MYPYPATH), NumPy by its own (Python 3.12 rules: there an ndarray is a Buffer, as the API takes it).
# ascend_core holds Ascend's own test programs over shims of torch and acl: not ours to type.
(cd tests && MYPYPATH="$repo/python" mypy --strict --disable-error-code type-arg --python-version 3.12 \
    --follow-imports=silent --exclude 'programs/ascend_core/' --cache-dir=/dev/null programs)

echo "== API names (shared/tools/check_api.py)"
for check in "$repo/../shared/tools/check_api.py" "$repo/shared/tools/check_api.py"; do
    if [ -f "$check" ]; then (cd /tmp && python "$check"); break; fi
done

echo "== pytest"
# From /tmp, so that `import shmem` is the installed wheel, not the source tree.
cd /tmp
python -m pytest -q -p no:cacheprovider --timeout=300 "$repo/tests" "$@"
