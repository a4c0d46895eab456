"""Stands in for torchrun's own store on the master node (tests/test_launch_recipes.py): listens on host:port,
prints "ready", and holds the port until its stdin closes. Usage: python store.py <host> <port>"""

from __future__ import annotations

import socket
import sys


def main() -> None:
    with socket.create_server((sys.argv[1], int(sys.argv[2]))):
        print("ready", flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
