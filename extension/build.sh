#!/usr/bin/env bash
# Builds the extension: Rust → wasm (profile wasm-release), wasm-bindgen --target web, then assembles
#   out/extension/chrome/   (manifest.json: MV3 service worker, fixed ID via "key")
#   out/extension/firefox/  (manifest.firefox.json: background scripts, gecko id)
# Idempotent: installs the wasm target and the exact wasm-bindgen CLI only when missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$root/out/extension"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
wasm="$target_dir/wasm32-unknown-unknown/wasm-release/ebid_extension.wasm"

say() { printf '[build.sh] %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate in Cargo.lock exactly, or the glue and the module disagree.
wanted="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")"
if [ -z "$wanted" ]; then
  say "wasm-bindgen not found in Cargo.lock" >&2
  exit 1
fi
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have" != "$wanted" ]; then
  say "installing wasm-bindgen-cli $wanted (found: ${have:-none})"
  # Without --locked: the locked build fails with this toolchain.
  cargo install wasm-bindgen-cli --version "$wanted"
fi

say "cargo build (wasm-release)"
(cd "$root" && cargo build -p ebid-extension --target wasm32-unknown-unknown --profile wasm-release)

pkg="$out/pkg"
rm -rf "$pkg"
mkdir -p "$pkg"
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$pkg" "$wasm"

# Optional: npm binaryen's wasm-opt (Debian's binaryen 108 breaks externref modules, so only npm's is used).
wasm_opt=""
for candidate in "$here/node_modules/.bin/wasm-opt" "$root/tests/e2e/node_modules/.bin/wasm-opt"; do
  if [ -x "$candidate" ]; then wasm_opt="$candidate"; break; fi
done
if [ -n "$wasm_opt" ]; then
  say "wasm-opt -Oz ($wasm_opt)"
  "$wasm_opt" -Oz --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals \
    "$pkg/ebid_extension_bg.wasm" -o "$pkg/ebid_extension_bg.opt.wasm"
  mv "$pkg/ebid_extension_bg.opt.wasm" "$pkg/ebid_extension_bg.wasm"
else
  say "wasm-opt not found (optional: npm install binaryen in extension/)"
fi

assemble() {
  local browser="$1" manifest="$2" dir="$out/$1"
  rm -rf "$dir"
  mkdir -p "$dir/pkg"
  cp -R "$here/static/." "$dir/"
  cp "$here/managed_schema.json" "$dir/"
  cp "$here/$manifest" "$dir/manifest.json"
  cp "$pkg/ebid_extension.js" "$pkg/ebid_extension_bg.wasm" "$dir/pkg/"
  say "$browser: $dir"
}
assemble chrome manifest.json
assemble firefox manifest.firefox.json

raw=$(wc -c <"$pkg/ebid_extension_bg.wasm")
gz=$(gzip -9 -c "$pkg/ebid_extension_bg.wasm" | wc -c)
say "wasm size: $raw bytes raw, $gz bytes gzip"
