#!/usr/bin/env bash
# Builds AEGrid's libFuzzer targets (Fuzz/*.swift) and runs each for FUZZ_SECONDS seconds (default 60).
#
#   scripts/fuzz.sh                     every target, FUZZ_SECONDS each
#   FUZZ_SECONDS=5 scripts/fuzz.sh csv  one target (names: csv npy idx gzip jsonline log grid-json grid-yaml safetensors
#                                       manifest report)
#
# How: SwiftPM builds the parsing modules (pure-Swift fallback, no BLAS) with `-sanitize=fuzzer,address` into
# .build-fuzz, so the parsers carry coverage instrumentation and AddressSanitizer; each Fuzz/<Target>.swift
# (`@_cdecl("LLVMFuzzerTestOneInput")`, compiled with -parse-as-library) is linked against those objects with
# libFuzzer's main. Each target starts from its committed seed corpus, Fuzz/corpus/<target>/, and adds what it
# finds to .build-fuzz/corpus/<target>/. A crashing input is written to .build-fuzz/crashes/<target>/ (the path is
# printed); make it a regression test, then delete it.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
scratch=.build-fuzz
# The Swift backtracer would hang after the first crash it reports; libFuzzer and ASan report crashes themselves.
export SWIFT_BACKTRACE=enable=no
# Leak checking is off: the Swift runtime's caches look like leaks to LeakSanitizer.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

declare -A sources=(
    [csv]=FuzzCSV.swift [npy]=FuzzNPY.swift [idx]=FuzzIDX.swift [gzip]=FuzzGzip.swift
    [jsonline]=FuzzJSONLine.swift [log]=FuzzResultsLog.swift [grid-json]="FuzzGridJSON.swift GridFuzzing.swift"
    [grid-yaml]="FuzzGridYAML.swift GridFuzzing.swift" [safetensors]=FuzzSafetensors.swift
    [manifest]=FuzzManifest.swift [report]=FuzzReport.swift
)
order=(csv npy idx gzip jsonline log grid-json grid-yaml safetensors manifest report)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${order[@]}")
for target in "${targets[@]}"; do
    [ -n "${sources[$target]:-}" ] || { echo "fuzz.sh: unknown target '$target' (known: ${order[*]})" >&2; exit 2; }
done

echo "== building the parsers with -sanitize=fuzzer,address ($scratch) =="
swift build -c release --disable-default-traits --scratch-path "$scratch" --target SearchReport \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
release="$scratch/release"
# SwiftPM names the package after its directory; the targets need it to see `package` declarations.
package_name=$(grep -o -- '-package-name","[^"]*"' "$scratch/release.yaml" | grep -v -e swift_argument_parser -e '"yams"' \
    | head -1 | sed 's/.*","\(.*\)"/\1/')
# Each Swift module's objects as its output-file map names them for its current sources: a build directory kept from
# before a source file was renamed still holds the old file's object, which would define the same symbols twice.
objects=$(for module in DurableFiles SwiftGEMMAVX512 OptimizerAVX512 LinearAlgebra DataFiles JSONLines NeuralNet \
              SearchSpace GridSearch SearchReport Yams; do
              grep -o '"object": *"[^"]*\.swift\.o"' "$release/$module.build/output-file-map.json" | sed 's/.*"\([^"]*\)"$/\1/'
          done | sort; find "$release/CYaml.build" -name '*.o' | sort)
yaml_include=$(dirname "$(find "$scratch/checkouts/Yams/Sources/CYaml" -name module.modulemap | head -1)")

mkdir -p "$scratch/bin"
for target in "${targets[@]}"; do
    files=()
    for f in ${sources[$target]}; do files+=("Fuzz/$f"); done
    echo "== linking fuzz-$target =="
    swiftc -O -parse-as-library -sanitize=fuzzer,address -package-name "$package_name" \
        -I "$release/Modules" -I "$yaml_include" "${files[@]}" $objects -o "$scratch/bin/fuzz-$target" 2>&1 \
        | { grep -v "Cannot export local symbol '__asan" || true; }  # gold's noise about ASan's helper symbols
done

status=0
for target in "${targets[@]}"; do
    corpus="$scratch/corpus/$target" crashes="$scratch/crashes/$target"
    mkdir -p "$corpus" "$crashes"
    echo "== fuzz-$target: ${seconds}s from Fuzz/corpus/$target; crashes go to $crashes/ =="
    # An input is at most 64 KB; one allocation over 256 MB means a parser trusted a size it was told (a crash).
    if ! "$scratch/bin/fuzz-$target" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -malloc_limit_mb=256 -timeout=10 \
            -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "Fuzz/corpus/$target" 2>"$scratch/$target.log"; then
        status=1
        echo "fuzz-$target FOUND A CRASH: see $scratch/$target.log and $crashes/" >&2
    fi
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^#[0-9]+.*DONE' "$scratch/$target.log" || true
done
exit $status
