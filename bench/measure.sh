# Sourced by the interleaving benchmark scripts (runtimes.sh, before-after.sh): runs one
# benchmark and says what the machine was doing meanwhile, since figures on a shared machine are
# noisy: its busy share over the run (all cores, from /proc/stat), the part the benchmark's own
# processes used, and the load average.

cpu() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }

# measured LABEL RUNNER CMD: runs `RUNNER CMD`; call it in a subshell of its own, so that the
# children's CPU time it reads is the benchmark's alone
measured() {
  local label=$1 runner=$2 cmd=$3 b0 t0 b1 t1 own me=$BASHPID
  read -r b0 t0 < <(cpu)
  echo "=== $label: $cmd ($(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))"
  "$runner" "$cmd" || echo "=== $label: the benchmark FAILED (exit $?)"
  read -r b1 t1 < <(cpu)
  # fields 16 and 17 of /proc/PID/stat: CPU ticks of waited-for children (the benchmark's tree)
  own=$(awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$me/stat")
  echo "=== $label: machine busy $(((b1 - b0) * 100 / (t1 - t0)))% of $(nproc) cores over the run;" \
    "the benchmark's processes $((own * 100 / (t1 - t0)))%, everything else $(((b1 - b0 - own) * 100 / (t1 - t0)))%;" \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
}
