"""Ctrl-C during a blocking call: the runtime hears of SIGINT through Python's signal wakeup fd.

The runtime blocks with the GIL released, so Python's SIGINT handler cannot run until the call returns. CPython's
C-level handler writes the signal number to the wakeup fd (signal.set_wakeup_fd); the runtime reads the other end of
that pipe and ends every blocking call on SIGINT with an "interrupted" error, which makes Python run its handlers:
KeyboardInterrupt reaches the caller. A wakeup fd that was set before is kept receiving every byte. Installed once,
at import, from the main thread; an import from another thread installs nothing, and blocking calls then see Ctrl-C
only when they return (documented in docs/reliability.md)."""

from __future__ import annotations

import os
import signal
import threading

from ._core import raw

_write_end: int = -1  # kept open for the life of the process: CPython writes to it from its signal handler


def install() -> bool:
    """Routes SIGINT to the runtime's blocking calls; True when it is (or already was) installed."""
    global _write_end
    if _write_end >= 0:
        return True
    if threading.current_thread() is not threading.main_thread():
        return False
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    os.set_blocking(write_end, False)
    try:
        previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    except (ValueError, OSError):
        os.close(read_end)
        os.close(write_end)
        return False
    try:
        raw.api_WatchSignals(read_end, previous)  # the runtime owns read_end from here
    except RuntimeError:
        signal.set_wakeup_fd(previous)
        os.close(read_end)
        os.close(write_end)
        return False
    _write_end = write_end
    return True


install()
