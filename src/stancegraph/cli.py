"""The command line: the only module that parses arguments, prints and picks exit codes.

Exit status (DESIGN.md): 0 success, 1 a failure in the work (a query error, a validation
failure), 2 bad usage or unreadable input. Every error is one line on stderr, never a
traceback (set STANCEGRAPH_DEBUG=1 to see one). To add a command, define it with
`@main.command()`; to add an export format, add an entry to EXPORTERS.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import click

from stancegraph import __version__, rdf
from stancegraph.build import TOO_LONG, BuildError, build, extract, load_dataset, write_atomic
from stancegraph.corpus import CorpusError
from stancegraph.extract import DEFAULT_EXTRACTOR, EXTRACTORS
from stancegraph.parallel import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, Options, all_cores
from stancegraph.prepare import DEFAULT_MAX_CHARS
from stancegraph.registry import RegistryError
from stancegraph.store import QueryError, StoreError

DEFAULT_SOURCES = ("seeds",)
DEFAULT_OUT = "graph"
DEFAULT_GRAPH = "graph/"
PROGRESS_MIN = 20  # articles: fewer than this build too fast to need a progress bar
MAX_REPORTED = 20  # violations printed by `validate`

# Expected failures -> exit status. Checked in order: subclasses before their bases.
EXIT_CODES: list[tuple[type[BaseException], int]] = [
    (CorpusError, 2),
    (RegistryError, 2),
    (QueryError, 1),
    (StoreError, 2),
    (BuildError, 1),
]


class Failure(click.ClickException):
    """An error with its exit status, printed as one line."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.exit_code = code

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class _Main(click.Group):
    """Turns every exception a command lets through into one line and an exit status."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            raise Failure("interrupted", 130) from None
        except BrokenPipeError:  # `stancegraph extract ... | head`: the reader left, not an error
            sys.stderr.close()
            raise click.exceptions.Exit(0) from None
        except Exception as err:
            if os.environ.get("STANCEGRAPH_DEBUG"):
                raise
            for kind, code in EXIT_CODES:
                if isinstance(err, kind):
                    raise Failure(_one_line(err), code) from None
            if type(err).__module__.startswith("stancegraph."):  # our own errors: the work failed
                raise Failure(_one_line(err), 1) from None
            raise Failure(f"internal error: {type(err).__name__}: {_one_line(err)}", 1) from None


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="stancegraph")
def main() -> None:
    """Turn news articles about US local jurisdictions and immigration enforcement into a
    knowledge graph of stances, with evidence quotes and provenance."""


def graph_option(func):
    """--graph PATH, shared by every command that reads a built graph."""
    return click.option(
        "--graph",
        "graph",
        default=DEFAULT_GRAPH,
        show_default=True,
        type=click.Path(path_type=Path),
        help="A built graph: a folder from `build`, a store directory, or a .ttl/.trig file.",
    )(func)


# ---------------------------------------------------------------- build and extract


@main.command("train")
@click.argument(
    "folders", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the model (default: the package's shipped model file).",
)
def train_command(folders: tuple[Path, ...], out_file: Path | None) -> None:
    """Train the learned extractor on annotated FOLDERS (each with articles/ and gold/, as
    ../shared/dev and ../shared/train; a folder without gold/ only lends article texts,
    as ../shared/seeds does for dev's gold). Deterministic: same data, same model bytes."""
    from stancegraph.extract.learned import model_bytes, shipped_model_path
    from stancegraph.extract.training import TrainingError, train

    try:
        model = train(folders)
    except TrainingError as err:
        raise Failure(str(err), 2) from None
    out = out_file or shipped_model_path()
    write_atomic(out, model_bytes(model))
    examples = model["examples"]
    click.echo(
        f"trained on {_count(len(model['trained_on']), 'article')}: "
        f"{_count(examples['pairs'], 'candidate pair')}, {_count(examples['stances'], 'stance')}"
        f"; {_count(len(model['features']), 'feature')}; wrote {out}"
    )


def extraction_options(func):
    """The options `build` and `extract` share: which extractor, where it runs, its limits."""
    options = [
        click.option(
            "--extractor",
            type=click.Choice(EXTRACTORS),
            default=DEFAULT_EXTRACTOR,
            show_default=True,
            help="learned: the trained model; rules: the hand-written rules, for comparison.",
        ),
        click.option(
            "--model",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="A model file written by `stancegraph train` (default: the shipped model).",
        ),
        click.option(
            "--workers",
            type=click.IntRange(min=0),
            default=None,
            envvar="STANCEGRAPH_WORKERS",
            help="Local worker processes for extraction (default: all cores; 0: in this "
            "process, without the time and memory budgets). The output is the same for any "
            "number.",
        ),
        click.option(
            "--dask",
            "dask_address",
            metavar="ADDRESS",
            help="Extract on an existing dask.distributed cluster (e.g. tcp://host:8786) "
            "instead of local workers; the same output.",
        ),
        click.option(
            "--max-chars",
            type=click.IntRange(min=1000),
            default=DEFAULT_MAX_CHARS,
            show_default=True,
            help="Texts longer than this are cut into parts at paragraph breaks (or skipped, "
            "with --too-long skip).",
        ),
        click.option(
            "--too-long",
            type=click.Choice(TOO_LONG),
            default="split",
            show_default=True,
            help="What to do with a text over --max-chars.",
        ),
        click.option(
            "--article-timeout",
            type=click.FloatRange(min=0.1),
            default=DEFAULT_TIMEOUT,
            show_default=True,
            help="Seconds one article may take; its worker is then replaced and the article "
            "reported as skipped.",
        ),
        click.option(
            "--article-memory",
            type=click.IntRange(min=100),
            default=DEFAULT_MEMORY_MB,
            show_default=True,
            help="MB of memory a worker may use on one article; likewise replaced above it.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _options(kw: dict) -> tuple[Options, str]:
    """Options and the too-long policy from the shared extraction options."""
    if kw["dask_address"] and kw["workers"]:
        raise Failure("give --workers or --dask, not both", 2)
    if kw["model"] is not None:  # a bad model file is bad input: say so before extracting
        from stancegraph.extract.learned import ModelFileError, read_model

        try:
            read_model(kw["model"])
        except ModelFileError as err:
            raise Failure(str(err), 2) from None
    options = Options(
        extractor=kw["extractor"],
        model=None if kw["model"] is None else str(kw["model"]),
        workers=all_cores() if kw["workers"] is None else kw["workers"],
        dask=kw["dask_address"],
        max_chars=kw["max_chars"],
        timeout=kw["article_timeout"],
        memory_mb=kw["article_memory"],
    )
    return options, kw["too_long"]


def _warn_skipped(skipped: list[tuple[str, str]]) -> None:
    for path, reason in skipped:
        click.echo(f"warning: skipped {printable(path)}: {printable(reason)}", err=True)


@main.command("build")
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    default=DEFAULT_OUT,
    show_default=True,
    type=click.Path(path_type=Path),
    help="Folder for stancegraph.ttl, stancegraph.trig, store/ and index.html (each build "
    "a new generation; `current` points to the latest).",
)
@click.option(
    "--registry",
    "registry_sheets",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="An ICE 287(g) registry sheet (xlsx; repeat for more) used as a gazetteer: agencies "
    "it lists in a state the article names get that state and their county.",
)
@click.option(
    "--remove",
    "remove",
    multiple=True,
    metavar="DOC",
    help="Leave this article out (its id, e.g. name.txt or name.jsonl#3, or its path; repeat "
    "for more). Without SOURCES: rebuild --out's current graph from its own sources without it.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Extract every article again instead of reusing what earlier builds into --out "
    "extracted from unchanged articles (--out/cache/), and leave that cache alone.",
)
@extraction_options
def build_command(
    sources: tuple[Path, ...],
    out_dir: Path,
    registry_sheets: tuple[Path, ...],
    remove: tuple[str, ...],
    no_cache: bool,
    **kw,
) -> None:
    """Extract every stance from SOURCES (folders or .txt/.html/.jsonl files; default seeds/)
    and write the graph files, the store and the view to --out. Articles that did not change
    since the last build into --out are not extracted again."""
    if out_dir.exists() and not out_dir.is_dir():
        raise Failure(f"--out {out_dir} is a file, not a folder", 2)
    if not sources:  # --remove alone rebuilds the current graph; else the default sources
        sources = None if remove else DEFAULT_SOURCES
    options, too_long = _options(kw)
    gazetteer = None
    if registry_sheets:
        from stancegraph import registry

        gazetteer = registry.Gazetteer([registry.read_sheet(p) for p in registry_sheets])
    bar = _ProgressBar() if sys.stderr.isatty() else None
    try:
        report = build(
            sources,
            out_dir,
            progress=bar,
            options=options,
            too_long=too_long,
            gazetteer=gazetteer,
            cache=not no_cache,
            remove=remove,
        )
    finally:
        if bar is not None:
            bar.close()
    _warn_skipped(report.skipped)
    skipped = f" ({len(report.skipped)} skipped)" if report.skipped else ""
    removed = f", {len(report.removed)} removed" if report.removed else ""
    click.echo(f"read {_count(report.articles, 'article')}{skipped}{removed}")
    click.echo(f"{report.cached} from the cache, {report.extracted} extracted")
    click.echo(
        f"extracted {_count(report.stances, 'stance')} about "
        f"{_count(report.entities, 'entity', 'entities')} ({_count(report.triples, 'triple')})"
    )
    if report.conflicts:  # resolution left these facts out: articles disagree on them
        click.echo(
            f"warning: {_count(len(report.conflicts), 'conflicting fact')} left out: "
            + "; ".join(report.conflicts)
        )
    if report.iri_changes:  # a new or changed article moved entities of unchanged ones
        shown = "; ".join(printable(c) for c in report.iri_changes[:MAX_REPORTED])
        more = len(report.iri_changes) - MAX_REPORTED
        click.echo(
            f"note: entities of {_count(len(report.iri_changes), 'unchanged article')} have "
            f"other IRIs now: {shown}" + (f" (and {more} more)" if more > 0 else "")
        )
    click.echo("wrote " + ", ".join(str(f) for f in report.files))


@main.command("extract")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "turtle", "trig", "nt", "jsonld"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one stance record a line (DESIGN.md); the others: the RDF of docs/graph.md.",
)
@extraction_options
def extract_command(sources: tuple[Path, ...], fmt: str, **kw) -> None:
    """Extract stances from SOURCES to stdout, without touching any store."""
    options, too_long = _options(kw)
    articles, stances, skipped = extract(sources, options=options, too_long=too_long)
    _warn_skipped(skipped)
    if fmt == "jsonl":
        out = "".join(json.dumps(s.to_record(), ensure_ascii=False) + "\n" for s in stances)
        _stdout(out.encode("utf-8"))
    else:
        _stdout(rdf.serialize(rdf.build_dataset(articles, stances), fmt))


# ---------------------------------------------------------------- export and validate


def _rdf_exporter(fmt: str) -> Callable[[Path], bytes]:
    return lambda graph: rdf.serialize(load_dataset(graph), fmt)


def _network_exporter(fmt: str) -> Callable[[Path], bytes]:
    """GraphML or GEXF for Gephi: actors and targets, one edge per (actor, target, stance)."""

    def export(graph: Path) -> bytes:
        from stancegraph import graphviews, store

        data = graphviews.load(store.open_store(graph))
        return graphviews.network_bytes(graphviews.export_graph(data), fmt)

    return export


# format name -> function(graph path) -> the bytes to write
EXPORTERS: dict[str, Callable[[Path], bytes]] = {
    "turtle": _rdf_exporter("turtle"),
    "nt": _rdf_exporter("nt"),
    "trig": _rdf_exporter("trig"),
    "jsonld": _rdf_exporter("jsonld"),
    "graphml": _network_exporter("graphml"),
    "gexf": _network_exporter("gexf"),
}
TWO_FILE_FORMATS = ("csv",)  # a nodes file and an edges file: -o names a folder or a prefix


@main.command("export")
@graph_option
@click.option("--format", "fmt", required=True, type=click.Choice([*EXPORTERS, *TWO_FILE_FORMATS]))
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(),  # a str: csv needs to see a trailing slash
    help="Write to this file (default: stdout). csv writes two files and needs -o: a folder "
    "(existing, or ending in /) gets nodes.csv and edges.csv, anything else is a prefix "
    "(-o out/seeds- gives out/seeds-nodes.csv and out/seeds-edges.csv).",
)
def export_command(graph: Path, fmt: str, output: str | None) -> None:
    """Write the graph in another format: RDF (turtle, nt, trig, jsonld) or, for Gephi and
    friends, a network of actors and targets (graphml, gexf, csv) whose edges carry the
    stance, relations, dates and evidence count."""
    if fmt in TWO_FILE_FORMATS:
        from stancegraph import graphviews, store

        if output is None:
            raise Failure(
                "--format csv writes a nodes and an edges file: give -o DIR/ or PREFIX", 2
            )
        data = graphviews.load(store.open_store(graph))
        for path in graphviews.write_network(data, fmt, output):
            click.echo(f"wrote {path}", err=True)
        return
    if output is not None and Path(output).is_dir():
        raise Failure(f"-o {output}: is a folder; --format {fmt} writes one file", 2)
    data = EXPORTERS[fmt](graph)
    if output is None:
        _stdout(data)
    else:
        write_atomic(Path(output), data)


@main.command("validate")
@graph_option
def validate_command(graph: Path) -> None:
    """Check the graph against the shipped SHACL shapes (with the ontology's hierarchy)."""
    ds = load_dataset(graph)
    violations = rdf.validate(ds)
    if violations:
        for line in violations[:MAX_REPORTED]:
            click.echo(line)
        if len(violations) > MAX_REPORTED:
            click.echo(f"... and {len(violations) - MAX_REPORTED} more")
        raise Failure(f"{graph}: {len(violations)} SHACL violations", 1)
    union = rdf.union_graph(ds)
    stances = len(set(union.subjects(rdf.RDF.type, rdf.SG.Stance)))
    click.echo(f"{graph}: valid ({stances} stances, {len(union)} triples conform to the shapes)")


# ---------------------------------------------------------------- the ICE 287(g) registry


@main.command("import-registry")
@click.argument("sheets", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@graph_option
def import_registry_command(sheets: tuple[Path, ...], graph: Path) -> None:
    """Add ICE's 287(g) registry sheets (participating and pending agencies, xlsx) to the
    graph, one named graph per snapshot; importing a snapshot again replaces it."""
    from stancegraph import registry

    report = registry.import_registry(sheets, graph)
    for snap in report.snapshots:
        models = Counter(r.model for r in snap.rows)
        by_model = ", ".join(f"{n} {m}" for m, n in sorted(models.items()))
        click.echo(
            f"{snap.path.name}: {snap.status} {snap.date}: "
            f"{_count(len(snap.rows), 'agreement')} ({by_model})"
        )
        for row, why in snap.skipped:
            click.echo(f"warning: {snap.path.name} row {row}: {why}", err=True)
    click.echo(
        f"{_count(report.agencies, 'agency', 'agencies')}, {report.linked} already in the graph; "
        f"wrote {_count(report.triples, 'triple')} to " + ", ".join(str(f) for f in report.files)
    )


# ---------------------------------------------------------------- viz


@main.command("viz")
@graph_option
@click.option(
    "--out",
    "out_file",
    default="stancegraph.html",
    show_default=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The HTML file to write (one self-contained page, opens offline).",
)
@click.option("--focus", metavar="NAME", help="An ego view around this actor or target.")
@click.option(
    "--hops",
    default=1,
    show_default=True,
    type=click.IntRange(min=0),
    help="With --focus: how many links away from NAME to show.",
)
@click.option("--target", metavar="NAME", help="Everyone with a position on this target.")
def viz_command(
    graph: Path, out_file: Path, focus: str | None, hops: int, target: str | None
) -> None:
    """Write the interactive HTML view: the whole graph, an ego view or a one-target view."""
    from stancegraph import viz  # pyvis is only loaded by the command that draws

    try:
        report = viz.write_view(graph, out_file, focus=focus, hops=hops, target=target)
    except viz.ViewError as err:
        raise Failure(_one_line(err), 2) from None
    except OSError as err:
        raise Failure(f"cannot write {out_file}: {err.strerror or err}", 1) from None
    click.echo(
        f"wrote {report.path} ({report.nodes} nodes, {report.edges} links, "
        f"{report.stances} stances, {report.bytes / 1e6:.1f} MB)"
    )
    if report.entities > report.nodes:  # viz.VIEW_MAX: the page shows the hubs only
        click.echo(
            f"note: the graph has {report.entities:,} entities; the page shows the "
            f"{report.nodes:,} best connected. --focus NAME or --target NAME show any part.",
            err=True,
        )


# ---------------------------------------------------------------- analyze


@main.command("analyze")
@graph_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A readable report, or JSON with every list in full.",
)
@click.option(
    "--top",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="Central actors per measure (and, in text, entries per section).",
)
@click.option(
    "--write",
    is_flag=True,
    help="Also store coalition membership and centrality as triples in the store's named "
    "graph <…/id/graph/analysis> (replacing the previous analysis), for SPARQL.",
)
def analyze_command(graph: Path, fmt: str, top: int, write: bool) -> None:
    """Coalitions, central actors, contested targets, changes of position (also after
    rolling officials and agencies up to their jurisdiction), roll-up by state and
    disagreements between sources."""
    from stancegraph import analyze, graphviews, store

    if write and graph.is_file():
        raise Failure(f"--write needs a store (a folder from `stancegraph build`), not {graph}", 2)
    st = store.open_store(graph)
    data = graphviews.load(st)
    scores: dict = {}
    report = analyze.analyze(data, top=top, scores=scores)
    registry = analyze.registry_report(st)
    if registry is not None:  # the graph holds ICE 287(g) registry snapshots
        report["registry"] = registry
    if write:
        iri, count = analyze.write_results(graph, data, report, scores)
        click.echo(f"wrote {_count(count, 'triple')} to <{iri}>", err=True)
    if fmt == "json":
        _stdout((json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    else:
        _stdout(analyze.render_text(report, top=top).encode("utf-8"))


# ---------------------------------------------------------------- query, serve, push


@main.command("query")
@click.argument("sparql", required=False)
@click.option(
    "--file",
    "query_file",
    metavar="F",
    help="A .rq file, or the name of a bundled query (see `stancegraph queries`).",
)
@graph_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv"]),
    default="table",
    show_default=True,
    help="SELECT results: an aligned table, SPARQL 1.1 Query Results JSON, CSV or TSV. "
    "CONSTRUCT/DESCRIBE print Turtle, ASK prints true or false.",
)
@click.option(
    "--timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds the query may run before it is stopped (0: no limit).",
)
@click.option(
    "--allow-service",
    is_flag=True,
    help="Let SERVICE clauses call other servers. Without it SERVICE is refused and the "
    "query runs in a process that can open no network connection.",
)
def query_command(
    sparql: str | None,
    query_file: str | None,
    graph: Path,
    fmt: str,
    timeout: float,
    allow_service: bool,
) -> None:
    """Run a SPARQL query (QUERY or --file F) over the graph. The prefixes sg, prov, oa,
    dcterms, schema, skos, org, rdfs, owl, xsd and rdf need no declaration. The query
    runs in a child process of its own, so one that crashes or hangs ends with one line."""
    from stancegraph import store, workers

    if (sparql is None) == (query_file is None):
        raise Failure("give either a QUERY or --file F, not both or neither", 2)
    text = sparql if query_file is None else store.find_query(query_file)
    limits = workers.Limits(
        timeout=timeout or None,
        max_rows=None,
        max_bytes=None,
        max_memory_mb=None,
        allow_service=allow_service,
        require_isolation=False,
    )
    job = workers.Job(text, result_fmt=fmt, for_terminal=True)
    try:
        answer, isolation = workers.run_once(graph, job, limits)
    except workers.WorkerFailed as err:
        raise Failure(_one_line(err), 1) from None
    if isolation.startswith("NOT"):
        click.echo(f"warning: the query ran with network access: {isolation}", err=True)
    if answer.status != 200:
        raise Failure(" ".join(answer.body.decode("utf-8", "replace").split()), 1)
    _stdout(answer.body)


@main.command("queries")
def queries_command() -> None:
    """List the bundled example queries: the name, then the question it asks."""
    from stancegraph import store

    bundled = store.bundled_queries()
    width = max((len(q.name) for q in bundled), default=0)
    for q in bundled:
        click.echo(f"{q.name.ljust(width)}  {q.description}")


@main.command("serve")
@graph_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds a query may run before it is stopped (HTTP 503).",
)
@click.option(
    "--max-rows",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows (or triples) a response holds at most.",
)
@click.option(
    "--max-bytes",
    default=10_000_000,
    show_default=True,
    type=click.IntRange(min=1000),
    help="Bytes a response holds at most (cut at a row, like --max-rows).",
)
@click.option(
    "--max-memory",
    default=1024,
    show_default=True,
    type=click.IntRange(min=512),
    help="MB of memory (address space) each query worker may use; past it the query gets 503.",
)
@click.option(
    "--workers",
    "workers_count",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="Query worker processes (queries answered at once).",
)
def serve_command(
    graph: Path,
    host: str,
    port: int,
    timeout: float,
    max_rows: int,
    max_bytes: int,
    max_memory: int,
    workers_count: int,
) -> None:
    """A read-only SPARQL 1.1 endpoint at /sparql, a query page at /, the view at /graph."""
    from stancegraph import server, workers

    def started(isolation: str) -> None:
        click.echo(
            f"serving {graph} at http://{host}:{port}/ (SPARQL endpoint: /sparql); "
            f"query workers: {isolation}; Ctrl-C stops",
            err=True,
        )

    try:
        server.serve(
            graph,
            host=host,
            port=port,
            timeout=timeout,
            max_rows=max_rows,
            max_bytes=max_bytes,
            max_memory=max_memory,
            workers_count=workers_count,
            started=started,
        )
    except workers.WorkerFailed as err:
        raise Failure(_one_line(err), 1) from None


@main.command("push")
@click.option(
    "--endpoint",
    required=True,
    metavar="URL",
    help="The server's SPARQL 1.1 Graph Store endpoint, e.g. http://localhost:7878/store "
    "(Oxigraph) or http://localhost:3030/DATASET/data (Fuseki).",
)
@graph_option
def push_command(endpoint: str, graph: Path) -> None:
    """Send the graph to an existing SPARQL server, one named graph per article (HTTP PUT)."""
    from urllib.parse import urlsplit

    from stancegraph import store

    if urlsplit(endpoint).scheme not in ("http", "https") or not urlsplit(endpoint).netloc:
        raise Failure(f"--endpoint must be an http(s) URL, not {endpoint!r}", 2)
    report = store.push(store.open_store(graph), endpoint)
    click.echo(
        f"pushed {_count(report.graphs, 'named graph')} "
        f"({_count(report.triples, 'triple')}) to {report.endpoint}"
    )


# ---------------------------------------------------------------- helpers


class _ProgressBar:
    """A click progress bar on stderr, shown only once a build has many articles."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total < PROGRESS_MIN:
                return
            self.bar = click.progressbar(length=total, label="extracting", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def printable(text: str) -> str:
    """`text` with control characters escaped, so a file name cannot forge a line of output."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _stdout(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def run() -> None:
    """The `stancegraph` command: `main`, then an exit whose collector skips what the command
    left alive (a third of a second after a 2,000-article build). Only for a process that
    ends here: a caller that goes on (a test's CliRunner) calls `main`."""
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    run()
