#!/usr/bin/env bash
# mk_shell_cli.sh -- mk-shell's command line: --help, --version, bad options
# (usage + status 2), --script (status 1 when a command fails, 0 otherwise),
# and plain stdin with binary garbage.
# Usage: MK_SHELL=path/to/mk-shell bash mk_shell_cli.sh
set -euo pipefail
MK_SHELL=${MK_SHELL:?path to mk-shell}
work=$(mktemp -d /tmp/mk-shell-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_status() {  # expect_status WANT COMMAND...
    local want=$1; shift
    set +e; "$@" >"$work/out" 2>"$work/err"; local got=$?; set -e
    [ "$got" = "$want" ] || fail "$* exited $got, expected $want; stderr: $(cat "$work/err")"
}
common=(--data-dir "$work/data" --no-http --no-listen)

expect_status 0 "$MK_SHELL" --help
grep -q -- "--script FILE" "$work/out" || fail "--help does not list --script"
expect_status 0 "$MK_SHELL" --version
grep -qE '^mk-shell [0-9]+\.[0-9]+\.[0-9]+$' "$work/out" || fail "--version: $(cat "$work/out")"

for bad in "--bogus" "--node-id" "--node-id 0" "--node-id x1" "--node-id 4294967296" \
           "--listen 70000" "--http -1" "--http" "--name" "stray"; do
    # shellcheck disable=SC2086
    expect_status 2 "$MK_SHELL" $bad
    grep -q "^usage: mk-shell" "$work/err" || fail "$bad: no usage on stderr"
    grep -q "^mk-shell: " "$work/err" || fail "$bad: no one-line reason on stderr"
done

printf 'list\nregister x console\n# comment\n\nlookup x\n' > ok.txt
expect_status 0 "$MK_SHELL" "${common[@]}" --script ok.txt
grep -q "^> lookup x$" "$work/out" || fail "script: commands are not echoed"
grep -q "^x -> 0x" "$work/out" || fail "script: lookup output missing"

printf 'list\ncall nobody 1 hi\nlist\n' > bad.txt
expect_status 1 "$MK_SHELL" "${common[@]}" --script bad.txt
grep -q "error: call: no actor named 'nobody'" "$work/out" || fail "script: error missing"
grep -q "stopped at line 2" "$work/out" || fail "script: stop line missing"
[ "$(grep -c 'SEQ' "$work/out")" = 1 ] || fail "script: ran past the failing line"

expect_status 1 "$MK_SHELL" "${common[@]}" --script does-not-exist.txt
grep -q "cannot open script does-not-exist.txt" "$work/err" || fail "missing script: $(cat "$work/err")"

# `check` on a sound store; a damaged or 0-byte store stops the node with the
# reason and is left byte for byte as it was (issue 13).
printf 'check\n' > check.txt
expect_status 0 "$MK_SHELL" "${common[@]}" --script check.txt
grep -q "^kv.sqlite3: ok$" "$work/out" || fail "check: $(cat "$work/out")"
if command -v python3 >/dev/null; then
    mkdir -p bad
    python3 - bad/kv.sqlite3 <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE kv(key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID")
db.executemany("INSERT INTO kv VALUES(?, ?)", ((b"k%04d" % i, b"v" * 200) for i in range(1000)))
db.commit()
db.close()
data = bytearray(open(sys.argv[1], "rb").read())
page = int.from_bytes(data[16:18], "big")
mid = len(data) // page // 2
for i in range(50):  # 50 x 64 bytes at the start of ten pages mid-file
    off = (mid - 5 + i // 5) * page + (i % 5) * 64
    data[off:off + 64] = b"\xa5" * 64
open(sys.argv[1], "wb").write(data)
PY
    before=$(sha256sum bad/kv.sqlite3)
    expect_status 1 "$MK_SHELL" --data-dir "$work/bad" --no-http --no-listen --script check.txt
    grep -q "kv.sqlite3 is damaged (PRAGMA quick_check" "$work/err" || fail "damaged store: $(cat "$work/err")"
    [ "$(sha256sum bad/kv.sqlite3)" = "$before" ] || fail "the damaged store was modified"
fi
mkdir -p empty && : > empty/kv.sqlite3
expect_status 1 "$MK_SHELL" --data-dir "$work/empty" --no-http --no-listen --script check.txt
grep -q "kv.sqlite3 is empty (0 bytes)" "$work/err" || fail "0-byte store: $(cat "$work/err")"
[ ! -s empty/kv.sqlite3 ] || fail "the 0-byte store was written to"

# Plain stdin (a pipe), with binary garbage and an overlong line.
{ head -c 1000 /dev/urandom | tr -d '\n\r'; printf '\n'; head -c 5000 /dev/zero | tr '\0' 'b'; printf '\nwhoami\n'; } |
    "$MK_SHELL" "${common[@]}" >"$work/out" 2>"$work/err" || fail "garbage on stdin: exit $?"
grep -q "non-printable byte(s)" "$work/out" || fail "garbage line not reported"
grep -q "input line too long" "$work/out" || fail "long line not reported"
grep -q "^Node:    1" "$work/out" || fail "whoami after garbage did not run"
grep -q "^Goodbye.$" "$work/out" || fail "no Goodbye at end of input"

# stdin that epoll cannot watch (a regular file, /dev/null).
printf 'self\n' > in.txt
"$MK_SHELL" "${common[@]}" < in.txt > "$work/out" || fail "stdin from a file: exit $?"
grep -q "^0x0000000100000" "$work/out" || fail "stdin from a file: self did not run"
"$MK_SHELL" "${common[@]}" < /dev/null > "$work/out" || fail "stdin /dev/null: exit $?"
grep -q "^Goodbye.$" "$work/out" || fail "stdin /dev/null: no Goodbye"
# Regressions (issue 22). `mount` of this node's own listener says so
# (it ended in "node ID clash" in the log); a failed mount has one
# "mount:" prefix, not "error: mount: mount ...".
command -v python3 >/dev/null || fail "python3 is needed (scripts/packages.txt)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
lp=$(free_port)
printf 'mount 127.0.0.1:%s\n' "$lp" > self.txt
expect_status 1 "$MK_SHELL" --data-dir "$work/data" --no-http --listen "$lp" --script self.txt
grep -q "^error: mount: 127.0.0.1:$lp is this node's own mount listener (port $lp): a node cannot mount itself" \
    "$work/out" || fail "mount self: $(cat "$work/out")"
printf 'mount localhost:%s\n' "$lp" > self.txt
expect_status 1 "$MK_SHELL" --data-dir "$work/data" --no-http --listen "$lp" --script self.txt
grep -q "a node cannot mount itself" "$work/out" || fail "mount localhost self: $(cat "$work/out")"
dead=$(free_port)
printf 'mount 127.0.0.1:%s\n' "$dead" > dead.txt
expect_status 1 "$MK_SHELL" --data-dir "$work/data" --no-http --listen "$lp" --script dead.txt
grep -q "^error: mount: 127.0.0.1:$dead: cannot connect" "$work/out" || fail "mount refused: $(cat "$work/out")"
if grep -q "mount: mount" "$work/out"; then fail "doubled prefix: $(cat "$work/out")"; fi

# An HTTP port in use stops the node at start, as a mount port in use does:
# a reason on stderr and status 1 (it used to run on without the endpoint).
hp=$(free_port)
printf 'self\n' > self.txt
set +e
python3 - "$hp" "$MK_SHELL" --data-dir "$work/data" --no-listen --script self.txt \
    >"$work/out" 2>"$work/err" <<'PY'
import socket, subprocess, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
sys.exit(subprocess.call(sys.argv[2:] + ["--http", sys.argv[1]]))
PY
got=$?
set -e
[ "$got" = 1 ] || fail "HTTP port in use: exit $got, expected 1; stderr: $(cat "$work/err")"
grep -q "^mk-shell: cannot start the HTTP status endpoint: " "$work/err" || fail "HTTP port in use: $(cat "$work/err")"
if grep -q "^> self" "$work/out"; then fail "HTTP port in use: the shell still ran"; fi

echo PASS
