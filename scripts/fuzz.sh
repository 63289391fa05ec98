#!/usr/bin/env bash
# Fuzzes the client-frame decoder with libFuzzer (cargo fuzz, on stable through
# RUSTC_BOOTSTRAP=1), then minimises the corpus so it can be committed.
#   scripts/fuzz.sh [seconds]    (default 600)
# New inputs land in fuzz/corpus/client_frame; tests/fuzz_corpus.rs replays them, and the
# seeds in fuzz/seeds/client_frame, in every `cargo test`. A crash is saved under
# fuzz/artifacts/client_frame and the run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
seconds="${1:-600}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "[fuzz] installing cargo-fuzz (one time; about 3 minutes)"
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz run client_frame fuzz/corpus/client_frame fuzz/seeds/client_frame -- \
  -max_total_time="$seconds" -max_len=4096 -print_final_stats=1
cargo fuzz cmin client_frame fuzz/corpus/client_frame
