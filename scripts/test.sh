#!/usr/bin/env bash
# test.sh -- what `make test` runs, in order: the formatting check; the whole
# suite with ctest in a normal build; the core's tests on the poll(2)
# backend; every fuzz target over its corpus; then the whole suite again
# built with AddressSanitizer + UndefinedBehaviorSanitizer. Warnings are
# errors. Exits non-zero at the first failure.
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

echo "== formatting (STYLE.md rule 12)"
bash scripts/check-format.sh
echo "every C file is formatted"

run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON -DBUILD_BENCHMARKS=ON

# The core again on the portable poll(2) backend (the one a system without
# epoll would use): only the core's tests, so only what they need is built.
echo "== core on the poll(2) backend"
cmake -S . -B build-poll -DMK_WERROR=ON -DMK_EVENT_BACKEND=poll -DBUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-poll -j "$jobs" --target core_tests
ctest --test-dir build-poll --output-on-failure -j "$jobs" -L core -R '^test_'

# Every libFuzzer target: built with clang, its corpus replayed, then a few
# seconds of fuzzing (long campaigns are run by hand).
echo "== fuzz targets"
bash scripts/fuzz-regress.sh build-fuzz 10

# The bare-metal RISC-V image (docs/mcu.md): cross-built, its boot suite
# run under qemu-system-riscv32 (tools from scripts/packages.txt).
echo "== microcontroller image (mcu)"
bash scripts/mcu.sh test

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DMK_SANITIZE=ON -DBUILD_BENCHMARKS=OFF
