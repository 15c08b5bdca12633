#!/usr/bin/env bash
# Issue 20's measurements: the service beside the raw stack (bench/raw-stack.ts), interleaved, in
# both shapes (one process, and --split), ROUNDS rounds; each run followed by the machine's busy
# share over it, the part its own processes used and the load average (bench/measure.sh), since
# figures on a shared machine are noisy. Odd rounds start with the raw stack, even rounds with
# the service.
#
#   bash bench/headroom.sh [ROUNDS=3] [extra arguments for both, e.g. "--seconds 15"]
#   HEADROOM_RAW_ARGS=--dashboard-frame bash bench/headroom.sh 3 --nice 19   # arguments for the raw stack only
#
# The service's run prints commit → socket p50/p99, POST /api/bills p50/p99 and the service's CPU
# per bill; the raw stack's the same three. For the before/after of the service alone (the table
# of issue 20), use bench/before-after.sh with a checkout of the commit before issue 20.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
extra="${*:2}" # the rest, quoted as one or not
# shellcheck source=bench/measure.sh
source bench/measure.sh
sh_c() { bash -c "$1"; }
for ((r = 1; r <= rounds; r++)); do
  for shape in "" "--split"; do
    raw="node --import=tsx bench/raw-stack.ts $shape $extra ${HEADROOM_RAW_ARGS:-}"
    service="node --import=tsx bench/realtime.ts --skip-poll $shape $extra"
    if ((r % 2)); then order=("raw|$raw" "service|$service"); else order=("service|$service" "raw|$raw"); fi
    for pair in "${order[@]}"; do
      (measured "round $r ${pair%%|*}${shape:+ $shape}" sh_c "${pair#*|}")
    done
  done
done
