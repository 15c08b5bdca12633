#!/usr/bin/env bash
# Runs the same benchmarks on two checkouts of this repository, interleaved, on this machine: a
# restructuring that should change nothing is measured against the commit before it. Each run is
# followed by the machine's busy share over it (all cores, from /proc/stat), the part its own
# processes used, and the load average, since figures on a shared machine are noisy.
#
#   bash bench/before-after.sh BEFORE_DIR AFTER_DIR ROUNDS "dashboard.ts --bills 100000" "billing.ts --seconds 5" ...
#
# Each DIR is a checkout with node_modules installed (git worktree add DIR COMMIT && npm ci).
# Odd rounds run BEFORE first, even rounds AFTER first.
set -euo pipefail
before=$(cd "$1" && pwd)
after=$(cd "$2" && pwd)
rounds=$3
shift 3

cpu() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }

one() { # one LABEL DIR BENCH, in a subshell of its own: its children's CPU time is the benchmark's
  local label=$1 dir=$2 cmd="node --import=tsx bench/$3" b0 t0 b1 t1 own me=$BASHPID
  read -r b0 t0 < <(cpu)
  echo "=== $label ($(git -C "$dir" rev-parse --short HEAD)): $cmd ($(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))"
  (cd "$dir" && bash -c "$cmd") || echo "=== $label: the benchmark FAILED (exit $?)"
  read -r b1 t1 < <(cpu)
  # fields 16 and 17 of /proc/PID/stat: CPU ticks of waited-for children (the benchmark's tree)
  own=$(awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$me/stat")
  echo "=== $label: machine busy $(((b1 - b0) * 100 / (t1 - t0)))% of $(nproc) cores over the run;" \
    "the benchmark's processes $((own * 100 / (t1 - t0)))%, everything else $(((b1 - b0 - own) * 100 / (t1 - t0)))%;" \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
}

for ((r = 1; r <= rounds; r++)); do
  for bench in "$@"; do
    if ((r % 2)); then order=("before $before" "after $after"); else order=("after $after" "before $before"); fi
    for pair in "${order[@]}"; do (one "${pair%% *}" "${pair#* }" "$bench"); done
  done
done
