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
#
#   NODE24=1 bash bench/before-after.sh ...   # both on Node 24 LTS, the runtime production runs
#
# A bench whose file one checkout lacks runs in the other alone, in the same place of the round:
# "raw-stack.ts" beside "realtime.ts --skip-poll" puts the raw stack (new with issue 20) between
# the before's and the after's runs of the service, so all three meet the same stretch of machine.
#
# NODE24=1 runs it all on Node 24 with the current uWS: natively where glibc ≥ 2.38, else in
# .ci/run's Debian 13 root with the two checkouts bound at their own paths. Their node_modules,
# installed by this machine's Node 20, serve as they are: the addons are N-API and uWS ships a
# binary per Node ABI (a checkout from before the runtime issue has no Node 24 one).
set -euo pipefail
before=$(cd "$1" && pwd)
after=$(cd "$2" && pwd)
rounds=$3
shift 3

if [[ ${NODE24:-} == 1 ]]; then
  self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
  repo=$(cd "$(dirname "$0")/.." && pwd)
  cd "$repo"
  # shellcheck source=.ci/debian-root.sh
  source .ci/debian-root.sh
  # shellcheck source=.ci/node24.sh
  source .ci/node24.sh
  node24=$(node24_ensure)
  if glibc_is_current; then
    PATH="$node24/node_modules/.bin:$PATH" NODE24='' exec bash "$self" "$before" "$after" "$rounds" "$@"
  fi
  binds="$before:$before $after:$after"
  [[ $repo == "$before" || $repo == "$after" ]] || binds+=" $repo:$repo"
  # the root's environment starts empty (debian-root.sh), so NODE24 is unset in there; it has no
  # git either, so the commits' names go in with it
  revs="$(git -C "$before" rev-parse --short HEAD) $(git -C "$after" rev-parse --short HEAD)"
  DEBIAN_ROOT_BINDS_EXTRA="$binds" node24_in_root "$(debian_root_ensure)" "$node24" \
    BEFORE_AFTER_REVS="$revs" bash "$self" "$before" "$after" "$rounds" "$@"
  exit
fi

# shellcheck source=bench/measure.sh
source "$(dirname "$0")/measure.sh"
in_dir() { (cd "$run_dir" && bash -c "$1"); }
# each side's commit: from git, or as the caller named them outside the Debian root (no git there)
read -r before_rev after_rev <<<"${BEFORE_AFTER_REVS:-$(git -C "$before" rev-parse --short HEAD) $(git -C "$after" rev-parse --short HEAD)}"

for ((r = 1; r <= rounds; r++)); do
  for bench in "$@"; do
    if ((r % 2)); then order=("before $before_rev $before" "after $after_rev $after"); else order=("after $after_rev $after" "before $before_rev $before"); fi
    for side in "${order[@]}"; do
      read -r name rev run_dir <<<"$side"
      [[ -f $run_dir/bench/${bench%% *} ]] || continue
      (measured "$name ($rev)" in_dir "node --import=tsx bench/$bench")
    done
  done
done
