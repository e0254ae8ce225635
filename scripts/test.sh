#!/usr/bin/env bash
# Runs every test: formatting and lints, unit and host integration tests (cargo), the browser end-to-end tests (node +
# Chromium, and Firefox ESR through geckodriver),
# the cross-platform build checks and the Debian package install/remove test.
# Installs what it needs first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

cross_targets=(x86_64-pc-windows-gnu x86_64-apple-darwin)
scripts/setup.sh "${cross_targets[@]}"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check, clippy -D warnings"
cargo fmt --all --check
cargo clippy --workspace --all-targets -q -- -D warnings
cargo clippy -p ebid-extension --target wasm32-unknown-unknown -q -- -D warnings

step "build the extension (wasm)"
extension/build.sh

step "store packages: zip + xpi, store-zip check (no key, no loopback, no test files), web-ext lint (0 errors)"
scripts/package.sh --no-build

step "cargo test --workspace"
cargo test --workspace

step "host compiles for Windows and macOS"
for t in "${cross_targets[@]}"; do
    cargo check -q -p ebid-host --target "$t"
done

step "Windows host under Wine 8: stdio, install/doctor/uninstall (HKCU, HKLM), the MSI round trip"
tests/windows/wine.sh

step "doctor against real PC/SC (private pcscd, virtual cards)"
tests/deploy/doctor_card.sh

if [ "$(id -u)" = 0 ]; then
    step "Debian package installs and removes cleanly"
    cargo deb --version >/dev/null 2>&1 || cargo install -q cargo-deb --version 3.8.0
    tests/deploy/deb.sh
else
    step "skipping the Debian package test (needs root)"
fi

step "extension in headless Chromium with a scripted host"
(cd extension && npm test)

step "browser end-to-end tests"
(cd tests/e2e && npm test)

step "browser end-to-end tests in Firefox ESR (geckodriver)"
(cd tests/e2e && npm run test:firefox)
