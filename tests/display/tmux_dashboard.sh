#!/usr/bin/env bash
# tmux_dashboard.sh -- `mk-shell --dashboard` in a real terminal: the
# dashboard fills the screen with the actor table, refreshes it live (the
# uptime moves), shows an actor spawned while it runs (a --script that
# loads echo.wasm), and a key press ends it with status 0.
# Usage: MK_SHELL=... MK_WASM_DIR=folder-with-echo.wasm bash tmux_dashboard.sh
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../shell/tmux_lib.sh"
wasm_dir=${MK_WASM_DIR:?folder holding echo.wasm}
[ -f "$wasm_dir/echo.wasm" ] || { echo "FAIL: $wasm_dir/echo.wasm was not built" >&2; exit 1; }

# 1. The table, live, and a key ends it.
start dash "$MK_SHELL --dashboard --name tmuxdash --data-dir $WORK/a --no-listen --no-http; echo EXITED \$?"
wait_for "ACTORS ("
wait_for "/sys/dashboard"
has_line '^ +[0-9]+ run +[0-9]+ /sys/dashboard$' || fail "the dashboard's own row"
has_line '^ node: tmuxdash +id: 1$' || fail "identity row"
has_line 'MICROKERNEL' || fail "title"
first=$(screen | grep -F ' uptime: ')
for i in $(seq 1 60); do
    now=$(screen | grep -F ' uptime: ' || true)
    [ -n "$now" ] && [ "$now" != "$first" ] && break
    sleep 0.1
done
[ "$now" != "$first" ] || fail "the uptime did not move: not refreshed"
keys "q"
wait_for "EXITED 0"

# 2. An actor spawned while the dashboard runs appears in the table.
printf 'load echo.wasm\n' >"$WORK/spawn.txt"
start spawn "cd $wasm_dir && $MK_SHELL --dashboard --data-dir $WORK/b --no-listen --no-http --script $WORK/spawn.txt; echo EXITED \$?"
wait_for "ACTORS ("
wait_for " echo" 10
has_line '^ +[0-9]+ (idle|rdy|run) +[0-9]+ echo$' || fail "echo's row"
keys " "
wait_for "EXITED 0"
echo PASS
