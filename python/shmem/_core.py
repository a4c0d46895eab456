"""Loads the extension gopy built from gopkg/api and undoes what it does to the interpreter."""

from __future__ import annotations

import gc

from ._gopy import _api as raw  # the C functions themselves: no wrapper frame on hot paths
from ._gopy import api

# gopy runs a full Go GC after every Python GC pass while holding the GIL, which
# made allocation-heavy Python loops 13x slower; the runtime keeps no Python-owned
# Go objects, so the hook buys nothing here.
gc.callbacks[:] = [cb for cb in gc.callbacks if getattr(cb, "__name__", "") != "_gopy_gc_cb"]

__all__ = ["api", "raw"]
