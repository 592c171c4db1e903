"""The rows the view reads out of the store, kept per named graph, so that a build where one
article changed reads only that article's graph out of the store to draw the view again.

The view (viz.read_view, graphviews.load) reads the store through a few SELECT queries over
the union of its named graphs; reading them is most of a view's drawing time, about 7 µs a
value through pyoxigraph. In a store a build writes, none of those queries joins triples of
two graphs: a stance, its evidence and its article's metadata share the article's graph, and
a graph that names an entity carries the entity's label and classes too. So the rows of
the whole store are the rows of each graph put together (once each, for a DISTINCT query),
and each graph's rows depend only on the graph: `RowsCache` keeps them by the key of the
chunk the graph was made from (chunks.py), and `GraphRows` answers the queries from them.
Only the build uses this; `stancegraph viz` on any store reads the store (`StoreRows`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from stancegraph import store as sgstore
from stancegraph.files import prune_folder, replace_file

FORMAT = 1
SUFFIX = ".json"
# SELECT [DISTINCT] ?a ?b WHERE { ... }: the one shape of query this module splits by graph
_SHAPE = re.compile(
    r"\A\s*SELECT\s+(DISTINCT\s+)?((?:\?\w+\s+)*\?\w+)\s+WHERE\s*(\{.*\})\s*\Z", re.S
)


class Rows(Protocol):
    """What the view reads with: the rows of a SELECT query, as sgstore.select gives them."""

    def select(self, query: str) -> list[dict[str, str | None]]: ...


class StoreRows:
    """The rows of the queries over a store."""

    def __init__(self, store):
        self.store = store

    def select(self, query: str) -> list[dict[str, str | None]]:
        return sgstore.select(self.store, query)


def split_by_graph(query: str) -> tuple[str, list[str], bool]:
    """(the query asked of each named graph, with the graph as ?g first, its variables,
    DISTINCT?); ValueError for a query not of the one shape."""
    match = _SHAPE.match(query)
    if match is None:
        raise ValueError("not a SELECT [DISTINCT] ?vars WHERE { ... } query")
    distinct, names, body = match.groups()
    variables = [v[1:] for v in names.split()]
    if "g" in variables:
        raise ValueError("the query binds ?g, which names the graph")
    projection = " ".join(f"?{v}" for v in ["g", *variables])
    text = f"SELECT {distinct or ''}{projection} WHERE {{ GRAPH ?g {body} }}"
    return text, variables, bool(distinct)


def read_by_graph(store, queries: Sequence[str], graphs: Iterable[str] | None) -> dict[str, dict]:
    """graph IRI -> {query: rows (lists of values)} for each of `graphs` (None: every graph
    of the store), a graph none of whose queries has rows included, from `store`."""
    wanted = None if graphs is None else sorted(set(graphs))
    out: dict[str, dict[str, list]] = {g: {} for g in wanted or ()}
    if wanted == []:
        return out
    dataset = {} if wanted is None else {"named_graphs": wanted}
    for query in queries:
        text, variables, _ = split_by_graph(query)
        result = sgstore.query(store, text, **dataset)
        for row in result:
            graph = row["g"].value
            values = [sgstore.term_value(row[v]) for v in variables]
            out.setdefault(graph, {}).setdefault(query, []).append(values)
    return out


class GraphRows:
    """The rows of the queries over the union of graphs, from each graph's own rows."""

    def __init__(self, per_graph: Mapping[str, Mapping[str, list]]):
        self.per_graph = per_graph

    def select(self, query: str) -> list[dict[str, str | None]]:
        _, variables, distinct = split_by_graph(query)
        rows: Iterable[tuple] = (
            tuple(values) for graph in self.per_graph.values() for values in graph.get(query, ())
        )
        if distinct:
            rows = dict.fromkeys(rows)
        return [dict(zip(variables, values, strict=True)) for values in rows]


def version(queries: Sequence[str]) -> str:
    """A hash of what a graph's rows depend on besides the graph: the queries, and the
    store that answers them."""
    store = f"pyoxigraph {importlib.metadata.version('pyoxigraph')}"
    digest = hashlib.sha256(f"{FORMAT}\0{store}".encode())
    for query in queries:
        digest.update(b"\0" + query.encode("utf-8"))
    return digest.hexdigest()


class RowsCache:
    """The rows of each graph of the store, one file per graph in `folder` (OUT/cache/rows),
    named by the graph's chunk key and the queries' `version`. A file that does not hold
    the graph and key its name says (cut short, corrupt) is a miss."""

    def __init__(self, folder: Path, queries: Sequence[str]):
        self.folder = Path(folder)
        self.queries = list(queries)
        self.version = version(self.queries)
        self._ids = {q: hashlib.sha256(q.encode("utf-8")).hexdigest()[:12] for q in self.queries}
        self._used: set[str] = set()

    def _name(self, key: str) -> str:
        return hashlib.sha256(f"{self.version}\0{key}".encode()).hexdigest()[:32] + SUFFIX

    def read(self, graph: str, key: str) -> dict | None:
        self._used.add(self._name(key))
        try:
            entry = json.loads((self.folder / self._name(key)).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("graph") != graph or entry.get("key") != key:
            return None
        rows = entry.get("rows")
        if not isinstance(rows, dict) or not set(rows) <= set(self._ids.values()):
            return None
        return {query: rows[i] for query, i in self._ids.items() if i in rows}

    def write(self, graph: str, key: str, rows: Mapping[str, list]) -> None:
        """Keep `rows` for the next build; a failed write only costs it a read of the store."""
        name = self._name(key)
        self._used.add(name)
        by_id = {self._ids[query]: values for query, values in rows.items()}
        data = json.dumps({"graph": graph, "key": key, "rows": by_id}, ensure_ascii=False)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            replace_file(self.folder / name, data.encode("utf-8"))
        except OSError:
            return

    def rows(self, store, keys: Mapping[str, str]) -> GraphRows:
        """The rows of `store`, whose named graphs are made from the chunks of `keys` (graph
        IRI -> chunk key): each graph's from this cache, or read from the store and kept."""
        per_graph: dict[str, dict] = {}
        missing = []
        for graph, key in keys.items():
            cached = self.read(graph, key)
            if cached is None:
                missing.append(graph)
            else:
                per_graph[graph] = cached
        if missing:
            every = len(missing) == len(keys)  # a fresh store: one pass over all of it
            read = read_by_graph(store, self.queries, None if every else missing)
            for graph in missing:
                rows = read.get(graph, {})
                per_graph[graph] = rows
                self.write(graph, keys[graph], rows)
        return GraphRows(per_graph)

    def keep_only_used(self) -> int:
        """Delete the files no graph of this build's store reads."""
        return prune_folder(self.folder, self._used, SUFFIX)
