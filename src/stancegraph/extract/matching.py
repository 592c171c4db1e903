"""When an extracted name is the annotated one: the matching rules of the annotation
guidelines (../shared/dev/GUIDELINES.md, "Scoring"), for labelling training examples.

Training must label candidate pairs the way the scorer will judge them, so these are
the guidelines' rules as written: case, punctuation, possessives and a leading "the"
ignored, close spellings accepted (a similarity ratio of 0.88), targets also matching
when the content words of one name hold those of the other (two at least) unless the
longer one adds a negating word, actors also matching through `on_behalf_of`.
tests/test_training.py checks that they agree with the dev set's score.py.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

STOP = frozenset("a an the of to in on at by for from with and or its their".split())
NEGATING = frozenset(
    "not no non never without against limit limits limiting restrict restricts restricting "
    "ban bans banning end ending stop stopping".split()
)
SIMILAR = 0.88


@lru_cache(maxsize=65536)
def norm(name: str) -> str:
    s = (name or "").lower().replace("’", "'").replace("‘", "'")
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[^a-z0-9()]+", " ", s)
    s = re.sub(r"^(the|u s|us) ", "", s.strip())
    return re.sub(r"\s+", " ", s).strip()


@lru_cache(maxsize=262144)
def same(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    if not a or not b:
        return False
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= SIMILAR


@lru_cache(maxsize=262144)
def same_target(a: str, b: str) -> bool:
    if same(a, b):
        return True
    ta = set(norm(a).split()) - STOP
    tb = set(norm(b).split()) - STOP
    small, large = sorted((ta, tb), key=len)
    return len(small) >= 2 and small <= large and not (large - small) & NEGATING


def names(entry: dict, key: str, groups: list[list[str]] = ()) -> list[str]:
    """A gold entry's name and aliases for `key` ("actor" or "target"); an actor's also
    include the organisation it speaks for, with that organisation's own aliases."""
    out = [entry.get(key) or ""] + list(entry.get(key + "_aliases") or [])
    if key == "actor" and entry.get("on_behalf_of"):
        org = entry["on_behalf_of"]
        out.append(org)
        for group in groups:
            if any(same(org, n) for n in group):
                out.extend(group)
    return [n for n in out if n]


def actor_groups(entries: list[dict]) -> list[list[str]]:
    return [names(e, "actor") for e in entries]


def stance_matches(actor: str, stance: str, target: str, gold: list[dict]) -> bool:
    """Whether an (actor, stance, target) triple is one of an article's gold stances, as
    the scorer judges it."""
    groups = actor_groups(gold)
    return any(
        g.get("stance") == stance
        and any(same(actor, n) for n in names(g, "actor", groups))
        and any(same_target(target, n) for n in names(g, "target"))
        for g in gold
    )
