"""The dataclasses every layer passes around: Article, Entity, Evidence, Stance.

They sit at the bottom of the package: they import nothing from it, and every
other module may import them. `Stance.to_record()` is the JSON Lines record of
DESIGN.md (a contract: extend, never rename).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

ACTOR_TYPES = ("jurisdiction", "agency", "government_body", "federal_agency", "official", "group")
TARGET_TYPES = ("program", "policy", "law", "practice", "operation", "agency")
STANCES = ("oppose", "support")
# relation -> the polarity it implies (None: either, read from the context)
RELATIONS = {
    "declines": "oppose",
    "withdraws": "oppose",
    "condemns": "oppose",
    "opposes": "oppose",
    "urges": None,
    "joins": "support",
    "supports": "support",
    "states_position": None,
}

DEFAULT_BASE_IRI = "https://w3id.org/stancegraph/id/"


def slug(text: str) -> str:
    """A lower-case ASCII IRI segment: "Los Angeles County Sheriff’s Department" ->
    "los-angeles-county-sheriffs-department", "287(g)" -> "287-g", "Peñasco" -> "penasco".
    A name whose letters do not all survive the folding to ASCII ("名前", "Straße") gets a
    short hash of the exact name as well, so two such names never share a segment."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = re.sub(r"['`]", "", folded).lower()
    out = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if _alnum_count(folded) < _alnum_count(unicodedata.normalize("NFKD", text)):
        return f"{out or 'x'}-{short_hash(text)}"
    return out or f"x-{short_hash(text)}"


def short_hash(text: str) -> str:
    """Eight hex digits of the SHA-256 of `text`: enough to tell names in one corpus apart."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _alnum_count(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


@dataclass(frozen=True)
class Article:
    """One news article as read from disk: its text and what is known about it."""

    doc: str  # file name (or name#line for JSON Lines), the article's id in records
    text: str
    title: str | None = None
    date: str | None = None  # ISO 8601 publication date, as precise as known
    url: str | None = None
    outlet: str | None = None
    path: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entity:
    """An actor or a target: a named thing with a type and, once resolved, an IRI."""

    name: str
    type: str  # one of ACTOR_TYPES or TARGET_TYPES
    id: str | None = None  # IRI, set by resolve
    aliases: tuple[str, ...] = ()
    role: str | None = None  # an official's post title: "Sheriff", "Mayor"
    affiliation: Entity | None = None  # the body an official leads or sits on
    leads: bool = False  # True: head of the affiliation; False: member of it
    jurisdiction: Entity | None = None  # agencies and bodies: the jurisdiction they serve
    level: str | None = None  # jurisdictions: "county", "city", "state", "town"
    state: str | None = None  # the US state a jurisdiction or agency lies in
    broader: str | None = None  # targets: the name of the broader program (SKOS)
    broader_chain: tuple[str, ...] = ()  # what `broader` is in turn a form of, nearest first
    wikidata: str | None = None  # Q-id, only where the identity is certain


@dataclass(frozen=True)
class Evidence:
    """The span of the article that carries a stance: text == article.text[start:end]."""

    doc: str
    start: int
    end: int
    text: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Stance:
    """One actor taking one position on one target, as one article reports it."""

    doc: str
    actor: Entity
    stance: str  # "oppose" or "support"
    relation: str  # a key of RELATIONS
    target: Entity
    evidence: Evidence
    on_behalf_of: Entity | None = None
    date: str | None = None
    confidence: float = 0.5

    def key(self) -> tuple[str, str, str]:
        return (self.actor.id or self.actor.name, self.stance, self.target.id or self.target.name)

    def to_record(self) -> dict:
        return {
            "doc": self.doc,
            "actor": self.actor.name,
            "actor_type": self.actor.type,
            "actor_id": self.actor.id,
            "stance": self.stance,
            "relation": self.relation,
            "target": self.target.name,
            "target_type": self.target.type,
            "target_id": self.target.id,
            "on_behalf_of": self.on_behalf_of.name if self.on_behalf_of else None,
            "evidence": self.evidence.text,
            "start": self.evidence.start,
            "end": self.evidence.end,
            "date": self.date,
            "confidence": round(self.confidence, 2),
        }


@dataclass
class Extraction:
    """What extracting a corpus gives: the stances, and the articles skipped with reasons."""

    articles: list[Article] = field(default_factory=list)
    stances: list[Stance] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
