"""The query page at `/` of `stancegraph serve`, in Debian's Chromium against a real server:
an editor with SPARQL highlighting and completion, the bundled examples, results as a table
whose IRIs open in the graph view, CSV and JSON downloads, the query in the URL, and a
Content-Security-Policy that lets only the page's own inline blocks run."""

from __future__ import annotations

import html
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from servers import free_port, running
from test_viz import HOSTILE_NAME, ID, write_graph
from test_viz_browser import ARGS, CHROMIUM

from stancegraph import querypage, viz

PAGE = Path(querypage.__file__).parent / "templates" / "query.html"


def test_the_committed_page_is_up_to_date():
    assert PAGE.read_text(encoding="utf-8") == querypage.render_query_page(), (
        "templates/query.html is out of date: run `python -m stancegraph.querypage`"
    )


def test_the_policy_allows_exactly_the_inline_blocks_and_only_this_server():
    page = PAGE.read_text(encoding="utf-8")
    csp = html.unescape(
        re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)[1]
    )
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    listed = csp.split("script-src")[1].split(";")[0].split()
    assert listed == [viz.csp_digest(s) for s in scripts] and len(scripts) == 2
    assert csp.split("style-src")[1].split(";")[0].split() == [viz.csp_digest(s) for s in styles]
    assert "innerHTML" not in page


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("query-page")
    graph = write_graph(folder / "graph.trig")
    viz.write_view(graph, folder / "index.html")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "stancegraph.cli", "serve", "--graph", str(graph)]
    with running([*args, "--port", str(port)], base + "/queries"):
        yield base


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class QueryPage:
    def __init__(self, browser, url: str):
        self.base = url.split("/#")[0].rstrip("/")
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.context = browser.new_context(
            viewport={"width": 1440, "height": 900}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.problems.append(f"pageerror: {err}"))
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready]")

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"{message.type}: {message.text}")

    def shadow(self, selector: str) -> str:
        return f"document.querySelector('.sparql-editor').shadowRoot.querySelectorAll('{selector}')"

    def run(self) -> None:
        self.page.click("#run")
        self.page.wait_for_selector("#results-table, #status.error")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def query_page(browser, server):
    page = QueryPage(browser, server + "/")
    yield page
    page.close()


def test_the_page_runs_its_first_query_into_a_table_with_links_into_the_view(query_page, server):
    page = query_page.page
    query_page.run()
    rows = page.eval_on_selector_all(
        "#results-table tbody tr", "trs => trs.map(tr => tr.innerText)"
    )
    assert rows and len(rows) == len(set(rows))  # no identical rows
    link = page.locator("#results-table a[href^='graph#node=']").first
    href = link.get_attribute("href")
    iri = urllib.parse.unquote(href.split("=", 1)[1])
    assert iri.startswith(ID)
    link.click()
    page.wait_for_selector("body[data-ready]")
    assert page.url.startswith(server + "/" + href)
    assert page.evaluate("window.stancegraph.data.nodes[window.stancegraph.state.node].id") == iri
    assert all(r.startswith(server) for r in query_page.requests)
    assert query_page.problems == []


def test_the_editor_highlights_and_completes(query_page):
    page = query_page.page
    # highlighting: the keyword SELECT is a token of its own colour
    colours = page.evaluate(
        f"""Array.from({query_page.shadow(".cm-line span")}).map(s =>
              [s.textContent, getComputedStyle(s).color])"""
    )
    keyword = dict(colours).get("SELECT")
    assert keyword and keyword != "rgb(0, 0, 0)"
    page.locator(".sparql-editor .cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nsg:decl")
    page.keyboard.press("Control+Space")
    page.wait_for_timeout(300)
    options = page.evaluate(
        f"Array.from({query_page.shadow('.cm-tooltip-autocomplete li')}).map(li => li.textContent)"
    )
    assert any(o.startswith("declines") for o in options)
    assert query_page.problems == []


def test_an_example_replaces_the_old_results_and_the_url_keeps_the_query(browser, query_page):
    page = query_page.page
    query_page.run()
    assert page.locator("#results-table").count() == 1
    page.select_option("#examples", "program-positions")
    assert page.locator("#results-table").count() == 0  # the old results are gone
    assert "Warrant Service Officer" in page.inner_text("#description")
    query = page.evaluate("window.stancegraphQuery.editor.value")
    assert "skos:broader" in query
    url = page.url
    assert urllib.parse.unquote(url.split("#query=", 1)[1]) == query
    again = QueryPage(browser, url)  # the link alone reproduces the query, and runs it
    try:
        again.page.wait_for_selector("#results-table")
        assert again.page.evaluate("window.stancegraphQuery.editor.value") == query
        assert again.problems == []
    finally:
        again.close()


def test_downloads_are_the_servers_own_csv_and_json(query_page, server):
    page = query_page.page
    query_page.run()
    query = page.evaluate("window.stancegraphQuery.editor.value")
    for button, accept in (("#csv", "text/csv"), ("#json", "application/sparql-results+json")):
        with page.expect_download() as done:
            page.click(button)
        got = Path(done.value.path()).read_bytes()
        request = urllib.request.Request(
            server + "/sparql",
            data=query.encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": accept},
        )
        assert got == urllib.request.urlopen(request, timeout=30).read()
    assert query_page.problems == []


def test_hostile_results_stay_text(query_page):
    page = query_page.page
    page.evaluate(
        "window.stancegraphQuery.editor.value = "
        "'SELECT DISTINCT ?label WHERE { ?e a sg:Group ; rdfs:label ?label }'"
    )
    query_page.run()
    cells = page.eval_on_selector_all("#results-table td", "tds => tds.map(td => td.textContent)")
    assert HOSTILE_NAME in cells
    assert page.evaluate("document.querySelectorAll('#results img, #results script').length") == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert query_page.problems == []
