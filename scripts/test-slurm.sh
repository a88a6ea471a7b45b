#!/usr/bin/env bash
# The Slurm recipe of docs/slurm, on a real (throwaway, single-node) Slurm cluster: scripts/slurm-cluster.sh.
#
#   AEGRID=.build/release/aegrid scripts/test-slurm.sh        (or: make test-slurm)
#
# docs/slurm/aegrid-array.sbatch and docs/slurm/submit.sh run byte for byte as shipped (copied into a scratch
# "repository" so their output files land there, not in the work tree; cmp checks the copies), twice at once:
#   A: submit.sh queues the 8-task array (%4) and the merge behind it (afterok); the merge runs by itself.
#   B: the same, and one running task is cancelled mid-trial (scancel); the queued merge is then cancelled by its
#      dependency; `aegrid status` must list that shard's missing trials and exit 3; the task is resubmitted alone
#      as docs/cluster.md says (sbatch --array=K …, then the merge behind it) and resumes from its log.
# Both merges must be bitwise identical to one single-process `aegrid search` of the same grid, with every trial
# exactly once. Prints each job's sequence of states (squeue, polled) and the wall time. On failure it prints the
# cluster's logs and the jobs' output; it always stops the daemons it started.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
AEGRID=$(realpath "${AEGRID:?set AEGRID to the aegrid binary (make test-slurm builds it)}")
work=$(mktemp -d "${TMPDIR:-/tmp}/aegrid-test-slurm.XXXXXX")
cluster=""
poller=""
failed=1

fail() {
    echo "test-slurm: FAIL: $*" >&2
    exit 1
}

finish() {
    local status=$?
    set +e
    if [[ -n "$poller" ]]; then kill "$poller" 2>/dev/null; wait "$poller" 2>/dev/null; fi
    if [[ $failed -ne 0 || $status -ne 0 ]]; then
        echo "test-slurm: failed; job states seen:" >&2
        [[ -f "$work/states.log" ]] && python3 "$work/states.py" "$work/states.log" >&2
        for out in "$work"/repo/*.out; do
            [[ -f "$out" ]] || continue
            echo "----- $out -----" >&2
            cat "$out" >&2
        done
        [[ -n "$cluster" ]] && "$repo/scripts/slurm-cluster.sh" logs "$cluster" >&2
    fi
    [[ -n "$cluster" ]] && "$repo/scripts/slurm-cluster.sh" stop "$cluster"
    if [[ $failed -eq 0 && $status -eq 0 ]]; then
        rm -rf "$work"
    else
        echo "test-slurm: files kept in $work" >&2
        [[ $status -eq 0 ]] && status=1
    fi
    exit "$status"
}
trap finish EXIT
trap 'exit 143' TERM INT HUP

# The node advertises 32 CPUs: both 8-task arrays run 4 tasks at once (4 CPUs each, as the job file asks).
cluster=$(SLURM_CLUSTER_CPUS=32 "$repo/scripts/slurm-cluster.sh" start "$work/cluster")
eval "$("$repo/scripts/slurm-cluster.sh" env "$cluster")"
echo "test-slurm: $(sinfo -V) cluster up in $cluster"

# The documented files, unchanged, in a scratch repository (submit.sh cds to its ../.. and sbatch writes the
# job's output files into the directory it is run from).
mkdir -p "$work/repo/docs/slurm"
cp "$repo/docs/slurm/aegrid-array.sbatch" "$repo/docs/slurm/submit.sh" "$work/repo/docs/slurm/"
cmp "$repo/docs/slurm/aegrid-array.sbatch" "$work/repo/docs/slurm/aegrid-array.sbatch"
cmp "$repo/docs/slurm/submit.sh" "$work/repo/docs/slurm/submit.sh"

# 48 trials on the seed data, 6 per shard. The two epoch counts make each configuration one family trained once
# to 2000 epochs, its 50-epoch member recorded on the way: a task has records on disk long before it ends (about
# 2 s of its own), so the cancelled one has both finished and unfinished trials. (At 400 epochs a task took 0.5 s,
# and on a quiet machine array B could finish between two polls.)
cat >"$work/grid.json" <<'EOF'
{"encoder_layer1_size": [16, 32, 48, 64], "latent_dim": [2, 4, 6], "learning_rate": [0.01, 0.001],
 "epochs": [50, 2000]}
EOF
trials=48
shards=8
export AEGRID TRAIN="$repo/examples/seed/X_train.npy" TEST="$repo/examples/seed/X_test.npy" GRID="$work/grid.json"
export SEED=42
unset AEGRID_SHARDS SLURM_ARRAY_TASK_ID JOB_COMPLETION_INDEX

# Job states, polled: "job id|name|state|reason" lines, "--" after each poll. states.py LOG prints each job's
# sequence of states; states.py LOG JOB prints the most tasks of array JOB seen RUNNING in one poll.
cat >"$work/states.py" <<'EOF'
import re, sys
sequences, order = {}, []
most, running = 0, 0
for line in open(sys.argv[1]):
    if line.startswith("--"):
        most, running = max(most, running), 0
        continue
    parts = line.rstrip("\n").split("|")
    if len(parts) != 4:
        continue
    job, name, state, reason = parts
    if len(sys.argv) > 2 and job.startswith(sys.argv[2] + "_") and state == "RUNNING":
        running += 1
    ids = [job]
    m = re.fullmatch(r"(\d+)_\[(.*?)(%\d+)?\]", job)   # pending array tasks: 12_[4-7%4]
    if m:
        ids = []
        for piece in m.group(2).split(","):
            low, _, high = piece.partition("-")
            ids += [f"{m.group(1)}_{i}" for i in range(int(low), int(high or low) + 1)]
    label = state + (f"({reason})" if state == "PENDING" and reason not in ("None", "") else "")
    for i in ids:
        if i not in sequences:
            sequences[i] = []
            order.append((i, name))
        if not sequences[i] or sequences[i][-1] != label:
            sequences[i].append(label)
if len(sys.argv) > 2:
    print(most)
    sys.exit()
def key(item):
    job, _ = item
    head, _, task = job.partition("_")
    return (int(head), int(task) if task.isdigit() else -1)
for job, name in sorted(order, key=key):
    print(f"  {job:<8} {name:<13} {' -> '.join(sequences[job])}")
EOF
(
    while :; do
        { squeue -h -t all -o '%i|%j|%T|%r' 2>/dev/null; echo "--"; } >>"$work/states.log" || true
        sleep 0.2
    done
) &
poller=$!

# The single-process reference, at the same time as the arrays (its result does not depend on the load).
"$AEGRID" search --train "$TRAIN" --test "$TEST" --grid "$GRID" --out "$work/single" --seed "$SEED" --jobs 2 \
    --quiet >"$work/single.log" 2>&1 &
single=$!

submit() {   # submit.sh, as documented, for results directory $1; prints the array job id
    local line
    line=$(cd "$work/repo" && OUT="$1" docs/slurm/submit.sh | tail -n 1)
    [[ "$line" =~ ^queued\ array\ job\ ([0-9]+)\ and\ its\ merge ]] || fail "submit.sh printed '$line'"
    echo "${BASH_REMATCH[1]}"
}
merge_of() {   # the merge job queued behind array $1 (its dependency names the array)
    local id
    for id in $(squeue -h -t all -n aegrid-merge -o %i); do
        scontrol show job "$id" | grep -q "Dependency=afterok:$1[(_ ]" && { echo "$id"; return; }
    done
    fail "no aegrid-merge job depends on array $1"
}
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1; }
job_reason() { scontrol show job "$1" 2>/dev/null | sed -n 's/.* Reason=\([^ ]*\).*/\1/p' | head -n 1; }
active() { squeue -h -j "$1" -t PENDING,RUNNING,CONFIGURING,COMPLETING,SUSPENDED -o %i 2>/dev/null; }
wait_done() {   # $1 job id, $2 seconds
    local deadline=$((SECONDS + $2))
    while [[ -n "$(active "$1")" ]]; do
        ((SECONDS < deadline)) || fail "job $1 still active after $2 s: $(squeue -h -j "$1" -t all -o '%i %T %r' | tr '\n' ';')"
        sleep 0.2
    done
}
shard_log() { echo "$1/results.shard-$2-of-$shards.jsonl"; }
lines() { [[ -f "$1" ]] && wc -l <"$1" || echo 0; }

a=$(submit "$work/a")
b=$(submit "$work/b")
merge_a=$(merge_of "$a")
merge_b=$(merge_of "$b")
echo "test-slurm: array A = job $a (merge $merge_a), array B = job $b (merge $merge_b)"

# While B runs: status mid-run (exit 3), the per-shard trial counts, then cancel a running task that has recorded
# some of its trials but not all.
assigned=()
victim=""
status_during=""
deadline=$((SECONDS + 90))
while :; do
    ((SECONDS < deadline)) || fail "no task of array B could be cancelled mid-run within 90 s"
    if [[ ${#assigned[@]} -eq 0 && -f "$work/b/manifest.json" ]]; then
        set +e
        status_during=$("$AEGRID" status "$work/b" 2>&1)
        code=$?
        set -e
        [[ $code -eq 3 ]] || fail "aegrid status while array B runs exited $code, expected 3:"$'\n'"$status_during"
        # Rows "K/8  done ok diverged failed missing best": a shard's trials are done + missing.
        while read -r shard done missing; do
            assigned[${shard%/*}]=$((done + missing))
        done < <(awk -v n="$shards" '$1 ~ "^[0-9]+/"n"$" { print $1, $2, $6 }' <<<"$status_during")
        [[ ${#assigned[@]} -eq $shards ]] || fail "aegrid status lists ${#assigned[@]} shards, expected $shards:"$'\n'"$status_during"
        grep -q "^missing trials (grid indices):" <<<"$status_during" || fail "status mid-run lists no missing trials"
    fi
    if [[ ${#assigned[@]} -eq $shards ]]; then
        for k in $(squeue -h -j "$b" -t RUNNING -o %K); do
            n=$(lines "$(shard_log "$work/b" "$k")")
            if ((n >= 1 && n < assigned[k])); then
                scancel "${b}_$k"
                # A task that finished its last trial just before the signal landed ends COMPLETED: try another.
                while [[ "$(job_state "${b}_$k")" =~ ^(RUNNING|COMPLETING)$ ]]; do sleep 0.1; done
                if [[ "$(job_state "${b}_$k")" == COMPLETED ]]; then
                    echo "test-slurm: task ${b}_$k finished before scancel reached it; cancelling another"
                    continue
                fi
                victim=$k
                break
            fi
        done
    fi
    [[ -n "$victim" ]] && break
    [[ -z "$(active "$b")" ]] && fail "array B finished before any task could be cancelled mid-run"
    sleep 0.1
done
echo "test-slurm: cancelled task ${b}_$victim after $(lines "$(shard_log "$work/b" "$victim")") of its ${assigned[victim]} trials"
echo "test-slurm: aegrid status during the run (exit 3):"
sed 's/^/    /' <<<"$status_during"

wait_done "$a" 120
wait_done "$merge_a" 60
wait_done "$b" 120
wait_done "$merge_b" 30

# A: every task and the merge completed; the merge is the single run, bitwise.
for k in $(seq 0 $((shards - 1))); do
    [[ "$(job_state "${a}_$k")" == COMPLETED ]] || fail "task ${a}_$k ended $(job_state "${a}_$k")"
done
[[ "$(job_state "$merge_a")" == COMPLETED ]] || fail "merge job $merge_a of array A ended $(job_state "$merge_a") ($(job_reason "$merge_a"))"
wait "$single" || fail "the single-process search failed: $(cat "$work/single.log")"
python3 "$repo/scripts/results-identical.py" "$work/single" "$work/a" "$trials"
"$AEGRID" status "$work/a" >"$work/status-a.txt" || fail "aegrid status of the complete array A exited $?: $(cat "$work/status-a.txt")"
grep -q "^complete: all $trials trials have a result" "$work/status-a.txt" || fail "status of A: $(cat "$work/status-a.txt")"
max_running_a=$(python3 "$work/states.py" "$work/states.log" "$a")
max_running_b=$(python3 "$work/states.py" "$work/states.log" "$b")
((max_running_a >= 2 && max_running_a <= 4)) || fail "array A ran $max_running_a tasks at once; %4 with room for 4 should give 2..4"
((max_running_b <= 4)) || fail "array B ran $max_running_b tasks at once despite %4"
echo "test-slurm: array A: at most $max_running_a tasks at once (%4), merged by its dependent job: identical"

# B: the cancelled task is CANCELLED, the others COMPLETED; the merge never ran (afterok can no longer hold).
[[ "$(job_state "${b}_$victim")" == CANCELLED ]] || fail "cancelled task ${b}_$victim ended $(job_state "${b}_$victim")"
for k in $(seq 0 $((shards - 1))); do
    [[ $k -eq $victim ]] && continue
    [[ "$(job_state "${b}_$k")" == COMPLETED ]] || fail "task ${b}_$k ended $(job_state "${b}_$k")"
done
[[ "$(job_state "$merge_b")" == CANCELLED ]] || fail "merge job $merge_b ended $(job_state "$merge_b"), expected CANCELLED by its dependency"
[[ "$(job_reason "$merge_b")" == DependencyNeverSatisfied ]] || fail "merge job $merge_b: reason $(job_reason "$merge_b")"
[[ ! -f "$work/b/results.jsonl" ]] || fail "array B has a merged results.jsonl although its merge was cancelled"

# Status after the cancellation: only the cancelled shard misses trials, named by shard; exit 3.
kept=$(lines "$(shard_log "$work/b" "$victim")")
set +e
status_after=$("$AEGRID" status "$work/b" 2>&1)
code=$?
set -e
echo "test-slurm: aegrid status after the cancellation (exit $code):"
sed 's/^/    /' <<<"$status_after"
[[ $code -eq 3 ]] || fail "aegrid status after the cancellation exited $code, expected 3"
missing_lines=$(sed -n '/^missing trials (grid indices):/,$p' <<<"$status_after" | grep '^  ' || true)
[[ $(wc -l <<<"$missing_lines") -eq 1 && "$missing_lines" == "  shard $victim/$shards: "* ]] ||
    fail "status should list missing trials of shard $victim/$shards only, got: $missing_lines"
row=$(awk -v s="$victim/$shards" '$1 == s { print $2, $6 }' <<<"$status_after")
[[ "$row" == "$kept $((assigned[victim] - kept))" ]] || fail "status row of shard $victim: '$row' (done, missing), log holds $kept"

# The documented recovery: resubmit only that index, then the merge behind it.
resubmitted=$(cd "$work/repo" && OUT="$work/b" sbatch --parsable --array="$victim" docs/slurm/aegrid-array.sbatch)
resubmitted=${resubmitted%%;*}
merge_again=$(cd "$work/repo" && sbatch --parsable --dependency=afterok:"$resubmitted" --job-name=aegrid-merge \
    --output=aegrid-merge-%j.out --wrap="$AEGRID merge $work/b")
merge_again=${merge_again%%;*}
echo "test-slurm: resubmitted task $victim as job $resubmitted (sbatch --array=$victim), merge $merge_again behind it"
wait_done "$resubmitted" 60
wait_done "$merge_again" 30
[[ "$(job_state "${resubmitted}_$victim")" == COMPLETED ]] || fail "resubmitted task ended $(job_state "${resubmitted}_$victim")"
[[ "$(job_state "$merge_again")" == COMPLETED ]] || fail "merge job $merge_again ended $(job_state "$merge_again")"
out="$work/repo/aegrid-${resubmitted}_$victim.out"
grep -q "aegrid: running shard $victim/$shards (from SLURM_ARRAY_TASK_ID=$victim, manifest.json: $shards shards)" "$out" ||
    fail "the resubmitted task did not run shard $victim/$shards from the manifest's count: $(cat "$out")"
grep -q "$kept already done (resuming)" "$out" || fail "the resubmitted task did not resume the $kept recorded trials: $(cat "$out")"
python3 "$repo/scripts/results-identical.py" "$work/single" "$work/b" "$trials"
"$AEGRID" status "$work/b" >"$work/status-b.txt" || fail "aegrid status of B after the resubmission exited $?: $(cat "$work/status-b.txt")"

failed=0
kill "$poller" 2>/dev/null
wait "$poller" 2>/dev/null || true
poller=""
echo "test-slurm: job states seen (squeue every 0.2 s):"
python3 "$work/states.py" "$work/states.log"
echo "test-slurm: passed in $SECONDS s: 8-task array merged by its" \
    "dependent job, a cancelled task resubmitted alone (--array=$victim) resumed $kept of ${assigned[victim]} trials," \
    "both merges bitwise identical to a single run ($trials trials)"
