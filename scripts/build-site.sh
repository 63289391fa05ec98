#!/usr/bin/env bash
# Builds the browser half into target/site, as `cargo leptos build` does, without cargo-leptos
# (which takes 20+ minutes to install on 2 cores): the WASM build, wasm-bindgen, wasm-opt for
# release, the stylesheet and the public files. The names are the ones the server's
# hydration script loads: /pkg/parlor.js, /pkg/parlor.wasm, /pkg/parlor.css.
#
#   scripts/build-site.sh            debug (what `make test` serves)
#   scripts/build-site.sh --release  release (what `make run` serves): profile wasm-release, wasm-opt -Oz
#
# `cargo leptos watch` and `cargo leptos serve` (scripts/setup.sh --dev) still work and
# write the same files; both use target/front, so neither rebuilds the other's work.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

profile=debug
profile_args=()
if [ "${1:-}" = "--release" ]; then
  profile=wasm-release
  profile_args=(--profile wasm-release)
fi

cargo build --package=parlor --lib --target-dir=target/front --target=wasm32-unknown-unknown \
  --no-default-features --features=hydrate "${profile_args[@]}"

site=target/site
pkg="$site/pkg"
mkdir -p "$pkg"
wasm-bindgen --target=web --out-name=parlor --out-dir="$pkg" \
  "target/front/wasm32-unknown-unknown/$profile/parlor.wasm"
mv "$pkg/parlor_bg.wasm" "$pkg/parlor.wasm"
if [ "$profile" = wasm-release ]; then
  # The features rustc 1.95 emits for wasm32, as cargo-leptos enables them.
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$pkg/parlor.wasm" -o "$pkg/parlor.wasm"
fi
cp style/main.css "$pkg/parlor.css"
cp -R public/. "$site/"
echo "site built in $site ($profile): $(du -sh "$pkg/parlor.wasm" | cut -f1) of WASM"
