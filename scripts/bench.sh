#!/usr/bin/env bash
# Runs the benchmark: Parlor (SQLite FULL and NORMAL, PostgreSQL on one node, two nodes on
# PostgreSQL + Redis), a naive axum broadcaster, Node ws and Socket.IO, driven in turn by
# the same load generator on this machine. Prints Markdown
# tables and writes target/bench/results.json. See docs/benchmarks.md.
#
#   scripts/bench.sh            release builds, full scenarios (a few minutes)
#   scripts/bench.sh --smoke    debug builds, tiny scenarios: proves the harness works (CI)
#
# Other arguments go to the load generator (e.g. --scenarios p1,p3 --seconds 20).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

if [ ! -d bench/peers/node_modules/socket.io ] || [ bench/peers/package-lock.json -nt bench/peers/node_modules/.package-lock.json ]; then
  echo "[bench] installing the Node peers (ws, socket.io) into bench/peers"
  (cd bench/peers && npm ci --no-audit --no-fund)
fi

# PostgreSQL and Redis for the PostgreSQL and two-node runs (left running).
services=$(scripts/services.sh start)
eval "$services"

profile=release
flags=(--release)
if [ "${1:-}" = "--smoke" ]; then
  profile=debug
  flags=()
fi
cargo build "${flags[@]}" --features ssr --bin parlor --example loadgen --example naive_broadcast
ulimit -n 20000 2>/dev/null || true
exec "target/$profile/examples/loadgen" \
  --parlor-bin "target/$profile/parlor" \
  --naive-bin "target/$profile/examples/naive_broadcast" \
  --peers bench/peers "$@"
