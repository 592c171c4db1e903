"""A read-only SPARQL 1.1 Protocol endpoint over a built graph, and a page to query it.

Why it is shaped this way:
- The event loop only speaks HTTP. Reading the request is bounded (MAX_BODY bytes,
  the time limit); everything about the query itself, even checking it, happens in
  worker processes (workers.py), which cannot open a socket, cap their memory, and
  are killed and replaced when they overrun the time limit. So no query, however
  hostile, holds up the others for longer than it holds up one worker.
- Read-only and offline by construction: see gate.py (what may run) and sandbox.py
  (what a worker can reach: nothing).
- Answers are bounded in rows, bytes and time, the time including sending: a
  response that is still being sent when the time is up is cut off.
- Every response carries a strict Content-Security-Policy; the HTML pages get one
  computed from their own inline scripts and styles (content_security_policy).
- Starlette + uvicorn: a small, well-kept ASGI stack; CORS from Starlette's
  middleware so that browser tools (YASGUI) can use the endpoint.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stancegraph import store as sgstore
from stancegraph import workers
from stancegraph.gate import READ_ONLY, Refused
from stancegraph.workers import Answer, Job, Limits, Worker, WorkerFailed

DEFAULT_TIMEOUT = 10.0  # seconds a query may run, sending included
DEFAULT_MAX_ROWS = 10_000  # rows (or triples) a response may hold
DEFAULT_MAX_BYTES = 10_000_000  # bytes a response may hold
DEFAULT_MAX_MEMORY = 1024  # MB of address space a query worker may use
DEFAULT_WORKERS = 3  # one more than two cores: a core need not wait for a worker's next job
MAX_BODY = 1_000_000  # bytes of request body (413 beyond)
SEND_CHUNK = 64 * 1024  # bytes per write when sending an answer
SEND_GRACE = 1.0  # seconds an answer ready at the time limit still has to be sent

log = logging.getLogger("stancegraph.server")

# media type -> format, in the order of preference when the client likes several equally
RESULT_OFFERS = [
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("application/json", "json"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
]
GRAPH_OFFERS = [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "jsonld"),
    ("application/rdf+xml", "rdfxml"),
    ("application/x-turtle", "turtle"),
]
FORMAT_NAMES = {  # ?format= shortcuts: (result format, graph format)
    "json": ("json", None),
    "xml": ("xml", None),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "turtle": (None, "turtle"),
    "ttl": (None, "turtle"),
    "nt": (None, "nt"),
    "ntriples": (None, "nt"),
    "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"),
    "rdfxml": (None, "rdfxml"),
    "rdf": (None, "rdfxml"),
}
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


# ---------------------------------------------------------------- content negotiation


def negotiate(accept: str | None, offers: list[tuple[str, str]]) -> str | None:
    """The offered format the Accept header likes best (RFC 9110: q-values, type/* and
    */*, the most specific range deciding), the first offer if there is no header,
    None if it accepts none of them."""
    if not accept or not accept.strip():
        return offers[0][1]
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = min(max(float(f[2:]), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    best, best_q = None, 0.0
    for media, fmt in offers:
        main = media.split("/")[0]
        matched = [
            (3 if r == media else 2 if r == f"{main}/*" else 1, q)
            for r, q in ranges
            if r in (media, f"{main}/*", "*/*")
        ]
        if matched:
            q = max(matched)[1]
            if q > best_q:
                best, best_q = fmt, q
    return best


# ---------------------------------------------------------------- reading the request


@dataclass
class Asked:
    """What the client asked: the query and the protocol's dataset parameters."""

    sparql: str
    default_graph: list[str] | None
    named_graphs: list[str] | None
    fmt: str | None  # the ?format= parameter


def _pairs(raw: bytes | str) -> list[tuple[str, str]]:
    """URL-encoded pairs, decoded strictly as UTF-8 (400 otherwise)."""
    try:
        text = raw.decode("ascii") if isinstance(raw, bytes) else raw
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeError:
        raise Refused(400, "the request is not valid UTF-8") from None


async def _body(request: Request, limit: float) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise Refused(413, f"request body too large: at most {MAX_BODY} bytes")
    chunks, size = [], 0
    try:
        async with asyncio.timeout(limit):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY:
                    raise Refused(413, f"request body too large: at most {MAX_BODY} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise Refused(408, "the request body took too long to arrive") from None
    except ClientDisconnect:
        raise Refused(400, "the client went away") from None
    return b"".join(chunks)


async def read_request(request: Request, limit: float) -> Asked:
    """The query and its dataset from GET ?query=, a form POST or a direct POST."""
    pairs = _pairs(request.url.query)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "")
        media, *params = [p.strip().lower() for p in ctype.split(";")]
        charset = next((p[8:].strip('"') for p in params if p.startswith("charset=")), "utf-8")
        if charset not in ("utf-8", "utf8"):
            raise Refused(400, f"the body must be UTF-8, not {charset}")
        if media == "application/sparql-update":
            raise Refused(403, READ_ONLY)
        if media not in ("application/sparql-query", "application/x-www-form-urlencoded"):
            raise Refused(
                415,
                "send the query as ?query=, a form field (application/x-www-form-urlencoded)"
                " or an application/sparql-query body",
            )
        body = await _body(request, limit)
        if media == "application/x-www-form-urlencoded":
            pairs += _pairs(body)
        else:
            if any(k == "query" for k, _ in pairs):
                raise Refused(400, "give the query once: in the body or in ?query=, not both")
            try:
                pairs.append(("query", body.decode("utf-8")))
            except UnicodeDecodeError:
                raise Refused(400, "the query is not valid UTF-8") from None
    fields: dict[str, list[str]] = {}
    for key, value in pairs:
        fields.setdefault(key, []).append(value)
    if "update" in fields:
        raise Refused(403, READ_ONLY)
    queries = fields.get("query", [])
    if len(queries) > 1:
        raise Refused(400, "one query per request: the query parameter is given more than once")
    if not queries or not queries[0].strip():
        raise Refused(400, "missing the query: /sparql?query=SELECT ... (or POST it)")
    defaults, named = fields.get("default-graph-uri"), fields.get("named-graph-uri")
    dataset = defaults is not None or named is not None  # the protocol's dataset wins whole
    formats = fields.get("format", [None])
    return Asked(
        queries[0],
        (defaults or []) if dataset else None,
        (named or []) if dataset else None,
        formats[-1],
    )


# ---------------------------------------------------------------- the worker pool


class WorkerPool:
    """Worker processes that each hold the graph open; a query that overruns kills its
    worker, and another takes its place."""

    def __init__(self, graph: Path, size: int, limits: Limits):
        self.graph = str(graph)
        self.size = size
        self.limits = limits
        self.started: list[Worker] = []
        self.idle: asyncio.Queue | None = None
        self.isolation = ""

    def start(self) -> None:
        """Start the workers (blocking). Raises WorkerFailed (bad graph, no isolation)."""
        while len(self.started) < self.size:
            worker = Worker(self.graph, self.limits).start()
            self.started.append(worker)
            self.isolation = worker.isolation

    def attach(self) -> None:
        """Hand the started workers to the running event loop."""
        self.start()
        self.idle = asyncio.Queue()
        for worker in self.started:
            self.idle.put_nowait(worker)
        self.started = []

    async def run(self, job: Job) -> tuple[Answer, float]:
        """The answer, and the loop time at which a worker took the job (the time limit
        runs from then: waiting for a free worker has its own limit, of the same length)."""
        assert self.idle is not None
        loop = asyncio.get_running_loop()
        try:
            worker = await asyncio.wait_for(self.idle.get(), self.limits.timeout)
        except TimeoutError:
            busy = f"the endpoint is busy: no query worker was free in {self.limits.timeout:g} s"
            return workers.text_answer(503, busy), loop.time()
        taken = loop.time()
        try:
            answer = await self._ask(worker, job)
        except BaseException:  # cancelled mid-query: the worker's next answer would be stale
            self._replace(worker)
            raise
        if answer is None:
            self._replace(worker)
            return workers.timeout_answer(self.limits), taken
        if isinstance(answer, Worker):
            self._replace(worker)
            return worker.death(), taken
        if answer.retire:
            self._replace(worker)
        else:
            self.idle.put_nowait(worker)
        return answer, taken

    async def _ask(self, worker: Worker, job: Job):
        """The worker's Answer; None if it overran the time limit; the worker if it died."""
        loop = asyncio.get_running_loop()
        readable = loop.create_future()
        fd = worker.conn.fileno()
        try:
            worker.conn.send(job)
            loop.add_reader(fd, lambda: readable.done() or readable.set_result(None))
            try:
                await asyncio.wait_for(readable, self.limits.timeout)
            except TimeoutError:
                return None
            finally:
                loop.remove_reader(fd)
                os.set_blocking(fd, True)  # uvloop leaves a watched fd non-blocking
            return worker.conn.recv()
        except (EOFError, OSError):
            return worker

    def _replace(self, worker: Worker) -> None:
        worker.stop()
        asyncio.get_running_loop().create_task(self._start_one())

    async def _start_one(self) -> None:
        try:
            worker = await asyncio.to_thread(Worker(self.graph, self.limits).start)
        except WorkerFailed as exc:
            log.error("could not replace a query worker: %s", exc)
            return
        assert self.idle is not None
        self.idle.put_nowait(worker)

    def close(self) -> None:
        for worker in self.started:
            worker.stop()
        while self.idle is not None and not self.idle.empty():
            self.idle.get_nowait().stop()


# ---------------------------------------------------------------- responses


def content_security_policy(html: str) -> str:
    """A policy that lets this page run its own inline scripts and styles and nothing
    else: each inline <script> and <style> block is allowed by its SHA-256, so a page
    can add blocks freely (no attribute handlers, no inline style attributes)."""
    allowed: dict[str, list[str]] = {"script": [], "style": []}
    for tag, attrs, content in _INLINE_BLOCK.findall(html):
        if "src=" not in attrs.lower():
            digest = hashlib.sha256(content.encode("utf-8")).digest()
            allowed[tag.lower()].append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + (" ".join(allowed["script"]) or "'none'"),
            "style-src " + (" ".join(allowed["style"]) or "'none'"),
            "connect-src 'self'",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


_INLINE_BLOCK = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)


class HtmlPage:
    """An HTML file served with its own CSP, both computed again only when it changes."""

    def __init__(self, locate):
        self.locate = locate  # () -> Path | None
        self.cached: tuple | None = None

    def response(self) -> Response | None:
        path = self.locate()
        if path is None:
            return None
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if self.cached is None or self.cached[0] != key:
            body = path.read_bytes()
            self.cached = (key, body, content_security_policy(body.decode("utf-8", "replace")))
        _, body, policy = self.cached
        return Response(
            body,
            media_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": policy},
        )


class TimedResponse(Response):
    """An answer sent in pieces, cut off (the connection closed) past its deadline: the
    time limit covers sending too, so a slow reader cannot hold an answer open."""

    def __init__(self, answer: Answer, deadline: float, headers: dict[str, str]):
        super().__init__(answer.body, answer.status, headers, media_type=answer.media_type)
        self.deadline = deadline

    async def __call__(self, scope, receive, send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        try:
            async with asyncio.timeout_at(self.deadline):
                for start in range(0, len(self.body), SEND_CHUNK):
                    piece = self.body[start : start + SEND_CHUNK]
                    await send({"type": "http.response.body", "body": piece, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except TimeoutError:
            log.warning("an answer was cut off: the client read it too slowly")


def _text(status: int, message: str) -> Response:
    return Response(message.rstrip("\n") + "\n", status, media_type=workers.TEXT)


def security_headers(app):
    """ASGI middleware: the security headers on every response, and the strict CSP on
    every response that did not bring its own (a page's, see HtmlPage)."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", STRICT_CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


# ---------------------------------------------------------------- the app


def make_app(
    graph: Path,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    workers_count: int = DEFAULT_WORKERS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_memory: int | None = DEFAULT_MAX_MEMORY,
    pool: WorkerPool | None = None,
) -> Starlette:
    """The ASGI app: /sparql, / (the query page), /graph (the HTML view), /queries."""
    graph = Path(graph)
    limits = Limits(
        timeout=timeout, max_rows=max_rows, max_bytes=max_bytes, max_memory_mb=max_memory
    )
    pool = pool or WorkerPool(graph, workers_count, limits)
    template = Path(str(resources.files("stancegraph") / "templates" / "query.html"))
    query_page = HtmlPage(lambda: template)
    graph_page = HtmlPage(lambda: sgstore.graph_view(graph))

    async def sparql(request: Request) -> Response:
        try:
            asked = await read_request(request, timeout)
        except Refused as exc:
            return _text(exc.status, exc.message)
        result_fmt = negotiate(request.headers.get("accept"), RESULT_OFFERS)
        graph_fmt = negotiate(request.headers.get("accept"), GRAPH_OFFERS)
        if asked.fmt is not None:
            if asked.fmt.lower() not in FORMAT_NAMES:
                return _text(400, f"unknown format {asked.fmt!r}: one of {', '.join(FORMAT_NAMES)}")
            named_result, named_graph = FORMAT_NAMES[asked.fmt.lower()]
            result_fmt, graph_fmt = named_result or result_fmt, named_graph or graph_fmt
        if result_fmt is None and graph_fmt is None:
            return _text(
                406,
                "none of the types in the Accept header can be sent; "
                "results: "
                + ", ".join(m for m, _ in RESULT_OFFERS)
                + "; graphs: "
                + ", ".join(m for m, _ in GRAPH_OFFERS),
            )
        job = Job(asked.sparql, result_fmt, graph_fmt, asked.default_graph, asked.named_graphs)
        answer, taken = await pool.run(job)
        headers = {"Vary": "Accept"}
        if answer.truncated:
            headers["X-Stancegraph-Truncated"] = answer.truncated
        if answer.status == 503:
            headers["Retry-After"] = "5"
        # the limit covers sending; an answer ready at the very end still gets SEND_GRACE s
        now = asyncio.get_running_loop().time()
        return TimedResponse(answer, max(taken + timeout, now + SEND_GRACE), headers)

    async def page(request: Request) -> Response:
        return query_page.response()

    async def queries(request: Request) -> Response:
        return JSONResponse(
            [
                {"name": q.name, "description": q.description, "query": q.text}
                for q in sgstore.bundled_queries()
            ]
        )

    async def view(request: Request) -> Response:
        response = graph_page.response()
        if response is None:
            return _text(404, f"no index.html next to {graph}: run `stancegraph build` or `viz`")
        return response

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        pool.attach()
        try:
            yield
        finally:
            pool.close()

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/sparql", sparql, methods=["GET", "HEAD", "POST"]),
            Route("/queries", queries),
            Route("/graph", view),
            Route("/favicon.ico", no_icon),  # browsers ask; a 404 would be logged as an error
        ],
        middleware=[
            Middleware(security_headers),
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                allow_headers=["*"],
                expose_headers=["X-Stancegraph-Truncated"],
            ),
        ],
        lifespan=lifespan,
    )
    return app


def serve(
    graph: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_memory: int | None = DEFAULT_MAX_MEMORY,
    workers_count: int = DEFAULT_WORKERS,
    started=None,
) -> None:
    """Run the endpoint until interrupted. The workers start first, so a bad graph or a
    system where they cannot be cut off the network fails before anything listens
    (WorkerFailed); `started(isolation)` is called once they are up."""
    import uvicorn

    limits = Limits(
        timeout=timeout, max_rows=max_rows, max_bytes=max_bytes, max_memory_mb=max_memory
    )
    pool = WorkerPool(Path(graph), workers_count, limits)
    pool.start()
    try:
        if started is not None:
            started(pool.isolation)
        app = make_app(graph, timeout, max_rows, workers_count, max_bytes, max_memory, pool)
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        pool.close()
