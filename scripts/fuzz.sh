#!/usr/bin/env bash
# Fuzzes the host: every cargo-fuzz target in fuzz/ (or the ones named) for SECONDS each (default 60), one after
# the other, growing fuzz/corpus/<target>/ and reading fuzz/regressions/<target>/ too. Needs a nightly toolchain
# (rustup); without one it says so and exits 0, since the stable replay of the corpus (cargo test, the test
# fuzz_regressions) still guards against regressions. Installs cargo-fuzz at the pinned version when it is missing.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Logs: out/fuzz/<target>.log. A crash, timeout or out-of-memory input lands in fuzz/artifacts/<target>/; once
# fixed, copy it to fuzz/regressions/<target>/ so `cargo test` replays it forever. Shrink a grown corpus before
# committing it: cargo +nightly fuzz cmin -a <target> fuzz/corpus/<target>.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
seconds=${1:-60}
shift || true
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds == 0)); then
    echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
    exit 2
fi

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz.sh: no nightly Rust toolchain (rustup toolchain install nightly): fuzzing skipped."
    echo "fuzz.sh: the committed corpus and regressions are still replayed on stable by cargo test (fuzz_regressions)."
    exit 0
fi
if [[ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
    cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

# -a: debug assertions (and overflow checks) on, as in the host's tests. AddressSanitizer's default 256 MB
# quarantine alone would crowd the 512 MB RSS limit that stands for "allocates without bound".
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=32}
fuzz=(cargo +nightly fuzz)
if (($# > 0)); then
    targets=("$@")
else
    mapfile -t targets < <("${fuzz[@]}" list)
fi
"${fuzz[@]}" build -a

mkdir -p out/fuzz
failed=()
printf '%-14s %12s %8s %10s %8s %8s  %s\n' target inputs files bytes seconds peak_MB result
for target in "${targets[@]}"; do
    corpus=fuzz/corpus/$target
    mkdir -p "$corpus" "fuzz/regressions/$target"
    log=out/fuzz/$target.log
    result=ok
    if ! "${fuzz[@]}" run -a "$target" "$corpus" "fuzz/regressions/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=512 -timeout=5 -print_final_stats=1 >"$log" 2>&1; then
        result="FAILED: see $log and fuzz/artifacts/$target/"
        failed+=("$target")
    fi
    inputs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    ran=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
    files=$(find "$corpus" -type f | wc -l)
    bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    printf '%-14s %12s %8s %10s %8s %8s  %s\n' "$target" "${inputs:-?}" "$files" "$bytes" "${ran:-?}" \
        "${peak:-?}" "$result"
done

if ((${#failed[@]} > 0)); then
    echo "fuzz.sh: defects found in: ${failed[*]}" >&2
    exit 1
fi
