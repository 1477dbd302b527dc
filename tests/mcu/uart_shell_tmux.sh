#!/usr/bin/env bash
# uart_shell_tmux.sh -- the UART shell of the bare-metal image (docs/mcu.md)
# in a real terminal: QEMU's console (-nographic: the UART on stdio) in a
# tmux pane, commands typed as keys, replies read from the screen: list,
# info, load from the embedded table, call (echo.wasm answers with the same
# text), send, reload (the same actor answers as version 2), stop, a bad
# command, a too-long line, and exit ending QEMU with status 0.
# Usage: MCU_SHELL_IMAGE=build-mcu/mk-mcu-shell.elf bash uart_shell_tmux.sh
here=$(cd "$(dirname "$0")" && pwd)
image=${MCU_SHELL_IMAGE:?path to mk-mcu-shell.elf}
command -v qemu-system-riscv32 >/dev/null ||
    { echo "FAIL: qemu-system-riscv32 is missing (scripts/packages.txt: qemu-system-misc)" >&2; exit 1; }
MK_SHELL=$image # tmux_lib.sh wants the program under test here
source "$here/../shell/tmux_lib.sh"

start uart "timeout --foreground 120 qemu-system-riscv32 -M virt -m 128M -nographic -bios none -kernel $image; echo QEMU EXITED \$?"
wait_for "10 passed, 0 failed" 30
wait_line "^mk>$" 10

line "info"
wait_for "modules: echo.wasm"
line "load echo.wasm"
wait_line '^loaded echo.wasm as echo \([0-9a-f]{16}\)$'
line "list"
wait_line '^[0-9a-f]{16} +idle +0/16 +echo$'
has_line '^[0-9a-f]{16} +run +0/16 +shell$' || fail "list: no shell row"

line "call echo 200 hello over uart"
wait_line '^reply type 201 from [0-9a-f]{16}, 15 bytes: hello over uart$'

line "load counter_a.wasm"
wait_for "loaded counter_a.wasm as counter_a"
line "call counter_a 211"
wait_line '^reply type 301 from '
line "reload counter_a counter_b.wasm"
wait_for "reloaded counter_a with counter_b.wasm"
line "call counter_a 211"
wait_line '^reply type 302 from '

line "send echo 200 ping"
wait_line '^reply type 201 from [0-9a-f]{16}, 4 bytes: ping$'
line "call counter_a 7"
wait_for "call: no reply within 1000 ms"

line "stop echo"
wait_for "stopped echo"
line "call echo 200 x"
wait_for "call: actor_send: no live actor"
line "frobnicate"
wait_for "unknown command or arguments: frobnicate"
line "$(printf 'x%.0s' $(seq 1 130))"
wait_for "line longer than 120 bytes: ignored"
line "list"
wait_for "counter_a"

line "exit"
wait_for "bye"
wait_for "QEMU EXITED 0"
echo PASS
