"""The store's bulk load: one call over the whole graph against the build's batches.

    python benchmarks/store_load.py [--articles N] [--batch-mb MB ...]

Writes the N-Quads of N synthetic articles' graphs (the shape the build writes: each
stance with its evidence, quote and position in the article's named graph, and the
default graph's merge), then loads them into a fresh on-disk store in a process of its
own for each way: one bulk-load call over a stream of the whole file (what the build
did before), and calls of about MB megabytes each (`store.LOAD_BATCH_BYTES` is what the
build uses). Prints, for each, seconds, the process's peak resident memory, the store's
size on disk and the number of statements; the ratios are the figures to compare (the
machines are shared: timings move with the load).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ID = "https://w3id.org/stancegraph/id/"
NS = "https://w3id.org/stancegraph/ns#"


def write_corpus(path: Path, articles: int) -> int:
    """N-Quads of `articles` graphs of 20 stances each, and their merge; the lines written."""
    lines = 0
    with path.open("w", encoding="utf-8") as f:
        for a in range(articles):
            graph = f"<{ID}graph/article-{a}>"
            quads = []
            for s in range(20):
                st = f"<{ID}stance/{a:06d}{s:02d}>"
                actor = f"<{ID}actor-{(a * 7 + s) % (articles * 3 + 1)}>"
                target = f"<{ID}program-{s % 40}>"
                quads += [
                    f"{st} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{NS}Stance>",
                    f"{st} <{NS}actor> {actor}",
                    f"{st} <{NS}target> {target}",
                    f"{st} <{NS}stance> <{NS}oppose>",
                    f'{st} <{NS}confidence> "0.{(a + s) % 100:02d}"'
                    "^^<http://www.w3.org/2001/XMLSchema#decimal>",
                    f"{st} <http://www.w3.org/ns/prov#wasDerivedFrom> <{ID}article/{a}>",
                    f'{st} <http://www.w3.org/ns/oa#exact> "Sheriff {a} said on {s} that the '
                    f'county would not take part in the program, article {a}."',
                    f'{st} <http://www.w3.org/ns/oa#start> "{s * 120}"'
                    "^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>",
                    f'{actor} <http://www.w3.org/2000/01/rdf-schema#label> "Actor {a}-{s}"',
                ]
            for q in quads:
                f.write(f"{q} {graph} .\n")
                f.write(f"{q} .\n")
                lines += 2
    return lines


def load(nquads: Path, batch_mb: float) -> None:
    """Load `nquads` into a fresh store (one call when batch_mb is 0) and print the figures."""
    import pyoxigraph as ox

    from stancegraph.store import _batches

    folder = Path(tempfile.mkdtemp(prefix="store-load-"))
    try:
        start = time.perf_counter()
        store = ox.Store(str(folder))
        with nquads.open("rb") as f:
            if batch_mb == 0:
                store.bulk_load(io.BufferedReader(f, 1 << 20), ox.RdfFormat.N_QUADS)
            else:
                pieces = iter(lambda: f.read(1 << 20), b"")
                lines = _whole_lines(pieces)
                for batch in _batches(lines, int(batch_mb * (1 << 20))):
                    store.bulk_load(batch, ox.RdfFormat.N_QUADS)
        store.flush()
        store.optimize()
        seconds = time.perf_counter() - start
        statements = len(store)
        del store
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        how = "one call" if batch_mb == 0 else f"{batch_mb:g} MB calls"
        print(f"{how:<14} {seconds:8.1f} s  peak {peak:7.0f} MB  store {size:7.0f} MB  "
              f"{statements:,} statements", flush=True)  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _whole_lines(pieces):
    """Pieces of a file cut at line ends (the build's pieces are whole graphs)."""
    left = b""
    for piece in pieces:
        piece = left + piece
        cut = piece.rfind(b"\n") + 1
        left = piece[cut:]
        if cut:
            yield piece[:cut]
    if left:
        yield left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--batch-mb", type=float, nargs="+", default=None)
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)  # a child: load once
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        load(args.file, args.one)
        return
    from stancegraph.store import LOAD_BATCH_BYTES

    batches = args.batch_mb or [LOAD_BATCH_BYTES / (1 << 20)]
    with tempfile.TemporaryDirectory() as tmp:
        nquads = Path(tmp) / "graph.nq"
        lines = write_corpus(nquads, args.articles)
        print(f"{args.articles:,} articles: {lines:,} N-Quads lines, "
              f"{nquads.stat().st_size / 1e6:,.0f} MB")  # fmt: skip
        for mb in [0, *batches]:
            cmd = [sys.executable, __file__, "--one", str(mb), "--file", str(nquads)]
            subprocess.run(cmd, check=True, env={**os.environ, "PYTHONHASHSEED": "0"})


if __name__ == "__main__":
    main()
