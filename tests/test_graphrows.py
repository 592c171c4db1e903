"""The view drawn from rows kept per named graph (graphrows.py) is the view drawn from the
store, and a rebuild reads out of the store only the graphs whose chunks are new."""

from __future__ import annotations

import json

import pytest
from conftest import SEEDS

from stancegraph import graphrows, rdf, viz
from stancegraph.build import CACHE_DIR, ROWS_CACHE, build
from stancegraph.parallel import Options
from stancegraph.store import open_store

RULES = Options(extractor="rules", workers=0)
NEW_SENTENCE = "\nThe Orange County Board of Supervisors voted to end the 287(g) program.\n"


def _by_graph(store) -> graphrows.GraphRows:
    return graphrows.GraphRows(graphrows.read_by_graph(store, viz.VIEW_QUERIES, None))


def test_the_view_from_each_graphs_rows_is_the_view_from_the_store(dev_dir, tmp_path):
    out = tmp_path / "graph"
    build([SEEDS, dev_dir / "articles", dev_dir / "sources.json"], out, options=RULES)
    store = open_store(out)
    from_store = viz.read_view(store)
    assert len(from_store["edges"]) > 100
    assert viz.read_view(_by_graph(store)) == from_store


def test_the_registrys_graphs_read_by_graph_give_the_same_view(tmp_path):
    from test_viz import registry_graph

    store = open_store(registry_graph(tmp_path))
    from_store = viz.read_view(store)
    assert any(e.get("status") for e in from_store["edges"])  # registry facts are drawn
    assert viz.read_view(_by_graph(store)) == from_store


def test_a_distinct_query_gives_a_row_two_graphs_share_once():
    per_graph = {
        "g1": {viz.TYPES_QUERY: [["e", "t"], ["f", "t"]]},
        "g2": {viz.TYPES_QUERY: [["e", "t"]]},
    }
    rows = graphrows.GraphRows(per_graph).select(viz.TYPES_QUERY)
    assert rows == [{"e": "e", "type": "t"}, {"e": "f", "type": "t"}]


def test_only_the_shape_it_can_split_is_split():
    text, variables, distinct = graphrows.split_by_graph("SELECT DISTINCT ?a ?b WHERE { ?a ?p ?b }")
    assert (variables, distinct) == (["a", "b"], True)
    assert text == "SELECT DISTINCT ?g ?a ?b WHERE { GRAPH ?g { ?a ?p ?b } }"
    for query in ("SELECT * WHERE { ?s ?p ?o }", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3",
                  "SELECT ?g WHERE { ?g ?p ?o }", "ASK { ?s ?p ?o }"):  # fmt: skip
        with pytest.raises(ValueError):
            graphrows.split_by_graph(query)


def _rows_files(out):
    return sorted((out / CACHE_DIR / ROWS_CACHE).glob("*.json"))


def test_a_rebuild_reads_only_the_changed_graph_out_of_the_store(seeds_copy, tmp_path, monkeypatch):
    corpus = seeds_copy
    out = tmp_path / "graph"
    build([corpus], out, options=RULES)
    assert len(_rows_files(out)) == 6  # the five articles' graphs and the ontology's

    read: list = []
    real = graphrows.read_by_graph
    monkeypatch.setattr(graphrows, "read_by_graph", lambda s, q, g: read.append(g) or real(s, q, g))
    changed = sorted(corpus.glob("*.txt"))[2]
    changed.write_text(changed.read_text(encoding="utf-8") + NEW_SENTENCE, encoding="utf-8")
    build([corpus], out, options=RULES)
    assert read == [[str(rdf.graph_iri(changed.name))]]  # the changed article's graph only
    assert len(_rows_files(out)) == 6  # its old rows are gone

    fresh = tmp_path / "fresh"
    build([corpus], fresh, options=RULES, cache=False)
    assert (out / "index.html").read_bytes() == (fresh / "index.html").read_bytes()


def test_rows_that_do_not_read_back_are_read_from_the_store_again(seeds_copy, tmp_path):
    corpus = seeds_copy
    out = tmp_path / "graph"
    build([corpus], out, options=RULES)
    files = _rows_files(out)
    files[0].write_bytes(files[0].read_bytes()[:40])  # cut short
    entry = json.loads(files[1].read_bytes())
    entry["key"] = "another"  # another graph's
    files[1].write_text(json.dumps(entry))
    (out / CACHE_DIR / "view" / "view.json").unlink()  # so the view is drawn, not reused

    build([corpus], out, options=RULES)
    fresh = tmp_path / "fresh"
    build([corpus], fresh, options=RULES, cache=False)
    assert (out / "index.html").read_bytes() == (fresh / "index.html").read_bytes()
    assert json.loads(files[0].read_bytes())["graph"]  # written whole again
