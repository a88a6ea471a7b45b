#!/usr/bin/env bash
# Fails when any binary of the fallback build links OpenBLAS or LAPACK(E): the fallback must run on a machine
# without them. Usage: scripts/check-fallback-links.sh BUILD_PRODUCTS_DIR
set -euo pipefail
dir=${1:?usage: $0 BUILD_PRODUCTS_DIR}
found=0
checked=0
for bin in "$dir"/aegrid "$dir"/aegrid-bench "$dir"/*.xctest; do
  [ -f "$bin" ] || continue
  checked=$((checked + 1))
  if ldd "$bin" | grep -Ei 'libopenblas|liblapacke|liblapack|libblas'; then
    echo "check-fallback-links: $bin links a BLAS/LAPACK library (above); the fallback build must not." >&2
    found=1
  fi
done
if [ "$checked" -eq 0 ]; then
  echo "check-fallback-links: no binaries in $dir; build the fallback first (make test-fallback)." >&2
  exit 1
fi
[ "$found" -eq 0 ] && echo "check-fallback-links: $checked fallback binaries link no BLAS/LAPACK library."
exit $found
