#!/usr/bin/env bash
# tmux_session.sh -- mk-shell in a real terminal: the seed transcript's
# session, line editing keys, history recall and history across a restart,
# bad input, and the terminal restored on exit.
# Usage: MK_SHELL=path/to/mk-shell bash tmux_session.sh
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tmux_lib.sh"

data="$WORK/data"
mkdir -p "$data"
run_shell="cd $WORK && $MK_SHELL --name tnode --data-dir $data --no-http --no-listen; stty -a > $WORK/stty.after; echo EXITED \$?"

# ---- The transcript: list, info, stop, exit ----------------------------
start s1 "$run_shell"
wait_for "Type 'help' for commands."
line "list"
wait_for "SEQ  ID                STATUS   MBOX"
has_line '^  [0-9]+ +0x[0-9a-f]{15} running  0/[0-9]+ +shell$' || fail "list: no running shell row"
has_line '^  [0-9]+ +0x[0-9a-f]{15} idle     0/[0-9]+ +console$' || fail "list: no idle console row"
line "info"
wait_for "Actors: "
wait_for "PARENT"
wait_for "Memory: RSS "
line "register pal console"
wait_for "Registered 'pal' -> 0x"
line "list"
# The second name of the console is on its own aligned continuation line.
wait_line '^ {40,}pal$'   # on its own aligned continuation line
line "stop pal"
wait_for "error: stop: refusing to stop the shell's own console; use exit"
line "exit"
wait_for "Goodbye."
wait_for "EXITED 0"
grep -qE '(^| )icanon( |$)' "$WORK/stty.after" || fail "terminal left without icanon: $(cat "$WORK/stty.after")"
grep -qE '(^| )echo( |$)' "$WORK/stty.after" || fail "terminal left without echo"

# ---- Editing keys ---------------------------------------------------------
start s2 "$run_shell"
wait_for "Type 'help' for commands."
# Home then insert at the start: "ookup shell" -> "lookup shell"
keys "ookup shell"; press Home; keys "l"; press Enter
wait_for "shell -> 0x"
# Ctrl+W kills a word; Ctrl+A / Ctrl+E jump
keys "lookup nothing"; press C-w; keys "console"; press Enter
wait_for "console -> 0x"
# Ctrl+U kills to the start
keys "garbage here"; press C-u; keys "whoami"; press Enter
wait_for "Node:    1 (tnode)"
# Left, Ctrl+K kills to the end
keys "selfXYZ"; press Left Left Left C-k Enter
wait_count "0x0000000100000" 1
has_line 'selfXYZ' && fail "Ctrl+K did not remove the tail"
# Backspace and Delete in the middle: "whxoamii" -> "whoami"
keys "whxoamii"; press Left Left Left Left Left BSpace End BSpace; press Enter
wait_count "Node:    1 (tnode)" 2
keys "lookupx shell"; press Left Left Left Left Left Left Left DC Enter
wait_count "shell -> 0x" 2
keys "lookpu shell"; press Left Left Left Left Left Left Left BSpace Right; keys "p"; press Enter
wait_count "shell -> 0x" 3
# Ctrl+A and Ctrl+E
keys "ookup console"; press C-a; keys "l"; press C-e; press Enter
wait_count "console -> 0x" 2
# Ctrl+C clears the line and gives a new prompt
keys "this is discarded"; press C-c
wait_for "^C"
line "self"
wait_count "0x0000000100000" 2
# Up recalls the previous line; Up Up the one before
press Up Enter
wait_count "0x0000000100000" 3
press Up Up Enter
wait_count "console -> 0x" 3
# Ctrl+D on an empty line exits
press C-d
wait_for "Goodbye."
wait_for "EXITED 0"

# ---- History across a restart ------------------------------------------
start s3 "$run_shell"
wait_for "Type 'help' for commands."
line "history"
wait_for "lookup console"
has_line '^ +[0-9]+  whoami$' || fail "history: whoami from the last session missing"
press Up Up Enter     # Up: history, Up Up: the line before (lookup console)
wait_count "console -> 0x" 1
line "exit"
wait_for "EXITED 0"

# ---- Bad input in a terminal -------------------------------------------
start s4 "$run_shell"
wait_for "Type 'help' for commands."
long=$(head -c 1100 /dev/zero | tr '\0' 'a')
keys "$long"; press Enter
wait_for "error: input line too long (more than 1023 characters), ignored"
# Binary garbage: control and high bytes are ignored, the line still runs.
tm send-keys -t "$PANE" -H 01 1c 1d 1e 7f 80 c3 a9 ff
keys "self"; press Enter
wait_count "0x0000000100000" 1
line "send echo 1 x:abc"
wait_for "error: send: x: payload has an odd number of hex digits (3); usage: send <name-or-id> <type> [data|x:hex]"
line "send console 1 x:0g"
wait_for "error: send: x: payload has a non-hex character at position 2"
line "call nobody 200 hello"
wait_for "error: call: no actor named 'nobody'"
line "frobnicate"
wait_for "error: unknown command 'frobnicate' (type 'help' for the list)"
line "exit"
wait_for "EXITED 0"

echo "PASS"
