#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Slow and malformed HTTP clients for the metrics endpoint's tests
(selftests/host/metrics_http.sh, selftests/kernel/metrics_http_b4.sh).

  http_clients.py hold HOST PORT SRC N [SRC N]...
      N idle connections from each source address SRC (nothing sent).
      Prints "connected T" once all T are, then "closed K" each time the
      server closed some (K in all); exits when every one is closed.
  http_clients.py half HOST PORT [SRC]
      "GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n" and nothing more; prints
      "sent", then "closed" when the server closes it (or "open" after
      120 s).
  http_clients.py big HOST PORT SIZE [SRC]
      a request whose one header is SIZE bytes long; prints the status
      line the server answered ("none" if it closed without one) and
      "sent B" (the bytes it took before it stopped reading).
"""
import select
import socket
import sys


def connect(host, port, src=None):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.connect((host, port))
    return s


def say(*a):
    print(*a, flush=True)


def hold(host, port, pairs):
    socks = []
    for src, n in pairs:
        for _ in range(n):
            socks.append(connect(host, port, src))
    say("connected", len(socks))
    closed = 0
    live = list(socks)
    while live:
        r, _, _ = select.select(live, [], [], 1.0)
        for s in r:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                live.remove(s)
                s.close()
                closed += 1
        if r:
            say("closed", closed)


def half(host, port, src=None):
    s = connect(host, port, src)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    say("sent")
    s.settimeout(120)
    try:
        data = s.recv(4096)
    except socket.timeout:
        say("open")
        return
    except OSError:
        data = b""
    say("closed" if not data else "answered " + data.split(b"\r\n")[0].decode())


def big(host, port, size, src=None):
    s = connect(host, port, src)
    s.settimeout(60)
    sent = 0
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ")
        chunk = b"a" * 4096
        while sent < size:
            s.sendall(chunk[: min(4096, size - sent)])
            sent += min(4096, size - sent)
        s.sendall(b"\r\n\r\n")
    except OSError:
        pass
    s.settimeout(30)
    line = "none"
    try:
        data = s.recv(4096)
        if data:
            line = data.split(b"\r\n")[0].decode()
    except OSError:
        pass
    say(line)
    say("sent", sent)


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    cmd, host, port = argv[1], argv[2], int(argv[3])
    if cmd == "hold":
        a = argv[4:]
        hold(host, port, [(a[i], int(a[i + 1])) for i in range(0, len(a), 2)])
    elif cmd == "half":
        half(host, port, *argv[4:5])
    elif cmd == "big":
        big(host, port, int(argv[4]), *argv[5:6])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
