#!/usr/bin/env bash
# make compare: the seed's three Keras grids against AEGrid on the same data, side by side.
#   1. creates .venv-compare/ (once) with tensorflow-cpu, numpy and scikit-learn from PyPI;
#   2. runs scripts/compare_keras.py: the seed's grids as the seed writes them (Keras fit, ParameterGrid,
#      mean_squared_error), timed per grid (several minutes on 2 cores);
#   3. builds `aegrid` (release, BLAS) and runs `aegrid search` on the same .npy files and grids, timed per process
#      (start-up, reports and best.safetensors included);
#   4. prints per grid: both wall times, their ratio, both best test MSEs and best parameters.
# Results go to compare-results/ (keras.json, aegrid-gridN/, compare.json). Not part of `make test`.
# Usage: scripts/compare.sh [--grids 1,2,3]
set -euo pipefail
cd "$(dirname "$0")/.."
grids=1,2,3
if [ "${1:-}" = "--grids" ]; then grids=$2; fi
out=compare-results
venv=.venv-compare
seed=examples/seed
mkdir -p "$out"

if ! "$venv/bin/python" -c "import tensorflow, sklearn, numpy" 2>/dev/null; then
  echo "== creating $venv (tensorflow-cpu, numpy, scikit-learn from PyPI; a few minutes on a fresh machine)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet tensorflow-cpu numpy scikit-learn
fi

echo "== building aegrid (release)"
swift build -c release --product aegrid 2>&1 | tail -n 1
bin="$(swift build -c release --show-bin-path)/aegrid"

echo "== AEGrid: aegrid search on $seed, grids $grids"
: > "$out/aegrid-times.txt"
for g in ${grids//,/ }; do
  rm -rf "$out/aegrid-grid$g"
  start=$(date +%s.%N)
  "$bin" search --train $seed/X_train.npy --test $seed/X_test.npy --grid $seed/grid$g.json \
      --out "$out/aegrid-grid$g" --quiet > "$out/aegrid-grid$g.txt"
  end=$(date +%s.%N)
  echo "$g $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')" >> "$out/aegrid-times.txt"
done

echo "== Keras: scripts/compare_keras.py (the seed's loop; grid 1 alone takes minutes)"
"$venv/bin/python" scripts/compare_keras.py --train $seed/X_train.npy --test $seed/X_test.npy \
    --out "$out/keras.json" --grids "$grids"

echo
"$venv/bin/python" scripts/compare_report.py --keras "$out/keras.json" --aegrid "$out" --out "$out/compare.json"
