"""A Socket.IO manager that connects, then never reads again (test/slow-consumer.test.ts).

Node cannot shrink a socket's receive buffer; this client sets SO_RCVBUF to its minimum before
connecting, so the kernel absorbs only a few KiB and the server's own buffer must take the rest,
as with a phone on a dead network. It speaks just enough WebSocket (RFC 6455) and Engine.IO 4 /
Socket.IO 5: open `0{...}` -> `40{auth}` -> `40{sid}`. Prints "connected", then sleeps until killed.
usage: python3 stalled-socket.py HOST PORT TOKEN
"""
import base64
import json
import os
import socket
import sys
import time

host, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.connect((host, port))
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(
    (
        f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
)
buf = b""


def need(n):
    global buf
    while len(buf) < n:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("closed")
        buf += chunk
    out, buf = buf[:n], buf[n:]
    return out


while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
head, buf = buf.split(b"\r\n\r\n", 1)
if b" 101 " not in head.split(b"\r\n")[0]:
    sys.exit(head.decode(errors="replace"))


def frame():
    b0, b1 = need(2)
    n = b1 & 0x7F
    if n == 126:
        n = int.from_bytes(need(2), "big")
    elif n == 127:
        n = int.from_bytes(need(8), "big")
    return need(n).decode(errors="replace")


def send(text):
    data = text.encode()
    mask = os.urandom(4)
    n = len(data)
    header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big"))
    s.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


while True:
    text = frame()
    if text.startswith("0"):
        send("40" + json.dumps({"token": token}))
    elif text.startswith("40"):
        print("connected", flush=True)
        break
    elif text.startswith("44"):
        sys.exit("refused: " + text)
while True:
    time.sleep(3600)
