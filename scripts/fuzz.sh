#!/usr/bin/env bash
# Run every fuzz target of fuzz/ for a bounded time and print, per target,
# the executions and what was found. Not part of `cargo test`.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 600; TARGET defaults to all of them.
# FUZZ_JOBS (default 2, one per core) sets how many fuzzing processes run
# side by side (libFuzzer's fork mode; they share the corpus).
#
# Toolchain: `cargo fuzz` (install with `cargo install cargo-fuzz`) builds
# with `-Z` flags, which need a nightly compiler. Where there is none, stable
# rustc accepts them with RUSTC_BOOTSTRAP=1, which this script sets: it works
# with any recent stable toolchain. The targets are built without a
# sanitizer (safe Rust; throughput matters more) and with debug assertions,
# so integer overflows panic.
#
# The seed corpus in fuzz/corpus/<target>/ is read, never written: new
# inputs go to fuzz/target/corpus/<target>/ and anything found to
# fuzz/artifacts/<target>/ (reproduce one with
# `RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -a <target> <artifact>`).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(check_fix_bytes mutated_services edit_engine)
fi
jobs="${FUZZ_JOBS:-2}"
export RUSTC_BOOTSTRAP=1
# One thread per fuzzing process: the processes already fill the cores.
export RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-1}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo fuzz is not installed: cargo install cargo-fuzz" >&2
    exit 2
fi
cargo fuzz build -s none -a

mkdir -p target/logs
summary=()
found=0
for target in "${targets[@]}"; do
    work="target/corpus/$target"
    artifacts="artifacts/$target"
    log="target/logs/$target.log"
    mkdir -p "$work" "$artifacts"
    before=$(find "$artifacts" -type f | wc -l)
    echo "== $target: ${seconds}s on $jobs processes (log: fuzz/$log)"
    touch "$log.start"
    start=$(date +%s)
    # Fork mode goes on after a finding (each is saved as an artifact).
    cargo fuzz run -s none -a "$target" "$work" "corpus/$target" -- \
        -max_total_time="$seconds" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 \
        -ignore_ooms=1 -timeout=30 -rss_limit_mb=4096 -max_len=65536 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1 || true
    elapsed=$(( $(date +%s) - start ))
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    after=$(find "$artifacts" -type f | wc -l)
    new=$((after - before))
    found=$((found + new))
    summary+=("$(printf '%-18s %12s executions in %5ss, %d new finding(s), corpus %d inputs' \
        "$target" "${execs:-?}" "$elapsed" "$new" "$(find "$work" -type f | wc -l)")")
    if [ "$new" -gt 0 ]; then
        find "$artifacts" -type f -newer "$log.start"
    fi
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
if [ "$found" -gt 0 ]; then
    echo "$found finding(s): see fuzz/artifacts/"
    exit 1
fi
