#!/usr/bin/env bash
# display_png_http.sh -- `mk-shell --display BOARD`: GET /display.png on the
# status endpoint returns the display as a PNG of the board's size showing
# the dashboard, the `snapshot` command writes the same picture to a file,
# and a node without a display answers 404 and `snapshot` fails clearly.
# Usage: MK_SHELL=path/to/mk-shell bash display_png_http.sh
set -euo pipefail
MK_SHELL=${MK_SHELL:?path to mk-shell}
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: '$tool' is not installed (scripts/packages.txt)" >&2; exit 1; }
done
work=$(mktemp -d /tmp/mk-display-http-XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- mk-shell output:" >&2; cat "$work/out" >&2 || true; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

# PNG size and whether any pixel is bright cyan (the dashboard's title).
check_png() {
    python3 - "$1" "$2" "$3" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (int(sys.argv[2]), int(sys.argv[3])), (w, h)
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
stride = 1 + 3 * w
# unfiltered check is enough to find a non-black row when filters are 0/1/2..:
# decode properly (PNG filters, RFC 2083 section 6)
prev = bytearray(3 * w)
found = False
for y in range(h):
    f, line = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
    for i in range(len(line)):
        a = line[i - 3] if i >= 3 else 0
        b = prev[i]
        c = prev[i - 3] if i >= 3 else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if any(line[i] < 128 and line[i + 1] > 200 and line[i + 2] > 200 for i in range(0, len(line), 3)):
        found = True
    prev = line
assert found, "no bright cyan pixel: the dashboard is not on the display"
PY
}

mkfifo "$work/in"
"$MK_SHELL" --data-dir "$work/data" --no-listen --http "$port" --display rect800 < "$work/in" > "$work/out" 2>&1 &
pid=$!
exec 3>"$work/in"
for i in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/display.png" -o "$work/http.png" && break
    sleep 0.1
done
[ -s "$work/http.png" ] || fail "no answer on /display.png"
curl -sI "http://127.0.0.1:$port/display.png" | grep -qi '^content-type: image/png' || fail "content type"
check_png "$work/http.png" 800 480 || fail "bad /display.png"
echo "snapshot $work/shot.png" >&3
for i in $(seq 1 50); do grep -q "wrote $work/shot.png (800x480, rect800)" "$work/out" && break; sleep 0.1; done
grep -q "wrote $work/shot.png (800x480, rect800)" "$work/out" || fail "snapshot did not report"
check_png "$work/shot.png" 800 480 || fail "bad snapshot file"
echo "exit" >&3
exec 3>&-
wait "$pid" || fail "mk-shell exit status"
pid=""

# Without --display: 404, and snapshot fails with a clear reason.
printf 'snapshot %s/none.png\n' "$work" >"$work/script"
if "$MK_SHELL" --data-dir "$work/data2" --no-listen --no-http --script "$work/script" >"$work/out" 2>&1; then
    fail "snapshot without a display succeeded"
fi
grep -q "no display on this node" "$work/out" || fail "snapshot error text"
[ ! -e "$work/none.png" ] || fail "a file was written"
echo PASS
