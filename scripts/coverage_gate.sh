#!/usr/bin/env bash
# The Go coverage gate: reads the output of `go test -cover` (a file, or stdin), prints one row per package and
# fails when a package covers less than MIN percent (80) of its statements. A package with no tests counts as 0%.
# Not gated: packages that only tests import (test helpers), named in HELPERS.
set -euo pipefail
MIN=${MIN:-80}
HELPERS='^(gopkg/internal/signal/shmtest|native/internal/cbtest)$'
awk -v min="$MIN" -v helpers="$HELPERS" '
/coverage: [0-9.]+%/ {
    pkg = ""
    for (i = 1; i <= NF; i++) if ($i ~ /^github\.com\//) pkg = $i
    match($0, /coverage: [0-9.]+%/)
    pct = substr($0, RSTART + 10, RLENGTH - 11)
    sub(/^github\.com\/pyshmem\/shmem\//, "", pkg)
    if (pkg ~ helpers) { printf "%-36s %6.1f%%  (test helper: not gated)\n", pkg, pct; next }
    low = pct + 0 < min
    printf "%-36s %6.1f%%%s\n", pkg, pct, low ? "  BELOW " min "%" : ""
    bad += low; seen++
}
END {
    if (seen == 0) { print "coverage gate: no coverage figures in the input"; exit 1 }
    if (bad) { printf "coverage gate: %d package(s) below %d%%\n", bad, min; exit 1 }
}' "${1:-/dev/stdin}"
