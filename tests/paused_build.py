"""`stancegraph ARGS...` with every store write paused halfway: once the first triples are
loaded into the new store, before it is flushed, MARKER is written and the build waits until the
test removes MARKER (or kills the process).

    python tests/paused_build.py MARKER build SOURCES --out OUT
"""

from __future__ import annotations

import sys
import time
import types
from pathlib import Path

import pyoxigraph

import stancegraph.store as store

MARKER = Path(sys.argv[1])


class PausingStore:
    """pyoxigraph.Store, pausing once, after the first bulk_load or bulk_extend."""

    read_only = staticmethod(pyoxigraph.Store.read_only)

    def __init__(self, *args, **kwargs):
        self._store = pyoxigraph.Store(*args, **kwargs)
        self._paused = False

    def bulk_load(self, *args, **kwargs):
        self._store.bulk_load(*args, **kwargs)
        self._pause()

    def bulk_extend(self, *args, **kwargs):
        self._store.bulk_extend(*args, **kwargs)
        self._pause()

    def _pause(self) -> None:
        if self._paused:
            return
        self._paused = True
        MARKER.write_text("paused in the store write\n")
        while MARKER.exists():
            time.sleep(0.05)

    def __getattr__(self, name):
        return getattr(self._store, name)


paused = types.ModuleType("pyoxigraph")
paused.__dict__.update(vars(pyoxigraph))
paused.Store = PausingStore
store.ox = paused

if __name__ == "__main__":
    from stancegraph.cli import main

    sys.argv = ["stancegraph", *sys.argv[2:]]
    main()
