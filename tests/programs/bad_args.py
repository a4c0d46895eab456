"""Calls every public function of shmem with out-of-range ints and wrong types, in one PE (issue 12, item 10).

Each call may return (a status code, a value) or raise ShmemError or TypeError; anything else (OverflowError,
AttributeError, SystemError, ValueError, ...) is reported back to the test as an offender. A crash ends the
process, which the test sees as a non-zero exit. Run as ``python -m programs.bad_args [before|after]``: "before"
walks before init, "after" inside a running one-PE job (where arguments reach the runtime's own checks)."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from typing import Any

import shmem

from programs.pe import report

# Values no parameter of the API can take: out of every C integer's range, and wrong types.
HUGE_INTS = (2**64, 2**63, -(2**63) - 1, 10**30, -(10**30), 2**1000)
WRONG_TYPES = ("x", 1.5, None, object(), [1], {"a": 1}, 1j)

# Functions the walk must not call: they end the process or the job being walked.
SKIP = {"shmem_global_exit", "shmem_finialize", "shmem_finalize"}
# Classes and enums: constructors with their own contracts (an IntEnum's ValueError); not API calls.
ALLOWED = (shmem.ShmemError, TypeError)


def public_functions() -> list:
    names = []
    for name in sorted(vars(shmem)["__all__"]):
        obj = getattr(shmem, name)
        if name in SKIP or inspect.isclass(obj) or not callable(obj):
            continue
        names.append(name)
    return names


def parameters(fn: Any) -> tuple:
    """(positional parameter names, keyword-only parameter names, {name: default}) of fn."""
    sig = inspect.signature(fn)
    positional = [p.name for p in sig.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    keywords = [p.name for p in sig.parameters.values() if p.kind == p.KEYWORD_ONLY]
    defaults = {p.name: p.default for p in sig.parameters.values() if p.default is not p.empty}
    return positional, keywords, defaults


def argument_sets(fn: Any) -> Iterator[tuple]:
    """(args, kwargs) with one bad value at a time (the others 0, or their defaults), then every argument bad."""
    positional, keywords, defaults = parameters(fn)
    fills: tuple[dict[str, Any], ...] = ({}, defaults)
    for fill in fills:
        base = [fill.get(name, 0) for name in positional]
        for bad in HUGE_INTS + WRONG_TYPES:
            for i in range(len(positional)):
                args = list(base)
                args[i] = bad
                yield tuple(args), {}
            if len(positional) > 1 and not fill:
                yield tuple([bad] * len(positional)), {}
            for kw in keywords:
                yield tuple(base), {kw: bad}


def walk() -> list:
    offenders = []
    calls = 0
    for name in public_functions():
        fn = getattr(shmem, name)
        for args, kwargs in argument_sets(fn):
            calls += 1
            try:
                fn(*args, **kwargs)
            except ALLOWED:
                pass
            except BaseException as exc:  # noqa: BLE001 - this is what the walk looks for
                offenders.append([name, repr(args)[:80], repr(kwargs)[:40], type(exc).__name__, str(exc)[:120]])
    return [calls, offenders]


def main() -> None:
    when = sys.argv[1] if len(sys.argv) > 1 else "after"
    if when == "after":
        assert shmem.shmem_init(0, 1, 1 << 20) == 0
    calls, offenders = walk()
    if when == "after":
        shmem.shmem_finialize()
    report({"calls": calls, "offenders": offenders})


if __name__ == "__main__":
    main()
