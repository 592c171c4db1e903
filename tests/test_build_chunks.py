"""Rebuilds that redo only what changed after extraction: each article's named graph kept as
text (--out/cache/graphs/), the files put together from those chunks byte for byte as
rdflib writes them, the view reused when the store holds what it held, and every cache
entry that does not read back whole ignored."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SEEDS
from rdflib import BNode, Literal, URIRef

from stancegraph import chunks, rdf, writer
from stancegraph.build import CACHE_DIR, GRAPHS_CACHE, build, extract
from stancegraph.parallel import Options
from stancegraph.store import add_graph, write_dataset, write_nquads

RULES = Options(extractor="rules", workers=0)
FILES = ("stancegraph.ttl", "stancegraph.trig", "index.html", "current/build.json")
NEW_SENTENCE = "\nThe Orange County Board of Supervisors voted to end the 287(g) program.\n"


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


def _same_files(a: Path, b: Path) -> None:
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _chunk_files(out: Path) -> list[Path]:
    return sorted((out / CACHE_DIR / GRAPHS_CACHE).glob("*.json"))


def test_a_changed_article_remakes_only_its_own_graph_and_the_files_are_a_clean_builds(
    corpus, tmp_path
):
    out = tmp_path / "graph"
    first = build([corpus], out, options=RULES)
    assert (first.graphs_made, first.graphs_reused, first.view_reused) == (5, 0, False)
    again = build([corpus], out, options=RULES)
    assert (again.graphs_made, again.graphs_reused, again.view_reused) == (0, 5, True)

    changed = sorted(corpus.glob("*.txt"))[2]
    changed.write_text(changed.read_text(encoding="utf-8") + NEW_SENTENCE, encoding="utf-8")
    one = build([corpus], out, options=RULES)
    assert (one.cached, one.extracted) == (4, 1)
    assert (one.graphs_made, one.graphs_reused, one.view_reused) == (1, 4, False)
    assert len(_chunk_files(out)) == 5  # the changed article's old chunk is gone

    fresh = tmp_path / "fresh"
    clean = build([corpus], fresh, options=RULES, cache=False)
    assert (clean.graphs_made, clean.graphs_reused) == (5, 0)
    assert not (fresh / CACHE_DIR).exists()
    _same_files(out, fresh)
    assert _quads(out) == _quads(fresh)
    assert (one.stances, one.entities, one.triples) == (clean.stances, clean.entities,
                                                       clean.triples)  # fmt: skip
    assert "Orange County Board of Supervisors" in (out / "stancegraph.ttl").read_text()


def _copies(texts: list[Path], folder: Path) -> Path:
    """Four more copies of each text: enough graphs for one changed to be worth a copy of
    the store."""
    folder.mkdir()
    for i in range(4):
        for text in texts:
            (folder / f"{i}-{text.name}").write_text(text.read_text(encoding="utf-8"))
    return folder


def _quads(out: Path) -> set:
    return set(ox.Store.read_only(str(out / "store")))


def test_the_store_is_a_copy_of_the_last_with_the_changed_graphs_replaced(corpus, tmp_path):
    texts = sorted(corpus.glob("*.txt"))
    extra = _copies(texts, tmp_path / "more")
    out = tmp_path / "graph"
    assert not build([corpus, extra], out, options=RULES).store_updated
    before = _quads(out)
    same = build([corpus, extra], out, options=RULES)
    assert same.store_updated and same.view_reused and _quads(out) == before

    texts[2].write_text(texts[2].read_text(encoding="utf-8") + NEW_SENTENCE, encoding="utf-8")
    one = build([corpus, extra], out, options=RULES)
    assert one.store_updated and not one.view_reused
    assert one.graphs_made == 1
    fresh = tmp_path / "fresh"
    build([corpus, extra], fresh, options=RULES, cache=False)
    assert _quads(out) == _quads(fresh) != before
    _same_files(out, fresh)

    generations = out / "generations"
    previous = sorted(p for p in generations.iterdir() if p.name.isdigit())[-2]
    assert set(ox.Store.read_only(str(previous / "store"))) != _quads(out)  # left alone


def test_a_store_changed_after_its_build_is_loaded_afresh(corpus, tmp_path):
    texts = sorted(corpus.glob("*.txt"))
    extra = tmp_path / "more"
    extra.mkdir()
    for i in range(4):
        for text in texts:
            (extra / f"{i}-{text.name}").write_text(text.read_text(encoding="utf-8"))
    out = tmp_path / "graph"
    build([corpus, extra], out, options=RULES)
    add_graph(out, "https://example.org/derived", b"<https://e/s> <https://e/p> <https://e/o> .\n")
    report = build([corpus, extra], out, options=RULES)
    assert not report.store_updated
    fresh = tmp_path / "fresh"
    build([corpus, extra], fresh, options=RULES, cache=False)
    assert _quads(out) == _quads(fresh)


def test_removing_an_article_drops_its_chunk(corpus, tmp_path):
    out = tmp_path / "graph"
    build([corpus], out, options=RULES)
    gone = sorted(corpus.glob("*.txt"))[0]
    report = build([corpus], out, options=RULES, remove=[str(gone)])
    # the others' graphs are made again only where resolution now names an entity otherwise
    # (an alias only the removed article gave)
    assert report.graphs_made + report.graphs_reused == 4 and report.graphs_reused > 0
    assert len(_chunk_files(out)) == 4
    fresh = tmp_path / "fresh"
    build([corpus], fresh, options=RULES, cache=False, remove=[str(gone)])
    _same_files(out, fresh)


def test_corrupt_and_foreign_chunks_are_made_again(corpus, tmp_path):
    out, fresh = tmp_path / "graph", tmp_path / "fresh"
    build([corpus], out, options=RULES)
    build([corpus], fresh, options=RULES, cache=False)
    files = _chunk_files(out)
    files[0].write_bytes(b'{"format": 1, "key": "ab')  # cut short by a crash
    files[1].write_bytes(files[2].read_bytes())  # another article's chunk
    header, _, body = files[3].read_bytes().partition(b"\n")
    assert json.loads(header)["sha256"]
    files[3].write_bytes(header + b"\n" + body.replace(b"sg:", b"xx:", 1))  # not as written
    (out / "current" / "index.html").unlink()  # the view to reuse is gone: drawn again
    report = build([corpus], out, options=RULES)
    assert (report.graphs_made, report.graphs_reused, report.view_reused) == (3, 2, False)
    _same_files(out, fresh)


def test_an_edited_view_is_drawn_again(corpus, tmp_path):
    out = tmp_path / "graph"
    build([corpus], out, options=RULES)
    view = out / "current" / "index.html"
    drawn = view.read_bytes()
    view.write_bytes(drawn.replace(b"stancegraph", b"edited", 1))
    report = build([corpus], out, options=RULES)
    assert not report.view_reused
    assert (out / "index.html").read_bytes() == drawn


def test_a_graph_the_chunks_cannot_write_is_written_by_rdflib(corpus, tmp_path, monkeypatch):
    fresh = tmp_path / "fresh"
    build([corpus], fresh, options=RULES, cache=False)

    def unsupported(*_args):
        raise writer.Unsupported("as if a blank node")

    monkeypatch.setattr(chunks, "make_chunk", unsupported)
    out = tmp_path / "graph"
    report = build([corpus], out, options=RULES)
    assert (report.graphs_made, report.graphs_reused) == (0, 0)
    _same_files(out, fresh)


def test_the_chunks_give_rdflibs_bytes_and_the_same_store(tmp_path):
    articles, stances, _ = extract([SEEDS], options=RULES)
    ds = rdf.build_dataset(articles, stances)
    cache = chunks.ChunkCache(None, rdf.DEFAULT_BASE_IRI)
    assembly = chunks.Assembly(cache.chunks(articles, stances), cache.writer)
    for fmt, write in (("trig", assembly.write_trig), ("turtle", assembly.write_turtle)):
        ours, theirs = io.BytesIO(), io.BytesIO()
        write(ours)
        rdf.write(ds, fmt, theirs)
        assert ours.getvalue() == theirs.getvalue(), fmt
    with rdf.merged(ds) as union:
        assert assembly.triples == len(union)
        assert assembly.stances == len(set(union.subjects(rdf.RDF.type, rdf.SG.Stance)))

    write_nquads(assembly.nquads(), tmp_path / "ours")
    write_dataset(ds, tmp_path / "theirs")
    ours, theirs = ox.Store(str(tmp_path / "ours")), ox.Store(str(tmp_path / "theirs"))
    assert set(ours) == set(theirs)
    assert len(ours) > 1000


def test_literals_round_trip_through_their_ntriples():
    for term in (
        Literal('a "quoted"\nline \\ with\r\tcontrol'),
        Literal("0.87", datatype=rdf.XSD.decimal),
        Literal("bonjour", lang="fr"),
        URIRef("https://example.org/a-b_c"),
    ):
        assert chunks.term(chunks.nt(term)) == term
    store = ox.Store()
    store.load(chunks.nt(URIRef("https://e/s")) + " <https://e/p> "
               + chunks.nt(Literal('x "y"\nz\\')) + " .\n", ox.RdfFormat.N_TRIPLES)  # fmt: skip
    assert [q.object.value for q in store] == ['x "y"\nz\\']


def test_what_rdflib_would_order_by_its_store_is_not_supported():
    assert not writer.supported({URIRef("https://e/g"): {(BNode(), rdf.RDF.type, rdf.SG.Stance)}})
    assert writer.supported({URIRef("https://e/g"): {(URIRef("https://e/s"), rdf.RDF.type,
                                                      rdf.SG.Stance)}})  # fmt: skip
    assert writer.sort_objects([Literal("b"), Literal("a")]) == [Literal("a"), Literal("b")]
    with pytest.raises(writer.Unsupported):  # 1 and 1.0 are equal values: a tie
        writer.sort_objects([Literal(1), Literal("1.0", datatype=rdf.XSD.decimal)])


def test_the_chunks_read_ahead_while_extracting_are_those_used(corpus, tmp_path, monkeypatch):
    out = tmp_path / "graph"
    build([corpus], out, options=RULES)
    before = {name: (out / name).read_bytes() for name in FILES}
    prefetch = chunks.ChunkCache.prefetch

    def read_ahead_then_lose_the_files(self, keys):
        prefetch(self, keys)
        for path in _chunk_files(out):  # from here on only what was read ahead is left
            path.unlink()

    monkeypatch.setattr(chunks.ChunkCache, "prefetch", read_ahead_then_lose_the_files)
    again = build([corpus], out, options=RULES)
    assert (again.graphs_made, again.graphs_reused) == (0, 5)
    assert {name: (out / name).read_bytes() for name in FILES} == before


def test_files_put_together_aside_are_a_clean_builds_and_a_missing_chunk_falls_back(
    corpus, tmp_path, monkeypatch
):
    from stancegraph import graphfiles

    texts = sorted(corpus.glob("*.txt"))
    extra = _copies(texts, tmp_path / "more")
    sources, out, fresh = [corpus, extra], tmp_path / "graph", tmp_path / "fresh"
    build(sources, out, options=RULES)
    results = []
    result, write = graphfiles.GraphFiles.result, graphfiles.GraphFiles.write

    def noted(self):
        results.append(result(self))
        return results[-1]

    monkeypatch.setattr(graphfiles.GraphFiles, "result", noted)
    texts[2].write_text(texts[2].read_text(encoding="utf-8") + NEW_SENTENCE, encoding="utf-8")
    one = build(sources, out, options=RULES)
    assert one.store_updated and results[-1].triples == one.triples  # written aside
    build(sources, fresh, options=RULES, cache=False)
    _same_files(out, fresh)

    def with_a_chunk_it_cannot_read(self, folder, base_iri, keys, *files):
        # a key the process finds no chunk for (one it has not read ahead)
        write(self, folder, base_iri, [*keys, "0" * 64], *files)

    monkeypatch.setattr(graphfiles.GraphFiles, "write", with_a_chunk_it_cannot_read)
    texts[2].write_text(texts[2].read_text(encoding="utf-8") + NEW_SENTENCE, encoding="utf-8")
    two = build(sources, out, options=RULES)
    assert two.store_updated and results[-1] is None  # could not: written by the build
    shutil.rmtree(fresh)
    build(sources, fresh, options=RULES, cache=False)
    _same_files(out, fresh)


def test_a_rebuild_holds_the_graphs_it_reads_back_by_name_and_reads_them_again_if_asked(
    corpus, tmp_path
):
    """Every graph a rebuild reads back is kept as its name only (at 100,000 articles the
    chunks' text was 3 GB), and read from its file again, checked, when it is needed."""
    out = tmp_path / "graph"
    build([corpus], out, options=RULES)
    articles, stances, _ = extract([corpus], options=RULES)
    cache = chunks.ChunkCache(out / CACHE_DIR / GRAPHS_CACHE, rdf.DEFAULT_BASE_IRI)
    read_back = cache.chunks(articles, stances)[1:]  # the ontology's is made each time
    assert cache.hits == 5 and all(c._body is None and c._parts is None for c in read_back)
    assembly = chunks.Assembly([cache.ontology_chunk(), *read_back], cache.writer)
    trig = io.BytesIO()
    assembly.write_trig(trig)
    assert trig.getvalue() == (out / "stancegraph.trig").read_bytes()

    again = chunks.ChunkCache(out / CACHE_DIR / GRAPHS_CACHE, rdf.DEFAULT_BASE_IRI)
    forgotten = again.chunks(articles, stances)[1]
    for path in _chunk_files(out):  # every file cut short after the build read it
        path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(chunks.ChunkGone, match="changed or went while the build read it"):
        assert forgotten.subjects


def test_a_graph_gone_before_the_build_reads_it_again_fails_the_build_in_one_line(
    corpus, tmp_path, monkeypatch
):
    from stancegraph import graphfiles
    from stancegraph.build import BuildError

    texts = sorted(corpus.glob("*.txt"))
    sources, out = [corpus, _copies(texts, tmp_path / "more")], tmp_path / "graph"
    build(sources, out, options=RULES)
    before = (out / "current").resolve()
    write = graphfiles.GraphFiles.write

    def losing_every_chunk(self, folder, *rest):
        for path in Path(folder).glob("*" + chunks.SUFFIX):
            path.unlink()
        write(self, folder, *rest)

    monkeypatch.setattr(graphfiles.GraphFiles, "write", losing_every_chunk)
    texts[2].write_text(texts[2].read_text(encoding="utf-8") + NEW_SENTENCE, encoding="utf-8")
    with pytest.raises(BuildError, match=r"^\S+\.json changed or went while the build read it"):
        build(sources, out, options=RULES)
    assert (out / "current").resolve() == before  # the old graph stays


def test_a_first_build_loads_its_store_graph_by_graph_and_writes_its_files_aside(
    corpus, tmp_path, monkeypatch
):
    """With the cache, a build holds no merge of its graphs: each graph goes to the store
    with its triples in the default graph too (the store keeps a statement once), and the
    files process writes the files; the graph is the one rdflib builds."""
    from stancegraph import graphfiles

    results, result = [], graphfiles.GraphFiles.result
    monkeypatch.setattr(graphfiles.GraphFiles, "result",
                        lambda self: results.append(result(self)) or results[-1])  # fmt: skip
    merges = []
    union = chunks.Assembly.union
    monkeypatch.setattr(chunks.Assembly, "union",
                        property(lambda self: merges.append(1) or union.func(self)))  # fmt: skip
    out, fresh = tmp_path / "graph", tmp_path / "fresh"
    first = build([corpus], out, options=RULES)
    assert results and results[0].triples == first.triples and not merges
    build([corpus], fresh, options=RULES, cache=False)
    _same_files(out, fresh)
    ours, theirs = ox.Store.read_only(str(out / "store")), ox.Store.read_only(str(fresh / "store"))
    assert set(ours) == set(theirs) and len(ours) == first.store_statements


def test_a_file_the_other_process_cannot_write_is_named(corpus, tmp_path):
    from stancegraph.graphfiles import FilesError, GraphFiles

    out = tmp_path / "graph"
    build([corpus], out, options=RULES)
    folder = out / CACHE_DIR / GRAPHS_CACHE
    keys = [json.loads(path.read_bytes().partition(b"\n")[0])["key"] for path in _chunk_files(out)]
    writer = GraphFiles.start()
    nowhere = tmp_path / "no such folder" / "stancegraph.ttl"
    writer.write(folder, rdf.DEFAULT_BASE_IRI, keys, nowhere, tmp_path / "x.trig")
    with pytest.raises(FilesError, match=f"cannot write {nowhere}: No such file or directory"):
        writer.result()


def test_a_rebuild_where_no_graph_changed_shares_the_current_files(corpus, tmp_path):
    out, fresh = tmp_path / "graph", tmp_path / "fresh"
    first = build([corpus], out, options=RULES)
    before = (out / "current").resolve()
    again = build([corpus], out, options=RULES)
    after = (out / "current").resolve()
    assert after != before and again.store_updated and again.view_reused
    for name in ("stancegraph.ttl", "stancegraph.trig"):
        assert (after / name).stat().st_ino == (before / name).stat().st_ino
    counts = ("triples", "stances", "entities", "store_statements")
    assert [getattr(again, c) for c in counts] == [getattr(first, c) for c in counts]

    (after / "stancegraph.trig").unlink()  # a file gone: this build writes its own
    third = build([corpus], out, options=RULES)
    assert [getattr(third, c) for c in counts] == [getattr(first, c) for c in counts]
    build([corpus], fresh, options=RULES, cache=False)
    _same_files(out, fresh)


def test_a_files_process_that_is_gone_leaves_the_files_to_the_build(tmp_path):
    from stancegraph.graphfiles import GraphFiles

    writer = GraphFiles.start()
    writer._process.kill()  # as the kernel would, out of memory
    writer._process.join()
    writer.write(tmp_path, rdf.DEFAULT_BASE_IRI, [], tmp_path / "a.ttl", tmp_path / "a.trig")
    assert writer.result() is None and not list(tmp_path.iterdir())


def test_an_assembly_lets_go_of_its_graphs_but_keeps_its_counts():
    """A build lets go of every graph's parts and their merge once the files and the store
    are written, before it draws the view; what it reports of them stays."""
    articles, stances, _ = extract([SEEDS], options=RULES)
    cache = chunks.ChunkCache(None, rdf.DEFAULT_BASE_IRI)
    assembly = chunks.Assembly(cache.chunks(articles, stances), cache.writer)
    counts = (assembly.triples, assembly.quads, assembly.stances, assembly.entities)
    assert assembly.union and counts[0] > 1000
    assembly.release()
    assert assembly.chunks == []
    assert "union" not in vars(assembly) and "labels" not in vars(assembly)
    assert (assembly.triples, assembly.quads, assembly.stances, assembly.entities) == counts


def test_files_streamed_a_chunk_at_a_time_are_an_assemblys(tmp_path):
    """The files process reads each chunk once and keeps only the Turtle's statements and
    the subjects graphs share: the bytes and counts are those of the Assembly, which holds
    every chunk (at 100,000 articles 16 GB, and the kernel killed the process)."""
    articles, stances, _ = extract([SEEDS], options=RULES)
    cache = chunks.ChunkCache(None, rdf.DEFAULT_BASE_IRI)
    made = {str(i): c for i, c in enumerate(cache.chunks(articles, stances))}
    assembly = chunks.Assembly(list(made.values()), cache.writer)
    shared = chunks._shared_subjects(chunks.outline(c) for c in made.values())
    assert len(made) == 6 and len(shared) > 5  # the ontology, five articles; their entities
    reads = []

    def read(key):
        reads.append(key)
        return made[key]

    trig, turtle = io.BytesIO(), io.BytesIO()
    outlines = {k: chunks.outline(c) for k, c in made.items()}
    counts = chunks.write_streamed(outlines, read, cache.writer, trig, turtle)
    assert sorted(reads) == sorted(made)  # each chunk read once
    assert counts == (assembly.triples, assembly.quads, assembly.stances, assembly.entities)
    theirs_trig, theirs_turtle = io.BytesIO(), io.BytesIO()
    assembly.write_trig(theirs_trig)
    assembly.write_turtle(theirs_turtle)
    assert trig.getvalue() == theirs_trig.getvalue()
    assert turtle.getvalue() == theirs_turtle.getvalue()

    gone = {k: c for k, c in made.items() if k != "3"}  # a chunk that cannot be read
    assert chunks.write_streamed(outlines, gone.get, cache.writer, trig, turtle) is None


def test_reading_ahead_keeps_outlines_not_chunks(corpus, tmp_path):
    from stancegraph import graphfiles

    out = tmp_path / "graph"
    build([corpus], out, options=RULES)
    folder = out / CACHE_DIR / GRAPHS_CACHE
    keys = [json.loads(path.read_bytes().partition(b"\n")[0])["key"] for path in _chunk_files(out)]

    class Idle:  # no job comes while the process reads ahead
        def poll(self):
            return False

    warmed = chunks.ChunkCache(folder, rdf.DEFAULT_BASE_IRI)
    outlines = graphfiles._warm(warmed, keys, Idle())
    assert sorted(outlines) == sorted(keys) and not warmed._read_ahead
    for key, found in outlines.items():
        chunk = warmed.read_one(key)
        assert found.graph == chunk.graph and len(found.subjects) == len(chunk.subjects)


def test_reading_ahead_stops_when_the_job_comes(corpus, tmp_path):
    from stancegraph import graphfiles

    out = tmp_path / "graph"
    build([corpus], out, options=RULES)
    keys = [json.loads(path.read_bytes().partition(b"\n")[0])["key"] for path in _chunk_files(out)]

    class JobWaiting:
        def poll(self):
            return True

    cache = chunks.ChunkCache(out / CACHE_DIR / GRAPHS_CACHE, rdf.DEFAULT_BASE_IRI)
    assert graphfiles._warm(cache, keys, JobWaiting()) == {}
