#!/usr/bin/env bash
# The pods of docs/kubernetes/aegrid-indexed-job.yaml, without Kubernetes: its container command, read from the file,
# run as `completions` concurrent processes on one shared results folder, each with its JOB_COMPLETION_INDEX and the
# file's AEGRID_SHARDS, each as pid 1 of its own pid namespace (unshare -pf --mount-proc, as in a container; plain
# processes where unshare is not permitted). The volume paths /data, /config and /results are mapped to local folders.
#
#   AEGRID=.build/release/aegrid scripts/test-kubernetes.sh        (or: make test-kubernetes)
#
# One pod is killed with SIGKILL mid-run (as when its node dies or it is OOM-killed) and started again with the same
# index (what the Job controller does within backoffLimitPerIndex); it must resume from its shard's log. After all
# pods have succeeded, `aegrid merge` must give a results.jsonl bitwise identical to one single-process search, with
# every trial exactly once.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
AEGRID=$(realpath "${AEGRID:?set AEGRID to the aegrid binary (make test-kubernetes builds it)}")
job_file="$repo/docs/kubernetes/aegrid-indexed-job.yaml"
work=$(mktemp -d "${TMPDIR:-/tmp}/aegrid-test-kubernetes.XXXXXX")
pods=()
failed=1

fail() {
    echo "test-kubernetes: FAIL: $*" >&2
    exit 1
}
finish() {
    local status=$? pid
    set +e
    for pid in "${pods[@]}"; do
        [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null
    done
    if [[ $failed -eq 0 && $status -eq 0 ]]; then
        rm -rf "$work"
    else
        for log in "$work"/pod-*.log; do
            [[ -f "$log" ]] && { echo "----- $log -----"; cat "$log"; } >&2
        done
        echo "test-kubernetes: files kept in $work" >&2
        [[ $status -eq 0 ]] && status=1
    fi
    exit "$status"
}
trap finish EXIT
trap 'exit 143' TERM INT HUP

# The Job's shape and the container's command and AEGRID_SHARDS, from the file (JobFilesTests checks its structure).
completions=$(sed -n 's/^  completions: *\([0-9]*\).*/\1/p' "$job_file")
shards=$(awk '/- name: AEGRID_SHARDS/ { getline; gsub(/"/, ""); print $2; exit }' "$job_file")
mapfile -t command < <(awk '
    /^ *command:/ { inside = 1; indent = -1; next }
    inside {
        match($0, /^ */)
        if ($0 !~ /^ *- / || (indent >= 0 && RLENGTH != indent)) exit
        indent = RLENGTH
        sub(/^ *- */, ""); gsub(/^"|"$/, ""); print
    }' "$job_file")
[[ "$completions" =~ ^[0-9]+$ && "$shards" == "$completions" ]] ||
    fail "$job_file: completions '$completions' and AEGRID_SHARDS '$shards' must be equal numbers"
[[ "${command[0]:-} ${command[1]:-}" == "aegrid search" ]] || fail "$job_file: the command is '${command[*]}'"
echo "test-kubernetes: $completions pods running: ${command[*]}"

# The volumes: /data (the seed data), /config/grid.yaml (a 48-trial grid) and /results (shared by all pods).
mkdir -p "$work/data" "$work/config" "$work/results"
cp "$repo/examples/seed/X_train.npy" "$repo/examples/seed/X_test.npy" "$work/data/"
# Each configuration is one family trained to 400 epochs with its 50-epoch member recorded on the way: a pod has
# records on disk long before it ends, so the killed one has both finished and unfinished trials.
cat >"$work/config/grid.yaml" <<'EOF'
encoder_layer1_size: [16, 32, 48, 64]
latent_dim: [2, 4, 6]
learning_rate: [0.01, 0.001]
epochs: [50, 400]
EOF
trials=48
pod_command=("$AEGRID")
for word in "${command[@]:1}"; do
    case "$word" in
        /data/* | /config/* | /results | /results/*) word="$work$word" ;;
    esac
    pod_command+=("$word")
done
seed=$(sed -n 's/.*--seed \([0-9]*\).*/\1/p' <<<"${command[*]}")
[[ -n "$seed" ]] || fail "the pod command has no --seed"

isolate=()
if unshare -pf --mount-proc --kill-child true 2>/dev/null; then
    isolate=(unshare -pf --mount-proc --kill-child --)
    echo "test-kubernetes: each pod is pid 1 of its own pid namespace (unshare -pf --mount-proc)"
else
    echo "test-kubernetes: unshare -pf is not permitted here; the pods run as plain processes"
fi

unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX AEGRID_SHARDS
start_pod() {   # index; appends to the pod's log
    JOB_COMPLETION_INDEX=$1 AEGRID_SHARDS=$shards "${isolate[@]}" "${pod_command[@]}" >>"$work/pod-$1.log" 2>&1 &
    pods[$1]=$!
}
# The aegrid process of pod $1: the unshare's child (pid 1 inside), or the process itself.
aegrid_pid() {
    local pid=${pods[$1]}
    if [[ ${#isolate[@]} -gt 0 ]]; then
        for _ in $(seq 1 50); do
            local child
            child=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | awk '{ print $1 }')
            [[ -n "$child" ]] && { echo "$child"; return; }
            sleep 0.02
        done
        fail "pod $1 (unshare pid $pid) has no child process"
    fi
    echo "$pid"
}

# The single-process reference, concurrently (its results do not depend on the load).
"$AEGRID" search --train "$work/data/X_train.npy" --test "$work/data/X_test.npy" --grid "$work/config/grid.yaml" \
    --out "$work/single" --seed "$seed" --jobs 2 --quiet >"$work/single.log" 2>&1 &
single=$!

for k in $(seq 0 $((completions - 1))); do start_pod "$k"; done
if [[ ${#isolate[@]} -gt 0 ]]; then
    inner=$(awk '/^NSpid:/ { print $NF }' "/proc/$(aegrid_pid 0)/status")
    [[ "$inner" == 1 ]] || fail "pod 0's aegrid is pid $inner in its namespace, expected 1"
fi

# Kill (SIGKILL) a pod that has recorded some of its trials but not all.
assigned=()
victim=""
deadline=$((SECONDS + 90))
while [[ -z "$victim" ]]; do
    ((SECONDS < deadline)) || fail "no pod could be killed mid-run within 90 s"
    if [[ ${#assigned[@]} -eq 0 && -f "$work/results/manifest.json" ]]; then
        status=$("$AEGRID" status "$work/results" 2>&1) && fail "aegrid status exited 0 while the pods run"
        while read -r shard done_count missing; do
            assigned[${shard%/*}]=$((done_count + missing))
        done < <(awk -v n="$shards" '$1 ~ "^[0-9]+/"n"$" { print $1, $2, $6 }' <<<"$status")
    fi
    if [[ ${#assigned[@]} -eq $shards ]]; then
        for k in $(seq 0 $((completions - 1))); do
            kill -0 "${pods[k]}" 2>/dev/null || continue
            log="$work/results/results.shard-$k-of-$shards.jsonl"
            n=$([[ -f "$log" ]] && wc -l <"$log" || echo 0)
            # (kill fails only if the pod exited in between: then try another)
            if ((n >= 1 && n < assigned[k])) && kill -KILL "$(aegrid_pid "$k")" 2>/dev/null; then
                victim=$k
                break
            fi
        done
    fi
    sleep 0.05
done
code=0
wait "${pods[victim]}" || code=$?
# 137 from a plain process; unshare reports its child's death by a signal as 137 or, in some versions, 1.
((code != 0)) || fail "the killed pod $victim exited 0"
grep -q "^results: " "$work/pod-$victim.log" && fail "the killed pod $victim had already finished"
for k in $(seq 0 $((completions - 1))); do
    [[ $k -eq $victim ]] && continue
    code=0
    wait "${pods[k]}" || code=$?
    [[ $code -eq 0 ]] || fail "pod $k exited $code"
done
log="$work/results/results.shard-$victim-of-$shards.jsonl"
kept=$(wc -l <"$log")
echo "test-kubernetes: killed pod $victim (SIGKILL) with $kept of its ${assigned[victim]} trials recorded"
set +e
status=$("$AEGRID" status "$work/results" 2>&1)
code=$?
set -e
[[ $code -eq 3 ]] || fail "aegrid status after the kill exited $code, expected 3: $status"
grep -q "^  shard $victim/$shards: " <<<"$status" || fail "aegrid status does not list shard $victim's missing trials: $status"

# The Job controller's replacement pod: same index, same command; it resumes from the shard's log.
start_pod "$victim"
code=0
wait "${pods[victim]}" || code=$?
pods[victim]=""
[[ $code -eq 0 ]] || fail "the restarted pod $victim exited $code"
grep -q "$kept already done (resuming)" "$work/pod-$victim.log" ||
    fail "the restarted pod did not resume its $kept recorded trials"
grep -q "aegrid: running shard $victim/$shards (from JOB_COMPLETION_INDEX=$victim, AEGRID_SHARDS=$shards)" "$work/pod-$victim.log" ||
    fail "the restarted pod did not run shard $victim/$shards"

"$AEGRID" merge "$work/results" >"$work/merge.log" 2>&1 || fail "aegrid merge failed: $(cat "$work/merge.log")"
wait "$single" || fail "the single-process search failed: $(cat "$work/single.log")"
python3 "$repo/scripts/results-identical.py" "$work/single" "$work/results" "$trials"
failed=0
echo "test-kubernetes: passed in $SECONDS s: $completions pods${isolate:+ (pid 1 each)}, pod $victim killed after $kept" \
    "of ${assigned[victim]} trials and restarted, merged bitwise identical to a single run ($trials trials)"
