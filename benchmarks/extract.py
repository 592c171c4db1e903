"""Benchmark extraction: `stancegraph extract` with 1 and 2 workers beside bare spaCy over the
same texts, in one run, plus where the time goes in one process.

    python benchmarks/extract.py                       # 2,000 articles
    python benchmarks/extract.py --articles 400 --workers 1 2 4 --extractor rules

The corpus is the seeds, ../shared/dev/articles and ../shared/train/articles cycled to N
articles; every copy after the first has its names varied (each capitalised word that is
not sentence-initial and not a word of the extractor's data files gets a suffix of the
copy's number), so no cache can serve a repeated text. Each configuration runs as its own
process tree, timed from start to exit (model load included); its peak resident memory is
sampled per process. "bare" is spaCy's `nlp.pipe` with the same model over the same texts,
nothing else; with 2 workers asked for, two bare processes also parse half the articles each,
at once, which is what the machine's two cores give any pair of processes. Prints articles/s,
words/s, peak MB per process, ours/bare, the speed-up from 1 to 2 workers beside that of bare
spaCy, and the time per stage of the pipeline in one process (a sample).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SOURCES = [ROOT / "seeds", SHARED / "dev" / "articles", SHARED / "train" / "articles"]
STAGE_SAMPLE = 100  # articles timed stage by stage
BARE = """
import sys, time, spacy
from pathlib import Path
from stancegraph.extract.nlp import MODEL_NAME
share, of = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (0, 1)
paths = sorted(Path(sys.argv[1]).glob("*.txt"))[share::of]
texts = [p.read_text(encoding="utf-8") for p in paths]
nlp = spacy.load(MODEL_NAME)
start = time.perf_counter()
for doc in nlp.pipe(texts, batch_size=16):
    pass
print(time.perf_counter() - start)
"""


def corpus(n: int, folder: Path) -> tuple[int, int]:
    """Write n varied articles into `folder`; return (articles, words)."""
    from stancegraph.corpus import read_sources

    base, _ = read_sources([p for p in SOURCES if p.exists()])
    keep = _data_words()
    words = 0
    for i in range(n):
        article = base[i % len(base)]
        copy = i // len(base)
        text = article.text if copy == 0 else _vary(article.text, copy, keep)
        (folder / f"{i:06d}_{Path(article.doc).stem}.txt").write_text(text, encoding="utf-8")
        words += len(text.split())
    return n, words


def _data_words() -> set[str]:
    """Every word of the extractor's data files: names the gazetteer must still recognise."""
    words: set[str] = set()
    for entry in (resources.files("stancegraph") / "data").iterdir():
        words |= set(re.findall(r"[A-Za-z]+", entry.read_text(encoding="utf-8")))
    return words


def _vary(text: str, copy: int, keep: set[str]) -> str:
    suffix = "".join("abcdefghij"[int(d)] for d in str(copy))

    def swap(m: re.Match) -> str:
        return m.group(0) if m.group(0) in keep else m.group(0) + suffix

    return re.sub(r"(?<=[a-z,] )[A-Z][a-z]{3,}\b", swap, text)


def run_together(cmds: list[list[str]]) -> float:
    """Seconds from the start of several commands, run at once, to the end of the last."""
    start = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in cmds]
    for c, proc in zip(cmds, procs, strict=True):
        _, err = proc.communicate()
        if proc.returncode != 0:
            sys.exit(f"{' '.join(c)} failed: {err.decode().strip()[:500]}")
    return time.perf_counter() - start


def run(cmd: list[str]) -> tuple[float, list[float], str, list[float]]:
    """(seconds, peak MB of each process in the tree, stdout, CPU seconds of each process)
    of one command. CPU seconds tell how the work was shared whatever else the machine ran."""
    out = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
    peaks: dict[int, float] = {}
    cpu: dict[int, float] = {}
    while proc.poll() is None:
        for p in [proc, *_children(proc)]:
            try:
                peaks[p.pid] = max(peaks.get(p.pid, 0.0), p.memory_info().rss / 1e6)
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
            except psutil.Error:
                pass
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {err.strip()[:500]}")
    out.seek(0)
    order = sorted(peaks, key=peaks.get, reverse=True)
    return seconds, [peaks[p] for p in order], out.read().decode(), [cpu.get(p, 0) for p in order]


def _children(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


def stages(folder: Path, sample: int) -> dict[str, float]:
    """Seconds per stage over the first `sample` articles, in this process."""
    from stancegraph import rdf
    from stancegraph.corpus import read_sources
    from stancegraph.extract.nlp import load_model
    from stancegraph.extract.pipeline import article_stances
    from stancegraph.prepare import normalise
    from stancegraph.resolve import resolve

    files = sorted(folder.glob("*.txt"))[:sample]
    times: dict[str, float] = {}

    def timed(name, func, *args, **kwargs):
        start = time.perf_counter()
        value = func(*args, **kwargs)
        times[name] = times.get(name, 0.0) + time.perf_counter() - start
        return value

    nlp = timed("load model", load_model)
    articles, _ = timed("read", read_sources, files)
    stances = []
    for article in articles:
        timed("normalise", normalise, article.text)
        doc = timed("parse (spaCy)", nlp, article.text)
        stances += timed("find stances", article_stances, article, doc)
    resolved = timed("resolve", resolve, stances, texts={a.doc: a.text for a in articles})
    ds = timed("to RDF", rdf.build_dataset, articles, resolved)
    timed("serialise TriG", rdf.serialize, ds, "trig")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--extractor", default="learned", choices=("learned", "rules"))
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; medians shown")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "stancegraph.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n, words = corpus(args.articles, folder)
        print(f"{n} articles, {words:,} words (seeds, dev, train cycled; names varied)")
        results: dict[str, tuple[float, list[float]]] = {}
        outputs = {}
        bare_two: list[float] = []
        for _ in range(args.repeat):
            for w in args.workers:
                cmd = [*cli, "extract", str(folder), "--workers", str(w),
                       "--extractor", args.extractor]  # fmt: skip
                seconds, peaks, out, cpu = run(cmd)
                results.setdefault(f"ours, {w} worker(s)", []).append((seconds, peaks, cpu))
                outputs[w] = out
            seconds, peaks, out, cpu = run([sys.executable, "-c", BARE, str(folder)])
            results.setdefault("bare spaCy nlp.pipe", []).append((seconds, peaks, cpu))
            parse_only = float(out.strip())
            if 2 in args.workers:  # the machine's own scaling: two bare processes, half each
                halves = [[sys.executable, "-c", BARE, str(folder), str(k), "2"] for k in (0, 1)]
                bare_two.append(run_together(halves))
        same = len({json.dumps(o) for o in outputs.values()}) == 1
        head = f"{'run':<26}{'seconds':>9}{'articles/s':>12}{'words/s':>10}"
        print(f"\n{head}  peak MB per process (CPU s)")
        medians = {}
        for name, runs in results.items():
            seconds = statistics.median(r[0] for r in runs)
            _, peaks, cpu = max(runs, key=lambda r: len(r[1]))
            medians[name] = seconds
            pairs = list(zip(peaks, cpu, strict=True))
            shown = ", ".join(f"{p:.0f} ({c:.0f})" for p, c in pairs[:5])
            print(f"{name:<26}{seconds:>9.1f}{n / seconds:>12.1f}{words / seconds:>10.0f}  {shown}")
            # the worker processes are the ones holding a model (over 100 MB)
            workers = [c for p, c in pairs if p > 100] if name.startswith("ours") else []
            if len(workers) > 1:  # how evenly they shared the work
                balance = sum(workers) / (len(workers) * max(workers))
                print(f"{'':<26}workers' CPU shared {balance:.0%} evenly: with a free core each, "
                      f"{sum(workers) / max(workers):.2f}x one worker's work")  # fmt: skip
        bare = medians["bare spaCy nlp.pipe"]
        rate = n / parse_only
        print(f"\nbare spaCy: {parse_only:.1f} s in nlp.pipe alone ({rate:.1f} articles/s)")
        for w in args.workers:
            ratio = medians[f"ours, {w} worker(s)"] / bare
            print(f"ours/bare, {w} worker(s): {ratio:.2f}x the time")
        if 1 in args.workers and 2 in args.workers:
            one, two = medians["ours, 1 worker(s)"], medians["ours, 2 worker(s)"]
            print(f"speed-up from 1 to 2 workers: {one / two:.2f}x")
        if bare_two:
            two = statistics.median(bare_two)
            print(f"bare spaCy in 2 processes, half the articles each: {two:.1f} s, "
                  f"{bare / two:.2f}x one process (what this machine gives two)")  # fmt: skip
        print(f"outputs of every worker count byte-identical: {same}")
        sample = min(STAGE_SAMPLE, n)
        print(f"\ntime per stage, one process, first {sample} articles:")
        times = stages(folder, sample)
        total = sum(v for k, v in times.items() if k != "load model")
        for name, seconds in times.items():
            share = "" if name == "load model" else f" {100 * seconds / total:5.1f}%"
            print(f"  {name:<16}{seconds:>8.2f} s{share}")


if __name__ == "__main__":
    main()
