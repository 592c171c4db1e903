"""Entity resolution across articles (issue 3): one IRI per real-world thing, whatever name
each article gives it, and deterministic IRIs. Names of invented places and people, except
the real agencies and abbreviations whose aliases are general knowledge (ICE, CBP, ACLU,
"L.A."). Most tests hand resolve() stances built here, so they test resolution alone; the
last ones run two made-up articles through the extractor first, as a build does.

Tests marked xfail(strict=True) state behaviour resolve() does not have yet.
"""

from __future__ import annotations

import random

import pytest

from stancegraph.model import DEFAULT_BASE_IRI, Article, Entity, Evidence, Stance
from stancegraph.resolve import resolve, slug

P287 = Entity("287(g) program", "program")


def stance(
    doc: str,
    actor: Entity,
    target: Entity = P287,
    polarity: str = "oppose",
    confidence: float = 0.8,
) -> Stance:
    relation = "opposes" if polarity == "oppose" else "supports"
    return Stance(
        doc, actor, polarity, relation, target, Evidence(doc, 0, 4, "text"), confidence=confidence
    )


def actor_iris(*names_by_doc: tuple[str, str, str], texts=None) -> list[str]:
    """Resolve one stance per (doc, actor name, actor type); the actor IRIs in order."""
    stances = [stance(doc, Entity(name, kind)) for doc, name, kind in names_by_doc]
    return [s.actor.id for s in resolve(stances, texts=texts)]


# ---------------------------------------------------------------- aliases across articles


@pytest.mark.parametrize(
    "names",
    [
        ("ICE", "U.S. Immigration and Customs Enforcement", "Immigration and Customs Enforcement"),
        ("CBP", "U.S. Customs and Border Protection", "Customs and Border Protection"),
    ],
)
def test_federal_agency_abbreviation_and_full_names(names):
    iris = actor_iris(*[(f"{i}.txt", n, "federal_agency") for i, n in enumerate(names)])
    assert len(set(iris)) == 1, iris
    assert iris[0].startswith(DEFAULT_BASE_IRI)


def test_group_acronym_and_full_name():
    iris = actor_iris(
        ("a.txt", "ACLU", "group"), ("b.txt", "American Civil Liberties Union", "group")
    )
    assert iris[0] == iris[1]


def test_la_is_los_angeles():
    iris = actor_iris(
        ("a.txt", "L.A. County Sheriff's Department", "agency"),
        ("b.txt", "Los Angeles County Sheriff's Department", "agency"),
    )
    assert iris[0] == iris[1]


def test_sheriffs_office_department_and_apostrophes():
    """One county's sheriff is one agency, whether an article calls it an office or a
    department, with a straight or a curly apostrophe."""
    iris = actor_iris(
        ("a.txt", "Marlow County Sheriff’s Office", "agency"),
        ("b.txt", "Marlow County Sheriff's Office", "agency"),
        ("c.txt", "Marlow County Sheriff's Department", "agency"),
    )
    assert len(set(iris)) == 1, iris


def test_surname_resolves_to_the_full_name():
    resolved = resolve(
        [
            stance("a.txt", Entity("Dana Whitfield", "official", role="Sheriff")),
            stance("b.txt", Entity("Whitfield", "official")),
        ]
    )
    assert resolved[0].actor.id == resolved[1].actor.id
    assert resolved[1].actor.name == "Dana Whitfield"


def test_ambiguous_surname_stays_apart():
    """Two people share the surname: a bare surname must not be guessed onto either."""
    resolved = resolve(
        [
            stance("a.txt", Entity("Dana Whitfield", "official")),
            stance("b.txt", Entity("Paul Whitfield", "official")),
            stance("c.txt", Entity("Whitfield", "official")),
        ]
    )
    a, b, c = (s.actor.id for s in resolved)
    assert a != b
    assert c not in (a, b)


def test_different_things_stay_apart():
    """A county, its sheriff's office, its board and a city of the same name are four things."""
    iris = actor_iris(
        ("a.txt", "Marlow County", "jurisdiction"),
        ("a.txt", "Marlow County Sheriff's Office", "agency"),
        ("b.txt", "Marlow County Board of Supervisors", "government_body"),
        ("b.txt", "Marlow", "jurisdiction"),
    )
    assert len(set(iris)) == 4, iris


def test_agency_serves_the_resolved_jurisdiction():
    resolved = resolve(
        [
            stance("a.txt", Entity("Marlow County Sheriff's Office", "agency")),
            stance("b.txt", Entity("Marlow County", "jurisdiction", level="county")),
        ]
    )
    office, county = resolved[0].actor, resolved[1].actor
    assert office.jurisdiction is not None
    assert office.jurisdiction.id == county.id


def test_official_affiliation_is_resolved_too():
    office = Entity("Marlow County Sheriff’s Office", "agency")
    resolved = resolve(
        [
            stance(
                "a.txt",
                Entity(
                    "Dana Whitfield", "official", role="Sheriff", affiliation=office, leads=True
                ),
            ),
            stance("b.txt", Entity("Marlow County Sheriff's Department", "agency")),
        ]
    )
    assert resolved[0].actor.affiliation.id == resolved[1].actor.id


def test_unknown_acronym_resolves_to_the_name_it_spells_in_the_corpus():
    iris = actor_iris(
        ("a.txt", "Marlow County Sheriff's Office", "agency"),
        ("b.txt", "MCSO", "agency"),
    )
    assert iris[0] == iris[1]


def test_a_wikidata_id_survives_resolution():
    # Wikidata ids are set only where the identity is certain (none is shipped yet: they
    # could not be checked offline); whatever sets one, resolution must keep it
    resolved = resolve([stance("a.txt", Entity("ICE", "federal_agency", wikidata="Q0"))])
    assert resolved[0].actor.wikidata == "Q0"


# ---------------------------------------------------------------- bills and their state

TEXAS = "The Texas Legislature passed SB 4 last year. Texas officials defended it."
GEORGIA = "Georgia lawmakers passed SB 4 this spring. Critics in Georgia condemned it."


def test_bill_number_takes_its_articles_state():
    bill = Entity("SB 4", "law")
    resolved = resolve(
        [
            stance("tx.txt", Entity("Marlow County", "jurisdiction"), bill),
            stance("ga.txt", Entity("Ashgrove", "jurisdiction"), bill),
            stance("tx2.txt", Entity("Ashgrove", "jurisdiction"), bill),
        ],
        texts={"tx.txt": TEXAS, "ga.txt": GEORGIA, "tx2.txt": TEXAS},
    )
    tx, ga, tx2 = (s.target for s in resolved)
    assert tx.name == "Texas SB 4" and ga.name == "Georgia SB 4"
    assert tx.id != ga.id
    assert tx.id == tx2.id  # the same state's bill in two articles is one law
    assert "SB 4" in tx.aliases


def test_bill_without_a_state_keeps_its_name():
    resolved = resolve(
        [stance("x.txt", Entity("Ashgrove", "jurisdiction"), Entity("SB 4", "law"))],
        texts={"x.txt": "The council voted on SB 4."},
    )
    assert resolved[0].target.name == "SB 4"


# ---------------------------------------------------------------- IRIs and records


def corpus() -> list[Stance]:
    office = Entity("Marlow County Sheriff's Office", "agency")
    return [
        stance("a.txt", Entity("ICE", "federal_agency"), polarity="support"),
        stance("a.txt", Entity("Dana Whitfield", "official", affiliation=office, leads=True)),
        stance("b.txt", Entity("U.S. Immigration and Customs Enforcement", "federal_agency")),
        stance("b.txt", Entity("Whitfield", "official")),
        stance("b.txt", Entity("Marlow County Sheriff’s Department", "agency")),
        stance("c.txt", Entity("L.A. County Sheriff's Department", "agency")),
        stance("c.txt", Entity("Los Angeles County Sheriff's Department", "agency")),
    ]


def test_iris_are_deterministic_and_independent_of_order():
    def summary(stances):
        return sorted((s.doc, s.actor.name, s.actor.id, s.target.id) for s in stances)

    first = resolve(corpus())
    assert [s.actor.id for s in resolve(corpus())] == [s.actor.id for s in first]
    shuffled = corpus()
    random.Random(7).shuffle(shuffled)
    assert summary(resolve(shuffled)) == summary(first)


def test_iri_is_the_base_plus_the_slug_of_the_canonical_name():
    base = "https://example.org/kg/"
    for s in resolve(corpus(), base_iri=base):
        for entity in (s.actor, s.target):
            assert entity.id == base + slug(entity.name)


def test_two_names_of_one_actor_in_one_article_give_one_record():
    resolved = resolve(
        [
            stance("c.txt", Entity("L.A. County Sheriff's Department", "agency"), confidence=0.6),
            stance(
                "c.txt", Entity("Los Angeles County Sheriff's Department", "agency"), confidence=0.9
            ),
        ]
    )
    assert len(resolved) == 1
    assert resolved[0].confidence == 0.9


# ---------------------------------------------------------------- through the extractor

ARTICLE_A = (
    "U.S. Immigration and Customs Enforcement defended the 287(g) program on Monday. "
    "The L.A. County Sheriff's Department refused to join the Warrant Service Officer program. "
    "Marlow County Sheriff Dana Whitfield said her office will not join the 287(g) program.\n"
)
ARTICLE_B = (
    "ICE praised the 287(g) program. The Los Angeles County Sheriff's Department has refused "
    "to join the Warrant Service Officer program. Sheriff Whitfield said the county would not "
    "join the 287(g) program.\n"
)


@pytest.fixture(scope="module")
def two_articles() -> list[Stance]:
    from stancegraph.extract import extract_stances

    articles = [
        Article("a.txt", ARTICLE_A, date="2021-01-05"),
        Article("b.txt", ARTICLE_B, date="2021-02-09"),
    ]
    stances = extract_stances(articles, extractor="rules")
    return resolve(stances, texts={a.doc: a.text for a in articles})


def _actor_ids(stances, doc, stance_, target) -> set[str]:
    return {
        s.actor.id
        for s in stances
        if s.doc == doc and s.stance == stance_ and s.target.name == target
    }


def test_extracted_aliases_resolve_across_articles(two_articles):
    ice = DEFAULT_BASE_IRI + slug("U.S. Immigration and Customs Enforcement")
    lasd = DEFAULT_BASE_IRI + slug("Los Angeles County Sheriff's Department")
    whitfield = DEFAULT_BASE_IRI + slug("Dana Whitfield")
    for doc in ("a.txt", "b.txt"):
        assert ice in _actor_ids(two_articles, doc, "support", "287(g) program"), doc
        wso = _actor_ids(two_articles, doc, "oppose", "Warrant Service Officer program")
        assert lasd in wso, doc
        assert whitfield in _actor_ids(two_articles, doc, "oppose", "287(g) program"), doc
