#!/usr/bin/env bash
# Debian package round trip: build the .deb, install it, let `ebid-host doctor --json` confirm every browser's
# manifest is in place, reinstall (the upgrade path), remove it, and check nothing of ours is left.
#
# Installs system-wide, so it needs root and a machine without ebid-host installed (CI). Cleans up after itself.
# EBID_DEB_PROFILE=dev builds the package from the dev profile (quick local runs); the default is release.
set -euo pipefail

cd "$(dirname "$0")/../.."

fail() {
    echo "deb.sh: FAIL: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || { echo "deb.sh: needs root (installs a package)" >&2; exit 2; }
command -v dpkg >/dev/null || { echo "deb.sh: needs dpkg" >&2; exit 2; }
cargo deb --version >/dev/null 2>&1 || { echo "deb.sh: needs cargo-deb (cargo install cargo-deb)" >&2; exit 2; }
if dpkg -s ebid-host >/dev/null 2>&1 || [ -e /usr/bin/ebid-host ]; then
    echo "deb.sh: ebid-host is already installed here; refusing to touch it" >&2
    exit 2
fi

manifests=(
    /etc/opt/chrome/native-messaging-hosts/jp.ebid.renewal.json
    /etc/chromium/native-messaging-hosts/jp.ebid.renewal.json
    /etc/opt/edge/native-messaging-hosts/jp.ebid.renewal.json
    /usr/lib/mozilla/native-messaging-hosts/jp.ebid.renewal.json
)
# Directories install may create: each must exist afterwards exactly when it existed before.
dirs=(
    /etc/opt/chrome/native-messaging-hosts /etc/opt/chrome /etc/opt
    /etc/chromium/native-messaging-hosts /etc/chromium
    /etc/opt/edge/native-messaging-hosts /etc/opt/edge
    /usr/lib/mozilla/native-messaging-hosts /usr/lib/mozilla
    /var/lib/ebid-host
)
declare -A existed
for d in "${dirs[@]}"; do
    if [ -d "$d" ]; then existed[$d]=1; else existed[$d]=0; fi
done
for m in "${manifests[@]}"; do
    [ ! -e "$m" ] || { echo "deb.sh: $m already exists; refusing to touch it" >&2; exit 2; }
done

work=$(mktemp -d)
cleanup() {
    if dpkg -s ebid-host >/dev/null 2>&1; then
        dpkg -r ebid-host >/dev/null 2>&1 || true
    fi
    # After a failure, leave the machine as found: none of these existed before the test.
    rm -f "${manifests[@]}" /var/lib/ebid-host/install-record.json
    for d in "${dirs[@]}"; do
        if [ "${existed[$d]}" = 0 ] && [ -d "$d" ]; then
            rmdir "$d" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT

profile_args=()
if [ "${EBID_DEB_PROFILE:-release}" != release ]; then
    profile_args=(--profile "$EBID_DEB_PROFILE")
fi
cargo deb -p ebid-host "${profile_args[@]}" -o "$work/" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "cargo deb"; }
deb=$(ls "$work"/ebid-host_*.deb)
dpkg-deb --field "$deb" Package | grep -qx ebid-host || fail "package name"
dpkg-deb --contents "$deb" | grep -q '\./usr/bin/ebid-host$' || fail "no /usr/bin/ebid-host in the package"

check_installed() {
    for m in "${manifests[@]}"; do
        [ -f "$m" ] || fail "$m missing after $1"
    done
    # The PC/SC checks may fail on a machine without a reader: only the installation checks must pass.
    ebid-host doctor --json --system --browser all >"$work/doctor.json" || true
    python3 - "$work/doctor.json" <<'PY' || fail "doctor does not see the manifests after $1"
import json, sys
report = json.load(open(sys.argv[1]))
checks = {c["id"]: c for c in report["checks"]}
for browser in ("chrome", "chromium", "edge", "firefox"):
    for kind in ("manifest", "extension"):
        check = checks.get(f"{kind}.{browser}")
        assert check is not None, f"no {kind}.{browser} check"
        assert check["ok"], check
        if kind == "manifest":
            assert "/usr/bin/ebid-host" in check["message_en"], check
first = report["first_failure"]
assert first is None or not first.startswith(("manifest.", "extension.", "host.", "browsers")), first
PY
}

dpkg -i "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "dpkg -i"; }
check_installed "dpkg -i"

# Same version again: dpkg runs the old prerm with "upgrade" and the new postinst with "configure".
dpkg -i "$deb" >"$work/reinstall.log" 2>&1 || { cat "$work/reinstall.log" >&2; fail "dpkg -i (again)"; }
check_installed "reinstall"

dpkg -r ebid-host >"$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; fail "dpkg -r"; }
for m in "${manifests[@]}"; do
    [ ! -e "$m" ] || fail "$m left after dpkg -r"
done
[ ! -e /usr/bin/ebid-host ] || fail "/usr/bin/ebid-host left after dpkg -r"
for d in "${dirs[@]}"; do
    now=0
    [ -d "$d" ] && now=1
    [ "$now" = "${existed[$d]}" ] || fail "$d: existed before=${existed[$d]}, after removal=$now"
done

echo "deb.sh: PASS"
