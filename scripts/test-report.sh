#!/usr/bin/env bash
# make test-report: a real search on the digits data, its report.html rendered in headless Chromium and checked
# (scripts/check_report.py: no console error or uncaught exception, no fetch, every section, no empty plot, a
# screenshot that is not blank), then the same check run on broken copies of the page, each of which must fail.
# Screenshots and DOM dumps go to .build/report-check/ for a person to look at.
# Usage: AEGRID=path/to/aegrid scripts/test-report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
aegrid=${AEGRID:-.build/release/aegrid}
out=.build/report-check
rm -rf "$out"
mkdir -p "$out"

# 24 trials on the 1797 x 64 digits, about a second: three encoder shapes (latent 4, 8, 16: PCA points at three
# sizes), two rates and batch sizes (slices and pairs), two epoch counts, and patience (validation curves).
grid='{"encoder_units": [[32, 4], [32, 8], [32, 16]], "learning_rate": [0.003, 0.001], "batch_size": [32, 64],
       "epochs": [20, 40], "patience": [5]}'
run=$out/digits-search
start=$(date +%s.%N)
"$aegrid" search --train examples/digits/digits_X.csv --grid "$grid" --out "$run" --refit none --quiet > "$out/search.txt"
end=$(date +%s.%N)
echo "search: 24 trials on digits in $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }') s (report written by the search)"
"$aegrid" report "$run"
python3 scripts/check_report.py "$run/report.html" "$out" --name digits

# A sharded search with one shard not run yet, merged partially: the page adds per-shard completion.
sharded=$out/sharded-search
for k in 0 1; do
    "$aegrid" search --train examples/seed/X_train.npy --test examples/seed/X_test.npy --grid examples/seed/grid1.json \
        --out "$sharded" --shard "$k/3" --quiet > /dev/null
done
"$aegrid" merge "$sharded" --allow-partial --quiet > /dev/null
python3 scripts/check_report.py "$sharded/report.html" "$out" --name sharded \
    --sections summary,leaderboard,importance,slices,pairs,curves,latent,shards \
    --plotted importance,slices,pairs,curves,latent,shards | grep -v '^one per section'

# The check must catch what it is for: each broken copy has to fail, for the reason named.
broken() {  # broken NAME EXPECTED-MESSAGE SED-SCRIPT
    local name=$1 expected=$2 script=$3
    local file=$out/broken-${name// /-}
    sed "$script" "$run/report.html" > "$file.html"
    if python3 scripts/check_report.py "$file.html" "$out/broken" --name "${name// /-}" --no-screenshots > "$file.txt" 2>&1; then
        echo "test-report: FAIL: the check passed a page with $name" >&2
        exit 1
    fi
    if ! grep -q "$expected" "$file.txt"; then
        echo "test-report: FAIL: the check failed a page with $name, but not with '$expected':" >&2
        cat "$file.txt" >&2
        exit 1
    fi
    echo "broken page ($name): rejected - $(grep -m1 "$expected" "$file.txt" | cut -c1-160)"
}
broken "a script error" "script error" "s/root.setAttribute('data-report-ready', 'ok');/undefinedFunction();/"
broken "a network fetch" "console" 's|<div id="report-errors"|<img src="https://example.com/x.png" alt=""/><div id="report-errors"|'
broken "a missing section" "section #pairs is missing" 's/<section id="pairs"/<section id="pears"/'
broken "an empty plot" "empty chart" '0,/data-kind="slice" data-marks="[0-9]*"/s//data-kind="slice" data-marks="0"/'
echo "test-report: ok (screenshots in $out/)"
