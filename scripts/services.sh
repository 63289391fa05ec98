#!/usr/bin/env bash
# PostgreSQL 15 and Redis 7 from Debian's packages (and nginx, which tests/proxy.rs and
# scripts/cluster.sh run themselves), for the tests and the local cluster:
# each in a folder of its own under $SERVICES_DIR (default target/services), on
# 127.0.0.1, started by this script (PostgreSQL as Debian's `postgres` user when run as
# root, since it refuses to run as root).
#
#   eval "$(scripts/services.sh start)"   starts both (if not running) and prints the exports
#   scripts/services.sh stop              stops both (PostgreSQL with -m fast)
#   scripts/services.sh env               prints the exports only
#
# The exports: TEST_POSTGRES_URL (a server where the user may create databases),
# TEST_REDIS_URL, and SERVICES_DIR. (Not PARLOR_*: a node would warn of each as a setting
# it does not know.) SERVICES_PG_PORT and SERVICES_REDIS_PORT choose the first ports to
# try (55432 and 56379). A port that another program holds (another checkout's services, a
# system PostgreSQL) is skipped for the next free one, and the ports this folder's services
# run on are kept in $SERVICES_DIR/ports, so that `env` and `stop` find them again.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN=/usr/lib/postgresql/15/bin
ROOT="${SERVICES_DIR:-$PWD/target/services}"
PG_DATA="$ROOT/pg"
PORTS_FILE="$ROOT/ports"
PG_PORT="${SERVICES_PG_PORT:-55432}"
REDIS_PORT="${SERVICES_REDIS_PORT:-56379}"
# The ports this folder's services were started on, unless the caller chose.
if [ -z "${SERVICES_PG_PORT:-}" ] && [ -z "${SERVICES_REDIS_PORT:-}" ] && [ -s "$PORTS_FILE" ]; then
  # shellcheck disable=SC1090
  . "$PORTS_FILE"
fi

say() { printf '\033[1m[services]\033[0m %s\n' "$*" >&2; }

# Commands PostgreSQL runs as its own user when we are root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install() {
  if [ -x "$PG_BIN/initdb" ] && command -v redis-server >/dev/null && command -v nginx >/dev/null; then
    return
  fi
  say "installing Debian's postgresql, redis-server and nginx-light (the multi-node store, bus and proxy)"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  # On stderr: what this script prints on stdout is evaluated as exports.
  $sudo apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server nginx-light >&2
}

# Whether something listens on 127.0.0.1:$1 (bash's /dev/tcp: no extra tool needed).
port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The first port from $1 on that nothing listens on.
free_port() {
  local port=$1
  for _ in $(seq 100); do
    if ! port_taken "$port"; then echo "$port"; return; fi
    port=$((port + 1))
  done
  echo "error: no free port from $1 to $port on 127.0.0.1" >&2
  exit 1
}

save_ports() {
  mkdir -p "$ROOT"
  printf 'PG_PORT=%s\nREDIS_PORT=%s\n' "$PG_PORT" "$REDIS_PORT" > "$PORTS_FILE"
}

# Whether the Redis on $REDIS_PORT is this folder's (its working directory is ours).
our_redis() {
  [ "$(redis-cli -p "$REDIS_PORT" config get dir 2>/dev/null | sed -n 2p)" = "$ROOT/redis" ]
}

exports() {
  cat <<EOF
export TEST_POSTGRES_URL=postgres://parlor@127.0.0.1:$PG_PORT/postgres
export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export SERVICES_PG_PORT=$PG_PORT
export SERVICES_REDIS_PORT=$REDIS_PORT
export SERVICES_DIR="$ROOT"
EOF
}

start_postgres() {
  mkdir -p "$ROOT"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$ROOT"; chmod 755 "$ROOT"; fi
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    say "creating a PostgreSQL cluster in $PG_DATA (UTF-8, locale C.UTF-8)"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U parlor --encoding=UTF8 \
      --locale=C.UTF-8 >/dev/null
  fi
  if as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then return; fi
  local wanted=$PG_PORT
  PG_PORT=$(free_port "$PG_PORT")
  if [ "$PG_PORT" != "$wanted" ]; then say "port $wanted is taken: PostgreSQL gets $PG_PORT"; fi
  say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -l "$ROOT/pg.log" \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$ROOT \
        -c max_connections=400 -c fsync=on" start >/dev/null; then
    echo "error: PostgreSQL did not start; the end of $ROOT/pg.log:" >&2
    tail -n 20 "$ROOT/pg.log" >&2 || true
    exit 1
  fi
  save_ports
}

start_redis() {
  if our_redis; then return; fi
  local wanted=$REDIS_PORT
  REDIS_PORT=$(free_port "$REDIS_PORT")
  if [ "$REDIS_PORT" != "$wanted" ]; then say "port $wanted is taken: Redis gets $REDIS_PORT"; fi
  save_ports
  say "starting Redis on 127.0.0.1:$REDIS_PORT"
  mkdir -p "$ROOT/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$ROOT/redis" --daemonize yes --logfile "$ROOT/redis.log"
  for _ in $(seq 50); do
    if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return; fi
    sleep 0.1
  done
  echo "error: Redis did not answer on port $REDIS_PORT (see $ROOT/redis.log)" >&2
  exit 1
}

case "${1:-start}" in
  start)
    install
    start_postgres
    start_redis
    exports
    ;;
  stop)
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
    # Only this folder's Redis: another checkout's may answer on the same port.
    if our_redis; then redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; fi
    ;;
  env)
    exports
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
