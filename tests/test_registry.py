"""ICE's 287(g) registry: reading real and made-up sheets, one named graph per snapshot,
IRIs shared with the news graph, changes between snapshots, the stated-vs-signed queries,
the gazetteer, and the command line's one-line errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, _evidence, made_up_corpus
from rdflib import Literal, URIRef

from stancegraph import rdf, registry, store
from stancegraph.build import load_dataset
from stancegraph.cli import main
from stancegraph.model import Article, Entity, Stance

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")

SHEETS = ROOT.parent / "shared" / "reference" / "ice-287g"
HEADER = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA"]
# ICE's own counts (the reference README): rows with a state and an agency, and by model
EXPECTED = {
    "participatingAgencies05162025am.xlsx": (571, 91, 275, 205),
    "participatingAgencies06172025pm.xlsx": (706, 110, 339, 257),
    "participatingAgencies07182025pm.xlsx": (832, 117, 415, 300),
    "pendingAgencies05152025am.xlsx": (92, 12, 51, 29),
    "pendingAgencies06172025pm.xlsx": (69, 9, 39, 21),
    "pendingAgencies07182025pm.xlsx": (26, 4, 9, 13),
}
JEM, TFM, WSO = (
    "Jail Enforcement Officer model",
    "Task Force model",
    "Warrant Service Officer program",
)


def _one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def write_sheet(path: Path, rows: list[list], header=HEADER, title_rows: int = 0) -> Path:
    """A small xlsx as ICE's sheets are: a header row, then one row per agreement."""
    book = openpyxl.Workbook()
    sheet = book.active
    for i in range(title_rows):
        sheet.append([f"ICE 287(g) list, page header {i}"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture(scope="module")
def real_snapshots():
    if not SHEETS.is_dir():
        pytest.skip("the registry sheets (../shared/reference/ice-287g) are not beside this clone")
    return [registry.read_sheet(SHEETS / name) for name in sorted(EXPECTED)]


@pytest.fixture(scope="module")
def real_dataset(real_snapshots):
    return registry.registry_dataset(real_snapshots)


# ---------------------------------------------------------------- the real sheets


def test_real_sheets_give_icess_counts_blank_rows_not_agreements(real_snapshots):
    for snap in real_snapshots:
        rows, jem, tfm, wso = EXPECTED[snap.path.name]
        assert len(snap.rows) == rows, snap.path.name
        by_model = [sum(r.model == m for r in snap.rows) for m in (JEM, TFM, WSO)]
        assert by_model == [jem, tfm, wso], snap.path.name
        assert snap.status == (
            "pending" if snap.path.name.startswith("pending") else "participating"
        )
        assert all(r.state and r.agency == r.agency.strip() for r in snap.rows)
    dates = [(s.date, s.time) for s in real_snapshots]
    assert ("2025-05-16", "am") in dates and ("2025-07-18", "pm") in dates
    # a participating row is dated (Excel dates and dates typed as text), a pending one is not
    part = [s for s in real_snapshots if s.status == "participating"]
    assert sum(r.signed is None for s in part for r in s.rows) <= 3
    assert all(r.signed is None for s in real_snapshots if s.status == "pending" for r in s.rows)
    assert all(r.signed <= s.date for s in part for r in s.rows if r.signed)


def test_real_dataset_one_graph_per_snapshot_with_provenance(real_snapshots, real_dataset):
    graphs = {str(g.identifier): g for g in real_dataset.graphs() if len(g)}
    assert len(graphs) == 6
    for snap in real_snapshots:
        g = graphs[str(registry.snapshot_graph_iri(snap))]
        sheet = registry.sheet_iri(snap)
        assert (registry.snapshot_graph_iri(snap), rdf.PROV.wasDerivedFrom, sheet) in g
        assert g.value(sheet, rdf.DCTERMS.date) == Literal(snap.date, datatype=rdf.XSD.date)
        publisher = g.value(sheet, rdf.DCTERMS.publisher)
        assert str(g.value(publisher, rdf.RDFS.label)) == registry.PUBLISHER
        entries = set(g.subjects(rdf.RDF.type, rdf.SG.RegistryEntry))
        assert len(entries) == len(snap.rows)
        assert {g.value(e, rdf.PROV.wasDerivedFrom) for e in entries} == {sheet}
        relation = rdf.SG.joins if snap.status == "participating" else rdf.SG.appliedFor
        for e in list(entries)[:50]:
            assert (
                g.value(e, rdf.SG.listedAgency),
                relation,
                g.value(e, rdf.SG.listedProgram),
            ) in g


def test_real_iris_stable_across_snapshots_and_spellings(real_dataset):
    """Every spelling of an agency in every snapshot lands on one IRI, and no IRI holds
    two agencies of different states."""
    iri_of: dict[tuple[str, str], set[str]] = {}
    state_of: dict[str, set[str]] = {}
    union = rdf.union_graph(real_dataset)
    for e in union.subjects(rdf.RDF.type, rdf.SG.RegistryEntry):
        agency = union.value(e, rdf.SG.listedAgency)
        states = {str(s) for s in union.objects(agency, rdf.SG.inState)}
        assert len(states) == 1
        name = str(union.value(e, rdf.SG.agencyName))
        iri_of.setdefault((states.pop(), registry.agency_key(name)), set()).add(str(agency))
    for key, iris in iri_of.items():
        assert len(iris) == 1, key
    for (state, _), iris in iri_of.items():
        state_of.setdefault(next(iter(iris)), set()).add(state)
    assert all(len(s) == 1 for s in state_of.values())
    # the same sheriff in three snapshots, and a name spelled with ’ and ' across rows
    colbert = registry.Agency(
        "Alabama",
        "",
        "Colbert County Sheriff's Office",
        (),
        "agency",
        "County",
        "Colbert County",
        None,
    ).iri()
    graphs = {g.identifier for g in real_dataset.graphs() if (None, None, URIRef(colbert)) in g}
    assert len(graphs) >= 4  # three participating snapshots and a pending one
    assert registry.agency_key("Calhoun County Sheriff’s Office") == registry.agency_key(
        "Calhoun County Sheriff's Office "
    )
    # homonyms in different states stay apart
    assert (
        len(
            {
                iris.pop()
                for (s, k), iris in dict(iri_of).items()
                if k == registry.agency_key("Washington County Sheriff's Office")
            }
        )
        >= 2
    )


def test_real_agencies_placed_county_to_state(real_dataset):
    union = rdf.union_graph(real_dataset)
    lee = next(
        a
        for a in union.subjects(rdf.RDF.type, rdf.SG.LawEnforcementAgency)
        if str(union.value(a, rdf.RDFS.label)) == "Lee County Sheriff's Office"
        and str(union.value(a, rdf.SG.inState)) == "Florida"
    )
    county = union.value(lee, rdf.SG.servesJurisdiction)
    assert str(union.value(county, rdf.RDFS.label)) == "Lee County"
    state = union.value(county, rdf.SCHEMA.containedInPlace)
    assert str(union.value(state, rdf.RDFS.label)) == "Florida"
    # the programs are the news graph's, narrower than 287(g) in the SKOS scheme
    for program in set(union.objects(None, rdf.SG.listedProgram)):
        broader = union.value(program, rdf.SKOS.broader)
        assert str(union.value(broader, rdf.SKOS.prefLabel)) == "287(g) program"


def test_real_changes_between_snapshots_by_model(real_snapshots):
    agencies = registry.registry_agencies(real_snapshots)
    entries = [
        registry.Entry(s.id, s.status, s.date, s.time,
                       agencies[(r.state, registry.agency_key(r.agency))].iri(), r.model,
                       r.signed, f"{s.id}/{r.row}")
        for s in real_snapshots for r in s.rows
    ]  # fmt: skip
    changes = registry.snapshot_changes(entries)
    rows = {s["snapshot"]: s["rows"] for s in changes["snapshots"]}
    assert rows["participating-2025-07-18-pm"] == 832 and rows["pending-2025-07-18-pm"] == 26
    distinct = {s["snapshot"]: s["agreements"] for s in changes["snapshots"]}
    steps = {(s["from"], s["to"]): s for s in changes["steps"]}
    for (before, after), step in steps.items():
        if step["list"] == "participating":  # later = earlier + added - ended
            assert distinct[after] == distinct[before] + len(step["added"]) - len(step["ended"])
            assert set(step["pending_to_participating"]) <= set(step["added"])
    june = steps[("participating-2025-05-16-am", "participating-2025-06-17-pm")]
    july = steps[("participating-2025-06-17-pm", "participating-2025-07-18-pm")]

    def by_model(items):
        return [sum(i[1] == m for i in items) for m in (JEM, TFM, WSO)]

    assert by_model(june["added"]) == [19, 65, 52] and by_model(june["ended"]) == [0, 2, 0]
    assert by_model(july["added"]) == [8, 80, 46] and by_model(july["ended"]) == [1, 2, 3]
    assert len(june["pending_to_participating"]) == 65
    assert len(july["pending_to_participating"]) == 55
    pend = steps[("pending-2025-05-15-am", "pending-2025-06-17-pm")]
    assert len(pend["pending_dropped"]) == 3


def test_real_registry_validates(real_dataset):
    assert rdf.validate(real_dataset) == []


# ---------------------------------------------------------------- robust reading


def test_messy_sheet_read_by_facts_of_the_domain(tmp_path):
    path = write_sheet(
        tmp_path / "participatingAgencies07182025pm.xlsx",
        [
            [
                "TEXAS ",
                "Jackson County Sheriff’s Office ",
                "County",
                "Jackson County  ",
                "Task Force Model ",
                dt.datetime(2025, 5, 8),
                "link ",
            ],
            [None, None, None, None, None, None, None],
            [
                "TEXAS",
                "Jackson Co. Sheriff's Office",
                "County",
                "Jackson County",
                "Warrant Service Officer",
                45790,
                "link pending",
            ],
            [
                "FLORIDA",
                "City of Melbourne Police Department",
                "Municipality",
                "#N/A",
                "Task Force Model",
                "05/082025",
                None,
            ],
            [
                "FLORIDA",
                "Melbourne Police Departent",
                "Municipality",
                "N/A",
                "Jail Enforcement Model",
                "7/7/2025",
                None,
            ],
            [
                "GEORGIA",
                "Decatur County Sheriff's Office",
                "County",
                "Decatur",
                "Warrant Service Officer",
                "5025-07-07",
                None,
            ],
            [None, "   ", None, None, None, None, None],
            ["GEORGIA", None, None, None, "Task Force Model", None, None],
        ],
        title_rows=2,
    )
    snap = registry.read_sheet(path)
    assert (snap.status, snap.date, snap.time) == ("participating", "2025-07-18", "pm")
    assert len(snap.rows) == 5
    jackson, jackson2, melb, melb2, decatur = snap.rows
    assert (
        jackson.agency == "Jackson County Sheriff's Office" and jackson.county == "Jackson County"
    )
    assert (jackson.model, jackson.signed, jackson.row) == (TFM, "2025-05-08", 4)
    assert jackson2.signed == "2025-05-13"  # an Excel serial number
    assert melb.signed == "2025-05-08" and melb.county is None  # a slash left out; #N/A
    assert melb2.agency == "Melbourne Police Department" and melb2.signed == "2025-07-07"
    assert decatur.county == "Decatur County" and decatur.signed is None  # after the snapshot
    assert [n for n, _ in snap.skipped] == [9, 11]
    agencies = set(registry.registry_agencies([snap]).values())
    assert len(agencies) == 3  # "Co." for County, "City of", a misspelt "Department"
    melbourne = next(a for a in agencies if a.state == "Florida")
    assert set(melbourne.spellings) == {
        "City of Melbourne Police Department", "Melbourne Police Department"}  # fmt: skip
    assert melbourne.place == "Melbourne"


def test_pending_sheet_and_the_same_agreement_twice(tmp_path):
    path = write_sheet(
        tmp_path / "pendingAgencies06172025pm.xlsx",
        [["ALABAMA", "Houston County Sheriff's Office", "County", "Houston County",
          "Jail Enforcement Model"],
         ["ALABAMA", "Houston County Sheriff's Office ", "County", "Houston County",
          "Jail Enforcement Model"]],
        header=HEADER[:5],
    )  # fmt: skip
    snap = registry.read_sheet(path)
    assert snap.status == "pending" and len(snap.rows) == 2
    ds = registry.registry_dataset([snap])
    union = rdf.union_graph(ds)
    entries = set(union.subjects(rdf.RDF.type, rdf.SG.RegistryEntry))
    assert len(entries) == 2  # two rows listed...
    assert len(set(union.objects(None, rdf.SG.listedAgency))) == 1  # ...of one agency
    assert len(list(union.triples((None, rdf.SG.appliedFor, None)))) == 1
    assert not list(union.triples((None, rdf.SG.joins, None)))


def test_sheet_of_another_shape_one_line_error_exit_2(tmp_path, runner):
    other = write_sheet(
        tmp_path / "contacts.xlsx", [["Ann", "1 Main St"]], header=["NAME", "ADDRESS"]
    )
    out = tmp_path / "g.trig"
    result = runner.invoke(main, ["import-registry", str(other), "--graph", str(out)])
    assert result.exit_code == 2
    line = _one_line_error(result)
    assert "not an ICE 287(g) registry sheet" in line and "contacts.xlsx" in line
    assert not out.exists()  # nothing half-written

    text = tmp_path / "participatingAgencies07182025pm.xlsx"
    text.write_text("STATE,LAW ENFORCEMENT AGENCY\n")
    result = runner.invoke(main, ["import-registry", str(text), "--graph", str(out)])
    assert result.exit_code == 2 and "not an xlsx workbook" in _one_line_error(result)

    unknown = write_sheet(tmp_path / "pendingAgencies07182025pm.xlsx",
                          [["UTAH", "Cache County Sheriff's Office", "County", "Cache County",
                            "Border Model"]], header=HEADER[:5])  # fmt: skip
    result = runner.invoke(main, ["import-registry", str(unknown), "--graph", str(out)])
    assert result.exit_code == 2 and "row 2: unknown 287(g) model" in _one_line_error(result)
    ttl = tmp_path / "g.ttl"
    ttl.write_text("")
    good = write_sheet(tmp_path / "ok.xlsx", [["UTAH", "Cache County Sheriff's Office", "County",
                                               "Cache County", "Task Force Model"]],
                       header=HEADER[:5])  # fmt: skip
    result = runner.invoke(main, ["import-registry", str(good), "--graph", str(ttl)])
    assert result.exit_code == 2 and "named graphs" in _one_line_error(result)


# ---------------------------------------------------------------- joined to the news graph


def _news_with_registry(tmp_path, rows, pending_rows=()):
    """The made-up article's graph (Springfield County, Illinois) with a registry imported."""
    articles, stances = made_up_corpus()
    graph = tmp_path / "g.trig"
    graph.write_bytes(rdf.serialize(rdf.build_dataset(articles, stances), "trig"))
    sheets = [write_sheet(tmp_path / "participatingAgencies07182025pm.xlsx", rows)]
    if pending_rows:
        sheets.append(write_sheet(tmp_path / "pendingAgencies07182025pm.xlsx", pending_rows,
                                  header=HEADER[:5]))  # fmt: skip
    return graph, sheets


SPRINGFIELD = ["ILLINOIS", "Springfield Co. Sheriff's Office", "County", "Springfield County",
               "Warrant Service Officer", dt.datetime(2025, 6, 2), "link"]  # fmt: skip
NAMESAKE = ["MISSOURI", "Springfield County Sheriff's Office", "County", "Springfield County",
            "Task Force Model", dt.datetime(2025, 6, 3), "link"]  # fmt: skip
QUIET = ["OHIO", "Quiet County Sheriff's Office", "County", "Quiet County", "Task Force Model",
         dt.datetime(2025, 7, 1), "link"]  # fmt: skip


def test_import_lands_on_the_news_node_and_stated_vs_signed(tmp_path, runner):
    graph, sheets = _news_with_registry(
        tmp_path, [SPRINGFIELD, NAMESAKE, QUIET],
        pending_rows=[["ILLINOIS", "Springfield Police Department", "Municipality", "#N/A",
                       "Task Force Model"]],
    )  # fmt: skip
    result = runner.invoke(main, ["import-registry", *map(str, sheets), "--graph", str(graph)])
    assert result.exit_code == 0, result.output
    assert "3 agreements" in result.output and "1 already in the graph" in result.output
    first = graph.read_bytes()
    assert (
        runner.invoke(main, ["import-registry", *map(str, sheets), "--graph", str(graph)]).exit_code
        == 0
    )
    assert graph.read_bytes() == first  # importing again replaces: same bytes

    union = rdf.union_graph(load_dataset(graph))
    news_office = URIRef(rdf.entity_iri(Entity("Springfield County Sheriff’s Office", "agency")))
    listed = set(union.objects(None, rdf.SG.listedAgency))
    assert news_office in listed  # "Co." and ’ spelled otherwise, same state: the news node
    assert len(set(union.objects(news_office, rdf.RDFS.label))) == 1  # the news label kept
    missouri = [a for a in listed if str(union.value(a, rdf.SG.inState)) == "Missouri"]
    assert missouri and missouri[0] != news_office  # the namesake in Missouri stays apart

    st = store.open_store(graph)
    opposed = store.select(st, store.find_query("registry-opposed-but-listed"))
    assert {r["agency"] for r in opposed} == {"Springfield County Sheriff’s Office"}
    row = next(r for r in opposed if r["relation"] == "declines")
    assert row["quote"] == "her office will not join the 287(g) program"
    assert row["stanceDate"] == "2019-05-07" and "signed 2025-06-02" in row["registry"]
    assert "participatingAgencies07182025pm.xlsx row 2" in row["registry"]
    quiet = store.select(st, store.find_query("registry-never-mentioned"))
    assert {r["agency"] for r in quiet} == {
        "Quiet County Sheriff's Office", "Springfield County Sheriff's Office",
        "Springfield Police Department"}  # fmt: skip
    assert runner.invoke(main, ["validate", "--graph", str(graph)]).exit_code == 0

    result = runner.invoke(main, ["analyze", "--graph", str(graph), "--format", "json"])
    report = json.loads(result.output)["registry"]
    assert [s["rows"] for s in report["snapshots"]] == [3, 1]
    assert report["stated_vs_signed"]["registry-opposed-but-listed"]["agencies"] == 1
    text = runner.invoke(main, ["analyze", "--graph", str(graph)]).output
    assert "== ICE 287(g) registry snapshots" in text and "== Stated vs signed" in text


def test_joined_in_the_news_but_not_listed(tmp_path):
    doc, text = "n01.txt", "Lakeview County Sheriff's Office joined the 287(g) program."
    office = Entity("Lakeview County Sheriff's Office", "agency", state="Oregon")
    p287 = Entity("287(g) program", "program")
    stance = Stance(doc, office, "support", "joins", p287,
                    _evidence(doc, text, text), date="2025-08-01", confidence=0.9)  # fmt: skip
    ds = rdf.build_dataset([Article(doc, text)], [stance])
    snap = registry.read_sheet(write_sheet(tmp_path / "pendingAgencies07182025pm.xlsx", [
        ["OREGON", "Lakeview County Sheriff's Office", "County", "Lakeview County",
         "Warrant Service Officer"]], header=HEADER[:5]))  # fmt: skip
    linker = registry.GraphLinker.from_graph(ds)
    for g in registry.registry_dataset([snap], linker).graphs():
        for t in g:
            ds.graph(g.identifier).add(t)
    st = store.memory_store(rdf.serialize(ds, "trig"))
    rows = store.select(st, store.find_query("registry-joined-not-listed"))
    assert len(rows) == 1
    assert rows[0]["registry"] == "pending: Warrant Service Officer (2025-07-18)"
    assert rows[0]["registryAsOf"] == "2025-07-18" and rows[0]["stanceDate"] == "2025-08-01"


def test_shapes_catch_a_broken_registry_entry(tmp_path):
    snap = registry.read_sheet(write_sheet(tmp_path / "pendingAgencies07182025pm.xlsx", [
        ["UTAH", "Cache County Sheriff's Office", "County", "Cache County", "Task Force Model"]],
        header=HEADER[:5]))  # fmt: skip
    union = rdf.union_graph(registry.registry_dataset([snap]))
    assert rdf.validate(union) == []
    entry = next(union.subjects(rdf.RDF.type, rdf.SG.RegistryEntry))
    union.add((entry, rdf.DCTERMS.date, Literal("2025-01-01", datatype=rdf.XSD.date)))
    agency, program = (
        union.value(entry, rdf.SG.listedAgency),
        union.value(entry, rdf.SG.listedProgram),
    )
    union.remove((agency, rdf.SG.appliedFor, program))
    problems = " ".join(rdf.validate(union))
    assert "a pending registry entry has no signed date" in problems
    assert "its direct triple" in problems


# ---------------------------------------------------------------- the gazetteer


def test_gazetteer_places_an_agency_in_a_state_its_article_names(tmp_path):
    snap = registry.read_sheet(write_sheet(tmp_path / "participatingAgencies07182025pm.xlsx", [
        ["OKLAHOMA", "Tulsa County Sheriff's Office", "County", "Tulsa County",
         "Task Force Model", dt.datetime(2025, 3, 1), "link"],
        ["TEXAS", "Polk County Sheriff's Office", "County", "Polk County",
         "Task Force Model", dt.datetime(2025, 3, 1), "link"],
        ["GEORGIA", "Polk County Sheriff's Office", "County", "Polk County",
         "Task Force Model", dt.datetime(2025, 3, 1), "link"]]))  # fmt: skip
    gazetteer = registry.Gazetteer([snap])
    texts = {
        "a.txt": "In Oklahoma, the Tulsa County Sheriff's Office joined 287(g).",
        "b.txt": "The Tulsa County Sheriff's Office joined 287(g).",  # no state named
        "c.txt": "Polk County Sheriff's Office in Georgia and a Texas sheriff joined 287(g).",
    }
    p287 = Entity("287(g) program", "program", id="urn:p")

    def stance(doc: str, name: str, iri: str) -> Stance:
        return Stance(doc, Entity(name, "agency", id=iri), "support", "joins", p287,
                      _evidence(doc, texts[doc], texts[doc]))  # fmt: skip

    tulsa = gazetteer.place([stance("a.txt", "Tulsa County Sheriff's Office", "urn:t")], texts)
    assert tulsa[0].actor.state == "Oklahoma"
    assert tulsa[0].actor.jurisdiction.name == "Tulsa County"
    assert tulsa[0].actor.jurisdiction.state == "Oklahoma"
    assert tulsa[0].actor.id == "urn:t"  # IRIs are left alone
    alone = gazetteer.place([stance("b.txt", "Tulsa County Sheriff's Office", "urn:t2")], texts)
    assert alone[0].actor.state is None  # the article names no state: no telling
    polk = gazetteer.place([stance("c.txt", "Polk County Sheriff's Office", "urn:p2")], texts)
    assert polk[0].actor.state is None  # two registry states named once each


def test_changes_between_two_snapshots_queryable_and_in_analyze(tmp_path, runner):
    june = write_sheet(tmp_path / "participatingAgencies06172025pm.xlsx", [
        ["OHIO", "Quiet County Sheriff's Office", "County", "Quiet County",
         "Jail Enforcement Model", dt.datetime(2025, 5, 1), "link"],
        ["OHIO", "Gone County Sheriff's Office", "County", "Gone County",
         "Task Force Model", dt.datetime(2025, 5, 1), "link"]])  # fmt: skip
    july = write_sheet(tmp_path / "participatingAgencies07182025pm.xlsx", [
        ["OHIO", "Quiet County Sheriff's Office", "County", "Quiet County",
         "Task Force Model", dt.datetime(2025, 7, 1), "link"],
        ["OHIO", "New County Sheriff's Office", "County", "New County",
         "Warrant Service Officer", dt.datetime(2025, 7, 2), "link"]])  # fmt: skip
    pending = write_sheet(tmp_path / "pendingAgencies06172025pm.xlsx", [
        ["OHIO", "New County Sheriff's Office", "County", "New County",
         "Warrant Service Officer"]], header=HEADER[:5])  # fmt: skip
    graph = tmp_path / "g.trig"
    args = ["import-registry", str(june), str(july), str(pending), "--graph", str(graph)]
    assert runner.invoke(main, args).exit_code == 0
    rows = store.select(store.open_store(graph), store.find_query("registry-changes"))
    got = {(r["change"], r["agency"], r["model"]) for r in rows}
    assert got == {
        ("added", "Quiet County Sheriff's Office", "Task Force Model"),
        ("added", "New County Sheriff's Office", "Warrant Service Officer"),
        ("ended", "Quiet County Sheriff's Office", "Jail Enforcement Model"),
        ("ended", "Gone County Sheriff's Office", "Task Force Model"),
    }
    report = json.loads(
        runner.invoke(main, ["analyze", "--graph", str(graph), "--format", "json"]).output
    )
    (step,) = [s for s in report["registry"]["steps"] if s["list"] == "participating"]
    assert step["by_program"]["added"] == {TFM: 1, WSO: 1}
    assert [c["agency"]["label"] for c in step["model_changed"]] == [
        "Quiet County Sheriff's Office"
    ]
    assert step["model_changed"][0]["from"] == [JEM] and step["model_changed"][0]["to"] == [TFM]
    assert [p["agency"]["label"] for p in step["pending_to_participating"]] == [
        "New County Sheriff's Office"]  # fmt: skip
