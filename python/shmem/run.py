"""shmemrun: start the N processes of a shmem job on this host and wait for them.

    shmemrun -n 4 my_job.py            (also: python -m shmem.run -n 4 my_job.py)

Every process finds its rank, the job size and the rendezvous address in
SHMEM_* variables (read back by ``shmem._launch_env``). The launcher reaps all
of them, stops the rest as soon as one fails and passes Ctrl-C on. There is no
shared memory to clean up: a PE's heap has no name and goes with the last
process that holds it.

This module uses nothing of shmem but ``_launch_env``: it must work without the
extension, and the launcher has no use for the Go runtime.
"""

from __future__ import annotations

import argparse
import ctypes
import math
import os
import secrets
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING or __package__:  # the type checker sees the package, where the module is found
    from ._launch_env import format_ip_port, parse_ip_port
else:  # run as a file: python .../shmem/run.py
    from _launch_env import format_ip_port, parse_ip_port

PROG = "shmemrun"

# How long stopped processes get between SIGTERM (or a forwarded signal) and SIGKILL.
GRACE_SECONDS = 2.0
# How often child exits are polled where pidfds are unavailable (old kernels, seccomp).
POLL_SECONDS = 0.05
# How long the tagged output may take to drain once every process has ended.
OUTPUT_DRAIN_SECONDS = 5.0

EXIT_TIMEOUT = 124
EXIT_CANNOT_EXECUTE = 126
EXIT_NOT_FOUND = 127

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

# Options that take a value: the program starts at the first other word.
_VALUE_OPTIONS = frozenset({"-n", "--npes", "--ip-port", "--master-addr", "--master-port", "--timeout"})

_PR_SET_CHILD_SUBREAPER = 36

if TYPE_CHECKING:
    # What signal.signal returns: a Python handler, SIG_DFL/SIG_IGN, or None (set outside Python).
    _Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None

_DESCRIPTION = """\
Start the N processes (PEs) of a shmem job on this host and wait for them.
(Also available as: python -m shmem.run ...)

A program whose name ends in .py is run with the Python that runs shmemrun;
anything else is run as given, looked up on PATH (so "python3 my_job.py" works
too). Everything after the program belongs to it, even words that look like
options of shmemrun.

Every process gets in its environment:
  SHMEM_RANK        its rank, 0 .. N-1
  SHMEM_NPES        N
  SHMEM_LOCAL_RANK  its rank on this host (the same as SHMEM_RANK)
  SHMEM_LOCAL_SIZE  the number of processes on this host (N)
  SHMEM_IP_PORT     where the processes meet, e.g. tcp://127.0.0.1:40123
  SHMEM_LAUNCHER    shmemrun
  SHMEM_JOB_KEY     a random secret of this job (kept when already set): a
                    process without it can neither join nor read the job
so shmem.init() needs no arguments, and shmem_init(rank, npes, mem_size)
finds its rendezvous address by itself."""

_EPILOG = """\
exit status:
  0 when every process exits with 0. Otherwise the status of the first process
  to fail (128+S when it was killed by signal S): the launcher then names that
  rank on stderr and stops the others (SIGTERM, then SIGKILL {grace:g} s later).
  124 when --timeout expired, 127 when the program is not found, 126 when it
  cannot be run, 2 for a mistake on the command line. SIGINT (Ctrl-C), SIGTERM
  and SIGHUP sent to the launcher are passed on to every process; the exit
  status is then 128+that signal, and a second one kills at once.

Standard input goes to rank 0; the other ranks read /dev/null. Each process
runs in a session of its own, and whatever it started is stopped with it.

examples:
  shmemrun -n 4 my_job.py --steps 100
  shmemrun -n 2 --tag-output python3 -X dev my_job.py
  shmemrun -n 8 --timeout 600 --master-addr 10.0.0.1 --master-port 29500 ./tool"""


@dataclass(frozen=True)
class Options:
    """A parsed command line."""

    npes: int
    ip_port: str
    tag_output: bool
    timeout: float | None
    command: list[str]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _port(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line of shmemrun; program and args are split off beforehand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        usage="%(prog)s -n N [options] [--] program [args ...]",
        description=_DESCRIPTION,
        epilog=_EPILOG.format(grace=GRACE_SECONDS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument(
        "-n",
        "--npes",
        type=_positive_int,
        required=True,
        metavar="N",
        help="number of processes (PEs) to start; required",
    )
    parser.add_argument(
        "--ip-port",
        metavar="URL",
        help="rendezvous address for the processes: tcp://HOST:PORT or tcp6://[V6]:PORT, "
        "1024 < PORT <= 65535 (default: tcp://127.0.0.1:<a free port>)",
    )
    parser.add_argument(
        "--master-addr",
        metavar="HOST",
        help="rendezvous host; give --master-port with it (an alternative to --ip-port)",
    )
    parser.add_argument("--master-port", type=_port, metavar="PORT", help="rendezvous port, with --master-addr")
    parser.add_argument(
        "--tag-output",
        action="store_true",
        help="prefix every line the processes write to stdout and stderr with '[rank] '; "
        "lines are never mixed (sets PYTHONUNBUFFERED=1 for them unless already set)",
    )
    parser.add_argument(
        "--timeout",
        type=_positive_seconds,
        metavar="SECONDS",
        help="stop every process after SECONDS and exit with status 124",
    )
    parser.add_argument("program", nargs="?", help="the program each process runs")
    parser.add_argument("args", nargs="*", help="arguments passed to the program")
    return parser


def split_command(argv: list[str]) -> tuple[list[str], list[str]]:
    """shmemrun's own options, and the program with its arguments.

    The program is the first word that is neither an option nor an option's
    value, or the word after ``--``; nothing after it is shmemrun's.
    """
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            return argv[:i], argv[i + 1 :]
        if word == "-" or not word.startswith("-"):
            return argv[:i], argv[i:]
        i += 2 if word in _VALUE_OPTIONS else 1
    return argv, []


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the kernel's ephemeral choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def parse_options(argv: list[str]) -> Options:
    """Options from a command line; exits with status 2 and a message on a mistake."""
    parser = build_parser()
    own, command = split_command(argv)
    ns = parser.parse_args(own)
    if not command:
        parser.error("no program to run: name it after the options, e.g. shmemrun -n 2 my_job.py")
    if ns.ip_port is not None and (ns.master_addr is not None or ns.master_port is not None):
        parser.error("give either --ip-port or --master-addr/--master-port, not both")
    if (ns.master_addr is None) != (ns.master_port is None):
        parser.error("--master-addr and --master-port go together: give both")
    try:
        if ns.ip_port is not None:
            parse_ip_port(ns.ip_port)
            ip_port = ns.ip_port
        elif ns.master_addr is not None:
            ip_port = format_ip_port(ns.master_addr, ns.master_port)
        else:
            ip_port = format_ip_port("127.0.0.1", free_port())
    except ValueError as err:
        parser.error(str(err))
    return Options(npes=ns.npes, ip_port=ip_port, tag_output=ns.tag_output, timeout=ns.timeout, command=command)


def child_command(command: list[str]) -> list[str]:
    """The argv a process execs: ``*.py`` programs run with this interpreter."""
    if command[0].endswith(".py"):
        return [sys.executable, *command]
    return list(command)


def child_env(base: dict[str, str], rank: int, options: Options) -> dict[str, str]:
    """The environment of the process of ``rank``: ``base`` plus the SHMEM_* variables."""
    env = dict(base)
    env.update(
        SHMEM_RANK=str(rank),
        SHMEM_NPES=str(options.npes),
        SHMEM_LOCAL_RANK=str(rank),
        SHMEM_LOCAL_SIZE=str(options.npes),
        SHMEM_IP_PORT=options.ip_port,
        SHMEM_LAUNCHER=PROG,
    )
    if options.tag_output:
        # Output goes to a pipe, where Python would buffer it by blocks.
        env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def exit_status(returncode: int) -> int:
    """A Popen return code as a shell reports it: 128+S for death by signal S."""
    return 128 - returncode if returncode < 0 else returncode


def describe_end(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "unknown signal"
        return f"was killed by signal {-returncode} ({name})"
    return f"exited with status {returncode}"


# Our stdout and stderr are written from two threads (the tagger and the
# main loop's reports); a lock per fd keeps every write whole.
_WRITE_LOCKS = {1: threading.Lock(), 2: threading.Lock()}


def _processes(n: int) -> str:
    return f"{n} process" if n == 1 else f"{n} processes"


def report(message: str) -> None:
    """One line on stderr, never mixed into a line of tagged output."""
    with _WRITE_LOCKS[2]:
        _write_all(2, f"{PROG}: {message}\n".encode(errors="replace"))


def _write_all(fd: int, data: bytes) -> bool:
    """Write everything, waiting if fd is non-blocking; False when fd is gone."""
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            with selectors.DefaultSelector() as sel:
                sel.register(fd, selectors.EVENT_WRITE)
                sel.select()
            continue
        except OSError:
            return False
        view = view[written:]
    return True


@dataclass
class _Stream:
    prefix: bytes
    out_fd: int
    pending: bytearray = field(default_factory=bytearray)


class OutputTagger:
    """Copies the processes' output to ours, every line prefixed ``[rank] ``.

    One thread reads every pipe and writes every line, whole, so lines of
    different ranks never mix. A last line without a newline gets one.
    """

    MAX_LINE = 1 << 20  # longer "lines" are cut rather than held without limit
    CHUNK = 1 << 16

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._broken: set[int] = set()
        self._thread = threading.Thread(target=self._run, name="shmemrun-output", daemon=True)

    def add(self, rank: int, pipe: IO[bytes], out_fd: int) -> None:
        """Copy ``pipe`` to ``out_fd``; only before start()."""
        self._selector.register(pipe, selectors.EVENT_READ, _Stream(b"[%d] " % rank, out_fd))

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> bool:
        """Wait until every pipe reached its end; False if that took too long."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while self._selector.get_map():
            for key, _ in self._selector.select():
                stream: _Stream = key.data
                try:
                    chunk = os.read(key.fd, self.CHUNK)
                except OSError:
                    chunk = b""
                if chunk:
                    self._feed(stream, chunk)
                    continue
                self._selector.unregister(key.fileobj)
                key.fileobj.close()  # type: ignore[union-attr]
                if stream.pending:
                    self._emit(stream.out_fd, stream.prefix + bytes(stream.pending) + b"\n")
        self._selector.close()

    def _feed(self, stream: _Stream, chunk: bytes) -> None:
        stream.pending += chunk
        end = stream.pending.rfind(b"\n") + 1
        out = bytearray()
        if end:
            for line in bytes(stream.pending[: end - 1]).split(b"\n"):
                out += stream.prefix + line + b"\n"
            del stream.pending[:end]
        if len(stream.pending) >= self.MAX_LINE:
            out += stream.prefix + bytes(stream.pending) + b"\n"
            stream.pending.clear()
        if out:
            self._emit(stream.out_fd, bytes(out))

    def _emit(self, fd: int, data: bytes) -> None:
        # A reader that went away (shmemrun ... | head) must not stop the job:
        # the output is dropped and the pipes are still drained.
        if fd in self._broken:
            return
        with _WRITE_LOCKS[fd]:
            if not _write_all(fd, data):
                self._broken.add(fd)


@dataclass
class _Child:
    rank: int
    proc: subprocess.Popen[bytes]
    pidfd: int | None
    returncode: int | None = None  # Popen's, once reaped

    @property
    def pid(self) -> int:
        return self.proc.pid


def _note_signal(signum: int, frame: FrameType | None) -> None:
    """Nothing: the wakeup fd carries the signal to the supervising loop."""


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the id went to somebody else's group
        return False
    return True


def _become_subreaper() -> None:
    """Adopt orphaned descendants, so they can be reaped here rather than stay zombies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class Launcher:
    """One run of shmemrun: start, supervise, stop, reap, clean up."""

    def __init__(self, options: Options) -> None:
        self._opts = options
        self._children: list[_Child] = []
        self._adopted: list[int] = []  # orphaned descendants reaped at the end
        self._selector = selectors.DefaultSelector()
        self._wake_r = -1
        self._wake_w = -1
        self._old_wakeup = -1
        self._old_handlers: dict[int, _Handler] = {}
        self._tagger: OutputTagger | None = None
        self._status: int | None = None  # set by the first event that ends the job
        self._stopping = False
        self._deadline: float | None = None  # --timeout
        self._kill_at: float | None = None  # end of the grace after SIGTERM

    def run(self) -> int:
        """Run the job to its end; the launcher's exit status."""
        self._install_signals()
        _become_subreaper()
        try:
            if self._opts.timeout is not None:
                self._deadline = time.monotonic() + self._opts.timeout
            self._start_children()
            self._supervise()
        finally:
            self._kill_remaining()
            self._end_groups()
            self._finish_output()
            self._restore_signals()
            self._selector.close()
        return self._status or 0

    # --- start ---------------------------------------------------------------

    def _start_children(self) -> None:
        argv = child_command(self._opts.command)
        base = dict(os.environ)
        # The job's secret: only its own processes can join the rendezvous or learn the data ports' secret.
        if not base.get("SHMEM_JOB_KEY", "").strip():
            base["SHMEM_JOB_KEY"] = secrets.token_hex(32)
        pipe = subprocess.PIPE if self._opts.tag_output else None
        if self._opts.tag_output:
            self._tagger = OutputTagger()
        try:
            for rank in range(self._opts.npes):
                try:
                    proc = subprocess.Popen(
                        argv,
                        env=child_env(base, rank, self._opts),
                        stdin=None if rank == 0 else subprocess.DEVNULL,
                        stdout=pipe,
                        stderr=pipe,
                        start_new_session=True,  # its own process group: stopping it stops its children
                    )
                except OSError as err:
                    self._status = EXIT_NOT_FOUND if isinstance(err, FileNotFoundError) else EXIT_CANNOT_EXECUTE
                    report(f"cannot start {argv[0]!r}: {err.strerror or err}")
                    self._stop(signal.SIGTERM)
                    return
                self._children.append(_Child(rank, proc, self._watch(proc.pid)))
                if self._tagger is not None:
                    assert proc.stdout is not None and proc.stderr is not None
                    self._tagger.add(rank, proc.stdout, 1)
                    self._tagger.add(rank, proc.stderr, 2)
        finally:
            if self._tagger is not None:
                self._tagger.start()

    def _watch(self, pid: int) -> int | None:
        """A pidfd that turns readable when pid ends; None where there are none."""
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            return None
        self._selector.register(fd, selectors.EVENT_READ)
        return fd

    # --- supervise -----------------------------------------------------------

    def _running(self) -> list[_Child]:
        return [c for c in self._children if c.returncode is None]

    def _supervise(self) -> None:
        while self._running():
            for signum in self._wait(self._next_timeout()):
                self._on_signal(signum)
            self._reap()
            now = time.monotonic()
            if self._deadline is not None and now >= self._deadline:
                self._deadline = None
                if not self._stopping:  # already ending for a better reason
                    self._on_timeout()
            if self._kill_at is not None and now >= self._kill_at:
                self._kill_at = None
                self._kill_stragglers()

    def _next_timeout(self) -> float | None:
        limits = [t - time.monotonic() for t in (self._deadline, self._kill_at) if t is not None]
        if any(c.pidfd is None for c in self._running()):
            limits.append(POLL_SECONDS)
        return max(0.0, min(limits)) if limits else None

    def _wait(self, timeout: float | None) -> list[int]:
        """Sleep until a process ends, a signal arrives or timeout; the signals."""
        signums: list[int] = []
        for key, _ in self._selector.select(timeout):
            if key.fd == self._wake_r:
                signums.extend(self._drain_wakeup())
        return signums

    def _drain_wakeup(self) -> list[int]:
        data = b""
        while True:
            try:
                chunk = os.read(self._wake_r, 256)
            except (BlockingIOError, InterruptedError):
                break
            if not chunk:
                break
            data += chunk
        return list(data)

    def _reap(self) -> None:
        for child in self._running():
            returncode = child.proc.poll()
            if returncode is None:
                continue
            child.returncode = returncode
            if child.pidfd is not None:
                self._selector.unregister(child.pidfd)
                os.close(child.pidfd)
                child.pidfd = None
            if returncode != 0 and self._status is None:
                self._status = exit_status(returncode)
                others = len(self._running())
                tail = f"; stopping the other {_processes(others)}" if others else ""
                report(f"rank {child.rank} (pid {child.pid}) {describe_end(returncode)}{tail}")
                self._stop(signal.SIGTERM)

    def _on_signal(self, signum: int) -> None:
        name = signal.Signals(signum).name
        running = self._running()
        if self._stopping:
            if running:
                report(f"got {name} while stopping: killing {_processes(len(running))} now")
            self._kill_at = None
            for child in running:
                _signal_group(child.pid, signal.SIGKILL)
            return
        if self._status is None:
            self._status = 128 + signum
        report(f"got {name}: passing it on to {_processes(len(running))}")
        self._stop(signum)

    def _on_timeout(self) -> None:
        self._status = EXIT_TIMEOUT
        assert self._opts.timeout is not None
        report(f"timed out after {self._opts.timeout:g} s: stopping {_processes(len(self._running()))}")
        self._stop(signal.SIGTERM)

    def _stop(self, signum: int) -> None:
        """Send signum to every running process's group; SIGKILL follows after the grace."""
        self._stopping = True
        for child in self._running():
            _signal_group(child.pid, signum)
        if self._kill_at is None:
            self._kill_at = time.monotonic() + GRACE_SECONDS

    def _kill_stragglers(self) -> None:
        for child in self._running():
            report(
                f"rank {child.rank} (pid {child.pid}) still runs {GRACE_SECONDS:g} s after being stopped: "
                "sending SIGKILL"
            )
            _signal_group(child.pid, signal.SIGKILL)

    # --- end -----------------------------------------------------------------

    def _kill_remaining(self) -> None:
        """Only after an unexpected error: no process may outlive the launcher."""
        for child in self._running():
            _signal_group(child.pid, signal.SIGKILL)
            child.returncode = child.proc.wait()
            if child.pidfd is not None:
                os.close(child.pidfd)
                child.pidfd = None

    def _end_groups(self) -> None:
        """Stop what the processes left running in their groups, and reap it."""
        groups = [c.pid for c in self._children]
        self._reap_adopted(groups)
        live = [pg for pg in groups if _group_alive(pg)]
        if not live:
            return
        # After a stop the groups had their signal already: they are only
        # worth a word if they outlive the grace.
        if not self._stopping:
            report(f"stopping what the processes left running in {len(live)} process group(s)")
        for pg in live:
            _signal_group(pg, signal.SIGTERM)
        kill_at = time.monotonic() + GRACE_SECONDS
        killed = False
        end = kill_at + GRACE_SECONDS
        while live and time.monotonic() < end:
            interrupted = bool(self._pause(0.02))
            if not killed and (interrupted or time.monotonic() >= kill_at):
                killed = True
                report(f"sending SIGKILL to what is left in {len(live)} process group(s)")
                for pg in live:
                    _signal_group(pg, signal.SIGKILL)
            self._reap_adopted(live)
            live = [pg for pg in live if _group_alive(pg)]

    def _reap_adopted(self, groups: list[int]) -> None:
        """Reap orphans adopted as subreaper; only from our groups, never a caller's children."""
        for pg in groups:
            while True:
                try:
                    pid, _ = os.waitpid(-pg, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                self._adopted.append(pid)

    def _pause(self, seconds: float) -> list[int]:
        if self._wake_r < 0:
            time.sleep(seconds)
            return []
        return self._wait(seconds)

    def _finish_output(self) -> None:
        if self._tagger is None:
            return
        end = time.monotonic() + OUTPUT_DRAIN_SECONDS
        while not self._tagger.join(0.05):
            if self._pause(0) or time.monotonic() >= end:
                report("some output could not be copied (a pipe is still open or stdout is stuck)")
                return

    # --- signals -------------------------------------------------------------

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals reach the main thread only; the caller handles them
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._old_wakeup = signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)
        for signum in FORWARDED_SIGNALS:
            # An ignored signal stays ignored (nohup shmemrun ..., background jobs of a script).
            if signal.getsignal(signum) != signal.SIG_IGN:
                self._old_handlers[signum] = signal.signal(signum, _note_signal)
        self._selector.register(self._wake_r, selectors.EVENT_READ)

    def _restore_signals(self) -> None:
        if self._wake_r < 0:
            return
        for signum, handler in self._old_handlers.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._old_wakeup)
        self._selector.unregister(self._wake_r)
        os.close(self._wake_r)
        os.close(self._wake_w)
        self._wake_r = self._wake_w = -1


def main(argv: list[str] | None = None) -> int:
    """shmemrun's entry point; the exit status."""
    options = parse_options(sys.argv[1:] if argv is None else argv)
    return Launcher(options).run()


if __name__ == "__main__":
    sys.exit(main())
