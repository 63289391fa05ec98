#!/usr/bin/env bash
# Builds Parlor (release) and serves it on the embedded default: SQLite under ./data/,
# http://127.0.0.1:3000. Settings: Leptos.toml, or PARLOR_* variables.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
# The release server and the release site (scripts/build-site.sh), as `cargo leptos serve
# --release` would build them, without needing cargo-leptos.
cargo build --release --features ssr --bin parlor
scripts/build-site.sh --release
exec target/release/parlor
