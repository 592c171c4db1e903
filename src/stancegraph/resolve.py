"""Entity resolution across articles: one IRI per real-world thing.

Names are reduced to a key that ignores what varies between articles but not
between things: case, punctuation, possessives, a leading "the", "L.A." for
"Los Angeles", "Sheriff's Office" vs "Sheriff's Department" for the same
county, "City of X" vs "X". Well-known agencies and groups resolve through
their aliases (data/actors.toml); a surname alone resolves to the one full name
in the corpus that ends with it; an unqualified bill number ("SB 54") takes the
state its article is about. Each key gets the name used most often, an IRI
minted from it, and the aliases seen.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace

from stancegraph.extract.coref import spells
from stancegraph.extract.lexicon import load_lexicon
from stancegraph.extract.mentions import STATE_ABBREVIATIONS, US_STATES
from stancegraph.model import DEFAULT_BASE_IRI, Entity, Stance, slug

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
BILL = re.compile(r"^(SB|HB|AB|SF|HF|LB) (\d+)$")


def name_key(name: str, kind: str) -> str:
    """What two names of the same thing have in common."""
    lexicon = load_lexicon()
    low = name.lower().replace("’", "'")
    for known in lexicon.known:
        if low == known.name.lower() or low in (a.lower() for a in known.aliases):
            return "known:" + known.name.lower()
    low = re.sub(r"^the\s+", "", low)
    for pattern, full in PLACE_ABBREVIATIONS.items():
        low = re.sub(pattern, full, low)
    low = re.sub(r"'s\b|'", "", low)
    low = AGENCY_FORMS.sub("sheriff", low)
    low = re.sub(r"\bpolice dept\b|\bpolice department\b", "police", low)
    low = re.sub(r"^city of\s+", "", low) if kind == "jurisdiction" else low
    low = re.sub(r"[^\w()]+|_", " ", low).strip()  # letters of any script: 名前 is not 記事
    return f"{kind_family(kind)}:{low}"


def kind_family(kind: str) -> str:
    """Actor types that can name the same body share a family (an article may call a
    sheriff's office a department, a board a body)."""
    return {"official": "person"}.get(kind, "target" if kind in TARGET_KINDS else "org")


TARGET_KINDS = {"program", "policy", "law", "practice", "operation"}


def article_states(texts: dict[str, str]) -> dict[str, str]:
    """The US state each article is mostly about, from the state names it mentions."""
    states: dict[str, str] = {}
    for doc, text in texts.items():
        counts: Counter = Counter()
        for state in US_STATES:
            counts[state] += len(re.findall(rf"\b{re.escape(state)}\b", text))
        for abbr, state in STATE_ABBREVIATIONS.items():
            counts[state] += text.count(abbr)
        counts = +counts  # drop the states never named
        if counts:
            states[doc] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return states


def resolve(
    stances: list[Stance], base_iri: str = DEFAULT_BASE_IRI, texts: dict[str, str] | None = None
) -> list[Stance]:
    """Stances with every entity named canonically and given its IRI.

    `texts` (doc -> article text) lets bill numbers take their article's state."""
    states = article_states(texts or {})
    lexicon = load_lexicon()
    known_by_name = {k.name: k for k in lexicon.known}

    def qualified(entity: Entity, doc: str) -> Entity:
        """Names that only make sense within a state take the article's state:
        "SB 54" -> "California SB 54", "the state Senate" -> "New Mexico Senate"."""
        state = states.get(doc)
        if not state:
            return entity
        bare = re.sub(r"^(?:the\s+)?(?:state|State)\s+", "", entity.name)
        if BILL.match(entity.name) or (entity.type == "government_body" and bare in STATE_BODIES):
            return replace(entity, name=f"{state} {bare}", aliases=(entity.name,), state=state)
        if (
            entity.type == "official"
            and (entity.role or "").lower().rstrip(".") in GOVERNORS
            and entity.affiliation is None
        ):
            home = Entity(f"State of {state}", "jurisdiction", level="state", state=state)
            return replace(entity, affiliation=home, leads=True)
        return entity

    corpus = "\n".join((texts or {}).values()).replace("’", "'")

    def attested(name: str) -> bool:
        return name.replace("’", "'") in corpus

    # 1. every name, weighted: a name an article uses for an actor or target counts
    #    twice, a body named only from an official's title once
    names: dict[str, Counter] = defaultdict(Counter)
    people: dict[str, set[str]] = defaultdict(set)

    def see(entity: Entity | None, weight: int, doc: str) -> None:
        if entity is None:
            return
        entity = qualified(entity, doc)
        names[name_key(entity.name, entity.type)][entity.name] += weight
        if entity.type == "official" and " " in entity.name:
            people[entity.name.split()[-1]].add(entity.name)
        see(entity.affiliation, 1, doc)

    for s in stances:
        see(s.actor, 2, s.doc)
        see(s.target, 2, s.doc)
        see(s.on_behalf_of, 1, s.doc)

    def canonical(entity: Entity | None, doc: str) -> Entity | None:
        if entity is None:
            return None
        entity = qualified(entity, doc)
        name = entity.name
        if entity.type == "official" and " " not in name and len(people.get(name, ())) == 1:
            name = next(iter(people[name]))
        if name.isupper() and 2 <= len(name) <= 6 and entity.type != "official":
            spelled = {
                n
                for counter in names.values()
                for n in counter
                if not n.isupper() and spells(name, n)
            }
            if len(spelled) == 1:  # "MCSO" and the one name in the corpus it spells
                name = spelled.pop()
        key = name_key(name, entity.type)
        counts = names.get(key) or Counter({name: 1})
        # a name some article writes out beats one pieced together from a title
        best = sorted(
            counts.items(), key=lambda kv: (-attested(kv[0]), -kv[1], -len(kv[0]), kv[0])
        )[0][0]
        if not attested(best):  # an article may call it the Sheriff's Department
            best = next((v for v in _variants(best) if attested(v)), best)
        if key.startswith("known:"):
            best = next(k.name for k in lexicon.known if k.name.lower() == key[6:])
        aliases = sorted({n for n in counts if n != best} | set(entity.aliases) - {best})
        known = known_by_name.get(best)
        return replace(
            entity,
            name=best,
            id=base_iri + slug(best),
            aliases=tuple(aliases),
            affiliation=canonical(entity.affiliation, doc),
            jurisdiction=canonical(
                entity.jurisdiction or served_jurisdiction(best, entity.type), doc
            ),
            # the article's state only for what belongs to one: local governments and
            # their agencies, state laws; not ICE, national groups or federal programs
            state=entity.state
            or _state_of(best)
            or (states.get(doc) if entity.type in LOCAL_KINDS else None),
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
    return deduplicate(resolved)


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


def _state_of(name: str) -> str | None:
    if name in US_STATES:
        return name
    for state in US_STATES:
        if name.startswith(state + " ") and not name.startswith(state + " County"):
            return state
    return None
