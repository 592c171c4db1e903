"""Read a corpus: folders or files of .txt, .html and .jsonl articles, plus sources.json metadata.

    articles, skipped = read_sources(["seeds/", "more/article.html"])

Every file that cannot be read (missing, empty, binary, not UTF-8, no main text) is
skipped with a one-line reason instead of stopping the run; `CorpusError` is raised only
when nothing at all could be read. Article text is kept exactly as decoded (newlines
included, nothing normalised) because evidence offsets index into it.

Metadata (title, date, url, outlet) comes from a `sources.json` sidecar in a folder, or
given as a path of its own: a JSON list of {doc, url, title, outlet, published}. Sidecar
values win over what the file itself says (HTML metadata, JSON Lines fields), since the
sidecar is curated by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from stancegraph.model import Article

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES
SIDECAR = "sources.json"

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
    """The file decoded as UTF-8 (a leading BOM dropped), newlines kept as they are."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise _Skip(f"unreadable: {err.strerror or err}") from None
    if b"\x00" in data:
        raise _Skip("binary file (NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _Skip(f"not UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start})") from None
    if not text.strip():
        raise _Skip("empty file")
    return text


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
    import trafilatura  # slow to import: only when there is HTML to read

    doc = trafilatura.bare_extraction(
        html, include_comments=False, with_metadata=True, deduplicate=False
    )
    if doc is None or not (doc.text or "").strip():
        raise _Skip("no main text found in the HTML")
    return Article(
        doc=path.name,
        text=doc.text,
        title=doc.title or None,
        date=normalise_date(doc.date),
        url=doc.url or None,
        outlet=doc.sitename or None,
        path=str(path),
    )


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
            url=_str(record.get("url")),
            outlet=_str(record.get("outlet")),
            path=str(path),
        )


def _read_sidecar(path: Path, skipped: list[tuple[str, str]]) -> dict[str, dict]:
    """sources.json: doc name -> its metadata record; a malformed file is skipped whole."""
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
    return {r["doc"]: r for r in records if isinstance(r, dict) and isinstance(r.get("doc"), str)}


def _with_meta(article: Article, record: dict | None) -> Article:
    if not record:
        return article
    return replace(
        article,
        title=_str(record.get("title")) or article.title,
        date=normalise_date(record.get("published") or record.get("date")) or article.date,
        url=_str(record.get("url")) or article.url,
        outlet=_str(record.get("outlet")) or article.outlet,
    )


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
