#!/usr/bin/env bash
# Installs what building, the demo and the tests need, skipping whatever is already there.
# Debian 12 (bookworm) is the reference system; run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else say "need root for: $*  (run as root or install sudo)"; exit 1; fi
}

# Debian packages: a C toolchain for the -sys crates, PC/SC daemon + virtual reader driver, headers for the pcsc crate, Chromium for the browser
# tests and the demo with a Japanese font for its screenshots, Node.js for Playwright.
# chromium-l10n: the Japanese browser UI, which the extension's dialog language follows. firefox-esr +
# firefox-esr-l10n-ja: the Firefox end-to-end tests (Japanese language pack, pref intl.locale.requested=ja).
# opensc: OpenSC's own tools and opensc-pkcs11.so read the virtual JPKI card (tests/harness/tests/opensc_jpki.rs), and
# the host's PKCS#11 backend tests use them; softhsm2: SoftHSM2 tokens for the same backend tests.
packages=(librsvg2-bin gcc libc6-dev pcscd libpcsclite-dev vsmartcard-vpcd pkg-config chromium chromium-l10n firefox-esr firefox-esr-l10n-ja fonts-ipafont-gothic nodejs npm python3 ca-certificates opensc softhsm2)
# The test command (it asks for the Windows target) also runs the Windows host under Wine 8 and round-trips its MSI
# (tests/windows/): wine64, the mingw linker, wixl to build the MSI and msiinfo (msitools) to read it. About 30 s
# of apt on a fresh machine (28 packages with their dependencies, 1.2 GB installed: mingw and Wine).
if printf '%s\n' "$@" | grep -qx x86_64-pc-windows-gnu; then
    packages+=(wine64 gcc-mingw-w64-x86-64 wixl msitools)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# A machine may have node/npm from elsewhere (e.g. nodesource); don't fight it.
if command -v node >/dev/null && command -v npm >/dev/null; then
    missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The browser tests and the demo run on Debian 12's Node.js 18 or newer.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 18 ]; then
    say "Node.js 18 or newer is needed for the browser tests and the demo (found: $(node --version 2>/dev/null || echo none))."
    exit 1
fi

command -v cargo >/dev/null || { say "Rust is missing: install it with rustup (https://rustup.rs), then rerun"; exit 1; }

# Rust targets: wasm for the extension; Windows and macOS only to check that the host compiles there.
want_targets=(wasm32-unknown-unknown "$@")
installed=$(rustup target list --installed)
for t in "${want_targets[@]}"; do
    grep -qx "$t" <<<"$installed" || { say "adding Rust target $t"; rustup target add "$t" >/dev/null; }
done

# rustfmt and clippy: the test command checks formatting and lints first.
components=$(rustup component list --installed)
for c in rustfmt clippy; do
    grep -q "^$c" <<<"$components" || { say "adding Rust component $c"; rustup component add "$c" >/dev/null; }
done

# wasm-bindgen CLI at exactly the version Cargo.lock pins (a mismatch breaks the generated glue).
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
if [ -n "$want" ]; then
    have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
    if [ "$have" != "$want" ]; then
        say "installing wasm-bindgen-cli $want (about 3 minutes, once)"
        cargo install -q wasm-bindgen-cli --version "$want"
    fi
fi

# geckodriver drives Firefox in the Firefox end-to-end tests (W3C WebDriver over HTTP). Debian does not package it:
# built from crates.io at a pinned version (about 10 minutes on 2 cores, once; cargo keeps the binary).
geckodriver_version=0.37.1
if [ "$(geckodriver --version 2>/dev/null | awk 'NR == 1 {print $2}')" != "$geckodriver_version" ]; then
    say "installing geckodriver $geckodriver_version from crates.io (about 10 minutes, once)"
    cargo install -q geckodriver --version "$geckodriver_version" --locked
fi

# Playwright drives the system Chromium; it never downloads a browser.
for dir in tests/e2e extension; do
    if [ -f "$dir/package.json" ] && [ ! -d "$dir/node_modules/playwright-core" ]; then
        say "installing npm packages in $dir"
        (cd "$dir" && npm ci --no-audit --no-fund --silent)
    fi
done
