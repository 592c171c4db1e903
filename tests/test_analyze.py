"""Network analysis on the seeds as built by the real extractor: the graph views, the
`analyze` report (coalitions, centrality, contested targets, changes of position, roll-up,
source disagreements), `analyze --write`, and the Gephi exports (GraphML, GEXF, CSV)."""

from __future__ import annotations

import csv
import json
import shutil

import networkx as nx
import pytest

from stancegraph import analyze, graphviews, store
from stancegraph.cli import main
from stancegraph.graphviews import GraphData, StanceRow

ID = "https://w3id.org/stancegraph/id/"
# The Los Angeles side as the seeds name it (county sheriff, city mayor and police).
LOS_ANGELES = {
    "Los Angeles County Sheriff's Department",
    "Alex Villanueva",
    "Los Angeles Police Department",
    "LAPD",
    "Eric Garcetti",
    "Michel Moore",
}


@pytest.fixture(scope="session")
def seeds_graph_dir(seeds_build):
    return seeds_build[1]


@pytest.fixture(scope="session")
def seeds_data(seeds_graph_dir) -> GraphData:
    return graphviews.load(store.open_store(seeds_graph_dir))


@pytest.fixture(scope="session")
def seeds_report(seeds_graph_dir) -> dict:
    """`stancegraph analyze --format json` on the built seeds, parsed."""
    from click.testing import CliRunner

    result = CliRunner().invoke(
        main, ["analyze", "--graph", str(seeds_graph_dir), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _labels(refs) -> set[str]:
    return {r["label"] for r in refs}


def _one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def _is(label: str | None, *words: str) -> bool:
    low = (label or "").lower()
    return all(w in low for w in words)


# ---------------------------------------------------------------- the views


def test_stance_graph_has_typed_dated_edges_with_evidence(seeds_data):
    g = graphviews.stance_graph(seeds_data)
    assert isinstance(g, nx.MultiDiGraph)
    assert g.number_of_edges() == len(seeds_data.stances) >= 15
    for _, _, key, attrs in g.edges(keys=True, data=True):
        assert key.startswith(ID + "stance/")
        assert attrs["stance"] in ("oppose", "support")
        assert attrs["sign"] == (1 if attrs["stance"] == "support" else -1)
        assert attrs["relation"] and attrs["doc"] and attrs["evidence"]
    wso = next(n for n, d in g.nodes(data=True) if _is(d["label"], "warrant service officer"))
    assert g.nodes[wso]["kind"] == "target" and g.nodes[wso]["type"] == "program"
    assert "287(g)" in g.nodes[wso]["broader"]
    lasd = next(n for n, d in g.nodes(data=True) if _is(d["label"], "sheriff", "department"))
    assert g.nodes[lasd]["type"] == "agency"
    assert g.nodes[lasd]["jurisdiction"] == "Los Angeles County"
    assert g.nodes[lasd]["state"] == "California"


def test_roll_up_follows_org_links_to_the_jurisdiction_and_state(seeds_data):
    villanueva = ID + "alex-villanueva"
    assert seeds_data.entities[villanueva]["actor_type"] == "official"
    county = graphviews.jurisdiction_of(seeds_data, villanueva)
    assert seeds_data.label(county) == "Los Angeles County"
    assert graphviews.state_of(seeds_data, county) == "California"
    ice = next(a for a in seeds_data.actors() if _is(seeds_data.label(a), "immigration", "customs"))
    assert graphviews.jurisdiction_of(seeds_data, ice) is None  # federal: no local roll-up


def test_agreement_graph_is_signed_and_weighted_by_evidence_pairs(seeds_data):
    g = graphviews.agreement_graph(seeds_data)
    aclu, ice = (
        ID + "american-civil-liberties-union",
        ID + "u-s-immigration-and-customs-enforcement",
    )
    # both speak on the WSO program in several articles, on opposite sides
    edge = g.edges[aclu, ice]
    assert edge["sign"] == -1 and edge["disagree"] >= 4 and edge["agree"] == 0
    lasd = ID + "los-angeles-county-sheriffs-department"
    assert g.edges[aclu, lasd]["sign"] == 1
    for _, _, d in g.edges(data=True):
        assert d["weight"] == abs(d["agree"] - d["disagree"]) > 0


def test_agreement_keeps_the_strongest_ties_when_pruned(seeds_data):
    full = graphviews.agreement(seeds_data, max_partners=None)
    one = graphviews.agreement(seeds_data, max_partners=1)
    assert not full.pruned and one.pruned
    assert set(one.pairs) < set(full.pairs)
    assert all(full.pairs[p] == v for p, v in one.pairs.items())


# ---------------------------------------------------------------- the report (done-when)


def test_names_the_los_angeles_coalition_against_wso_and_cbp_deployment(seeds_report):
    def binds(c, stance, *words):
        return any(
            b["stance"] == stance and _is(b["target"]["label"], *words)
            for b in c["binding_targets"]
        )

    la = [
        c
        for c in seeds_report["coalitions"]
        if binds(c, "oppose", "warrant service officer") and binds(c, "oppose", "cbp")
    ]
    assert len(la) == 1, [c["name"] for c in seeds_report["coalitions"]]
    members = _labels(la[0]["members"])
    assert {"Los Angeles County Sheriff's Department", "Alex Villanueva"} <= members
    assert "warrant service officer" in la[0]["name"].lower()
    federal = {"U.S. Immigration and Customs Enforcement", "U.S. Customs and Border Protection"}
    assert not members & federal


def test_names_the_federal_side_supporting_wso_and_the_cbp_deployment(seeds_report):
    ice = "U.S. Immigration and Customs Enforcement"
    side = [c for c in seeds_report["coalitions"] if ice in _labels(c["members"])]
    assert len(side) == 1
    assert any(
        b["stance"] == "support" and _is(b["target"]["label"], "warrant service officer")
        for b in side[0]["binding_targets"]
    )
    contested = {t["target"]["label"]: t for t in seeds_report["contested_targets"]}
    wso = next(t for label, t in contested.items() if _is(label, "warrant service officer"))
    cbp = next(t for label, t in contested.items() if _is(label, "deployment", "cbp"))
    assert (
        ice in wso["supporters"] and "Los Angeles County Sheriff's Department" in wso["opponents"]
    )
    assert "U.S. Customs and Border Protection" in cbp["supporters"]
    assert len(LOS_ANGELES & set(cbp["opponents"])) >= 2
    assert wso["support_actors"] and wso["oppose_actors"] and -1 < wso["balance"] < 1


def _la_county_stances_by_year(data: GraphData) -> dict[str, list[StanceRow]]:
    county = ID + "los-angeles-county"
    years: dict[str, list[StanceRow]] = {}
    for s in data.stances:
        if s.date and graphviews.jurisdiction_of(data, s.actor, s.on_behalf_of) == county:
            years.setdefault(s.date[:4], []).append(s)
    return years


def test_change_of_position_of_los_angeles_county_2014_2015_2019(seeds_data, seeds_report):
    """Los Angeles County stopped honoring ICE detainers (2014), its Board of Supervisors asked
    the sheriff to keep cooperating with ICE (2015), its Sheriff's Department declined the WSO
    program (2019): one change of position once the sheriff and the board are rolled up to
    the county and the targets to one topic of the program hierarchy."""
    years = _la_county_stances_by_year(seeds_data)
    missing = [y for y in ("2014", "2015", "2019") if y not in years]
    assert not missing, f"no dated stance rolled up to Los Angeles County in {missing}"
    roots = {frozenset(graphviews.topics(seeds_data, s.target)) for y in years.values() for s in y}
    assert frozenset.intersection(*roots), "the targets share no broader concept"
    changes = [
        c
        for c in seeds_report["changes"]
        if c["level"] == "jurisdiction" and c["actor"]["label"] == "Los Angeles County"
    ]
    assert changes, seeds_report["changes"]
    dates = [s["date"][:4] for s in changes[0]["steps"]]
    assert dates == sorted(dates) and {"2014", "2015", "2019"} <= set(dates)
    assert {s["stance"] for s in changes[0]["steps"]} == {"oppose", "support"}
    assert all(s["evidence"] and s["doc"] for s in changes[0]["steps"])


def test_roll_up_counts_california_counties_declining_detainers(seeds_report):
    rows = [
        r
        for r in seeds_report["rollup"]
        if r["state"] == "California" and _is(r["target"]["label"], "detainer")
    ]
    assert len(rows) == 1
    assert rows[0]["oppose"] >= 3
    assert "Los Angeles County" in rows[0]["opposing"]


def test_central_actors_rank_actors_only(seeds_report, seeds_data):
    actors = set(seeds_data.actors())
    central = seeds_report["central_actors"]
    for measure in ("degree", "pagerank", "betweenness"):
        rows = central[measure]
        assert 0 < len(rows) <= 10
        assert all(r["id"] in actors for r in rows)
        scores = [r["score"] for r in rows]
        assert scores == sorted(scores, reverse=True)


def test_balance_and_report_shape(seeds_report):
    b = seeds_report["balance"]
    assert b["triangles"] > 0 and 0 <= b["score"] <= 1
    assert b["balanced"] <= b["triangles"]
    assert b["positive_edges"] > 0 and b["negative_edges"] > 0
    assert isinstance(seeds_report["disagreements"], list)
    assert seeds_report["graph"]["articles"] == 5


def test_report_is_deterministic_and_text_has_every_section(runner, seeds_graph_dir):
    args = ["analyze", "--graph", str(seeds_graph_dir), "--format", "json"]
    first, second = runner.invoke(main, args), runner.invoke(main, args)
    assert first.exit_code == 0 and first.stdout == second.stdout
    text = runner.invoke(main, ["analyze", "--graph", str(seeds_graph_dir), "--top", "3"])
    assert text.exit_code == 0
    for title in (
        "Coalitions",
        "structural balance",
        "Central actors",
        "Contested targets",
        "Changes of position",
        "Roll-up by state",
        "Disagreements between sources",
    ):
        assert title in text.stdout


# ---------------------------------------------------------------- logic on small inputs


def _row(i, actor, target, stance, date, doc):
    return StanceRow(
        iri=f"{ID}stance/{i}",
        actor=ID + actor,
        target=ID + target,
        stance=stance,
        relation="supports" if stance == "support" else "declines",
        date=date,
        confidence=0.9,
        doc=doc,
        article=None,
        evidence=f"quote {i}",
        on_behalf_of=None,
    )


def test_changes_follow_the_hierarchy_and_roll_up_and_sources_disagree():
    """Hand-built: a sheriff's office and a board roll up to one county; the WSO program is a
    form of 287(g); two articles disagree on the board on one date."""
    entities = {
        ID + "county": {"label": "County", "actor_type": "jurisdiction", "level": "county"},
        ID + "sheriff": {"label": "Sheriff", "actor_type": "agency", "jurisdiction": ID + "county"},
        ID + "board": {"label": "Board", "actor_type": "government_body"},
        ID + "wso": {"label": "WSO", "target_type": "program"},
        ID + "g287": {"label": "287(g)", "target_type": "program"},
    }
    entities[ID + "board"]["jurisdiction"] = ID + "county"
    stances = [
        _row(1, "board", "g287", "support", "2015", "a.txt"),
        _row(2, "sheriff", "wso", "oppose", "2019-05", "b.txt"),
        _row(3, "board", "wso", "oppose", "2020-01-02", "c.txt"),
        _row(4, "board", "wso", "support", "2020-01-02", "d.txt"),
    ]
    data = GraphData(stances, entities, {ID + "wso": [ID + "g287"]})
    changes = analyze.changes_of_position(data)
    county = [c for c in changes if c["actor"]["label"] == "County"]
    assert len(county) == 1 and county[0]["level"] == "jurisdiction"
    assert county[0]["topic"]["label"] == "287(g)"
    assert [s["date"] for s in county[0]["steps"]] == [
        "2015",
        "2019-05",
        "2020-01-02",
        "2020-01-02",
    ]
    assert county[0]["pattern"] == "support (2015) → oppose (2019-05) → mixed (2020-01-02)"
    board = [c for c in changes if c["actor"]["label"] == "Board"]
    assert len(board) == 1 and board[0]["level"] == "actor"
    disagreements = analyze.source_disagreements(data)
    assert len(disagreements) == 1
    d = disagreements[0]
    assert d["actor"]["label"] == "Board" and d["date"] == "2020-01-02"
    assert [x["doc"] for x in d["oppose"]] == ["c.txt"]
    assert [x["doc"] for x in d["support"]] == ["d.txt"]


def test_structural_balance_counts_unbalanced_triangles():
    g = nx.Graph()
    for u, v, sign in [("a", "b", 1), ("b", "c", 1), ("a", "c", -1), ("c", "d", -1)]:
        g.add_edge(u, v, sign=sign, agree=1, disagree=0)
    result = analyze.structural_balance(g)
    assert result["triangles"] == 1 and result["balanced"] == 0 and result["score"] == 0


# ---------------------------------------------------------------- --write


def test_write_puts_coalitions_and_centrality_in_their_named_graph(
    runner, seeds_graph_dir, tmp_path
):
    graph = shutil.copytree(seeds_graph_dir, tmp_path / "graph")
    args = ["analyze", "--graph", str(graph), "--write", "--format", "json"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "graph/analysis" in first.stderr
    report = json.loads(first.stdout)

    def count() -> int:
        rows = store.select(
            store.open_store(graph),
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ID}graph/analysis> {{ ?s ?p ?o }} }}",
        )
        return int(rows[0]["n"])

    written = count()
    assert written > 0
    st = store.open_store(graph)
    members = store.select(
        st,
        "SELECT ?c ?m WHERE { ?c a sg:Coalition ; org:hasMember ?m }",
    )
    expected = {
        (f"{ID}coalition/{c['id']}", m["id"]) for c in report["coalitions"] for m in c["members"]
    }
    assert {(r["c"], r["m"]) for r in members} == expected
    ranks = store.select(
        st, f"SELECT ?r WHERE {{ <{ID}los-angeles-county-sheriffs-department> sg:pageRank ?r }}"
    )
    assert len(ranks) == 1 and 0 < float(ranks[0]["r"]) < 1
    assert runner.invoke(main, args).exit_code == 0
    assert count() == written  # replaced, not added to
    # the stances themselves are untouched, and the analysis does not count as stances
    again = runner.invoke(main, ["analyze", "--graph", str(graph), "--format", "json"])
    assert json.loads(again.stdout)["graph"] == report["graph"]


def test_write_refuses_a_file(runner, seeds_graph_dir):
    result = runner.invoke(
        main, ["analyze", "--graph", str(seeds_graph_dir / "stancegraph.trig"), "--write"]
    )
    assert result.exit_code == 2
    assert "--write needs a store" in _one_line_error(result)


def test_analyze_bad_graph_is_one_line_exit_2(runner, tmp_path):
    result = runner.invoke(main, ["analyze", "--graph", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "no graph" in _one_line_error(result)
    broken = tmp_path / "broken.trig"
    broken.write_text("<a> <b> .", encoding="utf-8")
    result = runner.invoke(main, ["analyze", "--graph", str(broken)])
    assert result.exit_code == 2
    _one_line_error(result)


# ---------------------------------------------------------------- exports


@pytest.mark.parametrize(("fmt", "reader"), [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_graphml_and_gexf_read_back_with_their_attributes(
    runner, seeds_graph_dir, seeds_data, tmp_path, fmt, reader
):
    out = tmp_path / f"seeds.{fmt}"
    args = ["export", "--graph", str(seeds_graph_dir), "--format", fmt, "-o", str(out)]
    assert runner.invoke(main, args).exit_code == 0
    first = out.read_bytes()
    assert runner.invoke(main, args).exit_code == 0
    assert out.read_bytes() == first  # same graph, same bytes (no timestamp)
    g = reader(out)
    assert g.is_directed()
    assert set(g.nodes) == set(seeds_data.actors()) | set(seeds_data.targets())
    lasd = g.nodes[ID + "los-angeles-county-sheriffs-department"]
    assert lasd["label"] == "Los Angeles County Sheriff's Department"
    assert lasd["type"] == "agency" and lasd["kind"] == "actor"
    wso = g.nodes[ID + "warrant-service-officer-program"]
    assert wso["type"] == "program" and wso["kind"] == "target"
    edges = list(g.edges(data=True))
    assert sum(int(d["evidence_count"]) for *_, d in edges) == len(seeds_data.stances)
    for *_, d in edges:
        assert d["stance"] in ("oppose", "support") and d["relations"] and d["docs"]
        assert "dates" in d and "first_date" in d
    dated = [d for *_, d in edges if d["first_date"]]
    assert dated and all(d["first_date"] <= d["last_date"] for d in dated)


def test_csv_writes_nodes_and_edges_to_a_folder_or_a_prefix(
    runner, seeds_graph_dir, seeds_data, tmp_path
):
    base = ["export", "--graph", str(seeds_graph_dir), "--format", "csv", "-o"]
    assert runner.invoke(main, [*base, f"{tmp_path / 'csv'}/"]).exit_code == 0
    assert runner.invoke(main, [*base, str(tmp_path / "seeds-")]).exit_code == 0
    for nodes, edges in [
        (tmp_path / "csv" / "nodes.csv", tmp_path / "csv" / "edges.csv"),
        (tmp_path / "seeds-nodes.csv", tmp_path / "seeds-edges.csv"),
    ]:
        node_rows = list(csv.DictReader(nodes.open(encoding="utf-8")))
        edge_rows = list(csv.DictReader(edges.open(encoding="utf-8")))
        assert {r["Id"] for r in node_rows} == set(seeds_data.actors()) | set(seeds_data.targets())
        assert {"Label", "type", "kind", "state"} <= set(node_rows[0])
        assert {"Source", "Target", "Weight", "stance", "evidence_count", "dates"} <= set(
            edge_rows[0]
        )
        assert sum(int(r["evidence_count"]) for r in edge_rows) == len(seeds_data.stances)
    assert not list(tmp_path.glob("**/.*.tmp"))  # no temporary file left behind


def test_csv_needs_an_output_and_one_file_formats_refuse_a_folder(
    runner, seeds_graph_dir, tmp_path
):
    result = runner.invoke(main, ["export", "--graph", str(seeds_graph_dir), "--format", "csv"])
    assert result.exit_code == 2 and "-o" in _one_line_error(result)
    result = runner.invoke(
        main,
        ["export", "--graph", str(seeds_graph_dir), "--format", "gexf", "-o", str(tmp_path)],
    )
    assert result.exit_code == 2
    _one_line_error(result)
