# Sourced by the other scripts: the tools setup.sh installs, on PATH. cargo-leptos uses
# wasm-bindgen and wasm-opt from PATH before it would try to download them.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PWD/end2end/node_modules/.bin:$PATH"
