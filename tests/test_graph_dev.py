"""The graph of the 31-article dev set as a researcher queries it: one node per real thing,
the default graph a set, the relation hierarchy answering, datasets honoured, and the
research questions answering with the rows the articles hold. Skips without ../shared."""

from __future__ import annotations

import pytest
from conftest import DEV, ROOT

from stancegraph import rdf, store
from stancegraph.cli import main

SEEDS = ROOT.parent / "shared" / "seeds"
GRAPH_D12 = str(rdf.graph_iri("d12.txt"))
GRAPH_D05 = str(rdf.graph_iri("d05.txt"))


@pytest.fixture(scope="module")
def dev_graph(dev_dir, tmp_path_factory):
    """The dev set built once, as the README says: (out folder, build summary). With the
    rule-based extractor: these tests are about the graph, and their expected rows were
    read from the articles for the stances it finds (the learned model, trained on these
    very articles, finds others)."""
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("dev-build") / "graph"
    args = ["build", str(SEEDS), str(DEV / "articles"), str(DEV / "sources.json"), "--out"]
    result = CliRunner().invoke(main, [*args, str(out), "--extractor", "rules"])
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def dev(dev_graph):
    return store.open_store(dev_graph[0])


def rows(st, sparql: str, **dataset) -> list[dict]:
    return store.select(st, sparql, **dataset)


def one(st, sparql: str, **dataset) -> int:
    return int(rows(st, sparql, **dataset)[0]["n"])


def bundled(st, name: str) -> list[dict]:
    return rows(st, store.find_query(name))


# ---------------------------------------------------------------- one node per real thing


def test_no_entity_has_two_states(dev):
    two = rows(
        dev,
        "SELECT ?e WHERE { ?e sg:inState ?a , ?b FILTER(?a != ?b) }",
    )
    assert two == []
    places = rows(dev, "SELECT ?e WHERE { ?e schema:containedInPlace ?a , ?b FILTER(?a != ?b) }")
    assert places == []
    # and the states it does give come from the entities themselves: LASD is California's
    lasd = "https://w3id.org/stancegraph/id/los-angeles-county-sheriffs-department"
    assert [r["s"] for r in rows(dev, f"SELECT ?s {{ <{lasd}> sg:inState ?s }}")] == ["California"]


def test_one_node_per_state_and_per_law(dev):
    states = rows(dev, 'SELECT ?e ?l WHERE { ?e sg:level "state" ; rdfs:label ?l }')
    labels = [r["l"] for r in states]
    assert len(labels) == len(set(labels)), labels
    assert not [label for label in labels if label.startswith("State of")]
    laws = rows(dev, "SELECT ?e ?l WHERE { ?e a sg:Law ; rdfs:label ?l }")
    names = [r["l"] for r in laws]
    assert len(names) == len(set(names)), names
    # California's SB 54 by its number, as "SB 54", "SB54" and "the sanctuary state law"
    sb54 = [r for r in laws if "SB 54" in r["l"]]
    assert [r["l"] for r in sb54] == ["California Values Act (SB 54, 2017)"]
    # "House Bill 9, the Immigrant Safety Act" is one law
    assert "Immigrant Safety Act" not in names and "New Mexico HB 9" in names
    # no bare bill number is left without its state
    assert not [n for n in names if n.split()[0] in ("SB", "HB", "AB", "SF", "HF")]


def test_the_default_graph_is_a_set(dev, dev_graph):
    n = one(dev, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    assert n == one(dev, "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")
    # the build summary counts the same distinct triples
    assert f"({n} triples)" in dev_graph[1]
    lasd = "https://w3id.org/stancegraph/id/los-angeles-county-sheriffs-department"
    assert one(dev, f"SELECT (COUNT(*) AS ?n) {{ <{lasd}> rdfs:label ?l }}") == 1


def test_every_opposition_stance_is_found_by_sg_opposes(dev):
    missing = "FILTER NOT EXISTS { ?a sg:opposes ?t }"
    q = (
        "SELECT (COUNT(DISTINCT ?s) AS ?n) "
        "{ ?s sg:polarity sg:Oppose ; sg:actor ?a ; sg:target ?t %s }"
    )
    assert one(dev, q % "") > 50
    assert one(dev, q % missing) == 0
    # the documented path works too: the ontology is in the store
    path = "FILTER NOT EXISTS { ?a ?p ?t . ?p rdfs:subPropertyOf* sg:opposes }"
    assert one(dev, q % path) == 0
    sup = q.replace("sg:Oppose", "sg:Support") % "FILTER NOT EXISTS { ?a sg:supports ?t }"
    assert one(dev, sup) == 0


def test_from_one_article_sees_that_article_only(dev):
    q = "SELECT (COUNT(DISTINCT ?s) AS ?n) %s WHERE { ?s a sg:Stance }"
    whole = one(dev, q % "")
    d12 = one(dev, q % f"FROM <{GRAPH_D12}>")
    assert 0 < d12 < whole
    docs = rows(dev, f"SELECT DISTINCT ?doc FROM <{GRAPH_D12}> {{ ?a dcterms:identifier ?doc }}")
    assert [r["doc"] for r in docs] == ["d12.txt"]
    both = one(dev, q % f"FROM <{GRAPH_D12}> FROM <{GRAPH_D05}>")
    assert both == d12 + one(dev, q % f"FROM <{GRAPH_D05}>")
    assert one(dev, q % "FROM <http://nonexistent.example/g>") == 0
    # the protocol's parameters override the query's FROM
    assert one(dev, q % f"FROM <{GRAPH_D12}>", default_graph=[GRAPH_D05]) != d12
    named = rows(
        dev, "SELECT DISTINCT ?g { GRAPH ?g { ?s a sg:Stance } }", named_graphs=[GRAPH_D12]
    )
    assert [r["g"] for r in named] == [GRAPH_D12]


def test_the_query_command_honours_from(runner, dev_graph):
    out = dev_graph[0]
    q = f"SELECT (COUNT(DISTINCT ?s) AS ?n) FROM <{GRAPH_D12}> {{ ?s a sg:Stance }}"
    result = runner.invoke(main, ["query", q, "--graph", str(out), "--format", "csv"])
    whole = runner.invoke(
        main,
        ["query", q.replace(f"FROM <{GRAPH_D12}>", ""), "--graph", str(out), "--format", "csv"],
    )
    assert result.exit_code == 0 and whole.exit_code == 0
    assert int(result.stdout.split()[1]) < int(whole.stdout.split()[1])


# ---------------------------------------------------------------- the research questions


def test_sheriffs_against_their_own_states_officials(dev):
    """d01, d05: Orange County's sheriff and her department opposed SB 54, which its
    author, Senate President pro Tem Kevin de León, defended; d12: Washington's attorney
    general sued Adams County and its sheriff for cooperating with ICE."""
    got = {
        (r["state"], r["sheriff"], r["sheriffSide"], r["target"], r["stateActor"])
        for r in bundled(dev, "sheriff-vs-state")
    }
    sb54 = "California Values Act (SB 54, 2017)"
    assert got == {
        ("California", "Orange County Sheriff's Department", "against", sb54, "Kevin de León"),
        ("California", "Sandra Hutchens", "against", sb54, "Kevin de León"),
        (
            "Washington",
            "Adams County Sheriff's Office",
            "for",
            "cooperation with ICE",
            "Nick Brown",
        ),
        ("Washington", "Dale Wagner", "for", "cooperation with ICE", "Nick Brown"),
    }


def test_divided_counties(dev):
    """d04: Orange County said it would keep honoring ICE detainers, then that it would
    stop."""
    got = [(r["county"], r["state"], r["target"]) for r in bundled(dev, "divided-counties")]
    assert got == [("Orange County", "California", "ICE detainer requests")]


def test_stances_per_month_and_program_family(dev):
    got = {(r["month"], r["family"]): r for r in bundled(dev, "stances-by-month")}
    # d23 (2025-05-28): Connecticut lawmakers and advocates for expanding the Trust Act
    trust = got[("2025-05", "Connecticut TRUST Act (HB 6659, 2013)")]
    assert int(trust["support"]) > 0 and trust["oppose"] == "0"
    # a stance dated only to a year is counted by its article's month, not in January
    assert all(month == "undated" or len(month) == 7 for month, _ in got)
    total = sum(int(r["stances"]) for r in got.values())
    roots = one(
        dev,
        "SELECT (COUNT(*) AS ?n) { ?s a sg:Stance ; sg:target ?t . ?t skos:broader* ?r "
        "FILTER NOT EXISTS { ?r skos:broader ?x } }",
    )
    assert total == roots  # every stance once per family it belongs to
    for r in got.values():
        assert int(r["oppose"]) + int(r["support"]) == int(r["stances"])


def test_no_actor_on_the_dev_set_changed_position(dev):
    """What the dev articles hold: Orange County both kept and stopped honoring detainers
    in one article of one day (d04), LASD and Villanueva kept one side over the years; none
    is a change of position, which needs a surely later stance of the other side."""
    assert bundled(dev, "changed-position") == []


def test_edge_attestation(dev):
    got = {(r["actor"], r["side"], r["target"]): r for r in bundled(dev, "edge-attestation")}
    pairs = one(
        dev,
        "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?a ?p ?t { ?s sg:actor ?a ; "
        "sg:polarity ?p ; sg:target ?t } }",
    )
    assert len(got) == pairs  # one row per actor, side and target
    # d01, d03: the Los Alamitos City Council backed its own ordinance, in two outlets
    council = got[("Los Alamitos City Council", "for", "Los Alamitos ordinance")]
    assert (council["articles"], council["publishers"]) == ("2", "2")
    assert council["first"] <= council["last"]
    # d12 alone reports the Adams County sheriff's cooperation, and gives no date
    adams = got[("Adams County Sheriff's Office", "for", "cooperation with ICE")]
    assert adams["articles"] == "1" and adams["first"] is None
