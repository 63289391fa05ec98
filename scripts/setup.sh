#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Parlor needs, when it is missing.
# Idempotent, and quick once everything is there. Each step says what it installs and why.
#
#   scripts/setup.sh          what `make run` needs
#   scripts/setup.sh --test   and what `make test` needs
#   scripts/setup.sh --dev    and cargo-leptos, for `cargo leptos watch` (about 25 minutes, once)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
version_of() { "$@" 2>/dev/null | awk '{print $2}' || true; }

# The browser half compiles to WebAssembly.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the Rust target wasm32-unknown-unknown (the browser half)"
  rustup target add wasm32-unknown-unknown
fi

# cargo-leptos, only for the development loop (`cargo leptos watch`): `make run` and `make test`
# build the site with scripts/build-site.sh instead. 0.3.11 needs rustc 1.96; 0.3.10 builds
# on 1.95. A cold install takes 24-30 minutes on 2 cores; it is kept in ~/.cargo/bin.
CARGO_LEPTOS_VERSION=0.3.10
if [ "${1:-}" = "--dev" ] && [ "$(version_of cargo leptos --version)" != "$CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (one time; about 25 minutes on 2 cores)"
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
fi

# wasm-bindgen must match the wasm-bindgen crate in Cargo.lock exactly (cargo-leptos would
# otherwise try to download it from GitHub). Not --locked: one locked dependency of
# wasm-bindgen-cli 0.2.130 is no longer in the registry.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if [ "$(version_of wasm-bindgen --version)" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (matches Cargo.lock; about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# Playwright, and binaryen's wasm-opt (Debian's is too old), from npm into end2end/.
if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -d end2end/node_modules/@playwright/test ] \
   || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing Playwright and binaryen from npm (end2end/node_modules)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

if [ "${1:-}" = "--test" ]; then
  # The WebSocket conformance test (tests/conformance.rs) runs Autobahn's cases through
  # kosoku, from PyPI.
  KOSOKU_VERSION=0.1.0
  if ! python3 -m pip show kosoku 2>/dev/null | grep -qx "Version: $KOSOKU_VERSION"; then
    say "installing kosoku $KOSOKU_VERSION from PyPI (Autobahn's WebSocket conformance cases)"
    python3 -m pip install --quiet --disable-pip-version-check "kosoku==$KOSOKU_VERSION"
  fi

  # The end-to-end tests drive Debian's Chromium (Playwright cannot download browsers here).
  chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$chromium" ]; then
    say "installing Debian's chromium for the end-to-end tests"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
  if [ ! -x "$chromium" ]; then
    echo "error: no Chromium at $chromium; install Debian's chromium or set CHROMIUM_PATH" >&2
    exit 1
  fi
  # The UI spec moves stored message times in the SQLite file with Debian's sqlite3.
  if ! command -v sqlite3 >/dev/null; then
    say "installing Debian's sqlite3 for the end-to-end tests"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 || {
      $sudo apt-get update -qq
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3
    }
  fi
fi
