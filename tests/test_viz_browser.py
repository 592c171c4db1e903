"""The HTML view in a real browser: Debian's Chromium driven by Playwright (never a
downloaded browser). The page must load with no network request and no console error,
list every name that matches a search, show the quotes behind a clicked line, keep hostile
text as text, restore a copied link, and, on the development graph, open with no two labels
over each other, count the sides of the WSO table as SPARQL does, show LA County's change
of position and shade the counties the graph places. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS
from test_viz import HOSTILE_NAME, HOSTILE_TITLE, ID, write_graph

from stancegraph import graphviews, rdf, viz
from stancegraph import store as sgstore

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
WSO = ID + "warrant-service-officer-program"
COOPERATION = ID + "cooperation-with-ice"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium is not at /usr/bin/chromium (apt-get install -y chromium)",
)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def view_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("viz-browser")
    return viz.write_view(write_graph(folder / "graph.trig"), folder / "view.html").path


class Opened:
    """A page of the view, with every request it made and every problem it logged."""

    def __init__(self, browser, path: Path, fragment: str = "", downloads: bool = False):
        self.uri = path.resolve().as_uri()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.context = browser.new_context(
            viewport={"width": 1440, "height": 900}, accept_downloads=downloads
        )
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.problems.append(f"pageerror: {err}"))
        self.page.goto(self.uri + fragment)
        self.page.wait_for_selector("body[data-ready]")

    def _route(self, route) -> None:
        self.requests.append(route.request.url)
        if route.request.url.split("#")[0] == self.uri:
            route.continue_()
        else:
            route.abort()

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"{message.type}: {message.text}")

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def panel(self) -> str:
        return self.page.inner_text("#sg-panel-body")

    def index(self, iri: str) -> int:
        return self.js("iri => window.stancegraph.index(iri)", iri)

    def screen(self, iri: str) -> dict:
        """Where node `iri` is on the page (in page pixels)."""
        p = self.js("i => window.stancegraph.graph.nodeScreen(i)", self.index(iri))
        box = self.page.locator("#sg-canvas").bounding_box()
        return {"x": box["x"] + p["x"], "y": box["y"] + p["y"]}

    def click_edge(self, edge_id: str) -> None:
        """A real mouse click on the middle of an edge, after centring the view on it."""
        middle = self.js(
            """id => {
                const sg = window.stancegraph, g = sg.graph, d = sg.data;
                const e = d.edges.find(x => x.id === id);
                const a = d.nodes[e.from], b = d.nodes[e.to];
                const mid = {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2};
                g.setCamera({x: mid.x, y: mid.y, scale: 1.5});
                g.draw();
                return g.toScreen(mid.x, mid.y);
            }""",
            edge_id,
        )
        box = self.page.locator("#sg-canvas").bounding_box()
        self.page.mouse.click(box["x"] + middle["x"], box["y"] + middle["y"])

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name))

    def clean(self) -> bool:
        return self.requests == [self.uri] or all(
            r.split("#")[0] == self.uri for r in self.requests
        )

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def opened(browser, view_file):
    page = Opened(browser, view_file)
    yield page
    page.close()


def edge_id(view_file: Path, source: str, target: str) -> str:
    view = viz.make_view(view_file.parent / "graph.trig")
    by_label = {n["label"]: n["id"] for n in view["nodes"]}
    a, b = by_label[source], by_label[target]
    return next(e["id"] for e in view["edges"] if e["from"] == a and e["to"] == b)


# ---------------------------------------------------------------- the made-up graph


OFF_SCREEN = """() => {
  const g = window.stancegraph.graph;
  const out = (i) => {
    const p = g.nodeScreen(i);
    return p.x < 0 || p.x > g.W || p.y < 0 || p.y > g.H;
  };
  return Array.from(g.nodeShown.keys()).filter((i) => g.nodeShown[i] && out(i)).length;
}"""


def off_screen(opened) -> int:
    """How many of the nodes shown lie outside the canvas."""
    return opened.js(OFF_SCREEN)


def test_page_loads_offline_with_no_request_and_no_console_error(opened):
    assert opened.requests == [opened.uri]
    assert opened.problems == []
    assert opened.js("window.stancegraph.shown()") == {"nodes": 9, "edges": 8}
    legend = opened.page.inner_text("#sg-filters")
    assert "Official" in legend and "Program / policy / law" in legend and "against" in legend


def test_search_lists_every_match_and_keeps_the_filters(opened):
    page = opened.page
    page.get_by_label("Government body").uncheck()
    before = opened.js("window.stancegraph.shown()")
    page.fill("#sg-search", "springfield")
    page.wait_for_selector("#sg-matches .sg-match")
    listed = page.locator("#sg-matches .sg-match-label").all_inner_texts()
    # every name with "springfield" in it, the hidden one too; no jump to the first
    assert sorted(listed) == ["Springfield City Council", "Springfield County Sheriff’s Office"]
    assert opened.js("window.stancegraph.state.node") == -1
    assert "hidden by filters" in page.inner_text("#sg-matches")  # the council
    assert page.get_by_label("Government body").is_checked() is False
    page.fill("#sg-search", "jane ROE")
    page.press("#sg-search", "Enter")
    assert opened.js("window.stancegraph.state.node") == opened.index(ID + "jane-roe")
    assert opened.panel().startswith("Jane Roe")
    assert "her office will not join the 287(g) program" in opened.panel()
    assert opened.js("window.stancegraph.shown()") == before  # filters kept
    # search lands at zoom 1 on the node, in the part of the canvas the panel leaves free
    assert opened.js("window.stancegraph.graph.camera.scale") >= 1.0
    spot = opened.screen(ID + "jane-roe")
    panel = page.locator("#sg-panel").bounding_box()
    canvas = page.locator("#sg-canvas").bounding_box()
    assert abs(spot["x"] - (canvas["x"] + (panel["x"] - canvas["x"]) / 2)) < 2
    page.fill("#sg-search", "nobody at all")
    page.press("#sg-search", "Enter")
    assert "No name matches" in page.inner_text("#sg-matches")
    assert opened.problems == []


def test_clicking_an_edge_shows_its_quote_and_source(opened, view_file):
    eid = edge_id(view_file, "Springfield City Council", "Warrant Service Officer program")
    opened.click_edge(eid)
    assert opened.js("window.stancegraph.data.edges[window.stancegraph.state.edge].id") == eid
    panel = opened.panel()
    assert "The Springfield City Council voted to support the Warrant Service Officer" in panel
    assert "Sheriff declines 287(g)" in panel  # the article's title
    link = opened.page.locator("#sg-panel a")
    assert link.get_attribute("href") == "https://example.org/news/1"
    # the edge's label shows now that it is selected (and only then)
    assert opened.js("window.stancegraph.graph.edgeLabels.map(l => l.text)") == ["supports"]
    opened.shot("viz-edge-panel.png")
    assert opened.problems == []


def test_hostile_text_shows_as_text_and_never_runs(opened, view_file):
    eid = edge_id(view_file, HOSTILE_NAME, "287(g) program")
    opened.click_edge(eid)
    panel = opened.panel()
    assert HOSTILE_NAME in panel
    assert "</script><script>window.__pwned=3</script>" in panel
    assert HOSTILE_TITLE in panel  # shown as the (unlinked) title
    assert opened.js("document.querySelectorAll('#sg-panel a').length") == 0  # javascript: URL
    opened.page.fill("#sg-search", "evil <script>")
    opened.page.press("#sg-search", "Enter")
    assert opened.panel().startswith(HOSTILE_NAME)
    # the hover text is plain text too
    spot = opened.screen(ID + rdf.slug(HOSTILE_NAME))
    opened.page.mouse.move(spot["x"], spot["y"])
    opened.page.wait_for_selector("#sg-tip", state="visible")
    assert opened.page.inner_text("#sg-tip").startswith(HOSTILE_NAME)
    # and in the table, the timeline and the map
    for view in ("table", "timeline", "map"):
        opened.js(
            "([v, s]) => window.stancegraph.update({view: v, subject: s})",
            [view, opened.index(ID + "287-g-program")],
        )
        if view != "map":  # (the map places no group)
            assert HOSTILE_NAME in opened.page.text_content(f"#sg-{view}")
    assert opened.js("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert opened.js("typeof window.__pwned") == "undefined"
    # a cell a spreadsheet would run as a formula stays text in the CSV download
    cell = opened.js("SG.csvCell('=HYPERLINK(\"http://x\")')")
    assert cell.startswith("\"'=") or cell.startswith("'=")
    assert opened.clean() and opened.problems == []


def test_filters_by_stance_program_type_and_year_and_refit(opened):
    page = opened.page
    shown = lambda: opened.js("window.stancegraph.shown()")  # noqa: E731
    everything = shown()
    page.get_by_label("for", exact=True).uncheck()
    assert shown()["edges"] == everything["edges"] - 2
    page.get_by_label("for", exact=True).check()
    page.select_option("select[aria-label='Program, policy or law']", label="287(g) program (5)")
    # 3 stances on 287(g), 2 on the WSO program (a form of it), Roe heads, Poe sits on
    assert shown() == {"nodes": 7, "edges": 7}
    page.select_option("select[aria-label='From year']", "2020")
    assert shown()["edges"] == 1  # only the 2020 stance on 287(g)
    # re-fitted: every node shown is inside the canvas
    assert off_screen(opened) == 0
    page.click("text=Show everything")
    assert shown() == everything
    page.get_by_label("Official").uncheck()
    assert opened.js(f"window.stancegraph.graph.nodeShown[{opened.index(ID + 'jane-roe')}]") == 0
    assert opened.problems == []


def test_the_panel_never_moves_the_graph(opened):
    page = opened.page
    camera = opened.js("window.stancegraph.graph.camera")
    size = page.locator("#sg-canvas").bounding_box()
    spot = opened.screen(ID + "bob-poe")
    page.mouse.click(spot["x"], spot["y"])
    assert opened.panel().startswith("Bob Poe")
    page.wait_for_timeout(300)  # no resize and no jump some time after the panel opened
    assert page.locator("#sg-canvas").bounding_box() == size
    assert opened.js("window.stancegraph.graph.camera") == camera
    # "Show everything" with the panel open, then closing it: everything stays on screen
    page.click("text=Show everything")
    page.click("#sg-close")
    page.wait_for_timeout(300)
    assert off_screen(opened) == 0
    assert opened.problems == []


def test_a_copied_link_restores_the_filters_and_the_selection(browser, view_file):
    first = Opened(browser, view_file)
    try:
        page = first.page
        page.get_by_label("Group").uncheck()
        page.select_option("select[aria-label='From year']", "2019")
        page.fill("#sg-search", "SCSO")
        page.press("#sg-search", "Enter")
        first.js("window.stancegraph.graph.zoomAt(300, 300, 1.7)")
        page.wait_for_timeout(400)
        link = first.js("window.stancegraph.link()")
        state = first.js("window.stancegraph.link().split('#')[1]")
        shown = first.js("window.stancegraph.shown()")
        camera = first.js("window.stancegraph.graph.camera")
        panel = first.panel()
    finally:
        first.close()
    second = Opened(browser, view_file, "#" + link.split("#", 1)[1])
    try:
        assert second.js("window.stancegraph.link().split('#')[1]") == state
        assert second.js("window.stancegraph.shown()") == shown
        assert second.js("window.stancegraph.state.node") == second.index(
            ID + "springfield-county-sheriffs-office"
        )
        assert second.panel() == panel
        assert second.page.get_by_label("Group").is_checked() is False
        got = second.js("window.stancegraph.graph.camera")
        assert got["scale"] == pytest.approx(camera["scale"], rel=1e-3)
        assert got["x"] == pytest.approx(camera["x"], abs=0.2)
        assert second.problems == []
    finally:
        second.close()


def test_focus_view_opens_on_its_centre(browser, view_file, tmp_path):
    out = viz.write_view(view_file.parent / "graph.trig", tmp_path / "f.html", focus="SCSO").path
    page = Opened(browser, out)
    try:
        assert page.js("window.stancegraph.state.node") == page.index(
            ID + "springfield-county-sheriffs-office"
        )
        assert page.panel().startswith("Springfield County Sheriff’s Office")
        assert page.requests == [page.uri] and page.problems == []
    finally:
        page.close()


# ---------------------------------------------------------------- the seeds and the dev graph


def test_the_seeds_view_shows_quotes_with_their_headline_as_source(browser, seeds_build):
    _, out = seeds_build
    index = out / "index.html"
    view = viz.make_view(out)
    stance_edges = [e for e in view["edges"] if e["kind"] == "stance"]
    if not stance_edges:
        pytest.skip("the extractor found no stance in seeds/")
    page = Opened(browser, index)
    try:
        edge = max(stance_edges, key=lambda e: (e["articles"], e["id"]))
        page.click_edge(edge["id"])
        text = page.panel().replace("\n", " ")
        assert edge["stances"][0]["quote"][:60] in text
        # every card names its source by its headline (seeds/sources.json), not a file name
        sources = page.page.locator("#sg-panel .sg-source").all_inner_texts()
        assert sources and all(not s.split(" · ")[0].endswith(".txt") for s in sources)
        assert edge["stances"][0]["title"] in text
        page.shot("viz-seeds.png")
        assert page.requests == [page.uri] and page.problems == []
    finally:
        page.close()


@pytest.fixture(scope="module")
def dev_view(dev_dir, tmp_path_factory):
    """The seeds and the dev set built once, and its view: with the rule-based extractor,
    whose stances these checks were read from (LA County's change of position, the places
    the map can and cannot put)."""
    from stancegraph.build import build
    from stancegraph.parallel import Options

    out = tmp_path_factory.mktemp("dev-build") / "graph"
    sources = [SEEDS, dev_dir / "articles", dev_dir / "sources.json"]
    build(sources, out, options=Options(extractor="rules"))
    return out


@pytest.fixture
def dev_page(browser, dev_view):
    page = Opened(browser, dev_view / "index.html", downloads=True)
    yield page
    page.close()


def overlaps(boxes: list[dict]) -> list[tuple[int, int]]:
    bad = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]:
                bad.append((a["node"], b["node"]))
    return bad


def test_the_dev_graph_opens_fitted_with_readable_labels_that_never_overlap(dev_page):
    page = dev_page
    labels = page.js(
        "window.stancegraph.graph.labels.map(l => Object.assign({node: l.node}, l.box))"
    )
    assert overlaps(labels) == []
    assert len(labels) >= 50  # of 159 nodes: the hubs and as many more as fit
    # the eight most important nodes (most stances) are all labelled
    top = page.js("window.stancegraph.graph.order.slice(0, 8)")
    assert set(top) <= {label["node"] for label in labels}
    # labels in the canvas, in the part the panel leaves free
    width = page.js("window.stancegraph.graph.W")
    assert all(0 <= b["x0"] and b["x1"] <= width for b in labels)
    # zoomed in or out, still no overlap
    for factor in (0.5, 2.0, 4.0):
        page.js(
            f"window.stancegraph.graph.zoomAt(600, 400, {factor}); window.stancegraph.graph.draw()"
        )
        boxes = page.js(
            "window.stancegraph.graph.labels.map(l => Object.assign({node: l.node}, l.box))"
        )
        assert overlaps(boxes) == []
    page.js("window.stancegraph.graph.fit(); window.stancegraph.graph.draw()")
    page.shot("viz-overview.png")
    assert page.clean() and page.problems == []


LATEST_SQL = """
SELECT ?pol (COUNT(DISTINCT ?actor) AS ?n) WHERE {
  { SELECT ?actor (MAX(?when) AS ?latest) WHERE {
      ?s a sg:Stance ; sg:actor ?actor ; sg:target/skos:broader* <%(t)s> .
      OPTIONAL { ?s dcterms:date ?d } OPTIONAL { ?s prov:wasDerivedFrom/dcterms:date ?ad }
      BIND(COALESCE(STR(?d), STR(?ad), "") AS ?when)
    } GROUP BY ?actor }
  ?s a sg:Stance ; sg:actor ?actor ; sg:polarity ?pol ; sg:target/skos:broader* <%(t)s> .
  OPTIONAL { ?s dcterms:date ?d } OPTIONAL { ?s prov:wasDerivedFrom/dcterms:date ?ad }
  FILTER(COALESCE(STR(?d), STR(?ad), "") = ?latest)
} GROUP BY ?pol"""


def test_a_year_filter_leaves_undated_stances_out_unless_asked(dev_page):
    page = dev_page.page
    links = lambda: dev_page.js("window.stancegraph.shown().edges")  # noqa: E731
    undated = dev_page.js(
        "(() => { const d = window.stancegraph.data;"
        " return d.stances.filter((s, i) => !SG.stanceWhen(d, i)).length; })()"
    )
    assert undated > 0 and page.get_by_label("undated stances").is_checked()
    page.select_option("select[aria-label='From year']", "2018")
    assert page.get_by_label("undated stances").is_checked() is False
    dated = links()
    page.get_by_label("undated stances").check()
    assert links() > dated
    stance_years = dev_page.js(
        """(() => { const sg = window.stancegraph, d = sg.data, g = sg.graph;
             return d.edges.filter((e, i) => g.edgeShown[i] && e.kind !== 'org').length; })()"""
    )
    assert stance_years == links() - dev_page.js(
        """(() => { const sg = window.stancegraph, d = sg.data, g = sg.graph;
             return d.edges.filter((e, i) => g.edgeShown[i] && e.kind === 'org').length; })()"""
    )
    assert dev_page.problems == []


def test_the_wso_table_counts_each_side_as_sparql_does(dev_page, dev_view):
    page = dev_page.page
    page.click("#sg-tabs >> text=Positions")
    page.fill("#sg-search", "Warrant Service Officer")
    page.wait_for_selector("#sg-matches .sg-match")
    page.locator("#sg-matches .sg-match", has_text="Warrant Service Officer program").first.click()
    page.wait_for_selector("#sg-table .sg-side")
    assert page.inner_text("#sg-table h2") == "Positions on Warrant Service Officer program"
    shown = {
        side: int(page.inner_text(f"#sg-table [data-side={side}] h3 .sg-count"))
        for side in ("oppose", "support")
    }
    rows = {
        side: page.locator(f"#sg-table [data-side={side}] tbody tr").count()
        for side in ("oppose", "support")
    }
    # SPARQL: per actor, its stances at its latest date (its own, else its article's)
    store = sgstore.open_store(dev_view)
    counted = {"oppose": 0, "support": 0}
    for row in sgstore.select(store, LATEST_SQL % {"t": WSO}):
        counted[row["pol"].rsplit("#", 1)[1].lower()] += int(row["n"])
    assert shown == counted == rows
    assert counted["oppose"] > 0 and counted["support"] > 0
    # expanding a row shows its quotes; the CSV holds one line per row
    page.locator("#sg-table [data-side=oppose] .sg-expand").first.click()
    assert page.locator("#sg-table .sg-detail .sg-card").count() >= 1
    with page.expect_download() as done:
        page.click("#sg-table >> text=Download CSV")
    text = Path(done.value.path()).read_text(encoding="utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert len([r for r in lines if r["side"] == "against"]) == counted["oppose"]
    assert len([r for r in lines if r["side"] == "for"]) == counted["support"]
    dev_page.shot("viz-table.png")
    assert dev_page.clean() and dev_page.problems == []


def test_the_timeline_shows_la_countys_change_of_position(dev_page, dev_view):
    from stancegraph import analyze

    data = graphviews.load(sgstore.open_store(dev_view))
    change = next(
        c
        for c in analyze.changes_of_position(data)
        if c["actor"]["label"] == "Los Angeles County" and c["level"] == "jurisdiction"
    )
    page = dev_page.page
    dev_page.js(
        "s => window.stancegraph.update({view: 'timeline', subject: s})",
        dev_page.index(COOPERATION),
    )
    box = page.locator("#sg-timeline .sg-change[data-who='Los Angeles County']")
    assert change["pattern"] in box.inner_text()
    # its row on the chart, with a mark for each step
    marks = page.locator("#sg-timeline .sg-change-row .sg-mark").count()
    assert marks >= len(change["steps"]) - 2  # steps on one date and side share a mark
    box.locator("text=Both sides’ quotes").click()
    panel = dev_page.panel()
    assert panel.startswith("Los Angeles County changed position")
    flips = [
        (a, b)
        for a, b in zip(change["steps"], change["steps"][1:], strict=False)
        if a["stance"] != b["stance"]
    ]
    for before, after in flips:  # the quotes on both sides of each switch
        assert before["evidence"][:50] in panel.replace("\n", " ")
        assert after["evidence"][:50] in panel.replace("\n", " ")
    dev_page.shot("viz-timeline.png")
    assert dev_page.clean() and dev_page.problems == []


def test_the_map_shades_the_counties_the_graph_places(dev_page, dev_view):
    view = viz.make_view(dev_view)
    forms = {COOPERATION} | {n for n, b in view["broader"] if b == COOPERATION}
    forms |= {n for n, b in view["broader"] if b in forms}
    actors = {e["from"] for e in view["edges"] if e["kind"] == "stance" and e["to"] in forms}
    placed = {n["place"] for n in view["nodes"] if n["id"] in actors and len(n["place"]) == 5}
    assert len(placed) >= 10  # LA, Orange, Riverside, the Wisconsin counties...
    page = dev_page.page
    dev_page.js(
        "s => window.stancegraph.update({view: 'map', subject: s})", dev_page.index(COOPERATION)
    )
    shaded = set(
        page.eval_on_selector_all(
            "#sg-map .sg-counties .sg-place-shape:not(.sg-none)",
            "els => els.map(e => e.getAttribute('data-fips'))",
        )
    )
    assert shaded == placed
    unplaced = page.inner_text("#sg-map .sg-unplaced")
    # a city the graph gives no state (its name says none) is listed with the reason
    assert "City of Los Angeles — no state known" in unplaced
    dev_page.shot("viz-map.png")
    # a county opens the table of that county
    page.locator("#sg-map .sg-counties [data-fips='06037']").click()
    assert dev_page.js("window.stancegraph.state.view") == "table"
    assert "Only Los Angeles County, California" in page.inner_text("#sg-table")
    names = page.locator("#sg-table tbody tr td:first-child").all_inner_texts()
    assert any("Los Angeles County Sheriff" in n for n in names)
    assert dev_page.clean() and dev_page.problems == []


# ---------------------------------------------------------------- the ICE 287(g) registry


def test_registry_facts_are_dotted_lines_whose_panel_names_the_sheet(browser, tmp_path):
    from test_viz import PENDING_SHEET, registry_graph

    path = viz.write_view(registry_graph(tmp_path), tmp_path / "view.html").path
    page = Opened(browser, path)
    try:
        edges = page.js(
            """(() => { const sg = window.stancegraph, d = sg.data;
                return d.edges.map(e => ({id: e.id, source: e.source, status: e.status,
                  dash: SG.edgeDash(e), from: d.nodes[e.from].label, to: d.nodes[e.to].label}));
            })()"""
        )
        registry_edges = [e for e in edges if e["source"] == "registry"]
        assert registry_edges
        assert {e["dash"] for e in registry_edges if e["status"] == "participating"} == {"doc"}
        assert {e["dash"] for e in registry_edges if e["status"] == "pending"} == {"pending"}
        assert all(e["dash"] == "" for e in edges if e["source"] == "news")
        # the patterns are what the canvas strokes with: dotted, not a news article's solid line
        dashes = page.js(
            """(() => { const ctx = document.getElementById('sg-canvas').getContext('2d');
                const seen = [], own = ctx.setLineDash;
                ctx.setLineDash = function (a) { seen.push(a.join(',')); own.call(this, a); };
                window.stancegraph.graph.draw();
                ctx.setLineDash = own;
                return seen; })()"""
        )
        assert "2,3" in dashes and "2,7" in dashes

        # (Bailey County's pending line is bent beside its participating one: not that one)
        pending = next(
            e for e in registry_edges if e["status"] == "pending" and "Bailey" not in e["from"]
        )
        page.click_edge(pending["id"])
        selected = page.js("window.stancegraph.data.edges[window.stancegraph.state.edge].id")
        assert selected == pending["id"]
        text = page.panel().replace("\n", " ")
        kinds = page.page.locator("#sg-panel .sg-kind").all_text_contents()
        assert kinds and set(kinds) == {"ICE 287(g) registry"}
        assert PENDING_SHEET in text
        assert "ICE 287(g) pending agencies, 2025-07-18 pm" in text and "2025-07-18" in text
        assert "Listed in the sheet as pending" in text and "row " in text
        assert page.page.locator("#sg-panel blockquote").count() == 0  # no made-up quote
        page.shot("viz-registry-edge.png")

        # the map shades by the registry's status of the program picked
        program = page.js(
            "id => window.stancegraph.data.edges.find(e => e.id === id).to", pending["id"]
        )
        page.js(
            "p => window.stancegraph.update({view: 'map', subject: p, shade: 'registry'})", program
        )
        pending_places = page.page.locator("#sg-map path.sg-reg-pending").count()
        assert pending_places >= 1
        listed = page.page.locator("#sg-map li[data-status]").all_inner_texts()
        assert any("pending" in t for t in listed)
        # Bailey County (Texas) is participating in the made-up sheet and pending in ICE's
        wso = page.js(
            """() => { const d = window.stancegraph.data;
                return d.edges.find(e => e.status === 'participating'
                  && d.nodes[e.from].label.includes('Bailey')).to; }"""
        )
        page.js("p => window.stancegraph.update({subject: p})", wso)
        bailey = page.page.locator("#sg-map path[data-fips='48017'].sg-reg-participating")
        assert bailey.count() == 1
        assert page.page.locator("#sg-map li[data-fips='48017']").get_attribute("data-status") == (
            "participating"
        )
        assert "shade=registry" in page.js("window.stancegraph.link()")
        page.shot("viz-registry-map.png")
        page.js("window.stancegraph.update({shade: ''})")  # back to the news positions
        assert page.page.locator("#sg-map path.sg-reg-pending").count() == 0

        # a hostile agency name from a sheet shows as text and never runs
        page.js("window.stancegraph.update({view: 'graph'})")
        assert page.js("typeof window.__pwned") == "undefined"
        assert page.requests == [page.uri] and page.problems == []
    finally:
        page.close()
