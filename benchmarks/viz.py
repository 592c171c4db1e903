"""How big a graph the HTML view handles: file size, time to interactive, pan/zoom frames
and search, in Debian's Chromium.

    python benchmarks/viz.py                 # 500, 5,000 and 20,000 nodes
    python benchmarks/viz.py --sizes 5000    # one size

For each size it writes a synthetic graph in the shape of docs/graph.md (N-Quads, one
named graph per article: programs that many actors take positions on, officials who
head agencies, a quote, title, date and URL per stance), then times:
- python: read the graph from the store into the view model, lay it out and write the
  HTML (`viz.write_view`);
- ready: Chromium (headless, via Playwright) from navigation start to the first complete
  drawing (`window.stancegraph.ready`), i.e. interactive;
- pan and zoom frames: the view is moved (40 px steps) and zoomed (x1.25 steps, from the
  opening view to 8 times closer) as a drag or a wheel does, each frame drawn and
  rasterised (a 1-pixel read-back forces the canvas to finish); "moving" frames are those
  drawn while the gesture goes on (a big graph reuses the drawing of its edges and nodes,
  moved and scaled), "settled" the full drawing that follows once the input pauses;
- search: typing a name until every match is listed, and choosing one until its panel
  shows and the graph is redrawn around it.
Medians and maxima over the steps. No physics runs in the page (the layout is computed in
Python), so there is no stabilisation phase. Timings on a shared machine are noisy: compare
figures from one run.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from stancegraph import store, viz

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ID = "https://w3id.org/stancegraph/id/"
SG = "https://w3id.org/stancegraph/ns#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
OA = "http://www.w3.org/ns/oa#"
PROV = "http://www.w3.org/ns/prov#"
ACTOR_CLASSES = ["Jurisdiction", "LawEnforcementAgency", "GovernmentBody", "Group", "FederalAgency"]
RELATIONS = [("declines", "Oppose"), ("condemns", "Oppose"), ("opposes", "Oppose"),
             ("joins", "Support"), ("supports", "Support")]  # fmt: skip


def lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def synthetic_graph(n_nodes: int, seed: int = 1) -> bytes:
    """N-Quads for about n_nodes entities: 2% targets, 15% officials, the rest actors."""
    rng = random.Random(seed)
    n_targets = max(5, n_nodes // 50)
    n_officials = n_nodes * 15 // 100
    n_actors = n_nodes - n_targets - n_officials
    out: list[str] = []
    ent = "<" + ID + "graph/entities>"

    def quad(s: str, p: str, o: str, g: str) -> None:
        out.append(f"{s} {p} {o} {g} .\n")

    targets = [f"<{ID}program-{i}>" for i in range(n_targets)]
    for i, t in enumerate(targets):
        quad(t, RDF_TYPE, f"<{SG}Program>", ent)
        quad(t, LABEL, lit(f"Program {i} (287(g) task force)"), ent)
    actors = [f"<{ID}actor-{i}>" for i in range(n_actors)]
    for i, a in enumerate(actors):
        quad(a, RDF_TYPE, f"<{SG}{ACTOR_CLASSES[i % len(ACTOR_CLASSES)]}>", ent)
        quad(a, LABEL, lit(f"Actor {i} County Sheriff's Office"), ent)
    officials = [f"<{ID}official-{i}>" for i in range(n_officials)]
    for i, o in enumerate(officials):
        quad(o, RDF_TYPE, f"<{SG}Official>", ent)
        quad(o, LABEL, lit(f"Official {i} Smith"), ent)
        quad(o, f"<{SG}role>", lit("Sheriff"), ent)
        quad(o, "<http://www.w3.org/ns/org#headOf>", actors[i % n_actors], ent)

    weights = [1.0 / (k + 1) for k in range(n_targets)]  # a few programs draw most stances
    stance_no = 0
    for who in actors + officials:
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            target = rng.choices(targets, weights)[0]
            relation, polarity = rng.choice(RELATIONS)
            year = rng.randint(2015, 2024)
            doc = f"a{stance_no // 3}"
            art, g = f"<{ID}article/{doc}>", f"<{ID}graph/{doc}>"
            if stance_no % 3 == 0:
                quad(art, RDF_TYPE, f"<{SCHEMA}NewsArticle>", g)
                quad(art, f"<{DCT}identifier>", lit(doc + ".txt"), g)
                quad(art, f"<{DCT}title>", lit(f"County board votes on program, story {doc}"), g)
                quad(art, f"<{DCT}date>", lit(f"{year}-05-07"), g)
                quad(art, f"<{SCHEMA}url>", f"<https://news.example.org/{doc}>", g)
            s = f"<{ID}stance/{stance_no:016x}>"
            quad(s, RDF_TYPE, f"<{SG}Stance>", g)
            quad(s, f"<{SG}actor>", who, g)
            quad(s, f"<{SG}target>", target, g)
            quad(s, f"<{SG}polarity>", f"<{SG}{polarity}>", g)
            quad(s, f"<{SG}relation>", lit(relation), g)
            quad(s, f"<{DCT}date>", lit(f"{year}-05-06"), g)
            quad(s, f"<{PROV}wasDerivedFrom>", art, g)
            ev = s[:-1] + "/evidence>"
            tg, sel = s[:-1] + "/evidence/target>", s[:-1] + "/evidence/quote>"
            quad(s, f"<{SG}evidence>", ev, g)
            quad(ev, f"<{OA}hasTarget>", tg, g)
            quad(tg, f"<{OA}hasSelector>", sel, g)
            quad(sel, RDF_TYPE, f"<{OA}TextQuoteSelector>", g)
            quote = (  # a sentence of a typical length (~170 characters)
                f"The sheriff said on Tuesday that the county {relation} the program after a "
                f"long debate, citing the cost to local taxpayers and the trust of residents {doc}."
            )
            quad(sel, f"<{OA}exact>", lit(quote), g)
            stance_no += 1
    return "".join(out).encode("utf-8")


# In the page: pan and zoom steps as input gives them, each frame timed with its raster.
FRAMES = """() => {
  const g = window.stancegraph.graph;
  const flush = () => g.ctx.getImageData(0, 0, 1, 1);
  const frame = (moving) => {
    g.gestureUntil = moving ? performance.now() + 1e6 : 0;
    const t = performance.now();
    g.draw();
    flush();
    return performance.now() - t;
  };
  const stats = (xs) => {
    const s = xs.slice().sort((a, b) => a - b);
    return { median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
  };
  g.fit();
  const labels = (frame(false), g.labels.length);
  const moving = [], settled = [];
  for (let z = 0; z <= 9; z++) {
    settled.push(frame(false));  // the full drawing at this zoom, as after a pause
    for (let k = 0; k < 4; k++) {  // a drag: four 40 px steps
      g.camera = { x: g.camera.x + 40 / g.camera.scale, y: g.camera.y, scale: g.camera.scale };
      moving.push(frame(true));
    }
    g.camera = Object.assign({}, g.camera, { scale: g.camera.scale * 1.25 });  // a wheel step
    moving.push(frame(true));
  }
  g.gestureUntil = 0;
  return { moving: stats(moving), settled: stats(settled), labels: labels };
}"""

SEARCH = """(name) => {
  const sg = window.stancegraph;
  const t0 = performance.now();
  const matches = sg.search(name);
  const t1 = performance.now();
  const i = sg.index(sg.data.nodes.find((n) => n.label === matches[0]).id);
  sg.choose(i);
  sg.graph.draw();
  sg.graph.ctx.getImageData(0, 0, 1, 1);
  const t2 = performance.now();
  return { list: t1 - t0, matches: matches.length, choose: t2 - t1 };
}"""


def measure(n_nodes: int, folder: Path, browser) -> dict:
    graph_file = folder / f"graph-{n_nodes}.nq"
    graph_file.write_bytes(synthetic_graph(n_nodes))
    t0 = time.perf_counter()
    st = store.open_store(graph_file)
    t1 = time.perf_counter()
    report = viz.write_view(st, folder / f"view-{n_nodes}.html")
    t2 = time.perf_counter()

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    uri = report.path.resolve().as_uri()
    requests: list[str] = []
    context.route("**/*", lambda r: (requests.append(r.request.url), r.continue_()))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(uri, timeout=180_000)
    page.wait_for_function("window.stancegraph && window.stancegraph.ready", timeout=180_000)
    ready_ms = page.evaluate("window.stancegraph.readyAt")
    frames = page.evaluate(FRAMES)
    search = page.evaluate(SEARCH, "Official 7 Smith")
    context.close()
    return {
        "nodes": report.nodes,
        "edges": report.edges,
        "stances": report.stances,
        "mb": report.bytes / 1e6,
        "load_s": t1 - t0,
        "python_s": t2 - t1,
        "ready_s": ready_ms / 1000,
        "moving_ms": frames["moving"],
        "settled_ms": frames["settled"],
        "labels": frames["labels"],
        "list_ms": search["list"],
        "matches": search["matches"],
        "choose_ms": search["choose"],
        "offline": requests == [uri],
        "errors": len(errors),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000, 20000])
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    header = (
        f"{'nodes':>6} {'links':>6} {'stances':>7} {'file MB':>7} {'python s':>8} "
        f"{'ready s':>7} {'labels':>6} {'moving ms med/max':>17} {'settled ms med/max':>18} "
        f"{'search ms':>9} {'choose ms':>9} offline errors"
    )
    print(header)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for n in args.sizes:
            r = measure(n, Path(tmp), browser)
            mov, sett = r["moving_ms"], r["settled_ms"]
            print(
                f"{r['nodes']:>6} {r['edges']:>6} {r['stances']:>7} {r['mb']:>7.2f} "
                f"{r['python_s']:>8.2f} {r['ready_s']:>7.2f} {r['labels']:>6} "
                f"{mov['median']:>8.0f}/{mov['max']:<8.0f} "
                f"{sett['median']:>9.0f}/{sett['max']:<8.0f} "
                f"{r['list_ms']:>9.1f} {r['choose_ms']:>9.0f} {str(r['offline']):>7} "
                f"{r['errors']:>6}",
                flush=True,
            )
        print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
