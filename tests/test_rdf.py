"""rdf.py against docs/graph.md, on a made-up article with hand-built stances; the ontology
and the SHACL shapes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import replace

import pytest
from conftest import MADE_UP_TEXT, ROOT
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from stancegraph import rdf
from stancegraph.model import DEFAULT_BASE_IRI, RELATIONS, Entity
from stancegraph.rdf import DCTERMS, OA, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SG, SKOS, XSD

ID = DEFAULT_BASE_IRI


def _iri(local: str) -> URIRef:
    return URIRef(ID + local)


@pytest.fixture
def dataset(made_up) -> Dataset:
    return rdf.build_dataset(*made_up)


@pytest.fixture
def union(dataset) -> Graph:
    return rdf.union_graph(dataset)


# ---------------------------------------------------------------- IRIs


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Los Angeles County Sheriff’s Department", "los-angeles-county-sheriffs-department"),
        ("Los Angeles County Sheriff's Department", "los-angeles-county-sheriffs-department"),
        ("287(g) program", "287-g-program"),
        ("d01.txt", "d01-txt"),
        ("batch.jsonl#12", "batch-jsonl-12"),
        ("Peñasco  Town", "penasco-town"),
    ],
)
def test_slug(text, expected):
    assert rdf.slug(text) == expected


def test_slug_of_nothing_latin_is_still_a_segment():
    assert rdf.slug("警察") == rdf.slug("警察") and rdf.slug("警察").startswith("x-")
    assert rdf.slug("名前") != rdf.slug("記事")  # letters the ASCII folding drops: a hash
    assert rdf.slug("Straße") != rdf.slug("Strae")


def test_article_iris_of_names_with_one_slug_do_not_collide():
    names = ["a b.txt", "a-b.txt", "A_B.txt", "名前.txt", "記事.txt", "a b.jsonl#1", "a-b.jsonl#1"]
    assert len({rdf.slug(n) for n in names[:3]}) == 1  # what used to merge them
    assert len({rdf.article_iri(n) for n in names}) == len(names)
    assert len({rdf.graph_iri(n) for n in names}) == len(names)


def test_iris_follow_the_documented_scheme(made_up):
    _, stances = made_up
    stance = stances[0]
    digest = hashlib.sha256(b"d01.txt").hexdigest()[:8]
    assert rdf.article_iri("d01.txt") == _iri(f"article/d01-txt-{digest}")
    assert rdf.graph_iri("d01.txt") == _iri(f"graph/d01-txt-{digest}")
    assert rdf.run_iri() == _iri("run/0.1.0")
    assert rdf.entity_iri(stance.actor) == _iri("springfield-county-sheriffs-office")
    assert rdf.entity_iri(replace(stance.actor, id="https://x.example/a")) == URIRef(
        "https://x.example/a"
    )
    key = "\x1f".join(
        [
            stance.doc,
            ID + "springfield-county-sheriffs-office",
            "oppose",
            "declines",
            ID + "287-g-program",
            str(stance.evidence.start),
            str(stance.evidence.end),
        ]
    )
    assert rdf.stance_iri(stance) == _iri("stance/" + hashlib.sha1(key.encode()).hexdigest()[:16])


def test_base_iri_is_configurable(made_up):
    ds = rdf.build_dataset(*made_up, base_iri="https://example.org/kg")
    subjects = {str(s) for s in rdf.union_graph(ds).subjects()} - {
        str(s) for s in ds.graph(rdf.ONTOLOGY_GRAPH).subjects()
    }
    assert all(s.startswith("https://example.org/kg/") for s in subjects), subjects


# ---------------------------------------------------------------- per article, per stance


def test_one_named_graph_per_article_the_ontology_in_its_own_and_no_default_graph(dataset):
    names = {g.identifier for g in dataset.graphs() if len(g)} - {dataset.default_graph.identifier}
    assert names == {rdf.graph_iri("t01.txt"), rdf.ONTOLOGY_GRAPH}
    assert len(dataset.default_graph) == 0  # the store's default graph is the merge
    run = _iri("run/0.1.0")
    named = dataset.graph(rdf.graph_iri("t01.txt"))
    # the run that read the article sits in its graph, so each graph stands alone
    assert (run, RDF.type, SG.ExtractionRun) in named
    assert (run, RDF.type, PROV.Activity) in named
    assert (run, SG.softwareVersion, Literal("0.1.0")) in named
    assert (rdf.article_iri("t01.txt"), RDF.type, SCHEMA.NewsArticle) in named
    onto = dataset.graph(rdf.ONTOLOGY_GRAPH)
    assert (SG.declines, RDFS.subPropertyOf, SG.opposes) in onto


def test_article_node(union, made_up):
    [article], _ = made_up
    a = rdf.article_iri("t01.txt")
    assert union.value(a, DCTERMS.identifier) == Literal("t01.txt")
    assert union.value(a, DCTERMS.title) == Literal("Sheriff declines 287(g)")
    assert union.value(a, DCTERMS.date) == Literal("2019-05-07", datatype=XSD.date)
    assert union.value(a, SCHEMA.url) == URIRef("https://example.org/news/1")
    publisher = union.value(a, DCTERMS.publisher)
    assert publisher == _iri("publisher/example-times")  # an entity, not a string
    assert union.value(publisher, RDFS.label) == Literal("Example Times")
    assert {SCHEMA.NewsMediaOrganization, ORG.Organization} <= set(
        union.objects(publisher, RDF.type)
    )
    assert union.value(a, SG.contentHash) == Literal(article.sha256)
    assert (
        union.value(a, SG.dateStart)
        == union.value(a, SG.dateEnd)
        == Literal("2019-05-07", datatype=XSD.date)
    )


def test_an_article_without_stances_still_gets_its_graph(made_up):
    articles, _ = made_up
    ds = rdf.build_dataset(articles, [])
    assert (rdf.article_iri("t01.txt"), RDF.type, SCHEMA.NewsArticle) in rdf.union_graph(ds)


def test_stance_node(union, made_up):
    _, stances = made_up
    s = rdf.stance_iri(stances[1])
    assert set(union.objects(s, RDF.type)) == {SG.Stance, PROV.Entity}
    assert union.value(s, SG.actor) == _iri("jane-roe")
    assert union.value(s, SG.target) == _iri("287-g-program")
    assert union.value(s, SG.polarity) == SG.Oppose
    assert union.value(s, SG.relation) == Literal("states_position")
    assert union.value(s, SG.relationProperty) == SG.statesOppositionTo
    assert union.value(s, SG.onBehalfOf) == _iri("springfield-county-sheriffs-office")
    assert union.value(s, DCTERMS.date) == Literal("2019-05", datatype=XSD.gYearMonth)
    assert union.value(s, SG.confidence) == Literal("0.6", datatype=XSD.decimal)
    assert union.value(s, SG.confidence).datatype == XSD.decimal
    assert union.value(s, PROV.wasDerivedFrom) == rdf.article_iri("t01.txt")
    assert union.value(s, PROV.wasGeneratedBy) == _iri("run/0.1.0")
    assert union.value(s, SG.evidence) == URIRef(f"{s}/evidence")


def test_dates_are_typed_by_precision(union, made_up):
    _, stances = made_up
    dates = {union.value(rdf.stance_iri(s), DCTERMS.date) for s in stances}
    assert {d.datatype for d in dates if d is not None} == {XSD.date, XSD.gYearMonth, XSD.gYear}
    assert rdf.date_literal("2019-05-07T12:00:00") == Literal("2019-05-07", datatype=XSD.date)
    assert rdf.date_literal("last Tuesday") is None


@pytest.mark.parametrize(
    "value, start, end",
    [
        ("2019-05-07", "2019-05-07", "2019-05-07"),
        ("2019-05", "2019-05-01", "2019-05-31"),
        ("2020-02", "2020-02-01", "2020-02-29"),  # a leap year
        ("2019", "2019-01-01", "2019-12-31"),
    ],
)
def test_date_bounds_are_xsd_dates_of_the_stated_precision(value, start, end):
    first, last = rdf.date_bounds(value)
    assert (first, last) == (Literal(start, datatype=XSD.date), Literal(end, datatype=XSD.date))
    assert rdf.date_bounds("2019-13") is None and rdf.date_bounds(None) is None


def test_stances_carry_sortable_bounds_beside_the_precise_date(union, made_up):
    _, stances = made_up
    month = rdf.stance_iri(stances[1])  # dated 2019-05
    assert union.value(month, DCTERMS.date) == Literal("2019-05", datatype=XSD.gYearMonth)
    assert union.value(month, SG.dateStart) == Literal("2019-05-01", datatype=XSD.date)
    assert union.value(month, SG.dateEnd) == Literal("2019-05-31", datatype=XSD.date)
    undated = rdf.stance_iri(stances[3])
    assert union.value(undated, SG.dateStart) is None


def test_every_stance_asserts_its_super_properties(union, made_up):
    """The hierarchy is materialised: no reasoner is needed for `?a sg:opposes ?t`."""
    _, stances = made_up
    for stance in stances:
        s = rdf.stance_iri(stance)
        actor, target = union.value(s, SG.actor), union.value(s, SG.target)
        side = SG.opposes if stance.stance == "oppose" else SG.supports
        assert (actor, side, target) in union
        assert (actor, SG.statesPositionOn, target) in union
    office = _iri("springfield-county-sheriffs-office")
    assert (office, SG.declines, _iri("287-g-program")) in union
    assert (office, SG.supports, _iri("287-g-program")) not in union


def test_evidence_annotation_and_selectors(union, made_up):
    _, stances = made_up
    for stance in stances:
        s = rdf.stance_iri(stance)
        ann = URIRef(f"{s}/evidence")
        target = URIRef(f"{s}/evidence/target")
        quote = URIRef(f"{s}/evidence/quote")
        position = URIRef(f"{s}/evidence/position")
        assert union.value(ann, RDF.type) == OA.Annotation
        assert union.value(ann, OA.motivatedBy) == OA.describing
        assert union.value(ann, OA.hasBody) == s
        assert union.value(ann, OA.hasTarget) == target
        assert union.value(target, RDF.type) == OA.SpecificResource
        assert union.value(target, OA.hasSource) == rdf.article_iri("t01.txt")
        assert set(union.objects(target, OA.hasSelector)) == {quote, position}
        # the offsets count in the text as read, which the state names by its hash
        state = union.value(target, OA.hasState)
        assert state == URIRef(str(rdf.article_iri("t01.txt")) + "/text")
        assert union.value(state, RDF.type) == OA.State
        assert (
            str(union.value(state, SG.contentHash))
            == hashlib.sha256(MADE_UP_TEXT.encode()).hexdigest()
        )
        start = union.value(position, OA.start)
        end = union.value(position, OA.end)
        assert start.datatype == end.datatype == XSD.nonNegativeInteger
        start, end = start.toPython(), end.toPython()
        assert str(union.value(quote, OA.exact)) == MADE_UP_TEXT[start:end] == stance.evidence.text
        prefix = union.value(quote, OA.prefix)
        suffix = union.value(quote, OA.suffix)
        assert (str(prefix) if prefix else "") == MADE_UP_TEXT[max(0, start - 32) : start]
        assert (str(suffix) if suffix else "") == MADE_UP_TEXT[end : end + 32]


@pytest.mark.parametrize(
    "relation, stance, prop",
    [
        ("declines", "oppose", SG.declines),
        ("withdraws", "oppose", SG.withdrawsFrom),
        ("condemns", "oppose", SG.condemns),
        ("opposes", "oppose", SG.opposes),
        ("joins", "support", SG.joins),
        ("supports", "support", SG.supports),
        ("urges", "support", SG.urges),
        ("urges", "oppose", SG.urgesAgainst),
        ("states_position", "support", SG.statesSupportFor),
        ("states_position", "oppose", SG.statesOppositionTo),
        ("declines", "support", SG.supports),  # contradiction: the polarity wins
    ],
)
def test_direct_triple_per_relation(made_up, relation, stance, prop):
    articles, stances = made_up
    st = replace(stances[0], relation=relation, stance=stance)
    union = rdf.union_graph(rdf.build_dataset(articles, [st]))
    actor, target = rdf.entity_iri(st.actor), rdf.entity_iri(st.target)
    assert (actor, prop, target) in union
    assert union.value(rdf.stance_iri(st), SG.relationProperty) == prop


def test_every_relation_property_sits_under_opposes_or_supports():
    onto = rdf.package_graph("ontology.ttl")
    for relation, polarity in RELATIONS.items():
        for stance in [polarity] if polarity else ["oppose", "support"]:
            prop = rdf.relation_property(relation, stance)
            parents = set(onto.transitive_objects(prop, RDFS.subPropertyOf))
            assert (SG.opposes if stance == "oppose" else SG.supports) in parents
            assert SG.statesPositionOn in parents


# ---------------------------------------------------------------- entities


def test_actor_and_target_typing(union):
    def types(local):
        return set(union.objects(_iri(local), RDF.type))

    assert types("springfield-county") == {SG.Jurisdiction, SG.Actor}
    # agencies, bodies and groups alike are W3C ORG organisations
    assert types("springfield-county-sheriffs-office") == {
        SG.LawEnforcementAgency,
        SG.Actor,
        ORG.Organization,
    }
    assert types("springfield-city-council") == {SG.GovernmentBody, SG.Actor, ORG.Organization}
    assert types("jane-roe") == {SG.Official, SG.Actor, SCHEMA.Person}
    assert types("illinois-immigrant-coalition") == {SG.Group, SG.Actor, ORG.Organization}
    assert types("287-g-program") == {SG.Program, SG.Target, SKOS.Concept}
    # "agency" as a target is an sg:AgencyTarget, not a law-enforcement agency
    assert types("immigration-and-customs-enforcement") == {
        SG.AgencyTarget,
        SG.Target,
        SKOS.Concept,
    }


def test_federal_agency_actor(made_up):
    articles, stances = made_up
    dhs = Entity("Department of Homeland Security", "federal_agency")
    union = rdf.union_graph(rdf.build_dataset(articles, [replace(stances[0], actor=dhs)]))
    assert set(union.objects(_iri("department-of-homeland-security"), RDF.type)) == {
        SG.FederalAgency,
        SG.Actor,
        ORG.Organization,
    }


def test_entity_links(union):
    office = _iri("springfield-county-sheriffs-office")
    county = _iri("springfield-county")
    assert union.value(office, RDFS.label) == Literal("Springfield County Sheriff’s Office")
    assert union.value(office, SKOS.altLabel) == Literal("SCSO")
    assert union.value(office, SG.servesJurisdiction) == county
    assert union.value(office, SG.inState) == Literal("Illinois")
    assert union.value(county, SG.level) == Literal("county")
    assert union.value(county, SCHEMA.containedInPlace) == _iri("illinois")
    assert union.value(_iri("illinois"), RDFS.label) == Literal("Illinois")
    assert union.value(_iri("jane-roe"), ORG.headOf) == office
    assert union.value(_iri("jane-roe"), SG.role) == Literal("Sheriff")
    assert union.value(_iri("bob-poe"), ORG.memberOf) == _iri("springfield-city-council")
    assert union.value(_iri("bob-poe"), ORG.headOf) is None
    wso = _iri("warrant-service-officer-program")
    assert union.value(wso, SKOS.broader) == _iri("287-g-program")
    assert union.value(wso, SKOS.prefLabel) == Literal("Warrant Service Officer program")
    assert union.value(wso, SKOS.inScheme) == SG.Targets
    assert union.value(_iri("287-g-program"), OWL.sameAs) == URIRef(
        "http://www.wikidata.org/entity/Q4638478"
    )
    assert union.value(office, OWL.sameAs) is None  # only where Entity.wikidata says so


# ---------------------------------------------------------------- serialisation


@pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")
def test_every_format_parses_back_to_the_same_statements(dataset, union):
    for fmt in ("turtle", "nt"):
        g = Graph()
        g.parse(data=rdf.serialize(dataset, fmt), format=fmt)
        assert isomorphic(g, union), fmt
    from_jsonld = Dataset()
    from_jsonld.parse(data=rdf.serialize(dataset, "jsonld"), format="json-ld")
    assert set(rdf.union_graph(from_jsonld)) == set(union)
    for fmt in ("trig", "nquads"):
        back = rdf.read_dataset(rdf.serialize(dataset, fmt), fmt)
        assert set(back.quads()) == set(dataset.quads()), fmt


def test_line_formats_are_sorted(dataset):
    for fmt in ("nt", "nquads"):
        lines = rdf.serialize(dataset, fmt).decode().splitlines()
        assert lines == sorted(set(lines)) and lines


def test_trig_round_trip_is_byte_identical(dataset):
    trig = rdf.serialize(dataset, "trig")
    assert rdf.serialize(rdf.read_dataset(trig, "trig"), "trig") == trig


_SERIALISE_ALL = """
import hashlib, sys
sys.path.insert(0, sys.argv[1])
from conftest import made_up_corpus
from stancegraph import rdf
ds = rdf.build_dataset(*made_up_corpus())
print(" ".join(hashlib.sha256(rdf.serialize(ds, f)).hexdigest() for f in rdf.FORMATS))
"""


def test_bytes_do_not_depend_on_hash_seed():
    """Sets and dicts iterate in hash order, which Python randomises per process."""
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", _SERIALISE_ALL, str(ROOT / "tests")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_unknown_format_is_refused(dataset):
    with pytest.raises(ValueError, match="unknown format"):
        rdf.serialize(dataset, "rdfxml")


# ---------------------------------------------------------------- ontology and shapes


def test_every_ontology_term_has_a_label_and_a_comment():
    onto = rdf.package_graph("ontology.ttl")
    terms = {t for t in onto.all_nodes() if isinstance(t, URIRef) and t.startswith(str(SG))}
    assert len(terms) > 40
    for term in terms:
        assert onto.value(term, RDFS.label) is not None, f"{term} has no rdfs:label"
        assert onto.value(term, RDFS.comment) is not None, f"{term} has no rdfs:comment"


def test_every_sg_term_written_is_declared(union):
    onto = rdf.package_graph("ontology.ttl")
    used = {t for t in union.all_nodes() if isinstance(t, URIRef) and t.startswith(str(SG))}
    used |= {p for p in union.predicates() if p.startswith(str(SG))}
    undeclared = {t for t in used if (t, RDF.type, None) not in onto}
    assert not undeclared


def test_made_up_graph_conforms_to_the_shapes(dataset):
    assert rdf.validate(dataset) == []


def _broken(union: Graph, made_up) -> Graph:
    _, stances = made_up
    s = rdf.stance_iri(stances[0])
    g = Graph()
    for triple in union:
        g.add(triple)
    position = URIRef(f"{s}/evidence/position")
    g.set((position, OA.end, Literal(0, datatype=XSD.nonNegativeInteger)))  # end before start
    g.set((s, SG.confidence, Literal("1.5", datatype=XSD.decimal)))
    g.remove((URIRef(f"{s}/evidence/quote"), OA.exact, None))
    g.remove((_iri("jane-roe"), RDFS.label, None))
    g.remove((rdf.entity_iri(stances[2].actor), SG.supports, None))  # the direct triple
    return g


def test_shapes_catch_broken_stances(union, made_up):
    report = "\n".join(rdf.validate(_broken(union, made_up)))
    assert "below oa:end" in report
    assert "confidence" in report
    assert "oa:exact" in report
    assert "rdfs:label" in report
    assert "direct triple" in report


def _contradicted(union, made_up, change) -> list[str]:
    """The made-up graph with one edit to the declining stance; its violations."""
    _, stances = made_up
    g = Graph()
    for t in union:
        g.add(t)
    change(g, rdf.stance_iri(stances[0]))
    return rdf.validate(g)


def test_shapes_catch_contradictions(union, made_up):
    def polarity(g, s):  # an oppose stance that says the actor joins
        g.set((s, SG.relationProperty, SG.joins))
        g.set((s, SG.relation, Literal("joins")))
        a, t = g.value(s, SG.actor), g.value(s, SG.target)
        g.add((a, SG.joins, t))

    def relation(g, s):  # "declines", asserted as sg:condemns (both oppose)
        g.set((s, SG.relationProperty, SG.condemns))
        g.add((g.value(s, SG.actor), SG.condemns, g.value(s, SG.target)))

    def span(g, s):
        g.set((URIRef(f"{s}/evidence/position"), OA.end, Literal(9999)))

    def source(g, s):
        g.set((URIRef(f"{s}/evidence/target"), OA.hasSource, _iri("article/other")))
        g.add((_iri("article/other"), RDF.type, SCHEMA.NewsArticle))

    expected = {
        polarity: "polarity contradicts",
        relation: "not one the relation asserts",
        span: "not the length of the quote",
        source: "not the article the stance is derived from",
    }
    for change, message in expected.items():
        report = _contradicted(union, made_up, change)
        assert any(message in line for line in report), (change.__name__, report)
    assert rdf.validate(union) == []  # and the graph as written has none of them


def test_shapes_need_the_article(made_up):
    _, stances = made_up
    report = "\n".join(rdf.validate(rdf.build_dataset([], stances)))
    assert "schema:NewsArticle" in report


def test_shapes_accept_store_integer_offsets(union):
    """Oxigraph hands xsd:nonNegativeInteger back as xsd:integer; both must validate."""
    g = Graph()
    for s, p, o in union:
        if p in (OA.start, OA.end):
            o = Literal(int(o), datatype=XSD.integer)
        g.add((s, p, o))
    assert rdf.validate(g) == []


def test_a_repeated_stance_keeps_one_node_with_the_highest_confidence(made_up):
    articles, stances = made_up
    twice = [replace(stances[0], confidence=0.7), stances[0], replace(stances[0], confidence=0.2)]
    union = rdf.union_graph(rdf.build_dataset(articles, twice))
    assert list(union.objects(rdf.stance_iri(stances[0]), SG.confidence)) == [
        Literal("0.87", datatype=XSD.decimal)
    ]


def test_prefixed_names_are_rdflibs_whatever_the_order_of_the_iris():
    """rdf._PrefixedNames finds each IRI's prefixed name without rdflib's trie scan; it must
    give what rdflib's NamespaceManager gives, call for call, failures included."""
    from rdflib.namespace import NamespaceManager

    from stancegraph.rdf import _PrefixedNames

    base = "https://w3id.org/stancegraph/id/"
    iris = [
        base + "los-angeles-county", base + "287-g-program", base + "stance/856e7797fb6c90ef",
        base + "stance/856e7797fb6c90ef/evidence", base + "stance/856e7797fb6c90ef/evidence/quote",
        base + "stance/0a1b/evidence/target", base + "graph/000-x-txt-1bb21b7e", base,
        base + "stance/0a1b", base + "stance/0a",
        base + "stance/", "https://w3id.org/stancegraph/ns#declines", "https://example.org/a b",
        "http://www.w3.org/2001/XMLSchema#date", "https://example.org/news/2019/05/07/x.html",
        "https://example.org/", "urn:isbn:0451450523", base + "x.", base + "a(b)",
    ]  # fmt: skip
    ours, theirs = Graph(bind_namespaces="none"), Graph(bind_namespaces="none")
    ours.namespace_manager = _PrefixedNames(ours)
    theirs.namespace_manager = NamespaceManager(theirs, bind_namespaces="none")
    for g in (ours, theirs):
        g.bind("id", base)
        g.bind("sg", "https://w3id.org/stancegraph/ns#")
        g.bind("xsd", "http://www.w3.org/2001/XMLSchema#")
        g.bind("st", base + "stance/856e7797fb6c90ef/")
        g.bind("short", base + "stance/0a")  # longer than where split_uri cuts stance/0a1b

    def outcome(g: Graph, iri: str, generate: bool):
        try:
            return g.namespace_manager.compute_qname(iri, generate=generate)
        except (KeyError, ValueError) as err:
            return type(err).__name__

    for generate in (False, True):
        for iri in iris + iris[::-1]:
            assert outcome(ours, iri, generate) == outcome(theirs, iri, generate), iri
    assert sorted(ours.namespaces()) == sorted(theirs.namespaces())
    assert ours.namespace_manager.compute_qname(base + "stance/0a1b")[0] == "short"
