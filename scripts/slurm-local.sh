#!/usr/bin/env bash
# Runs the Slurm array script docs/slurm/aegrid-array.sbatch UNCHANGED on this machine: one array task after the
# other with the variables Slurm sets (the range comes from the script's own `#SBATCH --array=` line), then the merge
# that docs/slurm/submit.sh queues behind the array. This is how the job file is tested without a cluster.
#
#   AEGRID=.build/release/aegrid TRAIN=… TEST=… GRID=… OUT=… scripts/slurm-local.sh
#
# Settings are passed through the environment exactly as `sbatch --export` would (see the script's header).
set -euo pipefail
script=${SLURM_SCRIPT:-docs/slurm/aegrid-array.sbatch}
range=$(sed -n 's/^#SBATCH --array=\([0-9]*-[0-9]*\).*/\1/p' "$script")
if [[ -z "$range" ]]; then
    echo "slurm-local: no '#SBATCH --array=MIN-MAX' line in $script" >&2
    exit 2
fi
min=${range%-*}
max=${range#*-}
count=$((max - min + 1))
job=$$
for ((id = min; id <= max; id++)); do
    echo "slurm-local: array task $id ($((id - min + 1)) of $count)"
    SLURM_JOB_ID=$((job + id)) SLURM_ARRAY_JOB_ID=$job SLURM_ARRAY_TASK_ID=$id \
        SLURM_ARRAY_TASK_MIN=$min SLURM_ARRAY_TASK_MAX=$max SLURM_ARRAY_TASK_COUNT=$count \
        SLURM_CPUS_PER_TASK=${SLURM_CPUS_PER_TASK:-1} \
        bash "$script"
done
echo "slurm-local: merge (the job queued with --dependency=afterok)"
"${AEGRID:-aegrid}" merge "${OUT:-results}"
