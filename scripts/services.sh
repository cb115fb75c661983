#!/usr/bin/env bash
# Real test services on loopback for the test suite: PostgreSQL 15 on 127.0.0.1:55432 and an
# S3-compatible moto server on 127.0.0.1:9100 (bucket `livegate-test`). Run as root (CI).
#   eval "$(./scripts/services.sh start)"   # idempotent; prints `export` lines on stdout
#   ./scripts/services.sh stop
# Diagnostics go to stderr. State lives in ${LIVEGATE_SERVICES_DIR:-$HOME/.cache/livegate/services}.
# PostgreSQL runs as user postgres, which must be able to traverse every parent of its
# data dir; /root is mode 700, so when postgres cannot reach $DIR/pg (the usual case for root) the
# cluster goes to /var/tmp/livegate-services/pg instead (persistent, unlike a tmpfs /tmp).
set -euo pipefail

DIR="${LIVEGATE_SERVICES_DIR:-$HOME/.cache/livegate/services}"
PGBIN=/usr/lib/postgresql/15/bin
PG_PORT=55432
S3_PORT=9100
BUCKET=livegate-test
MOTO_VERSION=5.2.1 # pinned for installs; any already-installed moto with server extras is used
DB=livegate_test

log() { echo "services: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
as_pg() { runuser -u postgres -- "$@"; }
s3_up() { curl -s -o /dev/null -m 2 "http://127.0.0.1:$S3_PORT/"; }

mkdir -p "$DIR"
MOTO_PID="$DIR/moto.pid"
PG="$DIR/pg"
# Where the cluster lives (needs the postgres user, so only after any install).
pg_dir() {
  if id postgres >/dev/null 2>&1 && ! as_pg test -x "$DIR"; then PG=/var/tmp/livegate-services/pg; fi
}

start_pg() {
  if [ ! -x "$PGBIN/pg_ctl" ]; then
    log "installing postgresql-15 (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || true
    apt-get install -y -qq postgresql-15 >/dev/null || apt-get install -y -qq postgresql-15 >/dev/null ||
      die "apt-get install postgresql-15 failed"
  fi
  pg_dir
  if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    log "postgres already running on :$PG_PORT"
  else
    mkdir -p "$PG/data" "$PG/run"
    chown -R postgres:postgres "$PG"
    chmod 700 "$PG/data"
    if [ ! -s "$PG/data/PG_VERSION" ]; then
      log "initdb $PG/data"
      as_pg "$PGBIN/initdb" -D "$PG/data" -U postgres --auth=trust -E UTF8 --no-sync >"$PG/run/initdb.log" 2>&1 ||
        { cat "$PG/run/initdb.log" >&2; die "initdb failed"; }
    fi
    # A postmaster.pid left by a crash or a previous boot: drop it unless its pid is a live postmaster
    # of this data dir (after a reboot the pid may belong to another process, and postgres would
    # then refuse to start).
    if [ -f "$PG/data/postmaster.pid" ]; then
      pid=$(head -n1 "$PG/data/postmaster.pid")
      if [[ "$(ps -o args= -p "$pid" 2>/dev/null || true)" != *"-D $PG/data"* ]]; then
        log "removing stale postmaster.pid (pid $pid)"
        rm -f "$PG/data/postmaster.pid" "$PG/run/.s.PGSQL.$PG_PORT" "$PG/run/.s.PGSQL.$PG_PORT.lock"
      fi
    fi
    log "starting postgres on 127.0.0.1:$PG_PORT (log $PG/run/pg.log)"
    as_pg "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/run/pg.log" -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG/run -c fsync=off" -w start >&2 ||
      { tail -n 20 "$PG/run/pg.log" >&2 || true; die "postgres did not start"; }
  fi
  local psql=("$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qtAX -v ON_ERROR_STOP=1)
  if [ "$("${psql[@]}" -c "select 1 from pg_database where datname = '$DB'")" != 1 ]; then
    log "creating database $DB"
    "${psql[@]}" -c "create database $DB" >&2 || die "could not create database $DB"
  fi
}

start_s3() {
  if s3_up; then
    log "s3 (moto) already answering on :$S3_PORT"
  else
    # `python3 -m moto.server` rather than the moto_server script: with pyenv a freshly installed
    # console script has no shim until `pyenv rehash`.
    if ! python3 -c 'import moto.server' >/dev/null 2>&1; then
      log "installing moto[server]==$MOTO_VERSION (pip)"
      python3 -m pip install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" 2>&1 |
        grep -v "running pip as the 'root' user" >&2 || true
      python3 -c 'import moto.server' 2>/dev/null || die "moto[server] install failed"
    fi
    log "starting moto on 127.0.0.1:$S3_PORT (log $DIR/moto.log)"
    nohup python3 -m moto.server -H 127.0.0.1 -p "$S3_PORT" >"$DIR/moto.log" 2>&1 </dev/null &
    echo $! >"$MOTO_PID"
    for _ in $(seq 60); do
      s3_up && break
      kill -0 "$(cat "$MOTO_PID")" 2>/dev/null || { tail -n 20 "$DIR/moto.log" >&2; die "moto exited"; }
      sleep 0.5
    done
    s3_up || { tail -n 20 "$DIR/moto.log" >&2; die "moto did not answer on :$S3_PORT within 30 s"; }
  fi
  # moto keeps state in memory, so (re)create the bucket every time; 200, or 409 if it exists.
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "http://127.0.0.1:$S3_PORT/$BUCKET")
  case "$code" in 200 | 409) ;; *) die "creating bucket $BUCKET failed (HTTP $code)" ;; esac
}

stop_all() {
  pg_dir
  if [ -f "$PG/data/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$PG/data" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$PG/data" -m fast -w stop >&2
  else
    log "postgres not running"
  fi
  if [ -f "$MOTO_PID" ] && kill "$(cat "$MOTO_PID")" 2>/dev/null; then
    log "moto stopped"
  else
    log "moto not running (from $MOTO_PID)"
  fi
  rm -f "$MOTO_PID"
}

case "${1:-}" in
start)
  start_pg
  start_s3
  echo "export LIVEGATE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/$DB"
  echo "export LIVEGATE_TEST_S3_URL=s3://$BUCKET"
  echo "export AWS_ENDPOINT=http://127.0.0.1:$S3_PORT AWS_ALLOW_HTTP=true AWS_ACCESS_KEY_ID=test" \
    "AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1"
  ;;
stop) stop_all ;;
*) die "usage: $0 start|stop" ;;
esac
