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
    return [s for found in extract_each(articles, extractor, model) for s in found]


def extract_each(articles, extractor: str = DEFAULT_EXTRACTOR, model=None) -> list[list]:
    """Each article's stances, one list per article. The texts are parsed together: spaCy's
    `nlp.pipe` over several texts is faster than a call for each, and gave each of 400
    benchmark texts, token for token, the parse it gets alone (so an article's stances do
    not depend on its neighbours; tests/test_build_faults.py checks a batch of seeds)."""
    from stancegraph.extract.nlp import forget, parse

    if extractor not in EXTRACTORS:
        raise ValueError(f"unknown extractor {extractor!r} (one of {', '.join(EXTRACTORS)})")
    if not articles:
        return []
    docs = parse([a.text for a in articles])
    found = []
    for article, doc in zip(articles, docs, strict=True):
        try:
            found.append(stances_of(article, doc, extractor, model))
        finally:
            forget(doc)  # its stances are read: what was worked out of it goes with it
    return found


def stances_of(article, doc, extractor: str = DEFAULT_EXTRACTOR, model=None) -> list:
    """The stances of one parsed article. The rules' reading is computed once: it is the
    rules extractor's answer, and features of the learned one."""
    from stancegraph.extract.pipeline import article_stances

    rules = article_stances(article, doc)
    if extractor == "rules":
        return rules
    from stancegraph.extract.candidates import article_candidates
    from stancegraph.extract.learned import shipped_model, stances

    found = stances(model or shipped_model(), article_candidates(article, doc, rules))
    return found if extractor == "learned" else combine(found, rules)


def combine(learned: list, rules: list) -> list:
    """The learned stances, then the rules' stances on (article, actor, target) pairs the
    learned ones do not name, each article's in text order."""
    seen = {(s.doc, s.actor.name, s.target.name) for s in learned}
    extra = [s for s in rules if (s.doc, s.actor.name, s.target.name) not in seen]
    order = {doc: k for k, doc in enumerate(dict.fromkeys(s.doc for s in learned + rules))}
    return sorted(learned + extra, key=lambda s: (order[s.doc], s.evidence.start))


__all__ = ["DEFAULT_EXTRACTOR", "EXTRACTORS", "extract_each", "extract_stances", "stances_of"]
