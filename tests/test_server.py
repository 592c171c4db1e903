"""The SPARQL endpoint, started for real (`stancegraph serve`) on a free loopback port and
spoken to over HTTP: the protocol, content negotiation, CORS, read-only refusals, a
SERVICE clause that provably opens no connection (however it is written), workers that
cannot open one, hostile queries that stall no one, and the time, row, byte, body and
memory limits."""

from __future__ import annotations

import contextlib
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
from pathlib import Path

import pytest
import rdflib
from servers import free_port, running
from test_query import NO_CASE_IN_THE_SEEDS

TIMEOUT_S = 5
MAX_ROWS = 50
MAX_BYTES = 20_000
MAX_MEMORY = 1024  # MB: an idle worker takes ~400 MB of address space, and its store threads more


@pytest.fixture(scope="module")
def endpoint(seeds_build):
    """The real server on the seeds build; yields its base URL, stops it afterwards."""
    port = free_port()
    args = [sys.executable, "-m", "stancegraph.cli", "serve", "--graph", str(seeds_build[1])]
    args += ["--port", str(port), "--timeout", str(TIMEOUT_S), "--max-rows", str(MAX_ROWS)]
    args += ["--max-bytes", str(MAX_BYTES), "--max-memory", str(MAX_MEMORY), "--workers", "3"]
    base = f"http://127.0.0.1:{port}"
    with running(args, base + "/queries") as proc:
        endpoint_process[base] = proc.pid
        yield base


endpoint_process: dict[str, int] = {}  # base URL -> the server's pid


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
    assert status == 403 and b"read-only" in body, body
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
    assert text.startswith("malformed query: line 1, column") and text.count("\n") == 1
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


# ---------------------------------------------------------------- SERVICE, however written


def bypasses(url: str) -> list[str]:
    """SERVICE written to slip past a check that reads the text differently from Oxigraph:
    escapes that make or end a comment, escaped letters, comments inside IRIs, case."""
    return [
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?x <urn:p> ?secret }} }}",
        f"SELECT * WHERE {{ # \\u000D SERVICE <{url}> {{ ?x <urn:p> ?secret }}\n}}",
        f"SELECT * WHERE {{ BIND(1 AS ?a) \\u0023\n SERVICE <{url}> {{ ?x ?p ?o }} }}",
        "SELECT * WHERE { ?a ?b ?c FILTER(?a<?b) SERVICE$x#>\n{ ?x <urn:p> ?secret } }",
        f"ASK {{ SERVICE SILENT <{url}> {{ ?x ?p ?o }} }}",
        f"ASK {{ sErViCe\t<{url}>{{}} }}",
        f"SELECT * {{ VALUES ?x {{ 1 }} OPTIONAL {{ ſERVICE <{url}> {{ ?x ?p ?o }} }} }}",
        f"SELECT * {{ {{ SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    ]


def test_the_issues_bypass_and_its_variants_reach_nothing(endpoint, listener):
    """The SERVICE hidden behind an escaped line break in a comment (the reported bypass)
    is, read as SPARQL defines escapes, inside a string: it answers that string. Every
    variant is refused; sent cross-origin as a form too. The listener sees nothing."""
    url = f"http://127.0.0.1:{listener.port}/internal"
    reported = (
        'SELECT * WHERE { # \\u000A BIND("""\n'
        f"SERVICE <{url}> {{ ?x <urn:p> ?secret }}\n"
        '# """ AS ?x)\n}'
    )
    for how in (get, lambda base, q: post_form(base, query=q)):
        status, _, body = how(endpoint, reported)
        assert status == 200, body
        value = json.loads(body)["results"]["bindings"][0]["x"]["value"]
        assert value.startswith("\nSERVICE <http://127.0.0.1")  # a string, never run
        for q in bypasses(url):
            status, _, body = how(endpoint, q)
            assert status in (400, 403), (q, status, body)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://x.example"}
    status, _, _ = call(endpoint + "/sparql", urllib.parse.urlencode({"query": reported}).encode(),
                        headers)  # fmt: skip
    assert status == 200
    time.sleep(0.5)
    assert listener.connections == 0


@pytest.mark.parametrize("index", range(8))
def test_the_check_alone_refuses_every_variant(index):
    """Without the workers' sandbox, the check must still refuse each variant: it reads
    the query with Oxigraph's own parser."""
    from stancegraph import gate

    q = bypasses("http://127.0.0.1:9/x")[index]
    with pytest.raises(gate.Refused) as refused:
        gate.prepare(q)
    assert refused.value.status in (400, 403)


def test_a_word_service_anywhere_else_is_fine():
    from stancegraph import gate

    for q in [
        'SELECT * { ?t rdfs:label "Warrant Service Officer program" }',
        "SELECT * { ?t <https://example.org/service> ?o } # service",
        "PREFIX service: <urn:s:> SELECT ?service { ?service service:name ?o }",
    ]:
        assert gate.prepare(q) == q


def isolated_child(code: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh Python that first cuts itself off the network."""
    script = "from stancegraph import sandbox\nprint(sandbox.isolate())\n" + code
    return subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)


def test_an_isolated_process_can_open_no_socket_and_service_reaches_nothing(listener):
    """The sandbox alone, with no check before it: the SERVICE query is run as it is."""
    url = f"http://127.0.0.1:{listener.port}/sparql"
    code = (
        "import socket\n"
        "from stancegraph import store\n"
        f"for family in (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX):\n"
        "    try:\n"
        "        socket.socket(family)\n"
        "        print('OPENED', family)\n"
        "    except OSError as exc:\n"
        "        print('refused', exc.errno)\n"
        "st = store.memory_store(b'<urn:a> <urn:b> <urn:c> .', 'turtle')\n"
        "try:\n"
        f"    print(list(store.query(st, 'SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}')))\n"
        "except (store.QueryError, OSError) as exc:\n"
        "    print('failed', exc)\n"
    )
    result = isolated_child(code)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "no sockets (seccomp)" in out and "OPENED" not in out
    assert out.count("refused 13") == 3 and "failed" in out
    time.sleep(0.3)
    assert listener.connections == 0


def worker_pids(endpoint) -> list[int]:
    """The pids of the endpoint's query worker processes (its children, from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            if stat.read_text().rsplit(")", 1)[1].split()[1] == str(endpoint_process[endpoint]):
                if b"stancegraph.workers" in (stat.parent / "cmdline").read_bytes():
                    found.append(int(stat.parent.name))
    return found


def test_the_endpoints_workers_are_sandboxed(endpoint):
    """The live endpoint's worker processes carry the seccomp filter (and, as root, their
    own network namespace)."""
    import os

    workers = worker_pids(endpoint)
    assert len(workers) >= 2
    for pid in workers:
        status = Path(f"/proc/{pid}/status").read_text()
        assert "\nSeccomp:\t2" in status and "\nNoNewPrivs:\t1" in status
        if os.geteuid() == 0:
            assert os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net")


# ---------------------------------------------------------------- hostile queries


def hostile_queries() -> dict[str, tuple[str, set[int]]]:
    """name -> (query, the statuses it may get): none may stall the others."""
    return {
        "deep nesting": ("SELECT * " + "{" * 1200 + " ?s ?p ?o " + "}" * 1200, {400}),
        "10,000 UNION": (
            "SELECT * {" + " UNION ".join(["{ ?s ?p ?o }"] * 10_000) + "}",
            {200, 503},
        ),
        "10,000-term sum": ("SELECT (" + "+".join(["1"] * 10_000) + " AS ?x) {}", {200, 503}),
        "a sort of everything by everything": (
            "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f LIMIT 1",
            {503},
        ),
        "110 KB of VALUES": (
            "SELECT * { VALUES ?x {" + " ".join(f'"{i}"' for i in range(15_000)) + "} } LIMIT 1",
            {200},
        ),
    }


def timed_ask(endpoint, times: list[float]) -> None:
    started = time.monotonic()
    post_query(endpoint, "ASK {}")
    times.append(time.monotonic() - started)


def settle(endpoint, workers=3):
    """Wait until the endpoint has all its workers (one killed by an earlier test is
    replaced in the background): `workers` concurrent ASKs all answer at once."""
    deadline = time.monotonic() + 60
    while len(worker_pids(endpoint)) < workers and time.monotonic() < deadline:
        time.sleep(0.2)
    while time.monotonic() < deadline:
        times: list[float] = []
        threads = [
            threading.Thread(target=timed_ask, args=(endpoint, times)) for _ in range(workers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if max(times) < 0.5:
            return
        time.sleep(0.5)


@pytest.mark.parametrize("name", list(hostile_queries()))
def test_a_hostile_query_gets_its_answer_while_others_are_served(endpoint, name):
    sparql, statuses = hostile_queries()[name]
    settle(endpoint)
    outcome = {}

    def send():
        outcome["answer"] = post_query(endpoint, sparql)

    thread = threading.Thread(target=send)
    thread.start()
    time.sleep(0.3)  # the hostile query is with a worker now
    for _ in range(3):
        started = time.monotonic()
        status, _, body = post_query(endpoint, "ASK {}")
        assert status == 200 and json.loads(body)["boolean"] is True
        assert time.monotonic() - started < 1.0, name
    thread.join(60)
    status, _, body = outcome["answer"]
    assert status in statuses, (name, status, body[:200])
    assert body.count(b"\n") <= 1 or status == 200


def test_nesting_as_deep_as_queries_go(endpoint):
    for q in [
        "SELECT * " + "{" * 300 + " ?s a sg:Stance " + "}" * 300 + " LIMIT 1",
        "SELECT (" + "(" * 300 + "1" + ")" * 300 + " AS ?x) {}",
        "ASK " + "{ FILTER EXISTS " * 200 + "{}" + " }" * 200,
    ]:
        status, _, body = post_query(endpoint, q)
        assert status == 200, body[:200]


def raw_status(base: str, head: str, chunks=()) -> bytes:
    """Send a request by hand (headers, then optional body pieces); the status line back."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode())
        with contextlib.suppress(OSError):  # the server may answer and close before the end
            for chunk in chunks:
                sock.sendall(chunk)
        return sock.makefile("rb").readline()


def test_too_large_a_body_is_413(endpoint):
    head = "POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    # declared too large: refused before a byte of it is read
    assert b" 413 " in raw_status(endpoint, head + "Content-Length: 1500000\r\n\r\n")
    # sent in chunks with no declared length: refused once past the limit
    piece = b"%x\r\n%s\r\n" % (65536, b"#" * 65536)
    chunked = raw_status(endpoint, head + "Transfer-Encoding: chunked\r\n\r\n", [piece] * 20)
    assert b" 413 " in chunked


def test_answers_are_capped_in_bytes(endpoint):
    doubled = ", ".join(["STR(?o)"] * 30)
    q = f"SELECT ?x WHERE {{ ?s ?p ?o BIND(CONCAT({doubled}) AS ?x) }}"
    status, headers, body = get(endpoint, q)
    assert status == 200 and len(body) <= MAX_BYTES
    rows = json.loads(body)["results"]["bindings"]
    assert 0 < len(rows) < MAX_ROWS and "bytes" in headers["X-Stancegraph-Truncated"]


# ---------------------------------------------------------------- protocol details


def test_one_query_per_request(endpoint):
    status, _, body = call(f"{endpoint}/sparql?query=ASK%7B%7D&query=SELECT%20*%7B%7D")
    assert status == 400 and b"more than once" in body
    status, _, _ = call(f"{endpoint}/sparql?query=ASK%7B%7D", b"ASK {}",
                        {"Content-Type": "application/sparql-query"})  # fmt: skip
    assert status == 400


def test_head_answers_like_get_without_a_body(endpoint):
    status, headers, body = call(f"{endpoint}/sparql?query=ASK%7B%7D", method="HEAD")
    assert status == 200 and body == b""
    assert headers["Content-Type"].startswith("application/sparql-results+json")


@pytest.mark.parametrize(
    "accept, query, status, media",
    [
        ("image/png", "ASK {}", 406, None),
        ("text/turtle", STANCES, 406, None),
        ("application/sparql-results+json", GRAPHQ, 406, None),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", STANCES, 200, "+xml"),
        ("text/*;q=0.8, */*;q=0.1", STANCES, 200, "text/csv"),
        ("*/*", GRAPHQ, 200, "text/turtle"),
        ("application/rdf+xml", GRAPHQ, 200, "application/rdf+xml"),
        ("application/sparql-results+json;q=0, */*", STANCES, 200, "+xml"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", STANCES, 200, "xml"),
    ],
)
def test_content_negotiation(endpoint, accept, query, status, media):
    got, headers, body = get(endpoint, query, accept)
    assert got == status, body[:200]
    if media:
        assert media in headers["Content-Type"]


def test_rdf_xml_graphs_parse(endpoint):
    status, _, body = get(endpoint, GRAPHQ, "application/rdf+xml")
    assert status == 200 and len(rdflib.Graph().parse(data=body, format="xml")) > 0


def test_bad_bodies_are_400(endpoint):
    headers = {"Content-Type": "application/sparql-query"}
    for body in [b"", b"   ", 'SELECT ("caf\xe9" AS ?x) {}'.encode("latin-1")]:
        status, _, answer = call(endpoint + "/sparql", body, headers)
        assert status == 400, (body, answer)
    status, _, _ = call(endpoint + "/sparql", "ASK {}".encode("utf-16"),
                        {"Content-Type": "application/sparql-query; charset=UTF-16"})  # fmt: skip
    assert status == 400
    status, _, _ = call(endpoint + "/sparql", b"query=SELECT%20%22%FF%22%20%7B%7D",
                        {"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert status == 400


@pytest.mark.parametrize(
    "query, message",
    [
        ("SELECT * { ?s foo:bar ?o }", b"undefined prefix foo:"),
        ("SELECT ?x ?x {}", b"duplicated variable"),
        ("SELECT * { ?s ?p ?o } LIMIT x", b"line 1, column"),
    ],
)
def test_error_messages_are_one_readable_line(endpoint, query, message):
    status, _, body = get(endpoint, query)
    assert status == 400 and message in body.lower() and body.count(b"\n") == 1, body


def test_relative_iris_and_unknown_functions(endpoint):
    status, _, body = post_query(endpoint, "CONSTRUCT { <s> <p> 1 } WHERE {}", "text/turtle")
    assert status == 200 and b"<https://w3id.org/stancegraph/id/s>" in body
    status, _, body = get(endpoint, "SELECT (<urn:no-such-function>(1) AS ?x) (2 AS ?y) {}")
    assert status == 200
    assert json.loads(body)["results"]["bindings"] == [{"y": {"type": "literal", "value": "2",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]  # fmt: skip


def test_every_response_has_a_strict_content_security_policy(endpoint):
    for path in ["/sparql?query=ASK%7B%7D", "/sparql?query=SELECT", "/queries", "/nowhere"]:
        _, headers, _ = call(endpoint + path)
        assert headers["Content-Security-Policy"].startswith("default-src 'none'"), path
        assert headers["X-Content-Type-Options"] == "nosniff"
    for page in ["/", "/graph"]:
        _, headers, body = call(endpoint + page)
        policy = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "script-src 'sha256-" in policy, page
        from stancegraph.server import content_security_policy

        assert policy == content_security_policy(body.decode())
