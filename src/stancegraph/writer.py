"""Terms as rdflib's Turtle and TriG writers print them, for writing those files without
rdflib's store (chunks.py puts the files together): the same bytes as rdf.write gives.

    writer = Writer(base_iri)
    writer.label(term)              # the term as the writers print it ("id:ice", "a", ...)
    writer.prefix(term, False)      # the @prefix the writers declare for it (or None)
    sort_objects(objects)           # one subject's objects of one predicate, in their order

The rules copied from rdflib (7.x, plugins/serializers/turtle.py and trig.py): a file
declares the prefixes its terms use (a predicate's may be invented, as ns1:; a subject's
or an object's never); its subjects come typed rdfs:Class first, then by how many
statements name them as an object (in TriG counted over the graphs written so far, each
graph's own subjects once more each), then by IRI; a subject's rdf:type and rdfs:label
come first, then its other predicates by IRI, each with its objects sorted. Where rdflib's
output would depend on more than the triples (blank nodes, which it nests; objects that
sort as equal; a prefix it would invent), Unsupported is raised and the build writes the
files with rdflib instead, so the bytes never differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rdflib import BNode, URIRef
from rdflib.plugins.serializers.turtle import OBJECT, VERB, TurtleSerializer

from stancegraph import rdf

INDENT = "    "  # rdflib's Turtle and TriG indent
Triple = tuple  # (subject, predicate, object) of rdflib terms
Graphs = Mapping[URIRef, Iterable[Triple]]  # named graph IRI -> its triples


class Unsupported(Exception):
    """The triples hold something whose rdflib text depends on more than the triples."""


class Writer:
    """Term texts and prefixes for one build's base IRI (reused across both files)."""

    def __init__(self, base_iri: str):
        self.dataset = rdf.new_dataset(rdf.base_of(base_iri))  # prefixes as build_dataset's
        self.dataset.graph(rdf.ONTOLOGY_GRAPH).parse(
            data=rdf.ontology_bytes(), format="turtle"
        )  # the ontology's own prefix declarations, bound as build_dataset binds them
        self._serializer = TurtleSerializer(self.dataset)
        self._serializer.reset()
        self._labels: dict[tuple, str] = {}
        self._prefixes: dict[tuple, str | None] = {}
        self._bound = sorted(self.dataset.namespaces())

    def ontology(self) -> set[Triple]:
        """The triples of the ontology's named graph, as build_dataset parses them."""
        return set(self.dataset.graph(rdf.ONTOLOGY_GRAPH))

    # ------------------------------------------------------------ terms

    def label(self, node, verb: bool = False) -> str:
        key = (node, verb)
        text = self._labels.get(key)
        if text is None:
            text = self._serializer.label(node, VERB if verb else OBJECT)
            self._labels[key] = text
        return text

    def prefix(self, node, generate: bool) -> str | None:
        """The prefix rdflib's writer declares for `node` (None: written as a full IRI)."""
        key = (node, generate)
        if key not in self._prefixes:
            name = self._serializer.get_pname(node, gen_prefix=generate)
            self._prefixes[key] = None if name is None else name.partition(":")[0]
        return self._prefixes[key]

    def check_prefixes(self) -> None:
        """Unsupported if rdflib's writer would have invented a prefix (ns1: ...) on the way:
        it would then write some IRIs with it that it wrote in full before."""
        if sorted(self.dataset.namespaces()) != self._bound:
            raise Unsupported("a prefix would be invented")


def supported(graphs: Graphs) -> bool:
    """Can Writer write these graphs exactly as rdflib would? (No blank nodes, no rdf:nil.)"""
    for triples in graphs.values():
        for s, _p, o in triples:
            if isinstance(s, BNode) or isinstance(o, BNode) or o == rdf.RDF.nil:
                return False
    return True


def sort_objects(objects: list) -> list:
    """The objects of one subject and predicate in rdflib's order (Unsupported on a tie,
    where rdflib's order would depend on its store's)."""
    if len(objects) < 2:
        return list(objects)
    ordered = sorted(objects)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if not a < b:
            raise Unsupported(f"objects {a!r} and {b!r} sort as equal")
    return ordered
