#!/usr/bin/env bash
# make demo: until the `aegrid` command exists this runs the GEMM benchmark, the one user-facing program so far.
set -euo pipefail
echo "demo: the aegrid search command is not built yet; running the GEMM benchmark instead (scripts/bench.sh)."
exec scripts/bench.sh
