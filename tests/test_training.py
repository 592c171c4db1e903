"""The learned extractor: training on a small made-up corpus, determinism of `train`, the
shipped model, the matching rules that label training pairs, and the held-out folds."""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path

import pytest
from conftest import DEV, ROOT

from stancegraph.cli import main
from stancegraph.extract import extract_stances, learned, matching, training
from stancegraph.model import Article

SHARED = ROOT.parent / "shared"

# Invented places and people. Each article says who declined and who joined; the gold
# says the same, so a model trained on them must learn which verbs take which side.
ARTICLES = {
    "a1.txt": (
        "Sheriff Ann Holt said Monday that the Marlow County Sheriff's Office will not join "
        "the 287(g) program.\n"
        "The Brenton City Council voted to join the 287(g) program on Tuesday.\n"
    ),
    "a2.txt": (
        "The Dunmore County Board of Supervisors refused to sign the 287(g) agreement.\n"
        "Sheriff Carl Weiss said his office joined the Warrant Service Officer program.\n"
    ),
    "a3.txt": (
        "The Elkton City Council rejected the Warrant Service Officer program last week.\n"
        "The Fairview County Sheriff's Office signed up for the 287(g) program in May.\n"
    ),
    "a4.txt": (
        "The Glenwood County Commission declined to join the 287(g) program.\n"
        "The Harlow City Council approved the Warrant Service Officer program.\n"
    ),
}
GOLD = {
    "a1.txt": [
        ("Marlow County Sheriff's Office", "oppose", "declines", "287(g) program", 0),
        ("Brenton City Council", "support", "joins", "287(g) program", 1),
    ],
    "a2.txt": [
        ("Dunmore County Board of Supervisors", "oppose", "declines", "287(g) program", 0),
        ("Carl Weiss", "support", "joins", "Warrant Service Officer program", 1),
    ],
    "a3.txt": [
        ("Elkton City Council", "oppose", "declines", "Warrant Service Officer program", 0),
        ("Fairview County Sheriff's Office", "support", "joins", "287(g) program", 1),
    ],
    "a4.txt": [
        ("Glenwood County Commission", "oppose", "declines", "287(g) program", 0),
        ("Harlow City Council", "support", "joins", "Warrant Service Officer program", 1),
    ],
}


def write_corpus(folder: Path) -> Path:
    (folder / "articles").mkdir(parents=True)
    (folder / "gold").mkdir()
    for doc, text in ARTICLES.items():
        (folder / "articles" / doc).write_text(text, encoding="utf-8")
        lines = text.splitlines()
        stances = [
            {
                "actor": actor,
                "actor_type": "agency",
                "stance": stance,
                "relation": relation,
                "target": target,
                "target_type": "program",
                "evidence": lines[line],
            }
            for actor, stance, relation, target, line in GOLD[doc]
        ]
        gold = {"doc": doc, "stances": stances}
        (folder / "gold" / doc.replace(".txt", ".json")).write_text(json.dumps(gold))
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def tiny_model(tiny, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model") / "model.json.gz"
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["train", str(tiny), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_training_labels_the_gold_pairs_and_learns_their_sides(tiny):
    items = training.read_annotated([tiny])
    assert [i.article.doc for i in items] == sorted(ARTICLES)
    cands = training.candidates_for([i.article for i in items])
    labels = [training.label(c, i.gold) for c, i in zip(cands, items, strict=True)]
    positives = {
        (c.actor.name, y)
        for article, ys in zip(cands, labels, strict=True)
        for c, (y, _) in zip(article.candidates, ys, strict=True)
        if y > 0
    }
    assert ("Glenwood County Commission", training.OPPOSE) in positives
    assert ("Harlow City Council", training.SUPPORT) in positives
    model = learned.StanceModel(
        training.fit(training.training_set(zip(cands, [i.gold for i in items], strict=True)))
    )
    # an article it never saw, with the same verbs about other places
    unseen = Article(
        "u.txt",
        "The Ironton City Council declined to join the 287(g) program.\n"
        "The Jasper County Sheriff's Office joined the Warrant Service Officer program.\n",
    )
    got = {(s.actor.name, s.stance, s.target.name) for s in extract_stances([unseen], model=model)}
    assert ("Ironton City Council", "oppose", "287(g) program") in got
    assert ("Jasper County Sheriff's Office", "support", "Warrant Service Officer program") in got
    assert ("Ironton City Council", "support", "287(g) program") not in got


def test_train_is_deterministic(tiny, tiny_model, tmp_path):
    from click.testing import CliRunner

    again = tmp_path / "again.json.gz"
    result = CliRunner().invoke(main, ["train", str(tiny), "--out", str(again)])
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == tiny_model.read_bytes()


def test_extract_takes_a_trained_model_file(tiny_model, tmp_path):
    from click.testing import CliRunner

    article = tmp_path / "k.txt"
    article.write_text("The Kenton City Council refused to join the 287(g) program.\n")
    result = CliRunner().invoke(main, ["extract", str(article), "--model", str(tiny_model)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert {(r["actor"], r["stance"]) for r in records} >= {("Kenton City Council", "oppose")}
    for r in records:
        assert article.read_text()[r["start"] : r["end"]] == r["evidence"]


def test_confidence_is_mapped_through_the_calibration_training_learned(tiny):
    """The reported confidence is the held-out share right at that raw probability: a
    calibration that says "right 42% of the time, whatever the raw score" gives 0.42."""
    items = training.read_annotated([tiny])
    cands = training.candidates_for([i.article for i in items])
    data = training.fit_calibrated(cands, [i.gold for i in items], k=2)
    data.pop("calibration", None)
    unseen = Article("u.txt", "The Ironton City Council declined to join the 287(g) program.\n")
    raw = extract_stances([unseen], model=learned.StanceModel(data))
    assert raw and all(s.confidence != 0.42 for s in raw)
    data["calibration"] = {"raw": [0.0, 1.0], "calibrated": [0.42, 0.42], "stances": 2}
    mapped = extract_stances([unseen], model=learned.StanceModel(data))
    assert [s.confidence for s in mapped] == [0.42] * len(raw)
    # monotone maps keep the order of the raw confidences
    data["calibration"] = {"raw": [0.0, 0.5, 1.0], "calibrated": [0.1, 0.3, 0.9], "stances": 3}
    model = learned.StanceModel(data)
    assert model.calibrated(0.25) == pytest.approx(0.2)
    assert model.calibrated(0.75) == pytest.approx(0.6)


def test_bad_training_input_is_one_line_and_exit_2(tmp_path):
    from click.testing import CliRunner

    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["train", str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "no gold files" in result.output
    (tmp_path / "bad" / "gold").mkdir(parents=True)
    (tmp_path / "bad" / "gold" / "x.json").write_text("{not json")
    result = CliRunner().invoke(main, ["train", str(tmp_path / "bad")])
    assert result.exit_code == 2 and "not a gold file" in result.output
    junk = tmp_path / "junk.json.gz"
    junk.write_bytes(b"not a model")
    (tmp_path / "a.txt").write_text("The Kenton City Council refused to join 287(g).\n")
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "a.txt"), "--model", str(junk)])
    assert result.exit_code == 2 and "not a stancegraph model" in result.output


def test_the_shipped_model_loads_and_names_what_it_was_trained_on():
    model = learned.shipped_model()
    assert len(model.index) > 1000
    assert set(model.detect.classes) == {"none", "stance"}
    assert set(model.polarity.classes) == {"oppose", "support"}
    assert len(model.data["trained_on"]) >= 100


def test_rules_stay_available_beside_the_learned_default(tmp_path):
    from click.testing import CliRunner

    article = tmp_path / "r.txt"
    article.write_text(
        "Sheriff Lee Park said the Moreland County Sheriff's Office will not join "
        "the 287(g) program.\n"
    )
    runner = CliRunner()
    rules = runner.invoke(main, ["extract", str(article), "--extractor", "rules"])
    assert rules.exit_code == 0, rules.output
    assert any(json.loads(line)["stance"] == "oppose" for line in rules.output.splitlines())
    bad = runner.invoke(main, ["extract", str(article), "--extractor", "magic"])
    assert bad.exit_code == 2


# ---------------------------------------------------------------- matching and folds


def _scorer():
    path = DEV / "score.py"
    if not path.is_file():
        pytest.skip("the dev set's score.py (../shared/dev) is not beside this clone")
    spec = importlib.util.spec_from_file_location("dev_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_matching_rules_agree_with_the_scorer():
    score = _scorer()
    gold = []
    for f in sorted((DEV / "gold").glob("*.json"))[:12]:
        gold.extend(json.loads(f.read_text())["stances"])
    names = sorted(
        {n for g in gold for n in [g["actor"], g["target"], *g.get("target_aliases", [])]}
    )
    probes = names[:120] + ["the 287(g) program", "limits on cooperation with ICE", "ICE"]
    for a in probes:
        for b in names[:60]:
            assert matching.same(a, b) == score.same(a, b), (a, b)
            assert matching.same_target(a, b) == score.same_target(a, b), (a, b)
    groups = score.actor_groups(gold)
    for g in gold[:40]:
        assert matching.names(g, "actor", groups) == score.names(g, "actor", groups)


def test_folds_split_by_article_and_by_folder():
    from stancegraph.evaluate import folds_by_article

    items = [
        training.Annotated(Article(f"{src}{n}.txt", "x"), [], src)
        for src in ("dev", "train")
        for n in range(10)
    ]
    folds = folds_by_article(items, 5)
    assert folds == folds_by_article(list(reversed(items)), 5)  # fixed, whatever the order
    assert set(folds.values()) == set(range(5))
    for fold in range(5):
        members = [d for d, f in folds.items() if f == fold]
        assert sum(d.startswith("dev") for d in members) == 2
        assert sum(d.startswith("train") for d in members) == 2


def test_the_cross_validation_harness_prints_its_last_line(tmp_path):
    """benchmarks/extraction_quality.py --cv on a made-up shared folder: two folds, the
    scorer's own rules, and the last line in the agreed form."""
    score = DEV / "score.py"
    if not score.is_file():
        pytest.skip("the dev set's score.py (../shared/dev) is not beside this clone")
    shared = tmp_path / "shared"
    write_corpus(shared / "dev")
    (shared / "dev" / "score.py").write_bytes(score.read_bytes())
    (shared / "train").mkdir()
    (shared / "seeds").mkdir()
    bench = importlib.util.spec_from_file_location(
        "extraction_quality", ROOT / "benchmarks" / "extraction_quality.py"
    )
    module = importlib.util.module_from_spec(bench)
    bench.loader.exec_module(module)
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert module.main(["--cv", "2", "--shared", str(shared)]) == 0
    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("cv: precision ") and " f1 " in lines[-1], lines[-1]
    assert sum(line.startswith("  fold ") for line in lines) == 2
    start = lines.index("== gold stances by how the candidate pairs reach them (found / gold)")
    rows = list(itertools.takewhile(lambda line: line.startswith("  "), lines[start + 1 :]))
    counted = sum(int(row.split()[-2].split("/")[1]) for row in rows)
    assert rows and counted == sum(len(g) for g in GOLD.values())  # each gold entry, once
    tail = lines[-1].split("(")[1]
    assert tail.endswith(f"/{sum(len(g) for g in GOLD.values())})")  # every gold entry counted


def test_reach_says_which_gold_stances_the_candidates_can_find():
    """Where recall is lost: a gold stance is reached when one candidate pair holds both its
    actor and its target (by the kind of that target), else only one of them or neither."""
    from stancegraph import evaluate as ev

    text = (
        "Sheriff Ann Holt said Monday that the Marlow County Sheriff's Office will not join "
        "the 287(g) program.\n"
        "The Dorset Police Department condemned the questioning of residents about "
        "immigration status.\n"
    )
    gold = [
        ("Marlow County Sheriff's Office", "287(g) program"),
        ("Dorset Police Department", "questioning residents about immigration status"),
        ("Dorset Police Department", "287(g) program"),  # named in the sentence before
        ("Kent County Commission", "287(g) program"),
        ("Marlow County Sheriff's Office", "Secure Communities"),
        ("Nobody Named", "nothing said"),
    ]
    entries = [{"actor": a, "target": t, "stance": "oppose"} for a, t in gold]
    cands = training.candidates_for([Article("a.txt", text)])[0].candidates
    assert ev.reach_of(cands, entries, matching) == [
        "gazetteer",
        "phrase",
        "implicit",
        "target only",
        "actor only",
        "neither",
    ]


def test_nested_cross_validation_uses_the_penalty_each_fold_chose(tmp_path):
    """--choose-c: each outer fold's training articles choose C by an inner search, and the
    chosen C is what that fold's model is fitted with: two grids of one C each give the
    folds different models, and the shipped C chosen alone gives the plain figures."""
    from stancegraph import evaluate as ev

    score = DEV / "score.py"
    if not score.is_file():
        pytest.skip("the dev set's score.py (../shared/dev) is not beside this clone")
    items = training.read_annotated([write_corpus(tmp_path / "dev")])
    scorer = ev.load_scorer(score)

    def found(cv):
        return [
            (p.doc, p.actor, p.target, p.stance, p.confidence) for p in cv.evaluation.predictions
        ]

    strong = ev.cross_validate(items, scorer, "learned", 2, choose=[1e-6], inner_k=2)
    weak = ev.cross_validate(items, scorer, "learned", 2, choose=[100.0], inner_k=2)
    assert strong.chosen == [1e-6, 1e-6] and weak.chosen == [100.0, 100.0]
    assert found(strong) != found(weak)
    both = ev.cross_validate(items, scorer, "learned", 2, choose=[1e-6, 100.0], inner_k=2)
    assert set(both.chosen) <= {1e-6, 100.0}
    for k, c in enumerate(both.chosen):  # each fold's stances are those of its chosen C
        one = strong if c == 1e-6 else weak
        in_fold = [f for f in found(both) if both.folds[f[0]] == k]
        assert in_fold == [f for f in found(one) if one.folds[f[0]] == k]
    plain = ev.cross_validate(items, scorer, "learned", 2)
    assert plain.chosen is None
    fixed = ev.cross_validate(items, scorer, "learned", 2, choose=[training.REGULARISATION])
    assert found(fixed) == found(plain)


def _seed_articles() -> list[Article]:
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    return [Article(p.name, p.read_text(encoding="utf-8")) for p in seeds]


def test_the_rules_and_the_candidates_each_get_their_own_mentions():
    """Both start from mentions found once per Doc, and both change theirs in place (the
    rules name a local law after its place, the candidates mark their targets' origin):
    candidates after the rules read a Doc are those of a Doc the rules never touched."""
    from stancegraph.extract.candidates import article_candidates
    from stancegraph.extract.nlp import parse
    from stancegraph.extract.pipeline import article_stances

    def described(cands):
        return [
            (c.actor.name, c.target.name, c.target.origin, c.sent_start, sorted(c.features))
            for c in cands.candidates
        ]

    local_law = (  # the rules call it the Brenton ordinance; to the candidates it is a phrase
        "The Brenton City Council voted 5-2 on Tuesday to approve the ordinance, which bars "
        "police from asking about immigration status.\n"
        "Mayor Ann Holt said the ordinance would keep families together.\n"
    )
    articles = [Article("local.txt", local_law), *_seed_articles()]
    shared, fresh = parse([a.text for a in articles]), parse([a.text for a in articles])
    for article, doc, alone in zip(articles, shared, fresh, strict=True):
        rules = article_stances(article, doc)
        assert article_stances(article, doc) == rules  # the rules' own mentions untouched too
        assert described(article_candidates(article, doc, rules)) == described(
            article_candidates(article, alone, article_stances(article, parse([article.text])[0]))
        )


def test_a_doc_both_extractors_read_still_serialises():
    """The mentions found once per Doc are kept beside it, not in its user_data, which
    spaCy writes with the Doc (Doc.to_bytes, DocBin): a caller keeping its parses can."""
    from spacy.tokens import Doc

    from stancegraph.extract.candidates import article_candidates
    from stancegraph.extract.nlp import parse
    from stancegraph.extract.pipeline import article_stances

    [article] = _seed_articles()[:1]
    [doc] = parse([article.text])
    article_candidates(article, doc, article_stances(article, doc))
    assert Doc(doc.vocab).from_bytes(doc.to_bytes()).text == article.text


def test_the_words_between_a_pair_are_the_tokens_between_their_mentions():
    """The tokens between actor and target come from a bisection of the token offsets (no walk
    over the article for each pair); they are exactly the tokens that start between them."""
    cands = training.candidates_for(_seed_articles())
    checked = 0
    for article in cands:
        for c in article.candidates:
            if c.target_kind.startswith("implicit"):
                continue
            a, t = c.actor, c.target
            lo, hi = (a.end, t.start) if a.start < t.start else (t.end, a.start)
            lo, hi = sorted((lo, hi))
            words = {
                f"b={tok.lemma_.lower()}"
                for tok in article.doc
                if lo <= tok.idx < hi and not tok.is_punct
            }
            assert {k for k in c.features if k.startswith("b=")} == words
            checked += 1
    assert checked > 100


def test_a_statement_announced_with_a_colon_is_its_speakers_until_others_speak():
    """'X issued the following statement:' makes X the speaker of the unquoted sentences
    after it (a press release printed whole), and no longer once others are said to speak."""
    text = (
        "Marlow County Sheriff Dana Whitfield issued the following statement:\n"
        "We will not join the 287(g) program. Our deputies are not immigration agents.\n"
        "Supporters of the 287(g) program said the county should sign the agreement.\n"
    )
    cands = training.candidates_for([Article("a.txt", text)])[0].candidates
    stated = {
        text[c.sent_start : c.sent_end].strip()
        for c in cands
        if c.actor.name == "Dana Whitfield" and c.features.get("how=statement")
    }
    assert stated == {
        "We will not join the 287(g) program.",
        "Our deputies are not immigration agents.",
    }
    later = text.index("Supporters")
    assert not [c for c in cands if c.sent_start >= later and c.actor.name == "Dana Whitfield"]
