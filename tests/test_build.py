"""build.build on the seeds: the files it writes, determinism, SHACL validity, provenance and
evidence offsets of every stance, and the committed graph/ kept in step with seeds/."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GRAPH, SEEDS
from rdflib import Graph, URIRef

from stancegraph import rdf
from stancegraph.build import (
    TRIG_FILE,
    TURTLE_FILE,
    BuildError,
    build,
    load_dataset,
    write_atomic,
)
from stancegraph.corpus import CorpusError, read_sources
from stancegraph.rdf import DCTERMS, OA, PROV, RDF, SCHEMA, SG
from stancegraph.store import StoreError, open_store, select


@pytest.fixture(scope="module")
def seeds_graph(seeds_build) -> Graph:
    _, out = seeds_build
    return rdf.union_graph(load_dataset(out / TRIG_FILE))


def test_build_writes_the_files_and_reports(seeds_build):
    report, out = seeds_build
    assert (out / TURTLE_FILE).is_file() and (out / TRIG_FILE).is_file()
    assert (out / "store").is_dir()
    assert report.articles == 5 and report.skipped == []
    assert report.files[:3] == [out / TURTLE_FILE, out / TRIG_FILE, out / "store"]
    assert all(Path(f).exists() for f in report.files)
    assert report.triples > 0 and report.entities > 0
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [".lock"], "temp files"
    assert not [p for p in (out / "generations").iterdir() if p.name.startswith(".")]


def test_the_store_holds_what_the_files_hold(seeds_build, seeds_graph):
    _, out = seeds_build
    rows = select(open_store(out), "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT * { ?s ?p ?o } }")
    assert int(rows[0]["n"]) == len(seeds_graph)
    stances = select(open_store(out), "SELECT (COUNT(?s) AS ?n) WHERE { ?s a sg:Stance }")
    assert int(stances[0]["n"]) == seeds_build[0].stances


def test_seeds_hold_at_least_15_stances(seeds_build):
    assert seeds_build[0].stances >= 15


def test_two_builds_are_byte_identical(seeds_build, tmp_path):
    _, first = seeds_build
    second = tmp_path / "again"
    build([SEEDS], second)
    for name in (TURTLE_FILE, TRIG_FILE):
        assert (second / name).read_bytes() == (first / name).read_bytes(), name


def test_committed_graph_matches_a_fresh_build_of_the_seeds(seeds_build):
    """graph/ is committed: `stancegraph build` must have been run after every change."""
    _, out = seeds_build
    for name in (TURTLE_FILE, TRIG_FILE):
        committed = GRAPH / name
        assert committed.is_file(), f"graph/{name} is not committed; run `stancegraph build`"
        assert committed.read_bytes() == (out / name).read_bytes(), (
            f"graph/{name} is stale; run `stancegraph build`"
        )


def test_seeds_graph_conforms_to_the_shapes(seeds_build):
    _, out = seeds_build
    assert rdf.validate(load_dataset(out)) == []  # through the store
    assert rdf.validate(load_dataset(out / TRIG_FILE)) == []


def test_every_stance_is_derived_from_its_article(seeds_graph):
    docs = {a.doc for a in read_sources([SEEDS])[0]}
    for stance in seeds_graph.subjects(RDF.type, SG.Stance):
        articles = list(seeds_graph.objects(stance, PROV.wasDerivedFrom))
        assert len(articles) == 1, stance
        assert (articles[0], RDF.type, SCHEMA.NewsArticle) in seeds_graph
        assert str(seeds_graph.value(articles[0], DCTERMS.identifier)) in docs


def test_every_quote_is_the_article_text_at_its_offsets(seeds_graph):
    texts = {a.doc: a.text for a in read_sources([SEEDS])[0]}
    checked = 0
    for stance in seeds_graph.subjects(RDF.type, SG.Stance):
        target = URIRef(f"{stance}/evidence/target")
        article = seeds_graph.value(target, OA.hasSource)
        text = texts[str(seeds_graph.value(article, DCTERMS.identifier))]
        quote = URIRef(f"{stance}/evidence/quote")
        position = URIRef(f"{stance}/evidence/position")
        start = int(seeds_graph.value(position, OA.start))
        end = int(seeds_graph.value(position, OA.end))
        assert str(seeds_graph.value(quote, OA.exact)) == text[start:end], stance
        prefix = seeds_graph.value(quote, OA.prefix)
        assert text[:start].endswith(str(prefix) if prefix else "")
        checked += 1
    assert checked == len(set(seeds_graph.subjects(RDF.type, SG.Stance)))


def test_nothing_readable_writes_nothing(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bin.txt").write_bytes(b"\x00")
    with pytest.raises(CorpusError):
        build([tmp_path / "src"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_load_dataset_reads_every_kind_of_graph(seeds_build, tmp_path):
    _, out = seeds_build
    expected = set(rdf.union_graph(load_dataset(out / TRIG_FILE)))
    assert set(rdf.union_graph(load_dataset(out / TURTLE_FILE))) == expected
    trig_only = tmp_path / "trig-only"
    trig_only.mkdir()
    (trig_only / TRIG_FILE).write_bytes((out / TRIG_FILE).read_bytes())
    assert set(rdf.union_graph(load_dataset(trig_only))) == expected
    # through the store (which types offsets xsd:integer): the same statements and bytes
    assert set(rdf.union_graph(load_dataset(out))) == expected
    assert rdf.serialize(load_dataset(out), "trig") == (out / TRIG_FILE).read_bytes()


@pytest.mark.parametrize("name", ["nothing-here", "empty-dir", "bad.ttl", "graph.csv"])
def test_load_dataset_errors_are_one_line(tmp_path, name):
    (tmp_path / "empty-dir").mkdir()
    (tmp_path / "bad.ttl").write_text("this is not turtle <<", encoding="utf-8")
    (tmp_path / "graph.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(StoreError) as err:
        load_dataset(tmp_path / name)
    assert "\n" not in str(err.value)


def test_write_atomic_replaces_whole_or_not_at_all(tmp_path, monkeypatch):
    target = tmp_path / "g.ttl"
    write_atomic(target, b"old")
    assert target.read_bytes() == b"old"
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["g.ttl"]
    with pytest.raises(BuildError, match="cannot write"):
        write_atomic(tmp_path / "missing" / "g.ttl", b"x")


def test_optional_modules_are_guarded():
    from stancegraph.build import optional_attribute

    assert optional_attribute("stancegraph.no_such_module", "anything") is None
    assert optional_attribute("stancegraph.rdf", "no_such_name") is None
    assert optional_attribute("stancegraph.rdf", "slug") is rdf.slug
