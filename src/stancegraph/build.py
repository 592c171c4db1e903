"""One build: read the corpus, extract and resolve stances, write the graph files, the store
and the HTML view.

    report = build(["seeds/"], Path("graph"), options=Options(workers=2))

This module orchestrates and owns no logic of its own: each step is a call into the
module of that concern (corpus, parallel + prepare + extract, resolve, rdf, store, viz,
generations). The output folder is checked and locked before anything is extracted;
everything is written into a new generation folder that one rename makes the graph, so an
interrupted or failed build leaves the old graph whole, and readers never see a mix.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib import Dataset, Literal, URIRef

from stancegraph import rdf
from stancegraph.corpus import CorpusError, read_sources
from stancegraph.generations import Output, OutputError
from stancegraph.model import DEFAULT_BASE_IRI, Article, Stance
from stancegraph.parallel import IN_PROCESS, Options, ParallelError, extract_all
from stancegraph.resolve import resolve_entities

TURTLE_FILE = "stancegraph.ttl"
TRIG_FILE = "stancegraph.trig"
STORE_DIR = "store"
VIEW_FILE = "index.html"
TOO_LONG = ("split", "skip")  # what to do with a text over Options.max_chars

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
    generation: Path | None = None  # the folder `current` now points to


def extract(
    sources: Sequence[str | Path],
    base_iri: str = DEFAULT_BASE_IRI,
    progress: Progress | None = None,
    options: Options = IN_PROCESS,
    too_long: str = "split",
    conflicts: list[str] | None = None,
    gazetteer=None,
) -> tuple[list[Article], list[Stance], list[tuple[str, str]]]:
    """Read, extract and resolve: (articles, stances, skipped). Raises corpus.CorpusError.
    See `extract_articles` for `conflicts` and `gazetteer`."""
    articles, skipped = read_sources(sources)
    return extract_articles(
        articles, skipped, base_iri, progress, options, too_long, conflicts, gazetteer
    )


def extract_articles(
    articles: list[Article],
    skipped: list[tuple[str, str]],
    base_iri: str = DEFAULT_BASE_IRI,
    progress: Progress | None = None,
    options: Options = IN_PROCESS,
    too_long: str = "split",
    conflicts: list[str] | None = None,
    gazetteer=None,
) -> tuple[list[Article], list[Stance], list[tuple[str, str]]]:
    """Extract and resolve articles already read; an article the extraction could not
    finish (too long to keep, over its time or memory budget) joins `skipped`. The facts
    resolution left out because articles disagree go to `conflicts`; `gazetteer` (a
    registry.Gazetteer) places the agencies it knows after resolution."""
    if too_long not in TOO_LONG:
        raise BuildError(f"too_long must be one of {', '.join(TOO_LONG)}, not {too_long!r}")
    skipped = list(skipped)
    todo = []
    for article in articles:
        if too_long == "skip" and len(article.text) > options.max_chars:
            size = f"{len(article.text):,} characters (limit {options.max_chars:,})"
            skipped.append((where(article), f"too long: {size}"))
        else:
            todo.append(article)
    if progress is not None:
        progress(0, len(todo))
    if options.workers > max(1, len(todo)):  # no worker would have an article to extract
        options = replace(options, workers=max(1, len(todo)))
    kept: list[Article] = []
    stances: list[Stance] = []
    tick = None if progress is None else (lambda done: progress(done, len(todo)))
    try:
        for outcome in extract_all(todo, options, tick):
            if outcome.problem is None:
                kept.append(outcome.article)
                stances.extend(outcome.stances)
            else:
                skipped.append((where(outcome.article), outcome.problem))
    except ParallelError as err:
        raise BuildError(str(err)) from None
    if todo and not kept:
        reasons = "; ".join(f"{p}: {r}" for p, r in skipped[-5:])
        raise CorpusError(f"no article could be extracted ({reasons})")
    texts = {a.doc: a.text for a in kept}
    resolution = resolve_entities(stances, base_iri, texts=texts)
    if conflicts is not None:
        conflicts.extend(resolution.conflicts)
    stances = resolution.stances
    if gazetteer is not None:
        stances = gazetteer.place(stances, texts, base_iri)
    return kept, stances, skipped


def where(article: Article) -> str:
    """The file (and line, for JSON Lines) an article was read from, as skip lines name it."""
    if article.path is None:
        return article.doc
    line = article.doc.rpartition("#")[2] if "#" in article.doc else ""
    return f"{article.path}#{line}" if line.isdigit() else article.path


def build(
    sources: Sequence[str | Path],
    out_dir: str | Path,
    base_iri: str = DEFAULT_BASE_IRI,
    progress: Progress | None = None,
    options: Options = IN_PROCESS,
    too_long: str = "split",
    gazetteer=None,
) -> BuildReport:
    """Build the graph of `sources` into `out_dir`: stancegraph.ttl, stancegraph.trig,
    store/ and index.html (when the viz module is installed), as a new generation."""
    out = Path(out_dir)
    articles, skipped = read_sources(sources)  # nothing readable: CorpusError, nothing written
    try:
        with Output(out) as output:  # a bad or busy --out fails here, before extraction
            conflicts: list[str] = []
            articles, stances, skipped = extract_articles(
                articles, skipped, base_iri, progress, options, too_long, conflicts, gazetteer
            )
            report = _write(output.folder, articles, stances, skipped, base_iri, out)
            report.conflicts = conflicts
            report.generation = _publish(output)
    except OutputError as err:
        raise BuildError(str(err)) from None
    return report


def _write(
    folder: Path,
    articles: list[Article],
    stances: list[Stance],
    skipped: list[tuple[str, str]],
    base_iri: str,
    out: Path,
) -> BuildReport:
    """Every file of one generation, into `folder` (not yet visible to readers)."""
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
    )
    trig = rdf.serialize(ds, "trig")
    write_atomic(folder / TURTLE_FILE, rdf.serialize(ds, "turtle"))
    write_atomic(folder / TRIG_FILE, trig)
    report.files += [out / TURTLE_FILE, out / TRIG_FILE]

    from stancegraph import store  # the store sits above rdf: imported only to write it

    try:
        store.write_store(trig, folder / STORE_DIR)
    except store.StoreError as err:
        raise BuildError(str(err)) from None
    report.files.append(out / STORE_DIR)

    write_view = _optional("stancegraph.viz", "write_view")
    if write_view is not None:  # the viz module draws the view from the store just written
        try:
            write_view(folder / STORE_DIR, folder / VIEW_FILE)
        except OSError as err:
            raise BuildError(f"cannot write {folder / VIEW_FILE}: {err.strerror or err}") from None
        report.files.append(out / VIEW_FILE)
    return report


def _publish(output: Output) -> Path:
    try:
        return output.publish()
    except OSError as err:
        name = err.filename or output.out
        raise BuildError(f"cannot publish the new graph in {name}: {err.strerror or err}") from None


def load_dataset(graph: str | Path, base_iri: str = DEFAULT_BASE_IRI) -> Dataset:
    """A built graph as an rdflib Dataset: a .ttl/.trig/.nt/.nq file is parsed as written; a
    folder's store/ is read through the store (else its stancegraph.trig is parsed).
    Raises store.StoreError with a one-line message."""
    from stancegraph import store

    if not Path(graph).exists():
        raise store.StoreError(f"no graph at {graph}")
    path = store.resolve_graph(graph)  # one generation, even while a build switches
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
