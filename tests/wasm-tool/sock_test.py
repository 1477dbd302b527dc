#!/usr/bin/env python3
"""sock_test.py MK_WASM SOCK.wasm -- a real TCP peer for mk-wasm's sock_*:
listens on 127.0.0.1 (ephemeral port), hands the socket to the guest with
--listen-fd, connects, sends two chunks, half-closes and expects the echoes
and the guest's shutdown (EOF), then exit status 0 and "served"."""
import os
import socket
import subprocess
import sys

mk, wasm = sys.argv[1], sys.argv[2]
lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lst.bind(("127.0.0.1", 0))
lst.listen(1)
fd = lst.fileno()
proc = subprocess.Popen([mk, "run", "--listen-fd", str(fd), wasm], pass_fds=[fd],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
c = socket.create_connection(lst.getsockname(), timeout=20)
got = b""
for chunk in (b"hello", b"world"):
    c.sendall(chunk)
    want = b"echo:" + chunk
    while len(got) < len(want):
        d = c.recv(100)
        if not d:
            break
        got += d
    if got != want:
        print("FAIL: got %r, want %r" % (got, want))
        proc.kill()
        sys.exit(1)
    got = b""
c.shutdown(socket.SHUT_WR)
eof = c.recv(100)
out, _ = proc.communicate(timeout=20)
c.close()
lst.close()
text = out.decode(errors="replace")
if eof != b"" or proc.returncode != 0 or "served" not in text or "shutdown=0" not in text:
    print("FAIL: eof=%r rc=%s output=%s" % (eof, proc.returncode, text))
    sys.exit(1)
print("ok   sock echo over --listen-fd")
