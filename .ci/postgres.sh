#!/usr/bin/env bash
# Make sure a throwaway PostgreSQL server runs on 127.0.0.1 for the tests, then print
#   TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/impact_test
# as the last line of stdout (progress goes to stderr). Safe to run again: reuses a running server.
# Installs Debian's postgresql package when no server binaries are found. Never run in production.
set -euo pipefail

PGDIR="${IMPACT_PGDIR:-/tmp/impact-ci-postgres}"  # outside the clone: the server's user must reach it
DATA="$PGDIR/data"
DBNAME="impact_test"
log() { echo "postgres.sh: $*" >&2; }

find_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
    done
    if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
        dirname "$(command -v pg_ctl)"; return 0
    fi
    return 1
}

BIN="$(find_bin || true)"
if [ -z "$BIN" ]; then
    log "installing postgresql with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null >&2
    apt-get install -y -qq postgresql </dev/null >&2
    BIN="$(find_bin)"
fi

# root cannot run postgres: run the server as the postgres system user (made if missing).
as_owner() { "$@"; }
if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$PGDIR" --shell /usr/sbin/nologin postgres
    as_owner() { runuser -u postgres -- "$@"; }
fi

mkdir -p "$PGDIR"
[ "$(id -u)" = "0" ] && chown postgres "$PGDIR"
chmod 700 "$PGDIR"

if [ ! -s "$DATA/PG_VERSION" ]; then
    log "initdb in $DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null 2>&1 \
        || as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --no-locale >&2
fi

port_is_ours() { [ -f "$PGDIR/port" ] && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$(cat "$PGDIR/port")"; }

if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 || ! port_is_ours; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    echo "$PORT" > "$PGDIR/port"
    log "starting on 127.0.0.1:$PORT"
    # Sockets in the data folder: /var/run/postgresql may not exist or be writable.
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$PGDIR/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $PORT -k $PGDIR -c fsync=off -c synchronous_commit=off -c max_connections=200" \
        start >&2
fi
PORT="$(cat "$PGDIR/port")"

if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'" | grep -q 1; then
    "$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE $DBNAME" >&2
fi

echo "TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/$DBNAME"
