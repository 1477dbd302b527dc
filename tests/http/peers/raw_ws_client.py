#!/usr/bin/env python3
"""raw_ws_client.py PORT CASE -- open a WebSocket to our server by hand, send
one malformed frame (CASE) and print the close code the server answers with
(RFC 6455 7.4.1), or 'none'."""
import base64
import os
import socket
import struct
import sys

port, case = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % key).encode())
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
if not buf.startswith(b"HTTP/1.1 101"):
    print("no-101")
    sys.exit(0)
rest = buf.split(b"\r\n\r\n", 1)[1]

def masked(op, payload, fin=True, rsv=0):
    b0 = (0x80 if fin else 0) | rsv | op
    mask = os.urandom(4)
    data = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    if len(payload) < 126:
        hdr = struct.pack("!BB", b0, 0x80 | len(payload))
    else:
        hdr = struct.pack("!BBH", b0, 0x80 | 126, len(payload))
    return hdr + mask + data

frames = {
    "unmasked": bytes([0x81, 0x02]) + b"hi",
    "rsv": masked(1, b"hi", rsv=0x40),
    "badop": masked(3, b"hi"),
    "bigping": masked(9, b"x" * 126),
    "fragping": masked(9, b"x", fin=False),
    "badutf8": masked(1, b"\xc3\x28"),
    "badclose": masked(8, b"\x03"),
}
s.sendall(frames[case])
while len(rest) < 4:
    d = s.recv(4096)
    if not d:
        break
    rest += d
if len(rest) >= 4 and rest[0] & 0x0F == 8:
    print(struct.unpack("!H", rest[2:4])[0])
else:
    print("none")
