"""A build at scale: N synthetic articles through `stancegraph build`, then what a user does
with the graph, timed in one run.

    python benchmarks/scale.py                                   # 100,000 articles
    python benchmarks/scale.py --articles 2000 --extractor rules
    python benchmarks/scale.py --articles 500 2000 --extractor rules   # memory vs corpus size
    python benchmarks/scale.py --articles 2000 --extractor rules --builds-only   # rebuild shares

The corpus is written as benchmarks/extract.py writes it (seeds, ../shared/dev and
../shared/train cycled to N, every copy after the first with its names varied, so the graph
grows with the corpus and no cache can serve a copy). For each N it prints:
- the full build (a fresh --out): seconds, articles/s, the peak resident memory of the
  build process (the graph, the store load, the view) and the largest of its extraction
  workers, the triples, and the sizes of the store, the TriG and Turtle files and the view;
- the rebuild with nothing changed (every article from the extraction cache) and the
  rebuild after one article changed, each as a share of the full build (the target: under
  5%), and whether that rebuild's files are byte-identical to a build without the cache;
- every bundled query on the store (median of 3, in a query worker as `serve` runs it, up
  to --query-timeout seconds) with its row count;
- `stancegraph viz` (the whole-graph page: the hubs when the graph is over viz.VIEW_MAX) and
  `stancegraph analyze --format json`: seconds, peak memory, nodes shown.
With several N, a last table sets peak memory beside the graph's size: what the build holds
should grow with the graph, not with the corpus. Timings on a shared machine are noisy;
compare figures from one run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract import corpus  # noqa: E402 - benchmarks/extract.py: the same synthetic corpus

CLI = [sys.executable, "-m", "stancegraph.cli"]
CHANGE = "\nThe county board voted to end its 287(g) agreement with ICE, the sheriff said.\n"


def measure(cmd: list[str]) -> dict:
    """Run `cmd`; its seconds, stdout, stderr, and the peak resident MB of the process itself,
    of the largest of its children, and of the two together with all its children (sampled
    every 0.1 s): a child that holds more than the build (the files process of a rebuild)
    shows only in the last."""
    start = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root, child, tree = 0.0, 0.0, 0.0
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()))
    reader.start()
    while proc.poll() is None:
        try:
            own = proc.memory_info().rss / 1e6
            children = [c.memory_info().rss / 1e6 for c in proc.children(recursive=True)]
            root, child = max(root, own), max([child, *children])
            tree = max(tree, own + sum(children))
        except psutil.Error:
            pass
        time.sleep(0.1)
    reader.join()
    seconds = time.perf_counter() - start
    err = proc.stderr.read()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.strip()[-500:]}")
    return {"seconds": seconds, "root_mb": root, "child_mb": child, "tree_mb": tree,
            "out": "".join(out), "err": err}  # fmt: skip


def peaks(run: dict) -> str:
    return (f"{run['root_mb']:.0f} MB build, {run['child_mb']:.0f} MB largest child, "
            f"{run['tree_mb']:.0f} MB all")  # fmt: skip


def size_mb(path: Path) -> float:
    path = path.resolve()
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def line_with(text: str, start: str) -> str:
    return next((line for line in text.splitlines() if line.startswith(start)), "")


def cache_line(out: str) -> str:
    return next((line for line in out.splitlines() if "from the cache" in line), "?")


def queries(graph: Path, timeout: float) -> list[tuple[str, float | None, int]]:
    """(name, median seconds of 3 or None past `timeout`, rows) of every bundled query, each
    run as `serve` and `query` run it: in a query worker (gate, query, JSON results)."""
    import json

    from stancegraph import store, workers

    limits = workers.Limits(timeout=timeout, max_rows=None, max_bytes=None, max_memory_mb=None,
                            require_isolation=False)  # fmt: skip
    worker = workers.Worker(str(graph), limits).start()
    timings = []
    try:
        for q in store.bundled_queries():
            runs, rows = [], 0
            for _ in range(3):
                start = time.perf_counter()
                worker.conn.send(workers.Job(q.text, result_fmt="json"))
                if not worker.conn.poll(timeout):
                    worker.stop()
                    worker = workers.Worker(str(graph), limits).start()
                    runs = []
                    break
                answer = worker.conn.recv()
                runs.append(time.perf_counter() - start)
                if answer.status == 200:
                    rows = len(json.loads(answer.body)["results"]["bindings"])
            timings.append((q.name, statistics.median(runs) if runs else None, rows))
    finally:
        worker.stop()
    return timings


def one_size(n: int, args, tmp: Path) -> dict:
    folder = tmp / f"corpus-{n}"
    folder.mkdir()
    _, words = corpus(n, folder)
    print(f"\n== {n:,} articles, {words:,} words (seeds, dev, train cycled; names varied)")
    out = tmp / f"graph-{n}"
    options = ["--extractor", args.extractor, "--workers", str(args.workers)]
    build = [*CLI, "build", str(folder), "--out", str(out), *options]

    full = measure(build)
    triples = line_with(full["out"], "extracted ")
    print(
        f"full build      {full['seconds']:9.1f} s  {n / full['seconds']:7.1f} articles/s  "
        f"peak {full['root_mb']:.0f} MB (build), {full['child_mb']:.0f} MB (largest worker), "
        f"{full['tree_mb']:.0f} MB (all)"
    )
    print(f"                {triples}")
    sizes = {name: size_mb(out / name) for name in
             ("store", "stancegraph.trig", "stancegraph.ttl", "index.html")}  # fmt: skip
    print("                " + ", ".join(f"{k} {v:.1f} MB" for k, v in sizes.items()))

    same = measure(build)
    print(f"no change       {same['seconds']:9.1f} s  "
          f"{100 * same['seconds'] / full['seconds']:5.1f}% of the full build  "
          f"({cache_line(same['out'])}; peak {peaks(same)})")  # fmt: skip
    changed = sorted(folder.glob("*.txt"))[n // 2]
    changed.write_text(changed.read_text(encoding="utf-8") + CHANGE, encoding="utf-8")
    one = measure(build)
    counts = cache_line(one["out"])
    ratio = 100 * one["seconds"] / full["seconds"]
    print(f"one changed     {one['seconds']:9.1f} s  {ratio:5.1f}% of the full build  ({counts}; "
          f"peak {peaks(one)})")  # fmt: skip
    fresh = tmp / f"fresh-{n}"
    if args.check:
        measure([*CLI, "build", str(folder), "--out", str(fresh), "--no-cache", *options])
        identical = all(
            (out / f).read_bytes() == (fresh / f).read_bytes()
            for f in ("stancegraph.ttl", "stancegraph.trig", "index.html")
        )
        print(f"                byte-identical to a build without the cache: {identical}")
        shutil.rmtree(fresh)

    if not args.queries:
        shutil.rmtree(folder)
        shutil.rmtree(out)
        return {"n": n, "peak": full["root_mb"], "triples": triples,
                "trig": sizes["stancegraph.trig"], "seconds": full["seconds"],
                "one": ratio}  # fmt: skip

    print("bundled queries (median of 3, rows):")
    timed = queries(out, args.query_timeout)
    for name, seconds, rows in timed:
        took = f"{seconds * 1000:9.1f} ms" if seconds is not None else "  timeout  "
        print(f"  {name:<28}{took} {rows:>8} rows")
    done = [t[1] for t in timed if t[1] is not None]
    print(f"  {'all that finished':<28}{sum(done) * 1000:9.1f} ms "
          f"({len(timed) - len(done)} over {args.query_timeout:g} s)")  # fmt: skip

    view = measure([*CLI, "viz", "--graph", str(out), "--out", str(tmp / f"view-{n}.html")])
    note = line_with(view["err"], "note:")
    print(f"viz             {view['seconds']:9.1f} s  peak {view['root_mb']:.0f} MB  "
          f"{line_with(view['out'], 'wrote').partition('(')[2].rstrip(')')}"
          + (f"\n                {note}" if note else ""))  # fmt: skip
    report = measure([*CLI, "analyze", "--graph", str(out), "--format", "json"])
    print(
        f"analyze         {report['seconds']:9.1f} s  peak {report['root_mb']:.0f} MB  "
        f"{len(report['out']) / 1e6:.1f} MB of JSON"
    )
    shutil.rmtree(folder)
    shutil.rmtree(out)
    return {"n": n, "peak": full["root_mb"], "triples": triples, "trig": sizes["stancegraph.trig"],
            "seconds": full["seconds"], "one": ratio}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[100_000])
    parser.add_argument("--extractor", default="learned", choices=("learned", "rules"))
    parser.add_argument("--workers", type=int, default=psutil.cpu_count() or 1)
    parser.add_argument("--no-check", dest="check", action="store_false",
                        help="skip the build without the cache (byte-identity check)")  # fmt: skip
    parser.add_argument("--builds-only", dest="queries", action="store_false",
                        help="time the builds only (no queries, viz or analyze)")  # fmt: skip
    parser.add_argument("--query-timeout", type=float, default=60.0, help="seconds per query")
    parser.add_argument("--tmp", type=Path, default=None, help="where to write (default: /tmp)")
    args = parser.parse_args()
    print(f"extractor {args.extractor}, {args.workers} worker(s)")
    if args.tmp is not None:
        args.tmp.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        results = [one_size(n, args, Path(tmp)) for n in args.articles]
    if len(results) > 1:
        print("\narticles   build s   one-article %   peak MB (build)   TriG MB   graph")
        for r in results:
            print(f"{r['n']:>8,} {r['seconds']:9.1f} {r['one']:13.1f} {r['peak']:17.0f} "
                  f"{r['trig']:9.1f}   {r['triples']}")  # fmt: skip


if __name__ == "__main__":
    main()
