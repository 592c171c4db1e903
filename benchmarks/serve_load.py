"""Load on `stancegraph serve`, side by side with Oxigraph's own server on the same data.

Starts both servers on loopback over the same store: `stancegraph serve` and `oxigraph
serve-read-only --union-default-graph` (the `oxigraph` package's binary). Then, in
rounds that alternate between them so that other load on the machine falls on both:
- bundled: CLIENTS concurrent keep-alive clients send the bundled queries (with their
  prefixes declared, so Oxigraph reads them too) to one server for PHASE seconds;
- mixed (stancegraph only): the same clients mix bundled queries with malformed ones,
  updates and oversized bodies.
Prints requests/s, status counts, p50/p99 latency and the peak memory (RSS of the
server and its workers) per kind, and the ratio of stancegraph's bundled rate to
Oxigraph's. Loopback only; bounded in time; stops both servers at the end.

    stancegraph build ../shared/seeds ../shared/dev/articles ../shared/dev/sources.json \\
        --out /tmp/devgraph
    python benchmarks/serve_load.py --graph /tmp/devgraph
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from stancegraph import store

MIX = [("bundled", 0.8), ("malformed", 0.08), ("update", 0.08), ("oversized", 0.04)]
OVERSIZED = 1_500_000  # bytes of body: above the endpoint's 1 MB limit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def started(args: list[str], probe: str):
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(probe, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{args[0]} did not start") from None
                time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children[int(fields[1])].append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


class PeakMemory:
    """Samples tree_rss(pid) every 0.2 s in a thread; .peak is the highest seen."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.running = pid, 0, True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.2)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        return self.peak


def request_bytes(host: str, path: str, kind: str, query: str) -> bytes:
    if kind == "bundled":
        body = query.encode()
        ctype = "application/sparql-query"
    elif kind == "malformed":
        body = b"SELECT ?x WHERE { ?x ?p "
        ctype = "application/sparql-query"
    elif kind == "update":
        body = urllib.parse.urlencode({"update": "DELETE WHERE { ?s ?p ?o }"}).encode()
        ctype = "application/x-www-form-urlencoded"
    else:
        body = b"#" * OVERSIZED
        ctype = "application/sparql-query"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {ctype}\r\n"
        f"Accept: application/sparql-results+json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, keep the connection) of one HTTP/1.1 response, body read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:] if x)}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection", "").lower() != "close"


async def client(port, path, queries, mix, until, results, seed):
    rng = random.Random(seed)
    kinds, weights = zip(*mix, strict=True)
    reader = writer = None
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        data = request_bytes(f"127.0.0.1:{port}", path, kind, rng.choice(queries))
        started_at = time.monotonic()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(data)
            await writer.drain()
            status, keep = await read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status, keep = 0, False  # 0: the connection failed
        results.append((kind, status, time.monotonic() - started_at))
        if not keep or kind == "oversized":
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def phase(port, path, queries, mix, seconds, clients) -> list:
    results: list = []

    async def main():
        until = time.monotonic() + seconds
        await asyncio.gather(
            *(client(port, path, queries, mix, until, results, i) for i in range(clients))
        )

    asyncio.run(main())
    return results


def summary(name: str, results: list, seconds: float, peak: int | None) -> float:
    bundled = [r for r in results if r[0] == "bundled" and r[1] == 200]
    latencies = sorted(r[2] for r in results)
    statuses = collections.Counter(r[1] for r in results)

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    rate = len(bundled) / seconds
    memory = f", peak memory {peak / 1e6:.0f} MB" if peak else ""
    print(
        f"{name:22s} {len(results) / seconds:7.1f} requests/s ({rate:.1f} bundled 200/s), "
        f"p50 {pct(0.5):.0f} ms, p99 {pct(0.99):.0f} ms, statuses "
        f"{dict(sorted(statuses.items()))}{memory}"
    )
    return rate


def gate_cost(queries: list[str]) -> None:
    """What the check costs per bundled query before anything runs: gate.prepare and the
    FROM test of store.query, the first time (nothing remembered) and after."""
    try:
        from stancegraph import gate
    except ImportError:  # a stancegraph from before the gate: nothing to measure
        return

    def checks(text: str) -> None:
        gate.prepare(text)
        store.uses_keyword(text, "from")

    for label, clear in (("first time", True), ("remembered", False)):
        costs = []
        for text in queries:
            if clear:
                store._remembered_keyword_error.cache_clear()
            started = time.perf_counter()
            checks(text)
            costs.append((time.perf_counter() - started) * 1000)
        costs.sort()
        print(
            f"gate, {label}: median {costs[len(costs) // 2]:.3f} ms, max {costs[-1]:.3f} ms "
            f"over {len(queries)} bundled queries"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", default="graph", help="a folder from `stancegraph build`")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="seconds per kind of load")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of the servers")
    parser.add_argument("--query", help="send this query instead of the bundled ones")
    parser.add_argument("--workers", type=int, help="stancegraph's query workers (its default)")
    args = parser.parse_args()
    graph = Path(args.graph)
    if not (graph / "store").is_dir():
        raise SystemExit(f"{graph}/store not found: run `stancegraph build ... --out {graph}`")
    oxigraph = shutil.which("oxigraph")
    if oxigraph is None:
        raise SystemExit("the oxigraph binary is not installed (pip install oxigraph)")
    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in store.PREFIXES.items())
    queries = [prologue + q.text for q in store.bundled_queries()]
    gate_cost(queries)
    if args.query:
        queries = [prologue + args.query]
    sg_port, ox_port = free_port(), free_port()
    sg_args = [sys.executable, "-m", "stancegraph.cli", "serve", "--graph", str(graph)]
    sg_args += ["--port", str(sg_port)]
    sg_args += ["--workers", str(args.workers)] if args.workers else []
    ox_args = [oxigraph, "serve-read-only", "--location", str(graph / "store")]
    ox_args += ["--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"]
    each = args.seconds / args.rounds
    print(f"{args.clients} clients, {args.rounds} rounds of {each:g} s per kind, {graph}")
    runs: dict[str, list] = collections.defaultdict(list)
    peaks: dict[str, int] = collections.defaultdict(int)
    probe = "?query=ASK%7B%7D"
    with (
        started(sg_args, f"http://127.0.0.1:{sg_port}/sparql{probe}") as sg,
        started(ox_args, f"http://127.0.0.1:{ox_port}/query{probe}") as ox,
    ):
        plan = [
            ("stancegraph bundled", sg, sg_port, "/sparql", [("bundled", 1.0)]),
            ("oxigraph bundled", ox, ox_port, "/query", [("bundled", 1.0)]),
            ("stancegraph mixed", sg, sg_port, "/sparql", MIX),
        ]
        for _ in range(args.rounds):
            for name, proc, port, path, mix in plan:
                memory = PeakMemory(proc.pid)
                runs[name] += phase(port, path, queries, mix, each, args.clients)
                peaks[name] = max(peaks[name], memory.stop())
    rates = {name: summary(name, runs[name], args.seconds, peaks[name]) for name, *_ in plan}
    ratio = rates["stancegraph bundled"] / max(rates["oxigraph bundled"], 1e-9)
    mixed = rates["stancegraph mixed"] / max(rates["oxigraph bundled"], 1e-9)
    print(f"ratio stancegraph/oxigraph (bundled queries): {ratio:.2f} ({mixed:.2f} under the mix)")


if __name__ == "__main__":
    main()
