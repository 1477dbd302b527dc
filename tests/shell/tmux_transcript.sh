#!/usr/bin/env bash
# tmux_transcript.sh -- the seed README's shell session, typed into mk-shell
# in a real terminal: list, info, load echo.wasm, call echo 200 hello,
# load hello.wat, stop echo, exit -- asserting what the screen shows.
# Usage: MK_SHELL=path/to/mk-shell MK_WASM_DIR=folder-with-echo.wasm bash tmux_transcript.sh
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tmux_lib.sh"
wasm_dir=${MK_WASM_DIR:?folder holding echo.wasm}
[ -f "$wasm_dir/echo.wasm" ] || { echo "FAIL: $wasm_dir/echo.wasm was not built" >&2; exit 1; }

start t "cd $wasm_dir && $MK_SHELL --data-dir $WORK/data --no-http --no-listen; echo EXITED \$?"
wait_for "mk-shell v"
wait_for "Type 'help' for commands."
line "list"
wait_for "  SEQ  ID                STATUS   MBOX"
has_line '^  [0-9]+ +0x[0-9a-f]{15} running  0/[0-9]+ +shell$' || fail "list: shell row"
line "info"
wait_for "Actors: "
has_line '^  SEQ +ID +STATUS +MBOX +PARENT +NAME$' || fail "info: header with PARENT"
wait_for "Memory: RSS "
line "load echo.wasm"
wait_for "as 'echo'"
has_line "^Spawned actor [0-9]+ as 'echo'$" || fail "load: output"
line "call echo 200 hello"
wait_for '[reply] type=201 from=0x'
has_line '^\[reply\] type=201 from=0x[0-9a-f]{16} size=5 "hello"$' || fail "call: reply line"
line "load echo.wasm"
wait_for "as 'echo_1'"
line "list"
wait_count "echo_1" 2
wait_line "^  [0-9]+ +0x[0-9a-f]{15} idle     0/16 +echo_1$" || fail "list: echo_1 row"
# a text module (.wat) loads too, named after its file
printf '(module (func (export "handle_message")\n  (param i32 i64 i32 i32) (result i32) (i32.const 1)))\n' >"$WORK/hello.wat"
line "load $WORK/hello.wat"
wait_for "as 'hello'"
has_line "^Spawned actor [0-9]+ as 'hello'$" || fail "load .wat: output"
line "stop echo"
wait_for "Stopped actor 0x"
has_line '^Stopped actor 0x[0-9a-f]{16}$' || fail "stop: output"
line "call echo 200 again"
wait_for "error: call: no actor named 'echo'"
line "exit"
wait_for "Goodbye."
wait_for "EXITED 0"
echo PASS
