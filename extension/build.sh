#!/usr/bin/env bash
# Builds the extension: Rust → wasm (profile wasm-release), wasm-bindgen --target web, then assembles
#   out/extension/chrome/   (manifest.json: MV3 service worker, fixed ID via "key")
#   out/extension/firefox/  (manifest.firefox.json: background scripts, gecko id)
# and the test builds the browser tests load (loopback portal origins, devPortalOrigins switch):
#   out/extension/chrome-test/, out/extension/firefox-test/
# Idempotent: installs the wasm target and the exact wasm-bindgen CLI only when missing.
# The version written into every built manifest is the workspace version (root Cargo.toml, [workspace.package]) —
# the one the host reports too; the source manifests must carry the same number (checked here).
# The icons (icons/icon-{16,32,48,128}.png) are rendered from extension/icons/icon.svg with rsvg-convert
# (Debian librsvg2-bin).
# Store packages (zip, xpi) and the self-hosted update manifests: scripts/package.sh, after this.
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

# One wasm per build kind: the production core serves https portal origins only; the test core (cargo feature
# test-build) also serves loopback origins and the devPortalOrigins switch, for the replica portal.
build_wasm() {
  local kind="$1" pkg="$2"
  local features=()
  [ "$kind" = test ] && features=(--features test-build)
  say "cargo build (wasm-release, $kind)"
  (cd "$root" && cargo build -p ebid-extension --target wasm32-unknown-unknown --profile wasm-release "${features[@]}")
  rm -rf "$pkg"
  mkdir -p "$pkg"
  wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$pkg" "$wasm"
  if [ -n "$wasm_opt" ]; then
    say "wasm-opt -Oz ($wasm_opt)"
    "$wasm_opt" -Oz --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals \
      "$pkg/ebid_extension_bg.wasm" -o "$pkg/ebid_extension_bg.opt.wasm"
    mv "$pkg/ebid_extension_bg.opt.wasm" "$pkg/ebid_extension_bg.wasm"
  fi
}

# Optional: npm binaryen's wasm-opt (Debian's binaryen 108 breaks externref modules, so only npm's is used).
wasm_opt=""
for candidate in "$here/node_modules/.bin/wasm-opt" "$root/tests/e2e/node_modules/.bin/wasm-opt"; do
  if [ -x "$candidate" ]; then wasm_opt="$candidate"; break; fi
done
[ -n "$wasm_opt" ] || say "wasm-opt not found (optional: npm install binaryen in extension/)"

version="$(awk '/^\[workspace.package\]/ { inside = 1; next } /^\[/ { inside = 0 }
  inside && /^version *=/ { gsub(/version *= *|"/, ""); print; exit }' "$root/Cargo.toml")"
[ -n "$version" ] || { say "no version in [workspace.package] of Cargo.toml" >&2; exit 1; }
say "version $version (workspace)"

# Icons: one SVG, every size the browsers and stores ask for.
command -v rsvg-convert >/dev/null || { say "rsvg-convert missing: apt-get install librsvg2-bin (scripts/setup.sh)" >&2; exit 1; }
icons="$out/icons"
rm -rf "$icons"
mkdir -p "$icons"
for size in 16 32 48 128; do
  rsvg-convert -w "$size" -h "$size" "$here/icons/icon.svg" -o "$icons/icon-$size.png"
done

pkg="$out/pkg"
test_pkg="$out/pkg-test"
build_wasm test "$test_pkg"
build_wasm production "$pkg"

# assemble BROWSER-DIR MANIFEST PKG [LOOPBACK]: LOOPBACK adds the replica portal's host permissions (test build).
assemble() {
  local name="$1" manifest="$2" from="$3" loopback="${4:-}" dir="$out/$1"
  rm -rf "$dir"
  mkdir -p "$dir/pkg"
  cp -R "$here/static/." "$dir/"
  cp "$here/managed_schema.json" "$dir/"
  cp -R "$icons" "$dir/icons"
  python3 - "$here/$manifest" "$dir/manifest.json" "$version" "$loopback" <<'PY'
import json, sys
source, target, version, loopback = sys.argv[1:5]
manifest = json.load(open(source, encoding="utf-8"))
if manifest["version"] != version:
    sys.exit(f"{source}: version {manifest['version']} differs from the workspace version {version} (Cargo.toml)")
manifest["version"] = version
if loopback:
    manifest["host_permissions"] += ["http://127.0.0.1/*", "http://localhost/*"]
json.dump(manifest, open(target, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
PY
  cp "$from/ebid_extension.js" "$from/ebid_extension_bg.wasm" "$dir/pkg/"
  say "$name: $dir"
}
assemble chrome manifest.json "$pkg"
assemble firefox manifest.firefox.json "$pkg"
assemble chrome-test manifest.json "$test_pkg" loopback
assemble firefox-test manifest.firefox.json "$test_pkg" loopback

raw=$(wc -c <"$pkg/ebid_extension_bg.wasm")
gz=$(gzip -9 -c "$pkg/ebid_extension_bg.wasm" | wc -c)
say "wasm size: $raw bytes raw, $gz bytes gzip"
