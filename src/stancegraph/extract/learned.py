"""The learned extractor: candidate pairs scored by the trained model (the default).

`stancegraph train` fits the model (extract/training.py); the package ships its
output as data (models/stances.json.gz). For each article, every candidate pair
(extract/candidates.py) gets a probability of support, of oppose and of no stance;
an (actor, target) pair of the article becomes a stance where its best sentence
passes the threshold, with that sentence as the evidence, the relation from the
second classifier, and as the confidence the probability mapped through the
calibration `train` learned on held-out articles (how often stances of that
probability were right).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

from stancegraph.extract import dates
from stancegraph.extract.candidates import ArticleCandidates, Candidate
from stancegraph.model import RELATIONS, Article, Stance

MODEL_FILE = "models/stances.json.gz"
THRESHOLD = 0.35  # stance probability above which a pair is reported (held-out folds)


class ModelFileError(RuntimeError):
    """A model file that cannot be read; the message is one line."""


@dataclass
class Classifier:
    classes: list[str]
    weights: np.ndarray  # (classes, features)
    intercept: np.ndarray

    def proba(self, x: csr_matrix) -> np.ndarray:
        scores = x @ self.weights.T + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        e = np.exp(scores)
        return e / e.sum(axis=1, keepdims=True)


class StanceModel:
    """The trained weights, and how to turn candidate features into probabilities."""

    def __init__(self, data: dict):
        self.data = data
        self.index = {name: k for k, name in enumerate(data["features"])}
        self.detect = _classifier(data["detect"])
        self.polarity = _classifier(data["polarity"])
        self.relation = _classifier(data["relation"])
        self.threshold = float(data.get("threshold", THRESHOLD))
        calibration = data.get("calibration") or {}
        self.calibration = (
            np.asarray(calibration.get("raw", []), dtype=float),
            np.asarray(calibration.get("calibrated", []), dtype=float),
        )

    def calibrated(self, confidence: float) -> float:
        """The share of held-out stances of this raw confidence that were right (the
        isotonic map `train` fitted); the raw confidence where the model has none."""
        raw, calibrated = self.calibration
        if not len(raw):
            return confidence
        return float(np.interp(confidence, raw, calibrated))

    def vectors(self, feature_dicts: list[dict[str, float]]) -> csr_matrix:
        rows, cols, vals = [], [], []
        for r, f in enumerate(feature_dicts):
            for name, value in f.items():
                k = self.index.get(name)
                if k is not None:
                    rows.append(r)
                    cols.append(k)
                    vals.append(value)
        return csr_matrix((vals, (rows, cols)), shape=(len(feature_dicts), len(self.index)))


def _classifier(d: dict) -> Classifier:
    return Classifier(
        list(d["classes"]), np.asarray(d["coef"], dtype=float), np.asarray(d["intercept"])
    )


def read_model(path: str | Path) -> StanceModel:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return StanceModel(json.load(f))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ModelFileError(f"{path}: not a stancegraph model ({type(err).__name__})") from None


def model_bytes(data: dict) -> bytes:
    """Gzipped JSON with a fixed layout and no timestamp: the same model, the same bytes."""
    raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return gzip.compress(raw, compresslevel=9, mtime=0)


def shipped_model_path() -> Path:
    return Path(str(resources.files("stancegraph").joinpath(MODEL_FILE)))


@cache
def shipped_model() -> StanceModel:
    """The model `stancegraph train` wrote into the package, loaded once per process."""
    return read_model(shipped_model_path())


def score(model: StanceModel, cands: ArticleCandidates) -> list[tuple[Candidate, dict]]:
    """Each candidate with P(stance), P(support | stance) and the relations' probabilities."""
    if not cands.candidates:
        return []
    x = model.vectors([c.features for c in cands.candidates])
    detect = model.detect.proba(x)[:, model.detect.classes.index("stance")]
    support = model.polarity.proba(x)[:, model.polarity.classes.index("support")]
    relations = model.relation.proba(x)
    return [
        (
            c,
            {
                "stance": float(detect[k]),
                "support": float(support[k]),
                "relations": dict(zip(model.relation.classes, relations[k].tolist(), strict=True)),
            },
        )
        for k, c in enumerate(cands.candidates)
    ]


def stances(model: StanceModel, cands: ArticleCandidates) -> list[Stance]:
    """The article's stances: one per (actor, target) whose best sentence passes the
    threshold. Its side weighs every sentence that pairs them by how surely each is a
    stance, so one clear sentence outvotes several unclear ones; the evidence is the
    surest sentence of that side."""
    from stancegraph.extract.pipeline import (
        article_date,
        entity_of,
        on_behalf_of,
        sentence_evidence,
    )

    article: Article = cands.article
    pairs: dict[tuple[str, str], list[tuple[Candidate, dict]]] = {}
    for c, probs in score(model, cands):
        pairs.setdefault(c.key(), []).append((c, probs))
    found = []
    for key in sorted(pairs, key=lambda k: (pairs[k][0][0].sent_start, k)):
        scored = pairs[key]
        weight = sum(p["stance"] for _, p in scored)
        support = sum(p["stance"] * p["support"] for _, p in scored) / weight
        side = "support" if support >= 0.5 else "oppose"
        sure = support if side == "support" else 1 - support

        def side_prob(item, side=side):
            p = item[1]
            return p["stance"] * (p["support"] if side == "support" else 1 - p["support"])

        c, probs = max(scored, key=side_prob)
        confidence = probs["stance"] * sure
        if probs["stance"] < model.threshold:
            continue
        found.append((c, probs, side, confidence))
    out = []
    published = article_date(article) if found else None  # once: it reads the whole text
    for c, probs, side, confidence in sorted(
        found, key=lambda f: (f[0].sent_start, f[0].actor.start, f[0].key())
    ):
        evidence = sentence_evidence(article, c.sent_start, c.sent_end)
        target = entity_of(c.target)
        out.append(
            Stance(
                doc=article.doc,
                actor=entity_of(c.actor),
                stance=side,
                relation=_relation(probs["relations"], side),
                target=target,
                evidence=evidence,
                on_behalf_of=on_behalf_of(c.actor),
                date=dates.stance_date(cands.doc, evidence.start, evidence.end, published),
                confidence=max(0.01, min(0.99, round(model.calibrated(confidence), 6))),
            )
        )
    return out


def _relation(relations: dict[str, float], side: str) -> str:
    """The likeliest relation that can carry this side."""
    fitting = {r: p for r, p in relations.items() if RELATIONS.get(r) in (side, None)}
    if not fitting:
        return "supports" if side == "support" else "opposes"
    return max(sorted(fitting), key=lambda r: fitting[r])
