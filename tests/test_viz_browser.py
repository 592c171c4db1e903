"""The HTML view in a real browser: Debian's Chromium driven by Playwright (never a
downloaded browser). The page must load with no network request and no console error,
find names, show the quotes behind a clicked line, and keep hostile text as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from test_viz import HOSTILE_NAME, HOSTILE_TITLE, ID, write_graph

from stancegraph import rdf, viz

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

    def __init__(self, browser, path: Path):
        self.uri = path.resolve().as_uri()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.problems.append(f"pageerror: {err}"))
        self.page.goto(self.uri)
        self.page.wait_for_function("window.stancegraph && window.stancegraph.ready")

    def _route(self, route) -> None:
        self.requests.append(route.request.url)
        if route.request.url == self.uri:
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

    def click_edge(self, edge_id: str) -> None:
        """A real mouse click on the middle of an edge, after centring the view on it."""
        middle = self.js(
            """id => {
                const net = window.stancegraph.network;
                const [a, b] = net.getConnectedNodes(id);
                const p = net.getPositions([a, b]);
                const mid = {x: (p[a].x + p[b].x) / 2, y: (p[a].y + p[b].y) / 2};
                net.moveTo({position: mid, scale: 1.5, animation: false});
                return net.canvasToDOM(mid);
            }""",
            edge_id,
        )
        box = self.page.locator("#sg-network").bounding_box()
        self.page.mouse.click(box["x"] + middle["x"], box["y"] + middle["y"])

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


def test_page_loads_offline_with_no_request_and_no_console_error(opened):
    assert opened.requests == [opened.uri]
    assert opened.problems == []
    assert opened.js("window.stancegraph.shown()") == {"nodes": 9, "edges": 8}
    legend = opened.page.inner_text("#sg-filters")
    assert "Official" in legend and "Program / policy / law" in legend and "opposes" in legend


def test_searching_a_name_selects_its_node(opened):
    opened.page.fill("#sg-search", "jane ROE")
    opened.page.press("#sg-search", "Enter")
    assert opened.js("window.stancegraph.network.getSelectedNodes()") == [ID + "jane-roe"]
    panel = opened.panel()
    assert panel.startswith("Jane Roe") and "her office will not join the 287(g) program" in panel
    opened.page.fill("#sg-search", "nobody at all")
    opened.page.press("#sg-search", "Enter")
    assert "No name matches" in opened.page.inner_text("#sg-status")


def test_clicking_an_edge_shows_its_quote_and_source(opened, view_file):
    eid = edge_id(view_file, "Springfield City Council", "Warrant Service Officer program")
    opened.click_edge(eid)
    assert opened.js("window.stancegraph.network.getSelectedEdges()") == [eid]
    panel = opened.panel()
    assert "The Springfield City Council voted to support the Warrant Service Officer" in panel
    assert "Sheriff declines 287(g)" in panel  # the article's title
    link = opened.page.locator("#sg-panel a")
    assert link.get_attribute("href") == "https://example.org/news/1"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened.page.screenshot(path=str(ARTIFACTS / "viz-edge-panel.png"))
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
    node_id = ID + rdf.slug(HOSTILE_NAME)
    position = opened.js(
        """id => {
            const net = window.stancegraph.network;
            return net.canvasToDOM(net.getPositions([id])[id]);
        }""",
        node_id,
    )
    box = opened.page.locator("#sg-network").bounding_box()
    opened.page.mouse.move(box["x"] + position["x"], box["y"] + position["y"])
    opened.page.wait_for_selector("div.vis-tooltip", state="visible")
    assert opened.page.inner_text("div.vis-tooltip").startswith(HOSTILE_NAME)
    assert opened.js("document.querySelectorAll('img, iframe, object').length") == 0
    assert opened.js("typeof window.__pwned") == "undefined"
    assert opened.requests == [opened.uri] and opened.problems == []


def test_filters_by_stance_program_type_and_year(opened):
    page = opened.page
    shown = lambda: opened.js("window.stancegraph.shown()")  # noqa: E731
    everything = shown()
    page.get_by_label("supports").uncheck()
    assert shown()["edges"] == everything["edges"] - 2
    page.get_by_label("supports").check()
    page.select_option("select[aria-label='Program, policy or law']", label="287(g) program")
    # 3 stances on 287(g), 2 on the WSO program (a form of it), Roe heads, Poe sits on
    assert shown() == {"nodes": 7, "edges": 7}
    page.select_option("select[aria-label='From year']", "2020")
    assert shown()["edges"] == 1  # only the 2020 stance on 287(g)
    page.click("text=Show everything")
    assert shown() == everything
    page.get_by_label("Official").uncheck()
    assert ID + "jane-roe" not in opened.js("window.stancegraph.network.body.nodeIndices")
    assert opened.problems == []


def test_focus_view_opens_on_its_centre(browser, view_file, tmp_path):
    out = viz.write_view(view_file.parent / "graph.trig", tmp_path / "f.html", focus="SCSO").path
    page = Opened(browser, out)
    try:
        assert page.js("window.stancegraph.network.getSelectedNodes()") == [
            ID + "springfield-county-sheriffs-office"
        ]
        assert page.panel().startswith("Springfield County Sheriff’s Office")
        assert page.requests == [page.uri] and page.problems == []
    finally:
        page.close()


def test_the_seeds_view_from_build_shows_quotes_on_click(browser, seeds_build):
    _, out = seeds_build
    index = out / "index.html"
    assert index.is_file()
    view = viz.make_view(out)
    stance_edges = [e for e in view["edges"] if e["kind"] == "stance"]
    if not stance_edges:
        pytest.skip("the extractor found no stance in seeds/")
    page = Opened(browser, index)
    try:
        edge = max(stance_edges, key=lambda e: (e["articles"], e["id"]))
        page.click_edge(edge["id"])
        assert edge["stances"][0]["quote"][:60] in page.panel().replace("\n", " ")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.page.screenshot(path=str(ARTIFACTS / "viz-seeds.png"))
        assert page.requests == [page.uri] and page.problems == []
    finally:
        page.close()
