#!/usr/bin/env bash
# mk_shell_observer.sh -- the observer through mk-shell itself: without
# --observer-write the page and documents are served and every write is
# refused (403); with it, a message sent through POST /api/send reaches the
# shell (printed as "[msg] type=5 ..."), and stopping the shell's own actor
# or console is refused as the shell's `stop` refuses it. Then two nodes
# (shared cookie): after one mounts the other, /api/nodes and /metrics show
# the peer.
# Usage: MK_SHELL=path/to/mk-shell bash mk_shell_observer.sh
set -euo pipefail
MK_SHELL=${MK_SHELL:?path to mk-shell}
command -v curl >/dev/null || { echo "FAIL: curl is not installed (scripts/packages.txt)" >&2; exit 1; }
work=$(mktemp -d)
pid=""
pid_c=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    [ -n "$pid_c" ] && kill "$pid_c" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- mk-shell output:" >&2; cat "$work/out" >&2 || true; exit 1; }
# Debian's python3 when there is one: a version manager's shim on PATH can
# take a second per start.
PY=$(command -v /usr/bin/python3 || command -v python3)
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# start_node PORT [extra options]: mk-shell on a fifo, waits for the page.
start_node() {
    local port=$1; shift
    rm -f "$work/in"; mkfifo "$work/in"
    "$MK_SHELL" --data-dir "$work/data" --no-listen --http "$port" "$@" < "$work/in" > "$work/out" 2>&1 &
    pid=$!
    exec 3>"$work/in"
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/" -o /dev/null && return 0
        sleep 0.1
    done
    fail "no observer page on port $port"
}
stop_node() {
    echo exit >&3; exec 3>&-
    wait "$pid" || fail "mk-shell exited with $?"
    pid=""
}
# post PORT PATH FORM -> prints "status body"
post() {
    curl -s -o "$work/body" -w '%{http_code}' -X POST -H 'X-Observer: 1' \
         --data-binary "$3" "http://127.0.0.1:$1$2"
    printf ' '; cat "$work/body"
}

"$MK_SHELL" --help | grep -q -- "--observer-write" || fail "--help does not list --observer-write"

port=$(free_port)
start_node "$port"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")
[ "$code" = 200 ] || fail "/metrics gave $code"
r=$(post "$port" /api/send 'to=shell&type=5&text=hi')
case $r in "403 "*observer-write*) ;; *) fail "read-only send gave: $r" ;; esac
stop_node

port=$(free_port)
start_node "$port" --observer-write
r=$(post "$port" /api/send 'to=shell&type=5&text=hi+from+the+page')
case $r in "200 "*'"ok":true'*) ;; *) fail "send gave: $r" ;; esac
for _ in $(seq 1 50); do
    grep -q '\[msg\] type=5 .*"hi from the page"' "$work/out" && break
    sleep 0.1
done
grep -q '\[msg\] type=5 .*"hi from the page"' "$work/out" || fail "the shell did not print the message"
r=$(post "$port" /api/stop 'to=shell')
case $r in "403 "*"shell's own actor"*) ;; *) fail "stop shell gave: $r" ;; esac
r=$(post "$port" /api/stop 'to=console')
case $r in "403 "*"console"*) ;; *) fail "stop console gave: $r" ;; esac
stop_node

# Nodes: delta mounts gamma (shared cookie); delta's /api/nodes shows the
# peer with its name, link state and counters.
pc=$(free_port); hc=$(free_port); hd=$(free_port)
mkfifo "$work/in_c" "$work/in_d"
"$MK_SHELL" --node-id 3 --name gamma --data-dir "$work/c" --listen "$pc" --cookie s3cret \
    --http "$hc" < "$work/in_c" > "$work/out_c" 2>&1 &
pid_c=$!
exec 4>"$work/in_c"
MK_COOKIE=s3cret "$MK_SHELL" --node-id 4 --name delta --data-dir "$work/d" --no-listen \
    --http "$hd" < "$work/in_d" > "$work/out" 2>&1 &
pid=$!
exec 3>"$work/in_d"
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$hd/api/nodes" -o /dev/null && (exec 9<>/dev/tcp/127.0.0.1/"$pc") 2>/dev/null && break
    sleep 0.1
done
echo "mount 127.0.0.1:$pc" >&3
for _ in $(seq 1 100); do
    grep -q "Mounted node 3 'gamma'" "$work/out" && break
    sleep 0.1
done
grep -q "Mounted node 3 'gamma'" "$work/out" || fail "delta did not mount gamma"
curl -sf "http://127.0.0.1:$hd/api/nodes" -o "$work/nodes.json" || fail "/api/nodes"
"$PY" - "$work/nodes.json" <<'PY' || fail "bad /api/nodes: $(cat "$work/nodes.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["node"]["id"] == 4 and d["node"]["name"] == "delta", d["node"]
assert d["node"]["key"].startswith("ed25519:"), d["node"]
peers = d["peers"]
assert len(peers) == 1, peers
p = peers[0]
assert p["node"] == 3 and p["name"] == "gamma" and p["connected"] is True, p
assert p["host"] == "127.0.0.1" and isinstance(p["frames_in"], int) and p["rtt_ms"] is None, p
PY
curl -sf "http://127.0.0.1:$hd/metrics" | grep -q '^mk_peer_frames_in_total{peer="3"} ' ||
    fail "/metrics has no mk_peer_frames_in_total for node 3"
stop_node
echo exit >&4; exec 4>&-
wait "$pid_c" || fail "gamma exited with $?"
pid_c=""
echo PASS
