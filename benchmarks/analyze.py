"""Benchmark `stancegraph analyze` on synthetic graphs of 10k and 100k stances.

    python benchmarks/analyze.py                 # 10k and 100k stances
    python benchmarks/analyze.py --sizes 1000 10000 --seed 7

The synthetic graph has the shape of docs/graph.md (one named graph per article,
entities repeated in every article that mentions them, stance nodes with Web
Annotation evidence) and a realistic skew: target popularity and actor activity
follow Zipf laws (a few programs such as 287(g) draw most stances; most counties
speak once or twice), actors fall into two camps with 10% defections, 5% of actors
change position over time, and officials, agencies and bodies roll up to
jurisdictions in 50 states. Prints the time to generate, load (N-Quads into an
in-memory Oxigraph store), read the views and run each analysis.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from bisect import bisect
from itertools import accumulate

import pyoxigraph

from stancegraph import analyze, graphviews, rdf, store

BASE = "https://w3id.org/stancegraph/id/"
SG = "https://w3id.org/stancegraph/ns#"
NS = store.PREFIXES  # the vocabularies the graph uses, from the one place that lists them
# local names of the actor and target classes, from rdf.py (the vocabulary's one source)
ACTOR_CLASS = {k: str(v[0]).removeprefix(SG) for k, v in rdf.ACTOR_CLASSES.items()}
TARGET_CLASS = {k: str(v).removeprefix(SG) for k, v in rdf.TARGET_CLASSES.items() if k != "agency"}
RELATIONS = {
    "oppose": ("declines", "withdraws", "condemns", "opposes"),
    "support": ("joins", "supports", "urges"),
}
PROPERTY = {
    "declines": "declines",
    "withdraws": "withdrawsFrom",
    "condemns": "condemns",
    "opposes": "opposes",
    "joins": "joins",
    "supports": "supports",
    "urges": "urges",
}


def _lit(text: str, dtype: str | None = None) -> str:
    esc = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{esc}"^^<{dtype}>' if dtype else f'"{esc}"'


def _date_lit(date: str) -> str:
    dtype = {4: "gYear", 7: "gYearMonth"}.get(len(date), "date")
    return _lit(date, NS["xsd"] + dtype)


def entity_triples(iri: str, e: dict) -> list[tuple[str, str, str]]:
    """The triples docs/graph.md gives an actor or a target (subject, predicate, object)."""
    t = [(iri, NS["rdfs"] + "label", _lit(e["label"]))]
    if e["type"] in ACTOR_CLASS and e.get("role") != "target":
        t += [(iri, NS["rdf"] + "type", f"<{SG}{ACTOR_CLASS[e['type']]}>")]
        t += [(iri, NS["rdf"] + "type", f"<{SG}Actor>")]
        if e["type"] == "official":
            t += [(iri, NS["rdf"] + "type", f"<{NS['schema']}Person>")]
            t += [(iri, SG + "role", _lit(e.get("post", "Official")))]
            if e.get("affiliation"):
                prop = "headOf" if e.get("leads", True) else "memberOf"
                t += [(iri, NS["org"] + prop, f"<{e['affiliation']}>")]
        if e.get("jurisdiction"):
            t += [(iri, SG + "servesJurisdiction", f"<{e['jurisdiction']}>")]
        if e.get("level"):
            t += [(iri, SG + "level", _lit(e["level"]))]
        if e.get("contained"):
            t += [(iri, NS["schema"] + "containedInPlace", f"<{e['contained']}>")]
        if e.get("state"):
            t += [(iri, SG + "inState", _lit(e["state"]))]
    if e["type"] in TARGET_CLASS:
        t += [(iri, NS["rdf"] + "type", f"<{SG}{TARGET_CLASS[e['type']]}>")]
        t += [(iri, NS["rdf"] + "type", f"<{SG}Target>")]
        t += [(iri, NS["rdf"] + "type", f"<{NS['skos']}Concept>")]
        t += [(iri, NS["skos"] + "prefLabel", _lit(e["label"]))]
        if e.get("broader"):
            t += [(iri, NS["skos"] + "broader", f"<{e['broader']}>")]
    return t


def nquads(stances: list[dict], entities: dict[str, dict], articles: dict[str, dict]) -> bytes:
    """Serialise stance dicts (doc, actor, target IRIs, stance, relation, date, evidence,
    optional on_behalf_of, confidence) as N-Quads in the shape of docs/graph.md."""
    by_doc: dict[str, list[dict]] = {}
    for s in stances:
        by_doc.setdefault(s["doc"], []).append(s)
    out: list[str] = []
    for doc in sorted(by_doc):
        slug = doc.replace(".", "-").replace("_", "-").lower()
        graph = f"<{BASE}graph/{slug}>"
        art = f"{BASE}article/{slug}"
        meta = articles.get(doc, {})
        quads = [
            (art, NS["rdf"] + "type", f"<{NS['schema']}NewsArticle>"),
            (art, NS["dcterms"] + "identifier", _lit(doc)),
            (art, NS["dcterms"] + "title", _lit(meta.get("title", doc))),
        ]
        if meta.get("date"):
            quads.append((art, NS["dcterms"] + "date", _date_lit(meta["date"])))
        mentioned: set[str] = set()
        for s in by_doc[doc]:
            key = f"{doc}|{s['actor']}|{s['stance']}|{s['relation']}|{s['target']}|{s['start']}"
            st = f"{BASE}stance/{hashlib.sha1(key.encode()).hexdigest()[:16]}"
            prop = PROPERTY[s["relation"]]
            if s["relation"] == "urges" and s["stance"] == "oppose":
                prop = "urgesAgainst"
            quads += [
                (s["actor"], SG + prop, f"<{s['target']}>"),
                (st, NS["rdf"] + "type", f"<{SG}Stance>"),
                (st, NS["rdf"] + "type", f"<{NS['prov']}Entity>"),
                (st, SG + "actor", f"<{s['actor']}>"),
                (st, SG + "target", f"<{s['target']}>"),
                (st, SG + "polarity", f"<{SG}{s['stance'].capitalize()}>"),
                (st, SG + "relation", _lit(s["relation"])),
                (st, SG + "relationProperty", f"<{SG}{prop}>"),
                (st, SG + "confidence", _lit(str(s.get("confidence", 0.8)), NS["xsd"] + "decimal")),
                (st, NS["prov"] + "wasDerivedFrom", f"<{art}>"),
                (st, NS["prov"] + "wasGeneratedBy", f"<{BASE}run/0.1.0>"),
                (st, SG + "evidence", f"<{st}/evidence>"),
                (f"{st}/evidence", NS["rdf"] + "type", f"<{NS['oa']}Annotation>"),
                (f"{st}/evidence", NS["oa"] + "hasBody", f"<{st}>"),
                (f"{st}/evidence", NS["oa"] + "hasTarget", f"<{st}/evidence/target>"),
                (f"{st}/evidence/target", NS["oa"] + "hasSource", f"<{art}>"),
                (f"{st}/evidence/target", NS["oa"] + "hasSelector", f"<{st}/evidence/quote>"),
                (f"{st}/evidence/quote", NS["rdf"] + "type", f"<{NS['oa']}TextQuoteSelector>"),
                (f"{st}/evidence/quote", NS["oa"] + "exact", _lit(s["evidence"])),
            ]
            if s.get("date"):
                quads.append((st, NS["dcterms"] + "date", _date_lit(s["date"])))
            if s.get("on_behalf_of"):
                quads.append((st, SG + "onBehalfOf", f"<{s['on_behalf_of']}>"))
                mentioned.add(s["on_behalf_of"])
            mentioned.update((s["actor"], s["target"]))
        for iri in sorted(mentioned):
            quads += entity_triples(iri, entities[iri])
        out.extend(f"<{s}> <{p}> {o} {graph} .\n" for s, p, o in quads)
    return "".join(out).encode("utf-8")


# ---------------------------------------------------------------- the synthetic corpus

STATES = [f"State {i:02d}" for i in range(50)]


def _zipf_picker(rng: random.Random, n: int, s: float):
    cum = list(accumulate(1.0 / (k + 1) ** s for k in range(n)))
    total = cum[-1]
    return lambda: bisect(cum, rng.random() * total)


def synthetic(n_stances: int, seed: int = 0) -> tuple[list[dict], dict, dict]:
    """(stances, entities, articles) with the skew described in the module docstring."""
    rng = random.Random(seed)
    n_targets = max(20, n_stances // 100)
    n_actors = max(50, n_stances // 4)
    entities: dict[str, dict] = {}
    juris: list[str] = []
    for st in STATES:
        entities[BASE + "state/" + st.replace(" ", "-")] = {
            "label": st,
            "type": "jurisdiction",
            "level": "state",
            "state": st,
        }
    targets = []
    for i in range(n_targets):
        iri = f"{BASE}target-{i}"
        entities[iri] = {"label": f"Target {i}", "type": rng.choice(list(TARGET_CLASS))}
        if i >= 10 and rng.random() < 0.2:  # a form of one of the big programs
            entities[iri]["broader"] = f"{BASE}target-{rng.randrange(10)}"
        targets.append(iri)
    actors, camp = [], {}
    kinds = ["jurisdiction"] * 40 + ["agency"] * 25 + ["government_body"] * 10
    kinds += ["official"] * 17 + ["group"] * 5 + ["federal_agency"] * 3
    for i in range(n_actors):
        iri, kind = f"{BASE}actor-{i}", rng.choice(kinds)
        state = rng.choice(STATES)
        e = {"label": f"Actor {i}", "type": kind}
        if kind == "jurisdiction":
            e.update(level=rng.choice(["county", "city"]), state=state)
            e["contained"] = BASE + "state/" + state.replace(" ", "-")
            juris.append(iri)
        elif kind in ("agency", "government_body") and juris:
            e["jurisdiction"] = rng.choice(juris)
        elif kind == "official":
            bodies = [a for a in actors[-200:] if entities[a]["type"] != "official"]
            if bodies:
                e["affiliation"] = rng.choice(bodies)
                e["leads"] = rng.random() < 0.6
        entities[iri] = e
        actors.append(iri)
        camp[iri] = 1 if rng.random() < 0.3 or kind == "federal_agency" else -1
    rng.shuffle(actors)  # activity rank independent of creation order
    pick_target = _zipf_picker(rng, n_targets, 1.1)
    pick_actor = _zipf_picker(rng, n_actors, 0.9)
    direction = {t: rng.choice((1, -1)) for t in targets}
    changer = {a for a in actors if rng.random() < 0.05}
    stances, articles = [], {}
    n_docs = max(1, n_stances // 5)
    for i in range(n_stances):
        actor, target = actors[pick_actor()], targets[pick_target()]
        year = rng.randrange(2010, 2021)
        sign = camp[actor] * direction[target]
        if rng.random() < 0.1 or (actor in changer and year >= 2016):
            sign = -sign
        stance = "support" if sign > 0 else "oppose"
        precision = rng.random()
        date = f"{year}" if precision < 0.3 else f"{year}-{rng.randrange(1, 13):02d}"
        if precision > 0.6:
            date += f"-{rng.randrange(1, 29):02d}"
        doc = f"doc{rng.randrange(n_docs):06d}.txt"
        articles.setdefault(doc, {"title": f"Article {doc}", "date": f"{year}-06-01"})
        stances.append(
            {
                "doc": doc,
                "actor": actor,
                "target": target,
                "stance": stance,
                "relation": rng.choice(RELATIONS[stance]),
                "date": date,
                "evidence": f"Actor {actor[-6:]} {stance}s target {target[-6:]} (#{i}).",
                "start": i,
                "confidence": round(rng.uniform(0.5, 0.99), 2),
            }
        )
    return stances, entities, articles


def run(n: int, seed: int) -> dict[str, float]:
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    payload = nquads(*synthetic(n, seed))
    times["generate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    store = pyoxigraph.Store()
    store.bulk_load(payload, format=pyoxigraph.RdfFormat.N_QUADS)
    times["load"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    data = graphviews.load(store)
    times["read views"] = time.perf_counter() - t0
    report = analyze.analyze(data, top=10, timings=times)
    times["analysis total"] = sum(v for k, v in times.items() if k.startswith("  "))
    times["_stances"] = report["graph"]["stances"]
    times["_actors"] = report["graph"]["actors"]
    times["_coalitions"] = len(report["coalitions"])
    times["_ties"] = report["graph"]["agreement_ties_per_actor"] or "all"
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    for n in args.sizes:
        times = run(n, args.seed)
        print(
            f"== {n} stances ({times.pop('_stances')} read, {times.pop('_actors')} actors, "
            f"{times.pop('_coalitions')} coalitions; agreement ties kept per actor and sign: "
            f"{times.pop('_ties')})"
        )
        for name, secs in times.items():
            print(f"{name:<24} {secs:8.2f} s")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
