"""Reported speech: who said a quotation, and what a quotation says about a target.

A quotation's speaker is the subject of a verb of saying in the sentence that
holds the quotation or in the sentence next to it within the paragraph
("'...,' said Lorella Praeli", "Garcetti said on Twitter."). Inside the
quotation, "I" and "we" are the speaker. A quotation (or the complement of a
verb of saying) that carries no stance verb is read for evaluative wording
(lexicon `evaluative.toml`) about the target it mentions, or, when it names
none, the target its context was about.
"""

from __future__ import annotations

import copy
import re
from collections import Counter

from stancegraph.extract.lexicon import Lexicon
from stancegraph.extract.mentions import Mention, doc_text
from stancegraph.extract.stances import FIRST_PERSON, Finding, SentenceReader

STATEMENT_SENTENCES = 12  # how far a statement announced by "the following statement:" runs
EVALUATION_DEPTH = 2  # only words near the top of the parse judge what the sentence is about
TOPIC_WINDOW = 4
NO_SPEAKER = Mention(
    "actor", "", "", -1, -1, -1, -1, -1
)  # said by someone unnamed  # sentences back to look for what a quotation is about
QUOTE = re.compile(r"[“\"]([^”\"]{8,}?)(?:[”\"]|\n\n|$)", re.S)


class QuoteReader:
    def __init__(self, lexicon: Lexicon, doc, actors: list[Mention], targets: list[Mention]):
        self.lex = lexicon
        self.reader = SentenceReader(lexicon)
        self.doc = doc
        self.actors = actors
        self.targets = targets
        self.sents = list(doc.sents)
        self.quotes = [(m.start(), m.end()) for m in QUOTE.finditer(doc_text(doc))]
        self.speaker_of: dict[int, Mention] = {}  # sentence start char -> speaker
        self.stated: set[int] = set()  # sentences a statement announced before them holds
        self._speakers: dict[int, Mention | None] = {}  # _speaker_in, by sentence start char
        self._attribute()

    # ------------------------------------------------------------ speakers

    def _speaker_in(self, sent) -> Mention | None:
        """The actor who is the subject of a verb of saying in this sentence. A verb of
        saying whose subject is no named actor ("advocates said") gives NO_SPEAKER.
        Found once per sentence: quotations ask again about the sentences around them."""
        if sent.start_char not in self._speakers:
            self._speakers[sent.start_char] = self._find_speaker_in(sent)
        return self._speakers[sent.start_char]

    def _find_speaker_in(self, sent) -> Mention | None:
        unnamed = False
        for tok in sent:
            if tok.lemma_.lower() not in self.lex.speech_verbs or tok.pos_ not in ("VERB", "AUX"):
                continue
            if self.reader.negated(tok):
                continue  # "did not respond to a request for comment"
            for child in tok.children:
                if child.dep_ in ("nsubj", "nsubjpass"):
                    mention = self._actor_at(child.i)
                    if mention is not None:
                        return mention
                    unnamed = unnamed or child.pos_ in ("NOUN", "PROPN")
        # "groups such as the ACLU say": the named member of the subject speaks
        for m in self.actors:
            if sent.start_char <= m.start < sent.end_char:
                clause, _ = self.reader.clause_of(m, self.doc)
                if clause is not None and clause.lemma_.lower() in self.lex.speech_verbs:
                    return m
        # "According to X, ..." / "a statement from X"
        for tok in sent:
            if tok.lower_ == "according" and tok.nbor(1).lower_ == "to":
                for t in tok.nbor(1).subtree:
                    mention = self._actor_at(t.i)
                    if mention is not None:
                        return mention
        return NO_SPEAKER if unnamed else None

    def _actor_at(self, i: int) -> Mention | None:
        for m in self.actors:
            if m.tok_start <= i < m.tok_end:
                return m
        # the head of a noun phrase whose modifiers hold the name ("ICE Director Matthew Albence")
        tok = self.doc[i]
        for m in self.actors:
            if (
                any(t.i in range(m.tok_start, m.tok_end) for t in tok.subtree)
                and m.type == "official"
            ):
                return m
        return None

    def _attribute(self) -> None:
        sents = self.sents
        previous: tuple[int, Mention] | None = None
        for qs, qe in self.quotes:
            inside = [k for k, s in enumerate(sents) if s.start_char < qe and qs < s.end_char]
            if not inside:
                continue
            speaker = None
            for k in inside:
                speaker = speaker or self._speaker_in(sents[k])
            # the attribution may stand in the next sentence, or the one before, same paragraph
            for k in (inside[-1] + 1, inside[0] - 1):
                if speaker is None and 0 <= k < len(sents) and not self._paragraph_break(k, inside):
                    speaker = self._speaker_in(sents[k])
            k = inside[0] - 1
            if speaker is None and k >= 0 and sents[k].text.rstrip().endswith(":"):
                # "Jane Roe, director of the Coalition, statement on the vote:" then the quote
                speaker = next(
                    (
                        m
                        for m in self.actors
                        if sents[k].start_char <= m.start < sents[k].end_char
                        and m.type == "official"
                    ),
                    None,
                )
            if speaker is None and previous is not None and previous[0] >= inside[0] - 3:
                speaker = previous[1]  # a quotation that runs on from the last one
            if speaker is NO_SPEAKER:
                speaker = None
            if speaker is not None:
                previous = (inside[-1], speaker)
                for k in inside:
                    self.speaker_of.setdefault(sents[k].start_char, speaker)
        for s in sents:  # verbs of saying outside quotations: "X said the plan is ..."
            if s.start_char not in self.speaker_of:
                speaker = self._speaker_in(s)
                if speaker is not None and speaker is not NO_SPEAKER:
                    self.speaker_of[s.start_char] = speaker
        self._statements()

    def _statements(self) -> None:
        """A line ending with a colon that announces a statement ("Sheriff X issued the
        following statement:", "Statement by Attorney General Y on the ruling:") gives
        its speaker the sentences after it, quoted or not, until someone else is said to
        speak (named or not), another statement is announced, or STATEMENT_SENTENCES
        have passed."""
        sents = self.sents
        for k, sent in enumerate(sents):
            if not self._announces_statement(sent):
                continue
            speaker = self._speaker_in(sent)
            if speaker is None or speaker is NO_SPEAKER:
                speaker = self._statement_speaker(sent)
            if speaker is None:
                continue
            for j in range(k + 1, min(len(sents), k + 1 + STATEMENT_SENTENCES)):
                later = sents[j]
                own = self.speaker_of.get(later.start_char) or self._speaker_in(later)
                if own is NO_SPEAKER or (own is not None and own.name != speaker.name):
                    break  # "Supporters of the bill said ...": the article speaks again
                if self._announces_statement(later):
                    break
                self.speaker_of.setdefault(later.start_char, speaker)
                self.stated.add(later.start_char)

    def _announces_statement(self, sent) -> bool:
        if not sent.text.rstrip().endswith(":"):
            return False
        return any(
            tok.lemma_.lower() in self.lex.statement_nouns
            or (tok.lemma_.lower() in self.lex.speech_verbs and tok.pos_ == "VERB")
            for tok in sent
        )

    def _statement_speaker(self, sent) -> Mention | None:
        """Who issues the statement a sentence announces: the actor that is a subject
        ("X issued the following statement:") or that the statement is by or from."""
        for m in self.actors:
            if not sent.start_char <= m.start < sent.end_char:
                continue
            tok = self.doc[m.head]
            if tok.dep_ in ("nsubj", "nsubjpass"):
                return m
            if (
                tok.dep_ == "pobj"
                and tok.head.lower_ in ("by", "from")
                and tok.head.head.lemma_.lower() in self.lex.statement_nouns
            ):
                return m
        return None

    def _paragraph_break(self, k: int, inside: list[int]) -> bool:
        a, b = sorted(
            (self.sents[k], self.sents[inside[0] if k < inside[0] else inside[-1]]),
            key=lambda s: s.start_char,
        )
        # a blank line ends a paragraph; news copy often breaks lines within one
        return "\n\n" in doc_text(self.doc)[a.end_char - 1 : b.start_char + 1].replace(" ", "")

    # ------------------------------------------------------------ first person

    def speakers_as_actors(self, sent) -> list[Mention]:
        """'I' and 'we' inside a speaker's sentence, as mentions of the speaker."""
        speaker = self.speaker_of.get(sent.start_char)
        if speaker is None:
            return []
        found = []
        for tok in sent:
            if tok.lower_ in FIRST_PERSON and tok.dep_ in ("nsubj", "nsubjpass"):
                ref = copy.copy(speaker)
                ref.start, ref.end = tok.idx, tok.idx + len(tok.text)
                ref.tok_start, ref.tok_end, ref.head = tok.i, tok.i + 1, tok.i
                ref.pronoun = ref.referred = True
                found.append(ref)
        return found

    # ------------------------------------------------------------ evaluation

    def evaluations(self, sent, sent_targets: list[Mention]) -> list[Finding]:
        """A speaker's judgement of a target from evaluative wording."""
        speaker = self.speaker_of.get(sent.start_char)
        if speaker is None:
            return []
        score, strong = self.score(sent)
        targets = [t for t in sent_targets if not _overlaps(t, speaker)]
        # praise needs more evidence than blame unless the target is what the sentence is about
        about_target = any(self.doc[t.head].dep_ in ("nsubj", "nsubjpass") for t in targets)
        if score == 0 or (0 < score < (1 if about_target else 2)):
            return []
        if not targets:
            topic = self._topic(sent)
            targets = [topic] if topic else []
        findings = []
        for target in targets[:2]:
            if score < 0:
                relation = "condemns" if strong or score <= -2 else "opposes"
                stance = "oppose"
            else:
                relation, stance = "supports", "support"
            for who in [speaker, *self._co_speakers(speaker, sent)]:
                findings.append(
                    Finding(
                        who, target, stance, relation, sent.start_char, sent.end_char, "evaluation"
                    )
                )
        return findings

    def _co_speakers(self, speaker: Mention, sent) -> list[Mention]:
        """ "Chief Hall and Chief Acevedo both have said ...": everyone in the subject."""
        if not sent.start_char <= speaker.start < sent.end_char:
            return []
        head = self.doc[speaker.head]
        conjuncts = {t.i for t in head.conjuncts}
        return [m for m in self.actors if m.head in conjuncts and m is not speaker]

    def score(self, sent) -> tuple[int, bool]:
        total = 0
        strong = False
        for tok in sent:
            if _depth(tok) > EVALUATION_DEPTH:
                continue  # "keep dangerous criminals out": judges the criminals, not the program
            lemma = tok.lemma_.lower()
            value = 0
            if lemma in self.lex.negative or tok.lower_ in self.lex.negative:
                value = -1
                strong = strong or lemma in self.lex.condemning or tok.lower_ in self.lex.condemning
            elif lemma in self.lex.positive or tok.lower_ in self.lex.positive:
                value = 1
                if tok.dep_ == "dobj" and tok.head.lemma_.lower() in self.lex.negative:
                    value = 0  # "hurt trust": the harm is counted, the good harmed is not
                if any(
                    c.dep_ == "dobj" and c.lemma_.lower() in self.lex.bad_objects
                    for c in tok.children
                ):
                    value = -1  # "protects criminals"
            if value and _under_negation(tok):
                value = -value
            total += value
        return total, strong

    def _topic(self, sent) -> Mention | None:
        """The target the context was about: the last one named in this sentence's
        paragraph or the two sentences before it."""
        index = next(k for k, s in enumerate(self.sents) if s.start_char == sent.start_char)
        window_start = self.sents[max(0, index - TOPIC_WINDOW)].start_char
        before = [t for t in self.targets if window_start <= t.start < sent.start_char]
        if before:
            # the one the article talks about most, then the most recent
            mentions = Counter(t.name for t in self.targets)
            return max(reversed(before), key=lambda t: mentions[t.name])
        named = [t for t in self.targets if not t.anaphor_types]
        return named[0] if named else None  # what the article opened with


def _under_negation(tok) -> bool:
    """ "not safer", "less safe": the word's judgement is turned round."""
    for t in (tok, tok.head):
        if any(c.dep_ == "neg" or c.lower_ in ("less", "fewer") for c in t.children):
            return True
    return False


def _overlaps(a: Mention, b: Mention) -> bool:
    return a.start < b.end and b.start < a.end


SAYING = {"say", "tell", "add", "state", "note", "argue", "write", "declare", "insist"}


def _depth(tok) -> int:
    """How deep a word sits under the main clause of what is said (a verb of saying
    above a quotation does not count as a level)."""
    depth = 0
    while tok.head.i != tok.i and depth < 20 and tok.head.lemma_.lower() not in SAYING:
        tok = tok.head
        depth += 1
    return depth
