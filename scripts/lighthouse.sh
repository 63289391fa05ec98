#!/usr/bin/env bash
# Lighthouse's mobile preset on the release build: the sign-in page and a signed-in room,
# three runs each, printed as a table (docs/benchmarks.md keeps the figures).
#
#   scripts/lighthouse.sh            builds the release site and server first
#   RUNS=5 scripts/lighthouse.sh     more runs per page
#
# Lighthouse (npm, about 200 packages) goes into target/lighthouse, not into the tests'
# dependencies. Chromium is Debian's (CHROMIUM_PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh

LIGHTHOUSE_VERSION=12.8.2
lh=target/lighthouse
if [ ! -f "$lh/node_modules/lighthouse/package.json" ] \
   || ! grep -q "\"version\": \"$LIGHTHOUSE_VERSION\"" "$lh/node_modules/lighthouse/package.json"; then
  echo "[lighthouse] installing lighthouse $LIGHTHOUSE_VERSION from npm into $lh"
  mkdir -p "$lh"
  (cd "$lh" && npm install --no-audit --no-fund --no-save "lighthouse@$LIGHTHOUSE_VERSION" >/dev/null)
fi

cargo build --release --features ssr --bin parlor
scripts/build-site.sh --release

data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
PARLOR_LISTEN="127.0.0.1:$port" PARLOR_DATABASE_URL="sqlite://$data/parlor.db" \
  PARLOR_METRICS_LISTEN=127.0.0.1:0 target/release/parlor >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
(cd end2end && node tools/lighthouse.mjs "http://127.0.0.1:$port" "../$lh/node_modules/lighthouse/cli/index.js")
