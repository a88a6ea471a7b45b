#!/usr/bin/env bash
# make demo: the main job on data the repository ships. Builds `aegrid` (release, BLAS), then runs
#   1-3. the seed project's three Keras grids on its random data (examples/seed: 12 + 16 + 24 trials),
#   4.   a grid on the digits data (examples/digits), with the PCA baseline beside every latent size,
#   5.   the digits again with --scale standard, a sigmoid and a linear output side by side: the output range check
#        warns before training (the sigmoid cannot produce standardized values) and under the leaderboard,
# printing each leaderboard and where the results went (demo-results/, recreated on every run), and where each
# search's report.html is (open it in a browser: plots of importance, slices, pairs, curves, PCA).
# It then checks the seed's bar: AEGrid's best test MSE on grid 1 must be no worse than Keras's (about 0.033).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building aegrid (release) =="
swift build -c release --static-swift-stdlib --product aegrid 2>&1 | tail -n 1
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/aegrid"
out=demo-results
rm -rf "$out"
mkdir -p "$out"

run() {  # run TITLE DIR ARGS...: one search, its leaderboard on stdout
    local title=$1 dir=$2
    shift 2
    echo
    echo "== $title =="
    echo "\$ aegrid search $* --out $out/$dir"
    "$bin" search "$@" --out "$out/$dir"
}

seed=examples/seed
start=$(date +%s.%N)
run "seed grid 1: latent 2/4/6 x lr 0.01/0.001 x epochs 50/100 (12 trials)" seed-grid1 \
    --train $seed/X_train.npy --test $seed/X_test.npy --grid $seed/grid1.json --top 5
run "seed grid 2: encoder 8/16 x 4/8 x lr x epochs (16 trials)" seed-grid2 \
    --train $seed/X_train.npy --test $seed/X_test.npy --grid $seed/grid2.json --top 5
run "seed grid 3: latent x lr x L2 0.001/0.01 x epochs (24 trials)" seed-grid3 \
    --train $seed/X_train.npy --test $seed/X_test.npy --grid $seed/grid3.json --top 5
end=$(date +%s.%N)
seed_seconds=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')

run "digits: 1797 x 64, held-out 20 %, PCA beside every latent size" digits \
    --train examples/digits/digits_X.csv --grid examples/digits/grid.yaml --top 8

# The sigmoid output (the default) cannot produce standardized data: expect a warning before training and under
# the leaderboard, and the linear output's trial well ahead of the sigmoid's.
run "digits, --scale standard: the output range check (sigmoid vs linear output)" digits-standard \
    --train examples/digits/digits_X.csv --scale standard --refit none \
    --grid '{"encoder_units": [[32, 16]], "output_activation": ["sigmoid", "linear"], "learning_rate": [0.003], "epochs": [30]}'
if ! grep -q '^warning: output_activation sigmoid' "$out/digits-standard/leaderboard.txt"; then
    echo "check FAILED: no output range warning for a sigmoid output on standardized data" >&2
    exit 1
fi

best=$("$bin" results "$out/seed-grid1" --top 1 --best-score)
echo
echo "== summary =="
echo "seed grids (52 trials, three processes incl. start-up, reports and refits): $seed_seconds s wall"
echo "seed grid 1 best test MSE: $best (the seed's Keras search: about 0.033)"
if awk -v b="$best" 'BEGIN { exit !(b <= 0.0335) }'; then
    echo "check: no worse than Keras - ok"
else
    echo "check FAILED: AEGrid's best on grid 1 ($best) is worse than Keras's 0.033" >&2
    exit 1
fi
echo "results: $out/ (each: results.jsonl, results.csv, leaderboard.txt, best.json, best.safetensors, report.html)"
echo "reports (open in a browser; self-contained, fine to scp):"
for dir in seed-grid1 seed-grid2 seed-grid3 digits digits-standard; do
    size=$(du -k "$out/$dir/report.html" | cut -f1)
    echo "  $out/$dir/report.html (${size} KB)"
done
echo "next: ${bin#"$PWD"/} results $out/digits    ${bin#"$PWD"/} score --model $out/digits/best.safetensors --data examples/digits/digits_X.csv"
