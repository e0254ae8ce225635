# Shared by tests/windows/wine.sh and tests/windows/msi.sh (sourced, not run): the Windows build of ebid-host and a
# throwaway Wine prefix to run it in.
#
# Wine 8 (Debian 12's wine64) runs the mingw build of the host, with one test fixture: Rust's std imports
# ProcessPrng from bcryptprimitives.dll, which Wine 8 lacks (the exe would exit with status 53 before main), so
# processprng_shim.c, built here with mingw, stands in for it in the prefix's system32. Wine 8's winscard is a stub
# (SCardEstablishContext fails with 0x80100001): cards cannot be reached, the registry, files, stdio and CLI can.
#
# The prefix lives in a temporary directory and is deleted at exit, with its wineserver; EBID_WINEPREFIX names an
# existing one to reuse instead (kept; wine.sh hands its prefix to msi.sh this way).

windows_target=x86_64-pc-windows-gnu
# The linker for the Windows target, for these builds only (nothing in .cargo/ changes for anyone else).
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER="${CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER:-x86_64-w64-mingw32-gcc}"

# Debian's wine64 package installs the loader as /usr/lib/wine/wine64 (the `wine` package adds /usr/bin/wine).
pick() {
    local candidate
    for candidate in "$@"; do
        if [ -x "$candidate" ]; then echo "$candidate"; return; fi
        if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
    done
    return 1
}
WINE=$(pick /usr/lib/wine/wine64 wine64 wine) || { echo "${0##*/}: needs Wine (apt install wine64)" >&2; exit 2; }
WINESERVER=$(pick /usr/lib/wine/wineserver64 wineserver64 wineserver) || { echo "${0##*/}: needs wineserver (apt install wine64)" >&2; exit 2; }
command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "${0##*/}: needs mingw (apt install gcc-mingw-w64-x86-64)" >&2; exit 2; }
rustup target list --installed 2>/dev/null | grep -qx "$windows_target" ||
    { echo "${0##*/}: needs the Rust target (rustup target add $windows_target)" >&2; exit 2; }

export WINEDEBUG=-all
# No Mono or Gecko install prompts, and no desktop menu entries written into the real $HOME.
export WINEDLLOVERRIDES="mscoree=d;mshtml=d;winemenubuilder.exe=d"

fail() {
    echo "${0##*/}: FAIL: $*" >&2
    exit 1
}

say() { printf '%s: %s\n' "${0##*/}" "$*"; }

# Seconds since the epoch, with fractions, for the timings the script reports.
now() { date +%s.%N; }
elapsed() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.1f} s")' "$1" "$(now)"; }

# Builds ebid-host.exe (dev profile); sets $exe.
build_windows_host() {
    local target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
    cargo build -q -p ebid-host --bin ebid-host --target "$windows_target"
    exe="$target_dir/$windows_target/debug/ebid-host.exe"
    [ -f "$exe" ] || fail "$exe was not built"
}

# Makes the prefix (or takes $EBID_WINEPREFIX) and installs the ProcessPrng shim; sets $work, $WINEPREFIX.
# Registers cleanup_prefix for EXIT.
setup_prefix() {
    work=$(mktemp -d)
    trap cleanup_prefix EXIT
    if [ -n "${EBID_WINEPREFIX:-}" ]; then
        export WINEPREFIX="$EBID_WINEPREFIX"
        own_prefix=0
    else
        export WINEPREFIX="$work/prefix"
        own_prefix=1
        # Wine's own files in the temporary directory too, not in the real $HOME.
        export XDG_DATA_HOME="$work/xdg-data" XDG_CONFIG_HOME="$work/xdg-config" XDG_CACHE_HOME="$work/xdg-cache"
        "$WINE" wineboot -i >"$work/wineboot.log" 2>&1 || { cat "$work/wineboot.log" >&2; fail "wineboot -i"; }
        "$WINESERVER" -w
    fi
    local system32="$WINEPREFIX/drive_c/windows/system32"
    [ -d "$system32" ] || fail "$WINEPREFIX is not a 64-bit Wine prefix"
    if [ ! -f "$system32/bcryptprimitives.dll" ]; then
        x86_64-w64-mingw32-gcc -O2 -shared -s -Wl,--kill-at -o "$work/bcryptprimitives.dll" \
            tests/windows/processprng_shim.c -ladvapi32
        cp "$work/bcryptprimitives.dll" "$system32/"
    fi
}

cleanup_prefix() {
    if [ "${own_prefix:-0}" = 1 ] && [ -n "${WINEPREFIX:-}" ]; then
        # Ends this prefix's wineserver (and anything still running in the prefix) only.
        "$WINESERVER" -k 2>/dev/null || true
    fi
    rm -rf "$work"
}

# Runs a Windows program in the prefix.
wine() { "$WINE" "$@"; }

# Waits until the wineserver has written the registry out and gone idle, so `reg query` and the .reg files agree
# with what the last program did.
settle() { "$WINESERVER" -w; }

# The default value of a registry key, or status 1 when the key does not exist.
reg_default() {
    local out
    out=$(wine reg query "$1" /ve 2>/dev/null) || return 1
    # "    (Default)    REG_SZ    C:\...": the value is everything after the type.
    printf '%s\n' "$out" | tr -d '\r' | sed -n 's/^ *(Default) *REG_SZ *//p'
}

key_exists() { wine reg query "$1" >/dev/null 2>&1; }

# A Windows path in the prefix as a Unix one.
unix_path() { wine winepath -u "$1" 2>/dev/null | tr -d '\r'; }

# The keys a host registration can touch in one hive: each browser's key and every key above it up to Software.
registry_chain() {
    local hive=$1
    printf '%s\n' \
        "$hive\\Software\\Google" "$hive\\Software\\Google\\Chrome" \
        "$hive\\Software\\Google\\Chrome\\NativeMessagingHosts" \
        "$hive\\Software\\Google\\Chrome\\NativeMessagingHosts\\jp.ebid.renewal" \
        "$hive\\Software\\Chromium" "$hive\\Software\\Chromium\\NativeMessagingHosts" \
        "$hive\\Software\\Chromium\\NativeMessagingHosts\\jp.ebid.renewal" \
        "$hive\\Software\\Microsoft" "$hive\\Software\\Microsoft\\Edge" \
        "$hive\\Software\\Microsoft\\Edge\\NativeMessagingHosts" \
        "$hive\\Software\\Microsoft\\Edge\\NativeMessagingHosts\\jp.ebid.renewal" \
        "$hive\\Software\\Mozilla" "$hive\\Software\\Mozilla\\NativeMessagingHosts" \
        "$hive\\Software\\Mozilla\\NativeMessagingHosts\\jp.ebid.renewal"
}

# Which of the hive's chain keys exist, one "key=0|1" a line (to compare before and after). One `reg query /s` per
# vendor key lists everything below it; a Wine process costs ~0.2 s, fourteen would add up.
registry_snapshot() {
    local hive=$1 root
    : >"$work/listing"
    for root in Google Chromium Microsoft Microsoft\\Edge Mozilla; do
        # Wine lists the keys below (with /s) but not always the key asked for: its existence is the exit status.
        # Not all of Microsoft's tree, which is big: only whether it is there.
        local all=(/s)
        [ "$root" != Microsoft ] || all=()
        if wine reg query "$hive\\Software\\$root" "${all[@]}" >"$work/one" 2>/dev/null; then
            echo "$hive\\Software\\$root" >>"$work/listing"
            tr -d '\r' <"$work/one" >>"$work/listing"
        fi
    done
    registry_chain "$hive" | python3 -c '
import sys
hives = {"HKCU": "HKEY_CURRENT_USER", "HKLM": "HKEY_LOCAL_MACHINE"}
listed = set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    hive, _, rest = line.strip().partition(chr(92))
    listed.add((hives.get(hive, hive) + chr(92) + rest).lower())
for key in sys.stdin.read().split():
    hive, rest = key.split("\\", 1)
    print(f"{key}={int((hives[hive] + chr(92) + rest).lower() in listed)}")
' "$work/listing"
}

# The browser's own key in a hive (HKCU or HKLM).
browser_key() {
    case "$2" in
        chrome) echo "$1\\Software\\Google\\Chrome\\NativeMessagingHosts\\jp.ebid.renewal" ;;
        chromium) echo "$1\\Software\\Chromium\\NativeMessagingHosts\\jp.ebid.renewal" ;;
        edge) echo "$1\\Software\\Microsoft\\Edge\\NativeMessagingHosts\\jp.ebid.renewal" ;;
        firefox) echo "$1\\Software\\Mozilla\\NativeMessagingHosts\\jp.ebid.renewal" ;;
    esac
}

browsers=(chrome chromium edge firefox)

# Checks manifest files as the browsers would read them: ours, stdio, naming the host at Windows path $1, allowing
# our extension. Then pairs of file (Unix path) and browser.
check_manifests() {
    python3 - "$@" <<'PY' || fail "manifests (above)"
import json, sys
host, rest = sys.argv[1], sys.argv[2:]
for path, browser in zip(rest[::2], rest[1::2]):
    manifest = json.load(open(path, encoding="utf-8"))
    assert manifest["name"] == "jp.ebid.renewal", (path, manifest)
    assert manifest["type"] == "stdio", (path, manifest)
    assert manifest["path"] == host, (path, manifest["path"], host)
    if browser == "firefox":
        assert manifest["allowed_extensions"] == ["ebid-renewal@ebid.jp"], (path, manifest)
        assert "allowed_origins" not in manifest, (path, manifest)
    else:
        assert manifest["allowed_origins"] == ["chrome-extension://gbhbffmnghhpjolccbflhlhkcanbdabm/"], (path, manifest)
        assert "allowed_extensions" not in manifest, (path, manifest)
PY
}

# `doctor --json` by the host at Windows path $1 with the given flags; the report into $work/doctor.json, the exit
# status in $doctor_status.
run_doctor() {
    local host=$1
    shift
    doctor_status=0
    wine "$host" doctor --json "$@" >"$work/doctor.json" 2>"$work/doctor.err" || doctor_status=$?
    tr -d '\r' <"$work/doctor.json" >"$work/doctor.clean.json" && mv "$work/doctor.clean.json" "$work/doctor.json"
}

# A doctor report (run_doctor's) of a good installation under Wine: every browser's manifest (naming the host at
# Windows path $1) and extension check passes, and the first failure is the PC/SC service, which Wine 8 cannot
# provide (its winscard is a stub): said as such, not as a card error.
check_doctor_installation() {
    python3 - "$work/doctor.json" "$1" <<'PY' || fail "doctor does not see the installation ($2)"
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
host = sys.argv[2]
checks = {c["id"]: c for c in report["checks"]}
for browser in ("chrome", "chromium", "edge", "firefox"):
    for kind in ("manifest", "extension"):
        check = checks.get(f"{kind}.{browser}")
        assert check is not None and check["ok"], (kind, browser, check)
    assert host in checks[f"manifest.{browser}"]["message_en"], checks[f"manifest.{browser}"]
assert report["first_failure"] == "pcsc.service", report["first_failure"]
pcsc = checks["pcsc.service"]
assert pcsc["message_en"].startswith("The smart card service (PC/SC) is not available."), pcsc
assert pcsc["fix_en"] and pcsc["fix_ja"], pcsc
PY
    [ "$doctor_status" = 1 ] || fail "doctor exit status $doctor_status, wanted 1 (PC/SC fails under Wine)"
}
