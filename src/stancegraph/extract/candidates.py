"""Candidate (actor, target) pairs of an article, with the features a classifier reads.

The learned extractor (extract/learned.py) works in two steps: this module proposes,
generously, every pairing of an actor and a target that a sentence could carry a
stance between, and a trained classifier decides which are stances and which way.
Recall is made here, precision there.

Actors are the rule-based mentions (named entities, titles, coreference, speakers of
quotations, the body an official speaks for). Targets are the gazetteer's names,
every noun or gerund phrase that holds a word of the field (data/domain_words.toml),
and, for a sentence that names none, the target the text was about just before.
Each pair carries sparse features: the words of the sentence and between the two, the
dependency path joining them, negation, who speaks, and what the rule-based reader
made of the same pair (its verdict is one feature among many, not the judge).
"""

from __future__ import annotations

import copy
import re
import tomllib
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from stancegraph.extract.coref import article_mentions, link_target_mentions
from stancegraph.extract.lexicon import load_lexicon
from stancegraph.extract.mentions import Mention
from stancegraph.extract.nlp import once
from stancegraph.extract.quotes import QuoteReader
from stancegraph.model import RELATIONS, Article

MAX_PHRASE_TOKENS = 14  # a target phrase longer than this is a clause, not a name
TOPIC_SENTENCES = 3  # how far back a sentence that names no target looks for one
DETERMINERS = re.compile(
    r"^(?:the|a|an|this|that|these|those|its|their|his|her|our|my|your|any|such|"
    r"each|every|some|all|no)\s+",
    re.I,
)
NEGATIONS = {"not", "no", "never", "n't", "without", "nor", "neither", "refuse", "decline"}


@cache
def _domain_data() -> dict:
    return tomllib.loads(
        resources.files("stancegraph").joinpath("data/domain_words.toml").read_text()
    )


@cache
def head_types() -> dict[str, str]:
    """Head noun -> the type of a target it heads (data/domain_words.toml, [head_types])."""
    return {noun: kind for kind, nouns in _domain_data()["head_types"].items() for noun in nouns}


@cache
def domain_words() -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
    """(single words, multiword sequences) that mark a phrase as about the field."""
    data = _domain_data()
    single = frozenset(w for w in data["words"] if " " not in w)
    multi = tuple(tuple(w.split()) for w in data["words"] if " " in w)
    return single, multi


@dataclass
class Candidate:
    """One possible stance: an actor mention and a target in one sentence."""

    actor: Mention
    target: Mention
    sent_start: int
    sent_end: int
    target_kind: str = ""  # gazetteer, phrase, implicit (named before), implicit_main
    features: dict[str, float] = field(default_factory=dict)

    def key(self) -> tuple[str, str]:
        return (self.actor.name, self.target.name)


@dataclass
class ArticleCandidates:
    """Everything the classifier needs of one article."""

    article: Article
    doc: object  # the spaCy Doc
    candidates: list[Candidate]


def article_candidates(article: Article, doc, rules_stances=None) -> ArticleCandidates:
    """All candidate pairs of a parsed article. `rules_stances`: what the rule-based
    extractor found in it (model.Stance list), read as features."""
    lexicon = load_lexicon()
    found_targets, actors = article_mentions(doc, lexicon)
    gazetteer = [t for t in link_target_mentions(found_targets, _no_place) if t.name]
    quotes = QuoteReader(lexicon, doc, actors, gazetteer)
    rules = _RulesIndex(rules_stances or [])
    sents = list(doc.sents)
    targets_by_sent = [_sentence_targets(sent, gazetteer, actors) for sent in sents]
    counts = Counter(t.name for ts in targets_by_sent for t in ts if t.origin == "gazetteer")
    main = counts.most_common(1)[0][0] if counts else None
    out: list[Candidate] = []
    for k, sent in enumerate(sents):
        sent_actors = _sentence_actors(sent, actors, quotes)
        if not sent_actors:
            continue
        named = targets_by_sent[k]
        implicit = _topic_targets(targets_by_sent, k, named, main)
        for actor, how in sent_actors:
            for target, tkind in [(t, t.origin) for t in named] + implicit:
                if _overlaps(actor, target) and not tkind.startswith("implicit"):
                    continue
                if actor.name == target.name:
                    continue
                cand = Candidate(actor, target, sent.start_char, sent.end_char, tkind)
                cand.features = pair_features(
                    doc,
                    sent,
                    actor,
                    how,
                    target,
                    tkind,
                    rules,
                    quotes,
                    len(sent_actors),
                    len(named),
                )
                out.append(cand)
    return ArticleCandidates(article, doc, out)


def _no_place(_position: int) -> None:
    return None


# ------------------------------------------------------------------ actors


def _sentence_actors(sent, actors: list[Mention], quotes: QuoteReader):
    """(mention, how it is reached) for every actor the sentence could be a stance of:
    the ones it names, the speaker of its quotation, and the body an official heads."""
    found: list[tuple[Mention, str]] = []
    seen: set[str] = set()

    def add(m: Mention, how: str) -> None:
        if m.name and m.name not in seen and m.type:
            seen.add(m.name)
            found.append((m, how))

    for m in actors:
        if sent.start_char <= m.start < sent.end_char:
            add(m, "pronoun" if m.pronoun else ("referred" if m.referred else "named"))
    speaker = quotes.speaker_of.get(sent.start_char)
    if speaker is not None and speaker.name:
        add(speaker, "statement" if sent.start_char in quotes.stated else "speaker")
    for m, _how in list(found):
        if m.type == "official" and m.affiliation and m.leads:
            body = copy.copy(m)
            body.name, body.type = m.affiliation, m.affiliation_type or "agency"
            body.role = body.affiliation = None
            body.aliases = set()
            add(body, "body")
    return found


# ------------------------------------------------------------------ targets


def _sentence_targets(sent, gazetteer: list[Mention], actors: list[Mention]) -> list[Mention]:
    """The gazetteer's targets in the sentence, and every phrase of the field that none of
    them covers."""
    named = [t for t in gazetteer if sent.start_char <= t.start < sent.end_char]
    for t in named:
        t.origin = "gazetteer"
    taken = [(t.start, t.end) for t in named]
    phrases = []
    for span in _phrases(sent):
        if any(s < span.end_char and span.start_char < e for s, e in taken):
            continue  # a known program's name beats a description holding it
        if any(a.start <= span.start_char and span.end_char <= a.end for a in actors):
            continue  # an actor's own name ("ICE", "the Border Patrol")
        name = clean_phrase(span.text)
        if not name or len(name) < 3:
            continue
        m = Mention.of_span("target", name, phrase_type(span), span)
        m.origin = "phrase"
        phrases.append(m)
    return named + _distinct(phrases)


def _phrases(sent):
    """Noun phrases (with their prepositional complements) and gerund phrases of the
    sentence that hold a word of the field."""
    single, multi = domain_words()
    doc = sent.doc
    lowers = [tok.lower_ for tok in sent]  # read once: each token access builds an object
    marked = set()
    for k, tok in enumerate(sent):
        if lowers[k] in single or tok.lemma_.lower() in single:
            marked.add(sent.start + k)
    for seq in multi:
        n = len(seq)
        for k in range(len(lowers) - n + 1):
            if lowers[k] == seq[0] and tuple(lowers[k : k + n]) == seq:
                marked.update(range(sent.start + k, sent.start + k + n))
    if not marked:
        return []
    marked_sorted = sorted(marked)
    spans = {}
    for tok in sent:
        if tok.pos_ not in ("NOUN", "PROPN") and not (tok.tag_ == "VBG" and tok.dep_ != "aux"):
            continue
        left = tok.left_edge.i
        # the noun with its modifiers and its complements, and the noun with its modifiers
        for right in {tok.right_edge.i, _modifiers_end(tok)}:
            if right - left + 1 > MAX_PHRASE_TOKENS:
                continue
            first = bisect_left(marked_sorted, left)  # the first marked token from `left`
            if first == len(marked_sorted) or marked_sorted[first] > right:
                continue
            span = doc[left : right + 1]
            while len(span) and (span[-1].is_punct or span[-1].pos_ in ("CCONJ", "ADP")):
                span = span[:-1]
            while len(span) and span[0].is_punct:
                span = span[1:]
            if len(span):
                spans[(span.start, span.end)] = span
    return [spans[k] for k in sorted(spans)]


def phrase_type(span) -> str:
    """A described target's type from its head noun; practice when the head says none."""
    return head_types().get(span.root.lemma_.lower(), "practice")


def _modifiers_end(tok) -> int:
    """The last token of `tok` with its left modifiers and its compound-like right ones
    (no clause, no prepositional phrase beyond one)."""
    end = tok.i
    for child in tok.rights:
        if child.dep_ == "prep":
            objects = [c for c in child.children if c.dep_ == "pobj"]
            if objects:
                end = max(end, _phrase_end(objects[0]))
            break
        if child.dep_ in ("compound", "nummod", "appos", "amod"):
            end = max(end, child.right_edge.i)
        else:
            break
    return end


def _phrase_end(tok) -> int:
    end = tok.i
    for child in tok.rights:
        if child.dep_ in ("compound", "nummod", "amod", "poss"):
            end = max(end, child.right_edge.i)
    return end


def clean_phrase(text: str) -> str:
    """A target phrase as a name: no leading determiner, possessive pronoun or quotes."""
    name = " ".join(text.split()).strip(" \"'“”‘’,.;:()-—")
    for _ in range(2):
        name = DETERMINERS.sub("", name)
    return name.strip(" \"'“”‘’,.;:")


def _distinct(mentions: list[Mention]) -> list[Mention]:
    seen: set[str] = set()
    out = []
    for m in mentions:
        if m.name.lower() not in seen:
            seen.add(m.name.lower())
            out.append(m)
    return out


def _topic_targets(targets_by_sent, k: int, named, main):
    """For a sentence that names no gazetteer target: the last one named a few sentences
    before, and the one the article names most."""
    if any(t.origin == "gazetteer" for t in named):
        return []
    out = []
    for j in range(k - 1, max(-1, k - 1 - TOPIC_SENTENCES), -1):
        earlier = [t for t in targets_by_sent[j] if t.origin == "gazetteer"]
        if earlier:
            out.append((earlier[-1], "implicit"))
            break
    if main and all(t.name != main for t, _ in out):
        for ts in targets_by_sent:
            hit = next((t for t in ts if t.name == main), None)
            if hit is not None:
                out.append((hit, "implicit_main"))
                break
    return out


def _overlaps(a: Mention, b: Mention) -> bool:
    return a.start < b.end and b.start < a.end


# ------------------------------------------------------------------ features


class _RulesIndex:
    """What the rule-based reader found, by (actor, target, sentence) and by pair."""

    def __init__(self, stances):
        self.by_sentence: dict[tuple[str, str, int], tuple[str, str]] = {}
        self.by_pair: dict[tuple[str, str], str] = {}
        self.by_actor_sentence: dict[tuple[str, int], str] = {}
        for s in stances:
            start = s.evidence.start
            self.by_sentence[(s.actor.name, s.target.name, start)] = (s.stance, s.relation)
            self.by_pair[(s.actor.name, s.target.name)] = s.stance
            self.by_actor_sentence[(s.actor.name, start)] = s.stance

    def sentence(self, actor, target, start, end):
        for pos in range(start, min(end, start + 8)):  # evidence is the stripped sentence
            hit = self.by_sentence.get((actor, target, pos))
            if hit:
                return hit
        return None

    def actor_sentence(self, actor, start, end):
        for pos in range(start, min(end, start + 8)):
            hit = self.by_actor_sentence.get((actor, pos))
            if hit:
                return hit
        return None


def pair_features(doc, sent, actor, how, target, tkind, rules, quotes, n_actors, n_targets):
    """Sparse features of one (actor, target) pair in one sentence."""
    f: dict[str, float] = {"bias": 1.0}
    f[f"how={how}"] = 1.0
    f[f"atype={actor.type}"] = 1.0
    f[f"tkind={tkind}"] = 1.0
    f[f"ttype={target.type}"] = 1.0
    f[f"atype={actor.type}&tkind={tkind}"] = 1.0
    verdict = rules.sentence(actor.name, target.name, sent.start_char, sent.end_char)
    if verdict:
        f[f"rules={verdict[0]}"] = 1.0
        f[f"rules_rel={verdict[1]}"] = 1.0
    else:
        f["rules=none"] = 1.0
    whole = rules.by_pair.get((actor.name, target.name))
    f[f"rules_article={whole or 'none'}"] = 1.0
    other = rules.actor_sentence(actor.name, sent.start_char, sent.end_char)
    if other and not verdict:
        f[f"rules_actor_other={other}"] = 1.0
    f[f"na={min(n_actors, 4)}"] = 1.0
    f[f"nt={min(n_targets, 5)}"] = 1.0
    speaker = quotes.speaker_of.get(sent.start_char)
    if speaker is not None and speaker.name == actor.name:
        f["a_speaks"] = 1.0
    in_quote = any(s <= target.start < e for s, e in quotes.quotes)
    f["t_in_quote" if in_quote else "t_out_quote"] = 1.0
    _polarity_words(sent, f, "s")
    negated_sentence = False
    for tok in sent:
        if tok.is_punct or tok.is_space:
            continue
        lemma = tok.lemma_.lower()
        if tok.dep_ == "neg" or lemma in NEGATIONS:
            negated_sentence = True
        if not tok.is_stop or lemma in NEGATIONS:
            f[f"w={lemma}"] = 1.0
    if negated_sentence:
        f["neg_sentence"] = 1.0
    for word in target.name.lower().split()[:8]:
        f[f"tw={word}"] = 1.0
    if tkind in ("implicit", "implicit_main"):
        _actor_context(doc, actor, f)
        return f
    a_tok, t_tok = doc[actor.head], doc[target.head]
    lo, hi = (
        sorted((actor.end, target.start))
        if actor.start < target.start
        else sorted((target.end, actor.start))
    )
    f["a_first" if actor.start < target.start else "t_first"] = 1.0
    starts = _token_starts(doc)
    between = doc[bisect_left(starts, lo) : bisect_left(starts, hi)]
    f[f"dist={_bucket(len(between))}"] = 1.0
    for tok in between:
        if not tok.is_punct:
            f[f"b={tok.lemma_.lower()}"] = 1.0
    if any(t.text in ",;" for t in between) and len(between) > 6:
        f["b_clause_break"] = 1.0
    _actor_context(doc, actor, f)
    _composed_reading(doc, actor, target, f)
    path, negated = dependency_path(a_tok, t_tok)
    _polarity_words(_path_tokens(a_tok, t_tok), f, "p")
    f[f"plen={min(len(path), 6)}"] = 1.0
    for step in path:
        f[f"p={step}"] = 1.0
        if negated:
            f[f"pneg={step}"] = 1.0
    if negated:
        f["path_negated"] = 1.0
    if len(path) <= 4:
        f["path=" + ">".join(path)] = 1.0
    gov = t_tok.head
    f[f"t_dep={t_tok.dep_}"] = 1.0
    f[f"t_gov={gov.lemma_.lower()}"] = 1.0
    if gov.dep_ == "prep":
        f[f"t_gov2={gov.head.lemma_.lower()}+{gov.lemma_.lower()}"] = 1.0
    return f


def _token_starts(doc) -> list[int]:
    """Each token's character offset, in order, kept beside the Doc: the tokens between two
    mentions are then a slice found by bisection, not a walk over the whole article for
    every pair (which made an article's features grow with its length squared)."""
    return once(doc, "token_starts", lambda: [tok.idx for tok in doc])


def _actor_context(doc, actor, f) -> None:
    tok = doc[actor.head]
    f[f"a_dep={tok.dep_}"] = 1.0
    verb = tok.head
    f[f"a_gov={verb.lemma_.lower()}"] = 1.0
    if any(c.dep_ == "neg" for c in verb.children):
        f["a_gov_negated"] = 1.0
        f[f"a_gov_neg={verb.lemma_.lower()}"] = 1.0
    for child in verb.children:
        if child.dep_ in ("xcomp", "ccomp", "dobj", "prep") and child.i != tok.i:
            f[f"a_gov_{child.dep_}={child.lemma_.lower()}"] = 1.0


def _composed_reading(doc, actor, target, f) -> None:
    """What the rule-based reader's composition of the parse says of this very pair (also
    for targets the gazetteer does not know): the clause the actor is the subject of, and
    the polarity multiplied along the path from it down to the target."""
    reader = _reader()
    clause, role = reader.clause_of(actor, doc)
    if clause is None:
        f["clause=none"] = 1.0
        return
    f[f"clause={role}"] = 1.0
    f[f"clause_lemma={clause.lemma_.lower()}"] = 1.0
    composed = reader.compose(clause, target, doc, actor)
    if composed is None:
        f["composed=none"] = 1.0
        return
    stance, relation, cue, negated, other_subject = composed
    f[f"composed={stance}"] = 1.0
    f[f"composed_rel={relation}"] = 1.0
    f[f"composed_cue={cue}"] = 1.0
    if negated:
        f["composed_negated"] = 1.0
    if other_subject is not None:
        f["composed_other_subject"] = 1.0


@cache
def _reader():
    from stancegraph.extract.stances import SentenceReader

    return SentenceReader(load_lexicon())


def _polarity_words(tokens, f, where: str) -> None:
    """Which way the stance words of the lexicon point (data/predicates.toml and
    evaluative.toml), flipped by a negation on the word: features that carry polarity
    from verbs seen in training to verbs of the same kind never seen."""
    lex = load_lexicon()
    for tok in tokens:
        lemma = tok.lemma_.lower()
        relation = lex.verbs.get(lemma) or lex.nouns.get(lemma) or lex.adjectives.get(lemma)
        side = RELATIONS.get(relation) if relation else None
        if side is None:
            if lemma in lex.negative or lemma in lex.condemning:
                side = "oppose"
            elif lemma in lex.positive:
                side = "support"
        if side is None:
            continue
        if any(c.dep_ == "neg" for c in tok.children) or any(
            c.dep_ == "neg" for c in tok.head.children if tok.dep_ in ("xcomp", "dobj")
        ):
            side = "support" if side == "oppose" else "oppose"
            f[f"{where}_lex_negated"] = 1.0
        f[f"{where}_lex={side}"] = f.get(f"{where}_lex={side}", 0.0) + 1.0
        if relation:
            f[f"{where}_rel={relation}"] = 1.0


def _path_tokens(a, b) -> list:
    up_a = [a, *a.ancestors]
    ids_b = {t.i for t in [b, *b.ancestors]}
    out = []
    for t in up_a:
        out.append(t)
        if t.i in ids_b:
            break
    top = out[-1]
    for t in [b, *b.ancestors]:
        if t.i == top.i:
            break
        out.append(t)
    return out


def dependency_path(a, b) -> tuple[list[str], bool]:
    """The lemmas (with dependency labels) on the tree path from token a up to the common
    ancestor and down to token b, and whether a word on it is negated."""
    up_a = [a, *a.ancestors]
    up_b = [b, *b.ancestors]
    ids_b = {t.i: k for k, t in enumerate(up_b)}
    common = next((k for k, t in enumerate(up_a) if t.i in ids_b), None)
    if common is None:
        return ["nopath"], False
    top = up_a[common]
    chain = up_a[1:common] + [top] + list(reversed(up_b[1 : ids_b[top.i]]))
    steps = []
    negated = False
    for tok in chain:
        steps.append(f"{tok.lemma_.lower()}/{tok.dep_}")
        if any(c.dep_ == "neg" for c in tok.children):
            negated = True
    return steps, negated


def _bucket(n: int) -> str:
    for limit, label in ((0, "0"), (3, "1-3"), (8, "4-8"), (15, "9-15")):
        if n <= limit:
            return label
    return "16+"
