#!/usr/bin/env bash
# The demo: renews an e-bidding IC card in Chromium with the extension and the native host, then — same browser, no
# restart — logs in with the new card, changes the contact data and registers another company's card (2.1.3) — against a private
# PC/SC daemon with virtual cards and a replica of the Sapporo portal, so no card reader and no real portal are
# needed. Installs what is missing, builds everything, runs the whole flow, and saves a screenshot of every
# screen to out/demo-screenshots/. Chromium is visible when there is a display ($DISPLAY), headless otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[demo.sh]\033[0m %s\n' "$*" >&2; }

say "1/4 installing what is missing (scripts/setup.sh: pcscd, vpcd, Chromium + Japanese UI, Node packages, wasm tools)"
scripts/setup.sh

say "2/4 building the extension (extension/build.sh)"
extension/build.sh

say "3/4 building ebid-host, the testbed and the replica portal"
cargo build -q -p ebid-host -p test-harness -p replica-portal

say "4/4 running the renewal, the login with the new card, 変更 and 登録 in Chromium"
node tests/e2e/demo.mjs "$@"

say "screenshots: $(pwd)/out/demo-screenshots/   figures: $(pwd)/out/e2e-figures.json"
