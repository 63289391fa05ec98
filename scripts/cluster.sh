#!/usr/bin/env bash
# A local cluster: PostgreSQL and Redis from Debian's packages (scripts/services.sh, under
# target/services), two Parlor nodes on 127.0.0.1:3001 and :3002, and nginx on
# http://127.0.0.1:3000 in front of them with deploy/nginx.conf. Builds the release server
# and site first. Ctrl-C stops the nodes and nginx (`scripts/services.sh stop` stops
# PostgreSQL and Redis). See docs/scaling.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
services=$(scripts/services.sh start)
eval "$services"

say() { printf '\033[1m[cluster]\033[0m %s\n' "$*"; }

cargo build --release --features ssr --bin parlor
scripts/build-site.sh --release

# The cluster's database, kept across runs.
database=parlor_cluster
if ! psql "$TEST_POSTGRES_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
  psql "$TEST_POSTGRES_URL" -qc "CREATE DATABASE $database"
fi
database_url="${TEST_POSTGRES_URL%/*}/$database"

run_dir="$SERVICES_DIR/cluster"
mkdir -p "$run_dir"
pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null
}
trap stop EXIT
trap 'exit 130' INT TERM

for node in a b; do
  port=$([ "$node" = a ] && echo 3001 || echo 3002)
  metrics=$([ "$node" = a ] && echo 9465 || echo 9466)
  PARLOR_LISTEN="127.0.0.1:$port" PARLOR_METRICS_LISTEN="127.0.0.1:$metrics" \
    PARLOR_DATABASE_URL="$database_url" PARLOR_REDIS_URL="$TEST_REDIS_URL" \
    PARLOR_NODE_ID="$node" PARLOR_TRUSTED_PROXIES="127.0.0.1" \
    target/release/parlor > "$run_dir/node-$node.log" 2>&1 &
  pids+=($!)
  say "node $node on http://127.0.0.1:$port (metrics and /readyz on 127.0.0.1:$metrics)"
done

sed -e 's/10\.0\.0\.11:3000/127.0.0.1:3001/' -e 's/10\.0\.0\.12:3000/127.0.0.1:3002/' \
    -e 's/listen 80;/listen 127.0.0.1:3000;/' deploy/nginx.conf > "$run_dir/parlor.conf"
cat > "$run_dir/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $run_dir/nginx.pid;
error_log $run_dir/nginx-error.log;
events {}
http {
  access_log off;
  client_body_temp_path $run_dir/body;
  proxy_temp_path $run_dir/proxy;
  fastcgi_temp_path $run_dir/fastcgi;
  uwsgi_temp_path $run_dir/uwsgi;
  scgi_temp_path $run_dir/scgi;
  include $run_dir/parlor.conf;
}
CONF
chmod -R a+rwX "$run_dir"
nginx -p "$run_dir" -c "$run_dir/nginx.conf" &
pids+=($!)
say "nginx on http://127.0.0.1:3000 -> both nodes (logs in $run_dir). Ctrl-C stops."
wait
