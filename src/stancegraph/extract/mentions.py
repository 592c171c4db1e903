"""Finding actor and target mentions in a parsed article.

Actors come from spaCy's named entities (organisations, places, people) and
from the well-known-actor list, typed by how their names end (a "... Sheriff's
Office" is an agency, a "... Board of Supervisors" a government body). People
get their post title and the body they lead from the words around the name
("Rensselaer County Sheriff Patrick Russo", "Elizabeth Kim, president of the
National Lawyers Guild"). Targets come from the gazetteer's patterns, snapped to
whole tokens, and from definite descriptions ("the program") that coreference
resolves later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from stancegraph.extract import prefilter
from stancegraph.extract.lexicon import Lexicon, load_lexicon
from stancegraph.extract.nlp import once

APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


def doc_text(doc) -> str:
    """`doc.text`, built once per Doc: spaCy joins every token again on each access, which
    made loops over a long article's mentions quadratic."""
    return once(doc, "text", lambda: doc.text)


def straight_text(doc) -> str:
    """The article's text with curly apostrophes made straight (same length), built once."""
    return once(doc, "straight_text", lambda: doc_text(doc).translate(APOSTROPHES))


def folded_text(doc) -> str:
    """The article's text as prefilter.may_match reads it, built once."""
    return once(doc, "folded_text", lambda: prefilter.fold(doc_text(doc)))


US_STATES = {
    "Alabama",
    "Alaska",
    "Arizona",
    "Arkansas",
    "California",
    "Colorado",
    "Connecticut",
    "Delaware",
    "Florida",
    "Georgia",
    "Hawaii",
    "Idaho",
    "Illinois",
    "Indiana",
    "Iowa",
    "Kansas",
    "Kentucky",
    "Louisiana",
    "Maine",
    "Maryland",
    "Massachusetts",
    "Michigan",
    "Minnesota",
    "Mississippi",
    "Missouri",
    "Montana",
    "Nebraska",
    "Nevada",
    "New Hampshire",
    "New Jersey",
    "New Mexico",
    "New York",
    "North Carolina",
    "North Dakota",
    "Ohio",
    "Oklahoma",
    "Oregon",
    "Pennsylvania",
    "Rhode Island",
    "South Carolina",
    "South Dakota",
    "Tennessee",
    "Texas",
    "Utah",
    "Vermont",
    "Virginia",
    "Washington",
    "West Virginia",
    "Wisconsin",
    "Wyoming",
}
STATE_ABBREVIATIONS = {
    "Calif.": "California",
    "Fla.": "Florida",
    "N.Y.": "New York",
    "N.J.": "New Jersey",
    "S.C.": "South Carolina",
    "N.C.": "North Carolina",
    "R.I.": "Rhode Island",
    "Wis.": "Wisconsin",
    "Mich.": "Michigan",
    "Minn.": "Minnesota",
    "Md.": "Maryland",
    "Nev.": "Nevada",
    "Okla.": "Oklahoma",
    "Tex.": "Texas",
    "Ariz.": "Arizona",
    "Ga.": "Georgia",
    "Ill.": "Illinois",
    "Mass.": "Massachusetts",
    "Pa.": "Pennsylvania",
    "Va.": "Virginia",
    "Wash.": "Washington",
    "Conn.": "Connecticut",
    "Colo.": "Colorado",
    "La.": "Louisiana",
    "Ore.": "Oregon",
}
# Places better known by their initials, for naming what an official leads.
CITY_ABBREVIATIONS = {
    "L.A.": "Los Angeles",
    "LA": "Los Angeles",
    "NYC": "New York City",
    "N.Y.C.": "New York City",
    "S.F.": "San Francisco",
    "D.C.": "Washington",
}
NOT_JURISDICTIONS = {
    "U.S.",
    "US",
    "United States",
    "America",
    "the United States",
    "Mexico",
    "Canada",
    "Central America",
    "Honduras",
    "Guatemala",
    "El Salvador",
    "the U.S.",
    "Congress",
}
# Names that are news outlets, programmes or the like, not actors.
OUTLET_WORDS = re.compile(
    r"\b(News|Times|Post|Journal|Radio|Newsradio|TV|NBC|CBS|ABC|CNN|Fox|NPR|PBS|"
    r"Tribune|Herald|Press|Gazette|Chronicle|Independent|Record|Daily|Source|Twitter|Facebook|"
    r"Getty|App|Chrome|Safari|Explorer|Firefox|Associated|AP|Reuters|Bloomberg|Politico|Axios|"
    r"University|College|School|Act|Bill|Report|Program|Agreement)\b"
    r"|^[KW][A-Z]{2,3}$"  # broadcasters' call signs: KUOW, WPR
)
DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{2,}(?:,\s*[A-Z][A-Za-z.]{1,12})?\s*(?:\([A-Z0-9 ]+\)\s*)?[—–»(-]"
)
DATELINE_AT = re.compile(DATELINE.pattern[1:])  # matched at an offset: pattern.match(text, pos)
# Courts decide cases; they are not parties taking positions ("Commissioners Court" in Texas
# is a county's governing body, not a court).
COURTS = re.compile(
    r"\b(?:Superior|District|Supreme|Circuit|Appeals|Federal|Municipal|Immigration|"
    r"Appellate|Bankruptcy) Court\b|\bCourt of\b|^Court$"
)
CREDIT = re.compile(r"\((?:Photo|Credit|Image|File photo)[^)]*$|(?:^|\n)\s*(?:Photo|Credit)[^\n]*$")
INSTITUTION_SUFFIX = re.compile(
    r"^\s*(?:(?:County|City|Parish|Town)\s+)?"
    r"(Sheriff'?s'? (?:Office|Department)|Sheriff Department|Police Department|Police|"
    r"Board of Supervisors|Board of Commissioners|County Commission|City Council|Town Council|"
    r"County Council|Commission|Jail Trust|Council)\b"
)
INSTITUTION_SUFFIX_AT = re.compile(INSTITUTION_SUFFIX.pattern[1:])


@dataclass
class Mention:
    """A stretch of the article that names (or refers to) an actor or a target."""

    kind: str  # "actor" or "target"
    name: str
    type: str
    start: int  # character offsets in the article
    end: int
    tok_start: int
    tok_end: int
    head: int  # token index of the syntactic head
    role: str | None = None
    affiliation: str | None = None
    affiliation_type: str | None = None
    leads: bool = False
    level: str | None = None
    broader: str | None = None
    wikidata: str | None = None
    anaphor_types: tuple[str, ...] = ()  # a definite description still to resolve
    pronoun: bool = False
    aliases: set[str] = field(default_factory=set)
    title_start: int | None = None  # officials: where the title before the name starts
    implicit: bool = False  # the understood object of a verb ("stopped complying [with X]")
    referred: bool = False  # reached through a pronoun or description ("it", "the program")
    owner: str | None = None  # targets: the agency that runs the program
    surface: str = ""  # the words of the text, for targets named canonically

    @classmethod
    def of_span(cls, kind: str, name: str, type_: str, span, head: int | None = None, **fields):
        """A mention covering a spaCy span (its head defaults to the span's root)."""
        return cls(
            kind,
            name,
            type_,
            span.start_char,
            span.end_char,
            span.start,
            span.end,
            span.root.i if head is None else head,
            **fields,
        )

    @property
    def is_anaphor(self) -> bool:
        return bool(self.anaphor_types) or self.pronoun


@lru_cache(maxsize=1 << 16)
def clean_name(text: str) -> str:
    """Strip determiners, possessives and stray punctuation from a mention's text (cached:
    an article names the same few actors again and again)."""
    name = text.translate(APOSTROPHES).strip(' \t\n,;:"“”()[]')
    name = re.sub(r"^(?:the|The|a|an)\s+", "", name)
    name = re.sub(r"^(?:Acting|Former|Then|Interim)\s+", "", name)
    name = re.sub(r"^(?:Photo|Credit|Source|Image|File photo)\s*:\s*", "", name)
    name = re.sub(r"\s+(?:of|for|in|and|the)$", "", name)  # a name the NER cut short
    name = re.sub(r"'s$|'$", "", name) if not name.lower().endswith("sheriffs'") else name
    name = re.sub(r"\s+", " ", name)
    return name.strip(" .,") if not name.endswith(".") or len(name) > 4 else name


@lru_cache(maxsize=1 << 16)
def actor_type(name: str, lexicon: Lexicon, ner_label: str | None = None) -> str | None:
    """The kind of actor a name is, from the known actors and how the name ends, else from
    the NER label. Cached: articles type the same names again and again, and each is a scan
    of every known name and every ending."""
    low = name.lower().translate(APOSTROPHES)
    known_types, endings, departments = _typing_tables(lexicon)
    if low in known_types:
        return known_types[low]
    if re.match(r"(?:city|town|county|state|village|commonwealth) of ", low):
        return "jurisdiction"
    if low.endswith(endings) or any(d in low for d in departments):  # else none fits
        for suffix, kind in lexicon.actor_suffixes:
            if low.endswith(suffix) or (suffix.startswith("department of") and suffix in low):
                return kind
    if ner_label == "PERSON":
        return "official"
    if ner_label == "GPE":
        return "jurisdiction"
    if ner_label == "ORG" and name.isupper() and 2 <= len(name) <= 6:
        if name.endswith(("PD", "SO", "SD")):
            return "agency"  # LAPD, CCSO: a police department or sheriff's office
        return None  # an unknown acronym: typed from what it abbreviates, later
    if ner_label == "ORG":
        return "group"
    return None


@cache
def _typing_tables(lexicon: Lexicon) -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]:
    """What actor_type looks names up in: the known actors' names and aliases in lower case
    -> type (the first actor's, where two share one); every name ending; the "department
    of ..." endings, which count anywhere in a name."""
    known_types: dict[str, str] = {}
    for known in lexicon.known:
        for known_name in (known.name, *known.aliases):
            known_types.setdefault(known_name.lower(), known.type)
    endings = tuple(suffix for suffix, _ in lexicon.actor_suffixes)
    departments = tuple(s for s in endings if s.startswith("department of"))
    return known_types, endings, departments


def jurisdiction_level(name: str) -> str | None:
    if name in US_STATES or name.startswith("State of "):
        return "state"
    for word, level in (("County", "county"), ("Parish", "county"), ("Town", "town")):
        if name.endswith(" " + word) or name.startswith(word + " of "):
            return level
    return "city"


def _title_words(lexicon: Lexicon) -> frozenset[str]:
    """Every word of every post title ("attorney", "general", "pro", "tempore", ...)."""
    return _words_of_titles(tuple(lexicon.titles))


@cache
def _words_of_titles(titles: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for title in titles for w in title.split()) | {"pro", "tempore", "acting"}


def title_key(word: str) -> str:
    """A word as the titles of data/actors.toml spell it: lowercase, without its period
    ("Sen." is sen), but for the abbreviations listed with theirs: "Del." is a delegate's
    title, while "Del" opens names ("Del Rio")."""
    low = word.lower()
    return low if low in _period_titles() else low.rstrip(".")


@cache
def _period_titles() -> frozenset[str]:
    return frozenset(t for t in load_lexicon().titles if t.endswith("."))


def _name_prefix_words(lexicon: Lexicon) -> frozenset[str]:
    """Words that open a post title and never a person's name: what the NER sometimes
    keeps in front of one ("Policy David Schaefer", "County Judge Ed Emmett")."""
    return _prefix_words_of_titles(tuple(lexicon.titles))


@cache
def _prefix_words_of_titles(titles: tuple[str, ...]) -> frozenset[str]:
    return frozenset(titles) | _words_of_titles(titles) | TITLE_MODIFIERS


def _token_span(doc, start: int, end: int):
    return doc.char_span(start, end, alignment_mode="expand")


def find_targets(doc, lexicon: Lexicon) -> list[Mention]:
    """Gazetteer targets, then definite descriptions that may refer back to one."""
    mentions: list[Mention] = []
    text = doc_text(doc)
    folded = folded_text(doc)
    taken = [False] * (len(text) + 1)
    for entry in lexicon.targets:
        for pattern in entry.patterns:
            if not prefilter.may_match(pattern, folded):
                continue
            for match in pattern.finditer(text):
                start, end = match.span()
                if any(taken[start:end]):
                    continue
                span = _token_span(doc, start, end)
                if span is None:
                    continue
                name = entry.name
                if entry.generic:
                    name = _generic_name(entry, match)
                    if name is None or name in lexicon.not_targets:
                        continue
                for i in range(start, end):
                    taken[i] = True
                mentions.append(
                    Mention.of_span(
                        "target",
                        name,
                        entry.type,
                        span,
                        broader=entry.broader,
                        anaphor_types=entry.refers_to,
                        owner=entry.owner,
                        surface=span.text,
                    )
                )
    # "the Priority Enforcement Program (PEP)": later "PEP" is the same program
    for m in list(mentions):
        acronym = re.match(r"\s*\(([A-Z]{2,6})\)", text[m.end : m.end + 10])
        initials = "".join(w[0] for w in re.findall(r"[A-Z][a-z]+", m.surface))
        if not acronym or acronym.group(1) != initials or m.anaphor_types:
            continue  # "(ICE)" after "a partnership with Immigration and Customs Enforcement"
        for later in re.finditer(rf"\b{acronym.group(1)}\b", text[m.end + acronym.end() :]):
            start = m.end + acronym.end() + later.start()
            span = _token_span(doc, start, start + len(acronym.group(1)))
            if span is None or any(taken[start : start + len(acronym.group(1))]):
                continue
            mentions.append(
                Mention.of_span(
                    "target",
                    m.name,
                    m.type,
                    span,
                    broader=m.broader,
                    owner=m.owner,
                    surface=span.text,
                )
            )
    for tok in doc:
        if taken[tok.idx]:
            continue
        low = tok.lower_  # spaCy looks each string attribute up anew: read it once
        if low in ("it", "them") and tok.dep_ in ("dobj", "pobj"):
            # "she will sign it": a pronoun object refers back to a nearby target
            mentions.append(
                Mention.of_span(
                    "target",
                    tok.text,
                    "",
                    tok.doc[tok.i : tok.i + 1],
                    anaphor_types=TARGET_TYPES,
                    pronoun=True,
                )
            )
            continue
        if low in lexicon.local_laws and tok.pos_ == "NOUN":
            # "the ordinance" may refer back to a named law; "an ordinance" is a new one;
            # either is named after the local government when nothing earlier fits (coref)
            definite = any(
                c.dep_ == "det" and c.lower_ in ("the", "this", "that", "such")
                for c in tok.children
            )
            mentions.append(
                Mention.of_span(
                    "target",
                    lexicon.local_laws[low],
                    "law",
                    tok.doc[tok.i : tok.i + 1],
                    anaphor_types=("law",) if definite else ("local",),
                    level="local",
                )
            )
            continue
        types = lexicon.anaphors.get(low)
        if not types or tok.pos_ not in ("NOUN", "PROPN"):
            continue
        governor = tok.head.head if tok.head.dep_ == "prep" else tok.head
        if low in ("law", "laws") and governor.lemma_.lower() in LAW_IN_GENERAL:
            continue  # "keep enforcing the law", "follow the law": the law in general
        determiners = {
            c.lower_ for c in tok.children if c.dep_ in ("det", "poss", "amod", "predet")
        }
        if determiners & {"the", "this", "that", "these", "those", "such", "its", "their"}:
            mentions.append(
                Mention.of_span(
                    "target", tok.text, "", tok.doc[tok.i : tok.i + 1], anaphor_types=types
                )
            )
    return sorted(mentions, key=lambda m: m.start)


TARGET_TYPES = ("program", "policy", "law", "practice", "operation")
LAW_IN_GENERAL = {
    "enforce",
    "follow",
    "obey",
    "break",
    "violate",
    "uphold",
    "respect",
    "above",
    "under",
    "accordance",
    "comply",
}
BILL_CHAMBERS = {
    "senate bill": "SB",
    "house bill": "HB",
    "assembly bill": "AB",
    "senate file": "SF",
    "house file": "HF",
}


def _generic_name(entry, match) -> str | None:
    groups = match.groupdict()
    if entry.generic == "bill":
        chamber = BILL_CHAMBERS.get(groups["chamber"].lower(), groups["chamber"].upper())
        return f"{chamber} {groups['number']}"
    title = groups["title"].strip()
    if entry.generic == "surface":
        return re.sub(r"\s+", " ", re.sub(r"[“”\"‘]|’(?!s)", "", title)).replace("’s", "'s")
    words = title.split()
    while words and words[0] in ("The", "A", "An", "Under", "In", "To", "Of", "And"):
        words = words[1:]
    if len(words) < 2 and entry.generic == "act":
        return None
    return " ".join(words)


def find_actors(doc, lexicon: Lexicon, targets: list[Mention]) -> list[Mention]:
    """Named actors: known agencies and groups, NER entities, extended and typed."""
    target_chars = set()
    for t in targets:
        if not t.is_anaphor:
            target_chars.update(range(t.start, t.end))
    spans: list[tuple[int, int, str | None, str | None]] = []  # start, end, label, known name
    folded = folded_text(doc)
    for known in lexicon.known:
        for alias in (known.name, *known.aliases):
            pattern = _alias_pattern(alias)
            if not prefilter.may_match(pattern, folded):
                continue
            for match in pattern.finditer(doc_text(doc)):
                spans.append((match.start(), match.end(), "KNOWN", known.name))
    for ent in doc.ents:
        if ent.label_ in ("ORG", "GPE", "PERSON", "NORP", "FAC", "LOC"):
            spans.append((ent.start_char, ent.end_char, ent.label_, None))
    # institutions the NER misses, by how their names are built
    for match in INSTITUTION_NAME.finditer(doc_text(doc)):
        spans.append((match.start(1), match.end(1), "ORG", None))
    spans = _without_coordinated_names(spans, doc_text(doc))
    # longest first, then earliest; drop overlaps
    spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    chosen: list[tuple[int, int, str | None, str | None]] = []
    for span in spans:
        if any(span[0] < c[1] and c[0] < span[1] for c in chosen):
            continue
        chosen.append(span)
    mentions = []
    for start, end, label, known_name in sorted(chosen):
        mention = _actor_mention(doc, lexicon, start, end, label, known_name)
        if mention is None:
            continue
        if any(i in target_chars for i in range(mention.start, mention.end)):
            continue  # "ICE" inside "ICE detainer requests" is part of the target's name
        mentions.append(mention)
    # a name inside a longer one ("Rhode Island" in "ACLU of Rhode Island") is part of it
    mentions = [
        m
        for m in mentions
        if not any(
            o is not m
            and o.start <= m.start
            and m.end <= o.end
            and (o.end - o.start) > (m.end - m.start)
            for o in mentions
        )
    ]
    mentions += _bodies_by_adjective(doc, lexicon, mentions)
    mentions = _collective_members(doc, mentions)
    mentions = _bodies_of_places(doc, lexicon, mentions)
    mentions = _titled_people(doc, lexicon, mentions)
    mentions = _listed_people(doc, mentions)
    mentions = _collective_bodies(doc, mentions)
    # a place inside an official's title ("Sarasota County" in "Sarasota County Sheriff
    # Tom Knight") is part of the title, not an actor of its own
    titled = [(m.title_start, m.start) for m in mentions if m.title_start is not None]
    return [m for m in mentions if not any(a <= m.start and m.end <= b for a, b in titled)]


JOINING = re.compile(r"(?:\s|,|&|\band\b)+")  # what joins two names in a coordination
LEADING = re.compile(r"(?:\s|\bthe\b)*", re.IGNORECASE)  # what may open or close it


def _without_coordinated_names(spans: list, text: str) -> list:
    """Drop an entity span that is two or more known actors joined by "and" or commas and
    nothing else ("Department of Homeland Security and Immigration and Customs
    Enforcement"): the NER read the coordination as one organisation, and being the
    longest span it would have hidden the actors it joins."""
    known = sorted((s for s in spans if s[2] == "KNOWN"), key=lambda s: (-(s[1] - s[0]), s[0]))
    out = []
    for span in spans:
        if span[2] != "KNOWN" and _joins_known(span, known, text):
            continue
        out.append(span)
    return out


def _joins_known(span, known: list, text: str) -> bool:
    inside: list = []
    for k in known:  # longest first: the known names inside, not overlapping each other
        if (
            span[0] <= k[0]
            and k[1] <= span[1]
            and not any(k[0] < o[1] and o[0] < k[1] for o in inside)
        ):
            inside.append(k)
    if len(inside) < 2:
        return False
    inside.sort()
    gaps = [text[a[1] : b[0]] for a, b in zip(inside, inside[1:], strict=False)]
    return (
        all(JOINING.fullmatch(g) for g in gaps)
        and LEADING.fullmatch(text[span[0] : inside[0][0]]) is not None
        and LEADING.fullmatch(text[inside[-1][1] : span[1]]) is not None
    )


@cache
def _alias_pattern(alias: str) -> re.Pattern:
    """A known actor's name as a whole word (an all-capital one, an acronym, in capitals
    only), compiled once per process. Its apostrophe may be straight, curly or left out
    ("Sheriffs' Association", "Sheriffs’ Association", "Sheriffs Association")."""
    flags = 0 if alias.isupper() else re.IGNORECASE
    name = re.sub("['’]", lambda _: "['’]?", re.escape(alias))  # re.escape keeps ' as is
    pattern = r"(?<![\w-])" + name + r"(?![\w-])"
    return re.compile(pattern, flags)


BODY_ADJECTIVES = {"legislative": "Legislature"}  # "legislative passage of HB 9"


def _bodies_by_adjective(doc, lexicon: Lexicon, mentions: list[Mention]) -> list[Mention]:
    """A body named by an adjective on an act of its own: "legislative passage of HB 9" is
    the legislature's passage (named for the article's state by resolution)."""
    covered = {i for m in mentions for i in range(m.tok_start, m.tok_end)}
    return [
        Mention.of_span(
            "actor", BODY_ADJECTIVES[tok.lower_], "government_body", doc[tok.i : tok.i + 1]
        )
        for tok in doc
        if tok.lower_ in BODY_ADJECTIVES
        and tok.dep_ == "amod"
        and tok.i not in covered
        and tok.head.lemma_.lower() in lexicon.nouns
    ]


BODY_OF_PLACE = re.compile(
    r"\b(city council|town council|county council|board of supervisors|county commission|"
    r"police department|sheriff'?s (?:office|department))\s+(?:in|of|for)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def _bodies_of_places(doc, lexicon: Lexicon, mentions: list[Mention]) -> list[Mention]:
    """ "the city council in Iowa City" -> Iowa City City Council."""
    out = []
    text = doc_text(doc)
    for m in mentions:
        match = BODY_OF_PLACE.search(text[max(0, m.start - 40) : m.start].translate(APOSTROPHES))
        if m.type == "jurisdiction" and match:
            start = m.start - (len(text[max(0, m.start - 40) : m.start]) - match.start())
            span = _token_span(doc, start, m.end)
            institution = match.group(1).title().replace("'S", "'s")
            name = f"{m.name} {institution}"
            m = Mention.of_span(
                "actor", name, actor_type(name, lexicon, "ORG") or "government_body", span
            )
        out.append(m)
    return out


WORD = r"(?:[A-Z]\.(?:[A-Z]\.)*|[A-Z][\w'’-]*)\s"  # "Marlow ", "L.A. "; not "Monday. "
INSTITUTION_NAME = re.compile(
    rf"(?<![\w’'])((?:{WORD}){{1,4}}?(?:County|City|Parish|Town|Township|Village)\s"
    r"(?:Sheriff['’]s\s(?:Office|Department)|Sheriff\sDepartment|Board\sof\s(?:[A-Z][a-z]+\s)?"
    r"[A-Z][a-z]+|Commission|Council|Police\sDepartment|Jail\sTrust)"
    rf"|(?:{WORD}){{1,3}}Police\sDepartment"
    rf"|(?:{WORD}){{1,2}}(?:County|Parish)(?![\w-])"
    rf"|(?:{WORD}){{1,5}}(?:Network|Coalition|Association|Project|Alliance|Center|Union|Committee"
    r"|Fund|Foundation|Institute|League|Federation|Society|Caucus|Task Force|Advocates)(?![\w-])"
    r"|City\sof\s[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)"
)
LEGISLATORS = {
    "lawmakers",
    "legislators",
    "legislature",
    "supervisors",
    "commissioners",
    "councilmembers",
    "trustees",
    "senators",
    "representatives",
}


def _collective_bodies(doc, mentions: list[Mention]) -> list[Mention]:
    """A place with a collective noun for its elected members is that place's body:
    "Connecticut lawmakers", "San Diego County supervisors"."""
    out = []
    for m in mentions:
        head = doc[m.tok_end] if m.tok_end < len(doc) else None
        if (
            m.type == "jurisdiction"
            and head is not None
            and head.lower_ in LEGISLATORS
            and doc[m.tok_end - 1].dep_ == "compound"
        ):
            span = doc[m.tok_start : m.tok_end + 1]
            m = Mention.of_span(
                "actor", f"{m.name} {head.text}", "government_body", span, head=head.i
            )
        out.append(m)
    return out


# words that qualify a post title and are no part of the place before it
TITLE_MODIFIERS = {
    "senior",
    "staff",
    "deputy",
    "chief",
    "executive",
    "assistant",
    "associate",
    "general",
    "acting",
    "interim",
    "former",
    "policy",
    "legal",
    "managing",
}
NAME_PARTICLES = {"de", "la", "del", "da", "di", "van", "von", "le", "du", "bin", "al"}


def _listed_people(doc, mentions: list[Mention]) -> list[Mention]:
    """The rest of a list of people the NER cut short: "Supervisors Dianne Jacob, Kristin
    Gaspar, and Bill Horn" -> Bill Horn too."""
    people = {m.head: m for m in mentions if m.type == "official"}
    covered = {i for m in mentions for i in range(m.tok_start, m.tok_end)}
    found = []
    for tok in doc:
        if (
            tok.dep_ != "conj"
            or tok.head.i not in people
            or tok.i in covered
            or tok.pos_ != "PROPN"
        ):
            continue
        left = min([tok.i] + [c.i for c in tok.children if c.dep_ == "compound" and c.i < tok.i])
        span = doc[left : tok.i + 1]
        if len(span) < 2 or any(t.i in covered for t in span):
            continue
        found.append(Mention.of_span("actor", span.text, "official", span, head=tok.i))
        covered.update(range(span.start, span.end))
    return sorted(mentions + found, key=lambda m: m.start)


def _titled_people(doc, lexicon: Lexicon, mentions: list[Mention]) -> list[Mention]:
    """Names the NER missed after a capitalised post title: "County Executive Steuart Pittman"."""
    covered = {i for m in mentions for i in range(m.tok_start, m.tok_end)}
    found = []
    for tok in doc:
        if not tok.text[:1].isupper() or title_key(tok.text) not in lexicon.titles:
            continue
        run = []
        j = tok.i + 1
        while (
            j < len(doc)
            and len(run) < 4
            and (
                (doc[j].pos_ == "PROPN" and doc[j].text[:1].isupper())
                or (
                    run
                    and doc[j].lower_ in NAME_PARTICLES
                    and j + 1 < len(doc)
                    and doc[j + 1].text[:1].isupper()
                )
            )
        ):
            run.append(doc[j])
            j += 1
        if len(run) < 2 or any(t.i in covered for t in run):
            continue
        if doc[j - 1].ent_type_ in ("GPE", "ORG") or doc[j - 1].lower_ in lexicon.titles:
            continue
        span = doc[run[0].i : run[-1].i + 1]
        mention = Mention.of_span("actor", span.text, "official", span)
        _add_role(doc, span, mention, lexicon)
        found.append(mention)
        covered.update(range(span.start, span.end))
    return sorted(mentions + found, key=lambda m: m.start)


COLLECTIVE_SUFFIX = {
    "counties": ("County", "county"),
    "parishes": ("Parish", "county"),
    "cities": ("", "city"),
    "towns": ("", "town"),
}


def _collective_members(doc, mentions: list[Mention]) -> list[Mention]:
    """Places listed under a plural common noun are jurisdictions of that kind:
    "Kewaunee, Outagamie and Wood counties" -> Kewaunee County, ...; "counties including
    Los Angeles, San Diego and Riverside" -> Los Angeles County, ..."""
    by_head = {m.head: m for m in mentions}
    for noun in doc:
        if noun.lower_ not in COLLECTIVE_SUFFIX or noun.pos_ != "NOUN":
            continue
        suffix, level = COLLECTIVE_SUFFIX[noun.lower_]
        group = []
        top = noun
        while top.dep_ == "conj":
            top = top.head
        group.extend(t for t in top.subtree if t.dep_ in ("conj", "pobj", "nsubj") or t.i == top.i)
        for child in noun.children:
            if child.dep_ in ("prep", "acl") and child.lower_ in (
                "including",
                "like",
                "such",
                "of",
            ):
                for pobj in child.subtree:
                    if pobj.dep_ in ("pobj", "conj"):
                        group.append(pobj)
        for tok in group:
            if tok.pos_ != "PROPN" or tok.i == noun.i:
                continue
            if any(t.lower_ in ("county", "city", "parish") for t in tok.children):
                continue
            left = min(
                [tok.i] + [c.i for c in tok.children if c.dep_ == "compound" and c.i < tok.i]
            )
            span = doc[left : tok.i + 1]
            base = clean_name(span.text)
            name = f"{base} {suffix}".strip() if suffix and not base.endswith(suffix) else base
            mention = by_head.get(tok.i)
            if mention is None:
                mention = Mention.of_span("actor", name, "jurisdiction", span, head=tok.i)
                mentions.append(mention)
                by_head[tok.i] = mention
            mention.aliases.add(base)
            mention.name, mention.type, mention.level = name, "jurisdiction", level
            mention.role = mention.affiliation = None
    return sorted(mentions, key=lambda m: m.start)


STATE_CHAPTER = re.compile(r"^ of (?:the )?([A-Z][a-z]+(?: [A-Z][a-z]+)?)")
STATE_CHAPTER_AT = re.compile(STATE_CHAPTER.pattern[1:])


def _chapter_mention(doc, lexicon, start: int, end: int) -> Mention | None:
    span = _token_span(doc, start, end)
    if span is None:
        return None
    return Mention.of_span("actor", clean_name(doc_text(doc)[start:end]), "group", span)


def _actor_mention(doc, lexicon, start, end, label, known_name) -> Mention | None:
    text = doc_text(doc)
    if label in ("GPE", "ORG", "KNOWN", "FAC", "LOC", "NORP"):
        # "Orange County" + " Sheriff's Department" -> one agency name
        tail = INSTITUTION_SUFFIX_AT.match(straight_text(doc), end)
        if tail and label != "KNOWN":
            end = tail.end()
            label = "ORG"
        before = text[max(0, start - 8) : start]
        if before.endswith("City of ") and label == "GPE":
            start -= len("City of ")
        chapter = STATE_CHAPTER_AT.match(text, end)
        if label == "KNOWN" and chapter and chapter.group(1) in US_STATES:
            # "the ACLU of Rhode Island" is a state chapter, an organisation of its own
            return _chapter_mention(doc, lexicon, start, chapter.end())
    span = _token_span(doc, start, end)
    if span is None:
        return None
    if label == "PERSON":
        # "Sheriff Jim McDonnell": the title is the role, not part of the name
        # (and every word of a longer title the NER kept: "Chief Financial Officer X")
        while len(span) > 1 and title_key(span[0].text) in _name_prefix_words(lexicon):
            span = span[1:]
        # "Berenice [Nava Romero]": a first name the NER left out
        while (
            span.start > 0
            and doc[span.start - 1].pos_ == "PROPN"
            and doc[span.start - 1].text.istitle()
            and doc[span.start - 1].dep_ == "compound"
            and doc[span.start - 1].head.i in range(span.start, span.end)
            and title_key(doc[span.start - 1].text) not in _title_words(lexicon)
            and not doc[span.start - 1].ent_type_
        ):
            span = doc[span.start - 1 : span.end]
        start, end = span.start_char, span.end_char
    raw = text[start:end]
    name = known_name or clean_name(raw)
    if not name or not any(ch.isupper() for ch in name):
        return None
    if name in STATE_ABBREVIATIONS:
        name = STATE_ABBREVIATIONS[name]
    if label in ("NORP", "FAC", "LOC") and actor_type(name, lexicon) in (None, "jurisdiction"):
        # a place or building, unless its name is an institution's ("... Sheriff's Department")
        return None
    if label == "GPE" and (name in NOT_JURISDICTIONS or raw.strip() in NOT_JURISDICTIONS):
        return None
    if raw.strip() in STATE_ABBREVIATIONS and re.search(
        r"[A-Za-z], $", text[max(0, start - 3) : start]
    ):
        return None  # "Montgomery County, Md., stops ...": the state of the place named
    if re.search(r"(?:Act|Law|Ordinance|Program|Agreement|Policy)$", name):
        return None  # a law or program's name is a target, not an actor
    line_start = text.rfind("\n", 0, start) + 1
    dateline = DATELINE_AT.match(text, line_start)
    if dateline and start < dateline.end() and label != "PERSON":
        return None  # a dateline ("PROVIDENCE, R.I. —", "HOUSTON (AP) —")
    if label != "KNOWN" and (OUTLET_WORDS.search(name) or COURTS.search(name)) or "/" in name:
        return None
    if CREDIT.search(text[max(0, start - 60) : start]):
        return None  # a photo credit: "(Photo: NYC Council/William Alatriste)"
    kind = actor_type(name, lexicon, "ORG" if label == "KNOWN" else label)
    if kind is None and not (name.isupper() and label == "ORG"):
        return None
    mention = Mention.of_span("actor", name, kind or "", span)
    if known_name:
        known = next(k for k in lexicon.known if k.name == known_name)
        mention.wikidata = known.wikidata
        if raw.strip() != known_name:
            mention.aliases.add(raw.strip())
    if kind == "jurisdiction":
        mention.level = jurisdiction_level(name)
    if kind == "official":
        _add_role(doc, span, mention, lexicon)
    return mention


TITLE_WORDS = re.compile(r"[A-Za-z.'’-]+")


def _add_role(doc, span, mention: Mention, lexicon: Lexicon) -> None:
    """Find an official's post title and the body it belongs to, from the words before
    the name ("L.A. County Sheriff Alex Villanueva") or an apposition after it."""
    # Words before the name within the same noun phrase.
    i = span.start - 1
    before = []
    while (
        i >= 0
        and doc[i].head.i in range(i, span.end + 1)
        or (
            i >= 0
            and doc[i].dep_ in ("compound", "amod", "poss", "case", "punct", "nmod")
            and doc[i].head.i >= span.start - 6
        )
    ):
        if doc[i].is_punct and doc[i].text not in (".", "'", "’"):
            break
        if doc[i].pos_ in ("VERB", "AUX", "ADP", "DET", "PRON", "SCONJ", "CCONJ", "NUM"):
            break
        before.insert(0, doc[i])
        i -= 1
        if len(before) >= 9:
            break
    words = [t.text.translate(APOSTROPHES) for t in before]
    lowered = [title_key(w) for w in words]
    title_at = None
    for size in (3, 2, 1):
        for j in range(len(lowered) - size, -1, -1):
            phrase = " ".join(lowered[j : j + size])
            if phrase in lexicon.titles:
                title_at = (j, size, phrase)
                break
        if title_at:
            break
    if title_at:
        j, size, phrase = title_at
        title = lexicon.titles[phrase]
        mention.role = " ".join(words[j : j + size]).rstrip(".").title()
        mention.title_start = before[0].idx
        mention.leads = title.leads
        place_words = []
        for w in words[:j]:
            if w in ("'s", "'"):
                continue
            if not w[:1].isupper() or w.lower().rstrip(".") in TITLE_MODIFIERS:
                break
            place_words.append(w)
        place = clean_name(" ".join(place_words)) if place_words else ""
        if place in (
            "State",
            "U.S.",
            "US",
            "Federal",
            "National",
            "Former",
            "Acting",
            "Then",
            "City",
            "County",
            "Town",
        ):
            place = ""  # "State Rep. Jane Doe": no place named
        if place:
            low = place.lower()
            if any(low.endswith(s) for s, _ in lexicon.actor_suffixes if len(s) > 6) or (
                place.isupper() and place.endswith(("PD", "SO", "SD"))
            ):
                mention.affiliation = place
            elif "{place}" in title.body:
                mention.affiliation = title.body.format(place=CITY_ABBREVIATIONS.get(place, place))
            elif title.body:
                mention.affiliation = f"{place} {title.body}"
            elif (
                place in US_STATES
                or low.endswith(("county", "city"))
                or place.istitle()
                or place.isupper()
            ):
                mention.affiliation = place
        elif title.body and phrase in ("sheriff", "police chief", "chief"):
            mention.affiliation = None  # resolved from the article's agencies later
    # Apposition or prepositional phrase after the name: "Kim, president of the Guild",
    # "Andres Kwon of the ACLU", "Ira Mehlman, with the Federation ..."
    root = span.root
    for child in root.children:
        if child.i < span.end:
            continue
        if child.dep_ == "appos" or (
            child.dep_ == "prep" and child.lower_ in ("of", "with", "for", "from")
        ):
            for tok in child.subtree:
                if tok.i - span.end > 18:
                    break
                named_org = (
                    tok.dep_ == "pobj"
                    and tok.pos_ == "PROPN"
                    and tok.head.lower_ in ("of", "with", "for")
                )
                if tok.ent_type_ == "ORG" or named_org:
                    ent = next((e for e in doc.ents if e.start <= tok.i < e.end), None)
                    if ent is None:  # a name the NER missed: the proper-noun phrase
                        left = min([tok.i] + [c.i for c in tok.subtree if c.i < tok.i])
                        right = max(
                            [tok.i] + [c.i for c in tok.subtree if c.dep_ in ("compound", "flat")]
                        )
                        ent = doc[left : right + 1]
                    org = clean_name(ent.text)
                    if org and not OUTLET_WORDS.search(org):
                        # "Sheriff Bill Brown, president of the Sheriffs' Association" is
                        # quoted as president: the apposition's body wins over the title's
                        if child.dep_ == "appos" and child.lower_ in lexicon.titles:
                            mention.affiliation = org
                            mention.role = child.text.title()
                            mention.leads = lexicon.titles[child.lower_].leads
                        mention.affiliation = mention.affiliation or org
                        if child.dep_ == "appos" and not mention.role:
                            mention.role = child.text.title()
                    break
            if child.dep_ == "appos" and not mention.role and child.lower_ in lexicon.titles:
                mention.role = child.text.title()
                mention.leads = lexicon.titles[child.lower_].leads
