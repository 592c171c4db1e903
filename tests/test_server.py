"""The SPARQL endpoint, started for real (`stancegraph serve`) on a free loopback port and
spoken to over HTTP: the protocol, content negotiation, CORS, read-only refusals, a
SERVICE clause that provably opens no connection, the time limit and the row cap."""

from __future__ import annotations

import csv
import io
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
import rdflib
from servers import free_port, running
from test_query import NO_CASE_IN_THE_SEEDS

TIMEOUT_S = 2
MAX_ROWS = 50


@pytest.fixture(scope="module")
def endpoint(seeds_build):
    """The real server on the seeds build; yields its base URL, stops it afterwards."""
    port = free_port()
    args = [sys.executable, "-m", "stancegraph.cli", "serve", "--graph", str(seeds_build[1])]
    args += ["--port", str(port), "--timeout", str(TIMEOUT_S), "--max-rows", str(MAX_ROWS)]
    base = f"http://127.0.0.1:{port}"
    with running(args, base + "/queries"):
        yield base


def call(url, data=None, headers=None, method=None):
    """(status, headers, body) of one request; HTTP errors are answers, not exceptions."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def get(base, query, accept=None, **params):
    qs = urllib.parse.urlencode({"query": query, **params})
    return call(f"{base}/sparql?{qs}", headers={"Accept": accept} if accept else {})


def post_form(base, **fields):
    body = urllib.parse.urlencode(fields).encode()
    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    return call(base + "/sparql", body, ctype)


def post_query(base, query, accept=None):
    headers = {"Content-Type": "application/sparql-query"}
    if accept:
        headers["Accept"] = accept
    return call(base + "/sparql", query.encode(), headers)


STANCES = "SELECT ?s ?rel WHERE { ?s a sg:Stance ; sg:relation ?rel } ORDER BY ?s LIMIT 5"
GRAPHQ = "CONSTRUCT { ?a sg:opposes ?t } WHERE { ?s sg:actor ?a ; sg:target ?t } LIMIT 5"


def test_get_post_form_and_post_query_give_the_same_json(endpoint):
    answers = [get(endpoint, STANCES), post_form(endpoint, query=STANCES)]
    answers.append(post_query(endpoint, STANCES))
    bodies = set()
    for status, headers, body in answers:
        assert status == 200
        assert headers["Content-Type"].startswith("application/sparql-results+json")
        data = json.loads(body)
        assert data["head"]["vars"] == ["s", "rel"] and len(data["results"]["bindings"]) == 5
        bodies.add(body)
    assert len(bodies) == 1


def test_results_in_xml_csv_and_tsv(endpoint):
    status, headers, body = get(endpoint, STANCES, "application/sparql-results+xml")
    assert status == 200 and "sparql-results+xml" in headers["Content-Type"]
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert len(ET.fromstring(body).findall(f"{ns}results/{ns}result")) == 5
    status, headers, body = get(endpoint, STANCES, "text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert next(csv.reader(io.StringIO(body.decode()))) == ["s", "rel"]
    status, headers, body = get(endpoint, STANCES, "text/tab-separated-values")
    assert status == 200 and body.decode().splitlines()[0] == "?s\t?rel"
    # the format parameter wins over Accept
    status, headers, _ = get(endpoint, STANCES, "text/csv", format="json")
    assert headers["Content-Type"].startswith("application/sparql-results+json")


@pytest.mark.parametrize(
    "accept, rdflib_format",
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
    ],
)
def test_graphs_in_turtle_ntriples_and_jsonld(endpoint, accept, rdflib_format):
    status, headers, body = get(endpoint, GRAPHQ, accept)
    assert status == 200 and headers["Content-Type"].startswith(accept)
    g = rdflib.Graph().parse(data=body, format=rdflib_format)
    assert len(g) > 0


def test_ask(endpoint):
    status, _, body = post_query(endpoint, "ASK { ?s a sg:Stance }")
    assert status == 200 and json.loads(body)["boolean"] is True


def test_cors_for_browser_tools(endpoint):
    status, headers, _ = call(
        f"{endpoint}/sparql?query=ASK%7B%7D", headers={"Origin": "https://yasgui.example"}
    )
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    status, headers, _ = call(
        endpoint + "/sparql",
        method="OPTIONS",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert status == 200 and "POST" in headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    "how, text",
    [
        ("query", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
        ("query", "LOAD <http://127.0.0.1:9/data.ttl>"),
        ("query", "CLEAR ALL"),
        ("query", "DROP GRAPH <urn:g>"),
        ("update", "DELETE WHERE { ?s ?p ?o }"),
        ("sparql-update", "CLEAR DEFAULT"),
    ],
)
def test_updates_are_refused(endpoint, how, text):
    if how == "sparql-update":
        headers = {"Content-Type": "application/sparql-update"}
        status, _, body = call(endpoint + "/sparql", text.encode(), headers)
    else:
        status, _, body = post_form(endpoint, **{how: text})
    assert status == 403 and b"read-only" in body
    status, _, body = post_query(endpoint, "ASK { ?s a sg:Stance }")
    assert json.loads(body)["boolean"] is True  # nothing was removed


class Listener:
    """A TCP server on loopback that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def test_service_is_refused_and_opens_no_connection(endpoint, listener):
    url = f"http://127.0.0.1:{listener.port}/sparql"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s a sg:Stance OPTIONAL {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ sErViCe <{url}> {{ ?s ?p ?o }} }}",
    ]
    for q in queries:
        status, _, body = post_query(endpoint, q)
        assert status == 403, q
        assert b"SERVICE is not allowed" in body
    # FROM and FROM NAMED name graphs of the store: allowed, and fetch nothing either
    status, _, _ = post_query(endpoint, f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}")
    assert status == 200
    time.sleep(0.5)
    assert listener.connections == 0
    # the listener does see a connection when one is made
    socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    deadline = time.monotonic() + 5
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections == 1


def test_the_word_service_in_data_is_fine(endpoint):
    q = 'SELECT ?t WHERE { ?t rdfs:label "Warrant Service Officer program" } LIMIT 1'
    status, _, body = get(endpoint, q)
    assert status == 200 and json.loads(body)["results"]["bindings"]


def test_malformed_query_is_400_with_the_parsers_message(endpoint):
    status, _, body = get(endpoint, "SELECT ?x WHERE { ?x ?p }")
    assert status == 400
    text = body.decode()
    assert text.startswith("malformed query") and "line 1" in text
    status, _, body = call(endpoint + "/sparql")
    assert status == 400 and b"query" in body


def test_a_query_over_the_time_limit_gets_503_and_the_server_carries_on(endpoint):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    status, _, body = get(endpoint, slow)
    assert status == 503 and b"timed out" in body
    assert time.monotonic() - started < TIMEOUT_S + 20
    for _ in range(3):  # the killed worker was replaced
        status, _, body = post_query(endpoint, "ASK { ?s a sg:Stance }")
        assert status == 200 and json.loads(body)["boolean"] is True


def test_results_are_capped(endpoint):
    status, headers, body = get(endpoint, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == MAX_ROWS
    assert headers["X-Stancegraph-Truncated"]


def test_every_bundled_query_runs_through_the_endpoint(endpoint):
    status, _, body = call(endpoint + "/queries")
    bundled = json.loads(body)
    assert len(bundled) >= 12
    for q in bundled:
        status, _, body = post_query(endpoint, q["query"])
        assert status == 200, q["name"]
        if q["name"].startswith("registry-"):  # those need the ICE registry imported
            continue
        rows = json.loads(body)["results"]["bindings"]
        assert rows or q["name"] in NO_CASE_IN_THE_SEEDS, q["name"]


def test_the_query_page_is_self_contained_and_never_injects_html(endpoint):
    status, headers, body = call(endpoint + "/")
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<textarea" in page and "sparql" in page
    assert 'src="http' not in page and 'href="http' not in page  # no CDN
    assert "innerHTML" not in page and "textContent" in page


def test_graph_serves_the_html_view(endpoint, seeds_build):
    status, headers, body = call(endpoint + "/graph")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert body == (seeds_build[1] / "index.html").read_bytes()


def test_serve_binds_loopback_by_default():
    from stancegraph.cli import serve_command

    host = next(p for p in serve_command.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_serve_with_a_bad_graph_fails_fast(tmp_path):
    args = [sys.executable, "-m", "stancegraph.cli", "serve", "--graph", str(tmp_path / "none")]
    result = subprocess.run(args, capture_output=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.decode().count("\n") == 1 and b"no graph at" in result.stderr


def test_without_the_check_pyoxigraph_would_connect(listener):
    """The control for the SERVICE test: the store itself does open the connection, so the
    listener's silence above is the endpoint's doing."""
    from stancegraph import store

    st = store.memory_store(b"<urn:a> <urn:b> <urn:c> .", "turtle")
    q = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises((store.QueryError, OSError)):  # the listener hangs up at once
        list(store.query(st, q))
    deadline = time.monotonic() + 5
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections >= 1
