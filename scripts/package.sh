#!/usr/bin/env bash
# Store-ready packages of the extension, from the production builds of extension/build.sh, into out/packages/:
#   ebid-extension-<v>-chrome.zip           Chrome Web Store / Edge Add-ons: no "key", no loopback, no test files
#   ebid-extension-<v>-firefox.xpi          addons.mozilla.org (unsigned; AMO signs it), checked with `web-ext lint`
#   ebid-extension-<v>-firefox-selfhosted.xpi  the same with gecko.update_url → <base>/updates.json (sign it as
#                                           "unlisted" on AMO before deploying it from your own server)
#   update.xml, updates.json                self-hosted update manifests (manifests/update/*.in filled in)
# <v> is the workspace version (Cargo.toml); <base> is $EBID_UPDATE_BASE_URL
# (default https://intranet.example.jp/ebid-renewal). Then it checks the store zip and lints the xpi; any
# failure (a key, a loopback permission, a test file, a web-ext lint error) exits non-zero.
# Usage: scripts/package.sh [--no-build]   (--no-build: out/extension/ is already built)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
say() { printf '[package.sh] %s\n' "$*"; }

[ "${1:-}" = "--no-build" ] || extension/build.sh

ext="$root/out/extension"
dist="$root/out/packages"
base_url="${EBID_UPDATE_BASE_URL:-https://intranet.example.jp/ebid-renewal}"
base_url="${base_url%/}"
version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$ext/chrome/manifest.json")"
rm -rf "$dist"
mkdir -p "$dist"

# zip_dir DIR ZIP [MANIFEST-EDIT]: a reproducible zip (sorted names, fixed times) of DIR with its manifest edited.
zip_dir() {
  python3 - "$@" <<'PY'
import json, os, sys, zipfile
src, target, edit = sys.argv[1], sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else "")
files = sorted(os.path.relpath(os.path.join(d, f), src) for d, _, fs in os.walk(src) for f in fs)
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for name in files:
        data = open(os.path.join(src, name), "rb").read()
        if name == "manifest.json":
            manifest = json.loads(data)
            if edit == "store":
                manifest.pop("key", None)
            elif edit.startswith("update_url="):
                manifest["browser_specific_settings"]["gecko"]["update_url"] = edit.split("=", 1)[1]
            data = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
        info = zipfile.ZipInfo(name.replace(os.sep, "/"), date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
PY
}

zip="$dist/ebid-extension-$version-chrome.zip"
xpi="$dist/ebid-extension-$version-firefox.xpi"
zip_dir "$ext/chrome" "$zip" store
zip_dir "$ext/firefox" "$xpi"
zip_dir "$ext/firefox" "$dist/ebid-extension-$version-firefox-selfhosted.xpi" "update_url=$base_url/updates.json"
for f in update.xml updates.json; do
  sed -e "s|@VERSION@|$version|g" -e "s|@BASE_URL@|$base_url|g" "manifests/update/$f.in" >"$dist/$f"
done
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$dist/updates.json"

say "store check: $zip"
python3 - "$zip" "$xpi" "$ext" "$version" <<'PY'
import hashlib, json, re, sys, zipfile
store_zip, xpi, ext, version = sys.argv[1:5]
loopback = re.compile(r"127\.0\.0\.1|localhost|\[::1\]|^http://|^\*://")
test_only = re.compile(r"(^|/)(tests?|pkg-test|node_modules)(/|$)|\.test\.|\.map$|(^|/)\.|fake", re.I)
problems = []
def check(path, label, store):
    z = zipfile.ZipFile(path)
    names = z.namelist()
    manifest = json.loads(z.read("manifest.json"))
    if store and "key" in manifest:
        problems.append(f"{label}: manifest has a key")
    if manifest.get("version") != version:
        problems.append(f"{label}: version {manifest.get('version')} is not the workspace version {version}")
    patterns = list(manifest.get("host_permissions", [])) + list(manifest.get("optional_host_permissions", []))
    for script in manifest.get("content_scripts", []):
        patterns += script.get("matches", [])
    for war in manifest.get("web_accessible_resources", []):
        patterns += war.get("matches", []) if isinstance(war, dict) else []
    patterns += [p for p in manifest.get("permissions", []) if "/" in p]
    problems.extend(f"{label}: loopback or plain-http permission {p}" for p in patterns if loopback.search(p))
    problems.extend(f"{label}: test-only file {n}" for n in names if test_only.search(n))
    wasm = hashlib.sha256(z.read("pkg/ebid_extension_bg.wasm")).hexdigest()
    production = hashlib.sha256(open(f"{ext}/pkg/ebid_extension_bg.wasm", "rb").read()).hexdigest()
    if wasm != production:
        problems.append(f"{label}: the wasm is not the production core (test build?)")
    print(f"  {label}: {len(names)} files, no key={'key' not in manifest}, host permissions {manifest.get('host_permissions')}")
check(store_zip, "store zip", True)
check(xpi, "xpi", False)
if problems:
    print("\n".join("  FAIL " + p for p in problems))
    sys.exit(1)
print("  ok")
PY

webext="$root/extension/node_modules/.bin/web-ext"
[ -x "$webext" ] || { say "web-ext missing: (cd extension && npm ci)" >&2; exit 1; }
say "web-ext lint: $xpi"
lint_dir="$(mktemp -d)"
trap 'rm -rf "$lint_dir"' EXIT
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$xpi" "$lint_dir"
lint_rc=0
"$webext" lint --source-dir "$lint_dir" --output json --no-config-discovery >"$dist/web-ext-lint.json" || lint_rc=$?
python3 - "$dist/web-ext-lint.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
for kind in ("errors", "warnings", "notices"):
    for m in report.get(kind, []):
        print(f"  {kind[:-1]}: {m.get('code')} {m.get('file') or ''}: {m.get('message')}")
print("  summary:", report.get("summary"))
sys.exit(1 if report.get("summary", {}).get("errors", 1) else 0)
PY
[ "$lint_rc" = 0 ] || { say "web-ext lint failed (exit $lint_rc)" >&2; exit 1; }
say "packages in $dist:"
ls -l "$dist"
