"""The view's laid-out components, kept from one build to the next.

Laying out the view (viz.layout) is a seeded spring layout and an overlap removal per
connected component: the same component, the same positions. A build where one article
changed changes a few components of thousands, so the others' positions are read back
instead of worked out again (at 2,000 articles, 0.4 s of a 4 s rebuild).

An entry is keyed by a hash of everything its positions are worked out from: the
component's nodes and edges in the order the layout sees them, each node's footprint (its
box with its label), and the code that lays it out (viz.py and the versions of networkx,
numpy and scipy). So a hit gives the positions a fresh layout would, to the last bit (JSON
keeps a float's every digit), and the view's bytes do not depend on the cache.

    cache = LayoutCache(path)      # OUT/cache/layout.json; missing or unreadable: empty
    viz.layout(view, cache)        # reads and adds entries
    cache.save()                   # keeps only the entries this view used
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from stancegraph.codehash import add_code
from stancegraph.files import replace_file

FORMAT = 1
CODE = ("viz.py",)  # what lays the view out
PACKAGES = ("networkx", "numpy", "scipy")

Positions = dict[str, tuple[float, float]]


def code_version() -> str:
    """A hash that changes whenever the layout could place the same component elsewhere."""
    digest = hashlib.sha256(f"layout {FORMAT}\0".encode())
    add_code(digest, CODE, PACKAGES)
    return digest.hexdigest()


def component_key(nodes: list[str], edges: list[tuple[str, str]], feet: list) -> str:
    """The key of one component: its nodes and edges, in the order the layout reads them,
    and its nodes' footprints."""
    data = json.dumps([nodes, edges, feet], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


class LayoutCache:
    """Positions by component key, read from `path` (None: kept in memory only)."""

    def __init__(self, path: Path | None):
        self.path = None if path is None else Path(path)
        self.version = code_version()
        self.hits = 0
        self._entries: dict[str, list] = {}
        self._used: dict[str, list] = {}
        if self.path is not None:
            self._entries = self._read(self.path)

    def _read(self, path: Path) -> dict[str, list]:
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != self.version:
            return {}  # another code's layouts: nothing of it is used
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def get(self, key: str, nodes: list[str]) -> Positions | None:
        """The positions kept for `key` (of these `nodes`, in their order), or None."""
        entry = self._entries.get(key)
        if not _well_formed(entry, len(nodes)):
            return None
        self._used[key] = entry
        self.hits += 1
        return {n: (float(x), float(y)) for n, (x, y) in zip(nodes, entry, strict=True)}

    def put(self, key: str, nodes: list[str], positions: Positions) -> None:
        entry = [list(positions[n]) for n in nodes]
        self._entries[key] = self._used[key] = entry

    def save(self) -> None:
        """Keep the entries this view used, for the next build; a failed write only costs
        the next build a layout."""
        if self.path is None:
            return
        data = {"version": self.version, "entries": self._used}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            replace_file(self.path, json.dumps(data, separators=(",", ":")).encode("utf-8"))
        except OSError:
            return


def _well_formed(entry, size: int) -> bool:
    return (
        isinstance(entry, list)
        and len(entry) == size
        and all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, float | int) for v in p)
            for p in entry
        )
    )
