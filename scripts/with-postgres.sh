#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster.
#
#   scripts/with-postgres.sh CMD [ARGS...]
#
# Creates a fresh cluster in a temp dir on a free 127.0.0.1 port, creates the
# database "madoguchi" (user "madoguchi", trust auth), exports DATABASE_URL
# (and PGHOST/PGPORT/PGUSER/PGDATABASE), runs CMD, then always stops the
# cluster and deletes the temp dir. Exits with CMD's status.
# Installs PostgreSQL from Debian if it is missing (root only). No TTY needed.
#
# By default the cluster is a fast TEST cluster: fsync, synchronous_commit and
# full_page_writes off (a crash loses it, which does not matter for tests).
# PG_DURABLE=1 starts it like a production database instead (research note
# booking.md §2): fsync, synchronous_commit and full_page_writes on, shared_buffers=1GB,
# wal_buffers=16MB, checkpoint_timeout=15min, max_wal_size=4GB, max_connections=200,
# and pg_stat_statements loaded when installed. Benchmarks (scripts/bench-booking.sh)
# use it: throughput measured on a cluster that does not flush its WAL means nothing.
# The settings are passed on the server's command line, which overrides ALTER SYSTEM.
set -euo pipefail

log() { echo "with-postgres: $*" >&2; }

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

# Highest PostgreSQL version under /usr/lib/postgresql that has initdb + pg_ctl.
# (Deliberately not /usr/local/bin/pg_ctl etc., which may be wrappers.)
find_pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

if ! PGBIN=$(find_pg_bin); then
  if [ "$(id -u)" -ne 0 ]; then
    log "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin;" \
        "install them (apt-get install postgresql) or run this script as root."
    exit 1
  fi
  log "PostgreSQL not found; installing it with apt-get"
  # Don't let the Debian package create and start a system cluster on :5432;
  # we only want the binaries.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/madoguchi-no-main.conf
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  PGBIN=$(find_pg_bin) || { log "PostgreSQL install failed"; exit 1; }
fi
PGVERSION=$("$PGBIN/postgres" --version | awk '{print $3}')

# PostgreSQL refuses to run as root: use an unprivileged user in that case.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/madoguchi-pg.XXXXXX")
if [ "$(id -u)" -eq 0 ]; then
  if id postgres >/dev/null 2>&1; then
    PG_OS_USER=postgres
  else
    PG_OS_USER=madoguchi-pg
    id "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
  fi
  chown "$PG_OS_USER" "$WORK"
  as_pg() { (cd "$WORK" && runuser -u "$PG_OS_USER" -- "$@"); }
else
  as_pg() { (cd "$WORK" && "$@"); }
fi
DATA="$WORK/data"
PORT=""
STARTED=0

cleanup() {
  trap - EXIT INT TERM
  if [ -f "$DATA/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
    [ "$STARTED" -eq 0 ] || log "stopped PostgreSQL $PGVERSION on 127.0.0.1:$PORT"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# initdb (C.UTF-8 locale, falling back to C where that locale is unavailable).
if ! as_pg "$PGBIN/initdb" -D "$DATA" -A trust -U madoguchi --encoding=UTF8 \
       --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1; then
  rm -rf "$DATA"
  as_pg "$PGBIN/initdb" -D "$DATA" -A trust -U madoguchi --encoding=UTF8 \
    --locale=C >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; exit 1; }
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if [ "${PG_DURABLE:-0}" = 1 ]; then
  SETTINGS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
  SETTINGS="$SETTINGS -c shared_buffers=1GB -c effective_cache_size=4GB -c wal_buffers=16MB"
  SETTINGS="$SETTINGS -c checkpoint_timeout=15min -c max_wal_size=4GB -c max_connections=200"
  if [ -f "$PGBIN/../lib/pg_stat_statements.so" ]; then
    SETTINGS="$SETTINGS -c shared_preload_libraries=pg_stat_statements"
  fi
  SETUP="durable: fsync=on synchronous_commit=on full_page_writes=on shared_buffers=1GB"
else
  SETTINGS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  SETUP="test: fsync=off synchronous_commit=off full_page_writes=off"
fi

# Start on a free port; retry with a new port in case another process grabbed it.
for attempt in 1 2 3; do
  PORT=$(free_port)
  if as_pg "$PGBIN/pg_ctl" -w -D "$DATA" -l "$WORK/postgres.log" \
       -o "-p $PORT -k '$WORK' -c listen_addresses=127.0.0.1 $SETTINGS" \
       start >/dev/null; then
    STARTED=1
    break
  fi
done
if [ "$STARTED" -ne 1 ]; then
  log "could not start PostgreSQL; server log follows"
  cat "$WORK/postgres.log" >&2 || true
  exit 1
fi
log "started PostgreSQL $PGVERSION on 127.0.0.1:$PORT ($SETUP)"

"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U madoguchi madoguchi

export DATABASE_URL="postgres://madoguchi@127.0.0.1:$PORT/madoguchi"
export PGHOST=127.0.0.1 PGPORT="$PORT" PGUSER=madoguchi PGDATABASE=madoguchi
export MADOGUCHI_PG_SETUP="$SETUP"   # what kind of cluster this is (benchmarks print it)
export PATH="$PGBIN:$PATH"   # psql, pg_dump, ... matching the server version

status=0
"$@" || status=$?
exit "$status"
