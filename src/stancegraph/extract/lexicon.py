"""The extractor's domain knowledge, loaded from the commented TOML files in `data/`.

Keeping words out of code lets a reviewer see and extend what the extractor
knows (stance verbs, program names, actor kinds) without reading the machinery.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class TargetEntry:
    """One gazetteer entry: a canonical name (maybe a template) and its patterns."""

    name: str
    type: str
    patterns: tuple[re.Pattern, ...]
    broader: str | None = None
    generic: str | None = None  # "bill", "act", "measure": a name built from the match
    refers_to: tuple[str, ...] = ()  # types of an earlier target this may refer back to
    owner: str | None = None  # the agency that runs it


@dataclass(frozen=True)
class KnownActor:
    name: str
    type: str
    aliases: tuple[str, ...]
    wikidata: str | None = None


@dataclass(frozen=True)
class Title:
    leads: bool
    body: str


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Compared and hashed by identity (each process has one, load_lexicon's), so that
    functions of a lexicon can be cached."""

    targets: tuple[TargetEntry, ...]
    anaphors: dict[str, tuple[str, ...]]
    local_laws: dict[str, str]
    not_targets: frozenset[str]
    verbs: dict[str, str]
    phrasal: dict[str, str]
    law_verbs: dict[str, str]
    adjectives: dict[str, str]
    passive_actor_verbs: frozenset[str]
    nouns: dict[str, str]
    markers: dict[str, str]
    negating_verbs: frozenset[str]
    negating_nouns: frozenset[str]
    passthrough_verbs: frozenset[str]
    negation_words: frozenset[str]
    negation_adverbs: tuple[str, ...]
    hypothetical_aux: frozenset[str]
    hedges: frozenset[str]
    speech_verbs: frozenset[str]
    statement_nouns: frozenset[str]
    negative: frozenset[str]
    condemning: frozenset[str]
    positive: frozenset[str]
    bad_objects: frozenset[str]
    actor_suffixes: tuple[tuple[str, str], ...]  # (suffix, type), longest first
    known: tuple[KnownActor, ...]
    titles: dict[str, Title]


@cache
def broader_chain(name: str | None) -> tuple[str, ...]:
    """What a gazetteer target's broader concept is in turn a form of, nearest first
    (asked for every entity of every stance: walked once per name)."""
    parents = {t.name: t.broader for t in load_lexicon().targets if t.broader}
    chain: list[str] = []
    while name in parents and parents[name] not in chain and len(chain) < 10:
        name = parents[name]
        chain.append(name)
    return tuple(chain)


def _load(name: str) -> dict:
    return tomllib.loads(resources.files("stancegraph.data").joinpath(name).read_text("utf-8"))


@cache
def load_lexicon() -> Lexicon:
    targets_data = _load("targets.toml")
    predicates = _load("predicates.toml")
    evaluative = _load("evaluative.toml")
    actors = _load("actors.toml")
    targets = tuple(
        TargetEntry(
            name=t["name"],
            type=t["type"],
            patterns=tuple(
                re.compile(p, 0 if t.get("case") else re.IGNORECASE) for p in t["patterns"]
            ),
            broader=t.get("broader"),
            generic=t.get("generic"),
            refers_to=tuple(t.get("refers_to", ())),
            owner=t.get("owner"),
        )
        for t in targets_data["target"]
    )
    suffixes = sorted(
        ((s, kind) for kind, words in actors["types"].items() for s in words),
        key=lambda pair: -len(pair[0]),
    )
    return Lexicon(
        targets=targets,
        anaphors={k: tuple(v) for k, v in targets_data["anaphors"].items()},
        local_laws=targets_data["local_laws"],
        not_targets=frozenset(targets_data["not_targets"]["names"]),
        verbs=predicates["verbs"],
        phrasal=predicates["phrasal"],
        law_verbs=predicates["law_verbs"],
        adjectives=predicates["adjectives"],
        passive_actor_verbs=frozenset(predicates["passive_actor_verbs"]["words"]),
        nouns=predicates["nouns"],
        markers=predicates["markers"],
        negating_verbs=frozenset(predicates["negating_verbs"]["words"]),
        negating_nouns=frozenset(predicates["negating_nouns"]["words"]),
        passthrough_verbs=frozenset(predicates["passthrough_verbs"]["words"]),
        negation_words=frozenset(predicates["negation"]["words"]),
        negation_adverbs=tuple(predicates["negation"]["adverbs"]),
        hypothetical_aux=frozenset(predicates["modality"]["hypothetical_aux"]),
        hedges=frozenset(predicates["modality"]["hedges"]),
        speech_verbs=frozenset(predicates["speech"]["words"]),
        statement_nouns=frozenset(predicates["statement"]["words"]),
        negative=frozenset(evaluative["negative"]["words"]),
        condemning=frozenset(evaluative["negative"]["condemn"]),
        positive=frozenset(evaluative["positive"]["words"]),
        bad_objects=frozenset(evaluative["bad_objects"]["words"]),
        actor_suffixes=tuple(suffixes),
        known=tuple(
            KnownActor(k["name"], k["type"], tuple(k.get("aliases", ())), k.get("wikidata"))
            for k in actors["known"]
        ),
        titles={k: Title(v["leads"], v["body"]) for k, v in actors["titles"].items()},
    )
