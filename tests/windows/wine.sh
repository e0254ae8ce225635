#!/usr/bin/env bash
# The Windows host exercised for real under Wine 8: the mingw build of ebid-host.exe in a throwaway prefix
# (tests/windows/lib.sh), as a browser and as an admin would run it.
#
# 1. Native messaging over stdio (tests/windows/frames.py): the Hello, a typed error for an unknown command, and
#    for list_readers the answer that PC/SC is unavailable (Wine has no smart card service).
# 2. install / doctor / uninstall for --user (HKCU, %LOCALAPPDATA%\ebid-host) and --system (HKLM, %ProgramFiles%\
#    ebid-host, where the admin put the exe), for all browsers at once and for each alone: each browser's key holds
#    its manifest's full path (`reg query` after `wineserver -w`), each manifest names the exe and allows our
#    extension, doctor passes every installation check (and names PC/SC as unavailable, not a card error), a
#    second install changes nothing, and uninstall leaves no key or folder it created (every key from Software down
#    to the browser's as before the install).
# 3. The MSI round trip (tests/windows/msi.sh) in the same prefix.
#
# Reports the wall time of each part. Needs wine64, gcc-mingw-w64-x86-64, wixl, msitools (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/windows/lib.sh

started=$(now)
build_windows_host
t=$(now)
setup_prefix
say "prefix ready in $(elapsed "$t") ($WINEPREFIX)"
t=$(now)
version=$(cargo metadata -q --no-deps --format-version 1 |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "ebid-host"))')
protocol=$(sed -n 's/^pub const PROTOCOL_VERSION: u32 = \([0-9]*\);/\1/p' protocol/src/lib.rs)

# Where an admin puts the host (manifests/README.md): C:\Program Files\ebid-host\ebid-host.exe.
program_dir="$WINEPREFIX/drive_c/Program Files/ebid-host"
[ ! -e "$program_dir" ] || fail "$program_dir exists before the test"
mkdir -p "$program_dir"
cp "$exe" "$program_dir/ebid-host.exe"
host='C:\Program Files\ebid-host\ebid-host.exe'
origin=chrome-extension://gbhbffmnghhpjolccbflhlhkcanbdabm/

# --- 1. stdio ---------------------------------------------------------------------------------------------------
python3 tests/windows/frames.py '[{"id": 1, "cmd": "frobnicate"}, {"id": 2, "cmd": "list_readers"}]' \
    -- "$WINE" "$host" "$origin" >"$work/session.jsonl" 2>"$work/session.err" ||
    { cat "$work/session.err" >&2; fail "native messaging session"; }
python3 - "$work/session.jsonl" "$version" "$protocol" <<'PY' || { cat "$work/session.jsonl" >&2; fail "stdio answers"; }
import json, sys
messages = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
hello = messages[0]
assert hello == {"type": "hello", "version": sys.argv[2], "protocol": int(sys.argv[3])}, hello
answers = {m["id"]: m for m in messages[1:] if m.get("type") in ("response", "error")}
unknown = answers[1]
assert unknown["type"] == "error" and unknown["error"]["code"] == "UNKNOWN_COMMAND", unknown
# Wine 8's winscard cannot establish a context (0x80100001): the smart card service is unavailable, which is not a
# card error.
readers = answers[2]
assert readers["type"] == "error" and readers["error"]["code"] == "PCSC_UNAVAILABLE", readers
PY
say "stdio: Hello $version (protocol $protocol), UNKNOWN_COMMAND, list_readers → PCSC_UNAVAILABLE"

# --- 2. install / doctor / uninstall ------------------------------------------------------------------------------
local_app_data=$(wine cmd /c 'echo %LOCALAPPDATA%' 2>/dev/null | tr -d '\r')
[[ $local_app_data == [A-Z]:\\* ]] || fail "no %LOCALAPPDATA% in the prefix ($local_app_data)"

# Windows directory holding the manifests for a scope, the same as a Unix path, and the scope's hive.
scope_dir() { if [ "$1" = user ]; then echo "$local_app_data\\ebid-host"; else echo 'C:\Program Files\ebid-host'; fi; }
user_dir_unix=$(unix_path "$(scope_dir user)")
scope_unix_dir() { if [ "$1" = user ]; then echo "$user_dir_unix"; else echo "$program_dir"; fi; }
scope_hive() { if [ "$1" = user ]; then echo HKCU; else echo HKLM; fi; }

admin() {
    wine "$host" "$@" >"$work/admin.out" 2>"$work/admin.err" ||
        { cat "$work/admin.out" "$work/admin.err" >&2; fail "ebid-host $*"; }
}

# Checks that exactly the browsers in $2.. are registered for scope $1 (the others' keys absent), with their files.
check_registered() {
    local scope=$1
    shift
    local hive dir unix_dir browser key value file manifests=()
    hive=$(scope_hive "$scope")
    dir=$(scope_dir "$scope")
    unix_dir=$(scope_unix_dir "$scope")
    for browser in "${browsers[@]}"; do
        key=$(browser_key "$hive" "$browser")
        file="$dir\\jp.ebid.renewal.$browser.json"
        if [[ " $* " == *" $browser "* ]]; then
            value=$(reg_default "$key") || fail "$key missing after install --$scope"
            [ "$value" = "$file" ] || fail "$key = $value, wanted $file"
            manifests+=("$unix_dir/jp.ebid.renewal.$browser.json" "$browser")
        else
            ! key_exists "$key" || fail "$key exists, but $browser was not installed"
            [ ! -e "$unix_dir/jp.ebid.renewal.$browser.json" ] || fail "$browser's manifest exists, but it was not installed"
        fi
    done
    [ "${#manifests[@]}" = 0 ] || check_manifests "$host" "${manifests[@]}"
}

# Everything install --$1 may create is gone: the keys as in the snapshot $2, the manifests and the record, and
# the folder unless it held something before (the exe, for --system).
check_removed() {
    local scope=$1 before=$2 unix_dir
    registry_snapshot "$(scope_hive "$scope")" >"$work/after"
    diff -u "$before" "$work/after" >&2 || fail "uninstall --$scope left registry keys it created (diff above: - before install, + after uninstall)"
    unix_dir=$(scope_unix_dir "$scope")
    if [ "$scope" = user ]; then
        [ ! -e "$unix_dir" ] || fail "uninstall --user left $unix_dir: $(ls -A "$unix_dir")"
    else
        [ "$(ls -A "$unix_dir")" = ebid-host.exe ] || fail "uninstall --system left in $unix_dir: $(ls -A "$unix_dir")"
    fi
}

for scope in user system; do
    hive=$(scope_hive "$scope")
    registry_snapshot "$hive" >"$work/before-$scope"

    run_doctor "$host" "--$scope" --browser all
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["first_failure"] == "manifest.chrome", r["first_failure"]' \
        "$work/doctor.json" || fail "doctor before install --$scope: $(cat "$work/doctor.json")"

    admin install "--$scope" --browser all
    # The registry as written out by the wineserver once idle, as the next browser start would find it.
    settle
    check_registered "$scope" "${browsers[@]}"
    unix_dir=$(scope_unix_dir "$scope")
    sums=$(cd "$unix_dir" && md5sum jp.ebid.renewal.*.json install-record.json)
    run_doctor "$host" "--$scope" --browser all
    check_doctor_installation "$host" "after install --$scope"

    admin install "--$scope" --browser all
    check_registered "$scope" "${browsers[@]}"
    [ "$(cd "$unix_dir" && md5sum jp.ebid.renewal.*.json install-record.json)" = "$sums" ] ||
        fail "a second install --$scope changed the files"

    admin uninstall "--$scope" --browser all
    settle
    check_registered "$scope"
    check_removed "$scope" "$work/before-$scope"
    admin uninstall "--$scope" --browser all
    grep -q "nothing to remove" "$work/admin.out" || fail "a second uninstall --$scope did something: $(cat "$work/admin.out")"

    # Each browser alone: only its key and manifest come, and go (every key checked after the last).
    for browser in "${browsers[@]}"; do
        admin install "--$scope" --browser "$browser"
        check_registered "$scope" "$browser"
        admin uninstall "--$scope" --browser "$browser"
    done
    check_registered "$scope"
    check_removed "$scope" "$work/before-$scope"
    say "install/doctor/uninstall --$scope: $hive keys, manifests and folders checked for every browser"
done

rm -rf "$program_dir"
host_time=$(elapsed "$t")
say "host under Wine: $host_time"

# --- 3. the installer, in the same prefix ---------------------------------------------------------------------------
EBID_WINEPREFIX="$WINEPREFIX" tests/windows/msi.sh

say "PASS"
say "total $(elapsed "$started") (host under Wine $host_time; build and prefix included)"
