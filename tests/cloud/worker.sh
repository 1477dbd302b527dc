#!/usr/bin/env bash
# worker.sh start DIR STATE PORT | stop STATE -- run the mk-proxy Worker
# (installed in DIR by setup-worker.sh) with `wrangler dev` on
# 127.0.0.1:PORT, test configuration (test/wrangler.test.toml: local KV, D1
# and queue; the AI stand-in), local data persisted under STATE so a restart
# keeps it. `start` waits up to 60 s for /health and fails with wrangler's
# log otherwise; its PID goes to STATE/wrangler.pid. `stop` ends that
# process group and waits for it.
set -euo pipefail
cmd=${1:?usage: worker.sh start DIR STATE PORT | stop STATE}
case $cmd in
start)
    dir=$2 state=$3 port=$4
    mkdir -p "$state"
    cd "$dir"
    WRANGLER_SEND_METRICS=false setsid node_modules/.bin/wrangler dev -c test/wrangler.test.toml \
        --ip 127.0.0.1 --port "$port" --persist-to "$state/data" \
        >"$state/wrangler.log" 2>&1 </dev/null &
    echo $! >"$state/wrangler.pid"
    for _ in $(seq 120); do
        if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
            exit 0
        fi
        if ! kill -0 "$(cat "$state/wrangler.pid")" 2>/dev/null; then
            break
        fi
        sleep 0.5
    done
    echo "worker.sh: wrangler dev did not become ready on port $port within 60 s; its log:" >&2
    cat "$state/wrangler.log" >&2
    kill -- -"$(cat "$state/wrangler.pid")" 2>/dev/null || true
    exit 1
    ;;
stop)
    state=$2
    [ -f "$state/wrangler.pid" ] || exit 0
    pid=$(cat "$state/wrangler.pid")
    kill -TERM -- -"$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- -"$pid" 2>/dev/null || true
    rm -f "$state/wrangler.pid"
    ;;
*) echo "usage: worker.sh start DIR STATE PORT | stop STATE" >&2; exit 2 ;;
esac
