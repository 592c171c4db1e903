"""Each article's named graph as a chunk of text, kept beside the graph so that the next
build writes the Turtle and TriG files and loads the store without making the graph of an
article again when nothing it is made from has changed.

    cache = ChunkCache(Path("graph/cache/graphs"), base_iri)   # None: keep them nowhere
    assembly = Assembly(cache.chunks(articles, stances), cache.writer)   # read back or made
    assembly.write_trig(out); assembly.write_turtle(out)    # rdf.write's bytes
    write_streamed(outlines, read, writer, trig, turtle)   # the same, a chunk at a time
    store.write_nquads(assembly.nquads(), path)             # the store's statements
    cache.hits, cache.made, cache.keys                      # graph IRI -> chunk key

A chunk holds, for one named graph, every subject with its predicates and objects in the
order rdflib's writers put them, each term as the writers print it and as N-Triples. Its key
is a hash of everything the graph is made from: the article (text, metadata), its stances
*after* resolution (so a changed IRI makes a new chunk), the base IRI, and the code and
versions that turn them into triples and text. The files are put together from the chunks
with rdflib's ordering rules (writer.py), so a build from chunks gives the bytes a build
without them gives: the subjects an article shares with others (entities, places, the run)
are merged across chunks before they are written, and the order of subjects inside a TriG
graph, which rdflib makes depend on the graphs before it, is worked out anew each build.

One file per chunk, named by its key: a header line (the key, a hash of the rest) and the
chunk as JSON; a file whose key or hash does not match (cut short, corrupt, another
article's, another version's) is ignored and the chunk made again. Chunks no build needs
any longer are deleted.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import BinaryIO, NamedTuple

from rdflib import Literal, URIRef

from stancegraph import __version__, rdf
from stancegraph.cache import stance_to_json
from stancegraph.codehash import add_code
from stancegraph.files import prune_folder, replace_file
from stancegraph.model import Article, Stance
from stancegraph.writer import INDENT, Unsupported, Writer, sort_objects, supported

FORMAT = 3  # 3: the header names the graph and says whether it is empty
SUFFIX = ".json"
WRITE_BATCH = 2000  # subjects written at a time
CODE = ("rdf.py", "writer.py", "chunks.py", "model.py", "ontology.ttl")  # what makes a chunk

_TYPE = str(rdf.RDF.type)
_LABEL = str(rdf.RDFS.label)
_CLASS = f"<{rdf.RDFS.Class}>"
_STANCE = f"<{rdf.SG.Stance}>"
_ENTITY = (f"<{rdf.SG.Actor}>", f"<{rdf.SG.Target}>")


def code_version() -> str:
    """A hash of the code and versions a chunk's text depends on."""
    digest = hashlib.sha256()
    package = resources.files("stancegraph")
    for name in CODE:
        data = package.joinpath(name).read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    digest.update(f"{__version__}\0rdflib {importlib.metadata.version('rdflib')}".encode())
    return digest.hexdigest()


class ChunkGone(Exception):
    """A chunk let go of (Chunk.forget) could not be read again as it was; one line."""


class Chunk:
    """One named graph: its IRI, the prefixes it uses, and its subjects, each as
    [IRI, text, [[predicate IRI, text, [object, ...]], ...]], an object [N-Triples, text]
    (or [N-Triples] when its text is the same).

    A chunk read back from its file decodes its body only when something asks for more
    than its graph and whether it is empty (both in the file's header): a rebuild's own
    process reads every chunk to know what changed, and adds only the changed ones to
    its store (decoding all 2,000 of a corpus took 0.8 s of a 9 s rebuild). `forget()`
    lets go of its body too, read again from its file if it is asked for: a build holds
    its graph's name, not the text of every chunk (598 MB of files at 20,000 articles)."""

    __slots__ = ("graph", "empty", "_body", "_parts", "_source")

    def __init__(self, graph, label, graph_prefix, prefixes, subjects):
        self.graph: str = graph
        self.empty: bool = not subjects
        self._body: bytes | None = None
        self._parts: tuple | None = (label, graph_prefix, prefixes, subjects)
        self._source: tuple[Path, str] | None = None  # (its file, its key) when read back

    @property
    def label(self) -> str:
        return self._decoded()[0]

    @property
    def graph_prefix(self) -> str | None:
        return self._decoded()[1]

    @property
    def prefixes(self) -> list[str]:
        return self._decoded()[2]

    @property
    def subjects(self) -> list:
        return self._decoded()[3]

    def forget(self) -> None:
        """Let go of the text of a chunk that is in its file, read again if it is asked for."""
        if self._source is not None:
            self._body = self._parts = None

    def _decoded(self) -> tuple:
        if self._parts is None:
            if self._body is None:
                self._body = self._read_again()
            # the body's hash matched its header's (from_bytes), so it is what to_bytes
            # wrote for this format: it decodes, and its parts have their types
            graph, label, gp, prefixes, subjects = json.loads(self._body)
            self._parts, self._body = (label, gp, prefixes, subjects), None
        return self._parts

    def to_bytes(self, key: str) -> bytes:
        """The chunk's file: a header line (the key, the graph, whether it is empty, a hash
        of the rest), then the chunk."""
        label, gp, prefixes, subjects = self._decoded()
        body = json.dumps([self.graph, label, gp, prefixes, subjects],
                          ensure_ascii=False, separators=(",", ":"))  # fmt: skip
        data = body.encode("utf-8")
        header = {"format": FORMAT, "key": key, "graph": self.graph, "empty": self.empty,
                  "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip
        return json.dumps(header).encode("utf-8") + b"\n" + data

    @classmethod
    def from_bytes(cls, data: bytes, key: str) -> Chunk | None:
        """The chunk of a file to_bytes wrote for `key`, or None for anything else (cut
        short, corrupt, another article's, another version's)."""
        first, _, body = data.partition(b"\n")
        try:
            header = json.loads(first)
        except ValueError:
            return None
        if not isinstance(header, dict) or header.get("key") != key:
            return None
        if header.get("format") != FORMAT or not isinstance(header.get("graph"), str):
            return None
        if not isinstance(header.get("empty"), bool):
            return None
        if header.get("sha256") != hashlib.sha256(body).hexdigest():
            return None
        chunk = cls.__new__(cls)
        chunk.graph, chunk.empty = header["graph"], header["empty"]
        chunk._body, chunk._parts, chunk._source = body, None, None
        return chunk

    def _read_again(self) -> bytes:
        """The body of a forgotten chunk, from its file, checked as it was the first time."""
        path, key = self._source
        try:
            again = Chunk.from_bytes(path.read_bytes(), key)
        except OSError:
            again = None
        if again is None or again.graph != self.graph:
            raise ChunkGone(f"{path} changed or went while the build read it; build again")
        return again._body


def make_chunk(graph: URIRef, triples: Iterable[tuple], writer: Writer) -> Chunk:
    """The chunk of one named graph; writer.Unsupported when rdflib would write it otherwise."""
    by_subject: dict = {}
    for s, p, o in triples:
        by_subject.setdefault(s, {}).setdefault(p, []).append(o)
    prefixes: set[str | None] = set()
    subjects = []
    for s in sorted(by_subject, key=str):
        props = by_subject[s]
        prefixes.add(writer.prefix(s, False))
        entry = []
        for p in _predicate_order(props):
            if p != rdf.RDF.type:
                prefixes.add(writer.prefix(p, True))
            objects = sort_objects(props[p])
            for o in objects:
                prefixes.add(writer.prefix(o, False))
                if isinstance(o, Literal) and o.datatype:
                    prefixes.add(writer.prefix(o.datatype, False))
            entry.append(
                [str(p), writer.label(p, True), [_object(nt(o), writer.label(o)) for o in objects]]
            )
        subjects.append([str(s), writer.label(s), entry])
    writer.check_prefixes()
    prefixes.discard(None)
    return Chunk(str(graph), writer.label(graph), writer.prefix(graph, False),
                 sorted(prefixes), subjects)  # fmt: skip


def _predicate_order(props: dict) -> list:
    first = [p for p in (rdf.RDF.type, rdf.RDFS.label) if p in props]
    return first + sorted(p for p in props if p != rdf.RDF.type and p != rdf.RDFS.label)


def nt(term) -> str:
    """A URIRef or Literal as N-Triples."""
    if isinstance(term, Literal):
        text = '"' + _escape(str(term)) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype:
            return f"{text}^^<{term.datatype}>"
        return text
    return f"<{term}>"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def term(text: str):
    """The rdflib term of nt()'s text."""
    if text.startswith("<"):
        return URIRef(text[1:-1])
    end = text.rindex('"')
    lexical = _unescape(text[1:end])
    rest = text[end + 1 :]
    if rest.startswith("@"):
        return Literal(lexical, lang=rest[1:])
    if rest.startswith("^^<"):
        return Literal(lexical, datatype=URIRef(rest[3:-1]))
    return Literal(lexical)


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append({"n": "\n", "r": "\r"}.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


# ---------------------------------------------------------------- the cache


class ChunkCache:
    """The chunks of one folder (OUT/cache/graphs)."""

    def __init__(self, folder: Path | None, base_iri: str):
        self.folder = None if folder is None else Path(folder)
        self.base_iri = base_iri
        self.version = code_version()
        self.writer = Writer(base_iri)
        self.hits = 0  # chunks read back
        self.made = 0  # chunks made (the articles whose graph was made anew)
        self.writable = self.folder is not None
        self._used: set[str] = set()
        self._read_ahead: dict[str, Chunk | None] = {}  # key -> chunk, read by prefetch()
        self.keys: dict[str, str] = {}  # graph IRI -> the key of its chunk (after chunks())

    def key(self, article: Article | None, doc: str, stances: Sequence[Stance]) -> str:
        identity = [
            FORMAT, self.version, self.base_iri, doc,
            None if article is None else
            [article.sha256, article.title, article.date, article.url, article.outlet],
            [stance_to_json(s) for s in stances],
        ]  # fmt: skip
        data = json.dumps(identity, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(data).hexdigest()

    def chunks(self, articles: list[Article], stances: list[Stance]) -> list[Chunk]:
        """Every article's chunk (read back or made), and the ontology's; writer.Unsupported
        when one cannot be written as rdflib would."""
        base = rdf.base_of(self.base_iri)
        by_doc: dict[str, list[Stance]] = defaultdict(list)
        for stance in stances:
            by_doc[stance.doc].append(stance)
        docs = {a.doc: a for a in articles}
        order = [a.doc for a in articles] + [d for d in by_doc if d not in docs]
        out = [self.ontology_chunk()]
        self.keys = {str(rdf.ONTOLOGY_GRAPH): self.key(None, "", ())}  # graph IRI -> key
        for doc in order:
            article = docs.get(doc)
            key = self.key(article, doc, by_doc.get(doc, ()))
            self._used.add(key)
            chunk = self._read(key)
            if chunk is not None and chunk.graph != str(rdf.graph_iri(doc, base)):
                chunk = None  # not this article's graph, whatever its key says
            if chunk is None:
                graphs = rdf.build_graphs([article] if article else [], by_doc.get(doc, ()), base)
                graph = rdf.graph_iri(doc, base)
                triples = graphs.get(graph, set())
                if not supported({graph: triples}):
                    raise Unsupported(f"the graph of {doc} holds blank nodes")
                chunk = make_chunk(graph, triples, self.writer)
                self.made += 1
                self._write(key, chunk)
            else:
                self.hits += 1
            chunk.forget()  # in its file: read again only if this build needs more than its name
            if not chunk.empty:
                out.append(chunk)
                self.keys[chunk.graph] = key
        self._read_ahead.clear()  # read ahead for articles changed or gone
        return out

    def _path(self, key: str) -> Path:
        return self.folder / (key[:32] + SUFFIX)

    def ontology_chunk(self) -> Chunk:
        """The chunk of the ontology's graph (made each time: it comes with the code)."""
        ontology = {rdf.ONTOLOGY_GRAPH: self.writer.ontology()}
        if not supported(ontology):
            raise Unsupported("the ontology holds blank nodes")
        return make_chunk(rdf.ONTOLOGY_GRAPH, ontology[rdf.ONTOLOGY_GRAPH], self.writer)

    def read(self, keys: Iterable[str]) -> list[Chunk] | None:
        """The chunks of `keys` as written to the folder, or None if one cannot be read."""
        out = []
        for key in keys:
            chunk = self._read(key)
            if chunk is None:
                return None
            out.append(chunk)
        return out

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read the chunks of `keys` now, for chunks() to use (a build reads them while its
        extraction workers start); each is used once, and chunks() drops the rest."""
        for key in keys:
            if (chunk := self.read_ahead(key)) is not None:
                chunk.forget()

    def read_one(self, key: str) -> Chunk | None:
        """The chunk of `key` (read ahead, or from its file), or None if it cannot be read."""
        return self._read(key)

    def read_ahead(self, key: str) -> Chunk | None:
        """Read the chunk of `key` now, for read() or chunks() to use (once)."""
        chunk = self._read_ahead[key] = self._read_file(key)
        return chunk

    def _read(self, key: str) -> Chunk | None:
        if key in self._read_ahead:
            return self._read_ahead.pop(key)
        return self._read_file(key)

    def _read_file(self, key: str) -> Chunk | None:
        if self.folder is None:
            return None
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        chunk = Chunk.from_bytes(data, key)
        if chunk is not None:
            chunk._source = (path, key)
        return chunk

    def _write(self, key: str, chunk: Chunk) -> None:
        if not self.writable:
            return
        data = chunk.to_bytes(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            replace_file(self._path(key), data)
        except OSError:
            self.writable = False
        else:
            chunk._source = (self._path(key), key)

    def keep_only_used(self) -> int:
        """Delete the chunks this build did not use, and temporary files; how many chunks went."""
        if self.folder is None:
            return 0
        wanted = {self._path(key).name for key in self._used}
        return prune_folder(self.folder, wanted, SUFFIX)


# ---------------------------------------------------------------- the files, from chunks


class Assembly:
    """The files of one build, put together from its chunks. The merge of every graph (the
    Turtle file, the counts) is made when first asked for: a build whose files another
    process writes (graphfiles.py) needs none of it, only the store's N-Quads."""

    def __init__(self, chunks: list[Chunk], writer: Writer):
        self.chunks = sorted(chunks, key=lambda c: c.graph)
        self.writer = writer

    def release(self) -> None:
        """Let go of the chunks and their merge once every file is written; the counts
        (triples, quads, stances, entities) are kept, worked out first."""
        for count in ("triples", "quads", "stances", "entities"):
            getattr(self, count)
        self.chunks = []
        for merged in ("union", "labels", "_types"):
            self.__dict__.pop(merged, None)

    @cached_property
    def union(self) -> dict:
        """subject IRI -> [[predicate IRI, text, [[object nt, text], ...]], ...] of the merge
        of every graph, in rdflib's order; each subject's text in self.labels."""
        union: dict[str, list] = {}
        self.labels: dict[str, str] = {}
        for chunk in self.chunks:
            for s, label, props in chunk.subjects:
                if s not in union:
                    union[s] = props
                    self.labels[s] = label
                elif union[s] != props:
                    union[s] = _merge_props(union[s], props)
        return union

    @cached_property
    def triples(self) -> int:
        return sum(len(objects) for props in self.union.values() for *_, objects in props)

    @cached_property
    def quads(self) -> int:
        """The store's statements: every named graph's, and their merge."""
        return self.triples + sum(
            len(objects)
            for c in self.chunks
            for _s, _l, props in c.subjects
            for *_, objects in props
        )

    @cached_property
    def _types(self) -> list[set[str]]:
        return [
            {o[0] for o in props[0][2]} if props and props[0][0] == _TYPE else set()
            for props in self.union.values()
        ]

    @cached_property
    def stances(self) -> int:
        return sum(_STANCE in t for t in self._types)

    @cached_property
    def entities(self) -> int:
        return sum(bool(t & set(_ENTITY)) for t in self._types)

    def _header(self, prefixes: Iterable[str]) -> bytes:
        return _header(self.writer, prefixes)

    def write_trig(self, out: BinaryIO) -> None:
        prefixes = {p for c in self.chunks for p in c.prefixes}
        prefixes |= {c.graph_prefix for c in self.chunks if c.graph_prefix is not None}
        out.write(self._header(prefixes))
        references: defaultdict = defaultdict(int)
        for chunk in self.chunks:
            for _s, _label, props in chunk.subjects:
                for _p, _pl, objects in props:
                    for o in objects:
                        references[o[0]] += 1
            for s, _label, _props in chunk.subjects:
                references[f"<{s}>"] += 1
            parts = [f"\n{chunk.label} {{"]
            for _s, label, props in _ordered(chunk.subjects, references):
                parts.append(_statement(label, props, 1))
            parts.append("}\n")
            out.write("".join(parts).encode("utf-8", "replace"))
        out.write(b"\n")

    def write_turtle(self, out: BinaryIO) -> None:
        out.write(self._header(p for c in self.chunks for p in c.prefixes))
        references: defaultdict = defaultdict(int)
        for props in self.union.values():
            for _p, _pl, objects in props:
                for o in objects:
                    references[o[0]] += 1
        subjects = [(s, self.labels[s], props) for s, props in self.union.items()]
        parts: list[str] = []
        for _s, label, props in _ordered(subjects, references):
            parts.append(_statement(label, props, 0))
            if len(parts) >= WRITE_BATCH:  # written as made, not held whole
                out.write("".join(parts).encode("utf-8", "replace"))
                parts = []
        out.write("".join(parts).encode("utf-8", "replace"))
        out.write(b"\n")

    def nquads(self, graphs: Iterable[str] | None = None) -> Iterator[bytes]:
        """Every named graph (or those of `graphs`), each with its triples as the default
        graph's too, as N-Quads, a graph at a time: what the store holds. The store keeps a
        statement once, so its default graph is the merge of the named graphs without the
        merge being made here; a chunk in its file is let go of once it is given."""
        wanted = None if graphs is None else set(graphs)
        for chunk in self.chunks:
            if wanted is None or chunk.graph in wanted:
                lines: list[str] = []
                _nq_lines(chunk.subjects, f" <{chunk.graph}> .\n", lines)
                _nq_lines(chunk.subjects, " .\n", lines)
                chunk.forget()
                yield "".join(lines).encode("utf-8")


class Outline(NamedTuple):
    """What the files need of a chunk before any of it is written: its graph, its prefixes
    (the files' headers come first) and its subjects (which of them other graphs share)."""

    graph: str
    graph_prefix: str | None
    prefixes: tuple[str, ...]
    subjects: tuple[str, ...]


def outline(chunk: Chunk) -> Outline:
    """The Outline of a chunk (decoding it)."""
    return Outline(chunk.graph, chunk.graph_prefix, tuple(chunk.prefixes),
                   tuple(s for s, _label, _props in chunk.subjects))  # fmt: skip


def write_streamed(
    outlines: Mapping[str, Outline],
    read: Callable[[str], Chunk | None],
    writer: Writer,
    trig: BinaryIO,
    turtle: BinaryIO,
) -> tuple[int, int, int, int] | None:
    """Assembly's TriG and Turtle files, put together from chunks read one at a time:
    (triples, quads, stances, entities), or None when `read(key)` gives None for a key of
    `outlines` (then the files are incomplete).

    Assembly holds every chunk and their merge; at 100,000 articles that took 16 GB. Here
    each chunk is read once, in the TriG file's order: its graph is written to the TriG
    file there and then, and each subject no other graph has is kept only as the statement
    the Turtle file prints; only the subjects several graphs share (entities, places) are
    merged. The Turtle file is written last, in rdflib's order of subjects. Memory grows
    with the Turtle file, not with the chunks."""
    shared = _shared_subjects(outlines.values())
    order = sorted(outlines, key=lambda k: outlines[k].graph)
    prefixes = {p for o in outlines.values() for p in o.prefixes}
    graph_prefixes = {o.graph_prefix for o in outlines.values() if o.graph_prefix is not None}
    trig.write(_header(writer, prefixes | graph_prefixes))
    trig_references: defaultdict = defaultdict(int)  # as Assembly.write_trig counts them
    references: defaultdict = defaultdict(int)  # the merge's, as Assembly.write_turtle's
    printed: dict[str, str] = {}  # subject in one graph only -> its Turtle statement
    merged: dict[str, list] = {}  # subject in several graphs -> [its text, merged props]
    totals = [0, 0, 0]  # the merge's triples, stances and entities
    classes: list[str] = []  # its subjects that are classes
    quads = 0

    def tally(s: str, props: list) -> None:
        """Count one subject of the merge (and its objects into `references`)."""
        count, stance, entity, is_class = _kind(props, references)
        totals[0] += count
        totals[1] += stance
        totals[2] += entity
        if is_class:
            classes.append(s)

    for key in order:
        chunk = read(key)
        if chunk is None:
            return None
        for s, _label, props in chunk.subjects:
            for _p, _pl, objects in props:
                quads += len(objects)
                for o in objects:
                    if o[0][0] == "<":
                        trig_references[o[0]] += 1
            trig_references[f"<{s}>"] += 1
        parts = [f"\n{chunk.label} {{"]
        parts += [_statement(label, props, 1) for _s, label, props in
                  _ordered(chunk.subjects, trig_references)]  # fmt: skip
        parts.append("}\n")
        trig.write("".join(parts).encode("utf-8", "replace"))
        for s, label, props in chunk.subjects:
            if s in shared:
                if s not in merged:
                    merged[s] = [label, props]
                elif merged[s][1] != props:
                    merged[s][1] = _merge_props(merged[s][1], props)
                continue
            printed[s] = _statement(label, props, 0)
            tally(s, props)
    trig.write(b"\n")
    for s, (_label, props) in merged.items():
        tally(s, props)
    triples, stances, entities = totals
    is_class = set(classes)
    rest = sorted((s for s in (*printed, *merged) if s not in is_class),
                  key=lambda s: (references.get(f"<{s}>", 0), s))  # fmt: skip
    turtle.write(_header(writer, prefixes))
    parts = []
    for s in sorted(classes) + rest:
        if s in printed:
            parts.append(printed.pop(s))
        else:
            parts.append(_statement(merged[s][0], merged[s][1], 0))
        if len(parts) >= WRITE_BATCH:
            turtle.write("".join(parts).encode("utf-8", "replace"))
            parts = []
    turtle.write("".join(parts).encode("utf-8", "replace"))
    turtle.write(b"\n")
    return triples, triples + quads, stances, entities


def _shared_subjects(outlines: Iterable[Outline]) -> set[str]:
    """The subjects more than one of the chunks has."""
    seen: set[str] = set()
    shared: set[str] = set()
    for o in outlines:
        for s in o.subjects:
            if s in seen:
                shared.add(s)
            else:
                seen.add(s)
    return shared


def _kind(props: list, references) -> tuple[int, bool, bool, bool]:
    """One subject of the merge: (its triples, is it a stance, an entity, a class); its
    objects are counted into `references`."""
    count = 0
    for _p, _pl, objects in props:
        count += len(objects)
        for o in objects:
            if o[0][0] == "<":
                references[o[0]] += 1
    types = {o[0] for o in props[0][2]} if props and props[0][0] == _TYPE else set()
    return count, _STANCE in types, bool(types & set(_ENTITY)), _CLASS in types


def _header(writer: Writer, prefixes: Iterable[str]) -> bytes:
    bound = {p: str(ns) for p, ns in writer.dataset.namespaces()}
    lines = [f"@prefix {p}: <{bound[p]}> .\n" for p in sorted(set(prefixes))]
    return "".join(lines).encode("utf-8", "replace")


def _nq_lines(subjects: Iterable, end: str, into: list[str]) -> None:
    for s, _label, props in subjects:
        for p, _pl, objects in props:
            head = f"<{s}> <{p}> "
            into.extend(f"{head}{o[0]}{end}" for o in objects)


def _merge_props(a: list, b: list) -> list:
    """The predicates and objects of one subject in two graphs, merged and sorted as rdflib."""
    props: dict[str, list] = {p: [label, _texts(objects)] for p, label, objects in a}
    for p, label, objects in b:
        if p not in props:
            props[p] = [label, _texts(objects)]
        else:
            props[p][1].update(_texts(objects))
    first = [p for p in (_TYPE, _LABEL) if p in props]
    order = first + sorted(p for p in props if p not in (_TYPE, _LABEL))
    out = []
    for p in order:
        label, objects = props[p]
        if len(objects) > 1:
            out.append([p, label, [_object(o, objects[o]) for o in _sorted_nt(objects)]])
        else:
            out.append([p, label, [_object(o, t) for o, t in objects.items()]])
    return out


def _object(text: str, label: str) -> list[str]:
    """An object as a chunk holds it: [N-Triples, as the writers print it], or [N-Triples]
    alone when the two are the same (most literals: the quotes are most of a chunk)."""
    return [text] if text == label else [text, label]


def _texts(objects: list) -> dict[str, str]:
    """N-Triples -> printed text of a chunk's objects."""
    return {o[0]: o[-1] for o in objects}


def _sorted_nt(objects: Iterable[str]) -> list[str]:
    """Objects (as nt()) in rdflib's order: IRIs alone sort by IRI and plain literals alone
    by their text (as rdflib compares them); anything else is sorted by rdflib itself."""
    objects = list(objects)
    if all(o.startswith("<") for o in objects):
        return sorted(objects, key=lambda o: o[1:-1])
    if all(o.startswith('"') and o.endswith('"') and len(o) > 1 for o in objects):
        return sorted(objects, key=lambda o: _unescape(o[1:-1]))
    return [nt(t) for t in sort_objects([term(o) for o in objects])]


def _ordered(subjects: list, references) -> list:
    """rdflib's orderSubjects over [IRI, text, props] entries."""
    classes, rest = [], []
    for entry in subjects:
        s, _label, props = entry
        if props and props[0][0] == _TYPE and any(o[0] == _CLASS for o in props[0][2]):
            classes.append(entry)
        else:
            rest.append((references.get(f"<{s}>", 0), s, entry))
    classes.sort(key=lambda e: e[0])
    rest.sort(key=lambda r: (r[0], r[1]))
    return classes + [r[2] for r in rest]


def _statement(label: str, props: list, depth: int) -> str:
    """writer.Writer.statement over texts."""
    pad1 = INDENT * (depth + 1)
    more = ",\n" + INDENT * (depth + 2)
    parts = ["\n", INDENT * depth, label]
    for i, (_p, p_label, objects) in enumerate(props):
        parts += [" ;\n", pad1, p_label] if i else [" ", p_label]
        parts += [" ", objects[0][-1]]
        for obj in objects[1:]:
            parts += [more, obj[-1]]
    parts.append(" .\n")
    return "".join(parts)


# ---------------------------------------------------------------- the view


VIEW_CODE = ("*.py", "templates/*", "data/*")  # what the view is drawn by (not extract/)
VIEW_PACKAGES = ("jinja2", "markupsafe", "networkx", "numpy", "scipy", "pyoxigraph")


class ViewCache:
    """The view (index.html) of the last build, reused when the store it is drawn from
    holds the same statements and the code that draws it is the same: `path` (a JSON
    file) keeps the key it was drawn for and the hash of its bytes, and `current` is the
    view of the current generation. Anything that does not match is a miss."""

    def __init__(self, path: Path, current: Path):
        self.path = Path(path)
        self.current = Path(current)
        self.hits = 0

    @staticmethod
    def key(statements: Mapping[str, str]) -> str:
        """The key of a view of the store whose named graphs are made from the chunks of
        `statements` (graph IRI -> chunk key), drawn by this code."""
        digest = hashlib.sha256()
        add_code(digest, VIEW_CODE, VIEW_PACKAGES)
        digest.update(json.dumps(sorted(statements.items())).encode("utf-8"))
        return digest.hexdigest()

    def get(self, key: str) -> bytes | None:
        """The current view's bytes if they were drawn for `key`, else None."""
        try:
            entry = json.loads(self.path.read_bytes())
            if not isinstance(entry, dict) or entry.get("key") != key:
                return None
            data = self.current.read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            return None
        self.hits += 1
        return data

    def put(self, key: str, view: Path) -> None:
        """Remember that `view` (the new generation's index.html) was drawn for `key`; a
        failed write only costs the next build a drawing."""
        try:
            entry = {"format": FORMAT, "key": key,
                     "sha256": hashlib.sha256(view.read_bytes()).hexdigest()}  # fmt: skip
            self.path.parent.mkdir(parents=True, exist_ok=True)
            replace_file(self.path, json.dumps(entry).encode("utf-8"))
        except OSError:
            return
