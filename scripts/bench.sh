#!/usr/bin/env bash
# Measures the speed and size figures recorded in BENCHMARKS.md and writes them to out/figures.txt
# (the browser flow's raw spans also to out/e2e-figures.json).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
mkdir -p out
figures=out/figures.txt
: >"$figures"
record() { tee -a "$figures"; }

echo "# ebid figures, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores" | record

extension/build.sh >/dev/null
wasm=out/extension/chrome/pkg/ebid_extension_bg.wasm
glue=out/extension/chrome/pkg/ebid_extension.js
printf '\n## Extension size\nwasm: %d bytes raw, %d bytes gzip -9 (goal <= 150 KB gzip)\nwasm-bindgen glue: %d bytes gzip -9\n' \
    "$(wc -c <"$wasm")" "$(gzip -9 -c "$wasm" | wc -c)" "$(gzip -9 -c "$glue" | wc -c)" | record

printf '\n## Host (release build)\n' | record
cargo build -q --release -p ebid-host -p test-harness
cargo run -q --release -p test-harness --bin host-bench -- --host target/release/ebid-host 2>&1 | record

printf '\n## JPKI card: built-in driver vs OpenSC PKCS#11 in the host vs pkcs11-tool vs pkcs15-tool/pkcs15-crypt (debug build)\n' | record
cargo test -q -p ebid-host --test pkcs11_bench -- --ignored --nocapture 2>&1 | grep '^|' | record

printf '\n## Browser flow, click to 電子証明書更新確認画面 (machine part)\n' | record
cargo build -q -p ebid-host -p test-harness -p replica-portal
node tests/e2e/measure.mjs --runs 21 2>&1 | record

echo "figures written to $figures" >&2
