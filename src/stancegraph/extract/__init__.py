"""Extraction: articles in, Stance records out (entities not yet resolved to IRIs).

from stancegraph.extract import extract_stances
stances = extract_stances(articles)                      # the learned extractor
stances = extract_stances(articles, extractor="rules")   # the rule-based one

Two extractors share the parse and the mentions: `learned` (the default) scores every
candidate pair with the model `stancegraph train` fitted (extract/learned.py);
`rules` reads stances with hand-written rules (extract/pipeline.py), kept for
comparison and as features of the learned one. `combined` reports both: the learned
extractor's stances, and the rules' stances on pairs the learned one left out.
"""

from __future__ import annotations

EXTRACTORS = ("learned", "rules", "combined")
DEFAULT_EXTRACTOR = "learned"


def extract_stances(articles, extractor: str = DEFAULT_EXTRACTOR, model=None):
    """All stances of all articles, in article order then text order. `model`: a
    learned.StanceModel (default: the one shipped in the package)."""
    from stancegraph.extract.pipeline import extract_stances as rules

    if extractor == "rules":
        return rules(articles)
    if extractor not in EXTRACTORS:
        raise ValueError(f"unknown extractor {extractor!r} (one of {', '.join(EXTRACTORS)})")
    from stancegraph.extract.learned import extract_stances as learned

    found = learned(articles, model)
    if extractor == "learned":
        return found
    return combine(found, rules(articles))


def combine(learned: list, rules: list) -> list:
    """The learned stances, then the rules' stances on (article, actor, target) pairs the
    learned ones do not name, each article's in text order."""
    seen = {(s.doc, s.actor.name, s.target.name) for s in learned}
    extra = [s for s in rules if (s.doc, s.actor.name, s.target.name) not in seen]
    order = {doc: k for k, doc in enumerate(dict.fromkeys(s.doc for s in learned + rules))}
    return sorted(learned + extra, key=lambda s: (order[s.doc], s.evidence.start))


__all__ = ["DEFAULT_EXTRACTOR", "EXTRACTORS", "extract_stances"]
