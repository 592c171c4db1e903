"""Query worker processes: where a query from anyone runs, so that whatever it does
(hang, crash, grow, try the network) costs only its own process.

A worker opens the graph once, cuts itself off the network (sandbox.isolate), caps
its memory, and then answers jobs sent down a pipe: the gate (gate.prepare), the
query, the rows or triples serialised within the row and byte limits. It runs them
on a thread with a large stack, because Oxigraph's parser recurses. The parent
enforces the time limit by killing a worker that overruns and starting another.
`serve` keeps a pool of them (server.py); `stancegraph query` starts one per query
(run_once).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from stancegraph import gate, sandbox
from stancegraph import store as sgstore

QUERY_STACK = 128 * 1024 * 1024  # bytes of stack for the query thread (address space only)
START_TIMEOUT = 120.0  # seconds a worker may take to open the graph
TEXT = "text/plain; charset=utf-8"

MEDIA = {  # result or graph format -> the media type it is sent as
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


@dataclass(frozen=True)
class Limits:
    """What one worker's queries may use. None: no limit."""

    timeout: float | None = 10.0  # seconds, from the moment a worker takes the query
    max_rows: int | None = 10_000  # rows or triples in an answer
    max_bytes: int | None = 16_000_000  # bytes in an answer
    max_memory_mb: int | None = 1024  # address space of the worker process
    allow_service: bool = False  # SERVICE allowed, and the network with it
    require_isolation: bool = True  # refuse to start where the network cannot be cut


@dataclass(frozen=True)
class Job:
    """One query to answer. result_fmt/graph_fmt: the format for a SELECT or ASK and for
    a CONSTRUCT or DESCRIBE (None: the client accepts none, 406). for_terminal: as
    `stancegraph query` prints it (store.render, result_fmt a table or a results format).
    default_graph/named_graphs: the protocol's dataset (store.query)."""

    sparql: str
    result_fmt: str | None = "json"
    graph_fmt: str | None = "turtle"
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None
    for_terminal: bool = False


@dataclass
class Answer:
    status: int
    media_type: str
    body: bytes
    truncated: str = ""  # why the answer was cut short, for a header; "" if complete
    retire: bool = False  # the worker is in no state to go on (it ran out of memory)


def text_answer(status: int, message: str) -> Answer:
    return Answer(status, TEXT, (message.rstrip("\n") + "\n").encode("utf-8"))


class WorkerFailed(Exception):
    """A worker that could not start: the message is one line."""


# ---------------------------------------------------------------- inside the worker


def answer(st, job: Job, limits: Limits) -> Answer:
    """Gate, run and serialise one job: every outcome is an Answer."""
    text = job.sparql
    try:
        text = gate.prepare(job.sparql, limits.allow_service)
        result = sgstore.query(
            st, text, default_graph=job.default_graph, named_graphs=job.named_graphs
        )
        return _serialise(result, job, limits)
    except gate.Refused as exc:
        return text_answer(exc.status, exc.message)
    except sgstore.QueryError as exc:
        if "os error 13" in str(exc):  # a connection the sandbox refused: a SERVICE call
            return text_answer(403, gate.NO_SERVICE)
        if str(exc).startswith("the store failed"):
            return text_answer(500, str(exc))
        refused = gate.refusal(text, exc)
        return text_answer(refused.status, refused.message)
    except MemoryError:
        answer = text_answer(503, _memory_message(limits))
        answer.retire = True
        return answer


def _serialise(result, job: Job, limits: Limits) -> Answer:
    if job.for_terminal:
        return Answer(200, TEXT, sgstore.render(result, job.result_fmt or "table"))
    kind = sgstore.kind(result)
    fmt = job.graph_fmt if kind == "graph" else job.result_fmt
    if fmt is None:
        offered = "an RDF graph" if kind == "graph" else "SPARQL results"
        return text_answer(
            406, f"this query's answer is {offered}, in none of the types the Accept header names"
        )
    if kind == "ask":
        return Answer(200, MEDIA[fmt], sgstore.serialize_ask(bool(result), fmt))
    if kind == "select":
        names, table, why = sgstore.rows_within(result, limits.max_rows, limits.max_bytes)
        body, table, why = _fit(
            lambda t: sgstore.serialize_select(names, t, fmt), table, why, limits.max_bytes
        )
        return Answer(200, MEDIA[fmt], body, _cut_message(why, len(table), "rows", limits))
    triples, why = sgstore.triples_within(result, limits.max_rows, limits.max_bytes)
    body, triples, why = _fit(
        lambda t: sgstore.serialize_triples(t, fmt), triples, why, limits.max_bytes
    )
    return Answer(200, MEDIA[fmt], body, _cut_message(why, len(triples), "triples", limits))


def _fit(serialise, items: list, why: str, max_bytes: int | None):
    """Serialise, dropping items from the end until the body fits in max_bytes."""
    body = serialise(items)
    while max_bytes is not None and len(body) > max_bytes and items:
        items = items[: min(len(items) - 1, int(len(items) * max_bytes / len(body) * 0.95))]
        body, why = serialise(items), "bytes"
    return body, items, why


def _cut_message(why: str, count: int, what: str, limits: Limits) -> str:
    if why == "rows":
        return f"only the first {count} {what} were sent (the limit is {limits.max_rows})"
    if why == "bytes":
        return f"only the first {count} {what} were sent (the limit is {limits.max_bytes} bytes)"
    return ""


def _memory_message(limits: Limits) -> str:
    return (
        f"the query needed more memory than a query may use here ({limits.max_memory_mb} MB):"
        " narrow it or add a LIMIT"
    )


def _worker_main(graph: str, conn, limits: Limits) -> None:
    """The worker process: isolate, cap, open, then answer jobs until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which stops us
    try:
        if limits.allow_service:
            isolation = "network allowed (--allow-service)"
        else:
            isolation = sandbox.isolate()
    except sandbox.IsolationError as exc:
        if limits.require_isolation:
            conn.send(("error", f"cannot cut query workers off the network here: {exc}"))
            return
        isolation = f"NOT cut off the network ({exc})"
    if limits.max_memory_mb is not None:
        sandbox.limit_memory(limits.max_memory_mb)
    try:
        st = sgstore.open_store(Path(graph))
    except sgstore.StoreError as exc:
        conn.send(("no graph", str(exc)))
        return
    conn.send(("ready", isolation))
    threading.stack_size(QUERY_STACK)
    thread = threading.Thread(target=_answer_jobs, args=(st, conn, limits))
    thread.start()
    thread.join()


def _answer_jobs(st, conn, limits: Limits) -> None:
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        reply = answer(st, job, limits)
        conn.send(reply)
        if reply.retire:
            return


# ---------------------------------------------------------------- the parent's side


@dataclass
class Worker:
    """One worker process and the pipe to it.

    The process is `python -c ...` with one end of a socket pair, not a multiprocessing
    child: it imports only what answering needs, and nothing of the caller's __main__."""

    graph: str
    limits: Limits
    process: subprocess.Popen | None = None
    conn: Connection | None = None
    isolation: str = ""  # what sandbox.isolate applied, for the log

    def start(self) -> Worker:
        """Start the process and wait until it has opened the graph (blocking). Raises
        StoreError if the graph cannot be opened, WorkerFailed for anything else."""
        ours, theirs = socket.socketpair()
        with ours, theirs:
            code = f"from stancegraph.workers import main; main({theirs.fileno()})"
            self.process = subprocess.Popen(
                [sys.executable, "-c", code],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=None if os.environ.get("STANCEGRAPH_DEBUG") else subprocess.DEVNULL,
            )
            self.conn = Connection(ours.detach())
        try:
            self.conn.send((self.graph, self.limits))
            if not self.conn.poll(START_TIMEOUT):
                raise WorkerFailed(f"{self.graph}: the query worker did not start")
            status, message = self.conn.recv()
        except (EOFError, OSError):
            self.stop()
            raise WorkerFailed(f"{self.graph}: the query worker died while starting") from None
        except WorkerFailed:
            self.stop()
            raise
        if status != "ready":
            self.stop()
            raise (sgstore.StoreError if status == "no graph" else WorkerFailed)(message)
        self.isolation = message
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait()
        if self.conn is not None:
            self.conn.close()

    def death(self) -> Answer:
        """The answer for a job whose worker died (or broke the pipe) before answering."""
        code = None
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.process.wait(0.5)  # a pipe closes just before its process ends
        self.stop()
        if code is None:
            return text_answer(500, "the query worker stopped answering")
        if code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGBUS):
            return text_answer(503, _memory_message(self.limits))
        return text_answer(500, f"the query engine crashed on this query (exit status {code})")


def main(fd: int) -> None:
    """The worker process's entry point (see Worker.start)."""
    conn = Connection(fd)
    graph, limits = conn.recv()
    _worker_main(graph, conn, limits)


def timeout_answer(limits: Limits) -> Answer:
    return text_answer(
        503, f"query timed out: stopped after {limits.timeout:g} s (the time limit here)"
    )


def run_once(graph: Path, job: Job, limits: Limits) -> tuple[Answer, str]:
    """Answer one job in a fresh worker (what `stancegraph query` does): (answer, isolation).

    Raises WorkerFailed if the worker cannot start (a bad graph, no isolation)."""
    worker = Worker(str(graph), limits).start()
    try:
        worker.conn.send(job)
        if not worker.conn.poll(limits.timeout):
            return timeout_answer(limits), worker.isolation
        try:
            return worker.conn.recv(), worker.isolation
        except (EOFError, OSError):
            return worker.death(), worker.isolation
    finally:
        worker.stop()
