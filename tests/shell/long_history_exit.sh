#!/usr/bin/env bash
# long_history_exit.sh -- regression (issue 13): with 200 history entries
# and the HTTP status page on, mk-shell printed "Goodbye." and then ran
# forever, because the MSG_TTY_QUIT was dropped on the console's full
# mailbox (the 100 history lines sent at start filled it). Proves the
# process exits, with piped input and with --script.
# Usage: MK_SHELL=path/to/mk-shell bash long_history_exit.sh
set -euo pipefail
MK_SHELL=${MK_SHELL:?path to mk-shell}
command -v python3 >/dev/null || { echo "FAIL: 'python3' is not installed (scripts/packages.txt)" >&2; exit 1; }
work=$(mktemp -d /tmp/mk-shell-hist-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; echo "--- mk-shell output:" >&2; cat "$work/out" >&2 || true; exit 1; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
common=(--data-dir "$work/data" --no-listen)

# 200 entries of history (the shell keeps the newest 100).
for i in $(seq 1 200); do echo "lookup shell$i"; done > "$work/lines"
timeout 60 "$MK_SHELL" "${common[@]}" --http "$(port)" < "$work/lines" > "$work/out" 2>&1 ||
    fail "filling the history: exit $?"

# A hang is what broke: `timeout` turns it into status 124.
printf 'self\nhistory\n' | timeout 60 "$MK_SHELL" "${common[@]}" --http "$(port)" > "$work/out" 2>&1 ||
    fail "piped input with a long history: exit $? (124: still running after Goodbye)"
grep -q "^Goodbye.$" "$work/out" || fail "piped: no Goodbye"
grep -q "lookup shell200$" "$work/out" || fail "piped: history incomplete"

printf 'self\n' > "$work/script"
timeout 60 "$MK_SHELL" "${common[@]}" --http "$(port)" --script "$work/script" > "$work/out" 2>&1 ||
    fail "--script with a long history: exit $? (124: still running after Goodbye)"
grep -q "^Goodbye.$" "$work/out" || fail "--script: no Goodbye"
echo PASS
