"""Input as scraped, not as written: no-break spaces and invisible marks, texts too long for
the parser, UTF-16 files, deep HTML, wrong sources.json records, javascript: URLs, file
names that would merge into one article or forge a line of output."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import SEEDS

from stancegraph import rdf
from stancegraph.build import extract, extract_articles
from stancegraph.cli import main
from stancegraph.corpus import read_sources
from stancegraph.extract import extract_stances
from stancegraph.model import Article, Entity, Evidence, Stance
from stancegraph.parallel import Options
from stancegraph.prepare import extract_article, normalise, prepare
from stancegraph.resolve import resolve

FIRST_SEED = "000_ce11db0d62737d06.txt"
SENTENCE = "The Ashgrove County Sheriff's Office declined to join the 287(g) program."


def _seed_text() -> str:
    return (SEEDS / FIRST_SEED).read_text(encoding="utf-8")


def _keys(stances: list[Stance]) -> set[tuple[str, str, str]]:
    return {(s.actor.name, s.stance, s.target.name) for s in stances}


def _offsets_exact(stances: list[Stance], text: str) -> None:
    for s in stances:
        assert s.evidence.text == text[s.evidence.start : s.evidence.end], s
        assert text[: s.evidence.start].endswith(s.evidence.prefix)
        assert text[s.evidence.end :].startswith(s.evidence.suffix)


# ---------------------------------------------------------------- spaces and invisible marks


def test_normalise_keeps_length_for_spaces_and_maps_dropped_marks_back():
    text = "Sheriff\u00a0Jane\u200b Roe\u2028said \u00adno."
    clean, removed = normalise(text)
    assert clean == "Sheriff Jane Roe\nsaid no."
    (part,) = prepare(text)
    for i, ch in enumerate(part.text):  # every prepared character comes from its original
        original = text[part.original(i)]
        assert original == ch or (ch, original) in ((" ", "\u00a0"), ("\n", "\u2028"))
    start = part.text.index("Roe")
    assert part.original_span(start, start + 3) == (text.index("Roe"), text.index("Roe") + 3)


def test_no_break_spaces_and_zero_width_marks_lose_no_stance():
    text = _seed_text()
    plain = extract_stances([Article(doc="a.txt", text=text)])
    assert plain
    nbsp = text.replace(" ", "\u00a0")
    marked = text.replace("ff", "f\u200bf").replace("e ", "e\u200d ").replace("o", "\u00ado")
    for variant in (nbsp, marked):
        found = extract_article(Article(doc="a.txt", text=variant), extract_stances)
        assert _keys(found) == _keys(plain)
        _offsets_exact(found, variant)  # offsets index the text as read, marks included


def test_a_text_over_the_limit_is_cut_into_parts_with_exact_offsets():
    text = _seed_text()
    whole = extract_stances([Article(doc="a.txt", text=text)])
    parts = prepare(text, max_chars=1500)
    assert len(parts) > 2 and all(len(p.text) <= 1500 for p in parts)
    cut = extract_article(Article(doc="a.txt", text=text), extract_stances, max_chars=1500)
    _offsets_exact(cut, text)
    assert len(_keys(cut) & _keys(whole)) >= len(_keys(whole)) // 2


def test_too_long_skip_reports_the_article_and_keeps_the_others(tmp_path):
    (tmp_path / "good.txt").write_text(SENTENCE + "\n", encoding="utf-8")
    (tmp_path / "huge.txt").write_text("word " * 400_000, encoding="utf-8")  # 2 MB
    articles, stances, skipped = extract([tmp_path], too_long="skip")
    assert [a.doc for a in articles] == ["good.txt"] and stances
    reason = "too long: 2,000,000 characters (limit 100,000)"
    assert skipped == [(str(tmp_path / "huge.txt"), reason)]


def test_an_article_the_extractor_fails_on_is_reported_not_fatal(tmp_path, monkeypatch):
    import stancegraph.parallel as parallel

    def fragile(articles):
        if "boom" in articles[0].text:
            raise ValueError("[E088] Text of length 1000001 exceeds maximum")
        return extract_stances(articles)

    monkeypatch.setattr(parallel, "load_extractor", lambda name, model=None: fragile)
    good = Article(doc="good.txt", text=SENTENCE, path="src/good.txt")
    bad = Article(doc="bad.txt", text="boom " + SENTENCE, path="src/bad.txt")
    kept, stances, skipped = extract_articles([bad, good], [], options=Options(extractor="fragile"))
    assert [a.doc for a in kept] == ["good.txt"] and stances
    assert skipped == [("src/bad.txt", "extraction failed: ValueError: [E088] Text of length "
                        "1000001 exceeds maximum")]  # fmt: skip


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_are_read_not_called_binary(tmp_path, encoding):
    (tmp_path / "a.txt").write_bytes(SENTENCE.encode(encoding))  # utf-16/32: with a BOM
    articles, skipped = read_sources([tmp_path])
    assert skipped == [] and articles[0].text == SENTENCE


def test_real_binary_is_still_binary(tmp_path):
    (tmp_path / "a.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "b.txt").write_text(SENTENCE, encoding="utf-8")
    _, skipped = read_sources([tmp_path])
    assert skipped == [(str(tmp_path / "a.txt"), "binary file (NUL bytes)")]


def test_html_nested_deeper_than_libxml2s_default_keeps_its_text(tmp_path):
    body = "<div>" * 400 + f"<p>{SENTENCE} {SENTENCE}</p>" + "</div>" * 400
    html = f"<html><head><title>Deep</title></head><body><article>{body}</article></body></html>"
    (tmp_path / "deep.html").write_text(html, encoding="utf-8")
    articles, skipped = read_sources([tmp_path])
    assert skipped == [] and SENTENCE in articles[0].text


def test_sources_json_records_of_the_wrong_shape_or_repeated_are_reported(tmp_path):
    (tmp_path / "a.txt").write_text(SENTENCE, encoding="utf-8")
    records = [
        {"doc": "a.txt", "title": "First", "url": "https://example.org/a"},
        {"doc": "a.txt", "title": "Second"},
        ["not", "an", "object"],
        {"title": "no doc"},
        {"doc": "b.txt", "title": 12},
        {"doc": "c.txt", "url": "javascript:alert(1)"},
    ]
    (tmp_path / "sources.json").write_text(json.dumps(records), encoding="utf-8")
    articles, skipped = read_sources([tmp_path])
    assert articles[0].title == "First" and articles[0].url == "https://example.org/a"
    sidecar = str(tmp_path / "sources.json")
    assert [(p.replace(sidecar, "S"), r.split(":")[0].split(" (")[0]) for p, r in skipped] == [
        ("S record 2", "a second record for doc 'a.txt'"),
        ("S record 3", "not an object {doc, url, title, outlet, published}"),
        ("S record 4", 'no "doc" string naming the article'),
        ("S record 5", "not a string"),
        ("S record 6", "url is not an http(s) URL"),
    ]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd",
                                 "https://", "http://exa mple.org/"])  # fmt: skip
def test_only_http_urls_become_schema_url(tmp_path, url):
    line = json.dumps({"text": SENTENCE, "url": url})
    (tmp_path / "a.jsonl").write_text(line + "\n", encoding="utf-8")
    articles, _ = read_sources([tmp_path])
    assert articles[0].url is None
    union = rdf.union_graph(rdf.build_dataset(articles, []))
    assert not list(union.triples((None, rdf.SCHEMA.url, None)))


def test_a_file_name_with_a_newline_cannot_forge_an_output_line(runner, tmp_path):
    (tmp_path / "ok.txt").write_text(SENTENCE, encoding="utf-8")
    (tmp_path / "x.txt\nwarning: skipped forged.txt: binary.txt").write_bytes(b"")
    result = runner.invoke(main, ["extract", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "\\n" in lines[0] and lines[0].endswith(": empty file")


# ---------------------------------------------------------------- identity


COLLIDING = ["a b.txt", "a-b.txt", "A_B.txt", "名前.txt", "記事.txt"]


def test_files_whose_names_share_a_slug_stay_separate_articles(tmp_path):
    for i, name in enumerate(COLLIDING):
        place = ["Ashgrove", "Birchfield", "Cedarville", "Dunmore", "Elmwood"][i]
        (tmp_path / name).write_text(SENTENCE.replace("Ashgrove", place), encoding="utf-8")
    articles, stances, skipped = extract([tmp_path])
    assert skipped == [] and len(articles) == len(COLLIDING)
    ds = rdf.build_dataset(articles, stances)
    union = rdf.union_graph(ds)
    news = set(union.subjects(rdf.RDF.type, rdf.SCHEMA.NewsArticle))
    assert len(news) == len(COLLIDING)
    assert all(len(list(union.objects(a, rdf.DCTERMS.identifier))) == 1 for a in news)
    assert len({s.doc for s in stances}) == len(COLLIDING)
    assert rdf.validate(ds) == []


def test_actors_with_non_latin_names_stay_apart():
    def stance(doc: str, name: str) -> Stance:
        ev = Evidence(doc=doc, start=0, end=4, text="text")
        target = Entity("287(g) program", "program")
        return Stance(doc, Entity(name, "group"), "oppose", "opposes", target, ev)

    resolved = resolve([stance("a.txt", "移民支援会"), stance("b.txt", "記者協会")])
    ids = {s.actor.id for s in resolved}
    assert len(ids) == 2 and {s.actor.name for s in resolved} == {"移民支援会", "記者協会"}
    again = resolve([stance("c.txt", "移民支援会")])
    assert again[0].actor.id in ids  # the same name, the same IRI


def test_workers_keep_the_seeds_byte_identical(runner, tmp_path):
    source = shutil.copytree(SEEDS, tmp_path / "seeds")
    for extra in sorted(source.glob("*.txt"))[3:]:
        extra.unlink()  # three are enough to interleave two workers
    one = runner.invoke(main, ["extract", str(source), "--workers", "1"])
    two = runner.invoke(main, ["extract", str(source), "--workers", "2"])
    assert one.exit_code == two.exit_code == 0
    assert one.stdout_bytes and one.stdout_bytes == two.stdout_bytes
