"""A plain Python program that shmemrun's tests start as their PEs (no shmem import).

    child.py env OUTDIR [ARGS...]       record the environment and argv in OUTDIR/rank-<r>.json
    child.py lines                      write tagged-output test lines to stdout and stderr
    child.py stdin OUTDIR               record what standard input holds
    child.py sleep OUTDIR [FLAGS]       write OUTDIR/pid-<r>, then sleep; FLAGS:
        --ignore-term                   ignore SIGTERM (only SIGKILL ends it)
        --grandchild                    start a sleeping grandchild, its pid in OUTDIR/gpid-<r>
        --exit-after-spawn              exit 0 right after starting the grandchild
    child.py fail OUTDIR RANK STATUS    every rank sleeps as above; RANK, once all are up,
        [--signal] [--ignore-term]      exits with STATUS (or kills itself with signal STATUS);
        [--grandchild]                  the others may ignore SIGTERM or start a grandchild

Every rank writes OUTDIR/ready-<r> once it is set up, so a test can wait for the whole job.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

RANK = int(os.environ.get("SHMEM_RANK", "-1"))
NPES = int(os.environ.get("SHMEM_NPES", "0"))
LONG_SLEEP = 60.0


def write(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.rename(path)


def ready(out: Path) -> None:
    write(out / f"ready-{RANK}", str(os.getpid()))


def cmd_env(out: Path, args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k.startswith(("SHMEM_", "LAUNCHER_TEST_"))}
    write(out / f"rank-{RANK}.json", json.dumps({"env": env, "argv": args, "pid": os.getpid()}))


def cmd_lines() -> None:
    # Whole lines, a line written in pieces (it must still come out whole), and a last line without newline.
    print(f"first line of {RANK}")
    print(f"to stderr from {RANK}", file=sys.stderr)
    piece = str(RANK) * 2000
    for _ in range(5):
        sys.stdout.write(piece)
        sys.stdout.flush()
        time.sleep(0.01)
    sys.stdout.write("\n")
    print(f"last full line of {RANK}")
    sys.stdout.write(f"no newline at the end {RANK}")
    sys.stdout.flush()


def cmd_stdin(out: Path) -> None:
    write(out / f"stdin-{RANK}", sys.stdin.read())


def start_grandchild(out: Path) -> None:
    # coreutils sleep starts at once; a Python grandchild could still be importing when signalled.
    sleeper = shutil.which("sleep")
    argv = [sleeper, str(LONG_SLEEP)] if sleeper else [sys.executable, "-c", f"import time; time.sleep({LONG_SLEEP})"]
    gc = subprocess.Popen(argv)
    write(out / f"gpid-{RANK}", str(gc.pid))


def cmd_sleep(out: Path, flags: list[str]) -> None:
    write(out / f"pid-{RANK}", str(os.getpid()))
    if "--ignore-term" in flags:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "--grandchild" in flags:
        start_grandchild(out)
    ready(out)
    if "--exit-after-spawn" in flags:
        return
    time.sleep(LONG_SLEEP)


def cmd_fail(out: Path, rank: int, status: int, flags: list[str]) -> None:
    write(out / f"pid-{RANK}", str(os.getpid()))
    if "--grandchild" in flags:
        start_grandchild(out)
    ready(out)
    if RANK != rank:
        if "--ignore-term" in flags:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(LONG_SLEEP)
        return
    deadline = time.monotonic() + 20
    while len(list(out.glob("ready-*"))) < NPES and time.monotonic() < deadline:
        time.sleep(0.01)
    if "--signal" in flags:
        os.kill(os.getpid(), status)
        time.sleep(LONG_SLEEP)
    sys.exit(status)


def main(argv: list[str]) -> None:
    what, rest = argv[0], argv[1:]
    if what == "env":
        cmd_env(Path(rest[0]), rest[1:])
    elif what == "lines":
        cmd_lines()
    elif what == "stdin":
        cmd_stdin(Path(rest[0]))
    elif what == "sleep":
        cmd_sleep(Path(rest[0]), rest[1:])
    elif what == "fail":
        cmd_fail(Path(rest[0]), int(rest[1]), int(rest[2]), rest[3:])
    else:
        sys.exit(f"child.py: unknown command {what!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
