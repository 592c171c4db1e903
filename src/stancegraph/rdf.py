"""Articles and stances to RDF, in the exact shape docs/graph.md documents.

    ds = build_dataset(articles, stances)          # an rdflib Dataset, one named graph per article
    data = serialize(ds, "trig")                   # bytes; the same input gives the same bytes

Every IRI is derived from names, doc ids and offsets, never from counters or clocks, and
every serialisation is put in a fixed order, so two builds of one corpus are
byte-identical. The stance IRI hashes (doc, actor, stance, relation, target, start, end).
"""

from __future__ import annotations

import calendar
import contextlib
import functools
import hashlib
import io
import json
import logging
import re
import warnings
from collections.abc import Iterable
from datetime import date as _date
from decimal import Decimal
from importlib import resources
from typing import BinaryIO

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import NamespaceManager, split_uri
from rdflib.plugins.serializers.trig import TrigSerializer
from rdflib.term import _is_valid_uri

from stancegraph import __version__
from stancegraph.model import DEFAULT_BASE_IRI, RELATIONS, Article, Entity, Stance, short_hash, slug


class _Namespaces(dict):
    """Prefix -> Namespace, also readable as attributes: NS["sg"] is NS.sg."""

    def __getattr__(self, name: str) -> Namespace:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


SG = Namespace("https://w3id.org/stancegraph/ns#")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SCHEMA = Namespace("https://schema.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
ORG = Namespace("http://www.w3.org/ns/org#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
WD = Namespace("http://www.wikidata.org/entity/")

NS = _Namespaces(
    sg=SG, prov=PROV, oa=OA, dcterms=DCTERMS, schema=SCHEMA, skos=SKOS, org=ORG,
    rdf=RDF, rdfs=RDFS, owl=OWL, xsd=XSD, wd=WD,
)  # fmt: skip

FORMATS = ("turtle", "trig", "nt", "nquads", "jsonld")
QUOTE_CONTEXT = 32  # characters of oa:prefix / oa:suffix around the exact quote

ACTOR_CLASSES = {
    "jurisdiction": (SG.Jurisdiction,),
    "agency": (SG.LawEnforcementAgency, ORG.Organization),
    "government_body": (SG.GovernmentBody, ORG.Organization),
    "federal_agency": (SG.FederalAgency, ORG.Organization),
    "official": (SG.Official, SCHEMA.Person),
    "group": (SG.Group, ORG.Organization),
}
TARGET_CLASSES = {
    "program": SG.Program,
    "policy": SG.Policy,
    "law": SG.Law,
    "practice": SG.Practice,
    "operation": SG.Operation,
    "agency": SG.AgencyTarget,
}
# relation -> the direct property; relations that take either polarity map by stance
RELATION_PROPERTIES = {
    "declines": SG.declines,
    "withdraws": SG.withdrawsFrom,
    "condemns": SG.condemns,
    "opposes": SG.opposes,
    "joins": SG.joins,
    "supports": SG.supports,
    ("urges", "support"): SG.urges,
    ("urges", "oppose"): SG.urgesAgainst,
    ("states_position", "support"): SG.statesSupportFor,
    ("states_position", "oppose"): SG.statesOppositionTo,
}
POLARITIES = {"oppose": SG.Oppose, "support": SG.Support}
ONTOLOGY_GRAPH = URIRef("https://w3id.org/stancegraph/ns")  # the named graph of ontology.ttl


def base_of(base_iri: str) -> str:
    return base_iri if base_iri.endswith(("/", "#")) else base_iri + "/"


def entity_iri(entity: Entity, base_iri: str = DEFAULT_BASE_IRI) -> URIRef:
    """The resolved IRI when resolve set one, else the base + the slug of the name."""
    return URIRef(entity.id) if entity.id else URIRef(base_of(base_iri) + slug(entity.name))


def doc_segment(doc: str) -> str:
    """An article's IRI segment: the slug of its doc id and a hash of the exact id, so
    "a b.txt", "a-b.txt" and "A_B.txt" (one slug) are three articles."""
    return f"{slug(doc)}-{short_hash(doc)}"


def article_iri(doc: str, base_iri: str = DEFAULT_BASE_IRI) -> URIRef:
    return URIRef(f"{base_of(base_iri)}article/{doc_segment(doc)}")


def graph_iri(doc: str, base_iri: str = DEFAULT_BASE_IRI) -> URIRef:
    return URIRef(f"{base_of(base_iri)}graph/{doc_segment(doc)}")


def publisher_iri(outlet: str, base_iri: str = DEFAULT_BASE_IRI) -> URIRef:
    return URIRef(f"{base_of(base_iri)}publisher/{slug(outlet)}")


def text_iri(doc: str, base_iri: str = DEFAULT_BASE_IRI) -> URIRef:
    """The text of the article as read, which the position selectors count in."""
    return URIRef(f"{article_iri(doc, base_iri)}/text")


def run_iri(base_iri: str = DEFAULT_BASE_IRI) -> URIRef:
    return URIRef(f"{base_of(base_iri)}run/{__version__}")


def stance_iri(stance: Stance, base_iri: str = DEFAULT_BASE_IRI) -> URIRef:
    ev = stance.evidence
    key = "\x1f".join(
        [
            stance.doc,
            str(entity_iri(stance.actor, base_iri)),
            stance.stance,
            stance.relation,
            str(entity_iri(stance.target, base_iri)),
            str(ev.start),
            str(ev.end),
        ]
    )
    return URIRef(f"{base_of(base_iri)}stance/{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}")


def relation_property(relation: str, stance: str) -> URIRef:
    """The direct property for a relation; a fixed-polarity relation that contradicts the
    stance falls back to plain sg:opposes / sg:supports so the direct triple never lies."""
    fixed = RELATIONS.get(relation)
    if fixed is None:
        prop = RELATION_PROPERTIES.get((relation, stance))
    elif fixed == stance:
        prop = RELATION_PROPERTIES.get(relation)
    else:
        prop = None
    return prop or (SG.opposes if stance == "oppose" else SG.supports)


def date_literal(value: str | None) -> Literal | None:
    """xsd:date, xsd:gYearMonth or xsd:gYear by the precision of the ISO date; else None."""
    if not value:
        return None
    for pattern, datatype in (
        (r"\d{4}-\d{2}-\d{2}", XSD.date),
        (r"\d{4}-\d{2}", XSD.gYearMonth),
        (r"\d{4}", XSD.gYear),
    ):
        m = re.match(pattern, value)
        if m and (len(value) == m.end() or value[m.end()] in "T "):
            return Literal(m.group(0), datatype=datatype)
    return None


def date_bounds(value: str | None) -> tuple[Literal, Literal] | None:
    """The first and last xsd:date a date of any precision covers: "2019-05" -> 2019-05-01,
    2019-05-31. These compare and sort in SPARQL, where gYear against date is a type error."""
    precise = date_literal(value)
    if precise is None:
        return None
    text = str(precise)
    try:
        if precise.datatype == XSD.date:
            first = last = _date.fromisoformat(text)
        elif precise.datatype == XSD.gYearMonth:
            year, month = int(text[:4]), int(text[5:7])
            first = _date(year, month, 1)
            last = _date(year, month, calendar.monthrange(year, month)[1])
        else:
            first, last = _date(int(text), 1, 1), _date(int(text), 12, 31)
    except ValueError:  # "2019-13": no such month
        return None
    return (
        Literal(first.isoformat(), datatype=XSD.date),
        Literal(last.isoformat(), datatype=XSD.date),
    )


def build_dataset(
    articles: Iterable[Article], stances: Iterable[Stance], base_iri: str = DEFAULT_BASE_IRI
) -> Dataset:
    """One named graph per article: the article, the run that read it, its stances with
    their evidence and entailed triples, and every entity they name; the ontology in its
    own named graph. The default graph is left empty: it is the merge of the named graphs
    (`union_graph`, and the store's default graph)."""
    base = base_of(base_iri)
    ds = new_dataset(base)
    ds.graph(ONTOLOGY_GRAPH).parse(data=_package_bytes("ontology.ttl"), format="turtle")
    texts: dict[str, str] = {}
    for article in articles:
        texts[article.doc] = article.text
        _add_article(ds.graph(graph_iri(article.doc, base)), article, base)
    for stance in _unique(stances, base):
        _add_stance(ds.graph(graph_iri(stance.doc, base)), stance, texts.get(stance.doc), base)
    return ds


def build_graphs(
    articles: Iterable[Article],
    stances: Iterable[Stance],
    base_iri: str = DEFAULT_BASE_IRI,
    ontology: Iterable[tuple] = (),
) -> dict[URIRef, set[tuple]]:
    """build_dataset's named graphs as plain sets of (subject, predicate, object) triples,
    keyed by graph IRI: the same statements, without rdflib's store (which takes most of
    the time of putting them in). `ontology`: the ontology graph's triples (writer.Writer
    parses them)."""
    base = base_of(base_iri)
    graphs: dict[URIRef, set[tuple]] = {ONTOLOGY_GRAPH: set(ontology)}
    texts: dict[str, str] = {}
    for article in articles:
        texts[article.doc] = article.text
        _add_article(graphs.setdefault(graph_iri(article.doc, base), set()), article, base)
    for stance in _unique(stances, base):
        into = graphs.setdefault(graph_iri(stance.doc, base), set())
        _add_stance(into, stance, texts.get(stance.doc), base)
    return graphs


def _unique(stances: Iterable[Stance], base: str) -> list[Stance]:
    """One stance per IRI (same doc, actor, stance, relation, target and span): the most
    confident, so a node never carries two confidences."""
    best: dict[URIRef, Stance] = {}
    for stance in stances:
        iri = stance_iri(stance, base)
        if iri not in best or stance.confidence > best[iri].confidence:
            best[iri] = stance
    return list(best.values())


def new_dataset(base_iri: str = DEFAULT_BASE_IRI) -> Dataset:
    """An empty Dataset with the project's prefixes (and only those) bound."""
    ds = Dataset()
    ds.namespace_manager = _PrefixedNames(ds, bind_namespaces="none")
    _bind(ds, base_iri)
    return ds


class _PrefixedNames(NamespaceManager):
    """rdflib's NamespaceManager with the same prefixed names, found in time that does not
    grow with the graph. rdflib keeps every namespace it has split an IRI into in a trie and
    scans a node's children for the longest one an IRI starts with: with one namespace per
    stance IRI (`id:stance/1a2b...` splits at its digits) that scan grows with the corpus and
    the Turtle and TriG writers spent most of a 500-article build in it. Here the longest
    namespace is found by looking up the IRI's own prefixes in a set of those namespaces.
    (Only compute_qname, which the writers call, is replaced.)"""

    def __init__(self, graph: Graph, bind_namespaces: str = "none"):
        self._namespaces: set[str] = set()  # bound, and split off an IRI before: the trie's
        self._qnames: dict[str, tuple[str, URIRef, str]] = {}
        self._unprefixed: set[str] = set()  # no prefix bound for them (until the next bind)
        super().__init__(graph, bind_namespaces=bind_namespaces)

    def bind(self, prefix, namespace, override: bool = True, replace: bool = False) -> None:
        super().bind(prefix, namespace, override=override, replace=replace)
        self._namespaces.add(str(namespace))
        self._unprefixed = set()

    def reset(self) -> None:
        super().reset()
        self._qnames, self._unprefixed = {}, set()
        self._namespaces = {str(n) for _, n in self.namespaces()}

    def compute_qname(self, uri: str, generate: bool = True) -> tuple[str, URIRef, str]:
        if uri in self._qnames:
            return self._qnames[uri]
        if not generate and uri in self._unprefixed:
            raise KeyError(f"No known prefix for {uri} and generate=False")
        if not _is_valid_uri(uri):
            raise ValueError(f'"{uri}" does not look like a valid URI, cannot serialize this')
        try:
            namespace, name = split_uri(uri)
        except ValueError:
            namespace, name = URIRef(uri), ""
            if not self.store.prefix(namespace):
                raise
        self._namespaces.add(str(namespace))
        for end in range(len(uri), len(namespace), -1):  # a longer namespace the IRI starts with
            if uri[:end] in self._namespaces:
                namespace, name = uri[:end], uri[end:]
                break
        namespace = URIRef(namespace)
        prefix = self.store.prefix(namespace)
        if prefix is None:
            if not generate:
                self._unprefixed.add(uri)
                raise KeyError(f"No known prefix for {namespace} and generate=False")
            number = 1
            while self.store.namespace(f"ns{number}"):
                number += 1
            prefix = f"ns{number}"
            self.bind(prefix, namespace)
        self._qnames[uri] = (prefix, namespace, name)
        return self._qnames[uri]


def _bind(graph: Graph, base_iri: str) -> None:
    for prefix, namespace in NS.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    graph.bind("id", Namespace(base_of(base_iri)), override=True, replace=True)


def _add_article(g: Graph, article: Article, base: str) -> None:
    a = article_iri(article.doc, base)
    g.add((a, RDF.type, SCHEMA.NewsArticle))
    g.add((a, DCTERMS.identifier, Literal(article.doc)))
    g.add((a, SG.contentHash, Literal(article.sha256)))
    if article.title:
        g.add((a, DCTERMS.title, Literal(article.title)))
    if (date := date_literal(article.date)) is not None:
        g.add((a, DCTERMS.date, date))
        _add_bounds(g, a, article.date)
    if article.url and re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", article.url):
        g.add((a, SCHEMA.url, URIRef(article.url)))
    if article.outlet:
        publisher = publisher_iri(article.outlet, base)
        g.add((a, DCTERMS.publisher, publisher))
        g.add((publisher, RDF.type, SCHEMA.NewsMediaOrganization))
        g.add((publisher, RDF.type, ORG.Organization))
        g.add((publisher, RDFS.label, Literal(article.outlet)))
    # the text as read, which the position selectors count in (the quote selector is the
    # evidence that works on any copy of the article)
    text = text_iri(article.doc, base)
    g.add((text, RDF.type, OA.State))
    g.add((text, SG.contentHash, Literal(article.sha256)))
    g.add((text, PROV.wasDerivedFrom, a))


def _add_bounds(g: Graph, node: URIRef, value: str | None) -> None:
    """sg:dateStart / sg:dateEnd: the xsd:date bounds of a date of any precision."""
    if (bounds := date_bounds(value)) is not None:
        g.add((node, SG.dateStart, bounds[0]))
        g.add((node, SG.dateEnd, bounds[1]))


def _add_run(g: Graph, base: str) -> URIRef:
    run = run_iri(base)
    g.add((run, RDF.type, SG.ExtractionRun))
    g.add((run, RDF.type, PROV.Activity))
    g.add((run, SG.softwareVersion, Literal(__version__)))
    return run


@functools.cache
def super_properties(prop: URIRef) -> tuple[URIRef, ...]:
    """Every property `prop` is an rdfs:subPropertyOf, transitively, by the ontology:
    sg:declines -> sg:opposes, sg:statesPositionOn. The stance's direct triple is also
    written with each, so `?a sg:opposes ?t` needs no reasoner."""
    onto = package_graph("ontology.ttl")
    return tuple(sorted(set(onto.transitive_objects(prop, RDFS.subPropertyOf)) - {prop}))


def _add_stance(g: Graph, stance: Stance, text: str | None, base: str) -> None:
    s = stance_iri(stance, base)
    actor = _add_entity(g, stance.actor, "actor", base)
    target = _add_entity(g, stance.target, "target", base)
    prop = relation_property(stance.relation, stance.stance)
    g.add((actor, prop, target))
    for entailed in super_properties(prop):  # the hierarchy, materialised
        g.add((actor, entailed, target))

    g.add((s, RDF.type, SG.Stance))
    g.add((s, RDF.type, PROV.Entity))
    g.add((s, SG.actor, actor))
    g.add((s, SG.target, target))
    if stance.stance in POLARITIES:
        g.add((s, SG.polarity, POLARITIES[stance.stance]))
    g.add((s, SG.relation, Literal(stance.relation)))
    g.add((s, SG.relationProperty, prop))
    if stance.on_behalf_of is not None:
        g.add((s, SG.onBehalfOf, _add_entity(g, stance.on_behalf_of, "actor", base)))
    if (date := date_literal(stance.date)) is not None:
        g.add((s, DCTERMS.date, date))
        _add_bounds(g, s, stance.date)
    g.add((s, SG.confidence, Literal(Decimal(str(round(stance.confidence, 2))))))
    g.add((s, PROV.wasDerivedFrom, article_iri(stance.doc, base)))
    g.add((s, PROV.wasGeneratedBy, _add_run(g, base)))

    ev = stance.evidence
    annotation = URIRef(f"{s}/evidence")
    resource = URIRef(f"{s}/evidence/target")
    quote = URIRef(f"{s}/evidence/quote")
    position = URIRef(f"{s}/evidence/position")
    g.add((s, SG.evidence, annotation))
    g.add((annotation, RDF.type, OA.Annotation))
    g.add((annotation, OA.motivatedBy, OA.describing))
    g.add((annotation, OA.hasBody, s))
    g.add((annotation, OA.hasTarget, resource))
    g.add((resource, RDF.type, OA.SpecificResource))
    g.add((resource, OA.hasSource, article_iri(stance.doc, base)))
    g.add((resource, OA.hasState, text_iri(stance.doc, base)))
    g.add((resource, OA.hasSelector, quote))
    g.add((resource, OA.hasSelector, position))
    if text is not None:  # the context as the article has it, not as the extractor kept it
        prefix = text[max(0, ev.start - QUOTE_CONTEXT) : ev.start]
        suffix = text[ev.end : ev.end + QUOTE_CONTEXT]
    else:
        prefix, suffix = ev.prefix[-QUOTE_CONTEXT:], ev.suffix[:QUOTE_CONTEXT]
    g.add((quote, RDF.type, OA.TextQuoteSelector))
    g.add((quote, OA.exact, Literal(ev.text)))
    if prefix:
        g.add((quote, OA.prefix, Literal(prefix)))
    if suffix:
        g.add((quote, OA.suffix, Literal(suffix)))
    g.add((position, RDF.type, OA.TextPositionSelector))
    g.add((position, OA.start, Literal(ev.start, datatype=XSD.nonNegativeInteger)))
    g.add((position, OA.end, Literal(ev.end, datatype=XSD.nonNegativeInteger)))


def add_entity(g: Graph, entity: Entity, role: str, base_iri: str = DEFAULT_BASE_IRI) -> URIRef:
    """Describe an actor (`role` "actor") or target ("target") in `g` exactly as article
    graphs do; for other sources of facts (the ICE registry) that must fit the same shape."""
    return _add_entity(g, entity, role, base_of(base_iri))


def _add_entity(g: Graph, entity: Entity, role: str, base: str) -> URIRef:
    """Type and describe one actor or target (and the bodies and places it points to)."""
    e = entity_iri(entity, base)
    g.add((e, RDFS.label, Literal(entity.name)))
    for alias in entity.aliases:
        if alias and alias != entity.name:
            g.add((e, SKOS.altLabel, Literal(alias)))
    if role == "actor":
        g.add((e, RDF.type, SG.Actor))
        for cls in ACTOR_CLASSES.get(entity.type, ()):
            g.add((e, RDF.type, cls))
    else:
        _add_concept(g, e, entity.name)
        if entity.type in TARGET_CLASSES:
            g.add((e, RDF.type, TARGET_CLASSES[entity.type]))
    if entity.role:
        g.add((e, SG.role, Literal(entity.role)))
    if entity.affiliation is not None:
        body = _add_entity(g, entity.affiliation, "actor", base)
        if entity.affiliation.type == "jurisdiction":  # a place: W3C ORG is for organisations
            g.add((e, SG.headOfJurisdiction if entity.leads else SG.officialOf, body))
        else:
            g.add((e, ORG.headOf if entity.leads else ORG.memberOf, body))
    if entity.jurisdiction is not None:
        g.add((e, SG.servesJurisdiction, _add_entity(g, entity.jurisdiction, "actor", base)))
    if entity.level:
        g.add((e, SG.level, Literal(entity.level)))
    if entity.state:
        g.add((e, SG.inState, Literal(entity.state)))
        state = URIRef(base + slug(entity.state))
        if entity.type == "jurisdiction" and state != e:
            g.add((e, SCHEMA.containedInPlace, state))
            g.add((state, RDF.type, SG.Jurisdiction))
            g.add((state, RDF.type, SG.Actor))
            g.add((state, RDFS.label, Literal(entity.state)))
            g.add((state, SG.level, Literal("state")))
            g.add((state, SG.inState, Literal(entity.state)))
    narrower = e
    for name in (entity.broader, *entity.broader_chain) if entity.broader else ():
        broader = URIRef(base + slug(name))  # the whole chain: WSO -> 287(g) -> cooperation
        if broader == narrower:
            break
        g.add((narrower, SKOS.broader, broader))
        g.add((broader, RDFS.label, Literal(name)))
        _add_concept(g, broader, name)
        narrower = broader
    if entity.wikidata:
        qid = entity.wikidata.strip()
        if re.fullmatch(r"Q\d+", qid):
            g.add((e, OWL.sameAs, WD[qid]))
        elif qid.startswith(("http://", "https://")):
            g.add((e, OWL.sameAs, URIRef(qid)))
    return e


def _add_concept(g: Graph, concept: URIRef, name: str) -> None:
    g.add((concept, RDF.type, SG.Target))
    g.add((concept, RDF.type, SKOS.Concept))
    g.add((concept, SKOS.prefLabel, Literal(name)))
    g.add((concept, SKOS.inScheme, SG.Targets))


# ---------------------------------------------------------------- reading and writing


def union_graph(ds: Dataset) -> Graph:
    """The merge of every graph of the dataset: each statement once, prefixes kept. This is
    the default graph of the store (and what the Turtle file holds)."""
    g = Graph(bind_namespaces="none")
    g.namespace_manager = _PrefixedNames(g, bind_namespaces="none")
    for prefix, namespace in _prefixes(ds).items():
        g.bind(prefix, namespace, override=True, replace=True)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def _prefixes(ds: Dataset) -> dict[str, Namespace]:
    """The project's prefixes plus the dataset's entity base (rdflib binds many more)."""
    bound = {prefix: Namespace(ns) for prefix, ns in ds.namespaces()}
    return {**NS, "id": bound.get("id", Namespace(DEFAULT_BASE_IRI))}


@contextlib.contextmanager
def _quiet_literals():
    """rdflib logs a traceback for every ill-typed literal ("high"^^xsd:decimal) it parses;
    the SHACL shapes report those as violations, one line each, so silence the log."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_dataset(data: bytes, fmt: str, base_iri: str = DEFAULT_BASE_IRI) -> Dataset:
    """Parse turtle, trig, nt or nquads bytes into a Dataset with the project's prefixes."""
    names = {"turtle": "turtle", "ttl": "turtle", "trig": "trig", "nt": "nt", "nquads": "nquads"}
    if fmt not in names:
        raise ValueError(f"cannot read format {fmt!r}")
    ds = new_dataset(base_iri)
    with warnings.catch_warnings(), _quiet_literals():  # rdflib's parsers use its old API
        warnings.simplefilter("ignore", DeprecationWarning)
        ds.parse(data=data, format=names[fmt], publicID=DATASET_DEFAULT_GRAPH_ID)
    _bind(ds, base_iri)
    return ds


def serialize(ds: Dataset, fmt: str) -> bytes:
    """turtle, trig, nt, nquads or jsonld bytes, in a fixed order (same dataset, same bytes)."""
    with warnings.catch_warnings():  # rdflib's own writers call its deprecated Dataset API
        warnings.simplefilter("ignore", DeprecationWarning)
        return _serialize(ds, fmt)


@contextlib.contextmanager
def merged(ds: Dataset):
    """`ds` read as the merge of its graphs, each statement once (what union_graph copies),
    for as long as the block runs: no second copy of the graph in memory."""
    before = ds.default_union
    ds.default_union = True
    try:
        with warnings.catch_warnings():  # rdflib's union reads call its deprecated API
            warnings.simplefilter("ignore", DeprecationWarning)
            yield ds
    finally:
        ds.default_union = before


def write(ds: Dataset, fmt: str, out: BinaryIO) -> None:
    """serialize() into the binary stream `out`: Turtle and TriG are written as they are made,
    never held whole in memory, and Turtle from the dataset itself, not from a copy of its
    merge (the same bytes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if fmt == "turtle":
            with merged(ds):
                ds.serialize(out, format="turtle", encoding="utf-8")
        elif fmt == "trig":
            _SortedTrigSerializer(ds).serialize(out, encoding="utf-8")
        else:
            out.write(_serialize(ds, fmt))


def _serialize(ds: Dataset, fmt: str) -> bytes:
    if fmt == "turtle":
        return union_graph(ds).serialize(format="turtle", encoding="utf-8")
    if fmt == "trig":
        out = io.BytesIO()
        _SortedTrigSerializer(ds).serialize(out, encoding="utf-8")
        return out.getvalue()
    if fmt == "nt":
        return _sorted_lines(union_graph(ds).serialize(format="nt", encoding="utf-8"))
    if fmt == "nquads":
        # rdflib writes a default-graph statement as "s p o  ." (empty graph term)
        data = ds.serialize(format="nquads", encoding="utf-8").replace(b"  .\n", b" .\n")
        return _sorted_lines(data)
    if fmt == "jsonld":
        context = {prefix: str(namespace) for prefix, namespace in _prefixes(ds).items()}
        data = ds.serialize(format="json-ld", context=context, encoding="utf-8")
        text = json.dumps(
            _sorted_json(json.loads(data)), indent=2, sort_keys=True, ensure_ascii=False
        )
        return (text + "\n").encode("utf-8")
    raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


def _sorted_lines(data: bytes) -> bytes:
    lines = sorted({line for line in data.splitlines() if line.strip()})
    return b"".join(line + b"\n" for line in lines)


def _sorted_json(value: object) -> object:
    """JSON-LD arrays are unordered sets here (no rdf:List is written): sort them."""
    if isinstance(value, dict):
        return {k: _sorted_json(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


class _SortedTrigSerializer(TrigSerializer):
    """rdflib's TriG writer takes graphs in the store's (hash) order; sort them by IRI,
    the default graph first."""

    def __init__(self, store: Dataset):
        super().__init__(store)
        default = self.default_context
        unique = {c.identifier: c for c in self.contexts if len(c)}
        self.contexts = sorted(
            unique.values(), key=lambda c: (c.identifier != default, str(c.identifier))
        )


# ---------------------------------------------------------------- ontology, shapes, validation


def ontology_bytes() -> bytes:
    """ontology.ttl as shipped (the ontology's named graph of every build)."""
    return _package_bytes("ontology.ttl")


def _package_bytes(name: str) -> bytes:
    return resources.files("stancegraph").joinpath(name).read_bytes()


def package_graph(name: str) -> Graph:
    """ontology.ttl or shapes.ttl as shipped inside the package."""
    g = Graph()
    g.parse(data=_package_bytes(name), format="turtle")
    return g


def validate(ds: Dataset | Graph) -> list[str]:
    """SHACL-validate the union of the graph against shapes.ttl with the ontology's class
    and property hierarchy; return one line per violation (empty: the graph conforms)."""
    import pyshacl  # slow to import: only when validating

    data = union_graph(ds) if isinstance(ds, Dataset) else ds
    with _quiet_literals():
        conforms, report, _ = _shacl(pyshacl, data)
    if conforms:
        return []
    return _violations(report)


def _shacl(pyshacl, data: Graph):
    return pyshacl.validate(
        data,
        shacl_graph=package_graph("shapes.ttl"),
        ont_graph=package_graph("ontology.ttl"),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )


def _violations(report: Graph) -> list[str]:
    sh = Namespace("http://www.w3.org/ns/shacl#")
    lines = set()
    for result in report.subjects(RDF.type, sh.ValidationResult):
        focus = report.value(result, sh.focusNode)
        message = report.value(result, sh.resultMessage)
        path = report.value(result, sh.resultPath)
        value = report.value(result, sh.value)
        what = message or f"{path} {report.value(result, sh.sourceConstraintComponent)}"
        extra = f" (value {value})" if value is not None and value != focus else ""
        lines.add(f"{focus}: {what}{extra}")
    return sorted(lines)
