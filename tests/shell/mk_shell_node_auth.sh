#!/usr/bin/env bash
# mk_shell_node_auth.sh -- mk-shell's node-link security end to end (issue
# 13, docs/security.md): the mount listener binds 127.0.0.1 unless told
# otherwise (--listen HOST:PORT), `whoami` shows the node key, an untrusted
# node is refused with the `trust <key>` hint, `trust` on both sides lets
# the next mount through (authenticated, TLS), --cookie does it without a
# trust list, and a key file readable by others stops the node.
# Usage: MK_SHELL=path/to/mk-shell bash mk_shell_node_auth.sh
set -euo pipefail
MK_SHELL=${MK_SHELL:?path to mk-shell}
work=$(mktemp -d /tmp/mk-shell-auth-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The local address a TCP listener on port $1 is bound to (from /proc/net/tcp).
bound_addr() {
    local hex; hex=$(printf '%04X' "$1")
    awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" {print $2}' /proc/net/tcp | head -1
}
# Start a long-lived node: mk-shell reading a FIFO this script holds open;
# stop_node closes it (EOF: the shell exits) and waits.
nodes=0
serve() {
    nodes=$((nodes + 1))
    mkfifo "$work/in$nodes"
    "$MK_SHELL" "$@" --no-http <"$work/in$nodes" >"$work/serve$nodes.out" 2>&1 &
    node_pid=$!
    pids+=("$node_pid")
    exec {node_fd}>"$work/in$nodes"
}
stop_node() {
    exec {node_fd}>&-
    wait "$node_pid" || true
}
wait_listen() {
    # up to 30 s: a node under ASan on a loaded machine starts slowly
    for _ in $(seq 1 600); do [ -n "$(bound_addr "$1")" ] && return 0; sleep 0.05; done
    fail "no listener on port $1"
}
key_of() { "$MK_SHELL" --data-dir "$1" --no-http --no-listen --script <(echo whoami) |
           sed -n 's/^Key: *//p'; }

# 1. Default listener: 127.0.0.1 only; --listen 0.0.0.0:PORT on purpose.
p=$(free_port)
serve --data-dir "$work/l1" --listen "$p"
wait_listen "$p"
[ "$(bound_addr "$p")" = "0100007F:$(printf '%04X' "$p")" ] ||
    fail "--listen $p bound $(bound_addr "$p"), expected 127.0.0.1"
stop_node
p2=$(free_port)
serve --data-dir "$work/l2" --listen "0.0.0.0:$p2"
wait_listen "$p2"
[ "$(bound_addr "$p2")" = "00000000:$(printf '%04X' "$p2")" ] || fail "--listen 0.0.0.0:$p2"
stop_node

# 2. Keys: whoami shows one; the same after a restart.
ka=$(key_of "$work/a"); kb=$(key_of "$work/b")
[[ "$ka" =~ ^ed25519:[0-9a-f]{64}$ ]] || fail "whoami key: '$ka'"
[ "$ka" = "$(key_of "$work/a")" ] || fail "the key changed across restarts"
[ "$(stat -c %a "$work/a/node.key")" = 600 ] || fail "node.key mode $(stat -c %a "$work/a/node.key")"

# 3. Untrusted: refused with the hint; trusted both ways: mounted.
pb=$(free_port)
serve --node-id 2 --name beta --data-dir "$work/b" --listen "$pb"
wait_listen "$pb"
set +e
"$MK_SHELL" --node-id 1 --name alpha --data-dir "$work/a" --no-http --no-listen \
    --script <(echo "mount 127.0.0.1:$pb") >"$work/out" 2>&1
set -e
grep -qF "not in the trust list; \`trust $kb\` to allow" "$work/out" ||
    fail "untrusted mount: $(cat "$work/out")"
stop_node
"$MK_SHELL" --data-dir "$work/a" --no-http --no-listen --script <(echo "trust $kb") >/dev/null
"$MK_SHELL" --data-dir "$work/b" --no-http --no-listen --script <(echo "trust $ka") >/dev/null
pb=$(free_port)
serve --node-id 2 --name beta --data-dir "$work/b" --listen "$pb"
wait_listen "$pb"
"$MK_SHELL" --node-id 1 --name alpha --data-dir "$work/a" --no-http --no-listen \
    --script <(echo "mount 127.0.0.1:$pb") >"$work/out" 2>&1 || fail "trusted mount: $(cat "$work/out")"
grep -q "^Mounted node 2 'beta'" "$work/out" || fail "trusted mount: $(cat "$work/out")"
stop_node

# 4. Cookie mode: fresh nodes, no trust list.
pc=$(free_port)
serve --node-id 3 --name gamma --data-dir "$work/c" --listen "$pc" --cookie s3cret
wait_listen "$pc"
MK_COOKIE=s3cret "$MK_SHELL" --node-id 4 --name delta --data-dir "$work/d" --no-http --no-listen \
    --script <(echo "mount 127.0.0.1:$pc") >"$work/out" 2>&1 || fail "cookie mount: $(cat "$work/out")"
grep -q "^Mounted node 3 'gamma'" "$work/out" || fail "cookie mount: $(cat "$work/out")"
stop_node

# 5. A key file others can read stops the node with the fix in the message.
chmod 644 "$work/a/node.key"
set +e
"$MK_SHELL" --data-dir "$work/a" --no-http --no-listen --script <(echo whoami) >"$work/out" 2>&1
st=$?
set -e
[ "$st" = 1 ] || fail "readable key: exit $st"
grep -q "chmod 600" "$work/out" || fail "readable key: $(cat "$work/out")"
echo PASS
