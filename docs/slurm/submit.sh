#!/bin/bash
# Queues the array job and, behind it, the merge: `aegrid merge` runs only when every array task succeeded
# (--dependency=afterok on the array's job id). If a task fails, that merge can never run: `aegrid status "$OUT"`
# names the missing trials by shard; resubmit only the failed ids and queue the merge again behind them:
#   job=$(sbatch --parsable --array=K docs/slurm/aegrid-array.sbatch)
#   sbatch --dependency=afterok:${job%%;*} --wrap="$AEGRID merge $OUT"
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-results}
AEGRID=${AEGRID:-aegrid}
array_job=$(sbatch --parsable docs/slurm/aegrid-array.sbatch)
array_job=${array_job%%;*}   # --parsable prints "jobid[;cluster]"
sbatch --dependency=afterok:"$array_job" --job-name=aegrid-merge --output=aegrid-merge-%j.out \
    --wrap="$AEGRID merge $OUT"
echo "queued array job $array_job and its merge; watch with: $AEGRID status $OUT"
