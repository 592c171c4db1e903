"""Read a corpus: folders or files of .txt, .html and .jsonl articles, plus sources.json metadata.

    articles, skipped = read_sources(["seeds/", "more/article.html"])

Every file that cannot be read (missing, empty, binary, not UTF-8/UTF-16/UTF-32, larger
than MAX_FILE_BYTES, no main text) is skipped with a one-line reason instead of stopping
the run; `CorpusError` is raised only when nothing at all could be read. Article text is
kept exactly as decoded (newlines included, nothing normalised) because evidence offsets
index into it; `prepare` normalises what the parser sees.

Metadata (title, date, url, outlet) comes from a `sources.json` sidecar in a folder, or
given as a path of its own: a JSON list of {doc, url, title, outlet, published}. Sidecar
values win over what the file itself says (HTML metadata, JSON Lines fields), since the
sidecar is curated by hand. A record of the wrong shape, or a second record for one doc,
is reported and left out. Only http(s) URLs are kept (a `javascript:` or `file:` URL is
no address of an article).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from stancegraph.model import Article

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES
SIDECAR = "sources.json"
MAX_FILE_BYTES = 256 * 1024 * 1024  # a file larger than this is no article (or corpus) to read
SIDECAR_FIELDS = ("doc", "url", "title", "outlet", "published", "date")

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*)?$")


class CorpusError(Exception):
    """Nothing could be read from the given sources (the message is one line)."""


class _Skip(Exception):
    """One file (or line) cannot be read; the message is the reason."""


def read_sources(paths: Sequence[str | Path]) -> tuple[list[Article], list[tuple[str, str]]]:
    """Read every article under `paths`; return (articles sorted by doc, skipped (path, reason))."""
    if isinstance(paths, str | Path):
        paths = [paths]
    if not paths:
        raise CorpusError("no sources given")
    skipped: list[tuple[str, str]] = []
    files: list[Path] = []
    meta: dict[str, dict] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            skipped.append((str(raw), "no such file or directory"))
        elif path.is_dir():
            found = _folder_files(path, skipped)
            if not found:
                skipped.append((str(raw), "empty folder: no .txt, .html or .jsonl files"))
            files.extend(found)
            sidecar = path / SIDECAR
            if sidecar.is_file():
                meta.update(_read_sidecar(sidecar, skipped))
        elif path.name == SIDECAR:
            meta.update(_read_sidecar(path, skipped))
        elif path.suffix.lower() not in SUFFIXES:
            skipped.append((str(raw), f"unsupported file type {path.suffix or '(none)'!r}"))
        else:
            files.append(path)

    articles: dict[str, Article] = {}
    for path in files:
        for article in _read_file(path, skipped):
            if article.doc in articles:
                first = articles[article.doc].path
                skipped.append((str(path), f"duplicate doc {article.doc!r} (already read {first})"))
                continue
            articles[article.doc] = article
    if not articles:
        reasons = "; ".join(f"{p}: {r}" for p, r in skipped) or "nothing to read"
        raise CorpusError(f"no article could be read ({reasons})")
    ordered = [_with_meta(articles[doc], meta.get(doc)) for doc in sorted(articles, key=_doc_key)]
    return ordered, skipped


def normalise_date(value: object) -> str | None:
    """An ISO 8601 date cut to what it states (YYYY, YYYY-MM or YYYY-MM-DD), else None."""
    if not isinstance(value, str):
        return None
    m = _DATE.match(value.strip())
    if not m:
        return None
    year, month, day = m.groups()
    try:  # reject impossible dates such as 2018-02-31 or 2018-13
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return "-".join(part for part in (year, month, day) if part)


def _doc_key(doc: str) -> tuple[str, int]:
    """Sort JSON Lines articles by line number, not as strings (name#10 after name#9)."""
    name, _, line = doc.partition("#")
    return (name, int(line) if line.isdigit() else -1)


def _folder_files(folder: Path, skipped: list[tuple[str, str]]) -> list[Path]:
    """The readable article files of one folder (not recursive), sorted by name."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == SIDECAR or path.is_dir():
            continue
        if path.suffix.lower() in SUFFIXES:
            found.append(path)
        else:
            skipped.append((str(path), f"unsupported file type {path.suffix or '(none)'!r}"))
    return found


def _read_text(path: Path) -> str:
    """The file decoded (UTF-8, or UTF-16/32 with a byte-order mark or the tell-tale NUL bytes
    of ASCII text in UTF-16), the BOM dropped, newlines kept as they are."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _Skip(f"too large: {size:,} bytes (at most {MAX_FILE_BYTES:,} are read)")
        data = path.read_bytes()
    except OSError as err:
        raise _Skip(f"unreadable: {err.strerror or err}") from None
    encoding = _encoding(data)
    if encoding is None:
        raise _Skip("binary file (NUL bytes)")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        name = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
        raise _Skip(f"not {name} (byte 0x{data[err.start]:02x} at offset {err.start})") from None
    if "\x00" in text or (encoding.startswith("utf-16-") and not _mostly_text(text)):
        raise _Skip("binary file (NUL bytes)")
    if not text.strip():
        raise _Skip("empty file")
    return text


def _mostly_text(text: str) -> bool:
    """Does text decoded without a BOM look like writing (not control codes)?"""
    readable = sum(ch.isprintable() or ch.isspace() for ch in text[:2048])
    return len(text) >= 4 and readable >= 0.95 * min(len(text), 2048)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _encoding(data: bytes) -> str | None:
    """The codec to decode `data` with, or None for binary data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    if b"\x00" not in data:
        return "utf-8-sig"
    # UTF-16 without a BOM: mostly ASCII text has a NUL in every other byte, on one side
    head = data[:4096]
    if len(head) >= 2 and len(data) % 2 == 0:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
            return "utf-16-le"
        if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
            return "utf-16-be"
    return None


def _read_file(path: Path, skipped: list[tuple[str, str]]) -> Iterable[Article]:
    suffix = path.suffix.lower()
    try:
        text = _read_text(path)
        if suffix in JSONL_SUFFIXES:
            yield from _read_jsonl(path, text, skipped)
        elif suffix in HTML_SUFFIXES:
            yield _read_html(path, text)
        else:
            yield Article(doc=path.name, text=text, path=str(path))
    except _Skip as skip:
        skipped.append((str(path), str(skip)))


def _read_html(path: Path, html: str) -> Article:
    """The main text of an HTML page (trafilatura drops navigation, ads, comments)."""
    import lxml.html  # slow to import: only when there is HTML to read
    import trafilatura

    try:  # huge_tree: libxml2 otherwise drops what is nested deeper than 255 elements
        tree = lxml.html.document_fromstring(html, parser=_html_parser())
    except (ValueError, lxml.etree.ParserError) as err:
        raise _Skip(f"not HTML ({' '.join(str(err).split())[:100]})") from None
    doc = trafilatura.bare_extraction(
        tree, include_comments=False, with_metadata=True, deduplicate=False
    )
    if doc is None or not (doc.text or "").strip():
        raise _Skip("no main text found in the HTML")
    return Article(
        doc=path.name,
        text=doc.text,
        title=doc.title or None,
        date=normalise_date(doc.date),
        url=web_url(doc.url),
        outlet=doc.sitename or None,
        path=str(path),
    )


def _html_parser():
    import lxml.html

    return lxml.html.HTMLParser(huge_tree=True, remove_comments=True)


def _read_jsonl(path: Path, text: str, skipped: list[tuple[str, str]]) -> Iterable[Article]:
    """One article per line: {"text": ..., "title"?, "date"?, "url"?, "outlet"?}."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}#{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            skipped.append((where, f"invalid JSON ({err.msg})"))
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            skipped.append((where, 'not an object with a "text" string'))
            continue
        if not record["text"].strip():
            skipped.append((where, "empty text"))
            continue
        yield Article(
            doc=f"{path.name}#{number}",
            text=record["text"],
            title=_str(record.get("title")),
            date=normalise_date(record.get("date") or record.get("published")),
            url=web_url(record.get("url")),
            outlet=_str(record.get("outlet")),
            path=str(path),
        )


def _read_sidecar(path: Path, skipped: list[tuple[str, str]]) -> dict[str, dict]:
    """sources.json: doc name -> its metadata record; a malformed file is skipped whole, a
    malformed or repeated record on its own (the first record of a doc is kept)."""
    try:
        records = json.loads(_read_text(path))
    except _Skip as skip:
        skipped.append((str(path), str(skip)))
        return {}
    except json.JSONDecodeError as err:
        skipped.append((str(path), f"invalid JSON ({err.msg} at line {err.lineno})"))
        return {}
    if not isinstance(records, list):
        skipped.append((str(path), "not a JSON list of {doc, url, title, outlet, published}"))
        return {}
    meta: dict[str, dict] = {}
    for number, record in enumerate(records, start=1):
        where = f"{path} record {number}"
        problem = _record_problem(record)
        if problem:
            skipped.append((where, problem))
        elif record["doc"] in meta:
            doc = record["doc"]
            skipped.append((where, f"a second record for doc {doc!r} (the first is kept)"))
        else:
            meta[record["doc"]] = record
    return meta


def _record_problem(record: object) -> str | None:
    """What is wrong with one sources.json record, or None."""
    if not isinstance(record, dict):
        return "not an object {doc, url, title, outlet, published}"
    if not isinstance(record.get("doc"), str) or not record["doc"].strip():
        return 'no "doc" string naming the article'
    wrong = [k for k in SIDECAR_FIELDS if not isinstance(record.get(k), str | None)]
    if wrong:
        return f"not a string: {', '.join(wrong)}"
    url = record.get("url")
    if url and web_url(url) is None:
        return f"url is not an http(s) URL: {url[:80]!r}"
    return None


def _with_meta(article: Article, record: dict | None) -> Article:
    if not record:
        return article
    return replace(
        article,
        title=_str(record.get("title")) or article.title,
        date=normalise_date(record.get("published") or record.get("date")) or article.date,
        url=web_url(record.get("url")) or article.url,
        outlet=_str(record.get("outlet")) or article.outlet,
    )


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def web_url(value: object) -> str | None:
    """An absolute http(s) URL without spaces, else None (schema:url is where to read the
    article, so `javascript:`, `data:` or `file:` URLs are not kept)."""
    url = _str(value)
    if url is None or any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None
