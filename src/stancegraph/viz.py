"""The interactive HTML view: one self-contained page a reporter can open offline.

Two steps, kept apart so the first can be tested without a browser:

1. `read_view(store)` reads the graph through SPARQL (the shape of docs/graph.md, via
   `graphviews.load` and a few queries of its own) into a *view model* of plain dicts:
   nodes (entities, with their state and map place), edges (one per actor, target and
   polarity, with every stance behind it: quote, source, date, link), the officials'
   `org:headOf` / `org:memberOf` links, the program hierarchy and the changes of
   position that `analyze` finds. `focus_view` and `target_view` cut an ego view or a
   one-program view out of it; `layout` gives every node a fixed position (networkx),
   spread so that no two nodes and their labels overlap at zoom 1.
2. `render_html(view)` writes the page from `templates/viz.html`: our scripts and style
   are inlined, the data sits in one `<script type="application/json">` element with
   `<`, `>`, `&`, U+2028/2029 escaped, and a Content-Security-Policy allows only those
   inline blocks (by hash) and no network at all. Article text only ever reaches the
   page through `textContent`, never as markup. The page draws the graph itself on a
   canvas (labels by level of detail, edges batched), and has a position table, a
   timeline and a map of each program, law and policy.

`write_view(graph, out_file, ...)` does both and writes the file atomically.
The same graph always gives the same bytes.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import json
import math
import os
import re
import tempfile
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
import networkx as nx
import pyoxigraph as ox
from markupsafe import Markup

from stancegraph import analyze, graphrows, graphviews, places
from stancegraph import store as sgstore
from stancegraph.layoutcache import LayoutCache, component_key

SG = "https://w3id.org/stancegraph/ns#"
SCHEMA = "https://schema.org/"

# Entity classes -> the view's type, in priority order (an entity that is both an
# actor and a target shows as the actor it is).
CLASS_TYPES = [
    (SG + "Official", "official"),
    (SG + "LawEnforcementAgency", "agency"),
    (SG + "GovernmentBody", "government_body"),
    (SG + "FederalAgency", "federal_agency"),
    (SG + "Jurisdiction", "jurisdiction"),
    (SG + "Group", "group"),
    (SG + "Program", "program"),
    (SG + "Policy", "policy"),
    (SG + "Law", "law"),
    (SG + "Practice", "practice"),
    (SG + "Operation", "operation"),
    (SG + "AgencyTarget", "agency_target"),
    (SG + "Target", "target"),
    (SG + "Actor", "actor"),
]
TARGET_TYPES = ("program", "policy", "law", "practice", "operation", "agency_target", "target")

# The legend: one entry per group of types, each with its own shape (so the view reads
# without colour) and a colour from the Okabe–Ito palette (safe for colour-blind readers).
LEGEND = [
    # group, label, shape, fill, border, types
    ("jurisdiction", "Jurisdiction", "hexagon", "#009E73", "#00664a", ("jurisdiction",)),
    ("agency", "Law enforcement agency", "square", "#56B4E9", "#1f6f9c", ("agency",)),
    ("government_body", "Government body", "triangle", "#CC79A7", "#8a3f6b", ("government_body",)),
    ("federal_agency", "Federal agency", "triangleDown", "#999999", "#555555", ("federal_agency",)),
    ("official", "Official", "dot", "#E69F00", "#8f6300", ("official",)),
    ("group", "Group", "star", "#444444", "#111111", ("group", "actor")),
    ("target", "Program / policy / law", "diamond", "#F0E442", "#8a8000", TARGET_TYPES),
]
GROUP_OF = {t: group for group, _, _, _, _, types in LEGEND for t in types}
STYLE = {group: (shape, fill, border) for group, _, shape, fill, border, _ in LEGEND}

# Edge colours (Okabe–Ito): vermillion for opposition, blue for support, grey for structure.
POLARITY_COLOURS = {"oppose": "#D55E00", "support": "#0072B2", "unknown": "#777777"}
ORG_COLOUR = "#999999"
RELATION_LABELS = {
    "declines": "declines",
    "withdraws": "withdraws from",
    "condemns": "condemns",
    "opposes": "opposes",
    "urges": "urges",
    "joins": "joins",
    "supports": "supports",
    "states_position": "states position on",
    "applied_for": "applied for",
}
ORG_LABELS = {
    "http://www.w3.org/ns/org#headOf": "heads",
    "http://www.w3.org/ns/org#memberOf": "member of",
    "https://w3id.org/stancegraph/ns#headOfJurisdiction": "heads",
    "https://w3id.org/stancegraph/ns#officialOf": "official of",
}
# Words that name no one on their own: pronouns, and (from data/actors.toml) bare post titles.
PRONOUNS = frozenset(
    "i me my we us our you your he him his she her hers it its they them their theirs this "
    "that these those who whom whose which what one someone somebody".split()
)
DETERMINERS = re.compile(r"^(the|a|an|this|that|these|those|our|its|their|his|her|my) ")

SEED = 7  # the layout's random seed: the same graph always gets the same picture
SPRING_MAX = 300  # up to this many nodes: a full spring layout; above: backbone + spirals
LABELLED_MAX = 2000  # up to this many nodes the layout makes room for every label at zoom 1
# The whole-graph view shows at most this many entities (the size benchmarks/viz.py shows
# the page still handles); a bigger graph opens on its best-connected ones, and --focus or
# --target show any part of it.
VIEW_MAX = 20_000
LINK = 90.0  # px: the length of a typical link, before spreading
GAP = 90.0  # px between packed components
# The page draws labels at a fixed screen size; the layout estimates their boxes from
# these (the page measures the real text and never draws two labels over each other).
LABEL_CHAR_PX = 6.6  # width of an average character of a 12.5 px sans-serif label
LABEL_LINE_PX = 15.0
LABEL_WRAP = 24  # characters a line, about the page's 160 px
LABEL_LINES = 2

SOURCES_QUERY = """SELECT DISTINCT ?source ?doc ?title ?date ?url ?publisher WHERE {
  { SELECT DISTINCT ?source WHERE { ?stance a sg:Stance ; prov:wasDerivedFrom ?source } }
  OPTIONAL { ?source dcterms:identifier ?doc }
  OPTIONAL { ?source dcterms:title ?title }
  OPTIONAL { ?source dcterms:date ?date }
  OPTIONAL { ?source schema:url ?url }
  OPTIONAL { ?source dcterms:publisher ?p . OPTIONAL { ?p rdfs:label ?pl } }
  BIND(COALESCE(?pl, ?p) AS ?publisher)
}"""
SOURCE_TYPES_QUERY = """SELECT DISTINCT ?source ?type WHERE {
  { SELECT DISTINCT ?source WHERE { ?stance a sg:Stance ; prov:wasDerivedFrom ?source } }
  ?source a ?type .
}"""
TYPES_QUERY = """SELECT DISTINCT ?e ?type WHERE {
  ?e a ?type . FILTER(STRSTARTS(STR(?type), STR(sg:)) && ?type != sg:Stance)
}"""
LABELS_QUERY = """SELECT DISTINCT ?e ?p ?label WHERE {
  VALUES ?p { rdfs:label skos:prefLabel skos:altLabel sg:role }
  ?e ?p ?label .
}"""
# ICE's 287(g) registry: one row of one snapshot sheet per entry (docs/graph.md). Not
# sg:Stance nodes: the view draws them as registry facts, with the sheet as their source.
REGISTRY_QUERY = """SELECT DISTINCT ?entry ?agency ?program ?status ?signed ?row ?sheet ?doc
    ?title ?date ?publisher WHERE {
  ?entry a sg:RegistryEntry ; sg:listedAgency ?agency ; sg:listedProgram ?program ;
    sg:registryStatus ?status ; prov:wasDerivedFrom ?sheet .
  OPTIONAL { ?entry dcterms:date ?signed }
  OPTIONAL { ?entry sg:sheetRow ?row }
  OPTIONAL { ?sheet dcterms:identifier ?doc }
  OPTIONAL { ?sheet dcterms:title ?title }
  OPTIONAL { ?sheet dcterms:date ?date }
  OPTIONAL { ?sheet dcterms:publisher ?p . OPTIONAL { ?p rdfs:label ?pl } }
  BIND(COALESCE(?pl, ?p) AS ?publisher)
}"""
REGISTRY_LABEL = "ICE 287(g) registry"
# registry status -> (the view's status, the relation its edge reads as)
REGISTRY_STATUS = {
    SG + "Participating": ("participating", "joins"),
    SG + "Pending": ("pending", "applied_for"),
}
ORG_QUERY = """SELECT DISTINCT ?person ?p ?body WHERE {
  VALUES ?p { org:headOf org:memberOf sg:headOfJurisdiction sg:officialOf }
  ?person ?p ?body .
}"""


class ViewError(Exception):
    """A view that cannot be made (an unknown name, say); the message is one line."""


@dataclass(frozen=True)
class ViewReport:
    """What `write_view` wrote: for the command line's summary."""

    path: Path
    nodes: int
    edges: int
    stances: int
    bytes: int
    entities: int = 0  # in the graph; more than `nodes` when the view shows only the hubs


# ---------------------------------------------------------------- graph -> view model


# every query `read_view` reads the store with (graphrows.py keeps their rows per graph)
VIEW_QUERIES = (
    *graphviews.QUERIES, TYPES_QUERY, LABELS_QUERY, SOURCES_QUERY, SOURCE_TYPES_QUERY,
    REGISTRY_QUERY, ORG_QUERY,
)  # fmt: skip


def read_view(store, title: str = "stancegraph") -> dict:
    """The whole graph as a view model:
    {"title", "scope", "focus", "nodes", "edges", "broader", "changes"}.

    Nodes are the entities that take or receive a stance, plus the bodies officials
    lead or sit on; edges group the stances by (actor, target, polarity). Stances are
    read from the stance nodes (never from the direct triples, which a store may also
    hold in their broader form), once each whatever graph holds them. `store`: a pyoxigraph
    store, or the rows of one (graphrows.Rows).
    """
    store = graphviews.rows_of(store)
    data = graphviews.load(store)
    types: dict[str, set[str]] = defaultdict(set)
    for row in store.select(TYPES_QUERY):
        types[row["e"]].add(row["type"])
    names: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in store.select(LABELS_QUERY):
        if row["label"] is not None:
            names[row["e"]][row["p"].rsplit("#", 1)[-1]].add(row["label"])
    sources = _read_sources(store)

    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for s in data.stances:
        source = sources.get(s.article or "", {})
        own_date = "" if s.date_from_article else (s.date or "")
        groups[(s.actor, s.target, s.stance)].append(
            {
                "id": s.iri,
                "relation": s.relation or "",
                "polarity": s.stance,
                "date": own_date,
                "quote": s.evidence or "",
                "article": s.article or "",
                "doc": source.get("doc") or s.doc or "",
                "title": source.get("title") or "",
                "article_date": source.get("date") or "",
                "url": source.get("url") or "",
                "publisher": source.get("publisher") or "",
                "source_kind": source.get("kind", "document"),
                "source_type": source.get("type_label", "document"),
                "confidence": s.confidence,
            }
        )
    for key, item in _registry_items(store):
        groups[key].append(item)

    edges: list[dict] = []
    for (actor, target, polarity, *status), items in sorted(groups.items()):
        items.sort(key=lambda s: (s["date"] or s["article_date"], s["doc"], s["id"]))
        relations = sorted({s["relation"] for s in items if s["relation"]})
        kinds = {s["source_kind"] for s in items}
        edges.append(
            {
                "kind": "stance",
                "from": actor,
                "to": target,
                "polarity": polarity,
                "status": status[0] if status else "",
                "relations": relations,
                "label": ", ".join(RELATION_LABELS.get(r, r.replace("_", " ")) for r in relations),
                "articles": len({s["article"] or s["id"] for s in items}),
                "years": sorted({(s["date"] or s["article_date"])[:4] for s in items}),
                "source": kinds.pop() if len(kinds) == 1 else "mixed",
                "stances": items,
            }
        )
    org_rows = sorted((row["person"], row["p"], row["body"]) for row in store.select(ORG_QUERY))
    for person, prop, body in org_rows:
        if person == body:
            continue
        edges.append(
            {
                "kind": "org",
                "from": person,
                "to": body,
                "polarity": None,
                "relations": [ORG_LABELS[prop]],
                "label": ORG_LABELS[prop],
                "articles": 0,
                "years": [],
                "source": "",
                "stances": [],
            }
        )
    for i, edge in enumerate(edges):
        edge["id"] = f"e{i}"

    ids = sorted({e["from"] for e in edges} | {e["to"] for e in edges})
    hints = {s.actor: s.on_behalf_of for s in reversed(data.stances) if s.on_behalf_of}
    titles = _post_titles()
    nodes = [
        _node(iri, types.get(iri, set()), names.get(iri, {}), data, hints.get(iri), titles)
        for iri in ids
    ]
    broader = sorted((n, b) for n, bs in data.broader.items() for b in bs)
    view = {
        "title": title,
        "scope": "graph",
        "focus": None,
        "nodes": nodes,
        "edges": edges,
        "broader": [list(pair) for pair in broader],
        "changes": _changes(data, edges),
    }
    _count_degrees(view)
    return view


def _registry_items(store: graphrows.Rows) -> list[tuple[tuple, dict]]:
    """Each registry entry as a stance-like item (support: the agency joins, or has applied
    for, the program), keyed apart from the news stances so a registry fact is its own edge:
    (agency, program, "support", status) -> item. The sheet is its source; no quote."""
    out = []
    # in the order of their values, not the store's: an edge lists its items in this order
    # where their dates, sheets and IRIs tie
    rows = store.select(REGISTRY_QUERY)
    for row in sorted(rows, key=lambda r: tuple((v is not None, v or "") for v in r.values())):
        status, relation = REGISTRY_STATUS.get(row["status"], ("", ""))
        if not status:
            continue
        title = row["title"] or REGISTRY_LABEL
        item = {
            "id": row["entry"],
            "relation": relation,
            "polarity": "support",
            "date": row["signed"] or "",
            "quote": "",
            "article": row["sheet"],
            "doc": row["doc"] or "",
            "title": title,
            "article_date": row["date"] or "",
            "url": "",
            "publisher": row["publisher"] or "",
            "source_kind": "registry",
            "source_type": REGISTRY_LABEL,
            "confidence": 1.0,
            "status": status,
            "row": str(row["row"] or ""),
        }
        out.append(((row["agency"], row["program"], "support", status), item))
    return out


def _read_sources(store: graphrows.Rows) -> dict[str, dict]:
    """Source IRI -> its metadata and kind: "news" (a schema:NewsArticle) or "document"
    (anything else a stance is derived from, e.g. a registry spreadsheet)."""
    out: dict[str, dict] = {}
    for row in store.select(SOURCES_QUERY):
        prev = out.get(row["source"])
        out[row["source"]] = row if prev is None else _least(prev, row)
    typed: dict[str, set[str]] = defaultdict(set)
    for row in store.select(SOURCE_TYPES_QUERY):
        typed[row["source"]].add(row["type"])
    for iri, row in out.items():
        kinds = typed.get(iri, set())
        if SCHEMA + "NewsArticle" in kinds:
            row["kind"], row["type_label"] = "news", "news article"
            continue
        row["kind"] = "document"
        named = sorted(
            _words(re.split(r"[/#]", t)[-1]) for t in kinds if not t.endswith("/prov#Entity")
        )
        row["type_label"] = named[0] if named else "document"
    return out


def _words(camel: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", camel).lower() or "document"


def _least(a: dict, b: dict) -> dict:
    return {k: min((v for v in (a[k], b[k]) if v is not None), default=None) for k in a}


def _node(
    iri: str,
    classes: set[str],
    names: dict[str, set[str]],
    data: graphviews.GraphData,
    hint: str | None,
    titles: frozenset[str],
) -> dict:
    kind = next((t for cls, t in CLASS_TYPES if cls in classes), "actor")
    labels = sorted(names.get("label", ())) or sorted(names.get("prefLabel", ()))
    label = labels[0] if labels else _iri_tail(iri)
    aliases = sorted(
        a for a in (names.get("altLabel", set()) | set(labels[1:])) - {label} if is_name(a, titles)
    )
    roles = sorted(names.get("role", ()))
    node = {
        "id": iri,
        "label": label,
        "type": kind,
        "group": GROUP_OF.get(kind, "group"),
        "aliases": aliases,
        "role": ", ".join(roles),
        "state": "",
        "place": "",
        "jurisdiction": "",
    }
    if kind not in TARGET_TYPES:
        node.update(_placement(data, iri, hint))
    return node


def _placement(data: graphviews.GraphData, iri: str, hint: str | None) -> dict:
    """Where an actor sits on the map: the county or state FIPS code of the jurisdiction it
    acts for (officials and agencies rolled up as `graphviews.jurisdiction_of` does), its
    state's name, and the jurisdiction's label (shown for what cannot be placed)."""
    juris = graphviews.jurisdiction_of(data, iri, hint)
    state = graphviews.state_of(data, juris or iri) or ""
    out = {"state": state, "place": "", "jurisdiction": data.label(juris) if juris else ""}
    if juris is None:
        return out
    attrs = data.entities.get(juris, {})
    label = attrs.get("label") or ""
    level = attrs.get("level")
    code = None
    if level in (None, "county"):
        code = places.county_fips(label, state)
    if code is None and level in (None, "state"):
        code = places.state_fips(label) or (places.state_fips(state) if level == "state" else None)
    if code:
        out["place"] = code
        out["state"] = places.place_name(code[:2])
    return out


def _post_titles() -> frozenset[str]:
    """The post titles the extractor knows (data/actors.toml): alone, they name no one."""
    text = resources.files("stancegraph.data").joinpath("actors.toml").read_text("utf-8")
    return frozenset(_norm(t) for t in tomllib.loads(text).get("titles", {}))


def is_name(alias: str, titles: frozenset[str] = frozenset()) -> bool:
    """Whether an alias names something: not a pronoun ('it', 'She'), not a bare post title
    ('sheriff', 'the Mayor'), and not a common noun alone ('program', 'agreements'): a
    name has a capital letter or a digit."""
    low = _norm(alias)
    bare = DETERMINERS.sub("", low)
    if low in PRONOUNS or bare in PRONOUNS or bare in titles or not bare:
        return False
    return any(c.isupper() or c.isdigit() for c in alias)


def _changes(data: graphviews.GraphData, edges: list[dict]) -> list[dict]:
    """`analyze.changes_of_position`, each step pointing at the stances that make it."""
    by_step: dict[tuple, list[str]] = defaultdict(list)
    for e in edges:
        for s in e["stances"]:
            when = s["date"] or s["article_date"]
            by_step[(e["from"], e["to"], s["polarity"], when)].append(s["id"])
    out = []
    for change in analyze.changes_of_position(data):
        steps = []
        for step in change["steps"]:
            key = (step["actor"]["id"], step["target"]["id"], step["stance"], step["date"])
            steps.append(
                {
                    "date": step["date"],
                    "polarity": step["stance"],
                    "relation": step["relation"] or "",
                    "actor": step["actor"]["id"],
                    "target": step["target"]["id"],
                    "stances": sorted(by_step.get(key, [])),
                }
            )
        out.append(
            {
                "level": change["level"],
                "who": change["actor"]["id"],
                "who_label": change["actor"]["label"],
                "topic": change["topic"]["id"],
                "topic_label": change["topic"]["label"],
                "pattern": change["pattern"],
                "steps": steps,
            }
        )
    return out


def _iri_tail(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


def _count_degrees(view: dict) -> None:
    """Per node: its degree and how many stances it takes or receives, by polarity."""
    degree: Counter[str] = Counter()
    taken: dict[str, Counter[str]] = defaultdict(Counter)
    received: dict[str, Counter[str]] = defaultdict(Counter)
    for e in view["edges"]:
        degree[e["from"]] += 1
        degree[e["to"]] += 1
        if e["kind"] == "stance":
            taken[e["from"]][e["polarity"]] += len(e["stances"])
            received[e["to"]][e["polarity"]] += len(e["stances"])
    for n in view["nodes"]:
        n["degree"] = degree[n["id"]]
        n["takes"] = dict(sorted(taken[n["id"]].items()))
        n["receives"] = dict(sorted(received[n["id"]].items()))


# ---------------------------------------------------------------- views: ego, one target


def find_node(view: dict, name: str, *, targets_only: bool = False) -> dict:
    """The node called `name` (its label, an alias or its IRI, any case); a name that is
    part of exactly one label also matches. Raises ViewError with close matches."""
    targets = {e["to"] for e in view["edges"] if e["kind"] == "stance"}
    nodes = [n for n in view["nodes"] if not targets_only or n["id"] in targets]
    wanted = _norm(name)
    if not wanted:
        raise ViewError("an empty name matches nothing")
    for key in (lambda n: [n["id"]], lambda n: [n["label"]], lambda n: n["aliases"]):
        hits = [n for n in nodes if wanted in {_norm(v) for v in key(n)}]
        if len(hits) >= 1:
            return hits[0]
    hits = [n for n in nodes if any(wanted in _norm(v) for v in [n["label"], *n["aliases"]])]
    if len(hits) == 1:
        return hits[0]
    what = "target" if targets_only else "entity"
    by_norm = {_norm(n["label"]): n["label"] for n in nodes}
    close = difflib.get_close_matches(wanted, list(by_norm), n=3, cutoff=0.5)
    suggestions = [by_norm[c] for c in close] + sorted(h["label"] for h in hits)
    suggestions = list(dict.fromkeys(suggestions))[:5]
    if len(hits) > 1:
        msg = f"{name!r} matches several {what} names"
    else:
        msg = f"no {what} named {name!r} in the graph"
    if suggestions:
        msg += "; did you mean: " + "; ".join(suggestions) + "?"
    raise ViewError(msg)


def _try_find(view: dict, name: str) -> dict | None:
    try:
        return find_node(view, name)
    except ViewError:
        return None


def _norm(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split())


def focus_view(view: dict, name: str, hops: int = 1) -> dict:
    """The ego view: the entity called `name` and everything within `hops` links of it."""
    if hops < 0:
        raise ViewError("--hops must be 0 or more")
    centre = find_node(view, name)
    graph = nx.Graph()
    graph.add_nodes_from(n["id"] for n in view["nodes"])
    graph.add_edges_from((e["from"], e["to"]) for e in view["edges"])
    keep = set(nx.single_source_shortest_path_length(graph, centre["id"], cutoff=hops))
    edges = [e for e in view["edges"] if e["from"] in keep and e["to"] in keep]
    what = f"{centre['label']} ({hops} hop{'s' * (hops != 1)})"
    return _subview(view, keep, edges, "focus", centre, what)


def target_view(view: dict, name: str) -> dict:
    """Everyone with a position on one target (and on the narrower programs that are a
    form of it), plus the officials' links among them."""
    try:
        target = find_node(view, name, targets_only=True)
    except ViewError:
        actor = _try_find(view, name)
        if actor is None:
            raise
        raise ViewError(
            f"no one takes a position on {actor['label']!r}; try --focus to see its own stances"
        ) from None
    narrower = nx.DiGraph()
    narrower.add_edges_from((b, n) for n, b in view.get("broader", []))
    targets = {target["id"]}
    if target["id"] in narrower:
        targets |= nx.descendants(narrower, target["id"])
    stance_edges = [e for e in view["edges"] if e["kind"] == "stance" and e["to"] in targets]
    keep = {e["from"] for e in stance_edges} | {e["to"] for e in stance_edges} | {target["id"]}
    org_edges = [
        e for e in view["edges"] if e["kind"] == "org" and (e["from"] in keep or e["to"] in keep)
    ]
    keep |= {e["from"] for e in org_edges} | {e["to"] for e in org_edges}
    chosen = {e["id"] for e in stance_edges} | {e["id"] for e in org_edges}
    edges = [e for e in view["edges"] if e["id"] in chosen]
    return _subview(view, keep, edges, "target", target, f"positions on {target['label']}")


def _subview(view: dict, keep: set[str], edges: list[dict], scope: str, centre: dict, what: str):
    out = dict(view)
    out["nodes"] = [dict(n) for n in view["nodes"] if n["id"] in keep]
    out["edges"] = edges
    out["scope"] = scope
    out["focus"] = centre["id"]
    out["title"] = f"{view['title']}: {what}"
    kept = {s["id"] for e in edges for s in e["stances"]}
    changes = []
    for change in view.get("changes", []):
        steps = [st for st in change["steps"] if set(st["stances"]) & kept]
        if len({st["polarity"] for st in steps}) > 1:
            changes.append({**change, "steps": steps})
    out["changes"] = changes
    _count_degrees(out)
    return out


# ---------------------------------------------------------------- layout


def node_radius(n: dict) -> float:
    """A node's radius in px at zoom 1: hubs are bigger."""
    return round(min(24.0, 5.0 + 2.2 * math.sqrt(n.get("degree", 0))), 1)


def label_lines(label: str) -> list[str]:
    """The label cut into lines as the page shows it (about LABEL_WRAP characters a line,
    at most LABEL_LINES lines); only for the layout's estimate of its box."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= LABEL_WRAP:
            lines[-1] += " " + word
        else:
            lines.append(word[: LABEL_WRAP + 2])
    return lines[:LABEL_LINES] or [""]


def _footprint(n: dict, labelled: bool) -> tuple[float, float, float]:
    """(half width, extent above, extent below) of a node and its label at zoom 1, in px."""
    r = node_radius(n)
    if not labelled:
        return (r + 3.0, r + 3.0, r + 3.0)
    lines = label_lines(n.get("label", ""))
    half = max(len(line) for line in lines) * LABEL_CHAR_PX / 2 + 4.0
    return (max(r + 3.0, half), r + 3.0, r + 6.0 + LABEL_LINE_PX * len(lines))


def layout(view: dict, cache: LayoutCache | None = None) -> dict[str, tuple[float, float]]:
    """Fixed positions (in px at zoom 1) for every node, deterministic; a component `cache`
    holds (layoutcache.py) is read back, not laid out again.

    Each connected component is laid out on its own (so a typical link is about LINK px
    long whatever the graph's shape): a component of up to SPRING_MAX nodes gets
    networkx's seeded spring layout; a bigger one would cost O(n²) per iteration, so only
    its backbone (the best-connected SPRING_MAX nodes) gets one and every other node is
    placed on a sunflower spiral around a placed neighbour, breadth first: O(n). Then
    `_spread` pushes apart every two nodes whose boxes (with their labels, up to
    LABELLED_MAX nodes) overlap, and the components are packed in rows, biggest first.
    """
    graph = nx.Graph()
    graph.add_nodes_from(n["id"] for n in view["nodes"])
    graph.add_edges_from(sorted((e["from"], e["to"]) for e in view["edges"]))
    labelled = len(view["nodes"]) <= LABELLED_MAX
    feet = {n["id"]: _footprint(n, labelled) for n in view["nodes"]}
    if labelled:
        # the hubs' labels must read at the opening zoom too (about half of zoom 1): room
        # for them at half the scale
        for n in _hubs(view):
            w, up, down = feet[n["id"]]
            feet[n["id"]] = (w * HUB_ROOM, up * HUB_ROOM, down * HUB_ROOM)
    parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c))
    boxes = []
    for c in parts:
        sub = graph if len(c) == len(graph) else _induced(graph, c)
        if cache is None:
            boxes.append(_spread(_component_layout(sub, c), c, feet))
            continue
        key = component_key([c, list(sub.nodes)], list(sub.edges), [feet[n] for n in c])
        pos = cache.get(key, c)
        if pos is None:
            pos = _spread(_component_layout(sub, c), c, feet)
            cache.put(key, c, pos)
        boxes.append(pos)
    return _pack(boxes, feet)


HUB_ROOM = 2.0


def _hubs(view: dict) -> list[dict]:
    """The nodes whose labels the view opens with: the most stances, at least 10 of them."""
    count = max(10, len(view["nodes"]) // 12)
    ranked = sorted(
        view["nodes"],
        key=lambda n: (
            -sum(n.get("takes", {}).values()) - sum(n.get("receives", {}).values()),
            n["id"],
        ),
    )
    return ranked[:count]


def _induced(graph: nx.Graph, nodes: list[str]) -> nx.Graph:
    """The subgraph on `nodes`, in their order. (networkx's subgraph views iterate a set,
    whose order changes with PYTHONHASHSEED, and so would the seeded layout.)"""
    keep = set(nodes)
    sub = nx.Graph()
    sub.add_nodes_from(nodes)
    sub.add_edges_from((u, v) for u in nodes for v in graph.neighbors(u) if v in keep)
    return sub


def _component_layout(graph: nx.Graph, ids: list[str]) -> dict[str, tuple[float, float]]:
    if len(ids) == 1:
        return {ids[0]: (0.0, 0.0)}
    if len(ids) == 2:
        return {ids[0]: (-LINK / 2, 0.0), ids[1]: (LINK / 2, 0.0)}
    if len(ids) <= SPRING_MAX:
        pos = nx.spring_layout(graph, seed=SEED, iterations=80)
        lengths = sorted(math.dist(pos[u], pos[v]) for u, v in graph.edges if u != v)
        scale = LINK / max(lengths[len(lengths) // 2], 1e-3)
        return {n: (pos[n][0] * scale, pos[n][1] * scale) for n in ids}

    degree = dict(graph.degree())
    best = sorted(ids, key=lambda n: (-degree[n], n))[:SPRING_MAX]
    # only the backbone's biggest connected part: a node cut off from it would be pushed
    # to the far edge; breadth first from the backbone places it beside its neighbours
    core = max(nx.connected_components(_induced(graph, best)), key=lambda c: (len(c), min(c)))
    backbone = [n for n in best if n in core]
    pos = nx.spring_layout(_induced(graph, backbone), seed=SEED, iterations=80)
    spread = 30.0 * math.sqrt(len(ids))  # the backbone spans about 60 px per √node
    placed = {n: (pos[n][0] * spread, pos[n][1] * spread) for n in backbone}
    around: Counter[tuple[int, int]] = Counter()
    golden = math.pi * (3.0 - math.sqrt(5.0))
    frontier = backbone
    while frontier:
        next_frontier: list[str] = []
        for parent in frontier:
            for child in sorted(graph.neighbors(parent)):
                if child in placed:
                    continue
                # at the centre of its neighbours placed so far, on a sunflower spiral
                near = [placed[m] for m in sorted(graph.neighbors(child)) if m in placed]
                cx = sum(x for x, _ in near) / len(near)
                cy = sum(y for _, y in near) / len(near)
                key = (round(cx), round(cy))
                k = around[key]
                around[key] += 1
                r, a = 24.0 + 15.0 * math.sqrt(k), k * golden
                placed[child] = (cx + r * math.cos(a), cy + r * math.sin(a))
                next_frontier.append(child)
        frontier = next_frontier
    return placed


SPREAD_ROUNDS = 120
SPREAD_ROUNDS_BIG = 3


def _spread(
    pos: dict[str, tuple[float, float]], ids: list[str], feet: dict
) -> dict[str, tuple[float, float]]:
    """Push apart the nodes whose boxes overlap until none does (or SPREAD_ROUNDS pass;
    SPREAD_ROUNDS_BIG above LABELLED_MAX nodes, whose labels show by level of detail).

    Each round finds the overlapping pairs (a k-d tree over the box centres) and moves
    both nodes of each pair apart along the axis where they overlap least, half the
    overlap each, damped by how many overlaps a node has. Pairs are taken in index order,
    so the result does not depend on the order the tree returns them in.
    """
    import numpy as np
    from scipy.spatial import cKDTree

    if len(ids) < 2:
        return pos
    xy = np.array([pos[i] for i in ids], dtype=float)
    half_w = np.array([feet[i][0] for i in ids])
    up = np.array([feet[i][1] for i in ids])
    down = np.array([feet[i][2] for i in ids])
    half_h, shift = (up + down) / 2, (down - up) / 2
    reach = 2.0 * float(max(half_w.max(), half_h.max()))
    # a big graph gets a few rounds only: its labels show by level of detail anyway
    rounds = SPREAD_ROUNDS if len(ids) <= LABELLED_MAX else SPREAD_ROUNDS_BIG
    for _ in range(rounds):
        centre = np.c_[xy[:, 0], xy[:, 1] + shift]
        pairs = cKDTree(centre).query_pairs(reach, output_type="ndarray")
        if not len(pairs):
            break
        i, j = pairs[:, 0], pairs[:, 1]
        d = centre[j] - centre[i]
        over_x = half_w[i] + half_w[j] - np.abs(d[:, 0])
        over_y = half_h[i] + half_h[j] - np.abs(d[:, 1])
        hit = (over_x > 0) & (over_y > 0)
        if not hit.any():
            break
        # the overlapping pairs in index order (sorted after the cut: far fewer to sort)
        i, j = i[hit], j[hit]
        order = np.argsort(i.astype(np.int64) * len(ids) + j, kind="stable")
        i, j = i[order], j[order]
        d, over_x, over_y = d[hit][order], over_x[hit][order], over_y[hit][order]
        along_x = over_x <= over_y
        sign_x = np.where(d[:, 0] >= 0, 1.0, -1.0)
        sign_y = np.where(d[:, 1] >= 0, 1.0, -1.0)
        push = np.zeros((len(i), 2))
        push[:, 0] = np.where(along_x, (over_x / 2 + 1.0) * sign_x, 0.0)
        push[:, 1] = np.where(along_x, 0.0, (over_y / 2 + 1.0) * sign_y)
        move = np.zeros_like(xy)
        count = np.zeros(len(ids))
        np.add.at(move, j, push)
        np.add.at(move, i, -push)
        np.add.at(count, i, 1)
        np.add.at(count, j, 1)
        xy += move / np.sqrt(np.maximum(count, 1))[:, None]
    return {n: (float(x), float(y)) for n, (x, y) in zip(ids, xy, strict=True)}


Positions = dict[str, tuple[float, float]]


def _pack(boxes: list[Positions], feet: dict) -> Positions:
    """Place laid-out components in rows (a shelf packing), left to right, top to bottom."""
    if not boxes:
        return {}
    sized = []
    for pos in boxes:
        x0 = min(x - feet[n][0] for n, (x, _) in pos.items())
        x1 = max(x + feet[n][0] for n, (x, _) in pos.items())
        y0 = min(y - feet[n][1] for n, (_, y) in pos.items())
        y1 = max(y + feet[n][2] for n, (_, y) in pos.items())
        sized.append((pos, x0, y0, x1 - x0 + GAP, y1 - y0 + GAP))
    # rows about as wide as a laptop screen is wide for its height (16:10)
    area = sum(w * h for *_, w, h in sized)
    row_width = max(max(w for *_, w, _ in sized), math.sqrt(area * 1.6))
    out: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for pos, x0, y0, w, h in sized:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        for n, (px, py) in pos.items():
            out[n] = (round(x + px - x0, 1), round(y + py - y0, 1))
        x += w
        row_height = max(row_height, h)
    return out


# ---------------------------------------------------------------- view model -> HTML

SCRIPTS = ("viz-util.js", "viz-graph.js", "viz-table.js", "viz-timeline.js", "viz-map.js", "viz.js")
STYLES = ("viz.css",)


def render_html(view: dict, layouts: LayoutCache | None = None) -> str:
    """The page for a view model: one self-contained HTML document, deterministic
    (`layouts`: see layout)."""
    page = page_data(view, layouts)
    scripts = [_asset(name) for name in SCRIPTS]
    styles = [_asset(name) for name in STYLES]
    for name, text in zip(SCRIPTS, scripts, strict=True):
        if re.search(r"</script|<!--", text, re.IGNORECASE):
            raise ViewError(f"{name} cannot be inlined: it contains </script or <!--")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_templates())),
        autoescape=True,
        keep_trailing_newline=True,
    )
    env.filters["script_json"] = lambda v: Markup(script_json(v))
    template = env.get_template("viz.html")
    return template.render(
        title=view["title"],
        page=page,
        scripts=[Markup(s) for s in scripts],
        styles=[Markup(s) for s in styles],
        csp=csp_policy(scripts=scripts, styles=styles),
    )


def page_data(view: dict, layouts: LayoutCache | None = None) -> dict:
    """What the page's script reads: nodes, edges and stances as lists that point at each
    other by index (a 5,000-node graph stays a few MB), sources listed once, positions,
    the hierarchy, the changes of position and the map's outlines."""
    positions = layout(view, layouts)
    index = {n["id"]: i for i, n in enumerate(view["nodes"])}
    ranked = sorted(
        view["nodes"],
        key=lambda n: (
            n["id"] != view.get("focus"),
            -sum(n["takes"].values()) - sum(n["receives"].values()),
            -n["degree"],
            n["label"],
            n["id"],
        ),
    )
    rank = {n["id"]: r for r, n in enumerate(ranked)}
    nodes = []
    for n in view["nodes"]:
        x, y = positions[n["id"]]
        nodes.append(
            {
                "id": n["id"],
                "label": n["label"],
                "type": n["type"],
                "group": n["group"],
                "role": n["role"],
                "aliases": n["aliases"],
                "state": n.get("state", ""),
                "place": n.get("place", ""),
                "jurisdiction": n.get("jurisdiction", ""),
                "x": x,
                "y": y,
                "r": node_radius(n),
                "rank": rank[n["id"]],
                "tip": _node_summary(n),
            }
        )
    sources: dict[str, int] = {}
    source_list: list[dict] = []
    stances: list[dict] = []
    edges: list[dict] = []
    labels = {n["id"]: n["label"] for n in view["nodes"]}
    pair_count: Counter[frozenset[str]] = Counter()
    for e in view["edges"]:
        pair = frozenset((e["from"], e["to"]))
        curve = pair_count[pair]  # a second edge between the same two nodes is bent
        pair_count[pair] += 1
        ids = []
        for st in e["stances"]:
            key = st["article"] or st["doc"] or st["id"]
            if key not in sources:
                sources[key] = len(source_list)
                source_list.append(
                    {
                        "id": st["article"],
                        "doc": st["doc"],
                        "title": st["title"],
                        "url": st["url"],
                        "publisher": st["publisher"],
                        "date": st["article_date"],
                        "kind": st["source_kind"],
                        "type": st["source_type"],
                    }
                )
            ids.append(len(stances))
            stances.append(
                {
                    "id": st["id"],
                    "edge": len(edges),
                    "actor": index[e["from"]],
                    "target": index[e["to"]],
                    "polarity": st["polarity"],
                    "relation": st["relation"],
                    "date": st["date"],
                    "quote": st["quote"],
                    "source": sources[key],
                    **({"status": st["status"], "row": st["row"]} if "status" in st else {}),
                }
            )
        edges.append(
            {
                "id": e["id"],
                "kind": e["kind"],
                "from": index[e["from"]],
                "to": index[e["to"]],
                "polarity": e["polarity"] or "org",
                "label": e["label"],
                "width": _edge_width(e),
                "source": e.get("source", ""),
                "status": e.get("status", ""),
                "curve": curve,
                "stances": ids,
                "tip": _edge_summary(e, labels),
            }
        )
    stance_index = {s["id"]: i for i, s in enumerate(stances)}
    changes = []
    for c in view.get("changes", []):
        changes.append(
            {
                "level": c["level"],
                "who": index.get(c["who"], -1),
                "who_label": c["who_label"],
                "topic": index.get(c["topic"], -1),
                "topic_label": c["topic_label"],
                "pattern": c["pattern"],
                "steps": [
                    {
                        "date": st["date"],
                        "polarity": st["polarity"],
                        "relation": st["relation"],
                        "actor": index.get(st["actor"], -1),
                        "target": index.get(st["target"], -1),
                        "stances": [stance_index[s] for s in st["stances"] if s in stance_index],
                    }
                    for st in c["steps"]
                ],
            }
        )
    broader = [
        [index[n], index[b]] for n, b in view.get("broader", []) if n in index and b in index
    ]
    counties = sorted({n["place"] for n in nodes if len(n["place"]) == 5})
    return {
        "title": view["title"],
        "scope": view["scope"],
        "focus": index.get(view["focus"], -1) if view["focus"] else -1,
        "legend": [
            {"group": g, "label": label, "shape": shape, "fill": fill, "border": border}
            for g, label, shape, fill, border, _ in LEGEND
        ],
        "colours": {**POLARITY_COLOURS, "org": ORG_COLOUR},
        "relations": [[k, v] for k, v in RELATION_LABELS.items()],
        "nodes": nodes,
        "edges": edges,
        "stances": stances,
        "sources": source_list,
        "broader": broader,
        "changes": changes,
        "map": {
            "width": places.WIDTH,
            "height": places.HEIGHT,
            "states": [{"fips": f, "name": nm, "d": d} for f, nm, d in places.state_paths()],
            "counties": [
                {"fips": f, "name": nm, "d": d} for f, nm, d in places.county_paths(counties)
            ],
        },
    }


def _node_summary(n: dict) -> str:
    """The hover text (plain text)."""
    kind = n["type"].replace("_", " ")
    head = f"{n['label']} ({kind}, {n['role']})" if n["role"] else f"{n['label']} ({kind})"
    parts = []
    for verb, counts in (("takes", n["takes"]), ("receives", n["receives"])):
        if counts:
            total = sum(counts.values())
            detail = ", ".join(f"{v} {k}" for k, v in counts.items())
            parts.append(f"{verb} {total} stance{'s' * (total != 1)}: {detail}")
    return "\n".join([head, *parts, "click for the evidence"])


def _edge_summary(e: dict, labels: dict[str, str]) -> str:
    head = f"{labels[e['from']]} {e['label']} {labels[e['to']]}"
    if e["kind"] == "org":
        return head
    years = [y for y in e["years"] if y]
    when = ""
    if years:
        when = f", {years[0]}" if years[0] == years[-1] else f", {years[0]}–{years[-1]}"
    n = e["articles"]
    sources = "source" if e.get("source") != "news" else "article"
    return f"{head}\n{e['polarity']}: {n} {sources}{'s' * (n != 1)}{when}\nclick for the quotes"


def _edge_width(e: dict) -> float:
    """Screen px: 1 for one source, thicker for more (log scale)."""
    if e["kind"] == "org":
        return 1.0
    return round(1.0 + 1.5 * math.log2(max(1, e["articles"])), 2)


def script_json(value: object) -> str:
    """JSON that is safe inside a <script> element: no `<`, `>`, `&` (so no `</script>`
    or `<!--`), no U+2028/U+2029; keys sorted so the bytes are stable."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def csp_digest(text: str) -> str:
    """The CSP source expression that allows one inline block: 'sha256-…'."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def csp_policy(scripts: Iterable[str], styles: Iterable[str], connect: str = "'none'") -> str:
    """A policy that lets only the given inline scripts and styles run, and fetches nothing
    (or, with connect="'self'", talks only to the page's own server)."""
    parts = [
        "default-src 'none'",
        "script-src " + " ".join(csp_digest(s) for s in scripts),
        "style-src " + " ".join(csp_digest(s) for s in styles),
        "base-uri 'none'",
        "form-action 'none'",
    ]
    if connect != "'none'":
        parts.insert(1, f"connect-src {connect}")
    return "; ".join(parts)


def _templates():
    return resources.files("stancegraph") / "templates"


def _asset(name: str) -> str:
    return (_templates() / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------- all together


def make_view(
    graph: ox.Store | graphrows.Rows | str | os.PathLike,
    *,
    focus: str | None = None,
    hops: int = 1,
    target: str | None = None,
    title: str = "stancegraph",
) -> dict:
    """Open the graph (a store, a store directory, a graph folder or an RDF file, or the
    rows of a store) and cut the view asked for. Raises ViewError or store.StoreError."""
    if focus is not None and target is not None:
        raise ViewError("give --focus or --target, not both")
    is_path = isinstance(graph, str | os.PathLike)
    store = sgstore.open_store(Path(graph)) if is_path else graph
    view = read_view(store, title=title)
    if focus is not None:
        view = focus_view(view, focus, hops)
    elif target is not None:
        view = target_view(view, target)
    else:
        view = overview(view)
    return view


def overview(view: dict, max_nodes: int | None = None) -> dict:
    """The whole graph, or for a graph of more than `max_nodes` (default VIEW_MAX) entities,
    the `max_nodes` best connected (the most stances, then the most links) and the links
    among them: a page of 100,000 nodes would open in no browser. `view["entities"]` says
    how many entities the graph has."""
    max_nodes = VIEW_MAX if max_nodes is None else max_nodes
    view["entities"] = len(view["nodes"])
    if len(view["nodes"]) <= max_nodes:
        return view

    def weight(n: dict) -> tuple:
        stances = sum(n.get("takes", {}).values()) + sum(n.get("receives", {}).values())
        return (-stances, -n.get("degree", 0), n["id"])

    ranked = sorted(view["nodes"], key=weight)
    keep = {n["id"] for n in ranked[:max_nodes]}
    out = dict(view)
    out["nodes"] = [dict(n) for n in view["nodes"] if n["id"] in keep]
    out["edges"] = [e for e in view["edges"] if e["from"] in keep and e["to"] in keep]
    out["title"] = (
        f"{view['title']}: the {max_nodes:,} best-connected of {len(view['nodes']):,} entities"
    )
    kept = {s["id"] for e in out["edges"] for s in e["stances"]}
    out["changes"] = [
        c for c in view.get("changes", []) if any(set(st["stances"]) & kept for st in c["steps"])
    ]
    _count_degrees(out)
    return out


def write_view(
    graph: ox.Store | graphrows.Rows | str | os.PathLike,
    out_file: str | os.PathLike,
    *,
    focus: str | None = None,
    hops: int = 1,
    target: str | None = None,
    title: str = "stancegraph",
    layouts: LayoutCache | None = None,
) -> ViewReport:
    """Write the HTML view of `graph` to `out_file` atomically (temp file + rename);
    `layouts`: the components laid out before (see layout)."""
    view = make_view(graph, focus=focus, hops=hops, target=target, title=title)
    data = render_html(view, layouts).encode("utf-8")
    out = Path(out_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}-", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    stances = sum(len(e["stances"]) for e in view["edges"])
    entities = view.get("entities", len(view["nodes"]))
    return ViewReport(out, len(view["nodes"]), len(view["edges"]), stances, len(data), entities)
