"""`stancegraph push`: the graph sent to a real Oxigraph server (the `oxigraph` package's
binary) over the SPARQL 1.1 Graph Store HTTP Protocol, one named graph per article."""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request

import pytest
from servers import free_port, running

from stancegraph import store
from stancegraph.cli import main


@pytest.fixture
def oxigraph_server(tmp_path):
    """An empty Oxigraph server on loopback; yields its base URL."""
    binary = shutil.which("oxigraph")
    if binary is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [binary, "serve", "--location", str(tmp_path / "db"), "--bind", f"127.0.0.1:{port}"]
    with running(args, base + "/query?query=ASK%7B%7D", timeout=30):
        yield base


def remote_select(base: str, sparql: str) -> list[dict]:
    url = base + "/query?" + urllib.parse.urlencode({"query": sparql})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        data = json.loads(resp.read())
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def test_push_sends_every_named_graph(runner, seeds_build, oxigraph_server):
    graph = seeds_build[1]
    local = store.open_store(graph)
    expected = {r["g"]: r["n"] for r in store.select(local, COUNT_PER_GRAPH)}

    args = ["push", "--endpoint", oxigraph_server + "/store", "--graph", str(graph)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"pushed {len(expected)} named graphs")

    remote = {r["g"]: r["n"] for r in remote_select(oxigraph_server, COUNT_PER_GRAPH)}
    assert remote == expected
    # the default graph (the extraction run) went too
    run = "SELECT ?r WHERE { ?r a <https://w3id.org/stancegraph/ns#ExtractionRun> }"
    assert remote_select(oxigraph_server, run) == store.select(local, run) != []

    # pushing again replaces each graph (PUT): the server holds the same statements
    assert runner.invoke(main, args).exit_code == 0
    again = {r["g"]: r["n"] for r in remote_select(oxigraph_server, COUNT_PER_GRAPH)}
    assert again == expected


def test_push_to_nothing_listening_fails_with_one_line(runner, seeds_build):
    url = f"http://127.0.0.1:{free_port()}/store"
    result = runner.invoke(main, ["push", "--endpoint", url, "--graph", str(seeds_build[1])])
    assert result.exit_code == 1
    assert "cannot reach" in result.output and result.output.count("\n") == 1


def test_push_needs_an_http_url(runner, seeds_build):
    result = runner.invoke(main, ["push", "--endpoint", "ftp://x/store", "--graph", "graph"])
    assert result.exit_code == 2 and "http(s) URL" in result.output
