#!/usr/bin/env bash
# Spreads a sweep over a Slurm cluster as a job array: one array task per
# run, each `vpcsim sweep FILE --index $SLURM_ARRAY_TASK_ID --out OUT`, then
# a merge job, started when every task has ended, that assembles
# OUT/results.csv and OUT/summary.csv (`vpcsim sweep merge OUT`).
#
#   scenarios/sweeps/slurm-array.sh SWEEP.ini OUT [SBATCH OPTIONS...]
#
# OUT must be on a file system every node sees (each run writes its own row
# file there, so tasks never contend).  The options go to both sbatch calls
# (e.g. --partition=batch --time=00:10:00); add --array throttling with
# SWEEP_ARRAY_LIMIT=N (at most N tasks at once).  VPCSIM names the binary
# (default: vpcsim on PATH, else build/vpcsim beside this checkout).  With
# SWEEP_WAIT=1 the script waits for the merge and exits with its status.
# Prints the array's and the merge's job ids.
set -euo pipefail
file=${1:?usage: slurm-array.sh SWEEP.ini OUT [SBATCH OPTIONS...]}
out=${2:?usage: slurm-array.sh SWEEP.ini OUT [SBATCH OPTIONS...]}
shift 2
here=$(cd "$(dirname "$0")/../.." && pwd)
vpcsim=${VPCSIM:-$(command -v vpcsim || echo "$here/build/vpcsim")}
file=$(realpath "$file")
mkdir -p "$out"
out=$(realpath "$out")

# The number of runs, from the sweep's own listing.
runs=$("$vpcsim" sweep "$file" --dry-run | sed -n '1s/.* = \([0-9][0-9]*\) runs.*/\1/p')
[ -n "$runs" ] || { echo "slurm-array.sh: cannot count the runs of $file" >&2; exit 1; }
range="0-$((runs - 1))${SWEEP_ARRAY_LIMIT:+%$SWEEP_ARRAY_LIMIT}"

mkdir -p "$out/slurm"
array=$(sbatch --parsable --job-name=vpcsim-sweep --array="$range" \
  --output="$out/slurm/run-%a.log" "$@" \
  --wrap="exec '$vpcsim' sweep '$file' --index \$SLURM_ARRAY_TASK_ID --out '$out'")
array=${array%%;*}
wait_flag=()
[ "${SWEEP_WAIT:-0}" = 1 ] && wait_flag=(--wait)
echo "array job $array: $runs runs"
merge=$(sbatch --parsable --job-name=vpcsim-merge --dependency="afterany:$array" \
  --output="$out/slurm/merge.log" "${wait_flag[@]}" "$@" \
  --wrap="exec '$vpcsim' sweep merge '$out'") || status=$?
echo "merge job ${merge%%;*}: $out/results.csv when it ends"
exit "${status:-0}"
