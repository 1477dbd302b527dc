#!/usr/bin/env bash
# test.sh -- what `make test` runs: the whole suite with ctest in a normal
# build, then again built with AddressSanitizer + UndefinedBehaviorSanitizer.
# Warnings are errors in both. Exits non-zero if any test fails.
set -euo pipefail
jobs=$(nproc 2>/dev/null || echo 2)

run_suite() {  # run_suite DIR CMAKE-ARGS...
    local dir=$1; shift
    echo "== configure $dir"
    cmake -S . -B "$dir" -DMK_WERROR=ON "$@" >/dev/null
    echo "== build $dir"
    cmake --build "$dir" -j "$jobs"
    echo "== test $dir"
    ctest --test-dir "$dir" --output-on-failure -j "$jobs"
}

run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DMK_SANITIZE=ON -DBUILD_BENCHMARKS=OFF
