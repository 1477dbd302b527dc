#!/usr/bin/env bash
# mcu.sh -- the bare-metal RISC-V image (docs/mcu.md, issue 19).
#   bash scripts/mcu.sh build   configure + build build-mcu/ with the cross
#                               toolchain; prints the footprint (size)
#   bash scripts/mcu.sh test    build, then run the boot suites under QEMU
#                               (full image, no-engine image, and the small
#                               RAM images mk-mcu-96k and mk-mcu-tiny):
#                               passes when QEMU exits 0 (the image reports
#                               through the virt test device) and the last
#                               suite line says "0 failed"; then the UART
#                               shell test (tests/mcu/uart_shell_tmux.sh)
#   bash scripts/mcu.sh shell   build, then start the UART shell image in QEMU
# The tools come from scripts/packages.txt (gcc-riscv64-unknown-elf,
# picolibc-riscv64-unknown-elf, qemu-system-misc); a missing one fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${MCU_BUILD:-build-mcu}
timeout_s=${MCU_TIMEOUT:-120}
for tool in riscv64-unknown-elf-gcc qemu-system-riscv32 clang wat2wasm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "mcu: $tool is missing: run 'bash scripts/install-deps.sh' (scripts/packages.txt)" >&2
        exit 1
    fi
done
build() {
    cmake -S mcu -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchain-rv32.cmake" \
        -DMK_WERROR=ON >/dev/null
    cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)"
}
qemu() {  # qemu IMAGE: QEMU's virt board, console on stdio
    qemu-system-riscv32 -M virt -m 128M -nographic -bios none -kernel "$1"
}
case "${1:-test}" in
build) build ;;
test)
    build
    # mk-mcu-96k: 96,000 bytes of RAM in all with a 64 KiB linear memory;
    # mk-mcu-tiny: 24 KiB with zero-linear-memory modules (docs/mcu.md).
    for image in mk-mcu-nowasm mk-mcu mk-mcu-96k mk-mcu-tiny; do
        echo "== boot suite: $image under qemu-system-riscv32 -M virt"
        log=$(mktemp)
        rc=0
        timeout "$timeout_s" qemu-system-riscv32 -M virt -m 128M -nographic -bios none \
            -kernel "$dir/$image.elf" </dev/null | tee "$log" || rc=$?
        last=$(tr -d '\r' <"$log" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1 || true)
        rm -f "$log"
        if [ "$rc" -ne 0 ] || [[ "$last" != *" 0 failed" ]]; then
            echo "mcu: $image boot suite failed (QEMU exit $rc${last:+, $last})" >&2
            exit 1
        fi
    done
    echo "mcu: boot suites passed"
    echo "== UART shell in tmux (tests/mcu/uart_shell_tmux.sh)"
    MCU_SHELL_IMAGE="$dir/mk-mcu-shell.elf" bash tests/mcu/uart_shell_tmux.sh
    ;;
shell) build && qemu "$dir/mk-mcu-shell.elf" ;;
*)
    echo "usage: $0 build|test|shell" >&2
    exit 2
    ;;
esac
