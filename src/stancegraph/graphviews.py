"""RDF → networkx: the graph views that analysis reads, and the Gephi exports.

Everything here reads the store through SPARQL on the shape of docs/graph.md, so a
graph built by this package or by any tool writing that shape can be analysed.
Three views:

- `stance_graph`: a MultiDiGraph actor → target, one edge per stance (key: the
  stance IRI) carrying the stance, relation, date, confidence, doc and evidence;
- `agreement_graph`: an undirected, signed actor–actor graph (same stance on the
  same target: agreement; opposite: disagreement; weighted by evidence pairs);
- `export_graph`: the stance graph with one edge per (actor, target, stance) and
  evidence counts, in attribute types that GraphML, GEXF and CSV can carry.

The roll-up (official → body → jurisdiction → state) and the target hierarchy
(skos:broader) are read here too, as plain dicts, so analyses stay SPARQL-free.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from stancegraph import graphrows

SG = "https://w3id.org/stancegraph/ns#"


# One row per stance; the evidence quote and the article come along (docs/graph.md).
STANCES_QUERY = """
SELECT ?stance ?actor ?target ?polarity ?relation ?date ?confidence ?obo
       ?article ?doc ?adate ?exact WHERE {
  ?stance a sg:Stance ; sg:actor ?actor ; sg:target ?target ; sg:polarity ?polarity .
  OPTIONAL { ?stance sg:relation ?relation }
  OPTIONAL { ?stance dcterms:date ?date }
  OPTIONAL { ?stance sg:confidence ?confidence }
  OPTIONAL { ?stance sg:onBehalfOf ?obo }
  OPTIONAL { ?stance prov:wasDerivedFrom ?article .
             OPTIONAL { ?article dcterms:identifier ?doc }
             OPTIONAL { ?article dcterms:date ?adate } }
  OPTIONAL { ?stance sg:evidence/oa:hasTarget/oa:hasSelector ?sel .
             ?sel a oa:TextQuoteSelector ; oa:exact ?exact }
}"""

# What the views need to know of each entity: its classes, then (entity, property, value)
# rows. Two queries, because a VALUES over rdf:type would also walk every stance node.
CLASS_QUERY = """
SELECT DISTINCT ?e ?cls WHERE {
  VALUES ?cls { sg:Jurisdiction sg:LawEnforcementAgency sg:GovernmentBody sg:FederalAgency
                sg:Official sg:Group sg:Program sg:Policy sg:Law sg:Practice sg:Operation
                sg:AgencyTarget }
  ?e a ?cls .
}"""
ENTITY_QUERY = """
SELECT DISTINCT ?e ?p ?o WHERE {
  VALUES ?p { rdfs:label skos:prefLabel sg:level sg:inState sg:role org:headOf org:memberOf
              sg:headOfJurisdiction sg:officialOf sg:servesJurisdiction
              schema:containedInPlace skos:broader }
  ?e ?p ?o .
}"""

LABEL_PROPS = {
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    "http://www.w3.org/2004/02/skos/core#prefLabel": "label",
}
SINGLE_PROPS = {
    SG + "level": "level",
    SG + "inState": "state",
    SG + "role": "role",
    "http://www.w3.org/ns/org#headOf": "affiliation",
    "http://www.w3.org/ns/org#memberOf": "affiliation",
    SG + "headOfJurisdiction": "affiliation",
    SG + "officialOf": "affiliation",
    SG + "servesJurisdiction": "jurisdiction",
    "https://schema.org/containedInPlace": "contained_in",
}
BROADER = "http://www.w3.org/2004/02/skos/core#broader"

ACTOR_CLASSES = {
    "Jurisdiction": "jurisdiction",
    "LawEnforcementAgency": "agency",
    "GovernmentBody": "government_body",
    "FederalAgency": "federal_agency",
    "Official": "official",
    "Group": "group",
}
TARGET_CLASSES = {
    "Program": "program",
    "Policy": "policy",
    "Law": "law",
    "Practice": "practice",
    "Operation": "operation",
    "AgencyTarget": "agency",
}
SIGN = {"support": 1, "oppose": -1}


@dataclass(frozen=True)
class StanceRow:
    """One stance as the store holds it; `date` is the stance's own date, else its article's."""

    iri: str
    actor: str
    target: str
    stance: str  # "oppose" | "support"
    relation: str | None
    date: str | None
    confidence: float | None
    doc: str | None
    article: str | None
    evidence: str | None
    on_behalf_of: str | None
    date_from_article: bool = False

    @property
    def sign(self) -> int:
        return SIGN[self.stance]


@dataclass
class GraphData:
    """The stances and what is known of every entity, read once from the store."""

    stances: list[StanceRow]
    entities: dict[str, dict] = field(default_factory=dict)  # IRI -> attributes
    broader: dict[str, list[str]] = field(default_factory=dict)  # target -> broader targets

    def label(self, iri: str | None) -> str | None:
        if iri is None:
            return None
        return self.entities.get(iri, {}).get("label") or local_name(iri)

    def actors(self) -> list[str]:
        return sorted({s.actor for s in self.stances})

    def targets(self) -> list[str]:
        return sorted({s.target for s in self.stances})


def local_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


# every query `load` reads the store with
QUERIES = (STANCES_QUERY, CLASS_QUERY, ENTITY_QUERY)


def rows_of(source) -> graphrows.Rows:
    """A pyoxigraph store's rows, or `source` itself when it gives rows (graphrows.Rows)."""
    return source if hasattr(source, "select") else graphrows.StoreRows(source)


def load(store) -> GraphData:
    """Read stances and entities from a pyoxigraph store (see `stancegraph.store`), or from
    the rows of one (graphrows.Rows)."""
    source = rows_of(store)
    by_iri: dict[str, StanceRow] = {}
    for row in source.select(STANCES_QUERY):
        iri = row["stance"]
        polarity = local_name(row["polarity"] or "").lower()
        if polarity not in SIGN:
            continue
        date, from_article = row.get("date"), False
        if not date and row.get("adate"):
            date, from_article = row["adate"], True
        conf = row.get("confidence")
        candidate = StanceRow(
            iri=iri,
            actor=row["actor"],
            target=row["target"],
            stance=polarity,
            relation=row.get("relation"),
            date=date or None,
            confidence=float(conf) if conf not in (None, "") else None,
            doc=row.get("doc"),
            article=row.get("article"),
            evidence=row.get("exact"),
            on_behalf_of=row.get("obo"),
            date_from_article=from_article,
        )
        old = by_iri.get(iri)
        # a stance read twice (an OPTIONAL matched two values, or the same triples in two
        # named graphs): keep the smallest reading, so the choice never depends on row order
        if old is None or _row_key(candidate) < _row_key(old):
            by_iri[iri] = candidate
    data = GraphData(stances=[by_iri[k] for k in sorted(by_iri)])
    _read_entities(source, data)
    return data


def _row_key(s: StanceRow) -> tuple:
    return tuple("" if v is None else str(v) for v in vars(s).values())


def _read_entities(source: graphrows.Rows, data: GraphData) -> None:
    entities: dict[str, dict] = defaultdict(dict)
    broader: dict[str, set[str]] = defaultdict(set)
    classes: dict[str, set[str]] = defaultdict(set)
    for row in source.select(CLASS_QUERY):
        classes[row["e"]].add(row["cls"][len(SG) :])
    for row in source.select(ENTITY_QUERY):
        e, p, o = row["e"], row["p"], row["o"]
        if p in LABEL_PROPS:
            # rdfs:label and skos:prefLabel agree by construction; keep the smallest for
            # determinism when a graph carries more than one.
            old = entities[e].get("label")
            entities[e]["label"] = o if old is None else min(old, o)
        elif p == BROADER:
            broader[e].add(o)
        elif p in SINGLE_PROPS:
            key = SINGLE_PROPS[p]
            old = entities[e].get(key)
            entities[e][key] = o if old is None else min(old, o)
    actors = {s.actor for s in data.stances}
    targets = {s.target for s in data.stances}
    for iri in set(entities) | set(classes) | actors | targets:
        attrs = entities[iri]
        cls = classes.get(iri, set())
        attrs["actor_type"] = next((v for k, v in sorted(ACTOR_CLASSES.items()) if k in cls), None)
        attrs["target_type"] = next(
            (v for k, v in sorted(TARGET_CLASSES.items()) if k in cls), None
        )
    data.entities = {k: dict(v) for k, v in sorted(entities.items())}
    data.broader = {k: sorted(v) for k, v in sorted(broader.items())}


# ---------------------------------------------------------------- hierarchy and roll-up


def ancestors(data: GraphData, target: str) -> list[str]:
    """Every broader target of `target`, transitively (cycles tolerated), sorted."""
    seen: set[str] = set()
    todo = list(data.broader.get(target, ()))
    while todo:
        t = todo.pop()
        if t in seen or t == target:
            continue
        seen.add(t)
        todo.extend(data.broader.get(t, ()))
    return sorted(seen)


def topics(data: GraphData, target: str) -> list[str]:
    """The roots of the target's hierarchy (itself when it has no broader target)."""
    up = ancestors(data, target)
    roots = [t for t in up if not set(data.broader.get(t, ())) - {target}]
    return roots or [target]


def jurisdiction_of(data: GraphData, actor: str, on_behalf_of: str | None = None) -> str | None:
    """Roll an actor up to the jurisdiction it acts for, or None (groups, federal agencies).

    official → the body it heads or sits on (org:headOf / org:memberOf), else the body it
    spoke for (sg:onBehalfOf) → the jurisdiction that body serves (sg:servesJurisdiction).
    """
    seen: set[str] = set()
    current: str | None = actor
    hint = on_behalf_of
    while current and current not in seen:
        seen.add(current)
        attrs = data.entities.get(current, {})
        kind = attrs.get("actor_type")
        if kind == "jurisdiction":
            return current
        if kind == "federal_agency":
            return None
        if attrs.get("jurisdiction"):
            current = attrs["jurisdiction"]
        elif attrs.get("affiliation"):
            current = attrs["affiliation"]
        elif hint:
            current, hint = hint, None
        else:
            return None
    return None


def state_of(data: GraphData, iri: str | None) -> str | None:
    """The state a jurisdiction (or actor) lies in: schema:containedInPlace, else sg:inState."""
    if iri is None:
        return None
    attrs = data.entities.get(iri, {})
    if attrs.get("actor_type") == "jurisdiction" and attrs.get("level") == "state":
        return attrs.get("label") or attrs.get("state")
    place = attrs.get("contained_in")
    if place:
        return data.label(place)
    return attrs.get("state")


# ---------------------------------------------------------------- views


def node_attributes(data: GraphData, iri: str) -> dict:
    """The attributes a node carries in every view (no None values: GraphML has no null)."""
    attrs = data.entities.get(iri, {})
    kinds = []
    if attrs.get("actor_type"):
        kinds.append("actor")
    if attrs.get("target_type"):
        kinds.append("target")
    out = {
        "label": data.label(iri),
        "kind": "+".join(kinds) or "unknown",
        "type": attrs.get("actor_type") or attrs.get("target_type") or "unknown",
    }
    if attrs.get("actor_type") and attrs.get("target_type"):
        out["target_type"] = attrs["target_type"]
    state = state_of(data, iri) if attrs.get("actor_type") else None  # targets: no place
    for key, value in (
        ("state", state),
        ("level", attrs.get("level")),
        ("role", attrs.get("role")),
        ("affiliation", data.label(attrs.get("affiliation"))),
        ("jurisdiction", data.label(attrs.get("jurisdiction"))),
        ("broader", "; ".join(data.label(b) or b for b in data.broader.get(iri, ()))),
    ):
        if value:
            out[key] = value
    return out


def stance_graph(data: GraphData) -> nx.MultiDiGraph:
    """Actors and targets; one edge actor → target per stance, keyed by the stance IRI."""
    g = nx.MultiDiGraph()
    for iri in sorted(set(data.actors()) | set(data.targets())):
        g.add_node(iri, **node_attributes(data, iri))
    for s in data.stances:
        attrs = {
            "stance": s.stance,
            "sign": s.sign,
            "relation": s.relation,
            "date": s.date,
            "confidence": s.confidence,
            "doc": s.doc,
            "evidence": s.evidence,
            "on_behalf_of": s.on_behalf_of,
        }
        attrs = {k: v for k, v in attrs.items() if v is not None}
        g.add_edge(s.actor, s.target, key=s.iri, **attrs)
    return g


def export_graph(data: GraphData) -> nx.MultiDiGraph:
    """One edge per (actor, target, stance) with evidence counts and date range, for Gephi."""
    groups: dict[tuple[str, str, str], list[StanceRow]] = defaultdict(list)
    for s in data.stances:
        groups[(s.actor, s.target, s.stance)].append(s)
    g = nx.MultiDiGraph()
    for iri in sorted(set(data.actors()) | set(data.targets())):
        g.add_node(iri, **node_attributes(data, iri))
    for (actor, target, stance), rows in sorted(groups.items()):
        dates = sorted({r.date for r in rows if r.date})
        attrs = {
            "stance": stance,
            "sign": SIGN[stance],
            "relations": "; ".join(sorted({r.relation for r in rows if r.relation})),
            "evidence_count": len(rows),
            "weight": float(len(rows)),
            "docs": "; ".join(sorted({r.doc for r in rows if r.doc})),
            "first_date": dates[0] if dates else "",
            "last_date": dates[-1] if dates else "",
            "dates": "; ".join(dates),
        }
        g.add_edge(actor, target, key=stance, **attrs)
    return g


MAX_PARTNERS = 20  # agreement ties each actor keeps per sign (None: all)
_CHUNK = 512  # actors per block of the sparse agreement product


@dataclass
class Agreement:
    """Actor pairs (a < b) with their agreeing and disagreeing evidence-pair counts."""

    actors: list[str]
    pairs: dict[tuple[str, str], tuple[int, int]]  # (agree, disagree)
    max_partners: int | None
    pruned: bool  # True when some actor had more ties than max_partners


def agreement(data: GraphData, max_partners: int | None = MAX_PARTNERS) -> Agreement:
    """Count, for each pair of actors, the evidence pairs that agree and that disagree.

    Two stances on the same target by two actors make one evidence pair: same stance,
    agreement; opposite stances, disagreement. With D the actor × target matrix of
    (support − oppose) stance counts and T that of all stance counts, D·Dᵀ gives
    agree − disagree and T·Tᵀ gives agree + disagree for every pair: sparse products,
    computed in blocks of actors.

    On a large graph a popular program makes every pair of its thousands of actors a
    tie, so each actor keeps only its `max_partners` strongest agreeing and strongest
    disagreeing ties (by |agree − disagree|, ties broken by IRI); a pair stays when either
    side keeps it. No actor of the seeds comes close, so small graphs are exact.
    """
    import numpy as np
    from scipy import sparse

    actors, targets = data.actors(), data.targets()
    n = len(actors)
    if n == 0:
        return Agreement([], {}, max_partners, False)
    a_idx = {a: i for i, a in enumerate(actors)}
    t_idx = {t: i for i, t in enumerate(targets)}
    rows = np.fromiter((a_idx[s.actor] for s in data.stances), dtype=np.int64)
    cols = np.fromiter((t_idx[s.target] for s in data.stances), dtype=np.int64)
    signs = np.fromiter((s.sign for s in data.stances), dtype=np.int64)
    shape = (n, len(targets))
    net_m = sparse.csr_matrix((signs, (rows, cols)), shape=shape)  # D (duplicates summed)
    all_m = sparse.csr_matrix((np.ones_like(signs), (rows, cols)), shape=shape)  # T
    net_t, all_t = net_m.T.tocsr(), all_m.T.tocsr()
    limit = max_partners if max_partners is not None else n
    parts: list[tuple] = []  # (lo, hi, net, total) arrays
    scratch = np.zeros(n, dtype=np.int64)  # one row of T·Tᵀ, spread out for lookups
    pruned = False
    for start in range(0, n, _CHUNK):
        net_b = net_m[start : start + _CHUNK] @ net_t
        net_b.eliminate_zeros()  # pairs whose agreement and disagreement cancel
        tot_b = all_m[start : start + _CHUNK] @ all_t
        for r in range(net_b.shape[0]):
            i = start + r
            cols_r = net_b.indices[net_b.indptr[r] : net_b.indptr[r + 1]]
            vals_r = net_b.data[net_b.indptr[r] : net_b.indptr[r + 1]]
            other = cols_r != i
            cols_r, vals_r = cols_r[other], vals_r[other]
            tcols = tot_b.indices[tot_b.indptr[r] : tot_b.indptr[r + 1]]
            scratch[tcols] = tot_b.data[tot_b.indptr[r] : tot_b.indptr[r + 1]]
            for side in (vals_r > 0, vals_r < 0):
                chosen, net = cols_r[side], vals_r[side]
                if len(chosen) > limit:
                    pruned = True
                    # one int key per tie: strength first, then the lower IRI index wins
                    key = np.abs(net).astype(np.int64) * n + (n - 1 - chosen)
                    top = np.argpartition(-key, limit - 1)[:limit]
                    chosen, net = chosen[top], net[top]
                total = scratch[chosen]  # T·Tᵀ has an entry wherever D·Dᵀ has one
                parts.append((np.minimum(chosen, i), np.maximum(chosen, i), net, total))
            scratch[tcols] = 0
    if not parts:
        return Agreement(actors, {}, max_partners, pruned)
    lo, hi, net, tot = (np.concatenate(x) for x in zip(*parts, strict=True))
    _, first = np.unique(lo.astype(np.int64) * n + hi, return_index=True)
    pairs = {
        (actors[i], actors[j]): ((t + d) // 2, (t - d) // 2)
        for i, j, d, t in zip(
            lo[first].tolist(),
            hi[first].tolist(),
            net[first].tolist(),
            tot[first].tolist(),
            strict=True,
        )
    }
    return Agreement(actors, pairs, max_partners, pruned)


def agreement_graph(data: GraphData, agree: Agreement | None = None) -> nx.Graph:
    """The signed actor–actor graph: `sign` +1/−1 (net of agreement and disagreement),
    `agree` and `disagree` evidence-pair counts, `weight` = |agree − disagree|."""
    agree = agree or agreement(data)
    g = nx.Graph(max_partners=agree.max_partners or 0, pruned=agree.pruned)
    for a in agree.actors:
        g.add_node(a, **node_attributes(data, a))
    g.add_edges_from(
        (a, b, {"sign": 1 if p > q else -1, "agree": p, "disagree": q, "weight": abs(p - q)})
        for (a, b), (p, q) in agree.pairs.items()
    )
    return g


# ---------------------------------------------------------------- exports

NETWORK_FORMATS = ("graphml", "gexf", "csv")


def write_network(data: GraphData, fmt: str, out: str | Path) -> list[Path]:
    """Write the export graph as GraphML, GEXF or two CSV files; atomic; returns the paths.

    CSV writes a nodes file and an edges file: when `out` is an existing directory or
    ends with a path separator, `out/nodes.csv` and `out/edges.csv`; otherwise `out` is
    a prefix: `<out>nodes.csv`, `<out>edges.csv` (so `-o seeds-` gives seeds-nodes.csv).
    """
    g = export_graph(data)
    if fmt == "csv":
        nodes_path, edges_path = csv_paths(out)
        nodes, edges = network_csv(g)
        _atomic_write(nodes_path, nodes)
        _atomic_write(edges_path, edges)
        return [nodes_path, edges_path]
    path = Path(out)
    _atomic_write(path, network_bytes(g, fmt))
    return [path]


def csv_paths(out: str | Path) -> tuple[Path, Path]:
    text = str(out)
    if os.path.isdir(text) or text.endswith(("/", os.sep)):
        return Path(text) / "nodes.csv", Path(text) / "edges.csv"
    return Path(text + "nodes.csv"), Path(text + "edges.csv")


def network_bytes(g: nx.MultiDiGraph, fmt: str) -> bytes:
    """GraphML or GEXF bytes, deterministic (no timestamp)."""
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(g, buf, encoding="utf-8", prettyprint=True, named_key_ids=True)
    elif fmt == "gexf":
        from networkx.readwrite.gexf import GEXFWriter

        writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
        meta = writer.xml.find("meta")
        if meta is not None:  # drop today's date so that the same graph gives the same bytes
            meta.attrib.pop("lastmodifieddate", None)
        writer.add_graph(g)
        writer.write(buf)
    else:
        raise ValueError(f"unknown network format: {fmt}")
    return buf.getvalue()


def network_csv(g: nx.MultiDiGraph) -> tuple[bytes, bytes]:
    """(nodes.csv, edges.csv): Gephi's spreadsheet import columns Id/Label and Source/Target."""
    node_cols = sorted({k for _, d in g.nodes(data=True) for k in d} - {"label"})
    nodes = io.StringIO()
    w = csv.writer(nodes, lineterminator="\n")
    w.writerow(["Id", "Label", *node_cols])
    for n, d in g.nodes(data=True):
        w.writerow([n, d.get("label", ""), *(d.get(c, "") for c in node_cols)])
    edge_cols = sorted({k for *_, d in g.edges(keys=True, data=True) for k in d} - {"weight"})
    edges = io.StringIO()
    w = csv.writer(edges, lineterminator="\n")
    w.writerow(["Source", "Target", "Type", "Weight", *edge_cols])
    for u, v, _, d in g.edges(keys=True, data=True):
        w.writerow([u, v, "Directed", d.get("weight", 1), *(d.get(c, "") for c in edge_cols)])
    return nodes.getvalue().encode("utf-8"), edges.getvalue().encode("utf-8")


class ExportError(Exception):
    """An export that cannot be written; the message is one line."""


def _atomic_write(path: Path, payload: bytes) -> None:
    """Write to a sibling temp file then rename, so a reader never sees half a file."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise ExportError(f"cannot write {path}: {err.strerror or err}") from None
        raise
