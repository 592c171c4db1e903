"""The HTML view without a browser: the view model read from the graph, the ego and
one-target views, name lookup, the layout, and the page's safety and determinism."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, made_up_corpus

from stancegraph import rdf, viz
from stancegraph.cli import main
from stancegraph.model import Article, Entity, Evidence, Stance
from stancegraph.store import open_store

ID = "https://w3id.org/stancegraph/id/"

# Text an attacker could put in an article: every one must reach the page as text only.
HOSTILE_NAME = 'Evil <script>window.__pwned=1</script> "Org" <img src=x onerror="window.__pwned=2">'
HOSTILE_QUOTE = (
    "They said </script><script>window.__pwned=3</script> and "
    "<img src=x onerror=\"window.__pwned=4\"> 'quoted' & <!-- support the 287(g) program \u2028."
)
HOSTILE_TITLE = '</title><script>window.__pwned=5</script><img src=x onerror="window.__pwned=6">'
HOSTILE_URL = "javascript:window.__pwned=7"


def hostile_corpus() -> tuple[list[Article], list[Stance]]:
    """The made-up corpus plus one article whose name, quote, title and link are hostile."""
    articles, stances = made_up_corpus()
    doc = "evil.txt"
    article = Article(doc, HOSTILE_QUOTE, title=HOSTILE_TITLE, date="2020-01-02", url=HOSTILE_URL)
    evil = Entity(HOSTILE_NAME, "group")
    target = Entity("287(g) program", "program", wikidata="Q4638478")
    evidence = Evidence(doc, 0, len(HOSTILE_QUOTE), HOSTILE_QUOTE)
    stance = Stance(doc, evil, "support", "supports", target, evidence, date="2020-01-02")
    return [*articles, article], [*stances, stance]


def write_graph(path: Path, corpus=None) -> Path:
    articles, stances = corpus or hostile_corpus()
    path.write_bytes(rdf.serialize(rdf.build_dataset(articles, stances), "trig"))
    return path


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory) -> Path:
    return write_graph(tmp_path_factory.mktemp("viz") / "graph.trig")


@pytest.fixture(scope="module")
def view(graph_file) -> dict:
    return viz.make_view(graph_file)


@pytest.fixture(scope="module")
def page(view) -> str:
    return viz.render_html(view)


def node(view: dict, label: str) -> dict:
    return next(n for n in view["nodes"] if n["label"] == label)


def edge(view: dict, source: str, target: str) -> dict:
    a, b = node(view, source)["id"], node(view, target)["id"]
    return next(e for e in view["edges"] if e["from"] == a and e["to"] == b)


# ---------------------------------------------------------------- the view model


def test_nodes_carry_type_group_aliases_and_role(view):
    roe = node(view, "Jane Roe")
    assert (roe["type"], roe["group"], roe["role"]) == ("official", "official", "Sheriff")
    office = node(view, "Springfield County Sheriff’s Office")
    assert (office["type"], office["aliases"]) == ("agency", ["SCSO"])
    assert node(view, "Springfield City Council")["type"] == "government_body"
    assert node(view, "287(g) program")["group"] == "target"
    assert node(view, HOSTILE_NAME)["type"] == "group"
    # an agency that is only ever a target shows as a target
    assert node(view, "Immigration and Customs Enforcement")["group"] == "target"


def test_edges_group_stances_with_their_evidence(view):
    e = edge(view, "Springfield County Sheriff’s Office", "287(g) program")
    assert (e["kind"], e["polarity"], e["label"], e["articles"]) == (
        "stance",
        "oppose",
        "declines",
        1,
    )
    (s,) = e["stances"]
    assert s["quote"] == "her office will not join the 287(g) program"
    assert s["title"] == "Sheriff declines 287(g)"
    assert s["url"] == "https://example.org/news/1"
    assert (s["date"], s["article_date"], s["doc"]) == ("2019-05-07", "2019-05-07", "t01.txt")
    assert e["years"] == ["2019"]
    support = edge(view, "Springfield City Council", "Warrant Service Officer program")
    assert support["polarity"] == "support"


def test_officials_link_to_the_bodies_they_lead_or_sit_on(view):
    heads = edge(view, "Jane Roe", "Springfield County Sheriff’s Office")
    assert (heads["kind"], heads["label"], heads["stances"]) == ("org", "heads", [])
    member = edge(view, "Bob Poe", "Springfield City Council")
    assert member["label"] == "member of"


def test_every_edge_id_is_unique_and_every_endpoint_a_node(view):
    ids = {n["id"] for n in view["nodes"]}
    assert len({e["id"] for e in view["edges"]}) == len(view["edges"])
    assert all(e["from"] in ids and e["to"] in ids for e in view["edges"])
    # nodes are things with positions in the story, not every typed resource (no states)
    assert ID + "illinois" not in ids


def test_an_empty_graph_gives_an_empty_page(tmp_path):
    path = write_graph(tmp_path / "empty.trig", ([], []))
    report = viz.write_view(path, tmp_path / "empty.html")
    assert (report.nodes, report.edges, report.stances) == (0, 0, 0)
    data = page_json(report.path.read_text())
    assert (data["nodes"], data["edges"], data["stances"]) == ([], [], [])


# ---------------------------------------------------------------- views and names


def test_focus_view_keeps_what_lies_within_the_hops(view):
    one = viz.focus_view(view, "jane roe", hops=1)
    labels = {n["label"] for n in one["nodes"]}
    assert labels == {"Jane Roe", "287(g) program", "Springfield County Sheriff’s Office"}
    assert one["focus"] == ID + "jane-roe" and one["scope"] == "focus"
    two = viz.focus_view(view, "Jane Roe", hops=2)
    assert HOSTILE_NAME in {n["label"] for n in two["nodes"]}  # another actor on 287(g)
    zero = viz.focus_view(view, "Jane Roe", hops=0)
    assert [n["label"] for n in zero["nodes"]] == ["Jane Roe"] and zero["edges"] == []


def test_target_view_shows_everyone_with_a_position_including_narrower_programs(view):
    t = viz.target_view(view, "287(g) program")
    labels = {n["label"] for n in t["nodes"]}
    # the Warrant Service Officer program is a form of 287(g): its stances come along
    assert {"Springfield City Council", "Bob Poe", "Jane Roe", HOSTILE_NAME} <= labels
    assert "Illinois Immigrant Coalition" not in labels  # condemned ICE, not 287(g)
    assert all(e["kind"] == "org" or e["to"] in {ID + "287-g-program",
               ID + "warrant-service-officer-program"} for e in t["edges"])  # fmt: skip


def test_names_match_labels_aliases_iris_and_unique_fragments(view):
    assert viz.find_node(view, "scso")["label"] == "Springfield County Sheriff’s Office"
    assert viz.find_node(view, "  JANE   roe ")["id"] == ID + "jane-roe"
    assert viz.find_node(view, ID + "bob-poe")["label"] == "Bob Poe"
    assert viz.find_node(view, "Poe")["label"] == "Bob Poe"  # part of one name only


def test_an_unknown_name_suggests_close_matches(view):
    with pytest.raises(viz.ViewError, match=r"no entity named 'Jane Row'.*did you mean: Jane Roe"):
        viz.focus_view(view, "Jane Row")
    with pytest.raises(viz.ViewError, match="matches several"):
        viz.find_node(view, "Springfield")
    with pytest.raises(viz.ViewError, match="no one takes a position on 'Jane Roe'"):
        viz.target_view(view, "Jane Roe")


# ---------------------------------------------------------------- the page


def page_json(page: str) -> dict:
    return json.loads(re.search(r'id="sg-data">(.*?)</script>', page, re.S).group(1))


def inline_blocks(page: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)


def test_page_is_self_contained(page):
    assert re.search(r"""<(script|link|img|iframe)[^>]*\s(src|href)\s*=""", page) is None
    assert "bootstrap" not in page.lower() and "sourceMappingURL" not in page
    assert page.count("<script") == 1 + len(viz.SCRIPTS)  # the data, then our scripts
    assert "innerHTML" not in page and "insertAdjacentHTML" not in page


def test_content_security_policy_allows_only_our_scripts_and_no_network(page):
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    csp = html.unescape(csp)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "connect-src" not in csp
    scripts = re.findall(r"'sha256-([^']+)'", csp.split("script-src")[1].split(";")[0])
    styles = re.findall(r"'sha256-([^']+)'", csp.split("style-src")[1].split(";")[0])
    # exactly the page's own inline blocks, by hash
    assert [viz.csp_digest(b) for b in inline_blocks(page, "script")] == [
        f"'sha256-{h}'" for h in scripts
    ]
    assert [viz.csp_digest(b) for b in inline_blocks(page, "style")] == [
        f"'sha256-{h}'" for h in styles
    ]


def test_hostile_text_never_appears_as_markup(page):
    data = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', page, re.S)
    assert [name for name, _ in data] == ["sg-data"]
    text = data[0][1]
    assert "<" not in text and ">" not in text and "\u2028" not in text
    outside = re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.S)
    assert "__pwned" not in outside and "<img" not in outside
    payload = json.loads(text)
    assert HOSTILE_QUOTE in [s["quote"] for s in payload["stances"]]  # the text, unchanged
    assert HOSTILE_NAME in [n["label"] for n in payload["nodes"]]


def test_a_hostile_name_in_the_page_title_is_escaped(view):
    page = viz.render_html(viz.focus_view(view, HOSTILE_NAME, hops=1))
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert html.unescape(title) == f"stancegraph: {HOSTILE_NAME} (1 hop)"
    assert "<script>window" not in page and "<img" not in page


def test_json_for_script_escapes_everything_that_could_end_the_element():
    text = viz.script_json({"a": "</script><!-- & \u2028\u2029 >"})
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == {"a": "</script><!-- & \u2028\u2029 >"}


def test_same_graph_same_bytes(graph_file, tmp_path):
    a = viz.write_view(graph_file, tmp_path / "a.html").path.read_bytes()
    b = viz.write_view(open_store(graph_file), tmp_path / "b.html").path.read_bytes()
    assert a == b
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b.html"]  # no temp left


def test_edges_coloured_by_stance_and_nodes_shaped_by_type(page):
    data = page_json(page)
    assert data["colours"]["oppose"] == "#D55E00" and data["colours"]["support"] == "#0072B2"
    assert {e["polarity"] for e in data["edges"]} == {"oppose", "support", "org"}
    shapes = {item["group"]: item["shape"] for item in data["legend"]}
    group = {n["label"]: n["group"] for n in data["nodes"]}
    assert shapes[group["Jane Roe"]] == "dot" and shapes[group["287(g) program"]] == "diamond"
    assert shapes[group["Springfield City Council"]] == "triangle"
    assert all("x" in n and "y" in n for n in data["nodes"])  # laid out here, not in the page


# ---------------------------------------------------------------- layout


def synthetic_view(n_actors: int, n_targets: int) -> dict:
    nodes = [{"id": f"t{i}"} for i in range(n_targets)] + [{"id": f"a{i}"} for i in range(n_actors)]
    edges = [{"from": f"a{i}", "to": f"t{(i * 7) % n_targets}"} for i in range(n_actors)]
    edges += [{"from": f"a{i}", "to": f"t{(i * 3) % n_targets}"} for i in range(0, n_actors, 5)]
    edges.append({"from": "lone-a", "to": "lone-b"})
    nodes += [{"id": "lone-a"}, {"id": "lone-b"}, {"id": "isolated"}]
    return {"nodes": nodes, "edges": edges}


def test_layout_places_every_node_deterministically_small_and_big():
    for view in (synthetic_view(30, 4), synthetic_view(900, 40)):  # spring; backbone + spirals
        pos = viz.layout(view)
        assert set(pos) == {n["id"] for n in view["nodes"]}
        assert pos == viz.layout(view)
        assert len(set(pos.values())) == len(pos)  # no two nodes on the same spot


def test_layout_leaves_room_for_every_label_at_zoom_1(view):
    """Collision-aware: no two nodes' boxes (the node and its label below it, as the
    layout estimates them) overlap."""
    pos = viz.layout(view)
    boxes = []
    for n in view["nodes"]:
        half, up, down = viz._footprint(n, True)
        x, y = pos[n["id"]]
        boxes.append((x - half, y - up, x + half, y + down))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def test_aliases_that_name_no_one_are_dropped():
    titles = viz._post_titles()
    for junk in ("it", "He", "them", "She", "sheriff", "the Sheriff", "Mayor", "program"):
        assert not viz.is_name(junk, titles), junk
    for name in ("ICE", "LASD", "SB 54", "Villanueva", "the Trump administration", "HB 9"):
        assert viz.is_name(name, titles), name


def test_same_bytes_whatever_the_hash_seed(graph_file):
    """Sets iterate in an order that changes with PYTHONHASHSEED: none may leak into the page."""
    script = (
        "import hashlib, sys; sys.path.insert(0, sys.argv[2]);"
        "from test_viz import synthetic_view; from stancegraph import viz;"
        "page = viz.render_html(viz.make_view(sys.argv[1]));"
        "big = repr(sorted(viz.layout(synthetic_view(900, 40)).items()));"
        "print(hashlib.sha256((page + big).encode()).hexdigest())"
    )
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        args = [sys.executable, "-c", script, str(graph_file), str(Path(__file__).parent)]
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
        digests.add(done.stdout.strip())
    assert len(digests) == 1


# ---------------------------------------------------------------- the command


def test_viz_command_writes_the_views(graph_file, tmp_path, runner):
    out = tmp_path / "v.html"
    result = runner.invoke(main, ["viz", "--graph", str(graph_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out} (")
    args = ["viz", "--graph", str(graph_file), "--out", str(out), "--focus", "SCSO", "--hops", "2"]
    assert runner.invoke(main, args).exit_code == 0
    args = ["viz", "--graph", str(graph_file), "--out", str(out), "--target", "287(g) program"]
    assert runner.invoke(main, args).exit_code == 0


def test_viz_command_unknown_name_is_one_line_and_exit_2(graph_file, tmp_path, runner):
    out = tmp_path / "v.html"
    args = ["viz", "--graph", str(graph_file), "--out", str(out), "--focus", "Jane Row"]
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: no entity named 'Jane Row' in the graph; did you mean: Jane Roe?"
    ]
    assert not out.exists()  # no half-written or empty file
    result = runner.invoke(main, ["viz", "--graph", str(tmp_path / "missing"), "--out", str(out)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    both = ["viz", "--graph", str(graph_file), "--focus", "Jane Roe", "--target", "SCSO"]
    assert runner.invoke(main, both).exit_code == 2


# ---------------------------------------------------------------- sources, changes, places


def test_a_stance_from_a_document_that_is_not_news_is_marked_as_such(tmp_path):
    """A registry fact (a spreadsheet, say) shows as another kind of source than an article."""
    articles, stances = made_up_corpus()
    trig = rdf.serialize(rdf.build_dataset(articles, stances), "trig").decode()
    # the made-up corpus's one article (its IRI carries a hash of its text) becomes a dataset
    assert trig.count(" a schema:NewsArticle") == 1
    trig = trig.replace(" a schema:NewsArticle", " a schema:Dataset")
    path = tmp_path / "doc.trig"
    path.write_text(trig)
    view = viz.make_view(path)
    kinds = {s["source_kind"] for e in view["edges"] for s in e["stances"]}
    assert kinds == {"document"}
    assert {e["source"] for e in view["edges"] if e["kind"] == "stance"} == {"document"}
    data = viz.page_data(view)
    assert {s["kind"] for s in data["sources"]} == {"document"}
    assert {s["type"] for s in data["sources"]} == {"dataset"}


def test_changes_of_position_come_from_analyze_with_their_stances(tmp_path):
    from stancegraph import analyze, graphviews

    doc1, doc2 = "a.txt", "b.txt"
    text1 = "The Dale County Sheriff's Office joined the 287(g) program."
    text2 = "The Dale County Sheriff's Office withdrew from the 287(g) program."
    office = Entity("Dale County Sheriff's Office", "agency", state="Alabama")
    program = Entity("287(g) program", "program")
    articles = [Article(doc1, text1, date="2014-03-01"), Article(doc2, text2, date="2019-06-01")]
    stances = [
        Stance(doc1, office, "support", "joins", program, Evidence(doc1, 0, len(text1), text1)),
        Stance(doc2, office, "oppose", "withdraws", program, Evidence(doc2, 0, len(text2), text2)),
    ]
    path = write_graph(tmp_path / "change.trig", (articles, stances))
    view = viz.make_view(path)
    expected = analyze.changes_of_position(graphviews.load(open_store(path)))
    assert [c["pattern"] for c in view["changes"]] == [c["pattern"] for c in expected]
    (change,) = view["changes"]
    ids = {s["id"]: s for e in view["edges"] for s in e["stances"]}
    assert [ids[st["stances"][0]]["quote"] for st in change["steps"]] == [text1, text2]
    assert viz.page_data(view)["changes"][0]["steps"][1]["polarity"] == "oppose"


def test_places_come_from_the_names_and_states_the_graph_gives(tmp_path):
    from stancegraph import places

    assert places.county_fips("Los Angeles County", "California") == "06037"
    assert places.county_fips("Orleans Parish", "Louisiana") == "22071"
    assert places.county_fips("Los Angeles County", "Oregon") is None  # no such county
    assert places.county_fips("Los Angeles", "California") is None  # not said to be a county
    assert places.county_fips("Hennepin County", None) is None  # no state: not guessed
    assert places.state_fips("State of New Mexico") == "35"
    county = Entity("Cook County", "jurisdiction", level="county", state="Illinois")
    office = Entity("Cook County Sheriff's Office", "agency", jurisdiction=county, state="Illinois")
    city = Entity("City of Chicago", "jurisdiction", level="city", state="Illinois")
    program = Entity("287(g) program", "program")
    text = "Cook County's sheriff and the City of Chicago declined the 287(g) program."
    ev = Evidence("c.txt", 0, len(text), text)
    stances = [
        Stance("c.txt", office, "oppose", "declines", program, ev),
        Stance("c.txt", city, "oppose", "declines", program, ev),
    ]
    view = viz.make_view(write_graph(tmp_path / "p.trig", ([Article("c.txt", text)], stances)))
    where = {n["label"]: (n["place"], n["state"]) for n in view["nodes"]}
    assert where["Cook County Sheriff's Office"] == ("17031", "Illinois")  # via its county
    assert where["City of Chicago"] == ("", "Illinois")  # a city: listed, not placed
    assert [c["fips"] for c in viz.page_data(view)["map"]["counties"]] == ["17031"]


def test_the_seeds_metadata_says_only_what_each_article_says():
    from conftest import SEEDS

    records = json.loads((SEEDS / "sources.json").read_text(encoding="utf-8"))
    seeds = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert sorted(r["doc"] for r in records) == seeds  # every seed has a source
    for r in records:
        text = (SEEDS / r["doc"]).read_text(encoding="utf-8")
        assert r["title"] in text.splitlines()  # its headline line, as written
        if "outlet" in r:
            assert r["outlet"].split(" (")[0] in text
        for key in ("url", "published", "date"):  # none of the five names its own
            assert key not in r, (r["doc"], key)


# ---------------------------------------------------------------- the ICE 287(g) registry

REGISTRY_SHEETS = ROOT.parent / "shared" / "reference" / "ice-287g"
PENDING_SHEET = "pendingAgencies07182025pm.xlsx"
# A made-up participating sheet whose agency name is hostile: sheet values are untrusted too.
HOSTILE_AGENCY = "Evil <img src=x onerror=window.__pwned=8> County Sheriff's Office"


def registry_graph(folder: Path) -> Path:
    """The made-up news graph with one real pending sheet and one made-up participating
    sheet (one hostile agency, one ordinary) imported, as `import-registry` writes them."""
    import datetime as dt

    from test_registry import write_sheet

    from stancegraph import registry

    real = REGISTRY_SHEETS / PENDING_SHEET
    if not real.is_file():
        pytest.skip("the registry sheets (../shared/reference/ice-287g) are not beside this clone")
    made_up = write_sheet(
        folder / "participatingAgencies07182025pm.xlsx",
        [
            ["OHIO", HOSTILE_AGENCY, "County", "Quiet County", "Task Force Model",
             dt.datetime(2025, 7, 1), "link"],
            ["TEXAS", "Bailey County Sheriff's Office", "County", "Bailey County",
             "Warrant Service Officer", dt.datetime(2025, 7, 10), "link"],
        ],
    )  # fmt: skip
    graph = write_graph(folder / "graph.trig")
    registry.import_registry([real, made_up], graph)
    return graph


def test_registry_entries_are_their_own_edges_with_the_sheet_as_source(tmp_path):
    view = viz.make_view(registry_graph(tmp_path))
    page = viz.page_data(view)
    registry_edges = [e for e in page["edges"] if e["source"] == "registry"]
    # one edge per agency, program and status; the real pending sheet has 26 rows
    assert sum(e["status"] == "pending" for e in registry_edges) >= 20
    assert sum(e["status"] == "participating" for e in registry_edges) == 2
    news = [e for e in page["edges"] if e["kind"] == "stance" and e["source"] == "news"]
    assert news and all(e["status"] == "" for e in news)  # news edges stay as they were
    for e in registry_edges:
        assert e["polarity"] == "support" and e["label"] in ("joins", "applied for")
        assert page["nodes"][e["to"]]["type"] == "program"
        for i in e["stances"]:
            st = page["stances"][i]
            src = page["sources"][st["source"]]
            assert src["kind"] == "registry" and src["type"] == "ICE 287(g) registry"
            assert st["quote"] == "" and st["row"].isdigit() and st["status"] == e["status"]
            assert st["relation"] == ("joins" if e["status"] == "participating" else "applied_for")
    pending = {src["doc"]: src for src in page["sources"] if src["kind"] == "registry"}
    assert pending[PENDING_SHEET]["date"] == "2025-07-18"
    assert pending[PENDING_SHEET]["title"].startswith("ICE 287(g) pending agencies")
    # Bailey County's office is both pending (the real sheet) and participating: two edges
    bailey = [e for e in registry_edges if "Bailey County" in page["nodes"][e["from"]]["label"]]
    assert {e["status"] for e in bailey} == {"pending", "participating"}
    assert {e["curve"] for e in bailey} == {0, 1}  # bent apart, not drawn over each other
    signed = next(page["stances"][e["stances"][0]] for e in bailey if e["status"] != "pending")
    assert signed["date"] == "2025-07-10"
    # the hostile agency name is data: in the page only inside the escaped JSON
    html_text = viz.render_html(view)
    assert "<img src=x onerror=window.__pwned=8>" not in html_text


def test_a_graph_over_the_view_limit_opens_on_its_hubs(view, graph_file, runner, tmp_path,
                                                        monkeypatch):  # fmt: skip
    def stances(n: dict) -> int:
        return sum(n["takes"].values()) + sum(n["receives"].values())

    small = viz.overview(dict(view), max_nodes=3)
    assert len(small["nodes"]) == 3 and small["entities"] == len(view["nodes"]) > 3
    kept = {n["id"] for n in small["nodes"]}
    assert all(e["from"] in kept and e["to"] in kept for e in small["edges"])
    least_kept = min(stances(node(view, n["label"])) for n in small["nodes"])
    assert all(stances(n) <= least_kept for n in view["nodes"] if n["id"] not in kept)
    assert small["title"].endswith(f"the 3 best-connected of {len(view['nodes'])} entities")
    assert viz.overview(dict(view))["nodes"] == view["nodes"]  # under the limit: everything

    monkeypatch.setattr(viz, "VIEW_MAX", 3)
    out = tmp_path / "hubs.html"
    result = runner.invoke(main, ["viz", "--graph", str(graph_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "(3 nodes," in result.stdout
    assert f"note: the graph has {len(view['nodes'])} entities; the page shows the 3" in (
        result.stderr
    )
