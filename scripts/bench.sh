#!/usr/bin/env bash
# make bench: builds the BLAS and the fallback configuration in release mode and runs each build's benchmark.
set -euo pipefail
swift build -c release --product aegrid-bench
swift build -c release --product aegrid-bench --disable-default-traits --scratch-path .build-fallback
.build/release/aegrid-bench
.build-fallback/release/aegrid-bench
