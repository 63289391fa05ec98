#!/usr/bin/env bash
# Builds Parlor (release) and serves it on the embedded default: SQLite under ./data/,
# http://127.0.0.1:3000. Settings: Leptos.toml, or PARLOR_* variables.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
exec cargo leptos serve --release
