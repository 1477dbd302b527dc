#!/usr/bin/env bash
# tmux_cloud_history.sh -- the seed's acceptance test of the cloud
# integration: mk-shell with only the cloud configured (--no-kv, --cf-url to
# the local mk-proxy Worker under wrangler dev) keeps its history in Workers
# KV. Type commands, exit, start again with an empty data directory, press
# Up: the previous session's commands come back, from the Worker.
# Usage: MK_SHELL=... CLOUD_WORKER_DIR=... bash tmux_cloud_history.sh
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../shell/tmux_lib.sh"
CLOUD_WORKER_DIR=${CLOUD_WORKER_DIR:?path of the installed Worker (setup-worker.sh)}

port=$(free_port)
state="$WORK/worker"
stop_worker() { bash "$here/worker.sh" stop "$state" || true; }
trap 'stop_worker; cleanup' EXIT
bash "$here/worker.sh" start "$CLOUD_WORKER_DIR" "$state" "$port" || fail "the local Worker did not start"

export MK_NODE_NAME="cloudhist-$$"
run_shell() {  # run_shell DATA-DIR
    mkdir -p "$1"
    echo "cd $WORK && MK_CF_URL=ws://127.0.0.1:$port/ws MK_CF_TOKEN=test-token $MK_SHELL --name cnode --data-dir $1 --no-kv --no-http --no-listen; echo EXITED \$?"
}

start s1 "$(run_shell "$WORK/d1")"
wait_for "Type 'help' for commands."
line "whoami"
wait_for "Node:    1 (cnode)"
line "lookup shell"
wait_for "shell -> 0x"
line "exit"
wait_for "EXITED 0" 20
[ -e "$WORK/d1/history" ] && fail "history went to the data directory, not to the cloud KV"

# A new data directory: only Workers KV can remember the commands.
start s2 "$(run_shell "$WORK/d2")"
wait_for "Type 'help' for commands."
line "history"
wait_for "lookup shell" 20
has_line '^ +[0-9]+  whoami$' || fail "history: whoami from the last session missing"
press Up Up Up Enter  # Up: history, then exit, then lookup shell
wait_count "shell -> 0x" 1
line "exit"
wait_for "EXITED 0" 20
echo "PASS: history kept in the cloud KV across restarts"
