#!/usr/bin/env bash
# fuzz-regress.sh BUILD_DIR [SECONDS] -- build every libFuzzer target with
# clang, replay each one's corpus (tests/fuzz/corpus/<name>/) input by input,
# then fuzz each for SECONDS (default 10) from that corpus into a scratch
# folder (the committed corpus is never written). Any crash, leak, UB
# report or timeout fails the run and leaves the input in BUILD_DIR.
# Long fuzzing campaigns are run by hand: see tests/fuzz/CMakeLists.txt.
set -euo pipefail
build=$1
seconds=${2:-10}
cd "$(dirname "$0")/.."
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DMK_FUZZ=ON -DBUILD_BENCHMARKS=OFF \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" --target fuzzers
status=0
for fuzzer in "$build"/tests/fuzz/fuzz_*; do
    [ -x "$fuzzer" ] || continue
    name=${fuzzer##*/fuzz_}
    corpus=tests/fuzz/corpus/$name
    scratch=$(mktemp -d)
    opts=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build/crash-$name-" -print_final_stats=0)
    [ -f "tests/fuzz/$name.dict" ] && opts+=(-dict="tests/fuzz/$name.dict")
    replayed="no corpus"
    if [ -d "$corpus" ] && [ -n "$(ls -A "$corpus")" ]; then
        if ! "$fuzzer" "${opts[@]}" "$corpus"/* >"$scratch.log" 2>&1; then
            echo "fuzz $name: replaying $corpus FAILED"; tail -30 "$scratch.log"; status=1
        fi
        replayed="$(ls "$corpus" | wc -l) corpus inputs replayed"
        cp "$corpus"/* "$scratch"/
    fi
    if "$fuzzer" "${opts[@]}" -max_total_time="$seconds" "$scratch" >"$scratch.log" 2>&1; then
        echo "fuzz $name: $replayed; then $(grep -o 'Done [0-9]* runs' "$scratch.log" | tail -1 | grep -o '[0-9]*') runs in ${seconds}s, clean"
    else
        echo "fuzz $name: FAILED"; tail -30 "$scratch.log"; status=1
    fi
    rm -rf "$scratch" "$scratch.log"
done
exit $status
