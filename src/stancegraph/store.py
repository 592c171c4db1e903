"""The embedded store: the one module that touches pyoxigraph.

`build` writes an on-disk Oxigraph store next to the Turtle/TriG files; every
command that takes `--graph` opens it here. The layout (docs/graph.md):

- one named graph per article, holding everything that article says (the article,
  its stances, their evidence, the entities they name), plus the ontology in the
  named graph <https://w3id.org/stancegraph/ns>;
- the default graph is the merge of all named graphs: the set of their triples, each
  once, materialised when the store is written or a file is opened
  (`merge_default_graph`). So `COUNT(*)` counts distinct statements and an entity's
  label comes back once, with no `GRAPH` clause; `GRAPH ?g { ... }` still says which
  article a statement comes from.

`query` runs SPARQL 1.1 over that dataset, honouring `FROM` and `FROM NAMED` (and the
protocol's default-graph-uri / named-graph-uri, given as arguments), with the common
prefixes known without declaring them.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from stancegraph.files import FOLDER_MODE
from stancegraph.model import DEFAULT_BASE_IRI

# Known in every query without a PREFIX declaration.
PREFIXES: dict[str, str] = {
    "sg": "https://w3id.org/stancegraph/ns#",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}

GRAPH_FILE = "stancegraph.trig"
STORE_DIR = "store"

_FILE_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
}

_LOAD_FORMATS = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}

GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


class StoreError(Exception):
    """A graph that cannot be opened or written; the message is one line."""


class QueryError(StoreError):
    """A query that cannot be parsed or run; the message says where."""


class PushError(Exception):
    """A push the server refused or could not receive; the message is one line."""


# ---------------------------------------------------------------- writing


def write_store(trig: bytes, path: Path, fmt: str = "trig") -> None:
    """Bulk-load TriG (or N-Quads) into a fresh on-disk store at `path`, replacing any old one.

    The store is built in a sibling temporary directory and renamed into place,
    so a failed load never leaves a half-written store behind.
    """

    def load(store: ox.Store) -> None:
        # lenient: skip re-validating IRIs that rdf.py already wrote; ~20% faster at 1M
        store.bulk_load(trig, _LOAD_FORMATS[fmt], lenient=True)

    _write_store(path, load)


def write_dataset(ds, path: Path) -> None:
    """Load an rdflib Dataset (rdf.build_dataset's) into a fresh on-disk store at `path`, as
    write_store does, quad by quad: no TriG text of the whole graph is written or parsed
    (five times faster, and no copy of the graph as text in memory)."""

    def load(store: ox.Store) -> None:
        quads = (_ox_quad(s, p, o, g) for s, p, o, g in ds.quads((None, None, None, None)))
        while batch := list(islice(quads, MERGE_BATCH)):
            store.bulk_extend(batch)

    _write_store(path, load)


def write_nquads(data: Iterable[bytes], path: Path) -> None:
    """A fresh on-disk store at `path` holding the N-Quads `data` (read a piece at a time,
    never held whole) as they are: the build's named graphs and, as triples of the default
    graph, each graph's own (the store keeps a statement once: that is their merge, so the
    default graph is not merged here again).

    The pieces go to the bulk loader a few megabytes at a time, not as one stream: the
    loader holds what one call gives it (up to about 2 GB a thread) before it writes, so
    one call over the whole graph made the load the build's peak at every size."""

    def load(store: ox.Store) -> None:
        for batch in _batches(data, LOAD_BATCH_BYTES):
            store.bulk_load(batch, ox.RdfFormat.N_QUADS)

    _write_store(path, load, merge=False)


LOAD_BATCH_BYTES = 8 << 20  # N-Quads per bulk-load call (benchmarks/store_load.py)


def _batches(pieces: Iterable[bytes], limit: int) -> Iterator[bytes]:
    """The pieces joined into batches of about `limit` bytes, cut only between pieces that
    end a line, so no statement is split between two batches."""
    batch: list[bytes] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= limit and piece.endswith(b"\n"):
            yield b"".join(batch)
            batch, size = [], 0
    if batch:
        yield b"".join(batch)


def update_copy(previous: Path, path: Path, drop: Iterable[str], nquads: Iterable[bytes]) -> None:
    """A new store at `path` holding what the store at `previous` holds, but for the named
    graphs `drop` (gone or replaced) and with `nquads` added: the new graphs' statements,
    each in its named graph and in the default graph. The default graph stays the merge of
    the named graphs: a statement of a dropped graph leaves it unless a graph still holds
    it. The copy starts as a checkpoint of `previous` (hard links to its files, which
    neither store ever changes), so it costs what changed, not the size of the store.
    `previous` is only read. Raises StoreError (and leaves nothing at `path`)."""
    path = Path(path)
    try:
        ox.Store.read_only(str(previous)).backup(str(path))
        store = ox.Store(str(path))
        gone: set = set()
        for iri in drop:
            graph = ox.NamedNode(iri)
            quads = list(store.quads_for_pattern(None, None, None, graph))
            gone.update((q.subject, q.predicate, q.object) for q in quads)
            store.update(f"DROP SILENT GRAPH <{iri}>")
        for piece in nquads:
            store.load(piece, ox.RdfFormat.N_QUADS)
        default = ox.DefaultGraph()
        for s, p, o in gone:
            if not any(
                not isinstance(q.graph_name, ox.DefaultGraph)
                for q in store.quads_for_pattern(s, p, o, None)
            ):
                store.remove(ox.Quad(s, p, o, default))
        store.flush()  # not optimize(): compacting the whole copy costs more than the rest
        del store
    except (OSError, SyntaxError, ValueError) as exc:
        shutil.rmtree(path, ignore_errors=True)
        raise StoreError(f"cannot write the store at {path}: {_one_line(exc)}") from exc
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


def fingerprint(path: Path) -> tuple[list[str], int]:
    """(the named graphs, the number of statements) of the store at `path`, read-only."""
    store = ox.Store.read_only(str(path))
    return named_graphs(store), len(store)


def _ox_quad(s, p, o, g) -> ox.Quad:
    graph = getattr(g, "identifier", g)
    if graph is None or graph == DATASET_DEFAULT_GRAPH_ID:
        name = ox.DefaultGraph()
    else:
        name = _ox_term(graph)
    return ox.Quad(_ox_term(s), _ox_term(p), _ox_term(o), name)


def _ox_term(term):
    """An rdflib term as the pyoxigraph term with the same lexical form, type and language."""
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    return ox.NamedNode(str(term))


def _write_store(path: Path, load, merge: bool = True) -> None:
    """A fresh store at `path`: `load(store)` fills it in a temporary sibling directory, then
    the default graph is merged (unless `merge` is False: `load` filled it) and the
    directory renamed into place."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
        os.chmod(tmp, FOLDER_MODE)  # mkdtemp makes 0700; readers may be other users
    except OSError as exc:
        raise StoreError(f"cannot write the store at {path}: {exc.strerror or exc}") from exc
    try:
        try:
            store = ox.Store(str(tmp))
            load(store)
            if merge:
                merge_default_graph(store)
            store.flush()
            store.optimize()
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot load the graph into the store: {_one_line(exc)}") from exc
        except OSError as exc:  # disk full, ...: RocksDB's message names the file
            raise StoreError(f"cannot write the store at {path}: {_one_line(exc)}") from exc
        del store
        old = None
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}-old-", dir=path.parent))
            old.rmdir()
            path.rename(old)
        tmp.rename(path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def add_graph(path: Path, named_graph_iri: str, triples_nt: bytes) -> None:
    """Replace one named graph of an on-disk store with N-Triples (derived results such as
    `analyze --write`), leaving every other graph alone, and merge the default graph anew.
    `path` is a store directory or a folder from `build`. One SPARQL update, so one
    transaction: readers see the old graphs or the new ones, never half of them.
    """
    path = Path(path)
    resolved = resolve_graph(path)  # the current generation's store
    target = resolved if _is_store_dir(resolved) else resolved / STORE_DIR
    if not _is_store_dir(target):
        raise StoreError(f"{path}: not a store directory (a folder from `stancegraph build`)")
    graph = f"<{named_graph_iri}>"
    body = triples_nt.decode("utf-8")
    update = (
        f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{body}}} }} ;\n"
        + MERGE_UPDATE
    )
    try:
        store = ox.Store(str(target))
        store.update(update)
        store.flush()
    except (SyntaxError, OSError, ValueError) as exc:
        raise StoreError(f"cannot write to the store at {target}: {_one_line(exc)}") from exc


MERGE_BATCH = 100_000  # quads copied into the default graph at a time

# The default graph made anew as the merge of the named graphs, in one update.
MERGE_UPDATE = "DROP SILENT DEFAULT ;\nINSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def merge_default_graph(store: ox.Store, replace: bool = False) -> None:
    """Make the default graph the merge of the named graphs: every triple of any named
    graph, once (a graph in the store is a set). Each article's named graph is the source
    of truth and the default graph is recomputable from them: `replace` first empties it
    (after a named graph was replaced or dropped); otherwise what the default graph already
    holds is kept (the triples of a Turtle file).
    """
    if replace:
        store.update(MERGE_UPDATE)
        return
    default = ox.DefaultGraph()
    quads = (  # the iterator reads a snapshot: what is added meanwhile is not read back
        ox.Quad(q.subject, q.predicate, q.object, default)
        for q in store.quads_for_pattern(None, None, None, None)
        if not isinstance(q.graph_name, ox.DefaultGraph)
    )
    while batch := list(islice(quads, MERGE_BATCH)):
        store.bulk_extend(batch)


def memory_store(data: bytes, fmt: str = "trig") -> ox.Store:
    """An in-memory store holding `data` (for tests, benchmarks and small files), its default
    graph merged with its named graphs."""
    store = ox.Store()
    store.load(data, {**_LOAD_FORMATS, "turtle": ox.RdfFormat.TURTLE}[fmt])
    merge_default_graph(store)
    return store


# ---------------------------------------------------------------- opening


def open_store(graph: Path) -> ox.Store:
    """Open a built graph: a store directory (read-only), a graph folder, or an RDF file.

    A graph folder is what `build` writes: `store/` is opened if present, else
    `stancegraph.trig` is loaded into memory. A .ttl/.trig/.nt/.nq file is
    loaded into memory, its default graph then merged with its named graphs.
    """
    graph = Path(graph)
    if not graph.exists():
        raise StoreError(f"no graph at {graph}")
    path = resolve_graph(graph)  # messages name the path as given
    if path.is_file():
        fmt = _FILE_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise StoreError(f"{graph}: not a store or an RDF file (.ttl, .trig, .nt, .nq)")
        store = ox.Store()
        try:
            store.load(path=str(path), format=fmt)
        except (SyntaxError, OSError, ValueError) as exc:
            raise StoreError(f"{graph}: {_one_line(exc)}") from exc
        merge_default_graph(store)
        return store
    if _is_store_dir(path):
        return _open_dir(path, graph)
    if _is_store_dir(path / STORE_DIR):
        return _open_dir(path / STORE_DIR, graph / STORE_DIR)
    if (path / GRAPH_FILE).is_file():
        return open_store(path / GRAPH_FILE)
    raise StoreError(f"{graph}: holds neither a store nor {GRAPH_FILE}; run `stancegraph build`")


def resolve_graph(graph: Path) -> Path:
    """The folder a graph path stands for, with a build's `current` link followed once, so a
    reader reads one generation even while a build switches to the next (generations.py)."""
    graph = Path(os.path.realpath(graph))
    if (graph / "current").is_dir():
        graph = Path(os.path.realpath(graph / "current"))
    return graph


def _is_store_dir(path: Path) -> bool:
    return path.is_dir() and (path / "CURRENT").is_file()


def _open_dir(path: Path, shown: Path) -> ox.Store:
    try:
        return ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open the store at {shown}: {_one_line(exc)}") from exc


def graph_view(graph: Path) -> Path | None:
    """The HTML view (`index.html`) that `build` wrote beside the graph, if any."""
    graph = Path(graph)
    folder = graph if graph.is_dir() else graph.parent
    for candidate in (folder / "index.html", folder.parent / "index.html"):
        if candidate.is_file():
            return candidate
    return None


# ---------------------------------------------------------------- querying


def query(
    store: ox.Store,
    sparql: str,
    *,
    default_graph: list[str] | None = None,
    named_graphs: list[str] | None = None,
):
    """Run a SPARQL 1.1 query over the store's RDF dataset.

    The dataset, as SPARQL 1.1 Query (13.2) and the SPARQL 1.1 Protocol (2.1.4) say:
    - `default_graph` or `named_graphs` given (lists of graph IRIs: the protocol's
      default-graph-uri and named-graph-uri): they are the dataset and the query's FROM
      and FROM NAMED are ignored; the one left None counts as an empty list;
    - else the query's own FROM (the default graph is the merge of those graphs, each
      triple once) and FROM NAMED (the named graphs): with FROM alone there are no named
      graphs, with FROM NAMED alone the default graph is empty;
    - else the store's dataset: its default graph (the merge of all named graphs) and
      every named graph.
    A graph the store does not hold is empty. Relative IRIs are read against the
    entities' base IRI (`<los-angeles-county>` names an entity); a function Oxigraph does
    not know is an evaluation error (the expression is unbound), as SPARQL has it.
    Returns pyoxigraph's result:
    QuerySolutions (SELECT), QueryBoolean (ASK) or QueryTriples (CONSTRUCT/DESCRIBE).
    Raises QueryError with the parser's message (it gives line:column).
    """
    if default_graph is not None or named_graphs is not None:
        dataset = (list(default_graph or ()), list(named_graphs or ()))
    else:
        dataset = query_dataset(sparql)
    options: dict = {"prefixes": PREFIXES, "base_iri": DEFAULT_BASE_IRI}
    target = store
    if dataset is not None:
        default, named = (list(dict.fromkeys(d)) for d in dataset)
        if len(default) > 1:  # the merge of several graphs is a set: build it
            target = _merged_dataset(store, default, named)
            options["default_graph"] = ox.DefaultGraph()
        else:
            options["default_graph"] = [_graph_name(iri) for iri in default]
        options["named_graphs"] = [_graph_name(iri) for iri in named]
    unknown: dict = {}
    for _ in range(MAX_UNKNOWN_FUNCTIONS):
        try:
            return target.query(sparql, **options, custom_functions=unknown or None)
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {_one_line(exc)}") from exc
        except RuntimeError as exc:
            name = _UNKNOWN_FUNCTION.search(str(exc))
            if name is None:
                raise QueryError(f"query failed: {_one_line(exc)}") from exc
            unknown[ox.NamedNode(name.group(1))] = _always_an_error
        except OSError as exc:
            raise QueryError(f"the store failed: {_one_line(exc)}") from exc
        except ValueError as exc:
            raise QueryError(f"query failed: {_one_line(exc)}") from exc
    raise QueryError(f"query failed: more than {MAX_UNKNOWN_FUNCTIONS} unknown functions")


MAX_UNKNOWN_FUNCTIONS = 32
_UNKNOWN_FUNCTION = re.compile(r"The custom function <([^>]*)> is not supported")


def _always_an_error(*_args):
    return None  # pyoxigraph reads None from a custom function as an evaluation error


def _graph_name(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise QueryError(f"not a graph IRI: {iri!r}") from exc


def uses_keyword(sparql: str, word: str) -> bool:
    """Whether Oxigraph may read `word` (e.g. "service", "from") as a keyword of this
    query rather than as part of a string, an IRI, a name or a comment.

    Oxigraph's own parser decides, not a second one: the query is parsed again with
    every occurrence of the word (in any case) misspelt. A keyword misspelt is a
    syntax error; a word inside a literal, an IRI, a name or a comment is not. When
    the misspelt query does not parse for any reason the answer is True (fail
    closed). Texts without the word cost a regular expression; others one parse on
    an empty store, remembered for short texts (the bundled queries come back often).
    """
    return keyword_error(sparql, word) is not None


def keyword_error(sparql: str, word: str) -> str | None:
    """None when `word` cannot be a keyword of the query (see uses_keyword), else the
    parser's one-line message about the query with the word misspelt."""
    if re.search(word, sparql, re.IGNORECASE) is None:
        return None
    if len(sparql) <= _REMEMBERED_TEXT:
        return _remembered_keyword_error(sparql, word)
    return _keyword_error(sparql, word)


_REMEMBERED_TEXT = 16_384  # characters: longer queries are not remembered


def misspell(sparql: str, word: str) -> str:
    """The text with every case-insensitive occurrence of `word` given a first letter
    that makes no SPARQL keyword ("service" -> "zervice"): same length, same lines."""
    return re.sub(
        word,
        lambda m: ("Z" if m.group()[0].isupper() else "z") + m.group()[1:],
        sparql,
        flags=re.IGNORECASE,
    )


def _keyword_error(sparql: str, word: str) -> str | None:
    try:
        # ASK is evaluated at once, on an empty store; the others are only prepared
        _EMPTY.query(misspell(sparql, word), prefixes=PREFIXES, base_iri=DEFAULT_BASE_IRI)
    except (SyntaxError, RuntimeError, ValueError, OSError) as exc:
        return _one_line(exc)
    return None


_remembered_keyword_error = functools.lru_cache(maxsize=256)(_keyword_error)
_EMPTY = ox.Store()


def _merged_dataset(store: ox.Store, default: list[str], named: list[str]) -> ox.Store:
    """An in-memory store whose default graph is the merge of the `default` graphs of
    `store` and whose named graphs are copies of the `named` ones."""
    out = ox.Store()
    top = ox.DefaultGraph()
    for iri in default:
        out.extend(
            ox.Quad(q.subject, q.predicate, q.object, top)
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(iri))
        )
    for iri in named:
        out.extend(store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))
    return out


# Strings and comments, to blank out before looking for dataset clauses (FROM is a keyword
# only there); IRIs are matched first so that a '#' inside one is not taken for a comment.
_LEXEMES = re.compile(
    r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|#[^\n]*"
)
_PNAME = r"(?:[A-Za-z][\w.-]*)?:[\w.%-]*"
_DATASET_CLAUSE = re.compile(rf"\bFROM\s+(NAMED\s+)?(<[^>]*>|{_PNAME})", re.IGNORECASE)
_PREFIX_DECL = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_BASE_DECL = re.compile(r"\bBASE\s*<([^>]*)>", re.IGNORECASE)


def query_dataset(sparql: str) -> tuple[list[str], list[str]] | None:
    """The graph IRIs a query's FROM and FROM NAMED clauses name, or None if it has none.

    Prefixed names and relative IRIs are resolved with the query's PREFIX and BASE and the
    common prefixes. A clause that cannot be resolved is left for the parser to report."""
    from urllib.parse import urljoin

    bare = _LEXEMES.sub(lambda m: m.group(0) if m.group("iri") else " ", sparql)
    clauses = _DATASET_CLAUSE.findall(bare)
    if not clauses:
        return None
    prefixes = {**PREFIXES, **{p or "": iri for p, iri in _PREFIX_DECL.findall(bare)}}
    base = next(iter(_BASE_DECL.findall(bare)), None)
    default: list[str] = []
    named: list[str] = []
    for is_named, term in clauses:
        if term.startswith("<"):
            iri = urljoin(base, term[1:-1]) if base else term[1:-1]
        else:
            prefix, local = term.split(":", 1)
            if prefix not in prefixes:
                return None
            iri = prefixes[prefix] + local
        (named if is_named else default).append(iri)
    return default, named


def kind(result) -> str:
    """'select', 'ask' or 'graph' for a result of `query`."""
    if isinstance(result, ox.QuerySolutions):
        return "select"
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "graph"


def select(store: ox.Store, sparql: str, **dataset) -> list[dict[str, str | None]]:
    """Rows of a SELECT query as dicts of plain strings (IRIs and literal values); `dataset`
    is `query`'s default_graph / named_graphs."""
    result = query(store, sparql, **dataset)
    if kind(result) != "select":
        raise QueryError("not a SELECT query")
    names = [v.value for v in result.variables]
    return [{n: term_value(row[n]) for n in names} for row in _solutions(result)]


def rows(result, limit: int | None = None) -> tuple[list[str], list[list], bool]:
    """(variable names, rows of pyoxigraph terms or None, truncated?) of a SELECT result."""
    names = [v.value for v in result.variables]
    out: list[list] = []
    for row in _solutions(result):
        if limit is not None and len(out) >= limit:
            return names, out, True
        out.append([row[n] for n in names])
    return names, out, False


def rows_within(
    result, max_rows: int | None, max_bytes: int | None
) -> tuple[list[str], list[list], str]:
    """(variable names, rows, why cut) of a SELECT result, reading no further than
    max_rows rows or about max_bytes of terms; why is "rows", "bytes" or ""."""
    names = [v.value for v in result.variables]
    out: list[list] = []
    size = 0
    for row in _solutions(result):
        if max_rows is not None and len(out) >= max_rows:
            return names, out, "rows"
        cells = list(row)  # the values in the order of result.variables
        size += sum(len(str(t)) + 8 for t in cells if t is not None) + 8
        if max_bytes is not None and size > max_bytes:
            return names, out, "bytes"
        out.append(cells)
    return names, out, ""


def triples_within(result, max_triples: int | None, max_bytes: int | None) -> tuple[list, str]:
    """(triples, why cut) of a CONSTRUCT/DESCRIBE result, as rows_within."""
    out: list = []
    size = 0
    for triple in _solutions(result):
        if max_triples is not None and len(out) >= max_triples:
            return out, "rows"
        size += len(str(triple)) + 4
        if max_bytes is not None and size > max_bytes:
            return out, "bytes"
        out.append(triple)
    return out, ""


def _solutions(result) -> Iterator:
    try:
        yield from result
    except OSError as exc:
        raise QueryError(f"the store failed: {_one_line(exc)}") from exc
    except (ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {_one_line(exc)}") from exc


def term_value(term) -> str | None:
    """An IRI's string, a literal's lexical value, a blank node's id, or None."""
    if term is None:
        return None
    return term.value if not isinstance(term, ox.Triple) else str(term)


def term_json(term) -> dict | None:
    """A term as a SPARQL 1.1 Query Results JSON binding."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != PREFIXES["xsd"] + "string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "literal", "value": str(term)}


def results_json(names: list[str], table: list[list]) -> dict:
    """SPARQL 1.1 Query Results JSON for a list of rows."""
    bindings = [
        {n: term_json(t) for n, t in zip(names, row, strict=True) if t is not None} for row in table
    ]
    return {"head": {"vars": names}, "results": {"bindings": bindings}}


def serialize_select(names: list[str], table: list[list], fmt: str) -> bytes:
    """Rows in one of RESULT_FORMATS, written by pyoxigraph's own serialisers."""
    data = json.dumps(results_json(names, table), ensure_ascii=False).encode("utf-8")
    if fmt == "json":
        return data
    parsed = ox.parse_query_results(data, ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=RESULT_FORMATS[fmt])


def serialize_ask(value: bool, fmt: str) -> bytes:
    """An ASK answer in one of RESULT_FORMATS."""
    data = json.dumps({"head": {}, "boolean": bool(value)}).encode()
    if fmt == "json":
        return data
    if fmt in ("csv", "tsv"):
        return b"true\n" if value else b"false\n"
    return ox.parse_query_results(data, ox.QueryResultsFormat.JSON).serialize(
        format=RESULT_FORMATS[fmt]
    )


def serialize_triples(triples: Iterable, fmt: str = "turtle") -> bytes:
    """CONSTRUCT/DESCRIBE output in one of GRAPH_FORMATS, with the common prefixes."""
    buf = io.BytesIO()
    kwargs = {"prefixes": PREFIXES} if fmt == "turtle" else {}
    try:
        ox.serialize(list(triples), buf, GRAPH_FORMATS[fmt], **kwargs)
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {_one_line(exc)}") from exc
    return buf.getvalue()


def named_graphs(store: ox.Store) -> list[str]:
    """The IRIs of the store's named graphs, sorted."""
    return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))


def dump_graph(store: ox.Store, graph_iri: str | None, fmt: str = "nt") -> bytes:
    """One graph's triples (None: the default graph) as N-Triples or Turtle."""
    name = ox.DefaultGraph() if graph_iri is None else ox.NamedNode(graph_iri)
    return store.dump(
        format={"nt": ox.RdfFormat.N_TRIPLES, "turtle": ox.RdfFormat.TURTLE}[fmt],
        from_graph=name,
    )


# ---------------------------------------------------------------- rendering for the terminal

TABLE_CELL = 80  # characters a table cell shows before it is cut with "…"
_SHORT = {**PREFIXES, "id": "https://w3id.org/stancegraph/id/"}


def compact(term) -> str:
    """A term as a person reads it: prefixed names for IRIs, bare values for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        best = ""
        for prefix, ns in _SHORT.items():
            if term.value.startswith(ns) and len(ns) > len(_SHORT.get(best, "")):
                best = prefix
        return f"{best}:{term.value[len(_SHORT[best]) :]}" if best else f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return " ".join(term_value(term).split())


def render(result, fmt: str = "table") -> bytes:
    """A query result as the CLI prints it: SELECT in `fmt` (table, json, csv, tsv),
    ASK as true/false (or SPARQL JSON), CONSTRUCT/DESCRIBE as Turtle."""
    kind_ = kind(result)
    if kind_ == "graph":
        return serialize_triples(result, "turtle")
    if kind_ == "ask":
        if fmt == "json":
            return serialize_ask(bool(result), "json") + b"\n"
        return b"true\n" if bool(result) else b"false\n"
    names, table, _ = rows(result)
    if fmt == "table":
        return _table(names, table).encode("utf-8")
    data = serialize_select(names, table, fmt)
    return data if data.endswith(b"\n") else data + b"\n"


def _table(names: list[str], table: list[list]) -> str:
    cells = [[_cut(compact(t)) for t in row] for row in table]
    widths = [max([len(n), *(len(r[i]) for r in cells)]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    lines.append(f"({len(table)} row{'s' if len(table) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _cut(text: str) -> str:
    return text if len(text) <= TABLE_CELL else text[: TABLE_CELL - 1] + "…"


# ---------------------------------------------------------------- pushing to a server


@dataclass(frozen=True)
class PushReport:
    endpoint: str
    graphs: int  # named graphs sent
    triples: int  # triples sent, the default graph's included


def push(store: ox.Store, endpoint: str, timeout: float = 60.0) -> PushReport:
    """Send every named graph (and the default graph) to a SPARQL 1.1 Graph Store
    HTTP Protocol endpoint, one PUT each, so a graph outgrows one machine.

    `endpoint` is the server's graph store URL (Oxigraph: http://host:7878/store,
    Fuseki: http://host:3030/DATASET/data). PUT replaces each graph, so pushing
    again gives the same server state. Raises PushError on the first failure.
    """
    import urllib.error
    import urllib.parse
    import urllib.request

    parsed = urllib.parse.urlsplit(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise PushError(f"--endpoint must be an http(s) URL, not {endpoint!r}")
    sep = "&" if parsed.query else "?"
    graphs = named_graphs(store)
    sent = 0
    for iri in [None, *graphs]:
        body = dump_graph(store, iri, "nt")
        if iri is None and not body.strip():
            continue
        target = "default" if iri is None else "graph=" + urllib.parse.quote(iri, safe="")
        req = urllib.request.Request(
            f"{endpoint}{sep}{target}",
            data=body,
            method="PUT",
            headers={"Content-Type": "application/n-triples"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read(300).decode("utf-8", "replace").split())
            raise PushError(
                f"{endpoint} refused graph {iri or 'default'}: HTTP {exc.code} {detail}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise PushError(f"cannot reach {endpoint}: {reason}") from None
        sent += body.count(b"\n")
    return PushReport(endpoint, len(graphs), sent)


# ---------------------------------------------------------------- bundled queries


@dataclass(frozen=True)
class BundledQuery:
    """One research question shipped in queries/*.rq."""

    name: str  # the file's stem
    description: str  # the comment at the top of the file, on one line
    scope: str  # "one" (about one actor, program or stance) or "graph" (the whole graph)
    text: str


def bundled_queries() -> list[BundledQuery]:
    """The research questions in queries/*.rq, sorted by name.

    Each file starts with comment lines saying what it asks; a `# scope: one`
    or `# scope: graph` line says whether it looks at one thing or the whole graph.
    """
    out = []
    folder = resources.files("stancegraph") / "queries"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".rq"):
            continue
        text = entry.read_text(encoding="utf-8")
        words, scope = [], "graph"
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            body = line.lstrip("#").strip()
            if body.lower().startswith("scope:"):
                scope = body.split(":", 1)[1].strip()
            elif body:
                words.append(body)
        out.append(BundledQuery(entry.name[:-3], " ".join(words), scope, text))
    return out


def find_query(name_or_path: str) -> str:
    """The text of a query file, or of the bundled query with that name."""
    path = Path(name_or_path)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(f"cannot read {path}: {_one_line(exc)}") from exc
    name = path.name[:-3] if path.name.endswith(".rq") else path.name
    for q in bundled_queries():
        if q.name == name:
            return q.text
    raise StoreError(
        f"no query file or bundled query named {name_or_path!r}; `stancegraph queries` lists them"
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
