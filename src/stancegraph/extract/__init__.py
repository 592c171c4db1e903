"""Extraction: articles in, Stance records out (entities not yet resolved to IRIs).

from stancegraph.extract import extract_stances
stances = extract_stances(articles)                      # the learned extractor
stances = extract_stances(articles, extractor="rules")   # the rule-based one

Two extractors share the parse and the mentions: `learned` (the default) scores every
candidate pair with the model `stancegraph train` fitted (extract/learned.py);
`rules` reads stances with hand-written rules (extract/pipeline.py), kept for
comparison and as features of the learned one.
"""

from __future__ import annotations

EXTRACTORS = ("learned", "rules")
DEFAULT_EXTRACTOR = "learned"


def extract_stances(articles, extractor: str = DEFAULT_EXTRACTOR, model=None):
    """All stances of all articles, in article order then text order. `model`: a
    learned.StanceModel (default: the one shipped in the package)."""
    if extractor == "rules":
        from stancegraph.extract.pipeline import extract_stances as rules

        return rules(articles)
    if extractor != "learned":
        raise ValueError(f"unknown extractor {extractor!r} (one of {', '.join(EXTRACTORS)})")
    from stancegraph.extract.learned import extract_stances as learned

    return learned(articles, model)


__all__ = ["DEFAULT_EXTRACTOR", "EXTRACTORS", "extract_stances"]
