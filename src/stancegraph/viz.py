"""The interactive HTML view: one self-contained page a reporter can open offline.

Two steps, kept apart so the first can be tested without a browser:

1. `read_view(store)` reads the graph through SPARQL (the shape of docs/graph.md)
   into a *view model* of plain dicts: nodes (entities), edges (one per actor,
   target and polarity, with every stance behind it: quote, article title, date,
   link) and the officials' `org:headOf` / `org:memberOf` links. `focus_view` and
   `target_view` cut an ego view or a one-program view out of it; `layout` gives
   every node a fixed position (networkx), so the browser never runs physics.
2. `render_html(view)` turns the model into a pyvis network and renders it with
   this package's template (`templates/viz.html`): vis-network (shipped inside
   pyvis) and our script and style are inlined, the data sits in
   `<script type="application/json">` elements with `<`, `>`, `&`, U+2028/2029
   escaped, and a Content-Security-Policy allows only those inline scripts (by
   hash) and no network at all. Article text only ever reaches the page through
   `textContent`, never as markup.

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
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
from pyvis.edge import Edge
from pyvis.network import Network
from pyvis.node import Node

from stancegraph import store as sgstore
from stancegraph.model import RELATIONS

SG = "https://w3id.org/stancegraph/ns#"

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

# The legend: one entry per group of types, each with its own shape (so the view reads
# without colour) and a colour from the Okabe–Ito palette (safe for colour-blind readers).
LEGEND = [
    # group, label, vis shape, fill, border, types
    ("jurisdiction", "Jurisdiction", "hexagon", "#009E73", "#00664a", ("jurisdiction",)),
    ("agency", "Law enforcement agency", "square", "#56B4E9", "#1f6f9c", ("agency",)),
    ("government_body", "Government body", "triangle", "#CC79A7", "#8a3f6b", ("government_body",)),
    ("federal_agency", "Federal agency", "triangleDown", "#999999", "#555555", ("federal_agency",)),
    ("official", "Official", "dot", "#E69F00", "#8f6300", ("official",)),
    ("group", "Group", "star", "#444444", "#111111", ("group", "actor")),
    (
        "target",
        "Program / policy / law",
        "diamond",
        "#F0E442",
        "#8a8000",
        ("program", "policy", "law", "practice", "operation", "agency_target", "target"),
    ),
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
}
ORG_LABELS = {
    "http://www.w3.org/ns/org#headOf": "heads",
    "http://www.w3.org/ns/org#memberOf": "member of",
    "https://w3id.org/stancegraph/ns#headOfJurisdiction": "heads",
    "https://w3id.org/stancegraph/ns#officialOf": "official of",
}

SEED = 7  # the layout's random seed: the same graph always gets the same picture
SPRING_MAX = 300  # up to this many nodes: a full spring layout; above: backbone + spirals
BIG_GRAPH = 1500  # above this many edges: straight edges, edges hidden while dragging


STANCES_QUERY = """
SELECT DISTINCT ?stance ?actor ?target ?polarity ?relation ?date ?article ?quote WHERE {
  ?stance a sg:Stance ; sg:actor ?actor ; sg:target ?target .
  OPTIONAL { ?stance sg:polarity ?polarity }
  OPTIONAL { ?stance sg:relation ?relation }
  OPTIONAL { ?stance dcterms:date ?date }
  OPTIONAL { ?stance prov:wasDerivedFrom ?article }
  OPTIONAL { ?stance sg:evidence/oa:hasTarget/oa:hasSelector ?sel . ?sel oa:exact ?quote }
}"""
ARTICLES_QUERY = """SELECT DISTINCT ?article ?doc ?title ?date ?url ?publisher WHERE {
  ?article a schema:NewsArticle .
  OPTIONAL { ?article dcterms:identifier ?doc }
  OPTIONAL { ?article dcterms:title ?title }
  OPTIONAL { ?article dcterms:date ?date }
  OPTIONAL { ?article schema:url ?url }
  OPTIONAL { ?article dcterms:publisher ?p . OPTIONAL { ?p rdfs:label ?pl } }
  BIND(COALESCE(?pl, ?p) AS ?publisher)
}"""
TYPES_QUERY = """SELECT DISTINCT ?e ?type WHERE {
  ?e a ?type . FILTER(STRSTARTS(STR(?type), STR(sg:)))
}"""
LABELS_QUERY = """SELECT DISTINCT ?e ?p ?label WHERE {
  VALUES ?p { rdfs:label skos:prefLabel skos:altLabel sg:role }
  ?e ?p ?label .
}"""
ORG_QUERY = """SELECT DISTINCT ?person ?p ?body WHERE {
  VALUES ?p { org:headOf org:memberOf sg:headOfJurisdiction sg:officialOf }
  ?person ?p ?body .
}"""
BROADER_QUERY = "SELECT DISTINCT ?narrower ?broader WHERE { ?narrower skos:broader ?broader }"


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


# ---------------------------------------------------------------- graph -> view model


def read_view(store: ox.Store, title: str = "stancegraph") -> dict:
    """The whole graph as a view model: {"title", "scope", "focus", "nodes", "edges", "broader"}.

    Nodes are the entities that take or receive a stance, plus the bodies officials
    lead or sit on; edges group the stances by (actor, target, polarity).
    """
    types: dict[str, set[str]] = defaultdict(set)
    for row in sgstore.select(store, TYPES_QUERY):
        types[row["e"]].add(row["type"])
    names: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in sgstore.select(store, LABELS_QUERY):
        if row["label"] is not None:
            names[row["e"]][row["p"].rsplit("#", 1)[-1]].add(row["label"])
    articles = {row["article"]: row for row in sgstore.select(store, ARTICLES_QUERY)}

    stances: dict[str, dict] = {}
    for row in sgstore.select(store, STANCES_QUERY):
        # a stance with two values for one property gives several rows: keep the least
        prev = stances.get(row["stance"])
        stances[row["stance"]] = row if prev is None else _least(prev, row)

    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for sid, row in stances.items():
        polarity = _polarity(row["polarity"], row["relation"])
        article = articles.get(row["article"] or "", {})
        groups[(row["actor"], row["target"], polarity)].append(
            {
                "id": sid,
                "relation": row["relation"] or "",
                "polarity": polarity,
                "date": row["date"] or "",
                "quote": row["quote"] or "",
                "article": row["article"] or "",
                "doc": article.get("doc") or "",
                "title": article.get("title") or "",
                "article_date": article.get("date") or "",
                "url": article.get("url") or "",
                "publisher": article.get("publisher") or "",
            }
        )

    edges: list[dict] = []
    for (actor, target, polarity), items in sorted(groups.items()):
        items.sort(key=lambda s: (s["date"] or s["article_date"], s["doc"], s["id"]))
        relations = sorted({s["relation"] for s in items if s["relation"]})
        edges.append(
            {
                "kind": "stance",
                "from": actor,
                "to": target,
                "polarity": polarity,
                "relations": relations,
                "label": ", ".join(RELATION_LABELS.get(r, r.replace("_", " ")) for r in relations),
                "articles": len({s["article"] or s["id"] for s in items}),
                "years": sorted({(s["date"] or s["article_date"])[:4] for s in items}),
                "stances": items,
            }
        )
    org_rows = sorted(
        (row["person"], row["p"], row["body"]) for row in sgstore.select(store, ORG_QUERY)
    )
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
                "stances": [],
            }
        )
    for i, edge in enumerate(edges):
        edge["id"] = f"e{i}"

    ids = sorted({e["from"] for e in edges} | {e["to"] for e in edges})
    nodes = [_node(iri, types.get(iri, set()), names.get(iri, {})) for iri in ids]
    broader = sorted(
        (row["narrower"], row["broader"]) for row in sgstore.select(store, BROADER_QUERY)
    )
    view = {
        "title": title,
        "scope": "graph",
        "focus": None,
        "nodes": nodes,
        "edges": edges,
        "broader": [list(pair) for pair in broader],
    }
    _count_degrees(view)
    return view


def _least(a: dict, b: dict) -> dict:
    return {k: min((v for v in (a[k], b[k]) if v is not None), default=None) for k in a}


def _polarity(value: str | None, relation: str | None) -> str:
    if value == SG + "Oppose":
        return "oppose"
    if value == SG + "Support":
        return "support"
    return RELATIONS.get(relation or "") or "unknown"


def _node(iri: str, classes: set[str], names: dict[str, set[str]]) -> dict:
    kind = next((t for cls, t in CLASS_TYPES if cls in classes), "actor")
    labels = sorted(names.get("label", ())) or sorted(names.get("prefLabel", ()))
    label = labels[0] if labels else _iri_tail(iri)
    aliases = sorted((names.get("altLabel", set()) | set(labels[1:])) - {label})
    roles = sorted(names.get("role", ()))
    return {
        "id": iri,
        "label": label,
        "type": kind,
        "group": GROUP_OF.get(kind, "group"),
        "aliases": aliases,
        "role": ", ".join(roles),
    }


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
    _count_degrees(out)
    return out


# ---------------------------------------------------------------- layout


def layout(view: dict) -> dict[str, tuple[float, float]]:
    """Fixed positions (in vis-network pixels) for every node, deterministic.

    Each connected component is laid out on its own (so a typical link is about
    LINK px long whatever the graph's shape), then the components are packed in
    rows, biggest first. A component of up to SPRING_MAX nodes gets networkx's
    seeded spring layout; a bigger one would cost O(n²) per iteration, so only its
    backbone (the best-connected SPRING_MAX nodes) gets one and every other node is
    placed on a sunflower spiral around a placed neighbour, breadth first: O(n).
    """
    graph = nx.Graph()
    graph.add_nodes_from(n["id"] for n in view["nodes"])
    graph.add_edges_from(sorted((e["from"], e["to"]) for e in view["edges"]))
    parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c))
    boxes = [_component_layout(graph if len(c) == len(graph) else _induced(graph, c), c)
             for c in parts]  # fmt: skip
    return _pack(boxes)


LINK = 150.0  # px: the length of a typical link
GAP = 120.0  # px between packed components


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
        return {ids[0]: (0.0, -LINK / 2), ids[1]: (0.0, LINK / 2)}  # labels sit below nodes
    if len(ids) <= SPRING_MAX:
        pos = nx.spring_layout(graph, seed=SEED, iterations=80)
        lengths = sorted(math.dist(pos[u], pos[v]) for u, v in graph.edges if u != v)
        scale = LINK / max(lengths[len(lengths) // 2], 1e-3)
        return {n: (pos[n][0] * scale, pos[n][1] * scale) for n in ids}

    degree = dict(graph.degree())
    best = sorted(ids, key=lambda n: (-degree[n], n))[:SPRING_MAX]
    # only the backbone's biggest connected part: a node cut off from it would be pushed
    # to the far edge; breadth first from the backbone places it beside a neighbour instead
    core = max(nx.connected_components(_induced(graph, best)), key=lambda c: (len(c), min(c)))
    backbone = [n for n in best if n in core]
    pos = nx.spring_layout(_induced(graph, backbone), seed=SEED, iterations=80)
    spread = 2.5 * LINK * math.sqrt(len(ids) / 5.0)
    placed = {n: (pos[n][0] * spread, pos[n][1] * spread) for n in backbone}
    children: Counter[str] = Counter()
    golden = math.pi * (3.0 - math.sqrt(5.0))
    frontier = backbone
    while frontier:
        next_frontier: list[str] = []
        for parent in frontier:
            for child in sorted(graph.neighbors(parent)):
                if child in placed:
                    continue
                k = children[parent]
                children[parent] += 1
                px, py = placed[parent]
                r, a = 45.0 + 24.0 * math.sqrt(k), k * golden
                placed[child] = (px + r * math.cos(a), py + r * math.sin(a))
                next_frontier.append(child)
        frontier = next_frontier
    return placed


def _pack(boxes: list[dict[str, tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    """Place laid-out components in rows (a shelf packing), left to right, top to bottom."""
    if not boxes:
        return {}
    sized = []
    for pos in boxes:
        xs = [x for x, _ in pos.values()]
        ys = [y for _, y in pos.values()]
        sized.append((pos, min(xs), min(ys), max(xs) - min(xs) + GAP, max(ys) - min(ys) + GAP))
    row_width = max(max(w for *_, w, _ in sized), math.sqrt(sum(w * h for *_, w, h in sized)))
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


def render_html(view: dict) -> str:
    """The page for a view model: one self-contained HTML document, deterministic.

    The data is kept lean (a 5,000-node graph must stay well under 10 MB): node styles
    are vis-network groups, articles are listed once and stances point at them, and the
    panel's per-edge data does not repeat what the vis edge already holds.
    """
    positions = layout(view)
    big = len(view["edges"]) > BIG_GRAPH
    net = _Network(height="100%", width="100%", directed=True, heading=view["title"])
    net.set_template_dir(str(_templates()), "viz.html")
    for n in view["nodes"]:
        x, y = positions[n["id"]]
        net.add_node(
            n["id"],
            label=n["label"],
            shape=STYLE[n["group"]][0],
            group=n["group"],
            size=round(min(40.0, 9.0 + 3.0 * math.sqrt(n["degree"])), 1),
            x=x,
            y=y,
            title=_node_summary(n),
        )
    labels = {n["id"]: n["label"] for n in view["nodes"]}
    pair_count: Counter[frozenset[str]] = Counter()
    articles: dict[str, int] = {}
    article_list: list[dict] = []
    panel_edges: dict[str, dict] = {}
    for e in view["edges"]:
        options = {
            "id": e["id"],
            "label": e["label"],
            "color": ORG_COLOUR if e["kind"] == "org" else POLARITY_COLOURS[e["polarity"]],
            "width": _edge_width(e),
            "title": _edge_summary(e, labels),
        }
        if e["kind"] == "org":
            options["dashes"] = True
        pair = frozenset((e["from"], e["to"]))
        if pair_count[pair]:  # a second edge between the same two nodes: bend it so both show
            options["smooth"] = {"type": "curvedCW", "roundness": 0.25 * pair_count[pair]}
        pair_count[pair] += 1
        net.add_edge(e["from"], e["to"], **options)
        stances = []
        for st in e["stances"]:
            key = st["article"] or st["doc"] or st["id"]
            if key not in articles:
                articles[key] = len(article_list)
                article_list.append(
                    {k: st[k] for k in ("doc", "title", "url", "publisher")}
                    | {"date": st["article_date"]}
                )
            stances.append(
                {"relation": st["relation"], "date": st["date"], "quote": st["quote"]}
                | {"article": articles[key]}
            )
        panel_edges[e["id"]] = {
            "kind": e["kind"],
            "polarity": e["polarity"],
            "years": e["years"],
            "stances": stances,
        }

    page = {
        "title": view["title"],
        "scope": view["scope"],
        "focus": view["focus"],
        "legend": [
            {"group": g, "label": label, "shape": shape, "fill": fill, "border": border}
            for g, label, shape, fill, border, _ in LEGEND
        ],
        "colours": {**POLARITY_COLOURS, "org": ORG_COLOUR},
        "nodes": {n["id"]: {k: n[k] for k in ("type", "aliases", "role")} for n in view["nodes"]},
        "edges": panel_edges,
        "articles": article_list,
        "narrower": _narrower(view),
        "options": _vis_options(big),
    }
    assets = {name: _asset(name) for name in ("viz.js", "viz.css")}
    vis_js = (_vis_dir() / "vis-network.min.js").read_text(encoding="utf-8")
    # no source map: DevTools would try to fetch it, and the page fetches nothing
    vis_js = re.sub(r"\n//# sourceMappingURL=\S*\s*$", "\n", vis_js)
    for name, text in (("vis-network.min.js", vis_js), ("viz.js", assets["viz.js"])):
        if re.search(r"</script|<!--", text, re.IGNORECASE):
            raise ViewError(f"{name} cannot be inlined: it contains </script or <!--")
    net.templateEnv.filters["script_json"] = script_json
    net.templateEnv.globals.update(
        page=page,
        vis_js=vis_js,
        viz_js=assets["viz.js"],
        viz_css=assets["viz.css"],
        csp=_csp(scripts=[vis_js, assets["viz.js"]], styles=[assets["viz.css"]]),
    )
    return net.generate_html(name="index.html")


class _Network(Network):
    """pyvis's Network, with O(1) checks in add_node and add_edge.

    pyvis 0.3.2 looks nodes up in a list for every node and edge it adds, which is
    quadratic: 3 s of a 5,000-node page and most of a 20,000-node one. These make the
    same node and edge dicts (pyvis's Node and Edge) in linear time.
    """

    def add_node(self, n_id, label=None, shape="dot", **options):
        if n_id in self.node_map:
            return
        node = Node(n_id, shape, label=label or n_id, font_color=self.font_color, **options)
        self.nodes.append(node.options)
        self.node_ids.append(n_id)
        self.node_map[n_id] = node.options

    def add_edge(self, source, to, **options):
        for end in (source, to):
            if end not in self.node_map:
                raise ValueError(f"non existent node {end!r}")
        self.edges.append(Edge(source, to, self.directed, **options).options)


def _narrower(view: dict) -> dict[str, list[str]]:
    """Target -> the targets in the view that are forms of it (skos:broader, transitively),
    so that filtering on 287(g) also shows the Warrant Service Officer program."""
    ids = {n["id"] for n in view["nodes"]}
    tree = nx.DiGraph((b, n) for n, b in view.get("broader", []))
    out = {}
    for t in sorted(ids & set(tree)):
        below = sorted(nx.descendants(tree, t) & ids)
        if below:
            out[t] = below
    return out


def _node_summary(n: dict) -> str:
    """The hover text: plain text (vis-network shows a string with innerText)."""
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
    return f"{head}\n{e['polarity']}: {n} article{'s' * (n != 1)}{when}\nclick for the quotes"


def _edge_width(e: dict) -> float:
    if e["kind"] == "org":
        return 1.5
    return round(1.5 + 2.0 * math.log2(max(1, e["articles"])), 2)


def _vis_options(big: bool) -> dict:
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": SEED},
        "interaction": {
            "hover": not big,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "multiselect": False,
            "navigationButtons": False,
        },
        "groups": {
            group: {
                "shape": shape,
                "color": {
                    "background": fill,
                    "border": border,
                    "highlight": {"background": fill, "border": "#000000"},
                    "hover": {"background": fill, "border": "#000000"},
                },
            }
            for group, (shape, fill, border) in STYLE.items()
        },
        "nodes": {
            "font": {"size": 14, "face": "sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
            "borderWidth": 1.5,
            "borderWidthSelected": 3,
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
            # "horizontal": vis-network 9.1 misplaces "middle"-aligned labels of level edges
            "font": {"size": 11, "face": "sans-serif", "align": "horizontal", "strokeWidth": 3},
            "smooth": False,
            "selectionWidth": 2,
        },
    }


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


def _csp(scripts: Iterable[str], styles: Iterable[str]) -> str:
    """A policy that lets only our own inline scripts and styles run, and fetches nothing."""

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(digest(s) for s in scripts),
            "style-src " + " ".join(digest(s) for s in styles),
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def _templates():
    return resources.files("stancegraph") / "templates"


def _asset(name: str) -> str:
    return (_templates() / name).read_text(encoding="utf-8")


def _vis_dir() -> Path:
    """vis-network as pyvis ships it (pyvis/lib/vis-9.1.2): no copy, no CDN."""
    import pyvis

    return Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"


# ---------------------------------------------------------------- all together


def make_view(
    graph: ox.Store | str | os.PathLike,
    *,
    focus: str | None = None,
    hops: int = 1,
    target: str | None = None,
    title: str = "stancegraph",
) -> dict:
    """Open the graph (a store, a store directory, a graph folder or an RDF file) and cut
    the view asked for. Raises ViewError or store.StoreError."""
    if focus is not None and target is not None:
        raise ViewError("give --focus or --target, not both")
    store = graph if isinstance(graph, ox.Store) else sgstore.open_store(Path(graph))
    view = read_view(store, title=title)
    if focus is not None:
        view = focus_view(view, focus, hops)
    elif target is not None:
        view = target_view(view, target)
    return view


def write_view(
    graph: ox.Store | str | os.PathLike,
    out_file: str | os.PathLike,
    *,
    focus: str | None = None,
    hops: int = 1,
    target: str | None = None,
    title: str = "stancegraph",
) -> ViewReport:
    """Write the HTML view of `graph` to `out_file` atomically (temp file + rename)."""
    view = make_view(graph, focus=focus, hops=hops, target=target, title=title)
    data = render_html(view).encode("utf-8")
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
    return ViewReport(out, len(view["nodes"]), len(view["edges"]), stances, len(data))
