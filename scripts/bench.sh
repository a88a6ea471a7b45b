#!/usr/bin/env bash
# make bench: builds aegrid-bench in release mode twice, the BLAS build (.build) and the pure-Swift fallback build
# (--disable-default-traits, .build-fallback); runs each build's benchmarks, writing JSON and the full per-build
# tables to bench-results/; then prints the two builds side by side in one table and draws an SVG bar chart.
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

for build in blas fallback; do
  if [ "$build" = blas ]; then bin=.build/release/aegrid-bench; else bin=.build-fallback/release/aegrid-bench; fi
  echo "== running the $build build's benchmarks (tables: $out/$build.txt)"
  "$bin" "$@" --json "$out/$build.json" > "$out/$build.txt"
done

echo
.build/release/aegrid-bench compare "$out/blas.json" "$out/fallback.json" --svg "$out/blas-vs-fallback.svg"
echo "JSON: $out/blas.json, $out/fallback.json; per-build tables: $out/blas.txt, $out/fallback.txt"
