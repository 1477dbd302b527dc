#!/bin/sh
# mk_wasm_wat.sh MK_WASM CALC.wat -- mk-wasm runs a text module (detected by
# its content, not its name) and reports a malformed one as file:line:col.
set -u
T="$1"; CALC="$2"
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
fails=0
out=$("$T" run "$CALC" --invoke add 2 3 2>&1) && [ "$out" = "5" ] && echo "ok   run-wat" || { echo "FAIL run-wat: $out"; fails=1; }
cp "$CALC" "$d/calc.bin"
out=$("$T" run "$d/calc.bin" --invoke mul64 3 4000000000 2>&1) && [ "$out" = "12000000000" ] && echo "ok   wat-by-content" || { echo "FAIL wat-by-content: $out"; fails=1; }
printf '(module\n  (func (i32.const 1) i32.ad))\n' > "$d/bad.wat"
out=$("$T" validate "$d/bad.wat" 2>&1); rc=$?
case "$rc:$out" in 1:*"bad.wat:2:23: unknown instruction i32.ad"*) echo "ok   bad-wat" ;; *) echo "FAIL bad-wat: $rc $out"; fails=1 ;; esac
exit $fails
