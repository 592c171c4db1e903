"""Scoring extracted stances against gold annotations: the figures the extraction-quality
benchmark prints (benchmarks/extraction_quality.py).

The matching rules are not re-implemented here: `load_scorer` imports the dev set's own
score.py by path, and `evaluate` applies its `matches` to unique (actor, stance, target)
triples per article exactly as that script does, so the figures agree with it. On top of
that it keeps what the script throws away (which gold entry a prediction matched, its
relation and confidence), for the relation confusion, the calibration table and the
precision of each cue and feature.

`trace_findings` records, for each stance the pipeline emits, the finding behind it
(cue, negation, how the actor and the target were referred to). It wraps two private
functions of extract/pipeline.py for the duration of a benchmark run; when they change
shape the trace comes back empty and the stances are scored all the same.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from stancegraph.model import Stance

# Confidence bins of the calibration table: (label, low, high), low inclusive.
BINS = (
    ("<0.5", 0.0, 0.5),
    ("0.5-0.6", 0.5, 0.6),
    ("0.6-0.7", 0.6, 0.7),
    ("0.7-0.8", 0.7, 0.8),
    ("0.8-0.9", 0.8, 0.9),
    (">=0.9", 0.9, 1.01),
)
CALIBRATION_THRESHOLD = 0.8  # issue 3: confidence >= 0.8 must be right >= 90% of the time
CALIBRATION_TARGET = 0.9
UNSEEN = re.compile(r"^d(\d+)\.")  # d12-d26: the dev articles about other states
FIRST_UNSEEN = 12
PRONOUNS = {
    "he",
    "she",
    "him",
    "her",
    "his",
    "hers",
    "they",
    "them",
    "their",
    "it",
    "its",
    "i",
    "we",
    "me",
    "us",
    "my",
    "our",
    "this",
    "that",
    "these",
    "those",
}


class EvaluationError(Exception):
    """The gold set or the scorer cannot be read (the message is one line)."""


# ---------------------------------------------------------------- inputs


def load_scorer(path: str | Path) -> ModuleType:
    """The official scorer (dev/score.py) as a module, so its `matches` is the rule used."""
    path = Path(path)
    if not path.is_file():
        raise EvaluationError(f"scorer not found: {path} (the dev set's score.py)")
    spec = importlib.util.spec_from_file_location("dev_score", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as err:  # any failure to import means an unusable scorer
        raise EvaluationError(f"cannot import scorer {path}: {err}") from None
    for name in ("matches", "actor_groups"):
        if not callable(getattr(module, name, None)):
            raise EvaluationError(f"scorer {path} has no function {name}()")
    return module


def load_gold(gold_dir: str | Path) -> dict[str, list[dict]]:
    """doc -> gold stance entries, for every gold/*.json (as score.py reads them)."""
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise EvaluationError(f"gold folder not found: {gold_dir}")
    gold: dict[str, list[dict]] = {}
    for f in sorted(gold_dir.glob("*.json")):
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
            gold[data["doc"]] = list(data["stances"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise EvaluationError(f"unreadable gold file {f}: {err}") from None
    if not gold:
        raise EvaluationError(f"no gold files (*.json) in {gold_dir}")
    return gold


def group_of(doc: str) -> str:
    """'unseen' for d12-d26 (other states, not looked at while writing the extractor),
    else 'seen' (the seeds and d01-d11)."""
    m = UNSEEN.match(doc)
    return "unseen" if m and int(m.group(1)) >= FIRST_UNSEEN else "seen"


# ---------------------------------------------------------------- tracing the pipeline


@dataclass
class Trace:
    """What the pipeline knew about each stance it emitted, keyed by the stance's
    Evidence object (resolve() replaces entities but keeps the evidence object)."""

    features: dict[int, dict[str, str]] = field(default_factory=dict)
    _keep: list = field(default_factory=list)  # keeps ids unique while the trace lives

    def of(self, stance: Stance) -> dict[str, str]:
        return self.features.get(id(stance.evidence), {})


@contextlib.contextmanager
def trace_findings() -> Iterator[Trace]:
    """Record the finding behind every stance extract_stances() emits while active."""
    trace = Trace()
    try:
        from stancegraph.extract import pipeline
    except ImportError:
        yield trace
        return
    to_stances = getattr(pipeline, "_to_stances", None)
    spoken_for = getattr(pipeline, "_spoken_for", None)
    if to_stances is None or spoken_for is None:
        yield trace
        return
    bodies: set[int] = set()

    def traced_spoken_for(findings):
        extra = spoken_for(findings)
        bodies.update(id(f) for f in extra)
        trace._keep.extend(extra)
        return extra

    def traced_to_stances(article, doc, findings):
        out = to_stances(article, doc, findings)
        # each finding alone gives the stance it would make; the emitted stance is the
        # first finding with its triple, evidence and confidence
        singles = []
        for f in findings:
            one = to_stances(article, doc, [f])
            if one:
                singles.append((f, one[0]))
        for s in out:
            for f, one in singles:
                if (_triple(one), one.evidence.start, one.confidence, one.relation) == (
                    _triple(s),
                    s.evidence.start,
                    s.confidence,
                    s.relation,
                ):
                    try:
                        features = finding_features(f, article.text, id(f) in bodies)
                    except AttributeError:  # the finding changed shape: score untraced
                        features = {}
                    trace.features[id(s.evidence)] = features
                    trace._keep.append(s.evidence)
                    break
        return out

    pipeline._spoken_for = traced_spoken_for
    pipeline._to_stances = traced_to_stances
    try:
        yield trace
    finally:
        pipeline._spoken_for = spoken_for
        pipeline._to_stances = to_stances


def _triple(s: Stance) -> tuple[str, str, str]:
    return (s.actor.name, s.stance, s.target.name)


def finding_features(f, text: str, speaker_body: bool) -> dict[str, str]:
    """The features of one finding that may bear on whether it is right."""
    actor_surface = text[f.actor.start : f.actor.end]
    target_surface = text[f.target.start : f.target.end]
    actor_ref = "speaker's body" if speaker_body else _actor_ref(actor_surface, f.actor)
    in_sentence = f.sent_start <= f.actor.start < f.sent_end
    target_type = f.target.type or "?"
    return {
        "cue": str(getattr(f, "cue", "?")),
        "negated": "yes" if getattr(f, "negated", False) else "no",
        "actor_ref": actor_ref,
        "target_ref": _target_ref(target_surface, f.target),
        "actor_in_sentence": "yes" if in_sentence else "no",
        # reached through a pronoun, the speaker's title or another sentence: what the
        # pipeline's pronoun penalty means to catch
        "actor_reach": "indirect"
        if actor_ref in ("pronoun", "speaker's body") or not in_sentence
        else "direct",
        "actor_type": f.actor.type or "?",
        "target_type": target_type,
        # a support stance is what is left when no negation or reversal was seen
        "stance_on": f"{f.stance} {'program' if target_type == 'program' else 'other'}",
    }


def _actor_ref(surface: str, mention) -> str:
    low = surface.lower()
    if low in PRONOUNS:
        return "pronoun"
    bare = re.sub(r"^(?:the|a|an)\s+", "", surface, flags=re.IGNORECASE)
    if bare[:1].islower():
        return "description"  # "the department", "the sheriff"
    if _norm(surface) == _norm(mention.name):
        return "name"
    if " " not in surface.strip():
        return "short name"  # a surname or an acronym
    return "other name"


def _target_ref(surface: str, mention) -> str:
    """implicit (the understood object of a verb), pronoun, description ("the program":
    a head noun the lexicon lists as anaphoric), gazetteer (a pattern of targets.toml
    matches the words) or phrase (a noun phrase found by the parse)."""
    if getattr(mention, "implicit", False):
        return "implicit"
    low = surface.lower()
    if low in PRONOUNS:
        return "pronoun"
    words = re.sub(r"^(?:the|this|that|these|those|its|their)\s+", "", low).split()
    lexicon = _lexicon()
    anaphors = set(getattr(lexicon, "anaphors", {}) or {})
    if surface == low and 0 < len(words) <= 2 and words[-1] in anaphors:
        return "description"
    for entry in getattr(lexicon, "targets", ()):
        if any(p.search(surface) for p in entry.patterns):
            return "gazetteer"
    return "phrase"


def _lexicon():
    try:
        from stancegraph.extract.lexicon import load_lexicon

        return load_lexicon()
    except Exception:  # a diagnostic only: without the lexicon every target is a phrase
        return None


def _norm(name: str) -> str:
    low = name.lower().replace("’", "'")
    low = re.sub(r"'s\b", "", low)
    low = re.sub(r"[^a-z0-9()]+", " ", low)
    return re.sub(r"^the ", "", low.strip()).strip()


# ---------------------------------------------------------------- scoring


@dataclass
class Prediction:
    """One unique (actor, stance, target) triple of one article, as the scorer sees it."""

    doc: str
    actor: str
    stance: str
    target: str
    relation: str = "?"
    confidence: float = 0.0
    evidence: str = ""
    features: dict[str, str] = field(default_factory=dict)
    correct: bool = False
    gold_relation: str | None = None  # the relation of the first gold entry it matches

    def to_dict(self) -> dict:
        return {k: v for k, v in vars(self).items()}


@dataclass
class Counts:
    """Pooled counts, as score.py pools them: precision over predicted triples, recall over
    gold entries."""

    predicted: int = 0
    correct: int = 0
    gold: int = 0
    found: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.predicted += other.predicted
        self.correct += other.correct
        self.gold += other.gold
        self.found += other.found
        return self

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {
            **vars(self),
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
        }


@dataclass
class Evaluation:
    predictions: list[Prediction]  # of articles with gold only
    missed: list[tuple[str, dict]]  # (doc, gold entry) found by no prediction
    per_doc: dict[str, Counts]

    def pooled(self, docs: Iterable[str] | None = None) -> Counts:
        total = Counts()
        for doc in self.per_doc if docs is None else docs:
            total += self.per_doc.get(doc, Counts())
        return total

    def groups(self) -> dict[str, Counts]:
        by: dict[str, list[str]] = defaultdict(list)
        for doc in self.per_doc:
            by[group_of(doc)].append(doc)
        return {name: self.pooled(by.get(name, [])) for name in ("seen", "unseen")}


def predictions_from(stances: Iterable[Stance], trace: Trace | None = None) -> list[Prediction]:
    """Unique triples per article, as score.py keys them; a triple reported twice keeps its
    most confident record (the confidence a user would see)."""
    best: dict[tuple[str, str, str, str], Prediction] = {}
    for s in stances:
        rec = s.to_record()
        doc = Path(str(rec["doc"])).name
        key = (doc, str(rec["actor"]), str(rec["stance"]).lower(), str(rec["target"]))
        p = Prediction(
            doc=doc,
            actor=key[1],
            stance=key[2],
            target=key[3],
            relation=rec["relation"],
            confidence=float(rec["confidence"]),
            evidence=rec["evidence"],
            features=dict(trace.of(s)) if trace else {},
        )
        if key not in best or p.confidence > best[key].confidence:
            best[key] = p
    return list(best.values())


def evaluate(predictions: list[Prediction], gold: dict[str, list[dict]], scorer) -> Evaluation:
    """Mark each prediction correct or not and each gold entry found or not, with the
    scorer's own `matches` (and the per-article actor groups it uses for on_behalf_of)."""
    by_doc: dict[str, list[Prediction]] = defaultdict(list)
    for p in predictions:
        by_doc[p.doc].append(p)
    scored: list[Prediction] = []
    missed: list[tuple[str, dict]] = []
    per_doc: dict[str, Counts] = {}
    for doc, entries in gold.items():
        groups = scorer.actor_groups(entries)
        preds = by_doc.get(doc, [])
        for p in preds:
            triple = {"actor": p.actor, "stance": p.stance, "target": p.target}
            hits = [g for g in entries if scorer.matches(triple, g, groups)]
            p.correct = bool(hits)
            p.gold_relation = hits[0].get("relation") if hits else None
        found = 0
        for g in entries:
            if any(
                scorer.matches(
                    {"actor": p.actor, "stance": p.stance, "target": p.target}, g, groups
                )
                for p in preds
            ):
                found += 1
            else:
                missed.append((doc, g))
        per_doc[doc] = Counts(len(preds), sum(p.correct for p in preds), len(entries), found)
        scored.extend(preds)
    return Evaluation(scored, missed, per_doc)


# ---------------------------------------------------------------- tables


@dataclass
class Row:
    label: str
    count: int
    correct: int

    @property
    def share(self) -> float:
        return self.correct / self.count if self.count else 0.0

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "count": self.count,
            "correct": self.correct,
            "share": round(self.share, 3),
        }


def calibration(predictions: list[Prediction]) -> list[Row]:
    """Count and share correct per confidence bin, then the cumulative row for
    confidence >= CALIBRATION_THRESHOLD (the one issue 3 sets a bar on)."""
    rows = []
    for label, low, high in BINS:
        inside = [p for p in predictions if low <= p.confidence < high]
        rows.append(Row(label, len(inside), sum(p.correct for p in inside)))
    high = [p for p in predictions if p.confidence >= CALIBRATION_THRESHOLD]
    rows.append(Row(f">={CALIBRATION_THRESHOLD}", len(high), sum(p.correct for p in high)))
    return rows


def calibration_ok(predictions: list[Prediction]) -> bool:
    row = calibration(predictions)[-1]
    return row.count == 0 or row.share >= CALIBRATION_TARGET


def precision_by(predictions: list[Prediction], feature: str) -> list[Row]:
    """Count and share correct of the predictions per value of one traced feature (or of
    'relation'; "a+b" crosses two features), most frequent first."""
    values: dict[str, list[Prediction]] = defaultdict(list)
    for p in predictions:
        parts = [
            p.relation if f == "relation" else p.features.get(f, "?") for f in feature.split("+")
        ]
        values[" / ".join(parts)].append(p)
    rows = [Row(v, len(ps), sum(p.correct for p in ps)) for v, ps in values.items()]
    return sorted(rows, key=lambda r: (-r.count, r.label))


def confusion(predictions: list[Prediction]) -> Counter:
    """(predicted relation, gold relation) for the correct predictions: the stance agrees,
    the kind of act may not."""
    return Counter((p.relation, p.gold_relation or "?") for p in predictions if p.correct)


def report_dict(ev: Evaluation, seconds: dict[str, float], features: list[str]) -> dict:
    """Everything the benchmark prints, as one JSON-able dict."""
    preds = ev.predictions
    return {
        "overall": ev.pooled().to_dict(),
        "groups": {name: c.to_dict() for name, c in ev.groups().items()},
        "per_article": {doc: c.to_dict() for doc, c in ev.per_doc.items()},
        "predictions": [p.to_dict() for p in preds],
        "wrong": [p.to_dict() for p in preds if not p.correct],
        "missed": [
            {
                "doc": doc,
                **{k: g.get(k) for k in ("actor", "stance", "relation", "target", "evidence")},
            }
            for doc, g in ev.missed
        ],
        "confusion": [
            {"predicted": a, "gold": b, "count": n}
            for (a, b), n in sorted(confusion(preds).items())
        ],
        "calibration": [r.to_dict() for r in calibration(preds)],
        "calibration_ok": calibration_ok(preds),
        "precision_by": {f: [r.to_dict() for r in precision_by(preds, f)] for f in features},
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }


# ---------------------------------------------------------------- cross-validation


def folds_by_article(items, k: int = 5, seed: int = 0) -> dict[str, int]:
    """doc -> fold: fixed folds split by article, stratified by the folder each article
    came from (dev, train), so every fold holds a share of each."""
    import random

    rng = random.Random(seed)
    folds: dict[str, int] = {}
    for source in sorted({i.source for i in items}):
        docs = sorted(i.article.doc for i in items if i.source == source)
        rng.shuffle(docs)
        for n, doc in enumerate(docs):
            folds[doc] = n % k
    return folds


@dataclass
class CrossValidation:
    """Held-out predictions of every fold, scored together and fold by fold."""

    extractor: str
    evaluation: Evaluation
    folds: dict[str, int]  # doc -> fold
    gold: dict[str, list[dict]]
    chosen: list[float] | None = None  # the penalty each fold's training articles chose
    reach: dict[tuple[str, int], str] | None = None  # (doc, id(gold entry)) -> `reach_of`

    def per_fold(self) -> list[Counts]:
        out = [Counts() for _ in range(max(self.folds.values(), default=-1) + 1)]
        for doc, counts in self.evaluation.per_doc.items():
            out[self.folds[doc]] += counts
        return out


def cross_validate(
    items, scorer, extractor: str = "learned", k: int = 5, docs=None, choose=None, inner_k=4
):
    """Train on k-1 folds, extract the held-out one, for every fold; pool the held-out
    predictions and score them with the scorer's own matching. The rule-based extractor
    needs no training: its held-out figure is its score on each fold. Each fold's
    stances are resolved together, as `stancegraph extract` resolves what it prints.

    `choose`: penalty strengths C to choose from inside each fold's training articles
    (an inner `inner_k`-fold search, best pooled F1, ties to the first), so that the
    choice itself is scored on articles it never saw (nested cross-validation)."""
    from stancegraph.extract import combine, learned, training
    from stancegraph.extract.nlp import parse
    from stancegraph.extract.pipeline import article_stances
    from stancegraph.resolve import resolve

    folds = folds_by_article(items, k)
    articles = [i.article for i in items]
    chosen: list[float] | None = [] if choose and extractor != "rules" else None
    reach: dict[tuple[str, int], str] | None = None
    docs = docs if docs is not None else parse([a.text for a in articles])
    by_fold: dict[int, list[Stance]] = defaultdict(list)
    rules: dict[str, list[Stance]] = defaultdict(list)
    if extractor in ("rules", "combined"):
        for a, d in zip(articles, docs, strict=True):
            rules[a.doc] = article_stances(a, d)
    if extractor == "rules":
        for a in articles:
            by_fold[folds[a.doc]].extend(rules[a.doc])
    else:
        cands = training.candidates_for(articles, docs)
        reach = {
            (i.article.doc, id(g)): kind
            for i, cs in zip(items, cands, strict=True)
            for g, kind in zip(i.gold, reach_of(cs.candidates, i.gold, scorer), strict=True)
        }
        for fold in range(k):
            train_idx = [n for n, a in enumerate(articles) if folds[a.doc] != fold]
            c = training.REGULARISATION
            if chosen is not None:
                c = _choose_penalty(items, cands, train_idx, scorer, choose, inner_k)
                chosen.append(c)
            model = learned.StanceModel(
                training.fit_calibrated(
                    [cands[n] for n in train_idx], [items[n].gold for n in train_idx], c=c
                )
            )
            for n, a in enumerate(articles):
                if folds[a.doc] == fold:
                    found = learned.stances(model, cands[n])
                    if extractor == "combined":
                        found = combine(found, rules[a.doc])
                    by_fold[fold].extend(found)
    stances: list[Stance] = []
    for fold in range(k):
        texts = {a.doc: a.text for a in articles if folds[a.doc] == fold}
        stances.extend(resolve(by_fold[fold], texts=texts))
    gold = {i.article.doc: i.gold for i in items}
    return CrossValidation(
        extractor,
        evaluate(predictions_from(stances), gold, scorer),
        folds,
        gold,
        chosen,
        reach,
    )


REACH_ORDER = ("gazetteer", "phrase", "implicit", "implicit_main")


def reach_of(candidates, entries: list[dict], scorer) -> list[str]:
    """For each gold entry of an article, how the candidate pairs reach it: the kind of
    target of a pair whose actor and target both match it (the scorer's name rules;
    gazetteer first, then a phrase, then a target named earlier or the article's main
    one), else whether only its actor or only its target is among the candidates. A
    classifier can find only what its candidates reach: this says where recall is lost,
    to candidate generation or to the classifier."""
    groups = scorer.actor_groups(entries)
    out = []
    for g in entries:
        actors = scorer.names(g, "actor", groups)
        targets = scorer.names(g, "target")
        actor_ok = [c for c in candidates if any(scorer.same(c.actor.name, n) for n in actors)]
        kinds = {
            c.target_kind
            for c in actor_ok
            if any(scorer.same_target(c.target.name, n) for n in targets)
        }
        kind = next((k for k in REACH_ORDER if k in kinds), None)
        if kind is None:
            if actor_ok:
                kind = "actor only"
            elif any(
                any(scorer.same_target(c.target.name, n) for n in targets) for c in candidates
            ):
                kind = "target only"
            else:
                kind = "neither"
        out.append(kind)
    return out


def by_reach(cv: CrossValidation) -> list[dict]:
    """Gold stances and how many were found, by how the candidates reach them."""
    if cv.reach is None:
        return []
    missed = {(doc, id(g)) for doc, g in cv.evaluation.missed}
    gold_n: Counter = Counter()
    found: Counter = Counter()
    for key, kind in cv.reach.items():
        gold_n[kind] += 1
        found[kind] += key not in missed
    order = [*REACH_ORDER, "actor only", "target only", "neither"]
    return [{"reach": k, "gold": gold_n[k], "found": found[k]} for k in order if gold_n[k]]


def _choose_penalty(items, cands, train_idx, scorer, grid, inner_k: int) -> float:
    """The C of `grid` whose models, trained on inner folds of the training articles,
    score best (pooled F1) on the inner fold each left out."""
    from stancegraph.extract import learned, training
    from stancegraph.resolve import resolve

    inner = folds_by_article([items[n] for n in train_idx], inner_k)
    gold = {items[n].article.doc: items[n].gold for n in train_idx}
    labels = {n: training.label(cands[n], items[n].gold) for n in train_idx}  # whatever C
    best: tuple[float, float] | None = None
    for c in grid:
        found: list[Stance] = []
        for fold in range(inner_k):
            fit_idx = [n for n in train_idx if inner[items[n].article.doc] != fold]
            test_idx = [n for n in train_idx if inner[items[n].article.doc] == fold]
            ts = training.labelled_set([cands[n] for n in fit_idx], [labels[n] for n in fit_idx])
            model = learned.StanceModel(training.fit(ts, c))
            stances = [s for n in test_idx for s in learned.stances(model, cands[n])]
            texts = {items[n].article.doc: items[n].article.text for n in test_idx}
            found.extend(resolve(stances, texts=texts))
        f1 = evaluate(predictions_from(found), gold, scorer).pooled().f1
        if best is None or f1 > best[0]:
            best = (f1, c)
    return best[1]


def by_relation(cv: CrossValidation) -> list[dict]:
    """Recall per gold relation and precision per predicted relation."""
    gold_n: Counter = Counter()
    gold_found: Counter = Counter()
    missed = {(doc, id(g)) for doc, g in cv.evaluation.missed}
    for doc, entries in cv.gold.items():
        for g in entries:
            rel = g.get("relation") or "?"
            gold_n[rel] += 1
            gold_found[rel] += (doc, id(g)) not in missed
    pred_n: Counter = Counter()
    pred_right: Counter = Counter()
    for p in cv.evaluation.predictions:
        pred_n[p.relation] += 1
        pred_right[p.relation] += p.correct
    rows = []
    for rel in sorted(set(gold_n) | set(pred_n)):
        rows.append(
            {
                "relation": rel,
                "gold": gold_n[rel],
                "found": gold_found[rel],
                "predicted": pred_n[rel],
                "correct": pred_right[rel],
            }
        )
    return rows
