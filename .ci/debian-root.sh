# shellcheck shell=bash
# A Debian stable (13, trixie) root for running the suite on Node 24 where the host's glibc is
# older than the current uWebSockets.js binaries need (2.38). Sourced by .ci/run.
#
# The root is cached outside the work tree, keyed by its recipe, and published only once
# complete (built under a temporary name, then renamed), so an interrupted build is never
# reused. Everything mounted into it lives in a private mount namespace (unshare -m) that ends
# with the command: a killed run leaves no bind mount behind that a later `rm -rf` could follow.

DEBIAN_ROOT_SUITE=trixie
# Change ROOT_RECIPE whenever the package list changes: it names the cached root.
# postgresql: initdb and pg_ctl for the tests that start a private cluster (test/support/pg-cluster.ts);
# python3: the stalled WebSocket client of test/slow-consumer.test.ts;
# its service never starts in the root (policy-rc.d below)
DEBIAN_ROOT_PACKAGES="ca-certificates chromium redis-server postgresql python3"
DEBIAN_ROOT_RECIPE="1|$DEBIAN_ROOT_SUITE|minbase|$DEBIAN_ROOT_PACKAGES"
DEBIAN_ROOT_CACHE=${TAJIR_CI_CACHE:-/var/cache/tajir-ci}

# The Debian mirror this machine's apt already uses (deb822 .sources first, then sources.list),
# so no host name is written into the repository.
debian_mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '
      /^[[:space:]]*$/ { if (u != "" && s !~ /-security/ && t ~ /(^| )deb( |$)/) { print u; exit } u=""; s=""; t=""; next }
      tolower($1) == "uris:" { u=$2 }
      tolower($1) == "suites:" { $1=""; s=$0 }
      tolower($1) == "types:" { $1=""; t=$0" " }
      END { if (u != "" && s !~ /-security/ && t ~ /(^| )deb( |$)/) print u }' "$f" | head -1)
    case "$uri" in http://*/debian | https://*/debian | http://*/debian/ | https://*/debian/) echo "${uri%/}"; return 0 ;; esac
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(awk '$1 == "deb" { u=$2; if ($2 ~ /^\[/) { for (i=2;i<=NF;i++) if ($i ~ /\]$/) { u=$(i+1); break } } if (u ~ /\/debian\/?$/) { print u; exit } }' "$f")
    [ -n "$uri" ] && { echo "${uri%/}"; return 0; }
  done
  return 1
}

debian_root_dir() {
  local key
  key=$(printf '%s' "$DEBIAN_ROOT_RECIPE" | sha256sum | cut -c1-12)
  echo "$DEBIAN_ROOT_CACHE/debian-$DEBIAN_ROOT_SUITE-$key"
}

# Runs "$@" as root inside ROOT with /proc, /sys, /dev and the given extra bind mounts
# ("host:inside" pairs in DEBIAN_ROOT_BINDS), all in a mount namespace of its own.
debian_root_exec() {
  local root=$1
  shift
  unshare --mount --propagation private -- bash -euo pipefail -c '
    root=$1; shift
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    for pair in ${DEBIAN_ROOT_BINDS:-}; do
      if [ -d "${pair%%:*}" ]; then
        mkdir -p "$root${pair#*:}"
      else
        mkdir -p "$(dirname "$root${pair#*:}")" && touch "$root${pair#*:}"
      fi
      mount --bind "${pair%%:*}" "$root${pair#*:}"
    done
    cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 CI="${CI:-}" "$@"
  ' debian-root "$root" "$@"
}

# Refuses to delete a directory that still has anything mounted below it.
debian_root_remove() {
  local dir=$1
  if findmnt -rno TARGET | grep -q "^$dir/"; then
    echo "[ci] refusing to remove $dir: something is still mounted inside it" >&2
    return 1
  fi
  rm -rf --one-file-system "$dir"
}

# Prints the path of a complete root, building it first if the cache has none.
debian_root_ensure() {
  local dir tmp mirror
  dir=$(debian_root_dir)
  if [ -f "$dir/.tajir-ci-complete" ]; then
    echo "$dir"
    return 0
  fi
  command -v debootstrap >/dev/null 2>&1 || {
    echo "[ci] installing debootstrap" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
  }
  mirror=$(debian_mirror) || { echo "[ci] no Debian mirror found in apt's sources" >&2; return 1; }
  mkdir -p "$DEBIAN_ROOT_CACHE"
  # One builder at a time on this machine; another run waits, then finds the root complete.
  local lockfd
  exec {lockfd}>"$DEBIAN_ROOT_CACHE/.build.lock"
  flock "$lockfd"
  if [ -f "$dir/.tajir-ci-complete" ]; then
    echo "$dir"
    return 0
  fi
  # Leftovers of interrupted builds (and a stale unfinished root) are never reused.
  for tmp in "$DEBIAN_ROOT_CACHE"/building.* "$dir"; do
    [ -e "$tmp" ] && { debian_root_remove "$tmp" || return 1; }
  done
  tmp=$(mktemp -d "$DEBIAN_ROOT_CACHE/building.XXXXXX")
  chmod 755 "$tmp" # apt inside the root downloads as _apt
  echo "[ci] building a Debian $DEBIAN_ROOT_SUITE root in $tmp (mirror from apt's sources)" >&2
  unshare --mount --propagation private -- \
    debootstrap --variant=minbase --include=ca-certificates "$DEBIAN_ROOT_SUITE" "$tmp" "$mirror" >&2 || {
    echo "[ci] debootstrap failed; see $tmp/debootstrap/debootstrap.log" >&2
    return 1
  }
  # Services must not start inside the root while packages install.
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod +x "$tmp/usr/sbin/policy-rc.d"
  # debootstrap writes only the release suite; keep the root current with its updates and security.
  cat >"$tmp/etc/apt/sources.list" <<EOF
deb $mirror $DEBIAN_ROOT_SUITE main
deb $mirror $DEBIAN_ROOT_SUITE-updates main
EOF
  DEBIAN_ROOT_BINDS="" debian_root_exec "$tmp" bash -c \
    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $DEBIAN_ROOT_PACKAGES >/dev/null && apt-get clean" >&2 || {
    echo "[ci] installing $DEBIAN_ROOT_PACKAGES in the root failed" >&2
    return 1
  }
  date -u +%FT%TZ >"$tmp/.tajir-ci-complete"
  mv -T "$tmp" "$dir"
  echo "$dir"
}
