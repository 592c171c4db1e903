"""The endpoint's pages in a real browser (Debian's Chromium through Playwright) under
the Content-Security-Policy the server sends: the query page runs a query and shows
its table, the graph view draws, and neither breaks a rule of its policy."""

from __future__ import annotations

import sys

import pytest
from servers import free_port, running
from test_viz_browser import ARGS, CHROMIUM

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium is not at /usr/bin/chromium (apt-get install -y chromium)",
)


@pytest.fixture(scope="module")
def endpoint(seeds_build):
    port = free_port()
    args = [sys.executable, "-m", "stancegraph.cli", "serve", "--graph", str(seeds_build[1])]
    args += ["--port", str(port), "--workers", "1"]
    base = f"http://127.0.0.1:{port}"
    with running(args, base + "/queries"):
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def open_page(browser, url: str):
    """A page at url, with the list its console errors, page errors and CSP violations."""
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda err: problems.append(str(err)))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    page.goto(url)
    return context, page, problems


def test_the_query_page_runs_a_query_under_its_policy(browser, endpoint):
    from urllib.parse import quote

    query = "SELECT ?s WHERE { ?s a sg:Stance } LIMIT 3"
    context, page, problems = open_page(browser, endpoint + "/#query=" + quote(query))
    try:
        page.wait_for_selector("body[data-ready]")
        page.wait_for_function("document.querySelectorAll('#examples option').length > 1")
        page.click("#run")
        page.wait_for_selector("#results-table tbody tr")
        assert page.locator("#results-table tbody tr").count() == 3
        color = page.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor")
        assert color != "rgba(0, 0, 0, 0)"  # its inline style applied
    finally:
        context.close()
    assert problems == []


def test_the_graph_view_draws_under_its_policy(browser, endpoint):
    context, page, problems = open_page(browser, endpoint + "/graph")
    try:
        page.wait_for_function("window.stancegraph && window.stancegraph.ready", timeout=60_000)
    finally:
        context.close()
    assert problems == []


def test_an_injected_inline_script_would_be_blocked(browser, endpoint):
    """The control: the policy is enforced, a script it does not list does not run."""
    context, page, problems = open_page(browser, endpoint + "/")
    try:
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.injected = 1'; document.body.appendChild(s); }"
        )
        page.wait_for_timeout(200)
        assert page.evaluate("window.injected") is None
    finally:
        context.close()
    assert any("CSP violation: script-src" in p for p in problems)
