"""`stancegraph query` and `stancegraph queries`, and the bundled research questions,
on the graph built from seeds/."""

from __future__ import annotations

import json
import time

import pytest
import rdflib

from stancegraph import store
from stancegraph.cli import main

BUNDLED = store.bundled_queries()


@pytest.fixture(scope="module")
def seeds_store(seeds_build):
    return store.open_store(seeds_build[1])


def test_at_least_twelve_research_questions_each_saying_what_it_asks():
    assert len(BUNDLED) >= 12
    for q in BUNDLED:
        assert q.description, f"{q.name}.rq has no comment saying what it asks"
        assert q.scope in ("one", "graph"), q.name


# questions the five seed articles hold no case of: tests/test_graph_dev.py checks their rows
# on the dev set, test_changed_position_* below on made-up stances
NO_CASE_IN_THE_SEEDS = {"changed-position", "divided-counties", "sheriff-vs-state"}


# registry-*.rq need ICE's 287(g) registry imported (tests/test_registry.py runs them on one)
@pytest.mark.parametrize("name", [q.name for q in BUNDLED if not q.name.startswith("registry-")])
def test_every_bundled_query_returns_rows_on_the_seeds(seeds_store, name):
    rows = store.select(seeds_store, store.find_query(name))
    assert rows or name in NO_CASE_IN_THE_SEEDS, f"{name} returned no rows on the seeds"


def test_the_one_actor_queries_find_the_seeds_sheriff(seeds_store):
    rows = store.select(seeds_store, store.find_query("stance-evidence"))
    assert any("Warrant Service Officer" in (r["exact"] or "") for r in rows)
    for r in rows:
        assert r["exact"] and int(r["end"]) - int(r["start"]) == len(r["exact"])


def test_contested_targets_count_both_sides(seeds_store):
    rows = store.select(seeds_store, store.find_query("contested-targets"))
    wso = next(r for r in rows if r["target"] == "Warrant Service Officer program")
    assert int(wso["against"]) > 0 and int(wso["for"]) > 0
    assert int(wso["contested"]) == min(int(wso["against"]), int(wso["for"]))
    assert rows[0]["target"] == wso["target"]  # the most contested comes first


def test_labels_are_not_repeated_per_article(seeds_store):
    """Entities are described in every article graph that mentions them; the queries must
    not return one row per copy."""
    for name in ("declined-or-withdrew", "officials-and-bodies", "most-active-actors"):
        rows = store.select(seeds_store, store.find_query(name))
        keys = [tuple(r.values()) for r in rows]
        if name != "declined-or-withdrew":
            assert len(keys) == len(set(keys)), name
        else:  # one row per stance
            assert len({r["stance"] for r in rows}) == len(rows)


def test_queries_lists_names_first_without_a_header(runner):
    result = runner.invoke(main, ["queries"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == [q.name for q in BUNDLED]
    assert all(len(line.split(None, 1)) == 2 for line in lines)


def test_query_table_is_aligned(runner, seeds_build):
    graph = str(seeds_build[1])
    result = runner.invoke(main, ["query", "--file", "most-active-actors", "--graph", graph])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header, rule, body = lines[0], lines[1], lines[2:-1]
    assert header.split() == ["actor", "stances", "oppose", "support", "articles"]
    assert set(rule) <= {"-", " "}
    # every column starts where its header does
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    for line in body:
        for s in starts[1:]:
            assert line[s - 1] == " " and line[s] != " "
    assert lines[-1] == f"({len(body)} rows)" or lines[-1] == "(1 row)"


def test_query_json_is_sparql_results_json(runner, seeds_build):
    q = (
        "SELECT ?s ?exact WHERE { ?s a sg:Stance ;"
        " sg:evidence/oa:hasTarget/oa:hasSelector/oa:exact ?exact }"
    )
    result = runner.invoke(main, ["query", q, "--graph", str(seeds_build[1]), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["head"]["vars"] == ["s", "exact"]
    first = data["results"]["bindings"][0]
    assert first["s"]["type"] == "uri" and first["exact"]["type"] == "literal"


@pytest.mark.parametrize("fmt, sep", [("csv", ","), ("tsv", "\t")])
def test_query_csv_and_tsv(runner, seeds_build, fmt, sep):
    args = ["query", "--file", "articles", "--graph", str(seeds_build[1]), "--format", fmt]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0].split(sep)
    assert [h.lstrip("?") for h in header][:2] == ["article", "title"]


def test_construct_prints_turtle_and_ask_prints_true(runner, seeds_build):
    graph = str(seeds_build[1])
    q = (
        "CONSTRUCT { ?a sg:opposes ?t }"
        " WHERE { ?s sg:actor ?a ; sg:target ?t ; sg:polarity sg:Oppose }"
    )
    result = runner.invoke(main, ["query", q, "--graph", graph])
    assert result.exit_code == 0, result.output
    g = rdflib.Graph().parse(data=result.output, format="turtle")
    assert len(g) > 0
    result = runner.invoke(main, ["query", "ASK { ?s a sg:Stance }", "--graph", graph])
    assert (result.exit_code, result.output) == (0, "true\n")


def test_query_from_a_file_path(runner, seeds_build, tmp_path):
    f = tmp_path / "mine.rq"
    f.write_text("# mine\nSELECT (COUNT(*) AS ?n) WHERE { ?s a sg:Stance }\n")
    result = runner.invoke(
        main, ["query", "--file", str(f), "--graph", str(seeds_build[1]), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert int(result.output.splitlines()[1]) > 0


def test_malformed_query_is_one_line_with_its_position(runner, seeds_build):
    result = runner.invoke(
        main, ["query", "SELECT ?x WHERE { ?x ?p }", "--graph", str(seeds_build[1])]
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "error: malformed query: line 1, column" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["query"], "either a QUERY or --file"),
        (["query", "ASK {}", "--file", "articles"], "either a QUERY or --file"),
        (["query", "--file", "no-such-query"], "no query file or bundled query"),
        (["query", "ASK {}", "--graph", "/no/such/graph"], "no graph at"),
    ],
)
def test_bad_usage_exits_2_with_one_line(runner, args, message):
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output and result.output.count("\n") == 1


# ---------------------------------------------------------------- changed-position


def _changes(stances) -> list[dict]:
    from conftest import made_up_corpus

    from stancegraph import rdf

    articles, _ = made_up_corpus()
    st = store.memory_store(rdf.serialize(rdf.build_dataset(articles, stances), "trig"))
    return store.select(st, store.find_query("changed-position"))


def _stance(polarity: str, target, date: str | None, start: int = 0):
    from conftest import MADE_UP_TEXT

    from stancegraph.model import Entity, Evidence, Stance

    office = Entity("Springfield County Sheriff's Office", "agency")
    relation = "opposes" if polarity == "oppose" else "supports"
    ev = Evidence("t01.txt", start, start + 10, MADE_UP_TEXT[start : start + 10])
    return Stance("t01.txt", office, polarity, relation, target, ev, date=date)


def test_changed_position_is_a_surely_later_stance_of_the_other_side():
    from stancegraph.model import Entity

    wso = Entity("Warrant Service Officer program", "program", broader="287(g) program")
    p287 = Entity("287(g) program", "program")
    other = Entity("ICE detainer requests", "practice")
    # support of 287(g) in 2018, then opposition to a form of it in May 2019: a change
    rows = _changes([_stance("support", p287, "2018"), _stance("oppose", wso, "2019-05", 20)])
    assert [(r["before"], r["beforeTarget"], r["beforeDate"], r["after"], r["afterDate"])
            for r in rows] == [("for", "287(g) program", "2018", "against", "2019-05")]  # fmt: skip
    assert rows[0]["beforeQuote"] and rows[0]["afterQuote"]
    # both sides on one day, or a month inside the year of the other: no change
    assert (
        _changes(
            [_stance("support", p287, "2019-05-07"), _stance("oppose", p287, "2019-05-07", 20)]
        )
        == []
    )
    assert _changes([_stance("support", p287, "2019"), _stance("oppose", wso, "2019-05", 20)]) == []
    # another target outside the hierarchy: no change
    assert _changes([_stance("support", other, "2018"), _stance("oppose", wso, "2019", 20)]) == []


def test_changed_position_gives_one_row_per_change_not_per_pair_of_stances():
    from conftest import MADE_UP_TEXT

    from stancegraph.model import Entity

    p287 = Entity("287(g) program", "program")
    # for in 2016 and 2017, against in 2019 and 2020, for again in 2022: four pairs of
    # stances on opposite sides, surely in order, but two changes
    rows = _changes(
        [
            _stance("support", p287, "2017", 10),
            _stance("oppose", p287, "2020", 30),
            _stance("support", p287, "2016", 0),
            _stance("oppose", p287, "2019-05", 20),
            _stance("support", p287, "2022", 40),
        ]
    )
    got = [(r["before"], r["beforeDate"], r["after"], r["afterDate"]) for r in rows]
    # each change runs from the first stance of a side to the first of the other after it
    assert got == [("for", "2016", "against", "2019-05"), ("against", "2019-05", "for", "2022")]
    assert [r["beforeQuote"] for r in rows] == [MADE_UP_TEXT[0:10], MADE_UP_TEXT[20:30]]
    assert [r["afterQuote"] for r in rows] == [MADE_UP_TEXT[20:30], MADE_UP_TEXT[40:50]]


@pytest.fixture
def listener():
    from test_server import Listener

    lst = Listener()
    yield lst
    lst.close()


def test_query_refuses_service_unless_allowed(runner, seeds_build, listener):
    graph = str(seeds_build[1])
    q = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    result = runner.invoke(main, ["query", q, "--graph", graph])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "SERVICE is not allowed" in result.output
    hidden = "SELECT * WHERE { # \\u000D\n" + q[len("SELECT * WHERE { ") :]
    result = runner.invoke(main, ["query", hidden, "--graph", graph])
    assert result.exit_code == 1 and "SERVICE is not allowed" in result.output
    time.sleep(0.3)
    assert listener.connections == 0
    # the control: allowed, the query does reach the listener (which hangs up)
    result = runner.invoke(main, ["query", q, "--graph", graph, "--allow-service"])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    deadline = time.monotonic() + 5
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections >= 1


@pytest.mark.parametrize(
    "query, message",
    [
        ("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }", "timed out"),
        ("SELECT * {" + " UNION ".join(["{ ?s ?p ?o }"] * 10_000) + "}", "timed out"),
        ("SELECT * " + "{" * 5000 + "}" * 5000, "too deeply nested"),
    ],
    ids=["slow", "10,000 UNION", "deep"],
)
def test_a_pathological_query_ends_with_one_line(runner, seeds_build, query, message):
    started = time.monotonic()
    args = ["query", query, "--graph", str(seeds_build[1]), "--timeout", "1"]
    result = runner.invoke(main, args)
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert message in result.output
    assert time.monotonic() - started < 20
