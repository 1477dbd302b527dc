#!/usr/bin/env bash
# worker.sh start|start-tls DIR STATE PORT | stop STATE -- run the mk-proxy Worker
# (installed in DIR by setup-worker.sh) with `wrangler dev` on
# 127.0.0.1:PORT, test configuration (test/wrangler.test.toml: local KV, D1
# and queue; the AI stand-in), local data persisted under STATE so a restart
# keeps it. `start-tls` serves https/wss instead, with a test CA made here
# (STATE/tls/ca.pem, which the client must trust; the server certificate
# names 127.0.0.1 and localhost). `start` waits up to 60 s for /health and fails with wrangler's
# log otherwise; its PID goes to STATE/wrangler.pid. `stop` ends that
# process group and waits for it.
set -euo pipefail
cmd=${1:?usage: worker.sh start DIR STATE PORT | stop STATE}
case $cmd in
start|start-tls)
    dir=$2 state=$3 port=$4
    mkdir -p "$state"
    tls=() scheme=http curl_ca=()
    if [ "$cmd" = start-tls ]; then
        t="$state/tls"
        mkdir -p "$t"
        if [ ! -f "$t/server.pem" ]; then
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mk cloud test CA" \
                -keyout "$t/ca.key" -out "$t/ca.pem" 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
                -keyout "$t/server.key" -out "$t/server.csr" 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$t/ext.cnf"
            openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" \
                -CAcreateserial -days 2 -extfile "$t/ext.cnf" -out "$t/server.pem" 2>/dev/null
        fi
        tls=(--local-protocol https --https-key-path "$t/server.key" --https-cert-path "$t/server.pem")
        scheme=https curl_ca=(--cacert "$t/ca.pem")
    fi
    cd "$dir"
    WRANGLER_SEND_METRICS=false setsid node_modules/.bin/wrangler dev -c test/wrangler.test.toml \
        --ip 127.0.0.1 --port "$port" --persist-to "$state/data" "${tls[@]}" \
        >"$state/wrangler.log" 2>&1 </dev/null &
    echo $! >"$state/wrangler.pid"
    for _ in $(seq 120); do
        if curl -fsS "${curl_ca[@]}" "$scheme://127.0.0.1:$port/health" >/dev/null 2>&1; then
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
*) echo "usage: worker.sh start|start-tls DIR STATE PORT | stop STATE" >&2; exit 2 ;;
esac
