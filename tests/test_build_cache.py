"""Incremental builds: the extraction cache beside the generations (one changed article is
extracted again, the others reused, and the files byte for byte those of a build without the
cache), corrupt, foreign and forged entries ignored, a new extractor or model invalidating
every entry, `build --remove`, and the note when unchanged articles' entities move."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import SEEDS

from stancegraph.build import CACHE_DIR, RECORD_FILE, iri_changes
from stancegraph.cache import ExtractionCache, stance_from_json, stance_to_json
from stancegraph.cli import main
from stancegraph.corpus import read_sources
from stancegraph.extract.learned import shipped_model_path
from stancegraph.parallel import Options, extractor_version

RULES = ["--extractor", "rules", "--workers", "0"]
FILES = ("stancegraph.ttl", "stancegraph.trig", "index.html", f"current/{RECORD_FILE}")
NEW_SENTENCE = "\nThe Orange County Board of Supervisors voted to end the 287(g) program.\n"


def _build(runner, *args: str) -> tuple[int, int, str]:
    """(articles from the cache, articles extracted, stdout) of one `stancegraph build`."""
    result = runner.invoke(main, ["build", *args])
    assert result.exit_code == 0, result.output
    m = re.search(r"^(\d+) from the cache, (\d+) extracted$", result.stdout, re.MULTILINE)
    assert m, result.stdout
    return int(m[1]), int(m[2]), result.stdout


def _same_files(a: Path, b: Path) -> None:
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


def test_one_changed_article_is_extracted_again_and_the_rest_reused(runner, corpus, tmp_path):
    out = tmp_path / "graph"
    assert _build(runner, str(corpus), "--out", str(out), *RULES)[:2] == (0, 5)
    assert _build(runner, str(corpus), "--out", str(out), *RULES)[:2] == (5, 0)
    changed = sorted(corpus.glob("*.txt"))[2]
    changed.write_text(changed.read_text(encoding="utf-8") + NEW_SENTENCE, encoding="utf-8")
    assert _build(runner, str(corpus), "--out", str(out), *RULES)[:2] == (4, 1)

    fresh = tmp_path / "fresh"
    assert _build(runner, str(corpus), "--out", str(fresh), "--no-cache", *RULES)[:2] == (0, 5)
    assert not (fresh / CACHE_DIR).exists()
    _same_files(out, fresh)
    assert "Orange County Board of Supervisors" in (out / "stancegraph.ttl").read_text()


def test_corrupt_foreign_and_forged_entries_are_ignored(runner, corpus, tmp_path):
    out, fresh = tmp_path / "graph", tmp_path / "fresh"
    _build(runner, str(corpus), "--out", str(out), *RULES)
    _build(runner, str(corpus), "--out", str(fresh), "--no-cache", *RULES)
    entries = sorted((out / CACHE_DIR).glob("*.json"))
    assert len(entries) == 5
    first = json.loads(entries[0].read_text(encoding="utf-8"))
    assert first["stances"], "the entry that gets forged holds stances"
    entries[1].write_bytes(b'{"format": 1, "doc": tr')  # cut short by a crash
    entries[2].write_bytes(b"\xff\xfe not JSON at all")
    entries[3].write_bytes(entries[0].read_bytes())  # another article's entry
    forged = dict(first)  # the right key, but a quote the article does not hold at its offsets
    forged["stances"] = [dict(first["stances"][0], evidence=dict(
        first["stances"][0]["evidence"], text="The sheriff endorsed the forged program."
    ))]  # fmt: skip
    entries[0].write_text(json.dumps(forged), encoding="utf-8")
    entries[4].write_text(json.dumps({"format": 1}), encoding="utf-8")
    assert _build(runner, str(corpus), "--out", str(out), *RULES)[:2] == (0, 5)
    _same_files(out, fresh)
    assert "forged" not in (out / "stancegraph.ttl").read_text()
    assert _build(runner, str(corpus), "--out", str(out), *RULES)[:2] == (5, 0)  # rewritten


def test_a_deleted_cache_costs_only_time(runner, corpus, tmp_path):
    out = tmp_path / "graph"
    _build(runner, str(corpus), "--out", str(out), *RULES)
    before = (out / "stancegraph.trig").read_bytes()
    shutil.rmtree(out / CACHE_DIR)
    assert _build(runner, str(corpus), "--out", str(out), *RULES)[:2] == (0, 5)
    assert (out / "stancegraph.trig").read_bytes() == before


def test_another_extractor_or_model_invalidates_the_cache(runner, corpus, tmp_path):
    out = tmp_path / "graph"
    model = tmp_path / "model.json.gz"
    shutil.copy(shipped_model_path(), model)
    learned = ["--extractor", "learned", "--model", str(model), "--workers", "0"]
    _build(runner, str(corpus), "--out", str(out), *RULES)
    assert _build(runner, str(corpus), "--out", str(out), *learned)[:2] == (0, 5)
    assert _build(runner, str(corpus), "--out", str(out), *learned)[:2] == (5, 0)
    # the same model written again with other bytes (another gzip level): a new version
    model.write_bytes(gzip.compress(gzip.decompress(model.read_bytes()), compresslevel=1))
    assert _build(runner, str(corpus), "--out", str(out), *learned)[:2] == (0, 5)


def test_the_extractor_version_follows_name_model_and_limits(tmp_path):
    model = tmp_path / "m.json.gz"
    model.write_bytes(shipped_model_path().read_bytes())
    shipped = extractor_version(Options())
    assert extractor_version(Options()) == shipped
    assert extractor_version(Options(model=str(model))) == shipped  # the same bytes
    model.write_bytes(model.read_bytes() + b"\0")
    assert extractor_version(Options(model=str(model))) != shipped
    assert extractor_version(Options(extractor="rules")) != shipped
    assert extractor_version(Options(max_chars=5000)) != shipped
    assert extractor_version(Options(workers=2)) == shipped  # where it runs changes nothing


def test_stances_read_back_from_the_cache_equal_those_extracted(tmp_path, made_up):
    articles, stances = made_up
    assert [stance_from_json(json.loads(json.dumps(stance_to_json(s)))) for s in stances] == stances
    cache = ExtractionCache(tmp_path / "cache", version="v1")
    cache.put(articles[0], stances)
    assert cache.get(articles[0]) == stances and cache.hits == 1
    assert ExtractionCache(tmp_path / "cache", version="v2").get(articles[0]) is None
    assert cache.keep_only([]) == 1 and cache.get(articles[0]) is None


def test_remove_drops_an_article_from_the_next_generation(runner, corpus, tmp_path):
    out = tmp_path / "graph"
    names = sorted(p.name for p in corpus.glob("*.txt"))
    _build(runner, str(corpus), "--out", str(out), *RULES)
    # no SOURCES: the current graph's own sources, one article fewer, nothing extracted
    cached, extracted, stdout = _build(runner, "--remove", names[1], "--out", str(out), *RULES)
    assert (cached, extracted) == (4, 0) and "read 4 articles, 1 removed" in stdout
    trig = (out / "stancegraph.trig").read_text(encoding="utf-8")
    assert f'dcterms:identifier "{names[1]}"' not in trig
    assert f'dcterms:identifier "{names[0]}"' in trig
    # the next removal keeps the first one out; a path names an article too
    _build(runner, "--remove", str(corpus / names[2]), "--out", str(out), *RULES)
    record = json.loads((out / "current" / RECORD_FILE).read_text(encoding="utf-8"))
    assert record["removed"] == [names[1], names[2]]
    assert sorted(record["articles"]) == [names[0], *names[3:]]
    assert len(list((out / CACHE_DIR).glob("*.json"))) == 3  # the removed ones' entries went
    # the same as building the three articles that are left from scratch
    rest = tmp_path / "rest"
    rest.mkdir()
    for name in [names[0], *names[3:]]:
        shutil.copy(corpus / name, rest)
    shutil.copy(corpus / "sources.json", rest)
    fresh = tmp_path / "fresh"
    _build(runner, str(rest), "--out", str(fresh), "--no-cache", *RULES)
    for name in ("stancegraph.ttl", "stancegraph.trig"):
        assert (out / name).read_bytes() == (fresh / name).read_bytes()


def test_remove_of_an_unknown_article_is_bad_input_and_writes_nothing(runner, corpus, tmp_path):
    out = tmp_path / "graph"
    result = runner.invoke(main, ["build", str(corpus), "--out", str(out), "--remove", "no.txt"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --remove no.txt: no such article in the sources")
    assert len(result.stderr.splitlines()) == 1 and not out.exists()
    result = runner.invoke(main, ["build", "--remove", "x.txt", "--out", str(tmp_path / "new")])
    assert result.exit_code == 2 and "holds no graph" in result.stderr


def test_moved_entity_iris_of_unchanged_articles_are_reported():
    def record(sha: str, *iris: str) -> dict:
        return {"articles": {"a.txt": {"sha256": sha, "entities": list(iris)}}}

    assert iri_changes(None, record("1", "id:x")) == []
    assert iri_changes(record("1", "id:x", "id:y"), record("1", "id:x", "id:y")) == []
    assert iri_changes(record("1", "id:x"), record("1", "id:x-county")) == [
        "a.txt: id:x -> id:x-county"
    ]
    assert iri_changes(record("1", "id:x"), record("2", "id:z")) == []  # the article changed


def test_read_sources_order_is_what_the_cache_sees():
    articles, _ = read_sources([SEEDS])
    cache = ExtractionCache(Path("/nonexistent"), version="v")
    assert len({cache.path(a.doc) for a in articles}) == len(articles)
    assert len({cache.key(a) for a in articles}) == len(articles)


def test_a_new_article_that_moves_an_unchanged_ones_entity_is_noted(runner, tmp_path):
    corpus, out = tmp_path / "corpus", tmp_path / "graph"
    corpus.mkdir()
    (corpus / "one.txt").write_text(
        "Orange County Sheriff Jane Roe said Tuesday that her office will not join the "
        "287(g) program.\n",
        encoding="utf-8",
    )
    stdout = _build(runner, str(corpus), "--out", str(out), *RULES)[2]
    assert "note:" not in stdout
    # a second Orange County, with its state: resolution now places the first one too
    (corpus / "two.txt").write_text(
        "Orange County, Fla., Sheriff John Poe said Tuesday that his office will join the "
        "287(g) program.\n",
        encoding="utf-8",
    )
    stdout = _build(runner, str(corpus), "--out", str(out), *RULES)[2]
    [note] = [line for line in stdout.splitlines() if line.startswith("note:")]
    assert note == (
        "note: entities of 1 unchanged article have other IRIs now: one.txt: "
        "https://w3id.org/stancegraph/id/orange-county -> "
        "https://w3id.org/stancegraph/id/orange-county-florida"
    )


def test_cache_files_have_the_mode_the_umask_gives_like_the_graph(runner, corpus, tmp_path):
    """A temporary file is made private (0600); renamed into the cache as it was, it would
    keep a teammate who shares the graph folder from reusing the cache."""
    import os

    mask = os.umask(0)
    os.umask(mask)
    if mask & 0o044:
        pytest.skip("this umask makes every file private anyway")
    out = tmp_path / "graph"
    _build(runner, str(corpus), "--out", str(out), *RULES)
    cached = [p for p in (out / CACHE_DIR).rglob("*") if p.is_file()]
    assert len(cached) > 5  # the extraction cache and the graphs' chunks
    expected = 0o666 & ~mask
    assert {p.relative_to(out).as_posix(): p.stat().st_mode & 0o777 for p in cached} == {
        p.relative_to(out).as_posix(): expected for p in cached
    }
    assert (out / "stancegraph.ttl").stat().st_mode & 0o777 == expected


def test_the_build_process_does_not_load_spacy_for_what_the_cache_holds():
    """A rebuild from the cache parses nothing in the build process itself (workers parse):
    importing spaCy there cost about half a second of a one-article rebuild, which must stay
    a small share of the full build. Importing the build, resolution and the CLI loads no
    spaCy."""
    import subprocess
    import sys

    probe = (
        "import sys, stancegraph.build, stancegraph.resolve, stancegraph.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'thinc')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
