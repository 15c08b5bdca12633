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

# shellcheck source=bench/measure.sh
source "$(dirname "$0")/measure.sh"
in_dir() { (cd "$run_dir" && bash -c "$1"); }

for ((r = 1; r <= rounds; r++)); do
  for bench in "$@"; do
    if ((r % 2)); then order=("before $before" "after $after"); else order=("after $after" "before $before"); fi
    for pair in "${order[@]}"; do
      (run_dir=${pair#* } && measured "${pair%% *} ($(git -C "$run_dir" rev-parse --short HEAD))" in_dir "node --import=tsx bench/$bench")
    done
  done
done
