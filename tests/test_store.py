"""The embedded store: writing it atomically, opening every kind of --graph, querying
with the common prefixes over the merge of the named graphs, and the RDF dataset of a
query (FROM, FROM NAMED and the protocol's default-graph-uri / named-graph-uri)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stancegraph import store

TRIG = b"""
@prefix sg: <https://w3id.org/stancegraph/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix id: <https://w3id.org/stancegraph/id/> .
id:run\\/0.1.0 a sg:ExtractionRun .
id:graph\\/a {
    id:lasd sg:declines id:wso ; rdfs:label "LASD" .
}
id:graph\\/b {
    id:lasd rdfs:label "LASD" .
    id:aclu sg:condemns id:wso .
}
"""


def count(st, sparql: str) -> int:
    return int(store.select(st, at(sparql))[0]["n"])


def test_write_store_then_open_it_read_only(tmp_path):
    path = tmp_path / "store"
    store.write_store(TRIG, path)
    st = store.open_store(path)
    assert store.named_graphs(st) == [
        "https://w3id.org/stancegraph/id/graph/a",
        "https://w3id.org/stancegraph/id/graph/b",
    ]
    # the default graph merges the named graphs: no GRAPH clause needed, and the prefixes
    # need no declaration
    assert count(st, "SELECT (COUNT(*) AS ?n) WHERE { ?a sg:declines|sg:condemns ?t }") == 2
    with pytest.raises((OSError, RuntimeError)):  # opened read-only
        st.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_write_store_replaces_the_old_store_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "store"
    store.write_store(TRIG, path)
    store.write_store(TRIG.replace(b"sg:declines", b"sg:joins"), path)
    st = store.open_store(path)
    assert count(st, "SELECT (COUNT(*) AS ?n) WHERE { ?a sg:joins ?t }") == 1
    assert count(st, "SELECT (COUNT(*) AS ?n) WHERE { ?a sg:declines ?t }") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_a_failed_write_keeps_the_old_store(tmp_path):
    path = tmp_path / "store"
    store.write_store(TRIG, path)
    with pytest.raises(store.StoreError, match="cannot load"):
        store.write_store(b"id:graph { this is not TriG", path)
    assert count(store.open_store(path), "SELECT (COUNT(*) AS ?n) { ?s sg:declines ?o }") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_open_store_takes_rdf_files_and_graph_folders(tmp_path):
    trig = tmp_path / "g.trig"
    trig.write_bytes(TRIG)
    ttl = tmp_path / "g.ttl"
    ttl.write_bytes(b"<urn:a> <https://w3id.org/stancegraph/ns#declines> <urn:b> .")
    nt = tmp_path / "g.nt"
    nt.write_bytes(b"<urn:a> <https://w3id.org/stancegraph/ns#declines> <urn:b> .\n")
    for path in (trig, ttl, nt):
        assert count(store.open_store(path), "SELECT (COUNT(*) AS ?n) { ?s sg:declines ?o }") == 1
    # a folder with stancegraph.trig but no store: the TriG is loaded
    folder = tmp_path / "graph"
    folder.mkdir()
    (folder / "stancegraph.trig").write_bytes(TRIG)
    # the default graph is the merge: LASD's label, in both graphs, counts once
    assert count(store.open_store(folder), "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == 4
    # with a store/ in it, the store is opened
    store.write_store(TRIG.replace(b"sg:declines", b"sg:joins"), folder / "store")
    assert count(store.open_store(folder), "SELECT (COUNT(*) AS ?n) { ?s sg:joins ?o }") == 1


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing", None, "no graph at"),
        ("empty", "dir", "neither a store nor stancegraph.trig"),
        ("notes.txt", "hello", "not a store or an RDF file"),
        ("broken.ttl", "<urn:a> <urn:b> .", "broken.ttl"),
    ],
)
def test_open_store_errors_are_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_text(content)
    with pytest.raises(store.StoreError, match=message) as err:
        store.open_store(path)
    assert "\n" not in str(err.value)


def test_malformed_query_names_its_position():
    st = store.memory_store(TRIG)
    with pytest.raises(store.QueryError, match=r"1:\d+") as err:
        store.query(st, "SELECT ?x WHERE { ?x ?p }")
    assert "\n" not in str(err.value)


def test_select_gives_plain_strings_and_none_for_unbound():
    st = store.memory_store(TRIG)
    rows = store.select(
        st,
        "SELECT ?a ?label WHERE { ?a sg:condemns|sg:declines ?t OPTIONAL { ?a rdfs:label ?label } }"
        " ORDER BY ?a",
    )
    assert {"a": "https://w3id.org/stancegraph/id/aclu", "label": None} in rows
    assert {"a": "https://w3id.org/stancegraph/id/lasd", "label": "LASD"} in rows


def test_render_formats():
    st = store.memory_store(TRIG)
    q = "SELECT ?a ?t WHERE { ?a sg:declines ?t }"
    table = store.render(store.query(st, q), "table").decode()
    assert table.splitlines()[0].split() == ["a", "t"]
    assert "id:lasd" in table and "(1 row)" in table
    assert store.render(store.query(st, q), "csv").decode().splitlines() == [
        "a,t",
        "https://w3id.org/stancegraph/id/lasd,https://w3id.org/stancegraph/id/wso",
    ]
    assert store.render(store.query(st, "ASK { ?a sg:declines ?t }")) == b"true\n"
    turtle = store.render(store.query(st, "CONSTRUCT WHERE { ?a sg:declines ?t }"))
    assert b"sg:declines" in turtle


def test_seeds_build_writes_a_store_that_opens(seeds_build):
    _, out = seeds_build
    assert (out / "store").is_dir()
    st = store.open_store(out)
    assert count(st, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s a sg:Stance }") > 0
    # the folder and its TriG hold the same statements
    from_trig = store.open_store(out / "stancegraph.trig")
    q = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    assert count(st, q) == count(from_trig, q)


def test_graph_view_is_found_next_to_the_graph(seeds_build):
    _, out = seeds_build
    assert store.graph_view(out) == out / "index.html"
    assert store.graph_view(Path(out / "stancegraph.trig")) == out / "index.html"


# ---------------------------------------------------------------- the dataset of a query

A = "https://w3id.org/stancegraph/id/graph/a"
B = "https://w3id.org/stancegraph/id/graph/b"


def at(sparql: str) -> str:
    """The query with <A> and <B> standing for the two article graphs."""
    return sparql.replace("<A>", f"<{A}>").replace("<B>", f"<{B}>")


def rows_of(st, sparql: str, **dataset) -> list[tuple]:
    result = store.query(st, at(sparql), **dataset)
    names, table, _ = store.rows(result)
    return sorted(tuple(store.term_value(t) for t in row) for row in table)


def test_the_default_graph_is_a_set():
    st = store.memory_store(TRIG)
    # LASD's label is in both article graphs: once in the merge
    assert count(st, 'SELECT (COUNT(*) AS ?n) { ?s rdfs:label "LASD" }') == 1
    distinct = "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
    assert count(st, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == count(st, distinct)


def test_from_one_graph_sees_only_that_graph():
    st = store.memory_store(TRIG)
    q = "SELECT ?a ?t FROM <A> WHERE { ?a sg:declines|sg:condemns ?t }"
    assert rows_of(st, q) == [
        ("https://w3id.org/stancegraph/id/lasd", "https://w3id.org/stancegraph/id/wso")
    ]
    assert rows_of(st, q.replace("<A>", "<B>")) == [
        ("https://w3id.org/stancegraph/id/aclu", "https://w3id.org/stancegraph/id/wso")
    ]
    assert (
        count(st, "SELECT (COUNT(*) AS ?n) FROM <http://nonexistent.example/g> { ?s ?p ?o }") == 0
    )


def test_from_several_graphs_is_their_merge_a_set():
    st = store.memory_store(TRIG)
    q = "SELECT (COUNT(*) AS ?n) FROM <A> FROM <B> WHERE { ?s rdfs:label ?l }"
    assert count(st, q) == 1  # the label in both graphs, once (Oxigraph alone says 2)
    q = "SELECT (COUNT(*) AS ?n) FROM <A> FROM <B> WHERE { ?s ?p ?o }"
    assert count(st, q) == 3


def test_from_named_alone_leaves_the_default_graph_empty():
    st = store.memory_store(TRIG)
    q = "SELECT ?g (COUNT(*) AS ?n) FROM NAMED <B> WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    assert rows_of(st, q) == [(B, "2")]
    assert count(st, "SELECT (COUNT(*) AS ?n) FROM NAMED <B> { ?s ?p ?o }") == 0
    # FROM alone: no named graphs at all
    assert count(st, "SELECT (COUNT(*) AS ?n) FROM <A> { GRAPH ?g { ?s ?p ?o } }") == 0
    # prefixed names and BASE resolve in dataset clauses, a FROM in a comment is no clause
    q = (
        "BASE <https://w3id.org/stancegraph/id/graph/>\n"
        "SELECT (COUNT(*) AS ?n) FROM <a> # FROM <b>\n{ ?s ?p ?o }"
    )
    assert count(st, q) == 2


def test_protocol_datasets_override_the_querys():
    st = store.memory_store(TRIG)
    q = "SELECT (COUNT(*) AS ?n) FROM <A> WHERE { ?a sg:condemns ?t }"
    assert count(st, q) == 0
    assert int(store.select(st, at(q), default_graph=[B])[0]["n"]) == 1
    # named-graph-uri alone: an empty default graph, only that named graph
    q = "SELECT ?g { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o BIND(<urn:x:dflt> AS ?g) } }"
    assert {r[0] for r in rows_of(st, q, named_graphs=[A])} == {A}
    # default-graph-uri alone: no named graphs
    assert {r[0] for r in rows_of(st, q, default_graph=[A])} == {"urn:x:dflt"}
    both = rows_of(st, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", default_graph=[A, B])
    assert both == [("3",)]


# The dataset cases of the W3C SPARQL 1.1 Protocol tests (sparql11/protocol/manifest.ttl), at
# the level of store.query, which `serve` hands default-graph-uri / named-graph-uri to.
D1, D2, D3 = (f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3))
W3C_DATA = f"""
<{D1}> {{ <urn:x:a> <urn:x:p> "1" . <urn:x:shared> <urn:x:p> "s" . }}
<{D2}> {{ <urn:x:b> <urn:x:p> "2" . <urn:x:shared> <urn:x:p> "s" . }}
<{D3}> {{ <urn:x:c> <urn:x:p> "3" . }}
""".encode()
COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
BY_GRAPH = "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


@pytest.mark.parametrize(
    "case, sparql, dataset, expected",
    [
        # default-graph-uri: one graph, then two whose merge holds the shared triple once
        ("query_dataset_default_graph", COUNT_DEFAULT, {"default_graph": [D1]}, [("2",)]),
        ("query_dataset_default_graphs", COUNT_DEFAULT, {"default_graph": [D1, D2]}, [("3",)]),
        # named-graph-uri: only those graphs are named, and the default graph is empty
        ("query_dataset_named_graphs", BY_GRAPH, {"named_graphs": [D1, D2]},
         [(D1, "2"), (D2, "2")]),
        ("query_dataset_named_graphs", COUNT_DEFAULT, {"named_graphs": [D1, D2]}, [("0",)]),
        # both at once
        ("query_dataset_full", BY_GRAPH, {"default_graph": [D3], "named_graphs": [D1]},
         [(D1, "2")]),
        ("query_dataset_full", COUNT_DEFAULT, {"default_graph": [D3], "named_graphs": [D1]},
         [("1",)]),
        # the protocol's dataset overrides the query's FROM / FROM NAMED
        ("query_multiple_dataset", f"SELECT (COUNT(*) AS ?n) FROM <{D1}> {{ ?s ?p ?o }}",
         {"default_graph": [D3]}, [("1",)]),
        ("query_multiple_dataset", f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{D1}> "
         "{ GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", {"named_graphs": [D2]}, [(D2, "2")]),
    ],
)  # fmt: skip
def test_w3c_protocol_dataset_cases(case, sparql, dataset, expected):
    st = store.memory_store(W3C_DATA)
    assert rows_of(st, sparql, **dataset) == expected, case


def test_a_store_loaded_from_the_dataset_holds_what_one_loaded_from_trig(tmp_path, made_up):
    """write_dataset (quads straight from rdflib, as build does) gives the very terms that
    parsing the TriG file gives: lexical forms, datatypes, languages, graphs."""
    from stancegraph import rdf

    articles, stances = made_up
    ds = rdf.build_dataset(articles, stances)
    store.write_dataset(ds, tmp_path / "direct")
    store.write_store(rdf.serialize(ds, "trig"), tmp_path / "parsed")
    direct = store.open_store(tmp_path / "direct")
    parsed = store.open_store(tmp_path / "parsed")
    quads = {str(q) for q in direct}
    assert quads == {str(q) for q in parsed}
    assert len(quads) > 100 and any('"@en' in q for q in quads)
    assert any("XMLSchema#date>" in q for q in quads)  # typed literals kept as typed
    assert any("XMLSchema#decimal>" in q for q in quads)


def test_the_bulk_loader_is_given_the_graph_in_pieces_of_whole_statements():
    """The loader holds all that one call gives it: the build's store is loaded a few
    megabytes at a time, each batch whole lines, so no statement is cut in two."""
    lines = [f'<https://e/s{k}> <https://e/p> "{k}" <https://e/g{k % 7}> .\n' for k in range(50)]
    pieces = ["".join(lines[k : k + 3]).encode() for k in range(0, 50, 3)]
    pieces.insert(4, b"<https://e/x> <https://e/p> ")  # a piece that ends mid-statement...
    pieces.insert(5, b'"x" <https://e/g0> .\n')  # ... and the one that ends it
    batches = list(store._batches(pieces, 200))
    assert len(batches) > 5
    assert all(b.endswith(b"\n") for b in batches)
    assert all(len(b) < 200 + max(map(len, pieces)) for b in batches)
    assert b"".join(batches) == b"".join(pieces)


def test_a_store_loaded_in_small_batches_holds_every_statement(tmp_path, monkeypatch):
    lines = [f'<https://e/s{k}> <https://e/p> "{k}" <https://e/g{k % 7}> .\n' for k in range(500)]
    pieces = [line.encode() for line in lines]
    store.write_nquads(pieces, tmp_path / "whole")
    monkeypatch.setattr(store, "LOAD_BATCH_BYTES", 1000)
    assert len(list(store._batches(pieces, store.LOAD_BATCH_BYTES))) > 20
    store.write_nquads(pieces, tmp_path / "batched")
    whole, batched = (store.open_store(tmp_path / n) for n in ("whole", "batched"))
    assert len(whole) == len(batched) == 500
    assert set(whole) == set(batched)
