#!/usr/bin/python3
"""Raw-socket HTTP clients that curl cannot be: slow, idle, chunked and
malformed. Used by the tests/e2e/serve cases and by bench/serve-latency.

  rawhttp.py slowloris PORT N SECONDS   N connections sending one header byte a
                                        second; reopened when the server closes
                                        one. Prints JSON counts.
  rawhttp.py idle PORT N SECONDS [--no-reopen]
                                        N keep-alive connections that make one
                                        request, then stay silent; reopened when
                                        dropped. Prints JSON counts.
  rawhttp.py chunked PORT PATH BYTES    a chunked body of BYTES bytes (64 KiB
                                        chunks of CSV rows) sent as fast as the
                                        server takes it; prints the status and
                                        how much was sent before it came.
  rawhttp.py raw PORT                   sends stdin as is; prints the response.
"""
import json
import select
import selectors
import socket
import sys
import time


def connect(port, timeout=10):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_response(sock):
    """(status, headers, body) of one response; status 0 when the server
    closed without answering."""
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            chunk = b""
        if not chunk:
            return (0, {}, data)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    length = int(headers.get("content-length", ["0"])[0])
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return (status, headers, body)


def slowloris(port, n, seconds):
    selector = selectors.DefaultSelector()
    counts = {"opened": 0, "closed_by_server": 0, "statuses": {}}

    def open_one():
        sock = connect(port)
        sock.setblocking(False)
        sock.send(b"GET /ping HTTP/1.1\r\nHost: x\r\n")
        selector.register(sock, selectors.EVENT_READ)
        counts["opened"] += 1
        return sock

    socks = [open_one() for _ in range(n)]
    end = time.time() + seconds
    pending = {}
    while time.time() < end:
        tick = time.time() + 1
        while time.time() < tick:
            for key, _ in selector.select(timeout=max(0, tick - time.time())):
                sock = key.fileobj
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    data = b""
                pending[sock] = pending.get(sock, b"") + data
                if data and b"\r\n" not in pending[sock]:
                    continue
                if pending[sock]:
                    status = pending[sock].split(b" ")[1].decode()
                    counts["statuses"][status] = counts["statuses"].get(status, 0) + 1
                selector.unregister(sock)
                sock.close()
                pending.pop(sock, None)
                counts["closed_by_server"] += 1
                socks[socks.index(sock)] = open_one()
        for sock in socks:
            try:
                sock.send(b"X")  # one byte of a header line that never ends
            except OSError:
                pass
    for sock in socks:
        sock.close()
    print(json.dumps(counts))


def idle(port, n, seconds, reopen=True):
    selector = selectors.DefaultSelector()
    counts = {"opened": 0, "dropped": 0, "refused": 0}

    def open_one():
        sock = connect(port)
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, _ = read_response(sock)
        counts["opened"] += 1
        if status != 200:
            counts["refused"] += 1
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        return sock

    socks = []
    for _ in range(n):
        socks.append(open_one())
    end = time.time() + seconds
    while time.time() < end:
        for key, _ in selector.select(timeout=0.2):
            sock = key.fileobj
            selector.unregister(sock)
            sock.close()
            counts["dropped"] += 1
            socks.remove(sock)
            if reopen and time.time() < end:
                try:
                    socks.append(open_one())
                except OSError:
                    break  # the server is gone
    for sock in socks:
        sock.close()
    print(json.dumps(counts))


def chunked(port, path, total):
    sock = connect(port, timeout=30)
    sock.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n" % path).encode())
    row = b"40.7,-73.9,40.8,-73.95,a\n"
    chunk = row * (65536 // len(row))
    framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    sent = 0
    start = time.time()
    while sent < total:
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:
            break  # answered before the body was all sent
        try:
            sock.sendall(framed)
        except OSError:
            break
        sent += len(chunk)
    else:
        try:
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass
    status, _, body = read_response(sock)
    print(json.dumps({"status": status, "sent_bytes": sent, "seconds": round(time.time() - start, 3),
                      "body": body.decode("utf-8", "replace")[:300]}))


def raw(port):
    sock = connect(port)
    start = time.time()
    sock.sendall(sys.stdin.buffer.read())
    status, headers, body = read_response(sock)
    print(json.dumps({"status": status, "seconds": round(time.time() - start, 3),
                      "headers": headers, "body": body.decode("utf-8", "replace")}))


if __name__ == "__main__":
    command, port = sys.argv[1], int(sys.argv[2])
    if command == "slowloris":
        slowloris(port, int(sys.argv[3]), float(sys.argv[4]))
    elif command == "idle":
        idle(port, int(sys.argv[3]), float(sys.argv[4]), reopen="--no-reopen" not in sys.argv)
    elif command == "chunked":
        chunked(port, sys.argv[3], int(sys.argv[4]))
    elif command == "raw":
        raw(port)
    else:
        sys.exit(__doc__)
