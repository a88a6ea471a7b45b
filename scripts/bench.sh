#!/usr/bin/env bash
# make bench: builds aegrid-bench in release mode twice, the BLAS build (.build) and the pure-Swift fallback build
# (--disable-default-traits, .build-fallback); runs both builds' benchmarks section by section, writing JSON and the
# full per-build tables to bench-results/; then prints the two builds side by side in one table and draws an SVG
# bar chart.
# Arguments go to aegrid-bench: none runs every section; e.g. `scripts/bench.sh gemm --quick` runs one, briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench-results
mkdir -p "$out"

# The search section trains on Fashion-MNIST, which Debian ships as a package (IDX files under /usr/share/datasets),
# and reads each search's peak memory from GNU time.
scripts/bootstrap.sh dataset-fashion-mnist time

echo "== building aegrid-bench and aegrid (release): BLAS build, then fallback build"
swift build -c release --static-swift-stdlib --product aegrid-bench
swift build -c release --static-swift-stdlib --product aegrid
swift build -c release --static-swift-stdlib --product aegrid-bench --disable-default-traits --scratch-path .build-fallback
swift build -c release --static-swift-stdlib --product aegrid --disable-default-traits --scratch-path .build-fallback

# The two builds run section by section, alternating (BLAS gemm, fallback gemm, BLAS train, ...), each adding its
# figures to its own report: on a shared machine whose speed drifts over minutes, the two builds' figures for a
# section are then measured a few seconds apart, not half the run apart. Arguments that name sections choose them
# (all when none does); the others are options passed to every run.
known=$(.build/release/aegrid-bench list | awk '{ print $1 }')
sections=() options=()
for argument in "$@"; do
  if grep -qxF -- "$argument" <<< "$known"; then sections+=("$argument"); else options+=("$argument"); fi
done
if [ ${#sections[@]} -eq 0 ]; then read -r -d '' -a sections <<< "$known" || true; fi
rm -f "$out/blas.json" "$out/fallback.json" "$out/blas.txt" "$out/fallback.txt"
for section in "${sections[@]}"; do
  for build in blas fallback; do
    if [ "$build" = blas ]; then bin=.build/release/aegrid-bench; else bin=.build-fallback/release/aegrid-bench; fi
    echo "== $section: the $build build's run (table: $out/$build.txt)"
    "$bin" "$section" "${options[@]}" --json "$out/$build.json" --append >> "$out/$build.txt"
  done
done

echo
.build/release/aegrid-bench compare "$out/blas.json" "$out/fallback.json" --svg "$out/blas-vs-fallback.svg"
echo "JSON: $out/blas.json, $out/fallback.json; per-build tables: $out/blas.txt, $out/fallback.txt"
