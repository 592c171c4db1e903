"""The extraction cache: what the extractor found in each article, kept beside the graph so
that the next build re-extracts only the articles that changed.

    cache = ExtractionCache(Path("graph/cache"), version=extractor_version(options))
    stances = cache.get(article)          # None: not cached, or not for this text/extractor
    cache.put(article, stances)

One JSON file per article (named by a hash of its doc id), written atomically. An entry
holds the key it was made for (a hash of the article's text and metadata and of the
extractor's version, model included) and the article's stances *before* resolution, since
resolution looks at the whole corpus and runs on every build. An entry is used only when its
key matches and every stance in it reads back whole and quotes the article's own text at its
own offsets; anything else (a corrupt, truncated, foreign or stale file) is ignored and the
article extracted again. So the cache can be deleted at any time, and it never decides more
than what re-extracting would have given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from stancegraph.files import prune_folder, replace_file
from stancegraph.model import Article, Entity, Evidence, Stance

FORMAT = 1  # the layout of an entry; a new layout makes every old entry a miss
SUFFIX = ".json"
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # an entry larger than this is not read


class ExtractionCache:
    """The per-article entries of one folder, for one extractor version."""

    def __init__(self, folder: Path, version: str):
        self.folder = Path(folder)
        self.version = version
        self.hits = 0  # entries used in this build
        self.misses = 0  # articles not cached (or not usable): extracted again
        self.writable = True  # False after a write failed: the build goes on without caching

    def key(self, article: Article) -> str:
        """What an entry must have been made from: this text, this metadata, this extractor."""
        identity = [FORMAT, self.version, article.doc, article.sha256, article.title,
                    article.date, article.url, article.outlet]  # fmt: skip
        return hashlib.sha256(json.dumps(identity).encode("utf-8")).hexdigest()

    def path(self, doc: str) -> Path:
        return self.folder / (hashlib.sha256(doc.encode("utf-8")).hexdigest()[:32] + SUFFIX)

    def get(self, article: Article) -> list[Stance] | None:
        """The cached stances of `article`, or None (and the article must be extracted)."""
        stances = self._read(article)
        if stances is None:
            self.misses += 1
        else:
            self.hits += 1
        return stances

    def _read(self, article: Article) -> list[Stance] | None:
        path = self.path(article.doc)
        try:
            if path.stat().st_size > MAX_ENTRY_BYTES:
                return None
            entry = json.loads(path.read_bytes())
        except (OSError, ValueError):  # missing, unreadable, not JSON, not UTF-8
            return None
        if not isinstance(entry, dict) or entry.get("key") != self.key(article):
            return None
        if entry.get("doc") != article.doc or not isinstance(entry.get("stances"), list):
            return None
        try:
            stances = [stance_from_json(record) for record in entry["stances"]]
        except (KeyError, TypeError, ValueError):
            return None
        if not all(_quotes(article, s) for s in stances):
            return None
        return stances

    def put(self, article: Article, stances: list[Stance]) -> None:
        """Keep `stances` as what `article` gave; a failed write only costs the next build."""
        if not self.writable:
            return
        entry = {
            "format": FORMAT,
            "doc": article.doc,
            "key": self.key(article),
            "stances": [stance_to_json(s) for s in stances],
        }
        data = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            replace_file(self.path(article.doc), data)
        except OSError:
            self.writable = False

    def keep_only(self, docs: Iterable[str]) -> int:
        """Delete the entries of every article not in `docs` (removed from the corpus), and
        temporary files a killed build left; returns how many entries were deleted."""
        wanted = {self.path(doc).name for doc in docs}
        return prune_folder(self.folder, wanted, SUFFIX)


def _quotes(article: Article, stance: Stance) -> bool:
    """Does the stance belong to this article and quote its text at its offsets?"""
    ev = stance.evidence
    return (
        stance.doc == article.doc
        and ev.doc == article.doc
        and 0 <= ev.start <= ev.end <= len(article.text)
        and article.text[ev.start : ev.end] == ev.text
    )


# ---------------------------------------------------------------- stances as JSON


def stance_to_json(stance: Stance) -> dict:
    return {
        "doc": stance.doc,
        "actor": _entity_to_json(stance.actor),
        "stance": stance.stance,
        "relation": stance.relation,
        "target": _entity_to_json(stance.target),
        "evidence": {
            "doc": stance.evidence.doc,
            "start": stance.evidence.start,
            "end": stance.evidence.end,
            "text": stance.evidence.text,
            "prefix": stance.evidence.prefix,
            "suffix": stance.evidence.suffix,
        },
        "on_behalf_of": _entity_to_json(stance.on_behalf_of),
        "date": stance.date,
        "confidence": stance.confidence,
    }


def stance_from_json(record: dict) -> Stance:
    """A Stance exactly as stance_to_json wrote it; TypeError/ValueError for anything else."""
    actor = _entity_from_json(record["actor"])
    target = _entity_from_json(record["target"])
    if actor is None or target is None:
        raise ValueError("a stance needs an actor and a target")
    ev = _dict(record["evidence"])
    confidence = record["confidence"]
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise TypeError("confidence")
    return Stance(
        doc=_str(record["doc"]),
        actor=actor,
        stance=_str(record["stance"]),
        relation=_str(record["relation"]),
        target=target,
        evidence=Evidence(
            doc=_str(ev["doc"]),
            start=_int(ev["start"]),
            end=_int(ev["end"]),
            text=_str(ev["text"]),
            prefix=_str(ev["prefix"]),
            suffix=_str(ev["suffix"]),
        ),
        on_behalf_of=_entity_from_json(record["on_behalf_of"]),
        date=_opt_str(record["date"]),
        confidence=confidence,
    )


def _entity_to_json(entity: Entity | None) -> dict | None:
    if entity is None:
        return None
    return {
        "name": entity.name,
        "type": entity.type,
        "id": entity.id,
        "aliases": list(entity.aliases),
        "role": entity.role,
        "affiliation": _entity_to_json(entity.affiliation),
        "leads": entity.leads,
        "jurisdiction": _entity_to_json(entity.jurisdiction),
        "level": entity.level,
        "state": entity.state,
        "broader": entity.broader,
        "broader_chain": list(entity.broader_chain),
        "wikidata": entity.wikidata,
    }


def _entity_from_json(record: object, depth: int = 0) -> Entity | None:
    if record is None:
        return None
    if depth > 16:  # entities nest a few levels (an official's office's county): not more
        raise ValueError("entities nested too deep")
    record = _dict(record)
    leads = record["leads"]
    if not isinstance(leads, bool):
        raise TypeError("leads")
    return Entity(
        name=_str(record["name"]),
        type=_str(record["type"]),
        id=_opt_str(record["id"]),
        aliases=_strings(record["aliases"]),
        role=_opt_str(record["role"]),
        affiliation=_entity_from_json(record["affiliation"], depth + 1),
        leads=leads,
        jurisdiction=_entity_from_json(record["jurisdiction"], depth + 1),
        level=_opt_str(record["level"]),
        state=_opt_str(record["state"]),
        broader=_opt_str(record["broader"]),
        broader_chain=_strings(record["broader_chain"]),
        wikidata=_opt_str(record["wikidata"]),
    )


def _dict(value: object) -> dict:
    if not isinstance(value, dict):
        raise TypeError("not an object")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _opt_str(value: object) -> str | None:
    return None if value is None else _str(value)


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not an integer")
    return value


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError("not a list")
    return tuple(_str(v) for v in value)
