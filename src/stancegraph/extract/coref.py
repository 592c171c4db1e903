"""Coreference within one article: who "the department", "the sheriff", "she" and
"Villanueva" are, and what "the program" is.

A deliberately simple, explainable resolver: a referring expression takes the
most recent earlier mention whose type fits the expression's head noun (a
"department" is an agency, "the county" a county, "she" an official). Short
names take the full name that ends the same way ("Villanueva" -> "Alex
Villanueva"); unknown acronyms take the name whose initials they spell ("LASD"
-> "Los Angeles County Sheriff's Department").
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from stancegraph.extract.mentions import Mention, find_actors, find_targets
from stancegraph.extract.nlp import once

# head noun of a definite description -> the actor types it can refer to
ACTOR_DESCRIPTIONS = {
    "department": ("agency",),
    "agency": ("agency", "federal_agency"),
    "office": ("agency",),
    "sheriff": ("official:sheriff", "agency:sheriff"),
    "county": ("jurisdiction:county",),
    "parish": ("jurisdiction:county",),
    "city": ("jurisdiction:city",),
    "town": ("jurisdiction:town", "jurisdiction:city"),
    "state": ("jurisdiction:state",),
    "council": ("government_body:council",),
    "board": ("government_body:board",),
    "commission": ("government_body:commission",),
    "trust": ("government_body:trust",),
    "legislature": ("government_body:legislature",),
    "supervisors": ("government_body:supervisors",),
    "commissioners": ("government_body:commissioners",),
    "administration": ("government_body",),
    "group": ("group",),
    "organization": ("group",),
    "organisation": ("group",),
    "union": ("group",),
    "association": ("group",),
    "coalition": ("group",),
    "mayor": ("official:mayor",),
    "governor": ("official:governor",),
    "chief": ("official:chief",),
}
PRONOUN_REACH = 250  # characters back a pronoun may reach for a target
PERSON_PRONOUNS = {"he", "she", "him", "her", "his", "hers"}
ORG_PRONOUNS = {"it", "its"}
DETERMINERS = {"the", "this", "that", "its", "their", "our"}


def _fits(mention: Mention, wanted: str) -> bool:
    kind, _, qualifier = wanted.partition(":")
    if mention.type != kind:
        return False
    if not qualifier:
        return True
    if kind == "jurisdiction":
        return mention.level == qualifier
    if kind == "official":
        return qualifier in (mention.role or "").lower()
    names = [mention.name.lower(), *(a.lower() for a in mention.aliases)]
    return any(qualifier in n for n in names)


def _antecedent(mentions: list[Mention], before: int, wanted: tuple[str, ...]) -> Mention | None:
    for mention in reversed(mentions):
        if mention.start >= before or mention.is_anaphor:
            continue
        if any(_fits(mention, w) for w in wanted):
            return mention
    return None


def _adopt(anaphor: Mention, antecedent: Mention) -> None:
    """Give a referring mention the identity of what it refers to (keeping its position)."""
    position = (anaphor.start, anaphor.end, anaphor.tok_start, anaphor.tok_end, anaphor.head)
    text = anaphor.name
    for key, value in vars(copy.copy(antecedent)).items():
        setattr(anaphor, key, value)
    anaphor.start, anaphor.end, anaphor.tok_start, anaphor.tok_end, anaphor.head = position
    anaphor.aliases = set(antecedent.aliases) | {text}
    anaphor.referred = anaphor.referred or anaphor.pronoun or bool(anaphor.anaphor_types)
    anaphor.pronoun = False
    anaphor.anaphor_types = ()
    anaphor.title_start = None


GENERIC_INSTITUTIONS = {
    "sheriff's department": "sheriff",
    "sheriff's office": "sheriff",
    "sheriffs office": "sheriff",
    "sheriff department": "sheriff",
    "police department": "police",
    "police": "police",
    "city council": "city council",
    "town council": "town council",
    "council": "council",
    "board of supervisors": "board of supervisors",
    "county commission": "commission",
    "commission": "commission",
    "legislature": "legislature",
    "county board": "board",
}


def _generic_institution(name: str, suffix_only: bool = False) -> str | None:
    """The kind of institution a name is, when the name is nothing but that kind
    ("Sheriff's Department"); with suffix_only, the kind a full name ends with."""
    low = name.lower().replace("’", "'")
    if not suffix_only:
        return GENERIC_INSTITUTIONS.get(low)
    for generic, kind in GENERIC_INSTITUTIONS.items():
        if low.endswith(" " + generic):
            return kind
    return None


def _salient(antecedent: Mention, pronoun, doc) -> bool:
    """An antecedent for "it" must be a subject in this or the previous sentence."""
    head = doc[antecedent.head]
    if head.dep_ not in ("nsubj", "nsubjpass") and not (
        head.dep_ in ("compound", "conj") and head.head.dep_ in ("nsubj", "nsubjpass")
    ):
        return False
    sent_start = pronoun.sent.start
    previous = doc[sent_start - 1].sent.start if sent_start > 0 else sent_start
    return head.i >= previous


def _county_of(name: str) -> str | None:
    match = re.match(r"^(.+? (?:County|Parish))\b", name)
    return match.group(1) if match else None


def _initials(name: str) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z.'’]*", name)
    return "".join(w[0].upper() for w in words if w.lower() not in ("of", "the", "and", "for", "s"))


def spells(acronym: str, name: str) -> bool:
    """True when the acronym's letters are the initials of the name, in order, with
    at most one initial skipped ("LASD" spells Los Angeles [County] Sheriff's Department)."""
    initials = _initials(name)
    if len(initials) < len(acronym) or len(initials) > len(acronym) + 1:
        return False
    it = iter(initials)
    return all(letter in it for letter in acronym.upper()) and initials[0] == acronym[0]


class SpelledNames:
    """Which of many names an acronym spells, without trying each: a name is spelled only by
    acronyms of its first initial and of as many letters as its initials or one fewer, so
    the names are kept by those two (a corpus's thousands of names, tried against each of
    its hundreds of acronyms, took most of a rebuild's resolution)."""

    def __init__(self, names: Iterable[str]):
        self._names: dict[tuple[str, int], list[str]] = defaultdict(list)
        for name in names:
            if initials := _initials(name):
                self._names[initials[0], len(initials)].append(name)

    def spelled_by(self, acronym: str) -> set[str]:
        if not acronym:
            return set()
        return {
            name
            for length in (len(acronym), len(acronym) + 1)
            for name in self._names.get((acronym[0], length), ())
            if spells(acronym, name)
        }


def article_mentions(doc, lexicon) -> tuple[list[Mention], list[Mention]]:
    """The article's target mentions (their descriptions not yet linked) and its actor
    mentions, linked. Found once per Doc and kept beside it: the rules and the learned
    extractor's candidates both start from them, and each gets a copy of its own, since
    both go on to change their mentions in place."""
    return _copied(*once(doc, ("mentions", lexicon), lambda: _found_mentions(doc, lexicon)))


def _found_mentions(doc, lexicon) -> tuple[list[Mention], list[Mention]]:
    targets = find_targets(doc, lexicon)
    return targets, link_actor_mentions(doc, find_actors(doc, lexicon, targets))


def _copied(targets: list[Mention], actors: list[Mention]):
    """Fresh copies of the mentions (a mention in both lists stays one object); their one
    mutable field, the aliases, copied too."""
    copies: dict[int, Mention] = {}

    def copied(m: Mention) -> Mention:
        c = copies.get(id(m))
        if c is None:
            c = copies[id(m)] = copy.copy(m)
            c.aliases = set(m.aliases)
        return c

    return [copied(m) for m in targets], [copied(m) for m in actors]


def link_actor_mentions(doc, actors: list[Mention]) -> list[Mention]:
    """Resolve short names, acronyms, definite descriptions and pronouns to named actors.
    Returns the actor mentions, with referring expressions added, in text order."""
    named = [m for m in actors if not m.is_anaphor]
    # Surnames the NER did not tag, after the full name ("Schuh had signed ..."), and
    # acronyms after the name they spell ("the Harris County Sheriff's Office (HCSO)").
    covered = {i for m in actors for i in range(m.tok_start, m.tok_end)}
    for tok in doc:
        if tok.i in covered or not (tok.text.isupper() and 2 <= len(tok.text) <= 6):
            continue
        spelled = [
            p
            for p in named
            if p.end < tok.idx
            and not p.name.isupper()
            and p.type != "official"
            and spells(tok.text, p.name)
        ]
        if spelled:
            ref = Mention.of_span("actor", tok.text, spelled[-1].type, tok.doc[tok.i : tok.i + 1])
            _adopt(ref, spelled[-1])
            named.append(ref)
            covered.add(tok.i)
    surnames = {m.name.split()[-1]: m for m in named if m.type == "official" and " " in m.name}
    for tok in doc if surnames else ():
        person = surnames.get(tok.text)
        if (
            person is not None
            and tok.i not in covered
            and tok.pos_ == "PROPN"
            and tok.idx > person.end
        ):
            ref = Mention.of_span("actor", tok.text, "official", tok.doc[tok.i : tok.i + 1])
            _adopt(ref, person)
            named.append(ref)
    named.sort(key=lambda m: m.start)
    # Short names and acronyms.
    for m in named:
        if " " not in m.name and not m.name.isupper() and m.type != "official":
            # a surname the NER took for something else ("Muth said")
            full = [p for p in named if p.type == "official" and p.name.split()[-1] == m.name]
            if full:
                _adopt(m, full[-1] if full[-1].start < m.start else full[0])
                continue
        if m.type == "official" and " " not in m.name:
            full = [
                p
                for p in named
                if p.type == "official"
                and p is not m
                and " " in p.name
                and p.name.split()[-1] == m.name
            ]
            if full:
                nearest = min(full, key=lambda p: abs(p.start - m.start))
                _adopt(m, nearest)
        elif m.name.isupper() and 2 <= len(m.name) <= 6:
            full = [
                p for p in named if p is not m and not p.name.isupper() and spells(m.name, p.name)
            ]
            if full:
                nearest = min(full, key=lambda p: abs(p.start - m.start))
                _adopt(m, nearest)
            elif not m.type:
                m.type = "group"
    # A bare institution name ("the Sheriff's Department", "the City Council") is the
    # article's institution of that kind, named in full elsewhere or in an official's title.
    for m in named:
        generic = _generic_institution(m.name)
        if not generic:
            continue
        full = [
            p
            for p in named
            if p is not m
            and not _generic_institution(p.name)
            and _generic_institution(p.name, suffix_only=True) == generic
        ]
        if full:
            _adopt(m, min(full, key=lambda p: (p.start > m.start, abs(p.start - m.start))))
            continue
        bodies = {
            p.affiliation
            for p in named
            if p.affiliation and _generic_institution(p.affiliation, suffix_only=True) == generic
        }
        if len(bodies) == 1:
            m.name = bodies.pop()
            continue
        # the one county the article is about: "the Sheriff's Department" of Los Angeles County
        counties = {c for p in named if (c := _county_of(p.name))}
        if len(counties) == 1 and generic in ("sheriff", "board of supervisors", "commission"):
            m.name = f"{counties.pop()} {m.name}"
    # An official with a title but no body: the article's body of that kind
    # ("Sheriff Marlin Gusman" in an article about the Orleans Parish Sheriff's Office).
    for m in named:
        if m.type == "official" and m.role and not m.affiliation and "sheriff" in m.role.lower():
            offices = [p for p in named if p.type == "agency" and "sheriff" in p.name.lower()]
            if len({p.name for p in offices}) == 1:
                m.affiliation, m.affiliation_type, m.leads = offices[0].name, "agency", True
    # Referring expressions.
    from spacy.symbols import PRON  # here: resolve.py imports this module without parsing

    taken = {i for m in actors for i in range(m.tok_start, m.tok_end)}
    added: list[Mention] = []
    for tok in doc:
        if tok.i in taken:
            continue
        wanted: tuple[str, ...] = ()
        low = tok.lower_
        if low in PERSON_PRONOUNS or tok.pos == PRON:  # pos, not pos_: no string looked up
            if low in PERSON_PRONOUNS:
                wanted = ("official",)
            elif low in ORG_PRONOUNS and tok.dep_ in ("nsubj", "nsubjpass", "poss"):
                wanted = ("agency", "jurisdiction", "government_body", "federal_agency", "group")
        elif low in ACTOR_DESCRIPTIONS and tok.pos_ in ("NOUN", "PROPN"):
            dets = {c.lower_ for c in tok.children if c.dep_ in ("det", "poss")}
            compounds = [c for c in tok.children if c.dep_ in ("compound", "amod")]
            of_name = any(
                c.dep_ == "prep" and c.lower_ == "of" and any(g.pos_ == "PROPN" for g in c.children)
                for c in tok.children
            )
            if dets & DETERMINERS and not compounds and not of_name:  # not "the city of X"
                wanted = ACTOR_DESCRIPTIONS[low]
        if not wanted:
            continue
        antecedent = _antecedent(named, tok.idx, wanted)
        if antecedent is None:
            continue
        if low in ORG_PRONOUNS and not _salient(antecedent, tok, doc):
            continue  # "it" refers to a prominent recent subject, or to nothing we know
        ref = Mention.of_span("actor", tok.text, "", tok.doc[tok.i : tok.i + 1], pronoun=True)
        _adopt(ref, antecedent)
        added.append(ref)
    return sorted(named + added, key=lambda m: m.start)


def link_target_mentions(
    targets: list[Mention], local_place: Callable[[int], str | None] = lambda _: None
) -> list[Mention]:
    """Definite descriptions ("the program", "these agreements") take the most recent
    named target of a fitting type; those with no antecedent are dropped, but for a local
    law, which is named after the local government (`local_place(position)`)."""
    linked: list[Mention] = []
    for m in targets:
        if not m.anaphor_types:
            linked.append(m)
            continue
        reach = PRONOUN_REACH if m.pronoun else len(m.name) * 10**6
        fitting = [
            p
            for p in reversed(linked)
            if not p.anaphor_types
            and p.start < m.start
            and p.type in m.anaphor_types
            and m.start - p.start < reach
        ]
        # "the officers" prefers the target that was named with officers in it
        head = m.name.lower().rstrip("s")
        same_head = [p for p in fitting if head in p.surface.lower() or head in p.name.lower()]
        antecedent = (same_head or fitting or [None])[0]
        if antecedent is not None:
            _adopt(m, antecedent)
            linked.append(m)
        elif m.level == "local":
            place = local_place(m.start)
            if place:
                m.name, m.level, m.anaphor_types = f"{place} {m.name}", None, ()
                linked.append(m)
        elif m.type:  # names itself when there is nothing to refer back to
            m.anaphor_types = ()
            linked.append(m)
    # "the TRUST Act" after "the Illinois TRUST Act": the short name is the full one
    full = {m.name for m in linked if " " in m.name}
    for m in linked:
        longer = [n for n in full if n.endswith(" " + m.name) and n[0].isupper()]
        if len(longer) == 1 and m.type == "law":
            m.aliases.add(m.name)
            m.name = longer[0]
    return linked
