"""One build: read the corpus, extract and resolve stances, write the graph files, the store
and the HTML view.

    report = build(["seeds/"], Path("graph"))

This module orchestrates and owns no logic of its own: each step is a call into the
module of that concern (corpus, extract, resolve, rdf, store, viz). Every file is written
to a temporary sibling and renamed, so an interrupted build leaves the old graph whole.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Literal, URIRef

from stancegraph import rdf
from stancegraph.corpus import read_sources
from stancegraph.model import DEFAULT_BASE_IRI, Article, Stance
from stancegraph.resolve import resolve_entities

TURTLE_FILE = "stancegraph.ttl"
TRIG_FILE = "stancegraph.trig"
STORE_DIR = "store"
VIEW_FILE = "index.html"
CHUNK = 8  # articles per extraction call when progress is reported

Progress = Callable[[int, int], None]  # (articles done, articles in all)


class BuildError(Exception):
    """A build step failed (an output cannot be written, ...); the message is one line."""


@dataclass
class BuildReport:
    """What a build read and wrote: the summary `stancegraph build` prints."""

    out_dir: Path
    articles: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    stances: int = 0
    entities: int = 0  # distinct actors and targets
    triples: int = 0  # distinct statements over all named graphs
    conflicts: list[str] = field(default_factory=list)  # facts left out: the articles disagree
    files: list[Path] = field(default_factory=list)


def extract(
    sources: Sequence[str | Path],
    base_iri: str = DEFAULT_BASE_IRI,
    progress: Progress | None = None,
    conflicts: list[str] | None = None,
    gazetteer=None,
    extractor: str = "learned",
    model=None,
) -> tuple[list[Article], list[Stance], list[tuple[str, str]]]:
    """Read, extract and resolve: (articles, stances, skipped); the facts resolution left
    out because articles disagree go to `conflicts`. `gazetteer` (a registry.Gazetteer)
    places the agencies it knows after resolution. `extractor`: "learned" (the default)
    or "rules"; `model`: a learned model other than the shipped one. Raises
    corpus.CorpusError."""
    from stancegraph.extract import extract_stances  # loads spaCy: only when extracting

    articles, skipped = read_sources(sources)
    if progress is None:
        stances = extract_stances(articles, extractor, model)
    else:  # extraction is per article, so chunks give the same records as one call
        stances = []
        progress(0, len(articles))
        for i in range(0, len(articles), CHUNK):
            stances.extend(extract_stances(articles[i : i + CHUNK], extractor, model))
            progress(min(i + CHUNK, len(articles)), len(articles))
    texts = {a.doc: a.text for a in articles}
    resolution = resolve_entities(stances, base_iri, texts=texts)
    if conflicts is not None:
        conflicts.extend(resolution.conflicts)
    stances = resolution.stances
    if gazetteer is not None:
        stances = gazetteer.place(stances, texts, base_iri)
    return articles, stances, skipped


def build(
    sources: Sequence[str | Path],
    out_dir: str | Path,
    base_iri: str = DEFAULT_BASE_IRI,
    progress: Progress | None = None,
    gazetteer=None,
    extractor: str = "learned",
    model=None,
) -> BuildReport:
    """Build the graph of `sources` into `out_dir`: stancegraph.ttl, stancegraph.trig,
    store/ and index.html (when the viz module is installed)."""
    out = Path(out_dir)
    conflicts: list[str] = []
    articles, stances, skipped = extract(
        sources, base_iri, progress, conflicts, gazetteer, extractor, model
    )
    ds = rdf.build_dataset(articles, stances, base_iri)
    union = rdf.union_graph(ds)
    report = BuildReport(
        out_dir=out,
        articles=len(articles),
        skipped=skipped,
        stances=len(set(union.subjects(rdf.RDF.type, rdf.SG.Stance))),
        entities=len(
            set(union.subjects(rdf.RDF.type, rdf.SG.Actor))
            | set(union.subjects(rdf.RDF.type, rdf.SG.Target))
        ),
        triples=len(union),
        conflicts=conflicts,
    )
    trig = rdf.serialize(ds, "trig")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BuildError(f"cannot create {out}: {err.strerror or err}") from None
    write_atomic(out / TURTLE_FILE, rdf.serialize(ds, "turtle"))
    write_atomic(out / TRIG_FILE, trig)
    report.files += [out / TURTLE_FILE, out / TRIG_FILE]

    from stancegraph import store  # the store sits above rdf: imported only to write it

    store.write_store(trig, out / STORE_DIR)
    report.files.append(out / STORE_DIR)

    write_view = _optional("stancegraph.viz", "write_view")
    if write_view is not None:  # the viz module draws the view from the store just written
        write_view(out / STORE_DIR, out / VIEW_FILE)
        report.files.append(out / VIEW_FILE)
    return report


def load_dataset(graph: str | Path, base_iri: str = DEFAULT_BASE_IRI) -> Dataset:
    """A built graph as an rdflib Dataset: a .ttl/.trig/.nt/.nq file is parsed as written; a
    folder's store/ is read through the store (else its stancegraph.trig is parsed).
    Raises store.StoreError with a one-line message."""
    from stancegraph import store

    path = Path(graph)
    formats = {".ttl": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads"}
    if path.is_dir() and not (path / STORE_DIR / "CURRENT").is_file():
        if (path / "CURRENT").is_file():  # a store directory itself
            return _from_store(store.open_store(path), base_iri)
        path = path / TRIG_FILE
        if not path.is_file():
            raise store.StoreError(
                f"{graph}: holds neither a store nor {TRIG_FILE}; run `stancegraph build`"
            )
    if path.is_file():
        fmt = formats.get(path.suffix.lower())
        if fmt is None:
            raise store.StoreError(f"{path}: not a store or an RDF file (.ttl, .trig, .nt, .nq)")
        try:
            return rdf.read_dataset(path.read_bytes(), fmt, base_iri)
        except OSError as err:
            raise store.StoreError(f"cannot read {path}: {err.strerror or err}") from None
        except Exception as err:  # rdflib's parsers raise many types; all mean a bad file
            raise store.StoreError(f"{path}: not valid {fmt}: {_one_line(err)}") from None
    return _from_store(store.open_store(path), base_iri)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary sibling, then rename it over `path`."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise BuildError(f"cannot write {path}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException as err:  # interrupted too: never leave the temporary file behind
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise BuildError(f"cannot write {path}: {err.strerror or err}") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _from_store(st, base_iri: str) -> Dataset:
    from stancegraph import store

    ds = rdf.new_dataset(base_iri)
    for iri in store.named_graphs(st):  # the default graph is their merge: not read again
        data = store.dump_graph(st, iri, "nt")
        if data.strip():
            target = ds.graph(URIRef(iri))
            target.parse(data=data, format="nt")
            _retype_offsets(target)
    return ds


def _retype_offsets(g) -> None:
    """Oxigraph keeps xsd:nonNegativeInteger as xsd:integer; give the offsets back the
    datatype rdf.py writes, so a graph read from the store serialises like the files."""
    for prop in (rdf.OA.start, rdf.OA.end):
        for s, _, o in list(g.triples((None, prop, None))):
            if isinstance(o, Literal) and o.datatype == rdf.XSD.integer and int(o) >= 0:
                g.remove((s, prop, o))
                g.add((s, prop, Literal(int(o), datatype=rdf.XSD.nonNegativeInteger)))


def _optional(module: str, name: str):
    """An attribute of an optional module of this package, or None when it is absent."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError as err:
        if err.name == module:
            return None
        raise


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())[:300] or type(err).__name__
