"""A process that is not part of the job talks to a PE's data port (tests/test_multihost.py): once with a put frame
and no handshake, once with a well-formed handshake whose proof was made with a guessed secret, once claiming a job
of another size. Prints what it saw of each as one JSON object.

Usage: python intruder.py <host> <port>"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import struct
import sys
from typing import Any

payload = b"\xa5" * 65536
put = struct.pack("<BBBBIQQQQQ", 1, 1 | 2, 0, 0, 0, 1, 0, len(payload), 0, 0)   # put, final+ack, off 0


def read_all(s: socket.socket, limit: int = 1 << 20) -> bytes:
    got = b""
    try:
        while len(got) < limit:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except OSError as e:
        got += b"<" + type(e).__name__.encode() + b">"
    return got


def attempt(host: str, port: int, kind: str) -> dict[str, Any]:
    s = socket.create_connection((host, port), timeout=10)
    s.settimeout(10)
    hello = b""
    while len(hello) < 48:
        b = s.recv(48 - len(hello))
        if not b:
            break
        hello += b
    out: dict[str, Any] = {"magic": hello[:4].decode(errors="replace")}
    version, _, rank, size = struct.unpack("<HHII", hello[4:16])
    out["server_rank"], out["size"] = rank, size
    if kind == "raw":
        try:
            s.sendall(put + payload)
        except OSError:
            pass
    else:
        nonce = os.urandom(32)
        claim_size = size if kind == "guess" else size + 1
        mac = hmac.new(b"guessed-secret-guessed-secret!!!", b"shmem-net client proof" + hello[16:48]
                       + struct.pack("<I", 2), hashlib.sha256).digest()
        s.sendall(b"SHMN" + struct.pack("<HHII", version, 0, 2, claim_size) + nonce + mac)
        verdict = b""
        while len(verdict) < 36:
            b = s.recv(36 - len(verdict))
            if not b:
                break
            verdict += b
        out["verdict"] = verdict[0] if verdict else None
        try:
            s.sendall(put + payload)
        except OSError:
            pass
    rest = read_all(s)
    out["after"] = rest.decode(errors="replace")[:40]
    s.close()
    return out


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    print(json.dumps({k: attempt(host, port, k) for k in ("raw", "guess", "size")}), flush=True)


if __name__ == "__main__":
    main()
