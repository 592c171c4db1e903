"""Benchmark the bundled SPARQL queries: the on-disk Oxigraph store against rdflib.

Builds a synthetic graph of the project's own shape (docs/graph.md: articles in
named graphs, stance nodes with Web Annotation evidence, direct triples, actors
with ORG structure, targets in a SKOS scheme) with realistic skew -- a few
programs and big actors hold most stances, Los Angeles County's Sheriff's
Department and the Warrant Service Officer program the most of all -- then times
loading it into the on-disk store and each bundled query (median of a few runs),
and at the smallest size also each query in rdflib's in-memory engine, in the
same run.

    python benchmarks/sparql.py                  # 100k and 1M triples
    python benchmarks/sparql.py --sizes 100000 --runs 3 --rdflib-timeout 20

Store times are the median of --runs runs after a warm-up run; rdflib's the median of
--rdflib-runs (default 1: it takes seconds a query), cut off at --rdflib-timeout.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from stancegraph import rdf
from stancegraph import store as sg_store
from stancegraph.store import bundled_queries

# the targets of issue 4, checked at 1M triples
ONE_MS, GRAPH_MS, LOAD_S = 50, 2000, 15

SG = "https://w3id.org/stancegraph/ns#"
ID = "https://w3id.org/stancegraph/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
XSD = "http://www.w3.org/2001/XMLSchema#"

STATES = ["California", "Texas", "Florida", "New York", "Arizona", "Illinois", "Oregon", "Georgia"]
# in order of how much coverage each gets: 287(g) the most, its WSO form third
PROGRAMS = [
    ("287(g) program", "program", None),
    ("ICE detainer requests", "practice", None),
    ("Warrant Service Officer program", "program", "287(g) program"),
    ("sanctuary policies", "policy", None),
    ("cooperation with ICE", "practice", None),
    ("California SB 54", "law", None),
    ("Secure Communities", "program", None),
    ("deployment of CBP agents to sanctuary cities", "operation", None),
]
# local names of the target classes, from rdf.py (the vocabulary's one source)
TARGET_CLASS = {k: str(v).removeprefix(SG) for k, v in rdf.TARGET_CLASSES.items() if k != "agency"}
RELATIONS = {  # relation -> (polarity, direct property)
    "declines": ("Oppose", "declines"),
    "withdraws": ("Oppose", "withdrawsFrom"),
    "condemns": ("Oppose", "condemns"),
    "opposes": ("Oppose", "opposes"),
    "joins": ("Support", "joins"),
    "supports": ("Support", "supports"),
    "urges": ("Support", "urges"),
}


def slug(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in text.replace("'", ""))
    return "-".join(p for p in out.split("-") if p)


def iri(x: str) -> str:
    return f"<{x}>"


def lit(value, datatype: str | None = None) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"' + (f"^^<{XSD}{datatype}>" if datatype else "")


class Entities:
    """A pool of actors and targets; each graph that mentions one repeats its triples."""

    def __init__(self, rng: random.Random, n_jurisdictions: int):
        self.triples: dict[str, list[tuple[str, str, str]]] = {}
        self.actors: list[str] = []
        self.kind: dict[str, str] = {}
        self.targets: list[str] = []
        for name, ttype, broader in PROGRAMS:
            self._target(name, ttype, broader)
        for i in range(max(8, n_jurisdictions // 20)):
            self._target(f"County ordinance {i}", "law", None)
        places = [("Los Angeles County", "California")] + [
            (
                f"{rng.choice(['Lake', 'Pine', 'River', 'Grand', 'Clay'])} County {i}",
                rng.choice(STATES),
            )
            for i in range(1, n_jurisdictions)
        ]
        for place, state in places:
            j = self._actor(place, "Jurisdiction", state, level="county")
            agency_name = (
                "Los Angeles County Sheriff's Department"
                if place == "Los Angeles County"
                else f"{place} Sheriff's Office"
            )
            a = self._actor(agency_name, "LawEnforcementAgency", state)
            self.triples[a].append((a, iri(SG + "servesJurisdiction"), j))
            b = self._actor(f"{place} Board of Supervisors", "GovernmentBody", state)
            self.triples[b].append((b, iri(SG + "servesJurisdiction"), j))
            sheriff = "Alex Villanueva" if place == "Los Angeles County" else f"Sheriff of {place}"
            o = self._actor(sheriff, "Official", state)
            self.triples[o] += [
                (o, iri(SG + "role"), lit("Sheriff")),
                (o, iri(ORG + "headOf"), a),
            ]
        for name in ["American Civil Liberties Union", "National Sheriffs' Association"] + [
            f"Advocacy group {i}" for i in range(n_jurisdictions // 10)
        ]:
            self._actor(name, "Group", None)
        for name in [
            "U.S. Immigration and Customs Enforcement",
            "U.S. Customs and Border Protection",
        ]:
            self._actor(name, "FederalAgency", None)
        # skew: actors and targets drawn with Zipf weights (s=1.0 actors, 1.3 targets). The
        # head of the actor list: ICE (~12% of all stances), the ACLU, then the biggest
        # sheriff's department (the seeds' LASD, ~4%); Los Angeles County's other actors
        # further down, as a big county's would be.
        head = [
            "U.S. Immigration and Customs Enforcement",
            "American Civil Liberties Union",
            "Los Angeles County Sheriff's Department",
            "National Sheriffs' Association",
            "U.S. Customs and Border Protection",
            "Los Angeles County",
        ]
        head_iris = [iri(ID + slug(n)) for n in head]
        rest = [a for a in self.actors if a not in head_iris]
        self.actors = head_iris[:5] + rest[:10] + head_iris[5:] + rest[10:]
        self.actor_weights = [1.0 / (r + 1) for r in range(len(self.actors))]
        self.target_weights = [1.0 / (r + 1) ** 1.3 for r in range(len(self.targets))]

    def _actor(self, name, cls, state, level=None):
        a = iri(ID + slug(name))
        t = [
            (a, iri(RDF_TYPE), iri(SG + cls)),
            (a, iri(RDF_TYPE), iri(SG + "Actor")),
            (a, iri(RDFS + "label"), lit(name)),
        ]
        if cls == "Official":
            t.append((a, iri(RDF_TYPE), iri(SCHEMA + "Person")))
        if cls == "Group":
            t.append((a, iri(RDF_TYPE), iri(SCHEMA + "Organization")))
        if state:
            t.append((a, iri(SG + "inState"), lit(state)))
        if level:
            t.append((a, iri(SG + "level"), lit(level)))
        self.triples[a] = t
        self.actors.append(a)
        self.kind[a] = cls
        return a

    def _target(self, name, ttype, broader):
        t_iri = iri(ID + slug(name))
        t = [
            (t_iri, iri(RDF_TYPE), iri(SG + TARGET_CLASS[ttype])),
            (t_iri, iri(RDF_TYPE), iri(SG + "Target")),
            (t_iri, iri(RDF_TYPE), iri(SKOS + "Concept")),
            (t_iri, iri(RDFS + "label"), lit(name)),
            (t_iri, iri(SKOS + "prefLabel"), lit(name)),
            (t_iri, iri(SKOS + "inScheme"), iri(SG + "Targets")),
        ]
        if broader:
            t.append((t_iri, iri(SKOS + "broader"), iri(ID + slug(broader))))
        self.triples[t_iri] = t
        self.targets.append(t_iri)


def synthetic_nquads(n_triples: int, seed: int = 7) -> bytes:
    """About `n_triples` quads of the project's shape, deterministic for a seed."""
    rng = random.Random(seed)
    ents = Entities(rng, n_jurisdictions=max(20, n_triples // 2000))
    lines: list[str] = [
        f"{iri(ID + 'run/0.1.0')} {iri(RDF_TYPE)} {iri(SG + 'ExtractionRun')} .",
        f"{iri(ID + 'run/0.1.0')} {iri(SG + 'softwareVersion')} {lit('0.1.0')} .",
    ]
    n_doc = 0
    relations = list(RELATIONS)
    while len(lines) < n_triples:
        doc = f"a{n_doc:06d}.txt"
        n_doc += 1
        g = iri(ID + "graph/" + slug(doc))
        art = iri(ID + "article/" + slug(doc))
        year = rng.choice(range(2012, 2024))
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        quads = [
            (art, iri(RDF_TYPE), iri(SCHEMA + "NewsArticle")),
            (art, iri(DCT + "identifier"), lit(doc)),
            (art, iri(DCT + "title"), lit(f"Article {doc}")),
            (art, iri(DCT + "date"), lit(date, "date")),
            (art, iri(SCHEMA + "url"), iri(f"https://news.example/{doc}")),
            (art, iri(DCT + "publisher"), lit(rng.choice(["Daily A", "Times B", "Post C"]))),
            (art, iri(SG + "contentHash"), lit(hashlib.sha256(doc.encode()).hexdigest())),
        ]
        mentioned: set[str] = set()
        for k in range(rng.choice([1, 1, 2, 2, 3, 4, 6, 8])):
            actor = rng.choices(ents.actors, ents.actor_weights)[0]
            target = rng.choices(ents.targets, ents.target_weights)[0]
            relation = rng.choice(relations)
            # federal agencies mostly support, advocacy groups mostly oppose
            if ents.kind[actor] == "FederalAgency" and rng.random() < 0.9:
                relation = "supports"
            if ents.kind[actor] == "Group" and rng.random() < 0.6:
                relation = "condemns"
            polarity, prop = RELATIONS[relation]
            mentioned.update((actor, target))
            h = hashlib.sha1(f"{doc}{actor}{relation}{target}{k}".encode()).hexdigest()[:16]
            st = ID + "stance/" + h
            s = iri(st)
            ev, tg, q, p = (
                iri(st + x)
                for x in ("/evidence", "/evidence/target", "/evidence/quote", "/evidence/position")
            )
            start = rng.randint(0, 5000)
            quote = f"Sentence {k} of {doc}: {relation} on the target, said the actor."
            quads += [
                (actor, iri(SG + prop), target),
                (s, iri(RDF_TYPE), iri(SG + "Stance")),
                (s, iri(RDF_TYPE), iri(PROV + "Entity")),
                (s, iri(SG + "actor"), actor),
                (s, iri(SG + "target"), target),
                (s, iri(SG + "polarity"), iri(SG + polarity)),
                (s, iri(SG + "relation"), lit(relation)),
                (s, iri(SG + "relationProperty"), iri(SG + prop)),
                (s, iri(DCT + "date"), lit(date, "date")),
                (s, iri(SG + "confidence"), lit(f"0.{rng.randint(50, 99)}", "decimal")),
                (s, iri(PROV + "wasDerivedFrom"), art),
                (s, iri(PROV + "wasGeneratedBy"), iri(ID + "run/0.1.0")),
                (s, iri(SG + "evidence"), ev),
                (ev, iri(RDF_TYPE), iri(OA + "Annotation")),
                (ev, iri(OA + "motivatedBy"), iri(OA + "describing")),
                (ev, iri(OA + "hasBody"), s),
                (ev, iri(OA + "hasTarget"), tg),
                (tg, iri(RDF_TYPE), iri(OA + "SpecificResource")),
                (tg, iri(OA + "hasSource"), art),
                (tg, iri(OA + "hasSelector"), q),
                (tg, iri(OA + "hasSelector"), p),
                (q, iri(RDF_TYPE), iri(OA + "TextQuoteSelector")),
                (q, iri(OA + "exact"), lit(quote)),
                (q, iri(OA + "prefix"), lit("before ")),
                (q, iri(OA + "suffix"), lit(" after")),
                (p, iri(RDF_TYPE), iri(OA + "TextPositionSelector")),
                (p, iri(OA + "start"), lit(start, "nonNegativeInteger")),
                (p, iri(OA + "end"), lit(start + len(quote), "nonNegativeInteger")),
            ]
        for e in sorted(mentioned):
            quads += ents.triples[e]
            # the body an official heads, so ORG queries can follow it
            for _, pred, obj in ents.triples[e]:
                if pred in (iri(ORG + "headOf"), iri(SG + "servesJurisdiction")):
                    quads += ents.triples[obj]
        lines += [f"{s} {p} {o} {g} ." for s, p, o in dict.fromkeys(quads)]
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---------------------------------------------------------------- timing


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _drain(result) -> int:
    kind = sg_store.kind(result)
    if kind == "ask":
        return 1
    return sum(1 for _ in result)


def _rdflib_worker(nquads: bytes, jobs, out) -> None:
    """Load the graph into rdflib once and answer (name, query) jobs; runs in a child
    process so that a slow query can be cut off at its time limit."""
    import os
    import threading

    import rdflib

    def watchdog() -> None:  # a benchmark stopped with Ctrl-C or kill leaves no orphan
        parent = mp.parent_process()
        while parent is not None and parent.is_alive():
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    ds = rdflib.Dataset(default_union=True)
    ds.parse(data=nquads, format="nquads")
    ns = dict(sg_store.PREFIXES)
    out.put(("loaded", len(ds)))
    while True:
        job = jobs.get()
        if job is None:
            return
        name, sparql, runs = job
        times = []
        n = 0
        for _ in range(runs):
            t0 = time.perf_counter()
            n = len(list(ds.query(sparql, initNs=ns)))
            times.append((time.perf_counter() - t0) * 1000)
        out.put((name, statistics.median(times), n))


def rdflib_times(nquads: bytes, queries: dict[str, str], runs: int, timeout: float):
    """{name: (median ms or None if over the timeout, rows)} in rdflib's engine."""
    ctx = mp.get_context("spawn")
    results: dict[str, tuple[float | None, int]] = {}
    pending = list(queries.items())
    t_load = None
    while pending:
        jobs, out = ctx.Queue(), ctx.Queue()
        proc = ctx.Process(target=_rdflib_worker, args=(nquads, jobs, out), daemon=True)
        t0 = time.perf_counter()
        proc.start()
        out.get()
        if t_load is None:
            t_load = time.perf_counter() - t0
        while pending:
            name, sparql = pending.pop(0)
            jobs.put((name, sparql, runs))
            try:
                _, ms, n = out.get(timeout=timeout * runs)
                results[name] = (ms, n)
            except Exception:  # queue.Empty: over the limit; restart the engine
                results[name] = (None, 0)
                proc.kill()
                proc.join()
                break
        else:
            jobs.put(None)
            proc.join()
    return t_load, results


def bench(size: int, runs: int, with_rdflib: bool, rdflib_timeout: float, rdflib_runs: int) -> None:
    queries = {q.name: q.text for q in bundled_queries()}
    nquads = synthetic_nquads(size)
    n_quads = nquads.count(b"\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store"
        t0 = time.perf_counter()
        sg_store.write_store(nquads, path, fmt="nquads")
        load_s = time.perf_counter() - t0
        st = sg_store.open_store(path)
        stances = nquads.count(b"ns#Stance>")
        print(
            f"\n## {n_quads:,} quads, {stances:,} stances: "
            f"load into the on-disk store {load_s:.2f} s (target < {LOAD_S} s at 1M)"
        )
        ox_times = {}
        for name, sparql in queries.items():
            n = _drain(sg_store.query(st, sparql))  # warm-up, and the row count
            ms = _median_ms(lambda s=sparql, st=st: _drain(sg_store.query(st, s)), runs)
            ox_times[name] = (ms, n)
        del st
    rd = None
    if with_rdflib:
        rd_load, rd = rdflib_times(nquads, queries, rdflib_runs, rdflib_timeout)
        print(f"rdflib in-memory load (parse N-Quads) {rd_load:.2f} s")
    header = f"{'query':34} {'scope':6} {'rows':>6} {'store ms':>9}"
    if rd is not None:
        header += f" {'rdflib ms':>11} {'ratio':>7}"
    print(header)
    tot_ox, tot_rd, rd_capped = 0.0, 0.0, False
    mismatches: list[str] = []
    for q in bundled_queries():
        ms, n = ox_times[q.name]
        tot_ox += ms
        limit = ONE_MS if q.scope == "one" else GRAPH_MS
        mark = "" if size < 1_000_000 else (" ok" if ms < limit else f" OVER {limit} ms")
        line = f"{q.name:34} {q.scope:6} {n:>6} {ms:>9.1f}"
        if rd is not None:
            rms, rn = rd[q.name]
            if rms is not None and rn != n:
                mismatches.append(f"{q.name}: store {n} rows, rdflib {rn}")
            if rms is None:
                rd_capped = True
                tot_rd += rdflib_timeout * 1000
                line += f" {'> ' + str(int(rdflib_timeout)) + ' s':>11} {'':>7}"
            else:
                tot_rd += rms
                line += f" {rms:>11.1f} {rms / max(ms, 0.01):>6.0f}x"
        print(line + mark)
    line = f"{'TOTAL':34} {'':6} {'':>6} {tot_ox:>9.1f}"
    if rd is not None:
        more = ">" if rd_capped else ""
        line += f" {more + f'{tot_rd:.0f}':>11} {more + f'{tot_rd / tot_ox:.0f}x':>7}"
    print(line)
    for m in mismatches:
        print("row counts differ:", m)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--rdflib-timeout",
        type=float,
        default=30.0,
        help="seconds per rdflib query run before it is reported as '> N s'",
    )
    ap.add_argument(
        "--rdflib-runs", type=int, default=1, help="runs per query in rdflib (it is slow)"
    )
    ap.add_argument("--no-rdflib", action="store_true")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    for i, size in enumerate(sizes):
        bench(
            size,
            args.runs,
            with_rdflib=(i == 0 and not args.no_rdflib),
            rdflib_timeout=args.rdflib_timeout,
            rdflib_runs=args.rdflib_runs,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
