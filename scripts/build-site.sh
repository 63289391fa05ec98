#!/usr/bin/env bash
# Builds the browser half into target/site, as `cargo leptos build` does, without cargo-leptos
# (which takes 20+ minutes to install on 2 cores): the WASM build, wasm-bindgen, wasm-opt for
# release, the stylesheet and the public files. Then each file is named after the content of
# the three (/pkg/parlor.<hash>.js, .wasm, .css), the name is written in target/site/assets.txt
# (the server reads it at start and serves these names with a year-long, immutable cache),
# and a brotli (.br) and a gzip (.gz) copy is put beside each file (the server sends the one
# the browser accepts). See src/server/http/assets.rs.
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

# Content-hashed names; the previous build's files go.
hash=$(cat "$pkg/parlor.js" "$pkg/parlor.wasm" "$pkg/parlor.css" | sha256sum | cut -c1-16)
stem="parlor.$hash"
find "$pkg" -maxdepth 1 -name 'parlor.*' ! -name 'parlor.js' ! -name 'parlor.wasm' ! -name 'parlor.css' \
  ! -name 'parlor.d.ts' -delete
for ext in js wasm css; do
  mv "$pkg/parlor.$ext" "$pkg/$stem.$ext"
done
rm -f "$pkg/parlor.d.ts" "$pkg/parlor_bg.wasm.d.ts"

# Precompressed copies (Node's zlib: brotli at its best for release, quicker for debug).
quality=5
[ "$profile" = wasm-release ] && quality=11
node -e '
const fs = require("fs"), zlib = require("zlib");
const [quality, ...files] = process.argv.slice(1);
for (const file of files) {
  const raw = fs.readFileSync(file);
  fs.writeFileSync(file + ".br", zlib.brotliCompressSync(raw, { params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: Number(quality),
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }));
  fs.writeFileSync(file + ".gz", zlib.gzipSync(raw, { level: 9 }));
}' "$quality" "$pkg/$stem.js" "$pkg/$stem.wasm" "$pkg/$stem.css"
echo "$stem" > "$site/assets.txt"
wasm="$pkg/$stem.wasm"
echo "site built in $site ($profile): $stem, $(stat -c %s "$wasm") bytes of WASM, $(stat -c %s "$wasm.br") with brotli"
