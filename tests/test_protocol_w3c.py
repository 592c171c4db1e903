"""The query tests of the W3C SPARQL 1.1 Protocol test suite (w3c/rdf-tests,
sparql/sparql11/protocol/manifest.ttl), written from their descriptions against the
real endpoint, over a graph holding the suite's three data graphs. Each test keeps the
suite's name; where a test only checks for `true`, a control checks that the dataset
parameters do decide the answer. The update tests are refused by design (403)."""

from __future__ import annotations

import json
import sys
import urllib.parse

import pytest
from servers import free_port, running
from test_server import call, raw_status

DATA = "http://kasei.us/2009/09/sparql/data/"
D1, D2, D3 = (f"{DATA}data{n}.rdf" for n in (1, 2, 3))
FOAF_DOC = "<http://xmlns.com/foaf/0.1/Document>"
BOTH_DEFAULT = f"ASK {{ <{D1}> a ?type . <{D2}> a ?type . }}"
BOTH_NAMED = f"ASK {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}"
FULL = f"ASK {{ <{D3}> a ?type GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}"


@pytest.fixture(scope="module")
def sparql(tmp_path_factory):
    """The endpoint over a TriG file of the suite's data graphs; yields /sparql's URL."""
    trig = tmp_path_factory.mktemp("w3c") / "protocol.trig"
    trig.write_text(
        "".join(f"<{g}> {{ <{g}> a {FOAF_DOC} . }}\n" for g in (D1, D2, D3)), encoding="utf-8"
    )
    port = free_port()
    args = [sys.executable, "-m", "stancegraph.cli", "serve", "--graph", str(trig)]
    args += ["--port", str(port), "--workers", "1"]
    with running(args, f"http://127.0.0.1:{port}/queries"):
        yield f"http://127.0.0.1:{port}/sparql"


def params(**fields) -> str:
    pairs = [(k.replace("_", "-"), v) for k, vs in fields.items() for v in vs]
    return urllib.parse.urlencode(pairs)


def ask(status_headers_body) -> bool:
    status, headers, body = status_headers_body
    assert 200 <= status < 400, body
    assert headers["Content-Type"].split(";")[0] in (
        "application/sparql-results+json",
        "application/sparql-results+xml",
    )
    return json.loads(body)["boolean"]


def get(url, query, **dataset):
    return call(f"{url}?{params(query=[query], **dataset)}")


def post_direct(url, query, **dataset):
    sep = "?" + params(**dataset) if dataset else ""
    return call(url + sep, query.encode(), {"Content-Type": "application/sparql-query"})


def post_form(url, query, **dataset):
    body = params(query=[query], **dataset).encode()
    return call(url, body, {"Content-Type": "application/x-www-form-urlencoded"})


def test_query_post_form(sparql):
    url = f"{sparql}?{params(default_graph_uri=[DATA + 'data0.rdf'])}"
    assert ask(
        call(url, b"query=ASK%20%7B%7D", {"Content-Type": "application/x-www-form-urlencoded"})
    )


def test_query_dataset_default_graphs_get(sparql):
    assert ask(get(sparql, BOTH_DEFAULT, default_graph_uri=[D1, D2]))
    assert not ask(get(sparql, BOTH_DEFAULT, default_graph_uri=[D1]))  # control


def test_query_dataset_default_graphs_post(sparql):
    assert ask(post_direct(sparql, BOTH_DEFAULT, default_graph_uri=[D1, D2]))
    assert not ask(post_direct(sparql, BOTH_DEFAULT, default_graph_uri=[D2]))
    assert ask(post_form(sparql, BOTH_DEFAULT, default_graph_uri=[D1, D2]))  # in the form


def test_query_dataset_named_graphs_post(sparql):
    assert ask(post_direct(sparql, BOTH_NAMED, named_graph_uri=[D1, D2]))
    assert not ask(post_direct(sparql, BOTH_NAMED, named_graph_uri=[D1]))


def test_query_dataset_named_graphs_get(sparql):
    assert ask(get(sparql, BOTH_NAMED, named_graph_uri=[D1, D2]))
    assert not ask(get(sparql, BOTH_NAMED, named_graph_uri=[D2, D3]))


def test_query_dataset_full(sparql):
    assert ask(post_direct(sparql, FULL, default_graph_uri=[D3], named_graph_uri=[D1, D2]))
    assert not ask(post_direct(sparql, FULL, default_graph_uri=[D1], named_graph_uri=[D1, D2]))


def test_query_multiple_dataset(sparql):
    """The protocol's dataset wins over the query's FROM."""
    query = f"ASK FROM <{D3}> {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}"
    assert ask(post_direct(sparql, query, named_graph_uri=[D1, D2]))
    assert not ask(
        post_direct(sparql, f"ASK FROM <{D3}> {{ <{D3}> a ?t }}", default_graph_uri=[D1])
    )


def test_from_and_from_named_in_the_query_text(sparql):
    """Without protocol parameters the query's own FROM / FROM NAMED make the dataset
    (and without them the default graph is the union of the graphs)."""
    assert ask(post_direct(sparql, f"ASK FROM <{D3}> {{ <{D3}> a ?t }}"))
    assert not ask(post_direct(sparql, f"ASK FROM <{D3}> {{ <{D1}> a ?t }}"))
    assert ask(post_direct(sparql, f"ASK FROM NAMED <{D1}> {{ GRAPH ?g {{ <{D1}> a ?t }} }}"))
    assert not ask(post_direct(sparql, f"ASK FROM NAMED <{D1}> {{ GRAPH ?g {{ <{D2}> a ?t }} }}"))
    assert not ask(post_direct(sparql, f"ASK FROM NAMED <{D1}> {{ <{D1}> a ?t }}"))
    assert ask(post_direct(sparql, BOTH_DEFAULT))  # the union


def test_query_get(sparql):
    assert ask(get(sparql, "ASK {}", default_graph_uri=[DATA + "data0.rdf"]))


def test_query_post_direct(sparql):
    assert ask(post_direct(sparql, "ASK {}"))


@pytest.mark.parametrize(
    "query, types",
    [
        ("SELECT (1 AS ?value) {}", {"application/sparql-results+xml", "text/csv",
          "application/sparql-results+json", "text/tab-separated-values"}),
        ("ASK {}", {"application/sparql-results+xml", "application/sparql-results+json"}),
        ("DESCRIBE <http://example.org/>", {"application/rdf+xml", "text/turtle",
          "application/n-triples"}),
        ("CONSTRUCT { <s> <p> 1 } WHERE {}", {"application/rdf+xml", "text/turtle",
          "application/n-triples"}),
    ],
    ids=["query_content_type_select", "query_content_type_ask", "query_content_type_describe",
         "query_content_type_construct"],
)  # fmt: skip
def test_query_content_type(sparql, query, types):
    url = f"{sparql}?{params(default_graph_uri=[DATA + 'data0.rdf'])}"
    status, headers, _ = call(url, query.encode(), {"Content-Type": "application/sparql-query"})
    assert 200 <= status < 400 and headers["Content-Type"].split(";")[0] in types


@pytest.mark.parametrize(
    "method, path, body, ctype",
    [
        ("PUT", "?query=ASK%20%7B%7D", b"", "application/x-www-form-urlencoded"),
        ("GET", "?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", None, None),
        ("POST", "", b"ASK {}", "text/plain"),
        ("POST", "", b"query=ASK%20%7B%7D", None),
        ("POST", "", b"ASK {}", None),
        ("POST", "", "ASK {}".encode("utf-16"), "application/sparql-query; charset=UTF-16"),
        ("GET", "?query=ASK%20%7B", None, None),
    ],
    ids=["bad_query_method", "bad_multiple_queries", "bad_query_wrong_media_type",
         "bad_query_missing_form_type", "bad_query_missing_direct_type", "bad_query_non_utf8",
         "bad_query_syntax"],
)  # fmt: skip
def test_bad_query(sparql, method, path, body, ctype):
    if ctype is None and body is not None:  # no Content-Type at all: urllib would add one
        base, _ = sparql.rsplit("/", 1)
        head = f"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
        assert b" 415 " in raw_status(base, head, [body])
        return
    headers = {"Content-Type": ctype} if ctype else {}
    status, _, _ = call(sparql + path, body, headers, method=method)
    assert 400 <= status < 500


UPDATE = "PREFIX foaf: <http://xmlns.com/foaf/0.1/> CLEAR ALL ; INSERT DATA { <urn:s> a foaf:Doc }"


@pytest.mark.parametrize(
    "path, body, ctype",
    [
        ("?using-graph-uri=" + urllib.parse.quote(D1), UPDATE, "application/sparql-update"),
        ("?using-named-graph-uri=" + urllib.parse.quote(D1), UPDATE, "application/sparql-update"),
        ("", "update=CLEAR+ALL", "application/x-www-form-urlencoded"),
        ("", "CLEAR ALL", "application/sparql-update"),
        ("", "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", "application/x-www-form-urlencoded"),
        ("", "CLEAR NAMED", "application/sparql-update; charset=UTF-16"),
        ("", "update=CLEAR%20XYZ", "application/x-www-form-urlencoded"),
        ("?update=CLEAR%20ALL", None, None),
    ],
    ids=["update_dataset_default_graph(s)", "update_dataset_named_graphs/full",
         "update_post_form", "update_post_direct", "bad_multiple_updates", "bad_update_non_utf8",
         "bad_update_syntax", "bad_update_get"],
)  # fmt: skip
def test_updates_are_refused_by_design(sparql, path, body, ctype):
    data = body.encode() if body is not None else None
    status, _, answer = call(sparql + path, data, {"Content-Type": ctype} if ctype else {})
    assert 400 <= status < 500, answer
    assert ask(post_direct(sparql, f"ASK {{ <{D1}> a {FOAF_DOC} }}"))  # nothing was cleared
