#!/usr/bin/env bash
# tmux_two_nodes.sh -- two mk-shell nodes in a real terminal: alpha mounts
# beta, `ls` shows the paths beta synced (as they are on beta; a path alpha
# has itself stays alpha's), `call` reaches an actor of beta by path and
# `caps beta` answers with beta's identity.
# Usage: MK_SHELL=... MK_WASM_DIR=folder-with-echo.wasm bash tmux_two_nodes.sh
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tmux_lib.sh"
wasm_dir=${MK_WASM_DIR:?folder holding echo.wasm}
[ -f "$wasm_dir/echo.wasm" ] || { echo "FAIL: $wasm_dir/echo.wasm was not built" >&2; exit 1; }
port=$(free_port)

start beta "cd $wasm_dir && $MK_SHELL --node-id 2 --name beta --data-dir $WORK/beta --listen $port --cookie tmux-two-nodes --no-http; echo EXITED \$?"
wait_for "Type 'help' for commands."
line "load echo.wasm"
wait_for "as 'echo'"
line "register /app/echo echo"
wait_for "Registered '/app/echo' -> 0x00000002"

start alpha "$MK_SHELL --node-id 1 --name alpha --data-dir $WORK/alpha --no-listen --no-http --cookie tmux-two-nodes; echo EXITED \$?"
wait_for "Type 'help' for commands."
line "mount 127.0.0.1:$port"
wait_for "Mounted node 2 'beta' at /node/beta/"
# The path table of beta arrives just after the handshake.
for i in $(seq 1 50); do
    line "ls /app"
    if grep -qF "/app/echo" <<<"$(screen)"; then break; fi
    sleep 0.2
done
# The original's ls lines: <path>=<decimal id> (node 2: 2^32 + seq).
has_line '^/app/echo=85899[0-9]{5}$' || fail "ls: beta's /app/echo"
line "ls /node/beta"
wait_for "/node/beta/caps"
has_line '^/node/beta/caps=85899[0-9]{5}$' || fail "ls: beta's caps"
line "call /app/echo 200 hello"
wait_for '[reply] type=201 from=0x00000002'
has_line '^\[reply\] type=201 from=0x0000000200000[0-9a-f]{3} size=5 "hello"$' || fail "remote call"
line "caps beta"
wait_for 'identity=beta'
line "exit"
wait_for "EXITED 0"
use beta
line "exit"
wait_for "EXITED 0"
echo PASS
