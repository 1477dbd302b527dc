#!/usr/bin/env bash
# test_make_run.sh SOURCE_DIR BUILD_DIR -- what `make run` starts after
# building (scripts/run.sh) boots a node whose shell answers: the Quick
# start's session, typed on stdin, loads the echo actor and gets its reply.
set -euo pipefail
src=$1
build=$2
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
out=$(printf 'list\nload echo.wasm\ncall echo 200 hello\nstop echo\nexit\n' |
      MK_DATA_DIR="$data" timeout 60 bash "$src/scripts/run.sh" "$build" --no-listen --no-http 2>&1)
echo "$out"
for want in 'local_kv' "Spawned actor [0-9]* as 'echo'" '\[reply\] type=201 from=0x[0-9a-f]* size=5 "hello"' \
            'Stopped actor 0x' 'Goodbye.'; do
    if ! grep -q -- "$want" <<<"$out"; then
        echo "FAIL: expected a line matching: $want"
        exit 1
    fi
done
echo "make run: the node starts and answers the Quick start's session"
