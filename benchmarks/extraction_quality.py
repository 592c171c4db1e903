"""Extraction quality: held-out cross-validation, and the error analysis of one set.

    python benchmarks/extraction_quality.py --cv 5 [--shared ../shared] [--extractor learned|rules]

The figure that counts. Five fixed folds split by article over dev (with the seeds) and
train, stratified by folder; the learned extractor is trained on four and extracts the
fifth, for each fold; the held-out predictions are pooled and scored with the dev set's
score.py rules. Prints per-fold and pooled precision/recall/F1, per relation, the
calibration table, and as its last line
`cv: precision P recall R f1 F (tp/pred, matched/gold)`. The rule-based extractor needs
no training: `--extractor rules` gives its score through the same harness.

    python benchmarks/extraction_quality.py [--gold ../shared/dev/gold]
        [--articles ../shared/seeds ../shared/dev/articles] [--json]

Extracts the articles with the library (stancegraph.build.extract: resolved stances, as
`stancegraph extract` gives them), scores them with the dev set's own score.py (its
matching rules, imported by path), and prints: overall precision/recall/F1, the same for
the seeds + d01-d11 and for d12-d26 (other states), per-article figures, the wrong and
the missed triples, the relation confusion, the calibration table (issue 3: confidence
>= 0.8 right >= 90% of the time), precision per cue and feature, and the extraction time
(wall clock, spaCy model load included). The logic lives in stancegraph.evaluate.
Exit status: 0 printed, 2 unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # runs from a clone without installing

from stancegraph import evaluate as ev  # noqa: E402
from stancegraph.corpus import CorpusError  # noqa: E402

SHARED = ROOT.parent / "shared"
FEATURES = [
    "cue",
    "actor_ref",
    "actor_reach",
    "target_ref",
    "negated",
    "actor_type",
    "target_type",
    "stance_on",
    "relation",
    "cue+actor_reach",
    "cue+stance_on",
]
SNIPPET = 110


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=SHARED / "dev" / "gold")
    parser.add_argument(
        "--articles", type=Path, nargs="+", default=[SHARED / "seeds", SHARED / "dev" / "articles"]
    )
    parser.add_argument("--scorer", type=Path, help="score.py (default: beside the gold folder)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--cv", type=int, metavar="K", help="K-fold held-out cross-validation")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    parser.add_argument("--extractor", choices=("learned", "rules", "combined"), default="learned")
    parser.add_argument(
        "--choose-c",
        type=float,
        nargs="+",
        metavar="C",
        help="with --cv: choose the penalty C among these inside each fold's training "
        "articles (nested cross-validation), instead of the shipped value",
    )
    args = parser.parse_args(argv)
    if args.cv:
        return cross_validation(args)

    scorer_path = args.scorer or args.gold.parent / "score.py"
    sources = [*args.articles]
    sidecar = args.gold.parent / "sources.json"  # the dev set's metadata (titles, dates)
    if sidecar.is_file():
        sources.append(sidecar)
    try:
        gold = ev.load_gold(args.gold)
        scorer = ev.load_scorer(scorer_path)
        seconds, stances, trace = _extract(sources)
    except (ev.EvaluationError, CorpusError) as err:
        print(f"extraction_quality: {err}", file=sys.stderr)
        return 2

    result = ev.evaluate(ev.predictions_from(stances, trace), gold, scorer)
    report = ev.report_dict(result, seconds, FEATURES)
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
    else:
        print_report(report, len(stances))
    return 0


def cross_validation(args) -> int:
    from stancegraph.extract.training import TrainingError, read_annotated

    shared = args.shared
    try:
        items = read_annotated([shared / "dev", shared / "train", shared / "seeds"])
        scorer = ev.load_scorer(args.scorer or shared / "dev" / "score.py")
    except (ev.EvaluationError, TrainingError) as err:
        print(f"extraction_quality: {err}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    cv = ev.cross_validate(items, scorer, args.extractor, args.cv, choose=args.choose_c)
    seconds = time.perf_counter() - t0
    preds = cv.evaluation.predictions
    if args.json:
        print(
            json.dumps(
                {
                    "extractor": args.extractor,
                    "folds": [c.to_dict() for c in cv.per_fold()],
                    "chosen_c": cv.chosen,
                    "pooled": cv.evaluation.pooled().to_dict(),
                    "by_folder": {
                        source: cv.evaluation.pooled(
                            [i.article.doc for i in items if i.source == source]
                        ).to_dict()
                        for source in sorted({i.source for i in items})
                    },
                    "relations": ev.by_relation(cv),
                    "reach": ev.by_reach(cv),
                    "calibration": [r.to_dict() for r in ev.calibration(preds)],
                    "seconds": round(seconds, 1),
                },
                indent=1,
            )
        )
    print(f"== {args.extractor} extractor, {args.cv}-fold cross-validation by article")
    print(f"   {len(items)} articles, {sum(len(i.gold) for i in items)} gold stances")
    for k, c in enumerate(cv.per_fold()):
        chose = f"  (chose C {cv.chosen[k]:g})" if cv.chosen else ""
        print(f"  fold {k}: " + _prf(c.to_dict()) + chose)
    print("\n== pooled by folder (dev: read while the rules and lexicons were written)")
    for source in sorted({i.source for i in items}):
        docs = [i.article.doc for i in items if i.source == source]
        print(f"  {source:<6} " + _prf(cv.evaluation.pooled(docs).to_dict()))
    print("\n== per relation (gold found / gold; correct / predicted)")
    for r in ev.by_relation(cv):
        print(
            f"  {r['relation']:<16} recall {r['found']:>4}/{r['gold']:<4}"
            f" precision {r['correct']:>4}/{r['predicted']:<4}"
        )
    if cv.reach is not None:
        print("\n== gold stances by how the candidate pairs reach them (found / gold)")
        for r in ev.by_reach(cv):
            share = r["found"] / r["gold"]
            print(f"  {r['reach']:<16} {r['found']:>4}/{r['gold']:<4} ({share:.0%})")
    _rows(
        "== calibration (confidence bin: stances, right, share right)",
        [r.to_dict() for r in ev.calibration(preds)],
    )
    print(f"\n== {seconds:.0f} s (parse, candidates, {args.cv} trainings, scoring)")
    c = cv.evaluation.pooled()
    print(
        f"cv: precision {c.precision:.3f} recall {c.recall:.3f} f1 {c.f1:.3f} "
        f"({c.correct}/{c.predicted}, {c.found}/{c.gold})"
    )
    return 0


def _extract(sources):
    """Extract with the library, timed from a cold model load; then again with the trace
    that records each stance's finding (the trace's own work is left out of the time)."""
    from stancegraph.build import extract
    from stancegraph.extract.nlp import load_model

    t0 = time.perf_counter()
    load_model()
    t1 = time.perf_counter()
    _articles, plain, _skipped = extract(sources)
    t2 = time.perf_counter()
    with ev.trace_findings() as trace:
        _articles, stances, _skipped = extract(sources)
    if [s.to_record() for s in stances] != [s.to_record() for s in plain]:
        print(
            "extraction_quality: warning: the traced run differs from the plain run",
            file=sys.stderr,
        )
    seconds = {"total": t2 - t0, "model_load": t1 - t0, "extraction": t2 - t1}
    return seconds, stances, trace


def _prf(c: dict) -> str:
    return (
        f"P {c['precision']:.3f}  R {c['recall']:.3f}  F1 {c['f1']:.3f}  "
        f"({c['correct']}/{c['predicted']} predicted, {c['found']}/{c['gold']} gold)"
    )


def _cut(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def _rows(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    print(f"  {'value':<30} {'n':>4} {'right':>5} {'share':>6}")
    for r in rows:
        print(f"  {r['label']:<30} {r['count']:>4} {r['correct']:>5} {r['share']:>6.2f}")


def print_report(r: dict, n_stances: int) -> None:
    print("== per article")
    for doc, c in r["per_article"].items():
        print(
            f"  {doc:<28} P {c['precision']:.2f} R {c['recall']:.2f}"
            f"  predicted {c['predicted']:>2} correct {c['correct']:>2}"
            f" | gold {c['gold']:>2} found {c['found']:>2}"
        )

    print(f"\n== wrong ({len(r['wrong'])})  actor | stance | target  [relation conf cue]")
    for p in r["wrong"]:
        cue = p["features"].get("cue", "?")
        print(
            f"  {p['doc']}: {p['actor']} | {p['stance']} | {p['target']}"
            f"  [{p['relation']} {p['confidence']:.2f} {cue}]"
        )
        print(f"      « {_cut(p['evidence'])} »")
    print(f"\n== missed ({len(r['missed'])})  actor | stance | target  [relation]")
    for g in r["missed"]:
        print(f"  {g['doc']}: {g['actor']} | {g['stance']} | {g['target']}  [{g['relation']}]")
        print(f"      « {_cut(g['evidence'])} »")

    print("\n== relation confusion (correct stance; rows predicted, columns gold)")
    cells = {(c["predicted"], c["gold"]): c["count"] for c in r["confusion"]}
    rels = sorted({a for a, _ in cells} | {b for _, b in cells})
    width = max([len(x) for x in rels] + [9])
    print("  " + " " * width + "".join(f" {x[:9]:>9}" for x in rels))
    for a in rels:
        print(f"  {a:<{width}}" + "".join(f" {cells.get((a, b), 0) or '.':>9}" for b in rels))

    _rows("== calibration (confidence bin: stances, right, share right)", r["calibration"])
    verdict = "MET" if r["calibration_ok"] else "NOT MET"
    print(f"  requirement (confidence >= 0.8 right >= 90%): {verdict}")
    for feature, rows in r["precision_by"].items():
        _rows(f"== precision by {feature}", rows)

    s = r["seconds"]
    print(
        f"\n== time: {s['total']:.1f} s wall for {n_stances} stances "
        f"(model load {s['model_load']:.1f} s, extraction {s['extraction']:.1f} s)"
    )
    groups = r["groups"]
    print("\n== overall      " + _prf(r["overall"]))
    print("   seeds+d01-11 " + _prf(groups["seen"]))
    print("   d12-d26      " + _prf(groups["unseen"]))


if __name__ == "__main__":
    sys.exit(main())
