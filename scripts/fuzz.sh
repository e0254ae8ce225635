#!/usr/bin/env bash
# Fuzzes the host: every cargo-fuzz target in fuzz/ (or the ones named) for SECONDS each (default 60), one after
# the other, growing fuzz/corpus/<target>/ and reading fuzz/regressions/<target>/ too. Needs a nightly toolchain
# (rustup); without one it says so and exits 0, since the stable replay of the corpus (cargo test, the test
# fuzz_regressions) still guards against regressions. Installs cargo-fuzz at the pinned version when it is missing.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#   scripts/fuzz.sh --minimise [TARGET...]
#
# Logs: out/fuzz/<target>.log. A crash, timeout or out-of-memory input lands in fuzz/artifacts/<target>/; once
# fixed, copy it to fuzz/regressions/<target>/ so `cargo test` replays it forever.
#
# --minimise shrinks each grown corpus before it is committed, more than `cargo fuzz cmin` would (which keeps every
# input with a new hit count: hundreds to thousands of files per target): the seeds (seed-*) stay, then the input
# reaching the most code edges not reached yet, and so on, up to FUZZ_KEEP (default 40) more inputs per target. It
# prints how many of the corpus's edges the kept inputs reach.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
minimise=false
keep=${FUZZ_KEEP:-40}
if [[ ${1:-} == --minimise ]]; then
    minimise=true
    shift
    seconds=0
else
    seconds=${1:-60}
    shift || true
    if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds == 0)); then
        echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...] | --minimise [TARGET...]" >&2
        exit 2
    fi
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

if $minimise; then
    triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
    for target in "${targets[@]}"; do
        corpus=fuzz/corpus/$target
        work=$(mktemp -d)
        mkdir "$work/out"
        before=$(find "$corpus" -type f | wc -l)
        # The control file lists every input's features (edges, with -use_counters=0) under -set_cover_merge.
        "fuzz/target/$triple/release/$target" -set_cover_merge=1 -use_counters=0 -rss_limit_mb=512 -timeout=5 \
            -merge_control_file="$work/control" "$work/out" "$corpus" >"out/fuzz/$target-minimise.log" 2>&1 || {
            echo "fuzz.sh: minimising $target failed, see out/fuzz/$target-minimise.log" >&2
            exit 1
        }
        python3 - "$work/control" "$keep" <<'EOF'
# Keeps the seeds, then greedily the input reaching the most edges not reached yet (the smaller on a tie), up to
# KEEP more inputs; deletes the rest.
import os, sys
lines = open(sys.argv[1]).read().split("\n")
count, keep = int(lines[0]), int(sys.argv[2])
paths = lines[2:2 + count]
features = {}
for line in lines[2 + count:]:
    if line.startswith("FT "):
        fields = line.split()
        features[int(fields[1])] = set(fields[2:])
every = set().union(*features.values()) if features else set()
chosen = [i for i, p in enumerate(paths) if os.path.basename(p).startswith("seed-")]
covered = set().union(*(features.get(i, set()) for i in chosen)) if chosen else set()
rest = [i for i in range(count) if i not in chosen and i in features]
for _ in range(keep):
    best = max(rest, key=lambda i: (len(features[i] - covered), -os.path.getsize(paths[i])), default=None)
    if best is None or not features[best] - covered:
        break
    chosen.append(best)
    covered |= features[best]
    rest.remove(best)
for i, path in enumerate(paths):
    if i not in chosen:
        os.remove(path)
print(f"  {len(covered)} of the {len(every)} edges the whole corpus reaches")
EOF
        rm -rf "$work"
        echo "$target: $before → $(find "$corpus" -type f | wc -l) files," \
            "$(find "$corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}') bytes"
    done
    exit 0
fi

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
