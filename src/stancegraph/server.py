"""A read-only SPARQL 1.1 Protocol endpoint over a built graph, and a page to query it.

Why it is shaped this way:
- Read-only and closed to the network: every query is parsed (rdflib's SPARQL
  parser) before it runs; updates and SERVICE are refused there, because
  pyoxigraph fetches SERVICE and LOAD URLs from its Rust core, beyond the reach
  of anything Python could intercept once a query runs.
- A time limit that holds: pyoxigraph cannot be interrupted from Python, so
  queries run in worker processes; a worker that overruns is killed and replaced.
- Starlette + uvicorn: a small, well-kept ASGI stack; CORS from Starlette's
  middleware so that browser tools (YASGUI) can use the endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from stancegraph import store as sgstore

DEFAULT_TIMEOUT = 10.0  # seconds a query may run
DEFAULT_MAX_ROWS = 10_000  # rows (or triples) a response may hold
DEFAULT_WORKERS = 2

RESULT_TYPES = {  # media type -> result format
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
}
MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
FORMAT_NAMES = {  # ?format= shortcuts
    "json": "json",
    "xml": "xml",
    "csv": "csv",
    "tsv": "tsv",
    "turtle": "turtle",
    "ttl": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
}


class Refused(Exception):
    """A query the endpoint will not run: (HTTP status, one-line message)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# ---------------------------------------------------------------- the read-only check


def check_query(sparql: str) -> None:
    """Refuse anything but a read-only, local query; runs before the store sees it.

    Raises Refused(400) for a malformed query, Refused(403) for an update
    (INSERT, DELETE, LOAD, CLEAR, ...) or a query with a SERVICE clause anywhere
    (in a subquery, an OPTIONAL, a FILTER EXISTS ...). The check walks rdflib's
    parse tree, so the word "service" inside a literal or an IRI is harmless;
    anything rdflib's parser cannot read is refused rather than run.
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseQuery(sparql)
    except ParseBaseException as exc:
        try:
            parseUpdate(sparql)
        except ParseBaseException:
            raise Refused(400, f"malformed query: {_parse_message(exc)}") from None
        except Exception:  # noqa: BLE001 - rdflib raises assorted errors on odd input
            raise Refused(400, f"malformed query: {_parse_message(exc)}") from None
        raise Refused(403, "this endpoint is read-only: updates are refused") from None
    except Exception as exc:  # noqa: BLE001 - e.g. an undefined prefix in some rdflib versions
        raise Refused(400, f"malformed query: {_one_line(exc)}") from None
    if any(name == "ServiceGraphPattern" for name in _node_names(tree)):
        raise Refused(403, "SERVICE is not allowed: this endpoint never queries other servers")


def _node_names(node):
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item.name
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, ParseResults)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


def _parse_message(exc) -> str:
    line, col = getattr(exc, "lineno", None), getattr(exc, "col", None)
    where = f"line {line}, column {col}: " if line is not None else ""
    return where + " ".join(str(getattr(exc, "msg", exc)).split())


# ---------------------------------------------------------------- workers


@dataclass
class Answer:
    status: int
    media_type: str
    body: bytes
    truncated: bool = False


def _worker(graph: str, conn) -> None:
    """Open the graph once, then answer (sparql, result format, graph format, max rows)."""
    try:
        st = sgstore.open_store(Path(graph))
    except sgstore.StoreError as exc:
        conn.send(("error", str(exc)))
        return
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        sparql, result_fmt, graph_fmt, max_rows = job
        try:
            conn.send(("ok", _answer(st, sparql, result_fmt, graph_fmt, max_rows)))
        except sgstore.QueryError as exc:
            status = 400 if str(exc).startswith("malformed") else 500
            conn.send(("ok", Answer(status, "text/plain; charset=utf-8", f"{exc}\n".encode())))
        except Exception as exc:  # noqa: BLE001 - answer, and keep the worker serving
            message = f"query failed: {_one_line(exc)}\n"
            conn.send(("ok", Answer(500, "text/plain; charset=utf-8", message.encode())))


def _answer(st, sparql: str, result_fmt: str, graph_fmt: str, max_rows: int) -> Answer:
    result = sgstore.query(st, sparql)
    kind = sgstore.kind(result)
    if kind == "select":
        names, table, truncated = sgstore.rows(result, limit=max_rows)
        body = sgstore.serialize_select(names, table, result_fmt)
        return Answer(200, MEDIA[result_fmt], body, truncated)
    if kind == "ask":
        return Answer(200, MEDIA[result_fmt], sgstore.serialize_ask(bool(result), result_fmt))
    triples, truncated = [], False
    for t in result:
        if len(triples) >= max_rows:
            truncated = True
            break
        triples.append(t)
    return Answer(200, MEDIA[graph_fmt], sgstore.serialize_triples(triples, graph_fmt), truncated)


class WorkerPool:
    """Processes that each hold the graph open; a query that overruns kills its worker."""

    def __init__(self, graph: Path, size: int = DEFAULT_WORKERS, timeout: float = DEFAULT_TIMEOUT):
        self.graph = str(graph)
        self.timeout = timeout
        self.ctx = mp.get_context("spawn")
        self.size = size
        self.idle: asyncio.Queue | None = None

    def _start(self):
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker, args=(self.graph, child), daemon=True)
        proc.start()
        child.close()
        if not parent.poll(120):
            proc.kill()
            raise sgstore.StoreError(f"{self.graph}: the query worker did not start")
        status, message = parent.recv()
        if status != "ready":
            proc.join()
            raise sgstore.StoreError(message)
        return proc, parent

    def start(self) -> None:
        """Start the workers (blocking); raises StoreError if the graph cannot be opened."""
        self.idle = asyncio.Queue()
        for _ in range(self.size):
            self.idle.put_nowait(self._start())

    async def run(self, job: tuple) -> Answer:
        assert self.idle is not None
        proc, conn = await self.idle.get()
        timed_out = False
        try:
            conn.send(job)
            if await asyncio.to_thread(conn.poll, self.timeout):
                _, answer = conn.recv()
                self.idle.put_nowait((proc, conn))
                return answer
            timed_out = True
        except (EOFError, OSError):
            pass  # the worker died: replace it below
        proc.kill()
        proc.join()
        conn.close()
        self.idle.put_nowait(await asyncio.to_thread(self._start))
        if not timed_out:
            return Answer(500, "text/plain; charset=utf-8", b"the query worker failed\n")
        message = f"query timed out: stopped after {self.timeout:g} s (the endpoint's time limit)\n"
        return Answer(503, "text/plain; charset=utf-8", message.encode())

    def close(self) -> None:
        if self.idle is None:
            return
        while not self.idle.empty():
            proc, conn = self.idle.get_nowait()
            proc.kill()
            proc.join()
            conn.close()


# ---------------------------------------------------------------- HTTP


def _negotiate(request: Request, table: dict[str, str], default: str, names: set[str]) -> str:
    wanted = request.query_params.get("format")
    if wanted and FORMAT_NAMES.get(wanted.lower()) in names:
        return FORMAT_NAMES[wanted.lower()]
    best, best_q = default, 0.0
    for part in request.headers.get("accept", "").split(","):
        fields = part.strip().split(";")
        media = fields[0].strip().lower()
        q = 1.0
        for f in fields[1:]:
            if f.strip().startswith("q="):
                try:
                    q = float(f.strip()[2:])
                except ValueError:
                    q = 0.0
        if media in table and q > best_q:
            best, best_q = table[media], q
    return best


def _text(status: int, message: str) -> Response:
    return Response(message.rstrip("\n") + "\n", status, media_type="text/plain; charset=utf-8")


async def _read_query(request: Request) -> str:
    if request.method == "GET":
        if "update" in request.query_params:
            raise Refused(403, "this endpoint is read-only: updates are refused")
        q = request.query_params.get("query")
        if not q:
            raise Refused(400, "missing the query parameter: /sparql?query=SELECT ...")
        return q
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = (await request.body()).decode("utf-8", errors="replace")
    if ctype == "application/sparql-query":
        return body
    if ctype == "application/sparql-update":
        raise Refused(403, "this endpoint is read-only: updates are refused")
    if ctype == "application/x-www-form-urlencoded":
        form = parse_qs(body, keep_blank_values=True)
        if "update" in form:
            raise Refused(403, "this endpoint is read-only: updates are refused")
        if form.get("query"):
            return form["query"][0]
        raise Refused(400, "missing the query field in the form")
    raise Refused(
        415,
        "send the query as ?query=, a form field (application/x-www-form-urlencoded) "
        "or an application/sparql-query body",
    )


def make_app(
    graph: Path,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    workers: int = DEFAULT_WORKERS,
) -> Starlette:
    """The ASGI app: /sparql, / (the query page), /graph (the HTML view), /queries."""
    graph = Path(graph)
    pool = WorkerPool(graph, workers, timeout)

    async def sparql(request: Request) -> Response:
        try:
            text = await _read_query(request)
            check_query(text)
        except Refused as exc:
            return _text(exc.status, exc.message)
        result_fmt = _negotiate(request, RESULT_TYPES, "json", {"json", "xml", "csv", "tsv"})
        graph_fmt = _negotiate(request, GRAPH_TYPES, "turtle", {"turtle", "nt", "jsonld"})
        answer = await pool.run((text, result_fmt, graph_fmt, max_rows))
        headers = {"Vary": "Accept"}
        if answer.truncated:
            headers["X-Stancegraph-Truncated"] = f"only the first {max_rows} rows were sent"
        return Response(answer.body, answer.status, headers=headers, media_type=answer.media_type)

    async def page(request: Request) -> Response:
        html = (resources.files("stancegraph") / "templates" / "query.html").read_text("utf-8")
        return HTMLResponse(html)

    async def queries(request: Request) -> Response:
        return JSONResponse(
            [
                {"name": q.name, "description": q.description, "query": q.text}
                for q in sgstore.bundled_queries()
            ]
        )

    async def view(request: Request) -> Response:
        index = sgstore.graph_view(graph)
        if index is None:
            return _text(404, f"no index.html next to {graph}: run `stancegraph build` or `viz`")
        return FileResponse(index, media_type="text/html")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        pool.start()
        try:
            yield
        finally:
            pool.close()

    return Starlette(
        routes=[
            Route("/", page),
            Route("/sparql", sparql, methods=["GET", "POST"]),
            Route("/queries", queries),
            Route("/graph", view),
        ],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["*"],
                expose_headers=["X-Stancegraph-Truncated"],
            )
        ],
        lifespan=lifespan,
    )


def serve(
    graph: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> None:
    """Run the endpoint until interrupted. Opens the graph first so a bad --graph fails fast."""
    import uvicorn

    sgstore.open_store(Path(graph))  # a clear StoreError now rather than in a worker
    app = make_app(graph, timeout=timeout, max_rows=max_rows)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
