#!/bin/sh
# tool_test.sh MK_WASM PROG.wasm CALC.wasm -- checks mk-wasm's output, exit
# codes and error messages. Prints each failed expectation; exits 1 if any.
set -u
T="$1"; PROG="$2"; CALC="$3"
fails=0
check() { # name expected-status expected-output-substring command...
    name="$1"; want_rc="$2"; want="$3"; shift 3
    out=$("$@" 2>&1 </dev/null); rc=$?
    if [ "$rc" != "$want_rc" ]; then
        echo "FAIL $name: exit $rc, want $want_rc; output: $out"; fails=$((fails + 1)); return
    fi
    case "$out" in
        *"$want"*) echo "ok   $name" ;;
        *) echo "FAIL $name: output lacks \"$want\": $out"; fails=$((fails + 1)) ;;
    esac
}
check validate-ok 0 "valid" "$T" validate "$PROG"
check run-args 0 "arg2=two" "$T" run "$PROG" one two
check run-argc 0 "argc=3" "$T" run "$PROG" one two
check run-env 0 "env=hello" env MK_WASM_TEST=hello "$T" run "$PROG"
check run-clock 0 "clock=ok" "$T" run "$PROG"
check run-random 0 "random=ok" "$T" run "$PROG"
check run-exit 7 "argc=3" "$T" run "$PROG" exit 7
out=$(echo "line from stdin" | "$T" run "$PROG" read 2>&1)
case "$out" in *"read=line from stdin"*) echo "ok   run-stdin" ;; *) echo "FAIL run-stdin: $out"; fails=$((fails + 1)) ;; esac
# a pipe, a file or /dev/null is not a terminal (fd_fdstat_get file types),
# the same answer as the native build gives
out=$(echo x | "$T" run "$PROG" tty 2>&1 | cat)
case "$out" in *"isatty0=0 isatty1=0"*) echo "ok   tty-pipe" ;; *) echo "FAIL tty-pipe: $out"; fails=$((fails + 1)) ;; esac
check tty-devnull 0 "isatty0=0" "$T" run "$PROG" tty
out=$("$T" run "$PROG" tty 2>&1 <"$0" | cat)
case "$out" in *"isatty0=0 isatty1=0"*) echo "ok   tty-file" ;; *) echo "FAIL tty-file: $out"; fails=$((fails + 1)) ;; esac
check exit-code-255 255 "argc=3" "$T" run "$PROG" exit 255
check exit-code-0 0 "argc=3" "$T" run "$PROG" exit 0
check invoke-add 0 "5" "$T" run "$CALC" --invoke add 2 3
check invoke-i64 0 "12000000000" "$T" run "$CALC" --invoke mul64 3 4000000000
check invoke-f64 0 "1.25" "$T" run "$CALC" --invoke half 2.5
check invoke-multi 0 "1.5" "$T" run "$CALC" --invoke pair
check invoke-trap 1 "integer divide by zero" "$T" run "$CALC" --invoke crash 0
check missing-file 1 "cannot read file" "$T" run /nonexistent/x.wasm
check invalid-module 1 "magic header" "$T" validate "$0"
check unknown-export 1 "no exported function \"nope\"" "$T" run "$CALC" --invoke nope
check arg-count 1 "expects 2 arguments (i32 i32), got 1" "$T" run "$CALC" --invoke add 1
check arg-type 1 "argument 2: \"x\" is not a valid i32" "$T" run "$CALC" --invoke add 1 x
check not-command 1 "not a WASI command" "$T" run "$CALC"
check usage 2 "usage" "$T" frobnicate x
[ "$fails" = 0 ] || { echo "$fails failed"; exit 1; }
echo "all mk-wasm checks passed"
