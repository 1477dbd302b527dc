#!/usr/bin/env bash
# status_http.sh -- mk-shell's HTTP status endpoint: curl on /status returns
# valid JSON listing the node's actors (shell and console among them),
# /actors the array alone, unknown paths 404, other methods 405 with Allow.
# Usage: MK_SHELL=path/to/mk-shell bash status_http.sh
set -euo pipefail
MK_SHELL=${MK_SHELL:?path to mk-shell}
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: '$tool' is not installed (scripts/packages.txt)" >&2; exit 1; }
done
work=$(mktemp -d /tmp/mk-shell-http-XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- mk-shell output:" >&2; cat "$work/out" >&2 || true; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
mkfifo "$work/in"
"$MK_SHELL" --data-dir "$work/data" --no-listen --http "$port" < "$work/in" > "$work/out" 2>&1 &
pid=$!
exec 3>"$work/in"   # keep the shell's stdin open until we are done
for i in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/status" -o "$work/status.json" && break
    sleep 0.1
done
[ -s "$work/status.json" ] || fail "no answer on http://127.0.0.1:$port/status"
python3 - "$work/status.json" <<'PY' || fail "bad /status JSON: $(cat "$work/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["node_id"] == 1, d
names = [n for a in d["actors"] for n in a["names"]]
for want in ("shell", "console", "/sys/status"):
    assert want in names, (want, names)
assert d["actor_count"] == len(d["actors"]) >= 3
for a in d["actors"]:
    assert a["id"].startswith("0x") and len(a["id"]) == 18, a
    assert a["status"] in ("idle", "ready", "running"), a
    assert 0 <= a["mailbox_used"] <= a["mailbox_size"], a
PY
curl -sf "http://127.0.0.1:$port/actors" -o "$work/actors.json" || fail "/actors"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert isinstance(a, list) and any("shell" in x["names"] for x in a)' "$work/actors.json" || fail "bad /actors JSON"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope")
[ "$code" = 404 ] || fail "/nope gave $code, expected 404"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/status")
[ "$code" = 405 ] || fail "POST /status gave $code, expected 405"
allow=$(curl -s -o /dev/null -D - -X POST "http://127.0.0.1:$port/status" | tr -d '\r' | sed -n 's/^Allow: //p')
[ "$allow" = "GET, HEAD" ] || fail "405 carried Allow '$allow', expected 'GET, HEAD' (RFC 9110 15.5.6)"
echo exit >&3
exec 3>&-
wait "$pid" || fail "mk-shell exited with $?"
pid=""
grep -q "^Goodbye.$" "$work/out" || fail "no Goodbye"
echo PASS
