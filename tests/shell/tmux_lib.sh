# tmux_lib.sh -- helpers for the tests that drive mk-shell in a real
# terminal: a private tmux server (never the user's), keys in, screen out.
# Sourced by tests/shell/tmux_*.sh. A missing tool is a FAILURE, not a skip.
set -euo pipefail

for tool in tmux; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "FAIL: '$tool' is not installed (scripts/packages.txt lists it; run scripts/install-deps.sh)" >&2
        exit 1
    fi
done

MK_SHELL=${MK_SHELL:?path to mk-shell}
TMUX_SOCK="mk-test-$$-$RANDOM"
WORK=$(mktemp -d /tmp/mk-shell-tmux-XXXXXX)
export TERM=${TERM:-xterm}
[ "$TERM" = dumb ] && export TERM=xterm

tm() { tmux -f /dev/null -L "$TMUX_SOCK" "$@"; }

cleanup() {
    tm kill-server >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    echo "---- screen of '$PANE' ----" >&2
    screen >&2 || true
    echo "---------------------------" >&2
    exit 1
}

# start NAME COMMAND...: run a command in a new detached window (kept after
# the command exits so its last screen can be read).
PANE=""
start() {
    local name=$1; shift
    if ! tm has-session -t main 2>/dev/null; then
        tm new-session -d -s main -x 200 -y 50 -n "$name" "$*"
        tm set-option -g remain-on-exit on >/dev/null
    else
        tm new-window -d -t main -n "$name" "$*"
    fi
    tm set-option -t "main:$name" remain-on-exit on >/dev/null 2>&1 || true
    PANE="main:$name"
}

use() { PANE="main:$1"; }

# The whole pane, scrollback included, with trailing blanks removed.
screen() { tm capture-pane -p -J -S -1000 -t "$PANE" | sed -e 's/[[:space:]]*$//'; }

keys() { tm send-keys -t "$PANE" -l -- "$1"; }      # literal text
press() { tm send-keys -t "$PANE" "$@"; }            # named keys: Enter Left C-a ...
line() { keys "$1"; press Enter; }                   # type a line and run it

# wait_for TEXT [SECONDS]: until the screen contains TEXT (fixed string).
wait_for() {
    local text=$1 limit=${2:-30} i
    for ((i = 0; i < limit * 20; i++)); do
        if grep -qF -- "$text" <<<"$(screen)"; then return 0; fi
        sleep 0.05
    done
    fail "waited ${limit}s for \"$text\""
}

# count TEXT: how many screen lines contain TEXT.
count() { grep -cF -- "$1" <<<"$(screen)" || true; }

# has_line REGEX: a screen line matches the extended regex.
has_line() { grep -qE -- "$1" <<<"$(screen)"; }

# wait_count TEXT N [SECONDS]: until at least N lines contain TEXT.
wait_count() {
    local text=$1 want=$2 limit=${3:-30} i
    for ((i = 0; i < limit * 20; i++)); do
        if [ "$(count "$text")" -ge "$want" ]; then return 0; fi
        sleep 0.05
    done
    fail "waited ${limit}s for $want lines with \"$text\" (saw $(count "$text"))"
}

# wait_line REGEX [SECONDS]: until a screen line matches the extended regex.
wait_line() {
    local re=$1 limit=${2:-30} i
    for ((i = 0; i < limit * 20; i++)); do
        if grep -qE -- "$re" <<<"$(screen)"; then return 0; fi
        sleep 0.05
    done
    fail "waited ${limit}s for a line matching /$re/"
}

# The pane's command has exited.
wait_exit() {
    local limit=${1:-30} i
    for ((i = 0; i < limit * 20; i++)); do
        if [ "$(tm display-message -p -t "$PANE" '#{pane_dead}')" = 1 ]; then return 0; fi
        sleep 0.05
    done
    fail "the program in $PANE did not exit within ${limit}s"
}

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
