"""Training the learned extractor from annotated articles (`stancegraph train`).

An annotated folder holds `articles/` and `gold/` (one JSON file per article, as in
../shared/dev and ../shared/train); a folder without `gold/` only lends article texts
(the seeds, whose gold sits in dev/gold). Every candidate pair of every article
(extract/candidates.py) is labelled by the guidelines' matching rules
(extract/matching.py): a stance when its actor and target match a gold entry's names
and its sentence overlaps that entry's evidence; unknown (left out) when the names
match but the sentence is another; no stance otherwise. Three logistic regressions are
fitted on the sparse features (`fit`): stance or not, which side, and the relation of the
stances; then the confidence is calibrated on articles held out of inner models
(`fit_calibrated`). Training is deterministic: fixed order, fixed solver, no randomness.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from stancegraph.extract import matching
from stancegraph.extract.candidates import ArticleCandidates
from stancegraph.model import Article

NONE, SUPPORT, OPPOSE = 0, 1, 2
UNKNOWN = -1
STANCE_CLASSES = ("none", "support", "oppose")
REGULARISATION = 0.05  # inverse strength C of the L2 penalty (chosen on held-out folds)
MIN_FEATURE_COUNT = 2  # features seen in fewer training pairs are dropped
CALIBRATION_FOLDS = 4  # held-out folds inside the training articles, for the confidence


class TrainingError(Exception):
    """Annotated data that cannot be read; the message is one line."""


@dataclass
class Annotated:
    """One article with its gold stances."""

    article: Article
    gold: list[dict]
    source: str  # the annotated folder it came from (for stratified folds)


def read_annotated(folders: Sequence[str | Path]) -> list[Annotated]:
    """Every gold file of the annotated folders with its article's text, in name order."""
    folders = [Path(f) for f in folders]
    for f in folders:
        if not f.is_dir():
            raise TrainingError(f"{f}: not a folder")
    texts: dict[str, Path] = {}
    for f in folders:
        for sub in (f / "articles", f):
            if sub.is_dir():
                for p in sorted(sub.glob("*.txt")):
                    texts.setdefault(p.name, p)
    out: list[Annotated] = []
    for f in folders:
        gold_dir = f / "gold"
        if not gold_dir.is_dir():
            continue
        for g in sorted(gold_dir.glob("*.json")):
            try:
                data = json.loads(g.read_text(encoding="utf-8"))
                doc, stances = data["doc"], data["stances"]
            except (OSError, ValueError, KeyError, TypeError) as err:
                raise TrainingError(f"{g}: not a gold file ({type(err).__name__})") from None
            path = texts.get(doc)
            if path is None:
                raise TrainingError(f"{g}: its article {doc} is in none of the folders given")
            text = path.read_text(encoding="utf-8")
            out.append(Annotated(Article(doc=doc, text=text, path=str(path)), stances, f.name))
    if not out:
        raise TrainingError("no gold files found (an annotated folder holds gold/*.json)")
    return out


def label(cands: ArticleCandidates, gold: list[dict]) -> list[tuple[int, str | None]]:
    """(class, gold relation) for each candidate of one article."""
    text = cands.article.text
    groups = matching.actor_groups(gold)
    spans = []
    for g in gold:
        start = text.find(g.get("evidence") or "\x00")
        spans.append((start, start + len(g.get("evidence") or "")) if start >= 0 else None)
    actor_names = [matching.names(g, "actor", groups) for g in gold]
    target_names = [matching.names(g, "target") for g in gold]
    out = []
    for c in cands.candidates:
        verdict: tuple[int, str | None] = (NONE, None)
        for g, span, anames, tnames in zip(gold, spans, actor_names, target_names, strict=True):
            if not any(matching.same(c.actor.name, n) for n in anames):
                continue
            if not any(matching.same_target(c.target.name, n) for n in tnames):
                continue
            if span is not None and span[0] < c.sent_end and c.sent_start < span[1]:
                verdict = (SUPPORT if g["stance"] == "support" else OPPOSE, g.get("relation"))
                break
            verdict = (UNKNOWN, None)
        out.append(verdict)
    return out


@dataclass
class TrainingSet:
    features: list[dict[str, float]]
    stance: list[int]
    relation_features: list[dict[str, float]]
    relation: list[str]


def training_set(items: Iterable[tuple[ArticleCandidates, list[dict]]]) -> TrainingSet:
    """The labelled pairs of (candidates, gold) articles."""
    items = list(items)
    return labelled_set([c for c, _ in items], [label(c, g) for c, g in items])


def labelled_set(cands: Sequence[ArticleCandidates], labels: Sequence[list]) -> TrainingSet:
    """Pairs and their labels (from `label`) as training examples; unknowns left out."""
    ts = TrainingSet([], [], [], [])
    for article, article_labels in zip(cands, labels, strict=True):
        for c, (y, rel) in zip(article.candidates, article_labels, strict=True):
            if y == UNKNOWN:
                continue
            ts.features.append(c.features)
            ts.stance.append(y)
            if y != NONE and rel:
                ts.relation_features.append(c.features)
                ts.relation.append(rel)
    return ts


def fit(ts: TrainingSet, c: float = REGULARISATION) -> dict:
    """The model, as plain data (vocabulary, weights): what learned.py loads.

    Three logistic regressions over the same features: whether a pair is a stance at
    all (every labelled pair), which side it takes (the stances only), and the kind of
    act (the stances with a relation). Deciding the side apart from the detection lets
    the words of polarity be learned from the stances alone."""
    from collections import Counter

    import numpy as np
    from sklearn.feature_extraction import DictVectorizer

    counts = Counter(k for f in ts.features for k in f)
    vocab = sorted(k for k, n in counts.items() if n >= MIN_FEATURE_COUNT)
    vec = DictVectorizer(sparse=True)
    vec.fit([{k: 1.0 for k in vocab}])
    y = np.array(ts.stance)
    x = vec.transform(ts.features)
    stances = y != NONE
    detect = _classifier(x, stances.astype(int), c, ["none", "stance"])
    polarity = _classifier(
        x[stances], np.where(y[stances] == SUPPORT, 1, 0), c, ["oppose", "support"]
    )
    relations = np.array(ts.relation)
    relation = _classifier(
        vec.transform(ts.relation_features), relations, c, sorted(set(ts.relation))
    )
    return {
        "format": 2,
        "features": list(vec.feature_names_),
        "detect": detect,
        "polarity": polarity,
        "relation": relation,
        "examples": {"pairs": len(ts.stance), "stances": int(stances.sum())},
    }


def _classifier(x, y, c: float, names: list[str]) -> dict:
    """Weights of a logistic regression over `names` (the classes 0, 1, ... or the labels
    themselves); a training set with one class only (a tiny corpus, one fold of it) gives
    the constant classifier that always says that class."""
    import numpy as np

    present = sorted(set(y.tolist()))
    if len(present) < 2:
        only = present[0] if present else 0
        label = names[only] if isinstance(only, int) else str(only)
        return {
            "classes": names,
            "coef": [[0.0] * x.shape[1] for _ in names],
            "intercept": [10.0 if n == label else -10.0 for n in names],
        }
    lr = _logistic(x, y, c)
    classes = [names[k] if isinstance(k, (int, np.integer)) else str(k) for k in lr.classes_]
    return _weights(lr, classes)


def _logistic(x, y, c: float):
    from sklearn.linear_model import LogisticRegression

    # newton-cg: exact and deterministic, and several times faster than lbfgs here
    return LogisticRegression(C=c, max_iter=500, solver="newton-cg").fit(x, y)


def _weights(lr, classes: list[str]) -> dict:
    coef = lr.coef_
    intercept = lr.intercept_
    if len(classes) == 2 and coef.shape[0] == 1:  # binary: sklearn keeps one row
        coef = [-coef[0], coef[0]]
        intercept = [-intercept[0], intercept[0]]
    return {
        "classes": classes,
        "coef": [[round(float(v), 6) for v in row] for row in coef],
        "intercept": [round(float(v), 6) for v in intercept],
    }


def fit_calibrated(
    cands: Sequence[ArticleCandidates],
    golds: Sequence[list[dict]],
    k: int = CALIBRATION_FOLDS,
    c: float = REGULARISATION,
) -> dict:
    """The model fitted on every article, with its confidence calibrated on held-out
    articles: the articles are split into k folds, a model trained on k-1 of them
    extracts the k-th, and an isotonic regression learns how often a stance of each raw
    confidence is right. `learned` maps every raw confidence through it, so a reported
    0.8 means right about 80% of the time on articles the model never saw."""
    from sklearn.isotonic import IsotonicRegression

    from stancegraph.extract import learned

    labels = [label(cs, g) for cs, g in zip(cands, golds, strict=True)]
    model = fit(labelled_set(cands, labels), c)
    order = sorted(range(len(cands)), key=lambda n: cands[n].article.doc)
    fold = {n: rank % k for rank, n in enumerate(order)}
    raw, right = [], []
    for held in range(k):
        train_idx = [n for n in order if fold[n] != held]
        test_idx = [n for n in order if fold[n] == held]
        if not train_idx or not test_idx:
            continue
        inner = learned.StanceModel(
            fit(labelled_set([cands[n] for n in train_idx], [labels[n] for n in train_idx]), c)
        )
        for n in test_idx:
            for s in learned.stances(inner, cands[n]):
                raw.append(s.confidence)
                right.append(
                    matching.stance_matches(s.actor.name, s.stance, s.target.name, golds[n])
                )
    if len(set(right)) == 2:
        iso = IsotonicRegression(y_min=0.01, y_max=0.99, out_of_bounds="clip").fit(raw, right)
        model["calibration"] = {
            "raw": [round(float(v), 6) for v in iso.X_thresholds_],
            "calibrated": [round(float(v), 6) for v in iso.y_thresholds_],
            "stances": len(raw),
        }
    return model


def candidates_for(articles: Sequence[Article], docs=None) -> list[ArticleCandidates]:
    """Candidates of each article (parsing it unless its Doc is given), with the rule-based
    reading as features."""
    from stancegraph.extract.candidates import article_candidates
    from stancegraph.extract.nlp import parse
    from stancegraph.extract.pipeline import article_stances

    docs = docs if docs is not None else parse([a.text for a in articles])
    return [
        article_candidates(a, d, article_stances(a, d)) for a, d in zip(articles, docs, strict=True)
    ]


def train(folders: Sequence[str | Path]) -> dict:
    """Read the annotated folders, build candidates, label them and fit the model."""
    items = read_annotated(folders)
    cands = candidates_for([i.article for i in items])
    model = fit_calibrated(cands, [i.gold for i in items])
    model["trained_on"] = sorted(i.article.doc for i in items)
    return model
