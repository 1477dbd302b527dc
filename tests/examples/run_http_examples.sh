#!/usr/bin/env bash
# run_http_examples.sh KIND PROGRAM -- run a server example on an ephemeral
# port of 127.0.0.1 and talk to it with curl, a real peer:
#   json: http_json_server 0 2; GET /status must be a 200 JSON object with
#         "ticks" and "requests", GET /nope a JSON 404; then the program
#         ends by itself (it stops after two requests).
#   sse:  sse_server 0 3; curl -N /events must get "event: tick" with data
#         1, 2, 3 in order, and the stream ends (the server closes it after
#         three events); then the program ends by itself.
# Fails loudly when curl is missing (scripts/packages.txt lists it).
set -euo pipefail
kind=$1
prog=$2
command -v curl >/dev/null || {
    echo "curl is not installed (scripts/packages.txt lists it)" >&2
    exit 1
}
tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "$kind example: $*" >&2
    echo "--- program output:" >&2
    cat "$tmp/out" >&2 || true
    exit 1
}
case $kind in
json) "$prog" 0 2 >"$tmp/out" 2>&1 & ;;
sse) "$prog" 0 3 >"$tmp/out" 2>&1 & ;;
*) fail "unknown kind" ;;
esac
pid=$!
# The program prints its port once it listens (no sleep: poll the line).
port=
for _ in $(seq 1 300); do
    port=$(sed -n 's#^listening on http://127.0.0.1:\([0-9]*\)/.*#\1#p' "$tmp/out")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || fail "ended before listening"
    sleep 0.1
done
[ -n "$port" ] || fail "never said where it listens"

if [ "$kind" = json ]; then
    curl -sS --max-time 20 -o "$tmp/body" -w '%{http_code} %{content_type}\n' \
        "http://127.0.0.1:$port/status" >"$tmp/status"
    grep -q '^200 application/json' "$tmp/status" || fail "GET /status: $(cat "$tmp/status")"
    grep -Eq '^\{"ticks":[0-9]+,"requests":1\}$' "$tmp/body" || fail "GET /status body: $(cat "$tmp/body")"
    code=$(curl -sS --max-time 20 -o "$tmp/body404" -w '%{http_code}' "http://127.0.0.1:$port/nope")
    [ "$code" = 404 ] || fail "GET /nope: $code"
    grep -q '"error":"not found"' "$tmp/body404" || fail "GET /nope body: $(cat "$tmp/body404")"
    want='http_json_server: 2 requests answered'
else
    # --max-time only guards against a hang: the server ends the stream.
    curl -sSN --max-time 60 "http://127.0.0.1:$port/events" >"$tmp/stream" ||
        fail "the stream did not end cleanly (curl $?)"
    got=$(tr -d '\r' <"$tmp/stream" | awk '/^event: tick$/ {ev=1; next} ev && /^data: / {print $2; ev=0}' | tr '\n' ' ')
    [ "$got" = "1 2 3 " ] || fail "events: got '$got', want '1 2 3 '"
    want='sse_server: 1 stream(s) served'
fi
wait "$pid" || fail "exited with $?"
pid=
grep -q "$want" "$tmp/out" || fail "no '$want'"
echo "$kind example: ok"
