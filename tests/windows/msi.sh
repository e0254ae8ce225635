#!/usr/bin/env bash
# The Windows installer's round trip under Wine 8: build the MSI (packaging/windows/build-msi.sh, dev profile unless
# EBID_MSI_PROFILE says otherwise), `msiexec /i ... /qn`, check the files, the HKLM keys, the product registration
# and that the installed ebid-host.exe runs and its doctor finds every browser's manifest; then `msiexec /x ... /qn`
# and check that everything is gone and every key from Software down is as before.
#
# Run by tests/windows/wine.sh in its prefix; alone it makes its own (tests/windows/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/windows/lib.sh

started=$(now)
setup_prefix
prefix_time=$(elapsed "$started")
command -v msiinfo >/dev/null || fail "needs msiinfo (apt install msitools)"

t=$(now)
msi=$(packaging/windows/build-msi.sh --profile "${EBID_MSI_PROFILE:-dev}" --out "$work/msi" 2>"$work/build.log") ||
    { cat "$work/build.log" >&2; fail "build-msi.sh"; }
build_time=$(elapsed "$t")
built=$(now)
product_code=$(msiinfo export "$msi" Property | tr -d '\r' | sed -n 's/^ProductCode\t//p')
version=$(msiinfo export "$msi" Property | tr -d '\r' | sed -n 's/^ProductVersion\t//p')
[ -n "$product_code" ] && [ -n "$version" ] || fail "no ProductCode / ProductVersion in $msi"
workspace_version=$(cargo metadata -q --no-deps --format-version 1 |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "ebid-host"))')
[ "$version" = "$workspace_version" ] || fail "the MSI says version $version, the workspace $workspace_version"

program_dir="$WINEPREFIX/drive_c/Program Files/ebid-host"
[ ! -e "$program_dir" ] || fail "$program_dir exists before the install"
registry_snapshot HKLM >"$work/before"
uninstall_key="HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\$product_code"
! key_exists "$uninstall_key" || fail "$product_code is registered before the install"
msi_windows="$(wine winepath -w "$msi" 2>/dev/null | tr -d '\r')"
host='C:\Program Files\ebid-host\ebid-host.exe'

wine msiexec /i "$msi_windows" /qn >"$work/msiexec.log" 2>&1 || { cat "$work/msiexec.log" >&2; fail "msiexec /i"; }
settle
[ -f "$program_dir/ebid-host.exe" ] || fail "no ebid-host.exe after msiexec /i"
manifests=()
for browser in "${browsers[@]}"; do
    key=$(browser_key HKLM "$browser")
    file="C:\\Program Files\\ebid-host\\jp.ebid.renewal.$browser.json"
    value=$(reg_default "$key") || fail "$key missing after msiexec /i"
    [ "$value" = "$file" ] || fail "$key = $value, wanted $file"
    manifests+=("$program_dir/jp.ebid.renewal.$browser.json" "$browser")
done
check_manifests "$host" "${manifests[@]}"
installed=$(ls -A "$program_dir" | sort | tr '\n' ' ')
[ "$installed" = "ebid-host.exe jp.ebid.renewal.chrome.json jp.ebid.renewal.chromium.json jp.ebid.renewal.edge.json jp.ebid.renewal.firefox.json " ] ||
    fail "unexpected files installed: $installed"
key_exists "$uninstall_key" || fail "the product $product_code is not registered (Add/Remove Programs)"

# The installed host runs (Hello) and its doctor finds what the package registered.
python3 tests/windows/frames.py '[{"id": 1, "cmd": "frobnicate"}]' -- "$WINE" "$host" \
    chrome-extension://gbhbffmnghhpjolccbflhlhkcanbdabm/ >"$work/session.jsonl" 2>"$work/session.err" ||
    { cat "$work/session.err" >&2; fail "the installed host does not talk native messaging"; }
grep -q "\"version\": \"$version\"" "$work/session.jsonl" || fail "no Hello $version: $(cat "$work/session.jsonl")"
run_doctor "$host" --system --browser all
check_doctor_installation "$host" "after msiexec /i"

wine msiexec /x "$product_code" /qn >"$work/msiexec.log" 2>&1 || { cat "$work/msiexec.log" >&2; fail "msiexec /x"; }
settle
[ ! -e "$program_dir" ] || fail "msiexec /x left $program_dir: $(ls -A "$program_dir")"
registry_snapshot HKLM >"$work/after"
diff -u "$work/before" "$work/after" >&2 || fail "msiexec /x left registry keys (diff above: - before, + after)"
! key_exists "$uninstall_key" || fail "the product $product_code is still registered after msiexec /x"

say "MSI $version ($product_code): msiexec /i and /x, files, HKLM keys and doctor checked"
round_trip=$(elapsed "$built")
if [ "$own_prefix" = 1 ]; then
    say "MSI round trip $round_trip (before it: prefix $prefix_time, MSI build $build_time)"
else
    say "MSI round trip $round_trip (before it: MSI build $build_time)"
fi
say "PASS"
