"""What ICE's 287(g) registry, used as a gazetteer, does to the graph's integrity checks.

    python benchmarks/registry_gazetteer.py [--articles DIR...] [--sheets FILE...] [--json]

Extracts the articles once (stancegraph.build.extract: resolved stances), then counts,
on the graph written without and with the registry gazetteer (registry.Gazetteer.place,
what `stancegraph build --registry` does):

- agencies (sheriff's offices, police departments, boards) with more than one state;
- agencies with no state at all, and stances whose actor has none (by-state queries
  lose them);
- agencies that serve a county (`sg:servesJurisdiction` a county);
- agencies the gazetteer placed, and of them those whose state it changed;
- news agencies the import then finds on the registry (`GraphLinker`: same name key,
  same state).

Defaults: the seeds, dev and train articles and the six sheets under ../shared.
Exit status: 0 printed, 2 unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # runs from a clone without installing

from stancegraph import rdf, registry  # noqa: E402
from stancegraph.build import extract  # noqa: E402
from stancegraph.corpus import CorpusError  # noqa: E402

SHARED = ROOT.parent / "shared"
ARTICLES = [
    SHARED / "seeds",
    SHARED / "dev" / "articles",
    SHARED / "dev" / "sources.json",
    SHARED / "train" / "articles",
    SHARED / "train" / "sources.json",
]
SHEETS = sorted((SHARED / "reference" / "ice-287g").glob("*.xlsx"))
AGENCY_CLASSES = (rdf.SG.LawEnforcementAgency, rdf.SG.GovernmentBody)


def integrity(articles, stances, sheets) -> dict:
    """The checks on the graph of these stances (one named graph per article)."""
    union = rdf.union_graph(rdf.build_dataset(articles, stances))
    agencies = {e for c in AGENCY_CLASSES for e in union.subjects(rdf.RDF.type, c)}
    states = {e: {str(s) for s in union.objects(e, rdf.SG.inState)} for e in agencies}
    counties = {
        e
        for e in agencies
        for j in union.objects(e, rdf.SG.servesJurisdiction)
        if str(union.value(j, rdf.SG.level)) == "county"
    }
    actors_without = sum(
        1
        for s in stances
        if not s.actor.state and not (s.actor.affiliation and s.actor.affiliation.state)
    )
    linker = registry.GraphLinker.from_graph(union)
    found = {
        linker.find(a.name, "agency", a.state)
        for a in set(registry.registry_agencies(sheets).values())
    } - {None}
    return {
        "agencies": len(agencies),
        "agencies_with_two_or_more_states": sum(len(v) > 1 for v in states.values()),
        "agencies_without_state": sum(not v for v in states.values()),
        "stances_whose_actor_has_no_state": actors_without,
        "stances": len(stances),
        "agencies_serving_a_county": len(counties),
        "news_agencies_found_on_the_registry": len(found),
    }


def placed(before, after) -> dict:
    """Agencies whose state or county the gazetteer set, and those whose state it changed."""
    old: dict[str, set] = defaultdict(set)
    new: dict[str, set] = defaultdict(set)
    for s0, s1 in zip(before, after, strict=True):
        for e0, e1 in ((s0.actor, s1.actor), (s0.target, s1.target)):
            if e1.type in ("agency", "government_body") and e1.id:
                old[e1.id].add((e0.state, e0.jurisdiction.name if e0.jurisdiction else None))
                new[e1.id].add((e1.state, e1.jurisdiction.name if e1.jurisdiction else None))
    touched = sorted(i for i in new if new[i] != old[i])
    moved = sorted(i for i in touched if {s for s, _ in new[i]} != {s for s, _ in old[i]})
    return {"placed": len(touched), "state_changed": len(moved), "changed": moved}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", nargs="+", type=Path, default=ARTICLES)
    parser.add_argument("--sheets", nargs="+", type=Path, default=SHEETS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not args.sheets or not all(p.exists() for p in args.articles):
        print(
            "error: articles or registry sheets not found (../shared beside the clone)",
            file=sys.stderr,
        )
        return 2
    try:
        t0 = time.perf_counter()
        articles, stances, _ = extract(args.articles)
        t1 = time.perf_counter()
        sheets = [registry.read_sheet(p) for p in args.sheets]
        gazetteer = registry.Gazetteer(sheets)
        texts = {a.doc: a.text for a in articles}
        t2 = time.perf_counter()
        with_registry = gazetteer.place(stances, texts)
        t3 = time.perf_counter()
    except (CorpusError, registry.RegistryError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    report = {
        "articles": len(articles),
        "without_registry": integrity(articles, stances, sheets),
        "with_registry": integrity(articles, with_registry, sheets),
        "gazetteer": placed(stances, with_registry),
        "seconds": {
            "extract": round(t1 - t0, 1),
            "read_sheets": round(t2 - t1, 1),
            "place": round(t3 - t2, 2),
        },
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['articles']} articles, {len(args.sheets)} registry sheets")
    print(f"{'check':<40} {'without':>8} {'with':>8}")
    for key, value in report["without_registry"].items():
        print(f"{key.replace('_', ' '):<40} {value:>8} {report['with_registry'][key]:>8}")
    g = report["gazetteer"]
    print(f"agencies placed by the registry: {g['placed']}, state changed: {g['state_changed']}")
    for iri in g["changed"]:
        print(f"  {iri}")
    s = report["seconds"]
    print(f"extract {s['extract']} s, read sheets {s['read_sheets']} s, place {s['place']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
