#!/usr/bin/env bash
# `ebid-host doctor` against real PC/SC: a private pcscd with virtual readers and cards (the harness's `testbed`).
# Walks the card end of the chain: all well with a valid card; then an expired card, no card, and no PC/SC
# service must each be named as the first failure, with exit status 1.
set -euo pipefail

cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build -q -p ebid-host -p test-harness --bin ebid-host --bin testbed
host="$target/debug/ebid-host"
testbed="$target/debug/testbed"

work=$(mktemp -d)
coproc TESTBED { "$testbed" --readers 1 --insert old=0 2>"$work/testbed.log"; }
testbed_pid=$TESTBED_PID
cleanup() {
    # testbed tears its pcscd down when its stdin ends; SIGTERM does the same.
    exec {TESTBED[1]}>&- 2>/dev/null || true
    kill -TERM "$testbed_pid" 2>/dev/null || true
    wait "$testbed_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "doctor_card.sh: FAIL: $*" >&2
    exit 1
}

read -r -t 60 info <&"${TESTBED[0]}" || { cat "$work/testbed.log" >&2; fail "testbed did not start"; }
socket=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["env"]["PCSCLITE_CSOCK_NAME"])' "$info")
# The test cards' profile (host/profiles/ebid-test-ca.toml): the host has none built in.
profiles=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["env"]["EBID_HOST_PROFILE_DIR"])' "$info")
control=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["control"])' "$info")
post() { python3 -c 'import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="POST"), timeout=20).read()' "$control$1"; }

# The manifests live in a throwaway root; only the card checks use the machine (through the private pcscd).
root="$work/root"
"$host" install --system --os linux --root "$root" --browser chromium >/dev/null

# Runs doctor; checks the exit status and the first failure ("null" when all is well).
expect() {
    local want_status=$1 want_first=$2 status=0
    PCSCLITE_CSOCK_NAME="$socket" EBID_HOST_PROFILE_DIR="$profiles" \
        "$host" doctor --json --system --os linux --root "$root" --browser chromium >"$work/report.json" || status=$?
    [ "$status" = "$want_status" ] || { cat "$work/report.json" >&2; fail "exit status $status, wanted $want_status ($3)"; }
    python3 - "$work/report.json" "$want_first" "$3" <<'PY' || fail "$3"
import json, sys
report = json.load(open(sys.argv[1]))
want = None if sys.argv[2] == "null" else sys.argv[2]
assert report["first_failure"] == want, (sys.argv[3], report["first_failure"], report["checks"])
checks = {c["id"]: c for c in report["checks"]}
if want is None:
    assert "days left" in checks["certificate.expiry"]["message_en"], checks["certificate.expiry"]
else:
    failed = checks[want]
    assert failed["fix_ja"] and failed["fix_en"], failed
PY
}

expect 0 null "valid card"
post "/remove?slot=0"
post "/insert?card=expired&slot=0"
expect 1 certificate.expiry "expired card"
post "/remove?slot=0"
expect 1 card.present "no card"
post "/pcscd/stop"
expect 1 pcsc.service "no PC/SC service"

echo "doctor_card.sh: PASS"
