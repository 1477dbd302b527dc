#!/usr/bin/env bash
# run.sh -- what `make run` calls after building: start mk-shell, the node a
# person drives, with its data (history, KV store) in ./.mk-data.
# Usage: bash scripts/run.sh BUILD_DIR [extra mk-shell options]
# The example echo actor (examples/wasm/echo.c) is built to
# BUILD_DIR/examples/wasm/echo.wasm; the shell starts in that folder so
# `load echo.wasm` finds it. Falls back to the core examples when mk-shell
# was not built.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
shift || true
build=$(cd "$build" && pwd)
shell="$build/tools/mk-shell/mk-shell"
if [ -x "$shell" ]; then
    data="${MK_DATA_DIR:-$root/.mk-data}"
    mkdir -p "$data"
    if [ -f "$build/examples/wasm/echo.wasm" ]; then
        cd "$build/examples/wasm"
    fi
    exec "$shell" --data-dir "$data" "$@"
fi
"$build/examples/pingpong"
"$build/examples/timers_names"
