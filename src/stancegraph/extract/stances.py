"""Finding stances in a parsed sentence: who takes which position on what.

For every (actor mention, target mention) pair in a sentence, the dependency
path between them is read as a small composition: the actor must be the subject
of the clause (directly, through a list, or through a relative clause), and the
words on the way down from that clause's verb to the target are predicates
from the lexicon ("join", "lawsuit", "condemning"), negations ("not", "no
longer", "stopped ..."), pass-through verbs ("voted to", "decided to") and
markers ("against", "in favor of"). The innermost predicate gives the relation,
every outer predicate and negation multiplies the polarity:

    voted to join the lawsuit against California over its sanctuary law
    (pass)   (joins +) (opposes -)                      -> oppose, "opposes"
    voted against canceling the contract
    (opposes -)   (withdraws -)                          -> support, "supports"

Quoted speech is attributed to its speaker; a quote with no stance verb is read
for evaluative wording about the target it (or its context) mentions.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from stancegraph.extract.lexicon import Lexicon
from stancegraph.extract.mentions import Mention
from stancegraph.model import RELATIONS

MAX_PATH = 10  # tokens from the clause to the target: longer paths read unreliably
NEGATED = {
    "joins": "declines",
    "supports": "opposes",
    "urges": "urges",
    "declines": "joins",
    "withdraws": "joins",
    "opposes": None,  # "did not oppose" is not a position
    "condemns": None,
    "states_position": "states_position",
}
GENERIC = {"oppose": "opposes", "support": "supports"}
SUBJECT_DEPS = {"nsubj", "csubj", "expl"}
NP_INTERNAL = {"conj", "appos", "compound", "flat", "nmod", "cc", "amod", "poss"}
COLLECTIVE_HEADS = {
    "officials",
    "counties",
    "cities",
    "sheriffs",
    "agencies",
    "jurisdictions",
    "departments",
    "members",
    "supervisors",
    "trustees",
    "leaders",
    "towns",
    "offices",
    "councils",
    "governments",
    "communities",
    "states",
    "parishes",
    "groups",
    "critics",
    "backers",
    "proponents",
    "opponents",
    "supporters",
    "organizations",
    "advocates",
    "unions",
    "associations",
}
LIST_PREPS = {"including", "in", "from", "of", "like", "such", "as"}
FIRST_PERSON = {"i", "we", "me", "us", "my", "our"}
# what a speaker's own organisation is called in their reported words
OWN_FORCE = {
    "police",
    "department",
    "officer",
    "deputy",
    "city",
    "county",
    "office",
    "agency",
    "jail",
    "sheriff",
}


JUDGEMENT_DEPTH = 4  # words deeper under the judging predicate judge something else


def _depth_below(tok, top) -> int:
    depth = 0
    while tok.i != top.i and tok.head.i != tok.i and depth < 20:
        tok = tok.head
        depth += 1
    return depth


def own_force(subject) -> bool:
    """Is this the speaker's own organisation: "our police department", "his deputies",
    "local police" (but not "sheriffs in six counties")?"""
    owned = any(
        c.dep_ == "poss" and c.lower_ in ("our", "my", "his", "her", "its")
        for c in subject.children
    )
    if owned:
        return True
    lemma = subject.lemma_.lower()
    return lemma in OWN_FORCE and (subject.tag_ != "NNS" or lemma == "police")


# nouns of asking: whoever a thing was made "at the request of" supports it
REQUEST_NOUNS = {"request", "urging", "behest", "demand", "insistence", "petition"}
# documents that say things on behalf of whoever filed, wrote or issued them
DOCUMENT_NOUNS = {
    "suit",
    "lawsuit",
    "complaint",
    "brief",
    "letter",
    "report",
    "resolution",
    "statement",
    "petition",
    "motion",
    "order",
    "memo",
    "filing",
}
# nouns of doing whose "by" phrase names who does it
AGENT_NOUNS = {
    "effort",
    "campaign",
    "push",
    "decision",
    "move",
    "bid",
    "attempt",
    "request",
    "proposal",
    "vote",
    "call",
    "plan",
    "lawsuit",
    "suit",
    "challenge",
    "resolution",
}
# nouns through which an organisation speaks: "the ACLU report states", "a county official said"
VOICE_NOUNS = {
    "report",
    "statement",
    "letter",
    "release",
    "spokesman",
    "spokeswoman",
    "directive",
    "resolution",
    "order",
    "ordinance",
    "policy",
    "vote",
    "spokesperson",
    "official",
    "representative",
    "lawyer",
    "attorney",
    "analysis",
}
# pronouns that, as the subject of what someone says, are the speaker or the speaker's side:
# "the department said it will not participate", "X said they have applied to rejoin"
SAME_SPEAKER = FIRST_PERSON | {"it", "they", "he", "she"}
PARTY_WORDS = {"republican", "democrat", "democratic", "independent", "native", "resident"}
DIRECTIVE_VERBS = {"remind", "tell", "warn", "advise", "instruct", "order", "direct", "urge"}
PERMISSION_VERBS = {"allow", "permit", "let", "authorize", "enable", "require", "force", "help"}
# verbs of taking part, often used with the program they are about left understood
IMPLICIT_OBJECT_VERBS = {
    "comply",
    "participate",
    "join",
    "rejoin",
    "honor",
    "honour",
    "cooperate",
    "withdraw",
    "decline",
    "refuse",
    "opt",
    "sign",
    "enroll",
    "agree",
}


@dataclass
class Finding:
    """A stance found in one sentence, before it becomes a model.Stance."""

    actor: Mention
    target: Mention
    stance: str
    relation: str
    sent_start: int
    sent_end: int
    cue: str  # "verb", "nested", "speech", "evaluation"
    on_behalf_of: str | None = None
    on_behalf_of_type: str | None = None
    negated: bool = False
    derived: bool = False  # the body behind a speaker, not the speaker


def polarity(relation: str) -> int:
    return -1 if RELATIONS.get(relation) == "oppose" else 1


class SentenceReader:
    """Reads the stances of one sentence, given the article's resolved mentions."""

    def __init__(self, lexicon: Lexicon, lawsuit_target: Mention | None = None):
        self.lex = lexicon
        self.lawsuit_target = lawsuit_target  # what the article's lawsuit challenges

    # ------------------------------------------------------------ predicates

    def predicate(self, tok, chain_next=None) -> str | None:
        """The relation a token carries, if any ("join" -> joins; "vote against" -> opposes)."""
        lemma = tok.lemma_.lower()
        for child in tok.children:
            if child.dep_ in ("prt", "prep", "advmod"):
                phrase = f"{lemma} {child.lower_}"
                if phrase in self.lex.phrasal and (
                    child.dep_ in ("prt", "advmod")  # "hit back at", "pushing back against"
                    or (chain_next is not None and child.i == chain_next.i)
                ):
                    return self.lex.phrasal[phrase]
        if tok.pos_ in ("VERB", "AUX") or tok.tag_ in ("VBG", "VBN"):
            if (
                lemma in self.lex.verbs
                and lemma not in ("call",)
                or (
                    lemma == "call"
                    and any(c.dep_ == "prep" and c.lower_ == "for" for c in tok.children)
                )
            ):
                return self.lex.verbs.get(lemma, "urges")
            return None
        if tok.pos_ in ("NOUN", "PROPN"):
            return self.lex.nouns.get(lemma)
        if tok.pos_ == "ADJ":
            return self.lex.adjectives.get(tok.lower_)
        return None

    def of_predicate(self, tok, path) -> str | None:
        """The relation of a predicate noun hanging off this noun by "of", when the path
        does not run through it: "joins a wave of opposition to X"."""
        on_path = {t.i for t in path}
        for prep in tok.children:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                for pobj in prep.children:
                    if pobj.dep_ == "pobj" and pobj.i not in on_path:
                        relation = self.lex.nouns.get(pobj.lemma_.lower())
                        if relation:
                            return relation
        return None

    def negated(self, tok) -> bool:
        """ "not", "never", "no longer", "n't" on the token or its auxiliaries."""
        for child in tok.children:
            if child.dep_ == "neg" and child.nbor(1).lower_ == "only":
                continue  # "not only ... but also"
            if child.dep_ == "neg" or (child.dep_ == "det" and child.lower_ == "no"):
                return True
            if child.dep_ == "advmod" and child.lower_ in ("longer", "never"):
                return True
            if child.dep_ in ("aux", "auxpass") and any(g.dep_ == "neg" for g in child.children):
                return True
        return False

    def hypothetical(self, tok) -> bool:
        """A possibility or prediction, not a position: "could join", "if it signs",
        "is likely to". "May not" is a rule ("police may not honor detainers"), not a guess."""
        prohibited = any(c.dep_ == "neg" for c in tok.children)
        for child in tok.children:
            if child.dep_ in ("aux", "auxpass") and child.lower_ in self.lex.hypothetical_aux:
                if child.lower_ == "may" and prohibited:
                    continue
                return True
            if child.dep_ == "mark" and child.lower_ in ("if", "whether", "unless"):
                return True
            if child.dep_ in ("acomp", "advmod") and child.lower_ in ("likely", "unlikely"):
                return True
        return False

    def judgement(self, predicate, subject) -> str | None:
        """condemns/supports when what is said of the subject is evaluative."""
        score = 0
        for tok in predicate.subtree:
            if tok.i in range(subject.left_edge.i, subject.right_edge.i + 1):
                continue
            if _depth_below(tok, predicate) > JUDGEMENT_DEPTH:
                continue  # "keeps dangerous criminals out": judges the criminals
            lemma = tok.lemma_.lower()
            if lemma in self.lex.negative:
                score -= 1
            elif lemma in self.lex.positive:
                if tok.dep_ == "dobj" and tok.head.lemma_.lower() in self.lex.negative:
                    continue  # "undermines trust": the harm is counted, the good harmed is not
                bad = any(
                    c.dep_ == "dobj" and c.lemma_.lower() in self.lex.bad_objects
                    for c in tok.children
                )
                score += -1 if bad else 1  # "protects criminals" is blame
        if self.negated(predicate):
            score = -score
        return "condemns" if score < 0 else "supports" if score > 1 else None

    # ------------------------------------------------------------ the actor's clause

    def clause_of(self, actor: Mention, doc):
        """The verb (or noun) the actor is the subject of, climbing out of its noun phrase:
        lists ("Los Angeles, San Diego and other counties"), appositions, collective
        heads ("officials in counties including ..."), relative clauses ("which opposes")."""
        tok = doc[actor.head]
        for _ in range(12):
            if tok.dep_ in SUBJECT_DEPS:
                return tok.head, "subject"
            if (
                tok.dep_ in ("poss", "compound", "amod")
                and tok.head.lemma_.lower() in self.lex.nouns
            ):
                if tok.head.head.lemma_.lower() in self.lex.negating_verbs:
                    return None, None  # "has lifted its opposition": no longer a position
                return tok.head, "possessor"  # "the Department of Justice's lawsuit against"
            if tok.dep_ == "nsubjpass":
                if tok.head.lemma_.lower() in self.lex.passive_actor_verbs:
                    return tok.head, "subject"  # "four agencies were enrolled in 287(g)"
                break
            if tok.dep_ == "pobj" and tok.head.lower_ == "by" and tok.head.dep_ == "agent":
                verb = tok.head.head
                document = verb.head
                if (
                    verb.dep_ == "acl"
                    and document.lemma_.lower() in DOCUMENT_NOUNS
                    and document.dep_ in ("nsubj", "nsubjpass")
                ):
                    return document.head, "agent"  # "the suit, filed by X, argues that ..."
                return verb, "agent"
            if (
                tok.dep_ == "pobj"
                and tok.head.lower_ == "by"
                and tok.head.head.lemma_.lower() in AGENT_NOUNS
            ):
                return tok.head.head, "agent"  # "an effort by the task force to get it passed"
            if tok.dep_ in NP_INTERNAL and tok.head.pos_ in ("PROPN", "NOUN", "PRON"):
                # a name modifying a common noun ("California counties", "Wisconsin sheriffs")
                # is not the subject, unless the noun is its voice ("the ACLU report")
                head = tok.head
                if head.lower_ in PARTY_WORDS:
                    break  # "a Pennsylvania Republican": where from, not who acts
                common = (
                    head.pos_ == "NOUN"
                    or head.tag_ in ("NNS", "NNPS")
                    or (head.lower_ in COLLECTIVE_HEADS)
                )
                if (
                    tok.dep_ in ("compound", "amod", "nmod", "poss")
                    and common
                    and head.lemma_.lower() not in VOICE_NOUNS
                ):
                    break
                tok = tok.head
                continue
            if (
                tok.dep_ == "pobj"
                and tok.head.lower_ in LIST_PREPS
                and tok.head.dep_ in ("prep", "acl")
                # "departments in Wisconsin": a state named with "in" is where, not who
                and not (tok.head.lower_ in ("in", "from") and actor.level == "state")
            ):
                holder = tok.head.head
                if holder.lower_ in COLLECTIVE_HEADS or holder.lower_ in ("counties", "cities"):
                    tok = holder
                    continue
                if tok.head.lower_ == "of" and holder.lower_ in (
                    "city",
                    "town",
                    "county",
                    "village",
                ):
                    tok = holder  # "the city of El Cenizo"
                    continue
                if holder.dep_ == "pobj" and holder.head.head.lower_ in COLLECTIVE_HEADS:
                    tok = holder.head.head
                    continue
            if (
                tok.dep_ == "pobj"
                and tok.head.lower_ in ("for", "of", "with", "from", "at")
                and tok.head.head.lemma_.lower() in VOICE_NOUNS
            ):
                tok = tok.head.head  # "a spokesperson for the City of Henderson said"
                continue
            if tok.dep_ == "acl" or tok.dep_ == "prep" and tok.lower_ in ("including", "such"):
                tok = tok.head
                continue
            break
        return self._subjectless_verb(actor, doc), "repaired"

    def _subjectless_verb(self, actor: Mention, doc):
        """A parse that left a verb with no subject right after a name ("According to the
        sheriff, Marlow County will not participate"): the name is that subject."""
        if doc[actor.head].dep_ not in ("appos", "npadvmod", "dep", "ROOT", "nmod", "intj"):
            return None  # the name has a role already ("asked Sheriff X to continue")
        i = actor.tok_end
        while i < len(doc) and doc[i].dep_ in ("aux", "neg", "advmod", "auxpass"):
            i += 1
        if i >= len(doc) or i == actor.tok_end and doc[i].pos_ != "VERB":
            return None
        verb = doc[i]
        if verb.pos_ != "VERB" or any(
            c.dep_ in ("nsubj", "nsubjpass", "csubj") for c in verb.children
        ):
            return None
        return verb

    # ------------------------------------------------------------ composing a path

    @staticmethod
    def _path(clause, target: Mention, doc) -> list | None:
        """The tokens from the clause down to the target's head, or None when the target
        is not below the clause or is too far to read reliably."""
        path = []
        tok = doc[target.head]
        while tok.i != clause.i and len(path) < 40:
            path.append(tok)
            if tok.head.i == tok.i:
                return None  # the target is not below the clause
            tok = tok.head
        if tok.i != clause.i:
            return None
        path.append(clause)
        path.reverse()  # clause ... target head
        return path if len(path) <= MAX_PATH else None

    def _other_subject(self, path, k: int, target: Mention):
        """The subject of an embedded clause on the path, when it is someone other than the
        actor ("X said LASD would not participate" -> LASD); None otherwise."""
        tok = path[k]
        if k == 0 or tok.dep_ not in ("ccomp", "xcomp", "advcl", "relcl", "conj", "acl"):
            return None
        if tok.dep_ == "xcomp":
            return None
        subjects = [
            c
            for c in tok.children
            if c.dep_ in ("nsubj", "nsubjpass")
            and c.i not in range(target.tok_start, target.tok_end)
            and c.i != target.head
            and c.lower_ not in ("that", "which", "who")  # the noun the clause is on
        ]
        # "an agreement allowing ICE to continue housing detainees": who is allowed does not
        # hold the position, the one who allows does; "restricting when police can
        # collaborate": the police are restricted
        governor = path[k - 1].lemma_.lower()
        if governor in PERMISSION_VERBS or governor in self.lex.negating_verbs:
            return None
        if governor in DIRECTIVE_VERBS:
            return None  # "reminding police that they may not honor detainers": a rule given
        return subjects[0] if subjects else None

    def _read_token(self, k, path, target, clause, doc, elements, negated_by_verb):
        """Add what path[k] contributes to `elements` (predicates, negations, markers).
        Returns (go on?, was this token a negating verb?): a hypothetical or "stopped short
        of" ends the reading."""
        tok = path[k]
        nxt = path[k + 1] if k + 1 < len(path) else None
        inside = range(target.tok_start, target.tok_end)
        if tok.lemma_.lower() in PERMISSION_VERBS and k < len(path) - 1:
            # "a bill to require sheriffs to honor detainers": its author supports
            # the honoring, but does not take part in it
            elements.append(("permit", None))
        if self.hypothetical(tok) and tok.i not in inside:
            return False, negated_by_verb
        if any(c.lower_ == "short" for c in tok.children) and tok.lemma_.lower() in (
            "stop",
            "fall",
        ):
            return False, negated_by_verb  # "stopped short of opposing it": no position taken
        if tok.i in inside and tok.i != target.head:
            return True, negated_by_verb
        lemma = tok.lemma_.lower()
        # a token's own negation applies after its predicate: folding runs inside-out,
        # so the negation goes first in this outside-in list
        if self.negated(tok):
            elements.append(("neg", None))
        if nxt is not None and nxt.i == target.head and nxt.dep_ in ("nsubj", "nsubjpass"):
            # "declaring that SB 54 is contrary to the Constitution": an evaluation of
            # the target as the subject of a judging predicate
            judged = self.judgement(tok, nxt)
            if judged:
                elements.append(("pred", judged))
        if nxt is not None and nxt.i == target.head and nxt.dep_ == "dobj":
            # "asking a judge to declare SB 4 constitutional", "called the program
            # dangerous": what is predicated of the object judges it
            complements = [
                c
                for c in tok.children
                if c.dep_ in ("oprd", "acomp", "xcomp")
                and c.pos_ in ("ADJ", "NOUN")
                and c.i > nxt.i
            ]
            for complement in complements:
                judged = self.judgement(complement, nxt)
                if judged:
                    elements.append(("pred", judged))
        if tok.i == target.head and not target.implicit:
            # "won't be working with ICE": the verb is the target (a practice, not a
            # program or operation the tagger took for a verb)
            if tok.pos_ == "VERB" and target.type == "practice":
                elements.append(("pred", self.lex.verbs.get(lemma, "joins")))
            return True, negated_by_verb
        if tok.pos_ == "NOUN" and lemma in self.lex.negating_nouns and k > 0:
            elements.append(("neg", None))  # "opposed the repeal of the TRUST Act"
            return True, negated_by_verb
        relation = self.predicate(tok, nxt)
        if relation is None and tok.pos_ == "NOUN":
            relation = self.of_predicate(tok, path)  # "a wave of opposition to SB 54"
        if relation and target.type == "law":
            relation = self.lex.law_verbs.get(lemma, relation)  # signing a bill supports it
        marker = None
        if tok.lower_ == "against" and tok.dep_ == "prep":
            marker = "oppose"
        elif tok.lower_ in ("favor", "favour", "support", "opposition") and tok.head.lower_ == "in":
            marker = "support" if tok.lower_ != "opposition" else "oppose"
        negating = (
            lemma in self.lex.negating_verbs
            and not any(c.lower_ == "short" for c in tok.children)  # "stopped short of"
            and nxt is not None
            and (
                nxt.dep_ in ("xcomp", "pcomp", "advcl", "ccomp")
                or (
                    nxt.dep_ == "dobj"
                    and (nxt.tag_ == "VBG" or nxt.lemma_.lower() in self.lex.nouns)
                )
                or (nxt.dep_ == "prep" and nxt.lower_ in ("of", "from"))
            )
        )
        passthrough = (
            lemma in self.lex.passthrough_verbs
            and nxt is not None
            and nxt.dep_ in ("ccomp", "xcomp", "advcl")
        )
        if (
            nxt is not None
            and nxt.dep_ == "prep"
            and nxt.lower_ in ("over", "against", "to", "for")
        ):
            # "join the lawsuit ... over its sanctuary law", "joins a wave of opposition
            # ... to laws": the phrase belongs to the object noun even when the parser
            # hangs it on the verb
            held = [
                (c, self.lex.nouns.get(c.lemma_.lower()) or self.of_predicate(c, path))
                for c in tok.children
                if c.dep_ == "dobj"
            ]
            held = [(c, rel) for c, rel in held if rel]
            if held and held[0][0].i not in [p.i for p in path]:
                elements.append(("pred", held[0][1]))
                if relation:
                    elements.insert(len(elements) - 1, ("pred", relation))
                    relation = None
        if (
            tok.lower_ == "from"
            and tok.dep_ == "prep"
            and nxt is not None
            and nxt.dep_ == "pcomp"
            and not negated_by_verb
        ):
            # "barring the police from helping ICE", even when the parser hangs
            # "from helping" on an earlier verb
            between = doc[clause.i + 1 : tok.i] if clause.i < tok.i else []
            if any(t.lemma_.lower() in self.lex.negating_verbs for t in between):
                elements.append(("neg", None))
        negated_by_verb = negating
        if negating:
            # "ended its participation": the ending verb's own kind of act names it
            elements.append(("neg", relation if relation == "withdraws" else None))
        elif (
            relation
            and tok.pos_ in ("NOUN", "PROPN")
            and nxt is not None
            and (nxt.dep_ in ("relcl", "ccomp", "acl") and nxt.pos_ in ("VERB", "AUX"))
        ):
            pass  # "a lawsuit that contends such laws violate ...": what it says is its stance
        elif relation and not passthrough:
            elements.append(("pred", relation))
        elif marker and not (
            elements and elements[-1][0] == "pred" and path[k - 1].i == tok.head.i
        ):
            elements.append(("pred", GENERIC[marker]))
        return True, negated_by_verb

    def compose(self, clause, target: Mention, doc, actor: Mention):
        """Read the path from the actor's clause down to the target. Returns (stance,
        relation, cue, negated, other subject) or None when the path carries no position."""
        path = self._path(clause, target, doc)
        if path is None:
            return None
        elements: list[tuple[str, str | None]] = []  # ("pred", relation) or ("neg", None)
        speech_subject = None
        negated_by_verb = False
        for k, tok in enumerate(path):
            if k > 0 and tok.dep_ == "conj" and tok.pos_ in ("VERB", "AUX"):
                if any(c.dep_ in SUBJECT_DEPS for c in tok.children):
                    return None  # a coordinated clause with a subject of its own
                # "removed X and stopped Y": the first verb is not over Y; but "can no
                # longer share data or hold people on detainers" keeps its negation
                elements = [("neg", None)] if self.negated(path[k - 1]) else []
            if (
                0 < k
                and tok.dep_ == "relcl"
                and path[k - 1].pos_ == "NOUN"
                and (path[k - 1].lemma_.lower() not in self.lex.nouns)
            ):
                return None  # a relative clause describing a thing on the way is not the act
            speech_subject = self._other_subject(path, k, target) or speech_subject
            going, negated_by_verb = self._read_token(
                k, path, target, clause, doc, elements, negated_by_verb
            )
            if not going:
                return None
        result = self._fold(elements)
        if result is None:
            return None
        stance, relation, is_negated = result
        nested = sum(1 for kind, _ in elements if kind == "pred") > 1
        cue = "nested" if nested else "verb"
        if speech_subject is not None:
            cue = "speech"
        return stance, relation, cue, is_negated, speech_subject

    def _fold(self, elements):
        """Innermost predicate first: it sets the relation; every outer predicate and
        negation multiplies the polarity."""
        relation = None
        sign = 1
        outer_relations = []
        flips = 0
        ended = False
        permits = any(kind == "permit" for kind, _ in elements)
        elements = [e for e in elements if e[0] != "permit"]
        inner = 1  # negations between the innermost predicate and the target
        for kind, rel in reversed(elements):
            if kind == "neg":
                if relation is None:
                    inner = -inner  # "urged the county to limit cooperation with ICE"
                    continue
                sign = -sign
                flips += 1
                ended = ended or rel == "withdraws"
                continue
            if relation is None:
                relation = rel
                sign = polarity(rel) * inner
            else:
                sign *= polarity(rel)
                outer_relations.append(rel)
        if relation is None and permits:
            # "joining the program will allow the jail to house ICE prisoners": allowing
            # a thing is for it (and refusing to allow it, against it)
            stance = "oppose" if inner < 0 else "support"
            return stance, GENERIC[stance], False
        if relation is None:
            return None
        stance = "oppose" if sign < 0 else "support"
        if inner < 0 and not outer_relations and not flips:
            return stance, relation if relation == "urges" else GENERIC[stance], False
        if permits and relation in ("joins", "declines", "withdraws"):
            return stance, GENERIC[stance], False
        if not outer_relations:
            if flips % 2 == 0:
                return stance, relation, False
            negated = NEGATED.get(relation)
            if negated is None:
                return None
            if ended and relation == "joins":
                negated = "withdraws"
            return stance, negated, True
        if outer_relations[-1] == "urges":
            return stance, "urges", False
        if RELATIONS.get(relation) in (stance, None):
            return stance, relation, False
        for rel in reversed(outer_relations):  # outermost first
            if RELATIONS.get(rel) == stance:
                return stance, rel, False
        return stance, GENERIC[stance], False

    # ------------------------------------------------------------ a sentence

    def implicit_object(self, clause, topic: Mention | None, targets: list[Mention]):
        """ "X has stopped complying", "will not participate": a participation verb with
        no object of its own is understood to be about what the context was about."""
        if topic is None:
            return None
        tok = clause
        for _ in range(6):
            lemma = tok.lemma_.lower()
            objects = [c for c in tok.children if c.dep_ in ("dobj", "prep", "pobj", "ccomp")]
            if lemma in IMPLICIT_OBJECT_VERBS and not objects:
                if any(tok.i in range(t.tok_start, t.tok_end) for t in targets):
                    return None
                implicit = copy.copy(topic)
                implicit.head, implicit.tok_start, implicit.tok_end = tok.i, -1, -1
                implicit.implicit = True
                return implicit
            nxt = [c for c in tok.children if c.dep_ in ("xcomp", "conj") and c.pos_ == "VERB"]
            if not nxt:
                return None
            tok = nxt[0]
        return None

    def _relative_verb(self, clause):
        """The verb the relative pronoun is the object of: "the legislation, which the mayor
        has said he supports" -> supports; else the clause's own verb."""
        for tok in clause.subtree:
            if tok.lower_ in ("which", "that", "whom") and tok.dep_ in ("dobj", "pobj"):
                head = tok.head if tok.dep_ == "dobj" else tok.head.head
                if head.pos_ in ("VERB", "AUX"):
                    return head
        return clause

    def noun_object(self, clause, targets: list[Mention]):
        """ "the Senate's passage", "the board's approval" with nothing after it: the
        passage of the law this sentence names."""
        if clause.pos_ != "NOUN" or self.predicate(clause) is None:
            return None
        if any(c.dep_ == "prep" for c in clause.children):
            return None
        if any(t.head in [x.i for x in clause.subtree] for t in targets):
            return None
        after = [t for t in targets if t.start > clause.idx and not t.implicit]
        if not after:
            return None
        implicit = copy.copy(after[0])
        implicit.head, implicit.tok_start, implicit.tok_end = clause.i, -1, -1
        implicit.implicit = True
        return implicit

    def lawsuit_object(self, clause, targets: list[Mention]):
        """ "file a brief supporting the federal lawsuit": a lawsuit named without what it
        challenges is about what the article's lawsuit challenges."""
        if self.lawsuit_target is None:
            return None
        for tok in clause.subtree:
            if tok.lemma_.lower() in ("lawsuit", "suit") and tok.pos_ == "NOUN":
                if any(t.head in [x.i for x in tok.subtree] for t in targets):
                    return None
                implicit = copy.copy(self.lawsuit_target)
                implicit.head, implicit.tok_start, implicit.tok_end = tok.i, -1, -1
                implicit.implicit = True
                return implicit
        return None

    def read(
        self, sent, actors: list[Mention], targets: list[Mention], topic: Mention | None = None
    ) -> list[Finding]:
        doc = sent.doc
        findings = []
        for actor in actors:
            clause, _ = self.clause_of(actor, doc)
            clauses = [clause] if clause is not None else []
            # "Sheriff Sandra Hutchens, who remains in opposition to SB54, echoed ..."
            # "... McFadden and Wake County Sheriff Gerald Baker, who ended ...": a relative
            # clause on the last of a list is about all of it
            heads = [doc[actor.head], *doc[actor.head].conjuncts]
            clauses += [
                c for h in heads for c in h.children if c.dep_ == "relcl" and c is not clause
            ]
            for clause in clauses:
                findings.extend(self._read_clause(sent, actor, clause, actors, targets, topic))
            findings.extend(self._requested(sent, actor, targets))
        return findings

    def _requested(self, sent, actor: Mention, targets: list[Mention]) -> list[Finding]:
        """ "The program was made at the request of the Sheriffs' Association", "prompted by
        requests from X": who asked for a thing supports it."""
        tok = sent.doc[actor.head]
        while tok.dep_ == "conj":
            tok = tok.head
        if not (tok.dep_ == "pobj" and tok.head.lower_ in ("of", "from")):
            return []
        request = tok.head.head
        if request.lemma_.lower() not in REQUEST_NOUNS:
            return []
        verb = request
        while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
            verb = verb.head
        subjects = {c.i for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")}
        return [
            Finding(actor, t, "support", "supports", sent.start_char, sent.end_char, "nested")
            for t in targets
            if t.head in subjects
        ]

    def _read_clause(self, sent, actor, clause, actors, targets, topic) -> list[Finding]:
        """The actor's stances read from one clause: on a relative clause's antecedent, on
        the targets named below it, or else on the object it leaves understood."""
        findings = []
        if clause.dep_ in ("relcl", "acl"):
            # "a sweep that the administration launched": the clause is about its antecedent
            for target in targets:
                if target.head == clause.head.i and not self.hypothetical(clause):
                    verb = self._relative_verb(clause)
                    relation = self.predicate(verb)
                    if relation and RELATIONS.get(relation) is not None:
                        if self.negated(verb):
                            relation = NEGATED.get(relation)
                        if relation:
                            findings.append(
                                Finding(
                                    actor,
                                    target,
                                    RELATIONS.get(relation) or "support",
                                    relation,
                                    sent.start_char,
                                    sent.end_char,
                                    "verb",
                                )
                            )
        named = self._read_targets(sent, actor, clause, actors, targets)
        if named:
            return findings + named
        # no named target read: the understood object ("stopped complying", "the Senate's
        # passage", "a brief supporting the lawsuit")
        implicit = (
            self.implicit_object(clause, topic, targets)
            or self.noun_object(clause, targets)
            or self.lawsuit_object(clause, targets)
        )
        if implicit is None:
            return findings
        return findings + self._read_targets(sent, actor, clause, actors, [implicit])

    def _read_targets(self, sent, actor, clause, actors, targets) -> list[Finding]:
        findings = []
        for target in targets:
            if target.start < actor.end and actor.start < target.end:
                continue
            if _names_itself(actor, target, self.lex):
                continue  # ICE is not a party to "cooperation with ICE"
            composed = self.compose(clause, target, sent.doc, actor)
            if composed is None:
                continue
            stance, relation, cue, negated, inner_subject = composed
            same = SAME_SPEAKER - ({"they"} if actor.type == "official" else set())
            if inner_subject is not None and inner_subject.lower_ not in same:
                # "X said LASD would not participate": LASD's stance; X's too only
                # when X speaks for LASD (its head, member or spokesperson), or of
                # its own force ("our police department does not coordinate with ICE")
                inner = next(
                    (m for m in actors if m.tok_start <= inner_subject.i < m.tok_end), None
                )
                if inner is not None and inner is not actor:
                    if actor.type != "official" or not _same_body(actor.affiliation, inner):
                        continue
                elif inner is None and not own_force(inner_subject):
                    continue
            findings.append(
                Finding(
                    actor,
                    target,
                    stance,
                    relation,
                    sent.start_char,
                    sent.end_char,
                    cue,
                    negated=negated,
                )
            )
        return findings


def _same_body(affiliation: str | None, mention: Mention) -> bool:
    if not affiliation:
        return False
    names = {mention.name.lower(), *(a.lower() for a in mention.aliases)}
    aff = affiliation.lower()
    return aff in names or any(n and (n in aff or aff in n) for n in names)


def _names_itself(actor: Mention, target: Mention, lexicon: Lexicon) -> bool:
    """ICE is no party to "cooperation with ICE": the target is named after the actor."""
    words = set(re.findall(r"[\w()]+", target.name.lower()))
    names = {actor.name.lower(), *(a.lower() for a in actor.aliases)}
    for known in lexicon.known:
        if known.name == actor.name:
            names |= {a.lower() for a in known.aliases}
    short = {n for n in names if " " not in n}
    return bool(short & words) or any(len(n) > 6 and n in target.name.lower() for n in names)
