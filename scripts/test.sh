#!/usr/bin/env bash
# Runs every check and test: format, clippy for both halves, unit and integration tests
# (real SQLite files, a real PostgreSQL and Redis, real sockets on 127.0.0.1:0), then the
# site build and Playwright in Chromium. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
. scripts/env.sh
# PostgreSQL and Redis for the second backend and the multi-node tests; stopped at the end.
services=$(scripts/services.sh start)
eval "$services"
trap 'scripts/services.sh stop' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$SECONDS

step "format"
cargo fmt --all -- --check

step "clippy: server half (ssr, host)"
cargo clippy --features ssr --all-targets -- -D warnings

step "clippy: browser half (hydrate, wasm32)"
cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "unit and integration tests (this also builds target/debug/parlor for end-to-end)"
cargo test --features ssr

step "HTTP fuzz: malformed calls of every server function, 15 s (examples/http_fuzz)"
target/debug/examples/http_fuzz --seconds 15

step "abuse: every attack of the security review while ten people chat, 3 s each (examples/abuse)"
target/debug/examples/abuse --seconds 3

step "benchmark smoke (the load generator against every server, a few seconds)"
scripts/bench.sh --smoke --json target/bench/smoke.json

step "soak: two minutes of churn and messaging against the server (examples/soak.rs)"
target/debug/examples/soak --seconds 120 --settle 30 --every 15

step "build the browser half (scripts/build-site.sh)"
scripts/build-site.sh

step "end-to-end: Playwright in Chromium"
(cd end2end && npx playwright test)

step "all tests passed in $((SECONDS - started)) s"
