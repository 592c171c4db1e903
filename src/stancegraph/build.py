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

import contextlib
import gc
import importlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import NamedTuple

from rdflib import Dataset, Literal, URIRef

from stancegraph import chunks, rdf
from stancegraph.cache import ExtractionCache
from stancegraph.corpus import CorpusError, read_sources
from stancegraph.extract.lexicon import load_lexicon
from stancegraph.files import cannot_write, replace_file
from stancegraph.generations import CURRENT, Output, OutputError
from stancegraph.graphfiles import Counts, FilesError, GraphFiles
from stancegraph.layoutcache import LayoutCache
from stancegraph.model import DEFAULT_BASE_IRI, Article, Entity, Stance
from stancegraph.parallel import (
    IN_PROCESS,
    Options,
    ParallelError,
    Standby,
    extract_all,
    extractor_version,
)
from stancegraph.resolve import Mentions, resolve_entities

TURTLE_FILE = "stancegraph.ttl"
TRIG_FILE = "stancegraph.trig"
STORE_DIR = "store"
VIEW_FILE = "index.html"
RECORD_FILE = "build.json"  # in each generation: what it was built from (build.read_record)
RECORD_FORMAT = 1
CACHE_DIR = "cache"  # beside the generations: the extraction cache (cache.py)
GRAPHS_CACHE = "graphs"  # in CACHE_DIR: each article's named graph as text (chunks.py)
VIEW_CACHE = "view/view.json"  # in CACHE_DIR: what the current view was drawn from
ROWS_CACHE = "rows"  # in CACHE_DIR: the rows the view read from each graph (graphrows.py)
LAYOUT_CACHE = "view/layout.json"  # in CACHE_DIR: the view's laid-out components (layoutcache.py)
STORE_RECORD = "store/store.json"  # in CACHE_DIR: what the current store was made from
GC_THRESHOLDS = (100_000, 50, 50)  # while a build runs (Python's default: 700, 10, 10)
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
    cached: int = 0  # articles whose stances came from the extraction cache
    extracted: int = 0  # articles extracted in this build
    removed: list[str] = field(default_factory=list)  # ids of the articles left out (--remove)
    iri_changes: list[str] = field(default_factory=list)  # see build.iri_changes
    graphs_reused: int = 0  # articles whose named graph came from the cache as text
    graphs_made: int = 0  # articles whose named graph was made (and written) anew
    view_reused: bool = False  # the store held what it held before: the view was not redrawn
    store_updated: bool = False  # the store is a copy of the last one, with what changed
    store_statements: int | None = None  # quads in the store (named graphs and default)


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
    cache: ExtractionCache | None = None,
    standby: Standby | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> tuple[list[Article], list[Stance], list[tuple[str, str]]]:
    """Extract and resolve articles already read; an article the extraction could not
    finish (too long to keep, over its time or memory budget) joins `skipped`. The facts
    resolution left out because articles disagree go to `conflicts`; `gazetteer` (a
    registry.Gazetteer) places the agencies it knows after resolution. With a `cache`, an
    article it holds for this text and extractor is not extracted again (cache.hits counts
    them), and every article extracted is added to it. `progress` counts the articles
    extracted, not those from the cache. `standby`: local workers started earlier (see
    parallel.Standby; stopped here when no article needs them); `meanwhile()` runs while
    the workers load their model, before any result is waited for."""
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
    cached = {}  # position in todo -> the stances the cache holds for that article
    if cache is not None:
        for i, article in enumerate(todo):
            if (found := cache.get(article)) is not None:
                cached[i] = found
    missing = len(todo) - len(cached)
    if progress is not None:
        progress(0, missing)
    if options.workers > max(1, missing):  # no worker would have an article to extract
        options = replace(options, workers=max(1, missing))
    kept: list[Article] = []
    stances: list[Stance] = []
    tick = None if progress is None else (lambda done: progress(done, missing))
    to_extract = [a for i, a in enumerate(todo) if i not in cached]
    if standby is not None:
        if missing and options.workers >= 1 and not options.dask:
            standby.grow(options.workers)  # every worker starts loading before `meanwhile`
        else:
            standby.close()
    outcomes = extract_all(to_extract, options, tick, standby) if missing else None
    # while the workers load: what resolution works out of each article already extracted
    mentions = Mentions({todo[i].doc: todo[i].text for i in cached})
    mentions.qualify_all(s for found in cached.values() for s in found)
    if meanwhile is not None:
        meanwhile()
    try:
        for i, article in enumerate(todo):  # corpus order, whether cached or extracted
            if i in cached:
                kept.append(article)
                stances.extend(cached[i])
                continue
            outcome = next(outcomes)
            assert outcome.article.doc == article.doc, "extract_all keeps the corpus order"
            if outcome.problem is None:
                kept.append(outcome.article)
                stances.extend(outcome.stances)
                if cache is not None:
                    cache.put(outcome.article, outcome.stances)
            else:
                skipped.append((where(outcome.article), outcome.problem))
        if outcomes is not None:  # none is left: the map ends, and its workers exit unwaited
            next(outcomes, None)
    except ParallelError as err:
        raise BuildError(str(err)) from None
    finally:
        if outcomes is not None:
            outcomes.close()  # stops the workers if the loop ended early
    if todo and not kept:
        reasons = "; ".join(f"{p}: {r}" for p, r in skipped[-5:])
        raise CorpusError(f"no article could be extracted ({reasons})")
    texts = {a.doc: a.text for a in kept}
    resolution = resolve_entities(stances, base_iri, texts=texts, mentions=mentions)
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
    sources: Sequence[str | Path] | None,
    out_dir: str | Path,
    base_iri: str = DEFAULT_BASE_IRI,
    progress: Progress | None = None,
    options: Options = IN_PROCESS,
    too_long: str = "split",
    gazetteer=None,
    cache: bool = True,
    remove: Sequence[str] = (),
) -> BuildReport:
    """Build the graph of `sources` into `out_dir`: stancegraph.ttl, stancegraph.trig,
    store/ and index.html (when the viz module is installed), as a new generation.

    `cache`: reuse what earlier builds into `out_dir` extracted from articles that have not
    changed (`out_dir`/cache/), and keep what this one extracts. `remove`: articles (an id
    as in the records, `name.txt` or `name.jsonl#3`, or a path) left out of this build.
    `sources` None: the sources of the current graph in `out_dir`, and what its builds
    removed (so `remove` drops one more article from it)."""
    out = Path(out_dir)
    removed_before: list[str] = []
    if sources is None:
        record = read_record(out)
        if record is None:
            raise CorpusError(f"{out} holds no graph this version built; give the SOURCES")
        # relative to `out`, so a clone or a moved folder rebuilds from its own sources
        sources = [os.path.normpath(out / s) for s in record["sources"]]
        removed_before = record["removed"]
    # one worker loads the extractor while the sources and caches are read: a build that
    # extracts one article would otherwise wait all of its start-up after them
    with _standby(options) as standby, _read_ahead() as ahead:
        articles, skipped = read_sources(sources)  # nothing readable: CorpusError, nothing written
        articles, removed = remove_articles(articles, remove, removed_before)
        try:
            with (
                Output(out) as output,
                _rare_cycle_collection(),
            ):  # a bad or busy --out fails here, before extraction
                previous = read_record(out)
                extraction_cache = None
                if cache:
                    extraction_cache = ExtractionCache(out / CACHE_DIR, _version(options))
                chunk_cache = None
                if cache:
                    chunk_cache = chunks.ChunkCache(out / CACHE_DIR / GRAPHS_CACHE, base_iri)
                conflicts: list[str] = []
                articles, stances, skipped = extract_articles(
                    articles,
                    skipped,
                    base_iri,
                    progress,
                    options,
                    too_long,
                    conflicts,
                    gazetteer,
                    extraction_cache,
                    standby,
                    partial(_while_extracting, out, chunk_cache, ahead),
                )
                try:
                    report, chunk_cache = _write(
                        output.folder, articles, stances, skipped, base_iri, out, chunk_cache,
                        ahead,
                    )  # fmt: skip
                except chunks.ChunkGone as err:
                    raise BuildError(str(err)) from None
                record = _record(out, sources, removed, articles, stances, base_iri)
                write_atomic(output.folder / RECORD_FILE, _json_bytes(record))
                report.conflicts = conflicts
                report.removed = removed
                report.iri_changes = iri_changes(previous, record)
                if extraction_cache is not None:
                    report.cached = extraction_cache.hits
                report.extracted = report.articles - report.cached
                report.generation = _publish(output)
                if extraction_cache is not None:  # entries of removed articles go too
                    extraction_cache.keep_only(a.doc for a in articles)
                if chunk_cache is not None and cache:  # and the graphs of articles changed or gone
                    _keep_store_record(out, report, chunk_cache.keys)
                    chunk_cache.keep_only_used()
        except OutputError as err:
            raise BuildError(str(err)) from None
        return report


@dataclass
class ReadAhead:
    """What a build works out while its extraction workers start (see _while_extracting)."""

    files: GraphFiles | None = None  # the process that will write the Turtle and TriG files
    store: Path | None = None  # the current store
    fingerprint: tuple[list[str], int] | None = None  # and its store.fingerprint


@contextlib.contextmanager
def _read_ahead():
    """A ReadAhead for the build, whose files process is stopped on the way out."""
    ahead = ReadAhead()
    try:
        yield ahead
    finally:
        if ahead.files is not None:
            ahead.files.stop()


@contextlib.contextmanager
def _standby(options: Options):
    """A parallel.Standby of one local worker (None for in-process or Dask extraction),
    stopped on the way out unless extraction took it."""
    standby = Standby(options) if options.workers >= 1 and not options.dask else None
    try:
        yield standby
    finally:
        if standby is not None:
            standby.close()


@contextlib.contextmanager
def _rare_cycle_collection():
    """Python's cycle collector run rarely while the build runs: the build makes millions
    of small lists and tuples (the stances, the graphs' text) and leaves few cycles, and
    each collection walks the objects alive, which made reading the graphs' chunks up to
    three times slower. Collections still happen, so what cycles there are stay bounded
    (switching it off entirely saved a further 0.7 s of a 3 s rebuild at 1,000 articles
    and raised the full build's peak memory by 15 MB)."""
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _version(options: Options) -> str:
    try:
        return extractor_version(options)
    except OSError as err:
        raise BuildError(f"cannot read the extractor's model: {err.strerror or err}") from None


def remove_articles(
    articles: list[Article], remove: Sequence[str], removed_before: Sequence[str] = ()
) -> tuple[list[Article], list[str]]:
    """(the articles `remove` does not name, the ids of those it does). An article is named
    by its id, by where skip lines say it was read (`path#line`), or by its file's path. A
    name in `remove` that matches no article is an error (a typo must not pass unnoticed);
    `removed_before`, the ids an earlier build removed, may match nothing."""
    if not remove and not removed_before:
        return articles, []
    real = {}
    for article in articles:
        if article.path is not None and article.path not in real:
            real[article.path] = os.path.realpath(article.path)
    dropped: set[str] = set(removed_before) & {a.doc for a in articles}
    for name in remove:
        path = os.path.realpath(name)
        found = {
            a.doc
            for a in articles
            if name in (a.doc, where(a)) or (a.path is not None and real[a.path] == path)
        }
        if not found:
            raise CorpusError(
                f"--remove {name}: no such article in the sources (name an article by its id, "
                "such as name.txt or name.jsonl#3, or by its file's path)"
            )
        dropped |= found
    kept = [a for a in articles if a.doc not in dropped]
    if not kept:
        raise CorpusError("no article left to build: every article was removed")
    return kept, sorted(dropped)


def read_record(out: Path) -> dict | None:
    """What the current graph in `out` was built from (build.json), or None when there is
    none or it is not one this version wrote."""
    try:
        record = json.loads((Path(out) / CURRENT / RECORD_FILE).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        return None
    sources, removed, docs = record.get("sources"), record.get("removed"), record.get("articles")
    if not (_strings(sources) and _strings(removed) and isinstance(docs, dict)):
        return None
    return record


def _record(
    out: Path,
    sources: Sequence[str | Path],
    removed: list[str],
    articles: list[Article],
    stances: list[Stance],
    base_iri: str,
) -> dict:
    """build.json: the sources (relative to `out`), the articles removed, and per article its
    hash and the IRIs of the entities it names (to tell the next build which IRIs moved)."""
    entities: dict[str, set[str]] = {a.doc: set() for a in articles}
    for stance in stances:
        named = entities.setdefault(stance.doc, set())
        for entity in (stance.actor, stance.target, stance.on_behalf_of):
            _collect_iris(entity, base_iri, named)
    return {
        "format": RECORD_FORMAT,
        "sources": [os.path.relpath(os.path.abspath(s), os.path.abspath(out)) for s in sources],
        "removed": removed,
        "articles": {
            a.doc: {"sha256": a.sha256, "entities": sorted(entities[a.doc])} for a in articles
        },
    }


def _collect_iris(entity: Entity | None, base_iri: str, into: set[str]) -> None:
    while entity is not None:
        into.add(str(rdf.entity_iri(entity, base_iri)))
        if entity.jurisdiction is not None:
            _collect_iris(entity.jurisdiction, base_iri, into)
        entity = entity.affiliation


def iri_changes(previous: dict | None, record: dict) -> list[str]:
    """The entities of articles that did not change whose IRI is not what the previous
    build gave them (a new or changed article made resolution merge or split names), one
    line per article: "doc: old IRI -> new IRI" (or the IRIs gone)."""
    if previous is None:
        return []
    changes = []
    for doc, now in record["articles"].items():
        before = previous["articles"].get(doc)
        if not isinstance(before, dict) or before.get("sha256") != now["sha256"]:
            continue
        old = before.get("entities")
        if not _strings(old):
            continue
        gone = sorted(set(old) - set(now["entities"]))
        new = sorted(set(now["entities"]) - set(old))
        if len(gone) == 1 and len(new) == 1:
            changes.append(f"{doc}: {gone[0]} -> {new[0]}")
        elif gone or new:
            changes.append(f"{doc}: {', '.join(gone) or 'none'} -> {', '.join(new) or 'none'}")
    return changes


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _json_bytes(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def _write(
    folder: Path,
    articles: list[Article],
    stances: list[Stance],
    skipped: list[tuple[str, str]],
    base_iri: str,
    out: Path,
    chunk_cache: chunks.ChunkCache | None = None,
    ahead: ReadAhead | None = None,
):
    """Every file of one generation, into `folder` (not yet visible to readers): (the
    report, the chunks.ChunkCache used, or None when the files were written by rdflib).

    Each article's named graph is made as text once (chunks.py) and kept by `chunk_cache`
    (None: kept nowhere), so a build where one article changed makes only that article's
    graph; the files are put together from every article's text, as rdflib would write them
    (writer.py): when the store is a copy of the last one with the changed graphs replaced,
    by another process (graphfiles.py) while this one writes the store and the view. A graph
    rdflib would write otherwise (blank nodes, ...) makes the build write everything with
    rdflib, as before. `ahead`: what was read while extracting (its files process, if any,
    started already; the caller stops it)."""
    ahead = ahead or ReadAhead()
    files = ahead.files
    kept = chunk_cache is not None
    if chunk_cache is None:
        chunk_cache = chunks.ChunkCache(None, base_iri)
    try:
        assembly = chunks.Assembly(chunk_cache.chunks(articles, stances), chunk_cache.writer)
    except chunks.Unsupported:
        return _write_with_rdflib(folder, articles, stances, skipped, base_iri, out), None
    report = BuildReport(
        out_dir=out,
        articles=len(articles),
        skipped=skipped,
        graphs_reused=chunk_cache.hits,
        graphs_made=chunk_cache.made,
        files=[out / TURTLE_FILE, out / TRIG_FILE],
    )
    keys = chunk_cache.keys  # what each named graph of the store is made from
    previous = _previous_store(out, keys, ahead) if kept else None
    counts = None
    if previous is not None and previous.unchanged and previous.counts is not None:
        # the store holds just these graphs, so the current files are what this build
        # would write: the new generation shares them (a generation never changes)
        if _current_files_linked(out, folder):
            counts = previous.counts
    writer = None
    if counts is None and chunk_cache.writable:
        # every chunk is in its file: the files, which need the whole graph, are put
        # together from them by another process while this one writes the store (all of
        # it, or the graphs that changed) and the view
        writer = files
        if writer is None:
            with contextlib.suppress(OSError):  # no process to be had: written here, below
                writer = GraphFiles.start()
    if files is not None and writer is not files:
        files.stop()
    if writer is not None:
        graphs = [k for g, k in keys.items() if g != str(rdf.ONTOLOGY_GRAPH)]
        writer.write(chunk_cache.folder, base_iri, graphs, folder / TURTLE_FILE, folder / TRIG_FILE)
    elif counts is None:
        _write_graph_files(folder, assembly)
    try:
        _write_store(folder, out, report, assembly, previous)
        if writer is None and counts is None:
            # the files and the store are written: the merge of every graph, which the
            # view does not read, is let go before the view is drawn (at 20,000 articles the
            # two held together made the build's peak)
            counts = Counts(assembly.triples, assembly.quads, assembly.stances, assembly.entities)
            assembly.release()
        view = _view_cache(out) if kept else None
        _write_view(folder, out, report, view, keys if kept else None)
        report.view_reused = view is not None and view.hits > 0
        if writer is not None:
            try:
                counts = writer.result()
            except FilesError as err:
                raise BuildError(str(err)) from None
            if counts is None:  # it could not: here, then
                _write_graph_files(folder, assembly)
    finally:
        if writer is not None:
            writer.stop()
    if counts is None:
        counts = Counts(assembly.triples, assembly.quads, assembly.stances, assembly.entities)
    report.triples, report.store_statements = counts.triples, counts.quads
    report.stances, report.entities = counts.stances, counts.entities
    return report, chunk_cache


def _current_files_linked(out: Path, folder: Path) -> bool:
    """Whether the current generation's Turtle and TriG files are now in `folder` too
    (linked, or copied where links cannot be made); when not, nothing is left there."""
    current = (out / CURRENT).resolve()
    try:
        for name in (TURTLE_FILE, TRIG_FILE):
            try:
                os.link(current / name, folder / name)
            except OSError:
                shutil.copyfile(current / name, folder / name)
    except OSError:
        for name in (TURTLE_FILE, TRIG_FILE):
            (folder / name).unlink(missing_ok=True)
        return False
    return True


def _write_graph_files(folder: Path, assembly: chunks.Assembly) -> None:
    _write_file(folder / TURTLE_FILE, assembly.write_turtle)
    _write_file(folder / TRIG_FILE, assembly.write_trig)


def _write_store(
    folder: Path,
    out: Path,
    report: BuildReport,
    assembly: chunks.Assembly,
    previous: PreviousStore | None,
) -> None:
    """store/: a copy of the current store with the graphs that changed (`previous`: see
    _previous_store), or a fresh one."""
    from stancegraph import store  # the store sits above rdf: imported only to write it

    try:
        if previous is not None:
            store.update_copy(
                previous.path, folder / STORE_DIR, previous.drop, assembly.nquads(previous.add)
            )
            report.store_updated = True
        else:
            store.write_nquads(assembly.nquads(), folder / STORE_DIR)
    except store.StoreError as err:
        raise BuildError(str(err)) from None
    report.files.append(out / STORE_DIR)


def _view_cache(out: Path) -> chunks.ViewCache:
    """The view is drawn from the store: the same store, the same view."""
    return chunks.ViewCache(out / CACHE_DIR / VIEW_CACHE, out / CURRENT / VIEW_FILE)


UPDATE_SHARE = 0.25  # above this share of graphs changed, the store is loaded afresh


class PreviousStore(NamedTuple):
    """The current store, as the last build recorded it (STORE_RECORD)."""

    path: Path
    drop: list[str]  # the graphs to drop from a copy of it
    add: list[str]  # and those to add
    counts: Counts | None  # what its graph holds (None in a record without them)

    @property
    def unchanged(self) -> bool:
        return not self.drop and not self.add


def _previous_store(
    out: Path, keys: dict[str, str], ahead: ReadAhead | None = None
) -> PreviousStore | None:
    """The current store when it is the one the last build wrote (STORE_RECORD) and still
    holds just that (the same named graphs, as many statements), and few graphs changed;
    `ahead`: its fingerprint, if it was read already."""
    from stancegraph import store

    record_path = out / CACHE_DIR / STORE_RECORD
    try:
        record = json.loads(record_path.read_bytes())
        current = (out / CURRENT).resolve()
        if not isinstance(record, dict) or record.get("generation") != current.name:
            return None
        before, count = record["graphs"], record["statements"]
        if not isinstance(before, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in before.items()
        ):
            return None
        drop = sorted(g for g in before if keys.get(g) != before[g])
        add = sorted(g for g in keys if before.get(g) != keys[g])
        if len(drop) + len(add) > UPDATE_SHARE * max(1, len(keys)):
            return None
        if ahead is not None and ahead.store == current / STORE_DIR and ahead.fingerprint:
            fingerprint = ahead.fingerprint
        else:
            fingerprint = store.fingerprint(current / STORE_DIR)
        if fingerprint != (sorted(before), count):
            return None  # changed since (analyze --write, import-registry, ...)
        try:
            counts = Counts(*(int(record[k]) for k in COUNTED))
        except (KeyError, TypeError, ValueError):
            counts = None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return PreviousStore(current / STORE_DIR, drop, add, counts)


COUNTED = ("triples", "statements", "stances", "entities")  # STORE_RECORD's, as in Counts


def _while_extracting(out: Path, chunk_cache: chunks.ChunkCache | None, ahead: ReadAhead) -> None:
    """What the build needs later and can do while its extraction workers start: the
    modules that write the store and draw the view, the lexicon resolution reads, and the
    chunks the current store was made from (most of those a build that changes a few
    articles uses); when the store is likely to be updated, the process that will write
    the files starts first, and reads those chunks too (on the core this one leaves idle
    until the workers answer), and the current store's fingerprint is read (at 20,000
    articles it counts 7 million statements)."""
    importlib.import_module("stancegraph.store")
    optional_attribute("stancegraph.viz", "write_view")
    load_lexicon()
    keys = None if chunk_cache is None else _recorded_keys(out)
    if keys is None:  # no record: chunks() reads what it needs, as it would anyway
        return
    with contextlib.suppress(OSError):  # none to be had: _write starts one or does without
        ahead.files = GraphFiles.start()
        ahead.files.warm(chunk_cache.folder, chunk_cache.base_iri, keys)
    chunk_cache.prefetch(keys)
    from stancegraph import store

    ahead.store = (out / CURRENT).resolve() / STORE_DIR
    with contextlib.suppress(store.StoreError, OSError):  # _previous_store will say
        ahead.fingerprint = store.fingerprint(ahead.store)


def _recorded_keys(out: Path) -> list[str] | None:
    """The chunk keys of the current store's graphs, as its record has them (see
    _keep_store_record), or None without a record."""
    try:
        record = json.loads((out / CACHE_DIR / STORE_RECORD).read_bytes())
        keys = list(record["graphs"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return [k for k in keys if isinstance(k, str)]


def _keep_store_record(out: Path, report: BuildReport, keys: dict[str, str]) -> None:
    """Note what the store of the generation just published holds, for the next build;
    a failed write only costs the next build a full load of its store."""
    if report.generation is None or report.store_statements is None:
        return
    record = {"format": 1, "generation": report.generation.name, "graphs": keys,
              "statements": report.store_statements, "triples": report.triples,
              "stances": report.stances, "entities": report.entities}  # fmt: skip
    path = out / CACHE_DIR / STORE_RECORD
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, _json_bytes(record))
    except (OSError, BuildError):
        pass


def _write_with_rdflib(
    folder: Path,
    articles: list[Article],
    stances: list[Stance],
    skipped: list[tuple[str, str]],
    base_iri: str,
    out: Path,
) -> BuildReport:
    """_write through an rdflib Dataset and rdflib's writers."""
    ds = rdf.build_dataset(articles, stances, base_iri)
    with rdf.merged(ds) as union:
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
    # the folder is not yet the graph: each file is written in place, as it is serialised
    _write_file(folder / TURTLE_FILE, partial(rdf.write, ds, "turtle"))
    _write_file(folder / TRIG_FILE, partial(rdf.write, ds, "trig"))
    report.files += [out / TURTLE_FILE, out / TRIG_FILE]

    from stancegraph import store  # the store sits above rdf: imported only to write it

    try:
        store.write_dataset(ds, folder / STORE_DIR)  # quads straight from the dataset
    except store.StoreError as err:
        raise BuildError(str(err)) from None
    del ds
    report.files.append(out / STORE_DIR)
    _write_view(folder, out, report)
    return report


def _write_view(
    folder: Path, out: Path, report: BuildReport, cache=None, statements: dict | None = None
) -> None:
    """index.html, drawn from the store just written, or with a chunks.ViewCache `cache`
    the current view again when `statements` (graph IRI -> chunk key: what the store holds)
    are those it was drawn from; with `cache`, its components laid out before are read back
    (layoutcache.py)."""
    write_view = optional_attribute("stancegraph.viz", "write_view")
    if write_view is None:  # the viz module is not installed
        return
    key = None if cache is None else cache.key(statements or {})
    if key is not None and (same := cache.get(key)) is not None:
        write_atomic(folder / VIEW_FILE, same)
    else:
        layouts = None if cache is None else LayoutCache(out / CACHE_DIR / LAYOUT_CACHE)
        try:
            write_view(_view_rows(folder, out, statements), folder / VIEW_FILE, layouts=layouts)
        except OSError as err:
            raise BuildError(f"cannot write {folder / VIEW_FILE}: {err.strerror or err}") from None
        if layouts is not None:
            layouts.save()
        if key is not None:
            cache.put(key, folder / VIEW_FILE)
    report.files.append(out / VIEW_FILE)


def _view_rows(folder: Path, out: Path, statements: dict | None):
    """What the view is drawn from: the new store, or with `statements` (graph IRI -> chunk
    key) the rows of its graphs, each read from the store only when its chunk is new
    (graphrows.py)."""
    if statements is None:
        return folder / STORE_DIR
    from stancegraph import graphrows, store, viz

    rows = graphrows.RowsCache(out / CACHE_DIR / ROWS_CACHE, viz.VIEW_QUERIES)
    try:
        view_rows = rows.rows(store.open_store(folder / STORE_DIR), statements)
    except store.StoreError as err:
        raise BuildError(str(err)) from None
    rows.keep_only_used()
    return view_rows


def _write_file(path: Path, write: Callable) -> None:
    """`write(binary file)` into `path`; an error names the file."""
    try:
        with open(path, "wb") as f:
            write(f)
    except OSError as err:
        raise BuildError(cannot_write(path, err)) from None


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
        replace_file(path, data)
    except OSError as err:
        raise BuildError(cannot_write(path, err)) from None


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


def optional_attribute(module: str, name: str):
    """An attribute of an optional module of this package, or None when it is absent."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError as err:
        if err.name == module:
            return None
        raise


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())[:300] or type(err).__name__
