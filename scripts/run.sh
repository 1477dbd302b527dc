#!/usr/bin/env bash
# run.sh -- what `make run` calls after building: start the node a person
# drives. Usage: bash scripts/run.sh BUILD_DIR [extra mk-shell options]
# Until mk-shell builds, runs the two core examples instead.
set -euo pipefail
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")/.." && pwd)
shell="$build/tools/mk-shell/mk-shell"
if [ -x "$shell" ]; then
    data="${MK_DATA_DIR:-$here/.mk-data}"
    mkdir -p "$data"
    wasm_dir="$build/examples/wasm"
    if [ -f "$wasm_dir/echo.wasm" ]; then
        echo "The example echo actor is at $wasm_dir/echo.wasm (try: load echo.wasm)"
        cd "$wasm_dir"
    fi
    exec "$shell" --data-dir "$data" "$@"
fi
"$build/examples/pingpong"
"$build/examples/timers_names"
