"""corpus.read_sources: the formats it reads, the metadata it attaches, what it skips and why."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from conftest import SEEDS

from stancegraph.corpus import CorpusError, normalise_date, read_sources


def _html_page(paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Sarasota sheriff signs ICE agreement | Example News</title>
<meta property="og:title" content="Sarasota sheriff signs Warrant Service Officer agreement">
<meta property="article:published_time" content="2019-05-08T10:00:00Z">
<meta property="og:site_name" content="Example News">
<link rel="canonical" href="https://news.example.org/2019/05/08/sarasota-wso">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/subscribe">Subscribe now for $1</a>
</li></ul></nav></header>
<main><article><h1>Sarasota sheriff signs Warrant Service Officer agreement</h1>
{body}
</article></main>
<footer><p>Copyright 2019 Example News. All rights reserved. Cookie settings.</p></footer>
</body></html>"""


# ---------------------------------------------------------------- formats


def test_seeds_folder_reads_every_txt_exactly_as_stored():
    articles, skipped = read_sources([SEEDS])
    assert skipped == []
    assert [a.doc for a in articles] == sorted(p.name for p in SEEDS.glob("*.txt"))
    for article in articles:
        assert article.text == (SEEDS / article.doc).read_bytes().decode("utf-8")
        assert Path(article.path).parent == SEEDS


def test_txt_keeps_crlf_newlines(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"Headline\r\n\r\nThe sheriff declined.\r\n")
    [article], _ = read_sources([tmp_path / "a.txt"])
    assert article.text == "Headline\r\n\r\nThe sheriff declined.\r\n"
    assert article.text[article.text.index("The") :].startswith("The sheriff")


def test_sources_json_sidecar_in_folder_gives_metadata(tmp_path, dev_dir):
    for name in ("d01.txt", "d02.txt"):
        shutil.copy(dev_dir / "articles" / name, tmp_path / name)
    shutil.copy(dev_dir / "sources.json", tmp_path / "sources.json")
    articles, skipped = read_sources([tmp_path])
    assert skipped == []
    d01 = articles[0]
    assert d01.doc == "d01.txt"
    assert d01.title == "Orange County to support Trump’s lawsuit against California"
    assert d01.date == "2018-03-28"
    assert d01.outlet == "CalCoastNews"
    assert d01.url.startswith("https://calcoastnews.com/")


def test_sources_json_given_as_a_path(dev_dir):
    articles, skipped = read_sources([dev_dir / "articles", dev_dir / "sources.json"])
    assert skipped == []
    meta = {r["doc"]: r for r in json.loads((dev_dir / "sources.json").read_text("utf-8"))}
    assert len(articles) == len(meta)
    for article in articles:
        assert article.date == meta[article.doc]["published"]
        assert article.outlet == meta[article.doc]["outlet"]


def test_html_main_text_without_boilerplate(tmp_path, dev_dir):
    paragraphs = [p for p in (dev_dir / "articles" / "d07.txt").read_text("utf-8").split("\n\n")]
    paragraphs = [p.strip() for p in paragraphs if p.strip()][:6]
    (tmp_path / "page.html").write_text(_html_page(paragraphs), encoding="utf-8")
    [article], skipped = read_sources([tmp_path])
    assert skipped == []
    assert article.doc == "page.html"
    assert paragraphs[1] in article.text
    assert "Subscribe" not in article.text and "Copyright" not in article.text
    assert article.title == "Sarasota sheriff signs Warrant Service Officer agreement"
    assert article.date == "2019-05-08"
    assert article.url == "https://news.example.org/2019/05/08/sarasota-wso"
    assert article.outlet == "Example News"


def test_html_sidecar_metadata_wins(tmp_path, dev_dir):
    text = (dev_dir / "articles" / "d07.txt").read_text("utf-8")
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()][:4]
    (tmp_path / "page.html").write_text(_html_page(paragraphs), encoding="utf-8")
    sidecar = [{"doc": "page.html", "title": "Curated title", "published": "2019-05-09"}]
    (tmp_path / "sources.json").write_text(json.dumps(sidecar), encoding="utf-8")
    [article], _ = read_sources([tmp_path])
    assert (article.title, article.date) == ("Curated title", "2019-05-09")
    assert article.outlet == "Example News"  # what the sidecar leaves out comes from the page


def test_jsonl_one_article_per_line(tmp_path, dev_dir):
    texts = [(dev_dir / "articles" / f"d0{i}.txt").read_text("utf-8") for i in (1, 2)]
    lines = [
        json.dumps({"text": texts[0], "title": "First", "date": "2018-03-28", "url": "https://a.example/1"}),
        "",
        "{not json",
        json.dumps({"title": "no text"}),
        json.dumps({"text": texts[1], "outlet": "NBC 7 San Diego"}, ensure_ascii=False),
    ]  # fmt: skip
    (tmp_path / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    articles, skipped = read_sources([tmp_path / "batch.jsonl"])
    assert [a.doc for a in articles] == ["batch.jsonl#1", "batch.jsonl#5"]
    assert articles[0].text == texts[0] and articles[1].text == texts[1]
    assert (articles[0].title, articles[0].date, articles[0].url) == (
        "First",
        "2018-03-28",
        "https://a.example/1",
    )
    assert articles[1].outlet == "NBC 7 San Diego"
    reasons = dict(skipped)
    assert reasons[f"{tmp_path / 'batch.jsonl'}#3"].startswith("invalid JSON")
    assert "text" in reasons[f"{tmp_path / 'batch.jsonl'}#4"]


def test_jsonl_docs_sort_by_line_number(tmp_path):
    lines = [json.dumps({"text": f"Article number {i}."}) for i in range(1, 12)]
    (tmp_path / "b.jsonl").write_text("\n".join(lines), encoding="utf-8")
    articles, _ = read_sources([tmp_path])
    assert [a.doc for a in articles] == [f"b.jsonl#{i}" for i in range(1, 12)]


def test_order_does_not_depend_on_argument_order(tmp_path, dev_dir):
    a = dev_dir / "articles" / "d03.txt"
    b = dev_dir / "articles" / "d01.txt"
    first, _ = read_sources([a, b])
    second, _ = read_sources([b, a])
    assert [x.doc for x in first] == [x.doc for x in second] == ["d01.txt", "d03.txt"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2018", "2018"),
        ("2018-03", "2018-03"),
        ("2018-03-28", "2018-03-28"),
        ("2018-03-28T10:00:00Z", "2018-03-28"),
        ("2018-02-31", None),
        ("2018-13", None),
        ("March 28, 2018", None),
        (None, None),
    ],
)
def test_normalise_date(value, expected):
    assert normalise_date(value) == expected


# ---------------------------------------------------------------- errors


def test_missing_path_alone_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        read_sources([tmp_path / "nope.txt"])


def test_missing_path_beside_good_ones_is_skipped(tmp_path):
    articles, skipped = read_sources([SEEDS, tmp_path / "nope"])
    assert len(articles) == 5
    assert skipped == [(str(tmp_path / "nope"), "no such file or directory")]


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="empty folder"):
        read_sources([tmp_path])


def test_no_sources_is_an_error():
    with pytest.raises(CorpusError):
        read_sources([])


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("latin1.txt", "Le shérif a refusé.".encode("latin-1"), "not UTF-8"),
        ("blank.txt", b"  \n\n", "empty file"),
        ("blank.jsonl", b"\n", "empty file"),
        ("notes.md", b"# notes", "unsupported file type"),
    ],
)
def test_bad_file_alone_is_an_error(tmp_path, name, data, reason):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(CorpusError, match=reason):
        read_sources([tmp_path / name])


def test_mixed_folder_reads_the_good_and_lists_the_bad(tmp_path, seeds_copy):
    (seeds_copy / "bin.txt").write_bytes(b"\x00\x01\x02")
    (seeds_copy / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (seeds_copy / "broken.html").symlink_to(tmp_path / "gone.html")  # unreadable
    (seeds_copy / "image.png").write_bytes(b"\x89PNG")
    (seeds_copy / ".DS_Store").write_bytes(b"\x00")  # hidden files are not articles
    articles, skipped = read_sources([seeds_copy])
    assert [a.doc for a in articles] == sorted(p.name for p in SEEDS.glob("*.txt"))
    reasons = {Path(p).name: r for p, r in skipped}
    assert set(reasons) == {"bin.txt", "latin1.txt", "broken.html", "image.png"}
    assert reasons["bin.txt"].startswith("binary file")
    assert reasons["latin1.txt"].startswith("not UTF-8")
    assert reasons["broken.html"].startswith("unreadable")
    assert reasons["image.png"].startswith("unsupported file type")
    assert all("\n" not in r for r in reasons.values())


def test_duplicate_doc_names_keep_the_first(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "a.txt").write_text("First text.", encoding="utf-8")
    (tmp_path / "two" / "a.txt").write_text("Second text.", encoding="utf-8")
    [article], skipped = read_sources([tmp_path / "one", tmp_path / "two"])
    assert article.text == "First text."
    assert "duplicate doc" in skipped[0][1]


def test_malformed_sidecar_is_listed_and_ignored(tmp_path):
    (tmp_path / "a.txt").write_text("The sheriff declined.", encoding="utf-8")
    (tmp_path / "sources.json").write_text("{oops", encoding="utf-8")
    [article], skipped = read_sources([tmp_path])
    assert article.title is None
    assert skipped[0][0].endswith("sources.json") and "invalid JSON" in skipped[0][1]
