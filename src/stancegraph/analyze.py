"""Network analysis of the stance graph: the patterns no single article shows.

    from stancegraph import analyze, graphviews, store
    data = graphviews.load(store.open_store(Path("graph")))
    report = analyze.analyze(data, top=10)      # a JSON-ready dict
    print(analyze.render_text(report))

The report has six parts, each deterministic (sorted output, fixed seeds):

- coalitions: Louvain communities of the positive part of the actor agreement graph,
  each with its members and the (target, stance) pairs that bind it, plus the
  structural balance of the signed graph (share of triangles with an even number of
  disagreements: "the enemy of my enemy is my friend");
- central actors: degree, weighted PageRank and betweenness on the stance graph;
- contested targets: support against opposition per program, policy, law...;
- changes of position: the same actor, or the same jurisdiction once officials,
  agencies and bodies are rolled up to it, taking opposite stances at different
  dates on one topic (a target together with its broader and narrower forms);
- roll-up: per state and target, the jurisdictions opposing and supporting it;
- disagreements between sources: articles reporting opposite stances for the same
  actor, target and date.

`analysis_ntriples` turns coalitions and centrality into triples for the
<…/id/graph/analysis> named graph (`stancegraph analyze --write`).
"""

from __future__ import annotations

import heapq
import random
import time
from collections import Counter, defaultdict

import networkx as nx

from stancegraph.graphviews import (
    GraphData,
    StanceRow,
    agreement,
    agreement_graph,
    ancestors,
    jurisdiction_of,
    state_of,
    topics,
)
from stancegraph.model import DEFAULT_BASE_IRI

SEED = 42  # Louvain and sampled betweenness: fixed, so the same graph gives the same report
RESOLUTION = 1.0  # Louvain resolution (higher: more, smaller coalitions)
BETWEENNESS_BUDGET = 1_000_000  # edge visits; above it betweenness samples pivots (fixed seed)
EXACT_BALANCE_MAX = 100_000  # agreement edges; above it balance is estimated...
BALANCE_SAMPLE = 5_000  # ...from this many sampled edges (fixed seed)


def analyze(
    data: GraphData,
    top: int = 10,
    seed: int = SEED,
    resolution: float = RESOLUTION,
    timings: dict[str, float] | None = None,
    scores: dict | None = None,
) -> dict:
    """The whole report as a JSON-ready dict. `timings` (if given) gets seconds per part;
    `scores` (if given) gets every actor's centrality, for `write_results`."""
    timings = timings if timings is not None else {}
    scores = scores if scores is not None else {}

    def timed(name, fn, *args, **kwargs):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        timings[f"  {name}"] = time.perf_counter() - t0
        return out

    agree = timed("agreement graph", agreement, data)
    signed = timed("agreement graph (nx)", agreement_graph, data, agree)
    scores.update(timed("centrality", centrality_scores, data, seed))
    return {
        "graph": {
            "stances": len(data.stances),
            "actors": len(data.actors()),
            "targets": len(data.targets()),
            "articles": len({s.article or s.doc for s in data.stances}),
            "agreement_pairs": len(agree.pairs),
            # None: every agreement tie kept; else each actor kept its N strongest per sign
            "agreement_ties_per_actor": agree.max_partners if agree.pruned else None,
        },
        "coalitions": timed("coalitions", coalitions, data, signed, seed, resolution),
        "balance": timed("structural balance", structural_balance, signed, seed),
        "central_actors": central_actors(data, top, seed, scores),
        "contested_targets": timed("contested targets", contested_targets, data),
        "changes": timed("changes of position", changes_of_position, data),
        "rollup": timed("roll-up", rollup, data),
        "disagreements": timed("source disagreements", source_disagreements, data),
    }


def _ref(data: GraphData, iri: str | None) -> dict | None:
    """An entity as the report names it: IRI, label and type."""
    if iri is None:
        return None
    attrs = data.entities.get(iri, {})
    return {
        "id": iri,
        "label": data.label(iri),
        "type": attrs.get("actor_type") or attrs.get("target_type"),
    }


# ---------------------------------------------------------------- coalitions and balance


def coalitions(
    data: GraphData, signed: nx.Graph, seed: int = SEED, resolution: float = RESOLUTION
) -> list[dict]:
    """Coalitions of actors, largest first, in two steps.

    1. Blocs: Louvain communities of the agreement graph's positive edges (actors who
       take the same stances on the same targets).
    2. Coalitions: blocs joined greedily, strongest first, while the evidence pairs
       between them agree more than they disagree (sum linkage on the signed graph). Two
       blocs that each oppose a different federal program, with one member in common
       cause, end up in one coalition; blocs on opposite sides never merge.

    Actors that agree with nobody form no coalition and are left out. A coalition's
    binding targets are the (target, stance) pairs shared by at least two members.
    """
    positive = nx.Graph()
    positive.add_edges_from(
        (u, v, {"weight": d["agree"]}) for u, v, d in signed.edges(data=True) if d["sign"] > 0
    )
    if positive.number_of_edges() == 0:
        return []
    communities = nx.community.louvain_communities(
        positive, weight="weight", resolution=resolution, seed=seed
    )
    blocs = sorted((sorted(c) for c in communities), key=lambda c: (-len(c), c))
    groups = [sorted(m for b in merged for m in blocs[b]) for merged in _merge_blocs(signed, blocs)]
    groups = sorted((g for g in groups if len(g) > 1), key=lambda c: (-len(c), c))
    bloc_of = {m: i for i, b in enumerate(blocs) for m in b}
    held: dict[str, Counter] = defaultdict(Counter)  # actor -> (target, stance) -> evidence
    for s in data.stances:
        held[s.actor][(s.target, s.stance)] += 1
    out = []
    for i, members in enumerate(groups, 1):
        binding: Counter = Counter()
        evidence: Counter = Counter()
        for m in members:
            for key, n in held[m].items():
                binding[key] += 1
                evidence[key] += n
        binds = sorted(
            (k for k, n in binding.items() if n >= 2),
            key=lambda k: (-binding[k], -evidence[k], data.label(k[0]), k),
        )
        member_blocs = sorted({bloc_of[m] for m in members})
        out.append(
            {
                "id": i,
                "size": len(members),
                "name": _coalition_name(data, binds),
                "members": sorted(
                    (_ref(data, m) for m in members), key=lambda r: (r["label"], r["id"])
                ),
                "binding_targets": [
                    {
                        "target": _ref(data, t),
                        "stance": st,
                        "members": binding[(t, st)],
                        "evidence": evidence[(t, st)],
                    }
                    for t, st in binds
                ],
                "blocs": [_labels(data, blocs[b]) for b in member_blocs],
            }
        )
    return out


def _merge_blocs(signed: nx.Graph, blocs: list[list[str]]) -> list[list[int]]:
    """Greedy agglomeration of blocs on net agreement (agree − disagree evidence pairs)."""
    bloc_of = {m: i for i, b in enumerate(blocs) for m in b}
    net: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for u, v, d in signed.edges(data=True):
        bu, bv = bloc_of.get(u), bloc_of.get(v)
        if bu is None or bv is None or bu == bv:
            continue
        net[bu][bv] += d["agree"] - d["disagree"]
        net[bv][bu] += d["agree"] - d["disagree"]
    members = {i: [i] for i in range(len(blocs))}
    heap = [(-w, i, j) for i in net for j, w in net[i].items() if i < j and w > 0]
    heapq.heapify(heap)
    while heap:
        w, i, j = heapq.heappop(heap)
        if i not in members or j not in members or net[i].get(j) != -w:
            continue  # stale: one side merged since, or the weight changed
        members[i].extend(members.pop(j))  # j joins i (i < j keeps ids stable)
        row_j = net.pop(j)
        row_j.pop(i, None)
        net[i].pop(j, None)
        for k, wk in row_j.items():
            net[k].pop(j, None)
            net[i][k] += wk
            net[k][i] = net[i][k]
        for k, wk in net[i].items():
            if wk > 0:
                heapq.heappush(heap, (-wk, min(i, k), max(i, k)))
    return [sorted(m) for _, m in sorted(members.items())]


def _coalition_name(data: GraphData, binds: list[tuple[str, str]]) -> str:
    if not binds:
        return "(no shared target)"
    parts: dict[str, list[str]] = defaultdict(list)
    for t, st in binds[:4]:
        parts[st].append(data.label(t))
    return "; ".join(f"{st} {', '.join(labels)}" for st, labels in sorted(parts.items()))


def structural_balance(signed: nx.Graph, seed: int = SEED) -> dict:
    """Share of balanced triangles in the signed agreement graph (Cartwright–Harary).

    A triangle is balanced when the product of its signs is positive (all agree, or two
    agree and both disagree with the third). Up to EXACT_BALANCE_MAX edges every triangle
    is counted, with sparse matrix products: trace(A³) sums the sign products and
    trace(|A|³) counts the triangles (each six times). Above it, BALANCE_SAMPLE edges
    drawn with a fixed seed are checked against all their common neighbours: each triangle
    is equally likely to be seen, so the share is an unbiased ratio estimate.
    """
    pos = sum(1 for *_, d in signed.edges(data=True) if d["sign"] > 0)
    m = signed.number_of_edges()
    result = {"positive_edges": pos, "negative_edges": m - pos, "triangles": 0, "balanced": 0}
    if m > EXACT_BALANCE_MAX:
        edges = sorted((min(u, v), max(u, v)) for u, v in signed.edges())
        sample = random.Random(seed).sample(edges, BALANCE_SAMPLE)
        adj = signed.adj
        seen = balanced = 0
        for u, v in sample:
            s_uv = adj[u][v]["sign"]
            small, big = sorted((adj[u], adj[v]), key=len)  # hubs have 10⁴ neighbours
            for w, d in small.items():
                if w in big:
                    seen += 1
                    balanced += s_uv * d["sign"] * big[w]["sign"] > 0
        scale = m / (3 * BALANCE_SAMPLE)  # each triangle has three edges to be drawn by
        result.update(
            triangles=round(seen * scale),
            balanced=round(balanced * scale),
            sampled_edges=BALANCE_SAMPLE,
        )
    elif m >= 3:
        nodes = sorted(signed)
        a = nx.to_scipy_sparse_array(signed, nodelist=nodes, weight="sign", format="csr")
        a_abs = abs(a)
        total = signed_sum = 0
        for start in range(0, a.shape[0], 1024):  # in row blocks: A·A is denser than A
            block = slice(start, start + 1024)
            total += (a_abs[block] @ a_abs).multiply(a_abs[block]).sum()
            signed_sum += (a[block] @ a).multiply(a[block]).sum()
        result["triangles"] = int(round(total / 6))
        result["balanced"] = (result["triangles"] + int(round(signed_sum / 6))) // 2
    tri = result["triangles"]
    result["score"] = round(result["balanced"] / tri, 4) if tri else None
    return result


# ---------------------------------------------------------------- centrality


def centrality_scores(data: GraphData, seed: int = SEED) -> dict[str, dict[str, float]]:
    """Every actor's degree (distinct targets), evidence-weighted PageRank and betweenness on
    the undirected stance graph (actors and targets, one edge per actor–target pair)."""
    g = nx.Graph()
    for s in data.stances:
        if g.has_edge(s.actor, s.target):
            g[s.actor][s.target]["weight"] += 1
        else:
            g.add_edge(s.actor, s.target, weight=1)
    if g.number_of_nodes() == 0:
        return {"degree": {}, "pagerank": {}, "betweenness": {}, "pivots": 0}
    pagerank = nx.pagerank(g, weight="weight")
    # Brandes' algorithm does one search per node; past the budget, a fixed-seed sample of
    # pivots (at least 16) estimates the same scores (Brandes & Pich 2007).
    n, m = g.number_of_nodes(), g.number_of_edges()
    k = None if n * m <= BETWEENNESS_BUDGET else max(16, min(n, BETWEENNESS_BUDGET // m))
    betweenness = nx.betweenness_centrality(g, k=k, seed=seed, normalized=True)
    actors = data.actors()
    return {
        "degree": {a: g.degree(a) for a in actors},
        "pagerank": {a: round(pagerank[a], 6) for a in actors},
        "betweenness": {a: round(betweenness[a], 6) for a in actors},
        "pivots": k or n,
    }


def central_actors(
    data: GraphData, top: int = 10, seed: int = SEED, scores: dict | None = None
) -> dict:
    """The top actors by degree, PageRank and betweenness (see `centrality_scores`)."""
    scores = scores if scores is not None else centrality_scores(data, seed)

    def ranked(measure: str) -> list[dict]:
        rows = sorted(scores[measure].items(), key=lambda r: (-r[1], data.label(r[0]), r[0]))
        return [{**_ref(data, a), "score": v} for a, v in rows[:top]]

    return {
        "degree": ranked("degree"),
        "pagerank": ranked("pagerank"),
        "betweenness": ranked("betweenness"),
        "betweenness_pivots": scores["pivots"],
    }


# ---------------------------------------------------------------- contested targets


def contested_targets(data: GraphData) -> list[dict]:
    """Support and opposition per target (stances and distinct actors), most contested first.

    balance = (supporting − opposing actors) / all actors taking a position: +1 all for,
    −1 all against, 0 evenly split. Order: targets with both sides first, by the size of
    the smaller side, then by how many actors take a position.
    """
    by_target: dict[str, dict[str, set | int]] = defaultdict(
        lambda: {"support": 0, "oppose": 0, "support_actors": set(), "oppose_actors": set()}
    )
    for s in data.stances:
        row = by_target[s.target]
        row[s.stance] += 1
        row[f"{s.stance}_actors"].add(s.actor)
    out = []
    for t, row in by_target.items():
        sa, oa = len(row["support_actors"]), len(row["oppose_actors"])
        out.append(
            {
                "target": _ref(data, t),
                "support": row["support"],
                "oppose": row["oppose"],
                "support_actors": sa,
                "oppose_actors": oa,
                "balance": round((sa - oa) / (sa + oa), 4),
                "supporters": _labels(data, row["support_actors"]),
                "opponents": _labels(data, row["oppose_actors"]),
            }
        )
    out.sort(
        key=lambda r: (
            -min(r["support_actors"], r["oppose_actors"]),
            -(r["support_actors"] + r["oppose_actors"]),
            r["target"]["label"],
            r["target"]["id"],
        )
    )
    return out


def _labels(data: GraphData, iris) -> list[str]:
    return sorted(data.label(i) for i in iris)


# ---------------------------------------------------------------- changes of position


def _overlaps(d1: str, d2: str) -> bool:
    """Dates of different precision overlap when one is a prefix of the other (2019, 2019-05)."""
    return d1.startswith(d2) or d2.startswith(d1)


def changes_of_position(data: GraphData) -> list[dict]:
    """Actors, and jurisdictions after roll-up, that took opposite stances at different dates
    on one topic. A topic is a root of the target hierarchy (skos:broader), so declining the
    WSO program counts against an earlier request to cooperate with ICE when the program is a
    form of that cooperation. Each change lists its dated steps in order, with evidence.
    """
    groups: dict[tuple[str, str, str], list[StanceRow]] = defaultdict(list)
    for s in data.stances:
        if not s.date:
            continue
        roots = topics(data, s.target)
        juris = jurisdiction_of(data, s.actor, s.on_behalf_of)
        for root in roots:
            groups[("actor", s.actor, root)].append(s)
            if juris:
                groups[("jurisdiction", juris, root)].append(s)
    out = []
    seen_steps: set[tuple] = set()
    for (level, who, root), rows in sorted(groups.items()):
        if not _is_change(data, rows):
            continue
        steps = _steps(data, rows)
        signature = (root, tuple(r.iri for r in sorted(rows, key=lambda r: r.iri)))
        if level == "jurisdiction" and signature in seen_steps:
            continue  # nothing rolled up: the actor-level change says it already
        seen_steps.add(signature)
        out.append(
            {
                "level": level,
                "actor": _ref(data, who),
                "topic": _ref(data, root),
                "pattern": _pattern(rows),
                "first_date": steps[0]["date"],
                "last_date": steps[-1]["date"],
                "steps": steps,
            }
        )
    out.sort(key=lambda c: (c["level"] != "jurisdiction", c["actor"]["label"], c["topic"]["label"]))
    return out


def _is_change(data: GraphData, rows: list[StanceRow]) -> bool:
    """A change: a stance, then a surely later one (dates that do not overlap) of the other
    side on the same target or one above or below it in the hierarchy. Both sides on one
    date is no change, nor are opposite stances on two sibling programs."""
    support = [r for r in rows if r.stance == "support"]
    oppose = [r for r in rows if r.stance == "oppose"]
    return any(
        not _overlaps(a.date, b.date) and _related(data, a.target, b.target)
        for a in support
        for b in oppose
    )


def _related(data: GraphData, t1: str, t2: str) -> bool:
    return t1 == t2 or t2 in ancestors(data, t1) or t1 in ancestors(data, t2)


def _steps(data: GraphData, rows: list[StanceRow]) -> list[dict]:
    merged: dict[tuple, list[StanceRow]] = defaultdict(list)
    for r in rows:
        merged[(r.date, r.stance, r.target, r.actor)].append(r)
    steps = []
    for (date, stance, target, actor), rs in sorted(
        merged.items(), key=lambda kv: (kv[0][0], kv[0][1], data.label(kv[0][2]), kv[0][3])
    ):
        first = min(rs, key=lambda r: (r.doc or "", r.iri))
        steps.append(
            {
                "date": date,
                "date_from_article": first.date_from_article,  # no date in the text itself
                "stance": stance,
                "relation": first.relation,
                "target": _ref(data, target),
                "actor": _ref(data, actor),
                "doc": first.doc,
                "evidence": first.evidence,
                "evidence_count": len(rs),
            }
        )
    return steps


def _pattern(rows: list[StanceRow]) -> str:
    """'oppose (2014) → support (2015) → oppose (2019-05)': the position at each date."""
    by_date: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        by_date[r.date].add(r.stance)
    parts: list[tuple[str, list[str]]] = []
    for date in sorted(by_date):
        pos = "mixed" if len(by_date[date]) > 1 else next(iter(by_date[date]))
        if parts and parts[-1][0] == pos:
            parts[-1][1].append(date)
        else:
            parts.append((pos, [date]))
    return " → ".join(
        f"{pos} ({dates[0]}{'…' + dates[-1] if len(dates) > 1 else ''})" for pos, dates in parts
    )


# ---------------------------------------------------------------- roll-up


def rollup(data: GraphData) -> list[dict]:
    """Per state and target, the jurisdictions that oppose and support it, once each
    stance of an official, agency or body is credited to the jurisdiction it acts for."""
    table: dict[tuple[str | None, str], dict[str, set[str]]] = defaultdict(
        lambda: {"oppose": set(), "support": set()}
    )
    for s in data.stances:
        juris = jurisdiction_of(data, s.actor, s.on_behalf_of)
        if juris is None:
            continue
        table[(state_of(data, juris), s.target)][s.stance].add(juris)
    out = [
        {
            "state": state,
            "target": _ref(data, target),
            "oppose": len(sides["oppose"]),
            "support": len(sides["support"]),
            "opposing": _labels(data, sides["oppose"]),
            "supporting": _labels(data, sides["support"]),
        }
        for (state, target), sides in table.items()
    ]
    out.sort(key=lambda r: (r["state"] is None, r["state"] or "", r["target"]["label"]))
    return out


# ---------------------------------------------------------------- source disagreements


def source_disagreements(data: GraphData) -> list[dict]:
    """Two articles reporting opposite stances of the same actor on the same target and date."""
    groups: dict[tuple[str, str, str], list[StanceRow]] = defaultdict(list)
    for s in data.stances:
        if s.date:
            groups[(s.actor, s.target, s.date)].append(s)
    out = []
    for (actor, target, date), rows in groups.items():
        sides = {st: [r for r in rows if r.stance == st] for st in ("oppose", "support")}
        docs = {st: {r.doc for r in rs} for st, rs in sides.items()}
        if not sides["oppose"] or not sides["support"]:
            continue
        if not any(a != b for a in docs["oppose"] for b in docs["support"]):
            continue  # one article reports both: a change within it, not a disagreement
        out.append(
            {
                "actor": _ref(data, actor),
                "target": _ref(data, target),
                "date": date,
                **{
                    st: [
                        {"doc": r.doc, "evidence": r.evidence}
                        for r in sorted(rs, key=lambda r: (r.doc or "", r.iri))
                    ]
                    for st, rs in sides.items()
                },
            }
        )
    out.sort(key=lambda r: (r["actor"]["label"], r["target"]["label"], r["date"]))
    return out


# ---------------------------------------------------------------- text report


def render_text(report: dict, top: int = 10) -> str:
    """A readable report; each list is cut at `top` entries with a count of the rest."""
    lines: list[str] = []
    g = report["graph"]
    lines.append(
        f"{g['stances']} stances, {g['actors']} actors, {g['targets']} targets, "
        f"{g['articles']} articles"
    )

    def section(title: str, rows: list, fmt) -> None:
        lines.append("")
        lines.append(f"== {title}")
        if not rows:
            lines.append("  (none)")
        for row in rows[:top]:
            lines.extend(fmt(row))
        if len(rows) > top:
            lines.append(f"  … and {len(rows) - top} more")

    def fmt_coalition(c):
        names = ", ".join(m["label"] for m in c["members"][: max(top, 12)])
        more = f" (+{c['size'] - 12})" if c["size"] > max(top, 12) else ""
        out = [f"  {c['id']}. {c['name']}  [{c['size']} members]", f"     members: {names}{more}"]
        for b in c["binding_targets"][:5]:
            out.append(f"     binds: {b['stance']} {b['target']['label']} ({b['members']} members)")
        return out

    section("Coalitions", report["coalitions"], fmt_coalition)
    b = report["balance"]
    score = "n/a" if b["score"] is None else f"{b['score']:.2f}"
    lines.append(
        f"  structural balance: {score} ({b['balanced']} of {b['triangles']} triangles balanced; "
        f"{b['positive_edges']} agreeing, {b['negative_edges']} disagreeing pairs)"
    )
    lines.append("")
    lines.append("== Central actors")
    for measure in ("degree", "pagerank", "betweenness"):
        rows = report["central_actors"][measure][:top]
        lines.append(f"  {measure}:")
        lines.extend(f"    {r['score']:<10} {r['label']}" for r in rows)
    section(
        "Contested targets",
        report["contested_targets"],
        lambda r: [
            f"  {r['target']['label']}: {r['support_actors']} for, {r['oppose_actors']} against "
            f"(balance {r['balance']:+.2f}; {r['support']}/{r['oppose']} stances)"
        ],
    )

    def fmt_change(c):
        out = [f"  {c['actor']['label']} [{c['level']}] on {c['topic']['label']}: {c['pattern']}"]
        for s in c["steps"][:6]:
            via = "" if s["actor"]["id"] == c["actor"]["id"] else f" via {s['actor']['label']}"
            out.append(f"     {s['date']}: {s['stance']} {s['target']['label']}{via} ({s['doc']})")
        return out

    section("Changes of position", report["changes"], fmt_change)
    section(
        "Roll-up by state",
        report["rollup"],
        lambda r: [
            f"  {r['state'] or '(state unknown)'} / {r['target']['label']}: "
            f"{r['oppose']} jurisdictions against, {r['support']} for"
        ],
    )
    section(
        "Disagreements between sources",
        report["disagreements"],
        lambda r: [
            f"  {r['actor']['label']} on {r['target']['label']} ({r['date']}): "
            f"oppose in {', '.join(sorted({x['doc'] for x in r['oppose']}))}; "
            f"support in {', '.join(sorted({x['doc'] for x in r['support']}))}"
        ],
    )
    if report.get("registry"):
        lines.extend(render_registry(report["registry"], top))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- results as RDF

SG = "https://w3id.org/stancegraph/ns#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"

# The terms the analysis graph uses, described in the graph itself so it reads on its own.
ANALYSIS_TERMS = {
    "Coalition": ("coalition", "A community of actors that take the same stances (Louvain)."),
    "coalitionOpposes": ("coalition opposes", "A target that at least two members oppose."),
    "coalitionSupports": ("coalition supports", "A target that at least two members support."),
    "degreeCentrality": ("degree", "How many distinct targets the actor took a stance on."),
    "pageRank": ("PageRank", "Evidence-weighted PageRank on the stance graph."),
    "betweenness": ("betweenness", "Normalised betweenness centrality on the stance graph."),
    "structuralBalance": ("structural balance", "Share of balanced agreement triangles."),
}


def analysis_graph_iri(base: str = DEFAULT_BASE_IRI) -> str:
    return f"{base}graph/analysis"


def analysis_ntriples(
    report: dict, centrality: dict[str, dict[str, float]], base: str = DEFAULT_BASE_IRI
) -> bytes:
    """Coalition membership and centrality as sorted N-Triples (deterministic bytes)."""

    def lit(value, dtype: str) -> str:
        return f'"{value}"^^<{XSD}{dtype}>'

    def text(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    triples: set[str] = set()

    def add(s: str, p: str, o: str) -> None:
        triples.add(f"<{s}> <{p}> {o} .")

    for name, (label, comment) in ANALYSIS_TERMS.items():
        add(SG + name, RDFS + "label", text(label) + "@en")
        add(SG + name, RDFS + "comment", text(comment) + "@en")
    run = f"{base}analysis"
    add(run, RDF_TYPE, f"<{PROV}Activity>")
    add(run, RDFS + "label", text("stancegraph analyze"))
    score = report["balance"]["score"]
    if score is not None:
        add(run, SG + "structuralBalance", lit(score, "decimal"))
    for c in report["coalitions"]:
        iri = f"{base}coalition/{c['id']}"
        add(iri, RDF_TYPE, f"<{SG}Coalition>")
        add(iri, RDF_TYPE, f"<{ORG}OrganizationalCollaboration>")
        add(iri, RDFS + "label", text(f"coalition {c['id']}: {c['name']}"))
        add(iri, PROV + "wasGeneratedBy", f"<{run}>")
        for m in c["members"]:
            add(iri, ORG + "hasMember", f"<{m['id']}>")
        for b in c["binding_targets"]:
            prop = "coalitionOpposes" if b["stance"] == "oppose" else "coalitionSupports"
            add(iri, SG + prop, f"<{b['target']['id']}>")
    for actor, v in centrality["degree"].items():
        add(actor, SG + "degreeCentrality", lit(int(v), "integer"))
    for measure, prop in (("pagerank", "pageRank"), ("betweenness", "betweenness")):
        for actor, v in centrality[measure].items():
            add(actor, SG + prop, lit(f"{v:.6f}", "decimal"))
    return ("\n".join(sorted(triples)) + "\n").encode("utf-8")


# ---------------------------------------------------------------- from a graph path


def base_iri(data: GraphData) -> str:
    """The entity base the graph was built with, read off its stance IRIs (id:stance/…)."""
    for s in data.stances:
        head, sep, _ = s.iri.rpartition("stance/")
        if sep:
            return head
    return DEFAULT_BASE_IRI


def write_results(
    graph, data: GraphData, report: dict, scores: dict | None = None
) -> tuple[str, int]:
    """Store coalitions and centrality (`scores` from `analyze`, else computed) in the store's
    <base>graph/analysis named graph, replacing the previous analysis; returns (graph IRI,
    triples written)."""
    from stancegraph import store

    base = base_iri(data)
    payload = analysis_ntriples(report, scores or centrality_scores(data), base)
    iri = analysis_graph_iri(base)
    store.add_graph(graph, iri, payload)
    return iri, payload.count(b"\n")


# ---------------------------------------------------------------- ICE's 287(g) registry

REGISTRY_ENTRIES = """
SELECT DISTINCT ?e ?sheet ?status ?date ?time ?agency ?program ?signed WHERE {
  ?e sg:listedAgency ?agency ; sg:listedProgram ?program ; sg:registryStatus ?status ;
     prov:wasDerivedFrom ?sheet .
  ?sheet dcterms:date ?date .
  OPTIONAL { ?sheet sg:snapshotTime ?time }
  OPTIONAL { ?e dcterms:date ?signed }
}"""
REGISTRY_LABELS = """
SELECT ?x (MIN(?l) AS ?label) (MIN(?s) AS ?state) WHERE {
  { SELECT DISTINCT ?x WHERE { { ?e sg:listedAgency ?x } UNION { ?e sg:listedProgram ?x } } }
  ?x rdfs:label ?l . OPTIONAL { ?x sg:inState ?s }
} GROUP BY ?x"""
# the stated-vs-signed questions: bundled query -> what it asks, for the report
STATED_VS_SIGNED = {
    "registry-opposed-but-listed": "on the registry, yet opposed or declined 287(g) in the news",
    "registry-joined-not-listed": "said in the news they joined or will join, not listed as "
    "participating",
    "registry-never-mentioned": "on the registry, never named in the corpus",
}


def registry_report(store) -> dict | None:
    """ICE's 287(g) registry in the graph: each snapshot counted by program, what changed
    from each snapshot to the next (registry.snapshot_changes) and the three stated-vs-signed
    questions with their rows. None when the graph holds no registry snapshot."""
    from stancegraph import registry
    from stancegraph import store as sgstore

    rows = sgstore.select(store, REGISTRY_ENTRIES)
    if not rows:
        return None
    names = {r["x"]: r for r in sgstore.select(store, REGISTRY_LABELS)}
    status = {str(registry.rdf.SG.Participating): registry.PARTICIPATING}
    entries = [
        registry.Entry(
            snapshot=r["sheet"],
            status=status.get(r["status"], registry.PENDING),
            date=r["date"],
            time=r.get("time"),
            agency=r["agency"],
            program=r["program"],
            signed=r.get("signed"),
            iri=r["e"],
        )
        for r in rows
    ]
    changes = registry.snapshot_changes(entries)

    def ref(iri: str) -> dict:
        return {
            "id": iri,
            "label": names.get(iri, {}).get("label"),
            "state": names.get(iri, {}).get("state"),
        }

    def label(iri: str) -> str:
        return names.get(iri, {}).get("label") or iri

    for snap in changes["snapshots"]:
        snap["by_program"] = {label(p): n for p, n in snap["by_program"].items()}
    for step in changes["steps"]:
        for kind, items in step.items():
            if kind == "model_changed":
                step[kind] = [
                    {
                        "agency": ref(a),
                        "from": [label(p) for p in old],
                        "to": [label(p) for p in new],
                    }
                    for a, old, new in items
                ]
            elif isinstance(items, list):
                step[kind] = [
                    {"agency": ref(x[0]), "program": label(x[1]), "signed": (x[2:] or [None])[0]}
                    for x in items
                ]
        step["by_program"] = {
            kind: dict(sorted(Counter(i["program"] for i in items).items()))
            for kind, items in step.items()
            if isinstance(items, list) and kind != "model_changed"
        }
    questions = {}
    for name, question in STATED_VS_SIGNED.items():
        found = sgstore.select(store, sgstore.find_query(name))
        questions[name] = {
            "question": question,
            "rows": len(found),
            "agencies": len({r.get("agency") for r in found}),
            "items": found,
        }
    return {**changes, "stated_vs_signed": questions}


def render_registry(report: dict, top: int = 10) -> list[str]:
    """The registry part of the text report."""
    lines = ["", "== ICE 287(g) registry snapshots"]

    def counts(by: dict) -> str:
        return ", ".join(f"{k} {v}" for k, v in by.items()) or "none"

    for s in report["snapshots"]:
        when = f"{s['date']} {s['time'] or ''}".strip()
        lines.append(
            f"  {s['status']} {when}: {s['rows']} listed ({s['agreements']} distinct agreements, "
            f"{s['agencies']} agencies): {counts(s['by_program'])}"
        )
    lines += ["", "== Changes between snapshots"]
    for step in report["steps"]:
        lines.append(f"  {step['list']} {_short(step['from'])} -> {_short(step['to'])}:")
        for kind, items in step.items():
            if not isinstance(items, list):
                continue
            by = step["by_program"].get(kind)
            lines.append(
                f"    {kind.replace('_', ' ')}: {len(items)}" + (f" ({counts(by)})" if by else "")
            )
            for item in items[: min(top, 5)]:
                who = item["agency"]
                what = (
                    item.get("program") or f"{', '.join(item['from'])} -> {', '.join(item['to'])}"
                )
                signed = f", signed {item['signed']}" if item.get("signed") else ""
                lines.append(f"      {who['label']} ({who['state']}): {what}{signed}")
            if len(items) > min(top, 5):
                lines.append(f"      … and {len(items) - min(top, 5)} more")
    lines += ["", "== Stated vs signed"]
    for name, q in report["stated_vs_signed"].items():
        lines.append(f"  {q['question']}: {q['rows']} rows, {q['agencies']} agencies ({name})")
        for r in q["items"][: min(top, 5)]:
            said = (
                f' said ({r["stanceDate"] or "undated"}, {r["article"]}): "{_cut(r["quote"])}"'
                if r.get("quote")
                else ""
            )
            lines.append(
                f"    {r['agency']} ({r['state']}){said}; registry: {_cut(r['registry'], 160)}"
            )
    return lines


def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _cut(text: str | None, n: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"
