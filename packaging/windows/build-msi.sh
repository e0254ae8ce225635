#!/usr/bin/env bash
# Builds the Windows installer on Linux: a per-machine 64-bit MSI (packaging/windows/ebid-host.wxs, wixl from the
# Debian package wixl) with ebid-host.exe (cross-built with mingw), the four host manifests and the HKLM keys that
# point Chrome, Chromium, Edge and Firefox at them.
#
#   packaging/windows/build-msi.sh [--profile release|dev] [--out DIR]     (default: release, out/windows)
#
# The manifests are not copied from a template: the host itself writes them (its Linux build, laying out the
# Windows system scope under a scratch root, exactly as `ebid-host.exe install --system --browser all` would on the
# machine), and the registry keys it would set are checked against the .wxs, so the package cannot drift from the
# code. The version is the workspace version (Cargo.toml); the ProductCode is derived from it (one per version,
# printed here, for uninstall commands and detection rules); the UpgradeCode never changes.
set -euo pipefail
cd "$(dirname "$0")/../.."

profile=release
out=out/windows
while [ $# -gt 0 ]; do
    case "$1" in
        --profile) profile=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--profile release|dev] [--out DIR]" >&2; exit 2 ;;
    esac
done

fail() {
    echo "build-msi.sh: $*" >&2
    exit 1
}
command -v wixl >/dev/null || fail "needs wixl (apt install wixl)"
command -v x86_64-w64-mingw32-gcc >/dev/null || fail "needs the mingw linker (apt install gcc-mingw-w64-x86-64)"
# The linker for the Windows target, for this build only (nothing in .cargo/ changes for anyone else).
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER="${CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER:-x86_64-w64-mingw32-gcc}"

wxs=packaging/windows/ebid-host.wxs
upgrade_code=$(sed -n 's/.*UpgradeCode="\([0-9a-fA-F-]*\)".*/\1/p' "$wxs")
[ -n "$upgrade_code" ] || fail "no UpgradeCode in $wxs"
version=$(cargo metadata -q --no-deps --format-version 1 |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "ebid-host"))')
# Windows Installer versions are numbers only (major.minor.build).
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version $version is not major.minor.patch: an MSI cannot carry it"
product_code=$(python3 -c 'import sys,uuid; print(str(uuid.uuid5(uuid.UUID(sys.argv[1]), "ebid-host " + sys.argv[2])).upper())' \
    "$upgrade_code" "$version")

target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
case "$profile" in
    dev) profile_dir=debug ;;
    *) profile_dir=$profile ;;
esac
cargo build -q -p ebid-host --bin ebid-host --target x86_64-pc-windows-gnu --profile "$profile"
exe="$target_dir/x86_64-pc-windows-gnu/$profile_dir/ebid-host.exe"
[ -f "$exe" ] || fail "$exe was not built"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
host_path='C:\Program Files\ebid-host\ebid-host.exe'
cargo run -q -p ebid-host --bin ebid-host -- install --system --browser all --os windows --root "$stage/root" \
    --host-path "$host_path" >/dev/null
# wixl takes the files from the directory it runs in.
files="$stage/files"
mkdir "$files"
cp "$stage/root/Program Files/ebid-host/"jp.ebid.renewal.*.json "$exe" "$files/"

# What install would register must be what the package registers: the same keys, naming the same files.
python3 - "$wxs" "$stage/root/registry.json" "$files" <<'PY' || fail "$wxs does not register what ebid-host install does"
import json, os, sys
import xml.etree.ElementTree as ET
wxs, registry, files = sys.argv[1:]
ns = {"w": "http://schemas.microsoft.com/wix/2006/wi"}
packaged = {}
for component in ET.parse(wxs).getroot().iterfind(".//w:Component", ns):
    names = {f.get("Id"): f.get("Name") for f in component.iterfind("w:File", ns)}
    for value in component.iterfind("w:RegistryValue", ns):
        assert value.get("Root") == "HKLM", value.attrib
        file_id = value.get("Value").removeprefix("[#").removesuffix("]")
        packaged["HKEY_LOCAL_MACHINE\\" + value.get("Key")] = names[file_id]
written = {key: os.path.basename(path) for key, path in json.load(open(registry)).items()}
assert packaged == written, (packaged, written)
manifests = [name for name in os.listdir(files) if name.endswith(".json")]
assert sorted(written.values()) == sorted(manifests), manifests
PY

mkdir -p "$out"
msi="$(cd "$out" && pwd)/ebid-host-$version-x64.msi"
wxs="$PWD/$wxs"
(cd "$files" && wixl -a x64 -o "$msi" -D Version="$version" -D ProductCode="$product_code" "$wxs")
echo "$msi"
echo "ProductCode {$product_code}" >&2
