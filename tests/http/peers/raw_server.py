#!/usr/bin/env python3
"""raw_server.py PORT -- a deliberately hand-written HTTP peer for the client
tests: responses nginx or http.server would never send (no length, garbage,
truncated bodies, silence, SSE streams, bad chunking)."""
import socket
import sys
import threading
import time

def handle(conn):
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        path = data.split(b" ")[1].decode()
        if path == "/nolength":
            # HTTP/1.0 style: body until close (nginx turns this into chunked)
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            for i in range(5):
                conn.sendall(b"part%d-" % i)
                time.sleep(0.02)
        elif path == "/garbage":
            conn.sendall(b"\x00\x01 this is not HTTP at all\r\n\r\n")
        elif path == "/truncated":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
        elif path == "/badchunk":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n")
        elif path == "/chunked-cut":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
        elif path == "/hang":
            time.sleep(5)
        elif path == "/bighead":
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        elif path == "/sse":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         b"Cache-Control: no-cache\r\n\r\n")
            conn.sendall(b": comment\n\nretry: 1000\nid: 7\ndata: hello\n\n")
            time.sleep(0.05)
            conn.sendall(b"event: update\ndata: line1\ndata: line2\n\n")
            time.sleep(0.05)
            conn.sendall(b"data: split")
            time.sleep(0.05)
            conn.sendall(b" across reads\r\n\r\n")
        elif path == "/sse-404":
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        else:
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found")
    except OSError:
        pass
    finally:
        conn.close()

def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()

main()
