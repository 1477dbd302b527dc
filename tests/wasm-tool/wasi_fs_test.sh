#!/bin/sh
# wasi_fs_test.sh MK_WASM FS.wasm FS.native RS.wasm RS.native BAD.wasm
# Runs each C (wasi-libc) and Rust (wasm32-wasi std) program natively and
# under mk-wasm on the same input and demands the same stdout and exit
# code; then checks escapes from a preopen fail with ENOTCAPABLE and touch
# nothing outside, a read-only preopen refuses every write, and bad guest
# pointers get their errno. Prints each failed expectation; exits 1 if any.
set -u
T="$1"; FSW="$2"; FSN="$3"; RSW="$4"; RSN="$5"; BAD="$6"
fails=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# same NAME MODE WASM NATIVE STDIN-FILE ARGS...: native in $tmp/n, guest in
# $tmp/w preopened as /sandbox; DIR in ARGS is replaced by each one's path
same() {
    name="$1"; wasm="$2"; native="$3"; input="$4"; shift 4
    rm -rf "$tmp/n" "$tmp/w"; mkdir "$tmp/n" "$tmp/w"
    nargs=""; wargs=""
    for a in "$@"; do
        case "$a" in
            DIR) nargs="$nargs $tmp/n"; wargs="$wargs /sandbox" ;;
            *) nargs="$nargs $a"; wargs="$wargs $a" ;;
        esac
    done
    # shellcheck disable=SC2086
    "$native" $nargs <"$input" >"$tmp/native.out" 2>/dev/null; nrc=$?
    # shellcheck disable=SC2086
    "$T" run --dir "$tmp/w::/sandbox" "$wasm" $wargs <"$input" >"$tmp/wasm.out" 2>"$tmp/wasm.err"; wrc=$?
    if [ "$nrc" != "$wrc" ]; then
        fail "$name: exit $wrc, native $nrc; stderr: $(cat "$tmp/wasm.err")"
    elif ! cmp -s "$tmp/native.out" "$tmp/wasm.out"; then
        fail "$name: output differs from native:"; diff "$tmp/native.out" "$tmp/wasm.out"
    elif [ ! -s "$tmp/native.out" ] && [ "$name" != rs-exit ]; then
        fail "$name: no output"
    else
        echo "ok   $name (exit $wrc, $(wc -l <"$tmp/wasm.out") identical lines)"
    fi
}

seq 1 2000 >"$tmp/lines"
same c-fs "$FSW" "$FSN" /dev/null fs DIR
same c-sleep "$FSW" "$FSN" /dev/null sleep
same c-stdin-devnull "$FSW" "$FSN" /dev/null stdin
# stdin as a real pipe (not a file): poll, read to EOF, not a tty, no seek
out_n=$(cat "$tmp/lines" | "$FSN" stdin); rc_n=$?
out_w=$(cat "$tmp/lines" | "$T" run "$FSW" stdin); rc_w=$?
if [ "$out_n" = "$out_w" ] && [ "$rc_n" = "$rc_w" ]; then echo "ok   c-stdin-pipe-data"; else
    fail "c-stdin-pipe-data: native [$out_n] $rc_n, wasm [$out_w] $rc_w"; fi
same rs-fs "$RSW" "$RSN" /dev/null fs DIR
same rs-sleep "$RSW" "$RSN" /dev/null sleep
same rs-stdin "$RSW" "$RSN" "$tmp/lines" stdin
same rs-exit "$RSW" "$RSN" /dev/null exit 42
same rs-panic "$RSW" "$RSN" /dev/null panic

# escapes: `..`, absolute symlinks, relative symlinks climbing out, rename out
mkdir -p "$tmp/box/sub" "$tmp/outside"
echo hi >"$tmp/box/inside"
ln -s "$tmp/outside" "$tmp/box/outlink"
ln -s ../.. "$tmp/box/uplink"
echo secret >"$tmp/outside/passwd"
out=$("$T" run --dir "$tmp/box::/sandbox" "$FSW" escape /sandbox 2>&1)
want="open ../x: ENOTCAPABLE
open sub/../../x: ENOTCAPABLE
open outlink/passwd: ENOTCAPABLE
open uplink/etc/passwd: ENOTCAPABLE
mkdir ../y: ENOTCAPABLE
mkdir outlink/y: ENOTCAPABLE
stat ..: ENOTCAPABLE
stat outlink/passwd: ENOTCAPABLE
symlink then open: ENOTCAPABLE
rename out: ENOTCAPABLE
open sub/../inside: OK"
[ "$out" = "$want" ] && echo "ok   escape-errnos" || fail "escape-errnos: got
$out"
if [ -e "$tmp/y" ] || [ -e "$tmp/sub" ] || [ -e "$tmp/outside/y" ] || [ ! -d "$tmp/box/sub" ]; then
    fail "escape-untouched: something was created or moved outside the preopen"
else echo "ok   escape-untouched"; fi
# an absolute path with no matching preopen: wasi-libc answers ENOTCAPABLE too
out=$("$T" run --dir "$tmp/box::/sandbox" "$FSW" escape /elsewhere 2>&1 | head -1)
[ "$out" = "open ../x: ENOTCAPABLE" ] && echo "ok   escape-absolute" || fail "escape-absolute: $out"

# a read-only preopen: reads work, every change is refused, nothing changes
out=$("$T" run --dir-ro "$tmp/box::/sandbox" "$FSW" ro /sandbox 2>&1)
want="open inside: OK
create: ENOTCAPABLE
truncate: ENOTCAPABLE
write: EBADF
mkdir: ENOTCAPABLE
unlink: ENOTCAPABLE
rename: ENOTCAPABLE"
[ "$out" = "$want" ] && echo "ok   readonly-preopen" || fail "readonly-preopen: got
$out"
[ "$(cat "$tmp/box/inside")" = hi ] && [ ! -e "$tmp/box/new" ] && [ ! -e "$tmp/box/dd" ] &&
    echo "ok   readonly-untouched" || fail "readonly-untouched"

# bad pointers, lengths, fds, flags: the witx errno, never a host crash
out=$("$T" run --dir "$tmp/box::/s" "$BAD" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "bad-input ok" ] && echo "ok   bad-input" ||
    fail "bad-input: exit $rc (the failed check's number), output: $out"

# option errors
out=$("$T" run --dir "$tmp/nope::/x" "$FSW" sleep 2>&1); rc=$?
case "$rc:$out" in 1:*"No such file"*) echo "ok   dir-missing" ;; *) fail "dir-missing: $rc $out" ;; esac
out=$("$T" run --listen-fd 0 "$FSW" sleep 2>&1 </dev/null); rc=$?
case "$rc:$out" in 1:*"--listen-fd 0"*) echo "ok   listen-fd-not-socket" ;; *) fail "listen-fd-not-socket: $rc $out" ;; esac

[ "$fails" = 0 ] || { echo "$fails failed"; exit 1; }
echo "all WASI file-system checks passed"
