"""The extraction pipeline: parse, find mentions, resolve coreference, read
stances sentence by sentence, attribute quotes, and turn findings into
model.Stance records with evidence, date and confidence.

Extraction is a pure function of one article (plus the shared model and
lexicon), so a corpus maps over it in any order or in parallel.
"""

from __future__ import annotations

import re
from collections import Counter

from stancegraph.extract import dates
from stancegraph.extract.coref import article_mentions, link_target_mentions
from stancegraph.extract.lexicon import broader_chain, load_lexicon
from stancegraph.extract.mentions import Mention
from stancegraph.extract.quotes import QuoteReader
from stancegraph.extract.stances import COLLECTIVE_HEADS, Finding, SentenceReader
from stancegraph.extract.votes import member_votes
from stancegraph.model import Article, Entity, Evidence, Stance

# Confidence by how a stance was found, calibrated on the dev set with
# benchmarks/extraction_quality.py (its calibration table): stances at >= 0.8 are
# right at least 90% of the time.
CUE_CONFIDENCE = {
    "verb": 0.9,  # a stance verb with the actor as its subject
    "nested": 0.9,  # stance words composed along the parse
    "member": 0.8,  # a member voting with or against their body
    "speech": 0.75,  # embedded in what someone said
    "owner": 0.75,  # an agency describing its own program
    "evaluation": 0.65,  # evaluative wording in a quotation
}
INDIRECT_ACTOR = 0.15  # reached through a pronoun, a description, or a speaker's title
SUPPORT_NOT_PROGRAM = 0.15  # support of a law or practice: what a missed negation leaves


def article_stances(article: Article, doc) -> list[Stance]:
    lexicon = load_lexicon()
    found_targets, actors = article_mentions(doc, lexicon)
    targets = link_target_mentions(found_targets, local_government(actors))
    reader = SentenceReader(lexicon, _lawsuit_target(doc, targets))
    quotes = QuoteReader(lexicon, doc, actors, targets)
    findings: list[Finding] = []
    sents = list(doc.sents)
    collective: list[Finding] = []
    for k, sent in enumerate(sents):
        sent_actors, sent_targets = _within(sent, actors), _within(sent, targets)
        window = sents[max(0, k - 2)].start_char
        earlier = [t for t in targets if window <= t.start < sent.start_char]
        topic = earlier[-1] if earlier else None
        speakers = quotes.speakers_as_actors(sent)
        here = reader.read(sent, sent_actors + speakers, sent_targets, topic)
        here += _listed_members(reader, sent, sent_actors, collective)
        collective = _collective_findings(reader, sent, sent_targets, topic)
        here += member_votes(sent, sent_actors, findings, here)
        here += _same_again(reader, sent, sent_actors, findings, here)
        here += _owners(reader, sent, sent_actors, sent_targets, quotes.speaker_of, here)
        findings.extend(here)
        findings.extend(quotes.evaluations(sent, sent_targets))
    findings.extend(_spoken_for(findings))
    findings = _drop_contradicted_evaluations(findings)
    return _to_stances(article, doc, findings)


def sentence_evidence(article: Article, start: int, end: int) -> Evidence:
    """The sentence at [start, end) as evidence: its own words without the spaces around
    them, and 32 characters either side to anchor the quote."""
    text = article.text[start:end]
    start += len(text) - len(text.lstrip())
    end = start + len(text.strip())
    return Evidence(
        doc=article.doc,
        start=start,
        end=end,
        text=article.text[start:end],
        prefix=article.text[max(0, start - 32) : start],
        suffix=article.text[end : end + 32],
    )


def article_date(article: Article) -> str | None:
    return article.date or dates.estimate_article_date(article.text)


LOCAL_BODY = re.compile(
    r"\s+(?:Town Council|City Council|County Council|Board of Supervisors|County Commission|"
    r"Board of Commissioners|Commission|Council)$"
)


def local_government(actors: list[Mention]):
    """Where a local law comes from, for naming it: the council or board named just before
    it (same sentence), else the one the article names most."""
    bodies = [m for m in actors if m.type == "government_body" and LOCAL_BODY.search(m.name)]
    counts = Counter(m.name for m in bodies)

    def place(position: int) -> str | None:
        near = [m for m in bodies if 0 < position - m.end < NEAR]
        if near:
            return LOCAL_BODY.sub("", near[-1].name)
        if not counts:
            return None
        return LOCAL_BODY.sub("", max(counts, key=lambda name: (counts[name], -len(name))))

    return place


NEAR = 120  # characters: a body named this close before a local law made it


def _lawsuit_target(doc, targets: list[Mention]) -> Mention | None:
    """What the article's lawsuit challenges: the first target named after "lawsuit" or
    "suit" in the same sentence."""
    for sent in doc.sents:
        suits = [t.idx for t in sent if t.lemma_.lower() in ("lawsuit", "suit")]
        if suits:
            after = [m for m in targets if suits[0] < m.start < sent.end_char and not m.is_anaphor]
            if after:
                return after[0]
    return None


def _owners(reader, sent, actors, targets, speaker_of, here) -> list[Finding]:
    """An agency that announces, describes or defends its own program supports it."""
    out = []
    speaker = speaker_of.get(sent.start_char)
    for target in targets:
        if not target.owner:
            continue
        owners = [
            a
            for a in actors
            if a.name == target.owner and not reader.negated(sent.doc[a.head].head)
        ]
        acting = [a for a in owners if _promotes(reader, reader.clause_of(a, sent.doc)[0])]
        if speaker is not None and speaker.name == target.owner:
            acting.append(speaker)
        if not acting or any(
            f.actor.name == target.owner and f.target.name == target.name for f in here + out
        ):
            continue
        out.append(
            Finding(
                acting[0], target, "support", "supports", sent.start_char, sent.end_char, "owner"
            )
        )
    return out


PROMOTING = {
    "launch",
    "unveil",
    "create",
    "introduce",
    "promote",
    "defend",
    "seek",
    "expand",
    "offer",
    "need",
    "explore",
    "require",
    "want",
    "aim",
}


def _promotes(reader, clause) -> bool:
    """Is the owner announcing, describing or advancing something (not merely present)?"""
    if clause is None:
        return False
    lemma = clause.lemma_.lower()
    return lemma in reader.lex.speech_verbs or lemma in PROMOTING


LISTING_VERBS = {"include", "be", "comprise"}
LISTING_SUBJECTS = {"these", "they", "those", "which", "them"}


def _collective_findings(reader, sent, targets, topic) -> list[Finding]:
    """Stances of an unnamed plural subject ("four other agencies were enrolled in 287(g)"),
    kept for a following list that names its members."""
    found = []
    for tok in sent:
        if (
            tok.tag_ == "NNS"
            and tok.lower_ in COLLECTIVE_HEADS
            and tok.dep_ in ("nsubj", "nsubjpass")
        ):
            placeholder = Mention.of_span("actor", tok.text, "group", tok.doc[tok.i : tok.i + 1])
            found += reader.read(sent, [placeholder], targets, topic)
    return found


def _listed_members(reader, sent, actors, collective: list[Finding]) -> list[Finding]:
    """ "These include the Chester County Sheriff's Office, ... and SLED": the members
    named take the stance the previous sentence gave their group."""
    if not collective:
        return []
    root = sent.root
    subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")]
    if root.lemma_.lower() not in LISTING_VERBS or not subjects:
        return []
    if subjects[0].lower_ not in LISTING_SUBJECTS:
        return []
    out = []
    for m in actors:
        if m.start > subjects[0].idx and m.type in (
            "agency",
            "jurisdiction",
            "government_body",
            "group",
        ):
            for f in collective:
                out.append(
                    Finding(
                        m, f.target, f.stance, f.relation, sent.start_char, sent.end_char, "member"
                    )
                )
    return out


SAME_AGAIN = re.compile(r"\b(?:did the same|followed suit|did likewise|so did|did so too)\b", re.I)


def _same_again(reader, sent, actors, earlier: list[Finding], here: list[Finding]) -> list[Finding]:
    """ "Maverick County did the same", "So did the ACLU of Oregon": the last stance
    reported before, taken by this sentence's actors."""
    if not earlier or not SAME_AGAIN.search(sent.text):
        return []
    last = earlier[-1]
    done = {id(f.actor) for f in here}
    return [
        Finding(
            m, last.target, last.stance, last.relation, sent.start_char, sent.end_char, "member"
        )
        for m in actors
        if id(m) not in done
        and m.name != last.actor.name
        and m.type != "federal_agency"
        and (reader.clause_of(m, sent.doc)[0] is not None or "so did" in sent.text.lower())
    ]


def _within(sent, mentions: list[Mention]) -> list[Mention]:
    return [m for m in mentions if sent.start_char <= m.start < sent.end_char]


def _spoken_for(findings: list[Finding]) -> list[Finding]:
    """The head of a body speaks for it: a sheriff's stated position is the sheriff's
    office's, a director's the organisation's (guidelines: on_behalf_of)."""
    extra = []
    for f in findings:
        a = f.actor
        body_type = a.affiliation_type or (_body_type(a.affiliation) if a.affiliation else None)
        # a chamber's presiding member does not speak for the chamber: its members vote
        if a.type == "official" and a.affiliation and a.leads and body_type != "government_body":
            body = Mention(
                "actor",
                a.affiliation,
                a.affiliation_type or _body_type(a.affiliation),
                a.start,
                a.end,
                a.tok_start,
                a.tok_end,
                a.head,
            )
            extra.append(
                Finding(
                    body,
                    f.target,
                    f.stance,
                    f.relation,
                    f.sent_start,
                    f.sent_end,
                    f.cue,
                    negated=f.negated,
                    derived=True,
                )
            )
    return extra


def _body_type(name: str) -> str:
    from stancegraph.extract.mentions import actor_type

    return actor_type(name, load_lexicon(), "ORG") or "group"


def _drop_contradicted_evaluations(findings: list[Finding]) -> list[Finding]:
    """An actor read as both for and against a target in one article, where a side comes
    only from evaluative wording: that wording was misread, so it goes."""
    sides = {(f.actor.name, f.target.name, f.stance) for f in findings}

    def contradicted(f: Finding) -> bool:
        other = "support" if f.stance == "oppose" else "oppose"
        return (f.actor.name, f.target.name, other) in sides

    return [f for f in findings if f.cue != "evaluation" or not contradicted(f)]


def _to_stances(article: Article, doc, findings: list[Finding]) -> list[Stance]:
    """One stance per (actor, stance, target): the first, most confident evidence wins."""
    best: dict[tuple[str, str, str], Stance] = {}
    order: list[tuple[str, str, str]] = []
    published = article_date(article)  # once: it reads the whole text
    for f in findings:
        if f.actor.name == f.target.name:
            continue
        evidence = sentence_evidence(article, f.sent_start, f.sent_end)
        confidence = CUE_CONFIDENCE.get(f.cue, 0.5)
        if f.actor.referred or f.derived:
            confidence -= INDIRECT_ACTOR
        if f.stance == "support" and f.target.type != "program":
            confidence -= SUPPORT_NOT_PROGRAM
        stance = Stance(
            doc=article.doc,
            actor=entity_of(f.actor),
            stance=f.stance,
            relation=f.relation,
            target=entity_of(f.target),
            evidence=evidence,
            on_behalf_of=on_behalf_of(f.actor),
            date=dates.stance_date(doc, evidence.start, evidence.end, published),
            confidence=max(0.05, min(0.99, confidence)),
        )
        key = (f.actor.name, f.stance, f.target.name)
        if key not in best:
            order.append(key)
            best[key] = stance
        elif stance.confidence > best[key].confidence:
            best[key] = stance
    return [best[k] for k in order]


def on_behalf_of(actor: Mention) -> Entity | None:
    """The body an official speaks for (guidelines: on_behalf_of)."""
    if actor.type == "official" and actor.affiliation:
        return Entity(actor.affiliation, actor.affiliation_type or _body_type(actor.affiliation))
    return None


def entity_of(m: Mention) -> Entity:
    """A mention as the model's Entity (name, type, role, affiliation, hierarchy)."""
    affiliation = None
    if m.affiliation:
        affiliation = Entity(m.affiliation, m.affiliation_type or _body_type(m.affiliation))
    aliases = tuple(sorted(a for a in m.aliases if a and a != m.name))
    return Entity(
        name=m.name,
        type=m.type or "group",
        aliases=aliases,
        role=m.role,
        affiliation=affiliation,
        leads=m.leads,
        level=m.level,
        broader=m.broader,
        broader_chain=broader_chain(m.broader),
        wikidata=m.wikidata,
    )
