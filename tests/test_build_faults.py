"""Builds under faults, with real processes: a kill -9 in the middle of the store write, a
second build into the same --out, queries while a build switches generations, a full disk,
articles that overrun their time or memory budget or crash their worker, and the same
output from a Dask LocalCluster as from local workers."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from stancegraph import rdf, store
from stancegraph.build import build, extract, load_dataset
from stancegraph.cli import main
from stancegraph.model import Article
from stancegraph.parallel import Options, extract_all

SEED_NAMES = sorted(p.name for p in SEEDS.glob("*.txt"))
PAUSED_BUILD = ROOT / "tests" / "paused_build.py"
COUNT_ARTICLES = "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a schema:NewsArticle }"


def _corpus(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(SEEDS / name, folder)
    return folder


def _articles_in(graph: Path) -> int:
    return int(store.select(store.open_store(graph), COUNT_ARTICLES)[0]["n"])


def _paused_build(marker: Path, source: Path, out: Path) -> subprocess.Popen:
    """A real `stancegraph build` that stops in the middle of its store write."""
    proc = subprocess.Popen(
        [sys.executable, str(PAUSED_BUILD), str(marker), "build", str(source), "--out", str(out),
         "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the build did not reach its store write: {proc.communicate()}")
        time.sleep(0.1)
    return proc


@pytest.fixture
def two_corpora(tmp_path) -> tuple[Path, Path]:
    return _corpus(tmp_path / "one", SEED_NAMES[:1]), _corpus(tmp_path / "two", SEED_NAMES[:2])


def test_kill_9_during_the_store_write_leaves_the_old_graph_and_a_second_build_refuses(
    runner, tmp_path, two_corpora
):
    one, two = two_corpora
    out = tmp_path / "graph"
    build([one], out)
    marker = tmp_path / "paused"
    proc = _paused_build(marker, two, out)
    try:
        second = runner.invoke(main, ["build", str(two), "--out", str(out), "--workers", "1"])
        assert second.exit_code == 1
        assert "another build is writing to" in second.stderr and str(proc.pid) in second.stderr
        assert _articles_in(out) == 1  # readers meanwhile: the old graph
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert os.readlink(out / "current") == "generations/000001"
    assert _articles_in(out) == 1
    assert rdf.validate(load_dataset(out)) == []
    assert (out / "stancegraph.ttl").read_bytes() == (out / "current/stancegraph.ttl").read_bytes()
    assert list((out / "generations").glob(".new-*")), "the dead build's folder is there..."
    report = build([two], out)  # ... until the next build clears it
    assert report.articles == 2 and _articles_in(out) == 2
    assert not list((out / "generations").glob(".new-*"))
    assert (out / "store").resolve().parent.name == "000002"


def test_a_query_during_a_rebuild_answers_from_one_generation(tmp_path, two_corpora):
    one, two = two_corpora
    out = tmp_path / "graph"
    build([one], out)
    marker = tmp_path / "paused"
    proc = _paused_build(marker, two, out)
    answers = [_articles_in(out)]
    marker.unlink()  # let the build go on: flush, view, switch
    while proc.poll() is None:
        answers.append(_articles_in(out))  # opens the store each time, as `query` does
        answers.append(len(set(rdf.union_graph(load_dataset(out)).subjects(
            rdf.RDF.type, rdf.SCHEMA.NewsArticle))))  # fmt: skip
    assert proc.returncode == 0, proc.communicate()
    answers.append(_articles_in(out))
    assert set(answers) <= {1, 2} and answers[0] == 1 and answers[-1] == 2


def test_a_full_disk_names_the_file_and_keeps_the_old_graph(tmp_path, two_corpora):
    one, two = two_corpora
    out = tmp_path / "graph"
    build([one], out)

    def small_disk():  # writes past 20 kB fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = subprocess.run(
        [sys.executable, "-m", "stancegraph.cli", "build", str(two), "--out", str(out),
         "--workers", "1"],
        capture_output=True, text=True, preexec_fn=small_disk, timeout=600,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot write ") and "stancegraph.ttl: File too large" in line
    assert "internal error" not in line
    assert _articles_in(out) == 1 and os.readlink(out / "current") == "generations/000001"


def test_out_is_checked_before_anything_is_extracted(runner, tmp_path, monkeypatch):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")

    def never(*args, **kwargs):
        raise AssertionError("extraction ran before --out was checked")

    monkeypatch.setattr("stancegraph.build.extract_all", never)
    result = runner.invoke(main, ["build", str(SEEDS), "--out", str(tmp_path / "file" / "g")])
    assert result.exit_code == 1
    assert (
        result.stderr.startswith("error: cannot write to ") and "Not a directory" in result.stderr
    )


def test_the_store_is_readable_by_others(seeds_build):
    _, out = seeds_build
    assert (out / "store").resolve().stat().st_mode & 0o055 == 0o055  # not 0700


def test_a_5_mb_article_beside_good_ones_is_reported_and_the_good_ones_built(runner, tmp_path):
    source = _corpus(tmp_path / "src", SEED_NAMES[:2])
    prose = (SEEDS / SEED_NAMES[0]).read_text(encoding="utf-8")
    (source / "huge.txt").write_text((prose * (5_000_000 // len(prose) + 1))[:5_000_000])
    out = tmp_path / "graph"
    args = ["build", str(source), "--out", str(out), "--workers", "1", "--article-timeout", "6"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "read 2 articles (1 skipped)" in result.stdout
    assert f"warning: skipped {source / 'huge.txt'}: took longer than 6 s" in result.stderr
    assert _articles_in(out) == 2


def test_a_full_disk_while_the_store_is_written_names_the_store(tmp_path, two_corpora):
    one, _ = two_corpora
    out = tmp_path / "graph"

    def small_disk():  # one article's Turtle and TriG fit; the store's options file does not
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    result = subprocess.run(
        [sys.executable, "-m", "stancegraph.cli", "build", str(one), "--out", str(out),
         "--workers", "0", "--extractor", "rules"],
        capture_output=True, text=True, preexec_fn=small_disk, timeout=600,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot write the store at ") and "File too large" in line
    assert not (out / "current").exists()


def test_a_standby_worker_starts_before_the_sources_are_read_and_is_the_one_used(
    tmp_path, two_corpora, monkeypatch
):
    from stancegraph import build as build_module
    from stancegraph import parallel

    one, _ = two_corpora
    out = tmp_path / "graph"
    events: list[str] = []
    started: list = []
    start_worker, read_sources = parallel._Worker.__init__, build_module.read_sources

    def worker(self, *args, **kwargs):
        events.append("worker")
        start_worker(self, *args, **kwargs)
        started.append(self.process)

    def reading(*args, **kwargs):
        events.append("read sources")
        return read_sources(*args, **kwargs)

    monkeypatch.setattr(parallel._Worker, "__init__", worker)
    monkeypatch.setattr(build_module, "read_sources", reading)
    report = build([one], out, options=Options(extractor="rules", workers=2))
    assert report.extracted == 1
    assert events == ["worker", "read sources"]  # one article: the standby alone extracts it

    events.clear()
    again = build([one], out, options=Options(extractor="rules", workers=2))
    assert (again.extracted, again.cached) == (0, 1) and events == ["worker", "read sources"]
    assert not started[-1].is_alive()  # nothing to extract: the standby is stopped at once


def test_a_standby_that_no_article_needs_is_stopped():
    from stancegraph.parallel import Standby

    standby = Standby(Options(extractor="rules", workers=1), count=2)
    processes = [w.process for w in standby._workers]
    standby.close()
    assert not any(p.is_alive() for p in processes) and len(standby) == 0


def test_workers_do_not_import_the_main_module_again(tmp_path):
    (tmp_path / "main_probe.py").write_text(
        "import click  # as the command line does\n"
        "from stancegraph.model import Article\n"
        "from stancegraph.parallel import Options, extract_all\n"
        "if __name__ == '__main__':\n"
        "    options = Options(extractor='hostile_extractors:report_modules', workers=1)\n"
        "    (outcome,) = extract_all([Article(doc='a.txt', text='x')], options)\n"
        "    print(outcome.problem)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(tmp_path)])}
    result = subprocess.run([sys.executable, "-m", "main_probe"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "RuntimeError: click imported: False" in result.stdout


@pytest.mark.parametrize("batch", [1, 4])
def test_workers_that_overrun_memory_or_die_are_replaced_and_the_articles_reported(batch):
    """One article per job, or four: a batch whose worker is stopped is given out again one
    article at a time, so only the article to blame is reported, with its own reason."""
    texts = ["fine one", "EAT", "fine two", "DIE", "fine three", "SLEEP", "fine four"]
    articles = [Article(doc=f"{i}.txt", text=t) for i, t in enumerate(texts)]
    options = Options(
        extractor="hostile_extractors:hostile", workers=2, memory_mb=800, timeout=4, batch=batch
    )
    outcomes = list(extract_all(articles, options))
    assert [o.article.doc for o in outcomes] == [a.doc for a in articles]  # corpus order
    problems = {o.article.text: o.problem for o in outcomes}
    assert problems["EAT"].startswith("needed more than 800 MB to extract")
    assert problems["DIE"] == "the extraction worker died (exit code 3)"
    assert problems["SLEEP"] == "took longer than 4 s to extract (stopped)"
    assert all(problems[t] is None for t in texts if t.startswith("fine"))


def test_a_batch_gives_each_article_what_it_gets_alone(monkeypatch):
    """Workers parse the package extractors' articles in batches: each article's stances
    are those it gets on its own, also for a text that is prepared first (no-break spaces)
    and when the batch's shared call fails (each is then extracted alone)."""
    from stancegraph import parallel

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))[:3]]
    texts.append(texts[0].replace(" the ", "\u00a0the\u00a0"))
    articles = [Article(doc=f"{i}.txt", text=t) for i, t in enumerate(texts)]
    alone = [parallel.extract_one(a, "rules") for a in articles]
    assert alone[0] and alone[3]  # something to compare
    assert parallel.extract_batch(articles, "rules") == alone

    import stancegraph.extract

    real = stancegraph.extract.extract_each

    def fails(batch, *args, **kwargs):
        if len(batch) > 1:
            raise RuntimeError("the batch failed")
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(stancegraph.extract, "extract_each", fails)
    assert parallel.extract_batch(articles, "rules") == alone


def test_the_package_extractors_are_batched_and_yours_are_not():
    assert Options(extractor="rules").batch_size() == Options().batch_size() > 1
    assert Options(extractor="hostile_extractors:hostile").batch_size() == 1
    assert Options(extractor="hostile_extractors:hostile", batch=3).batch_size() == 3


def test_the_dask_path_gives_what_local_extraction_gives(runner, tmp_path):
    distributed = pytest.importorskip("distributed")
    source = _corpus(tmp_path / "src", SEED_NAMES[:2])
    _, stances, _ = extract([source])
    local = "".join(json.dumps(s.to_record(), ensure_ascii=False) + "\n" for s in stances)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        on_dask = runner.invoke(main, ["extract", str(source), "--dask", address])
        assert on_dask.exit_code == 0, on_dask.output
        assert on_dask.stdout_bytes == local.encode("utf-8")
        built = runner.invoke(main, ["build", str(source), "--out", str(tmp_path / "g"),
                                     "--dask", address])  # fmt: skip
        assert built.exit_code == 0, built.output
    reference = build([source], tmp_path / "reference")
    for name in ("stancegraph.ttl", "stancegraph.trig"):
        assert (tmp_path / "g" / name).read_bytes() == (reference.out_dir / name).read_bytes()


def test_an_unreachable_dask_scheduler_is_one_line(runner, monkeypatch):
    monkeypatch.setattr("stancegraph.parallel.DASK_CONNECT_TIMEOUT", 1.0)
    result = runner.invoke(main, ["extract", str(SEEDS), "--dask", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert len(result.stderr.strip().splitlines()) == 1
