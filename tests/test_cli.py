"""The command line: build, extract, export and validate, their output and exit codes
(0 ok, 1 a failure in the work, 2 bad usage or unreadable input), one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import SEEDS
from rdflib import Dataset, Graph

from stancegraph import __version__, rdf
from stancegraph.build import TRIG_FILE, TURTLE_FILE
from stancegraph.cli import main
from stancegraph.rdf import RDF, SG

# rdflib's own parsers call its deprecated Dataset API when these tests read the output back
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")

FIRST_SEED = "000_ce11db0d62737d06.txt"


def _one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_version_and_help(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "extract", "export", "validate"):
        assert command in result.output


# ---------------------------------------------------------------- build


def test_build_with_no_arguments_reads_seeds_into_graph(runner, tmp_path, monkeypatch):
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEEDS / FIRST_SEED, tmp_path / "seeds")  # one article: the command, not the NLP
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output + result.stderr
    assert (tmp_path / "graph" / TURTLE_FILE).is_file()
    assert (tmp_path / "graph" / TRIG_FILE).is_file()
    assert "read 1 article\n" in result.stdout
    assert "stances" in result.stdout and "triples" in result.stdout
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output + result.stderr
    assert "valid" in result.stdout


def test_build_mixed_folder_lists_the_bad(runner, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(SEEDS / FIRST_SEED, source)
    (source / "bin.txt").write_bytes(b"\x00\x01")
    result = runner.invoke(main, ["build", str(source), "--out", str(tmp_path / "g")])
    assert result.exit_code == 0
    assert "read 1 article (1 skipped)" in result.stdout
    assert "warning: skipped " in result.stderr and "bin.txt: binary file" in result.stderr
    assert "bin.txt" not in result.stdout  # skips go to stderr, as `extract` writes them


def test_build_warns_of_conflicting_facts_and_leaves_them_out(runner, tmp_path):
    """Hennepin County is Minnesota's; an article that writes "Hennepin County, Calif."
    contradicts that: the state is left out and the build says so in one line."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.txt").write_text(
        "Hennepin County, Calif., declined to join the 287(g) program on Monday.\n"
    )
    (source / "b.txt").write_text(
        "Hennepin County declined to join the 287(g) program on Tuesday.\n"
    )
    out = tmp_path / "g"
    result = runner.invoke(main, ["build", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    [warning] = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert "hennepin-county: state California | Minnesota" in warning
    states = runner.invoke(
        main, ["query", "SELECT ?s { ?e sg:inState ?s }", "--graph", str(out), "--format", "csv"]
    )
    assert states.stdout.split() == ["s"]  # neither state is written


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda d: None, "no such file"),
        (lambda d: d.mkdir(), "empty folder"),
        (lambda d: (d.mkdir(), (d / "x.txt").write_bytes(b"\x00\x01")), "binary"),
        (lambda d: (d.mkdir(), (d / "x.txt").write_bytes(b"caf\xe9")), "not UTF-8"),
    ],
    ids=["missing", "empty", "binary", "non-utf8"],
)
def test_build_with_nothing_readable_exits_2(runner, tmp_path, setup, message):
    source = tmp_path / "src"
    setup(source)
    result = runner.invoke(main, ["build", str(source), "--out", str(tmp_path / "g")])
    assert result.exit_code == 2
    assert message in _one_line_error(result)
    assert not (tmp_path / "g").exists()


def test_build_out_is_a_file_exits_2(runner, tmp_path):
    (tmp_path / "g").write_text("not a folder", encoding="utf-8")
    result = runner.invoke(main, ["build", str(SEEDS), "--out", str(tmp_path / "g")])
    assert result.exit_code == 2
    assert "is a file" in _one_line_error(result)


# ---------------------------------------------------------------- extract


def test_extract_jsonl_records(runner, seeds_build):
    result = runner.invoke(main, ["extract", str(SEEDS)])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    fields = ("doc", "actor_id", "stance", "relation", "target_id", "start", "end")
    distinct = {tuple(r[f] for f in fields) for r in records}  # the graph's stance identity
    assert len(distinct) == seeds_build[0].stances
    keys = {"doc", "actor", "actor_type", "actor_id", "stance", "relation", "target"}
    keys |= {"target_type", "target_id", "on_behalf_of", "evidence", "start", "end"}
    keys |= {"date", "confidence"}
    texts = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    for record in records:
        assert set(record) == keys
        assert texts[record["doc"]][record["start"] : record["end"]] == record["evidence"]
    assert "\\u2019" not in result.stdout  # ensure_ascii off: curly quotes stay as they are


@pytest.mark.parametrize("fmt", ["turtle", "trig", "nt", "jsonld"])
def test_extract_rdf_formats_parse(runner, fmt, dev_dir):
    source = dev_dir / "articles" / "d01.txt"
    result = runner.invoke(main, ["extract", str(source), "--format", fmt])
    assert result.exit_code == 0, result.stderr
    ds = Dataset()
    ds.parse(data=result.stdout_bytes, format={"jsonld": "json-ld"}.get(fmt, fmt))
    assert len(rdf.union_graph(ds)) > 0


def test_extract_warns_about_skipped_files_on_stderr(runner, tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"\x00")
    good = SEEDS / FIRST_SEED
    result = runner.invoke(main, ["extract", str(good), str(tmp_path / "bin.txt")])
    assert result.exit_code == 0
    assert "skipped" in result.stderr and "bin.txt" in result.stderr
    assert "skipped" not in result.stdout


def test_extract_usage_errors_exit_2(runner, tmp_path):
    assert runner.invoke(main, ["extract"]).exit_code == 2
    assert runner.invoke(main, ["extract", str(SEEDS), "--format", "xml"]).exit_code == 2
    result = runner.invoke(main, ["extract", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "no such file" in _one_line_error(result)


# ---------------------------------------------------------------- export


@pytest.mark.parametrize("fmt", ["turtle", "nt", "trig", "jsonld"])
def test_export_formats(runner, seeds_build, fmt, tmp_path):
    _, out = seeds_build
    result = runner.invoke(main, ["export", "--graph", str(out / TRIG_FILE), "--format", fmt])
    assert result.exit_code == 0, result.stderr
    ds = Dataset()
    ds.parse(data=result.stdout_bytes, format={"jsonld": "json-ld"}.get(fmt, fmt))
    expected = Graph().parse(out / TURTLE_FILE)
    assert set(rdf.union_graph(ds)) == set(expected)
    target = tmp_path / f"out.{fmt}"
    to_file = runner.invoke(
        main, ["export", "--graph", str(out / TRIG_FILE), "--format", fmt, "-o", str(target)]
    )
    assert to_file.exit_code == 0 and to_file.stdout == ""
    assert target.read_bytes() == result.stdout_bytes


def test_export_of_the_trig_file_reproduces_it(runner, seeds_build):
    _, out = seeds_build
    result = runner.invoke(main, ["export", "--graph", str(out / TRIG_FILE), "--format", "trig"])
    assert result.stdout_bytes == (out / TRIG_FILE).read_bytes()
    result = runner.invoke(main, ["export", "--graph", str(out / TRIG_FILE), "--format", "turtle"])
    assert result.stdout_bytes == (out / TURTLE_FILE).read_bytes()


def test_export_from_the_store(runner, seeds_build):
    _, out = seeds_build
    result = runner.invoke(main, ["export", "--graph", str(out), "--format", "nt"])
    assert result.exit_code == 0
    stances = set(Graph().parse(data=result.stdout, format="nt").subjects(RDF.type, SG.Stance))
    assert len(stances) == seeds_build[0].stances


def test_export_errors(runner, tmp_path):
    result = runner.invoke(main, ["export", "--graph", str(tmp_path / "nope"), "--format", "nt"])
    assert result.exit_code == 2
    assert "no graph" in _one_line_error(result) or "neither" in result.stderr
    assert runner.invoke(main, ["export", "--format", "rdfxml"]).exit_code == 2
    assert runner.invoke(main, ["export"]).exit_code == 2  # --format is required


# ---------------------------------------------------------------- validate


def test_validate_the_seeds_graph(runner, seeds_build):
    _, out = seeds_build
    for graph in (out, out / TRIG_FILE):
        result = runner.invoke(main, ["validate", "--graph", str(graph)])
        assert result.exit_code == 0, result.stdout + result.stderr
        assert "valid" in result.stdout


def test_validate_reports_violations_and_exits_1(runner, seeds_build, tmp_path):
    _, out = seeds_build
    g = Graph().parse(out / TURTLE_FILE)
    for stance in sorted(g.subjects(RDF.type, SG.Stance))[:3]:
        g.remove((stance, SG.actor, None))
    broken = tmp_path / "broken.ttl"
    g.serialize(broken, format="turtle")
    result = runner.invoke(main, ["validate", "--graph", str(broken)])
    assert result.exit_code == 1
    assert "SHACL violations" in _one_line_error(result)
    assert "exactly one actor" in result.stdout


def test_validate_reports_an_ill_typed_literal_in_one_line_without_a_traceback(
    runner, seeds_build, tmp_path
):
    _, out = seeds_build
    text = (out / TURTLE_FILE).read_text(encoding="utf-8")
    bad = tmp_path / "bad.ttl"
    bad.write_text(text.replace("sg:confidence 0.", 'sg:confidence "high"^^xsd:decimal ; sg:x 0.'))
    result = runner.invoke(main, ["validate", "--graph", str(bad)])
    assert result.exit_code == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "an xsd:decimal from 0 to 1 (value high)" in result.stdout


def test_validate_unreadable_graph_exits_2(runner, tmp_path):
    bad = tmp_path / "bad.trig"
    bad.write_text("<<< not trig", encoding="utf-8")
    result = runner.invoke(main, ["validate", "--graph", str(bad)])
    assert result.exit_code == 2
    assert "not valid trig" in _one_line_error(result)


# ---------------------------------------------------------------- the installed command


def test_console_script_errors_are_one_line(tmp_path):
    """The real entry point, in a fresh process: no traceback, exit 2, one line."""
    command = [sys.executable, "-c", "from stancegraph.cli import main; main()"]
    result = subprocess.run(
        [*command, "build", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert _one_line_error(result).startswith("error: ")
