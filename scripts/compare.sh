#!/usr/bin/env bash
# make compare: the seed's three Keras grids against AEGrid on the same data, side by side.
#   1. builds `aegrid` (release, BLAS) and runs `aegrid search` on the seed's .npy files and grids, once per seed
#      (--seed 0 … S-1, ~0.1 s each): every run is timed per process (start-up, reports and best.safetensors
#      included) and the report takes each grid's median; the seeds are there for their scores too, because a
#      grid's best test MSE depends on the initial weights about as much as on the trainer;
#   2. creates .venv-compare/ (once) with tensorflow-cpu, numpy, scikit-learn and jax[cpu] from PyPI (a package
#      missing from an existing venv is added; nothing is printed when all are there);
#   3. runs scripts/compare_jax.py: the same grids in JAX (jit, vmap over same-shape trials, lax.scan over batches),
#      each grid timed cold (compilation included) and compiled (a second pass), in seconds;
#   4. runs scripts/compare_keras.py: the seed's grids as the seed writes them (Keras fit, ParameterGrid,
#      mean_squared_error), timed per grid (about 6 minutes on 2 cores per run), KERAS_RUNS times;
#   5. prints per grid: the wall times of Keras, JAX (cold and compiled) and AEGrid, their ratios, the best test MSEs
#      and parameters, AEGrid's best over the seeds (median, min–max, how many seeds reach Keras's best), and each grid
#      point's Keras and JAX MSE beside AEGrid's mean, min and max over the seeds.
# Results go to compare-results/: aegrid-gridG/ (seed 0), aegrid-gridG-seedS/ (S ≥ 1), aegrid-times.txt, jax.json,
# keras.json (keras-2.json, … with KERAS_RUNS > 1), compare.json. Not part of `make test`.
#
# Usage: scripts/compare.sh [--grids 1,2,3] [--seeds S]
# Environment:
#   AEGRID_SEEDS=S      AEGrid seeds per grid (default 10; --seeds wins)
#   KERAS_RUNS=k        Keras runs (default 1); the report gives Keras's best as median and min–max over them
#   KERAS_JSON="a b"    reuse these compare_keras.py results (space-separated) instead of running Keras: seconds
#                       instead of minutes (JAX still runs); e.g. KERAS_JSON=compare-results/keras.json after a full run
set -euo pipefail
cd "$(dirname "$0")/.."
grids=1,2,3
seeds=${AEGRID_SEEDS:-10}
keras_runs=${KERAS_RUNS:-1}
while [ $# -gt 0 ]; do
  case "$1" in
    --grids|--seeds)
      if [ $# -lt 2 ]; then echo "compare.sh: $1 needs a value (e.g. --grids 1,3 or --seeds 10)" >&2; exit 2; fi
      if [ "$1" = --grids ]; then grids=$2; else seeds=$2; fi
      shift 2 ;;
    *) echo "compare.sh: unknown argument '$1' (usage: scripts/compare.sh [--grids 1,2,3] [--seeds S])" >&2; exit 2 ;;
  esac
done
if ! [[ $seeds =~ ^[1-9][0-9]*$ ]]; then
  echo "compare.sh: the number of seeds must be a positive integer, got '$seeds'" >&2; exit 2
fi
if ! [[ $keras_runs =~ ^[1-9][0-9]*$ ]]; then
  echo "compare.sh: KERAS_RUNS must be a positive integer, got '$keras_runs'" >&2; exit 2
fi
if ! [[ $grids =~ ^[1-3](,[1-3])*$ ]]; then
  echo "compare.sh: --grids takes seed grid numbers 1-3 separated by commas, got '$grids'" >&2; exit 2
fi
out=compare-results
venv=.venv-compare
seed=examples/seed
mkdir -p "$out"

keras_files=()
if [ -n "${KERAS_JSON:-}" ]; then
  read -r -a keras_files <<< "$KERAS_JSON"
  for f in "${keras_files[@]}"; do
    if [ ! -f "$f" ]; then echo "compare.sh: KERAS_JSON names '$f', which is not a file" >&2; exit 2; fi
  done
  if [ -n "${KERAS_RUNS:-}" ]; then
    echo "compare.sh: KERAS_RUNS is ignored: KERAS_JSON gives ${#keras_files[@]} existing Keras result(s)" >&2
  fi
fi

echo "== building aegrid (release)"
swift build -c release --static-swift-stdlib --product aegrid 2>&1 | tail -n 1
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/aegrid"

echo "== AEGrid: aegrid search on $seed, grids $grids, seeds 0…$((seeds - 1)) (each run timed; the report takes the median)"
: > "$out/aegrid-times.txt"
for g in ${grids//,/ }; do
  rm -rf "$out/aegrid-grid$g" "$out/aegrid-grid$g"-seed*
  for ((s = 0; s < seeds; s++)); do
    # Seed 0 keeps the path earlier runs and the docs use.
    if [ "$s" -eq 0 ]; then dir="$out/aegrid-grid$g"; else dir="$out/aegrid-grid$g-seed$s"; fi
    start=$(date +%s.%N)
    "$bin" search --train $seed/X_train.npy --test $seed/X_test.npy --grid $seed/grid$g.json \
        --seed "$s" --out "$dir" --quiet > "$dir.txt"
    end=$(date +%s.%N)
    # Every seed's run costs the same work, so their median is a steadier wall time than one run on a noisy machine.
    echo "$g $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')" >> "$out/aegrid-times.txt"
  done
done

# The venv: created once, then only what is missing is installed (JAX came after Keras; a venv made before it gets it
# added), and nothing is printed when everything is there.
python_modules=(jax sklearn numpy)
pip_packages=("jax[cpu]" scikit-learn numpy)
if [ ${#keras_files[@]} -eq 0 ]; then python_modules+=(tensorflow); pip_packages+=(tensorflow-cpu); fi
missing=()
for i in "${!python_modules[@]}"; do
  if ! "$venv/bin/python" -c "import ${python_modules[$i]}" 2>/dev/null; then missing+=("${pip_packages[$i]}"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} into $venv from PyPI (once; a few minutes on a fresh machine)"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
  fi
  "$venv/bin/pip" install --quiet "${missing[@]}"
fi

echo "== JAX: scripts/compare_jax.py (jit + vmap + lax.scan; each grid cold, then compiled)"
"$venv/bin/python" scripts/compare_jax.py --train $seed/X_train.npy --test $seed/X_test.npy \
    --out "$out/jax.json" --grids "$grids"

if [ ${#keras_files[@]} -eq 0 ]; then
  # Results of an earlier run with more Keras runs would otherwise sit beside this run's as if they belonged to it.
  rm -f "$out"/keras-[0-9]*.json
  for ((r = 1; r <= keras_runs; r++)); do
    if [ "$r" -eq 1 ]; then file="$out/keras.json"; else file="$out/keras-$r.json"; fi
    echo "== Keras run $r of $keras_runs: scripts/compare_keras.py (the seed's loop; grid 1 alone takes minutes)"
    "$venv/bin/python" scripts/compare_keras.py --train $seed/X_train.npy --test $seed/X_test.npy \
        --out "$file" --grids "$grids"
    keras_files+=("$file")
  done
else
  echo "== Keras: reusing ${keras_files[*]} (KERAS_JSON)"
fi

echo
keras_args=()
for f in "${keras_files[@]}"; do keras_args+=(--keras "$f"); done
# The report needs only the standard library.
python3 scripts/compare_report.py "${keras_args[@]}" --jax "$out/jax.json" --aegrid "$out" --seeds "$seeds" --out "$out/compare.json"
