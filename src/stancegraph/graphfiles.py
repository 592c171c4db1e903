"""The Turtle and TriG files of a build, put together from the chunk cache by a process of
their own while the build updates its store and draws its view.

A build that changed a few articles adds their graphs to a copy of its store and needs
nothing else of the whole graph; only the two files do. Putting them together (reading
every chunk, merging the graphs, writing some 30 MB at 2,000 articles) is most of a second
that this way runs on the other core, beside the view, instead of before it.

    writer = GraphFiles.start()             # a fresh interpreter: it loads its modules now
    writer.warm(cache_folder, base_iri, likely_keys)   # optional: the last build's chunks
    writer.write(cache_folder, base_iri, keys, turtle_path, trig_path)   # returns at once
    ...                                     # the store, the view
    counts = writer.result()                # Counts, or None: write the files here

Until the job comes, the process reads the chunks `warm` names (the last build's: most of
them are this build's too) and prints their statements, on a core the build leaves idle
while it resolves; the job reads only the chunks that are new.

The process reads the chunks the build wrote (chunks.ChunkCache, checked against their
keys), so it gets the same bytes the build would have written itself. `result()` is None
when it could not (a chunk missing or unreadable, the process gone): the build then writes
the files itself, as it would have. An error writing a file (a full disk) is the build's:
FilesError, with the file named.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

from stancegraph import spawn
from stancegraph.files import cannot_write


class FilesError(Exception):
    """A file could not be written; the message names it."""


@dataclass(frozen=True)
class Counts:
    """What the merged graph holds: the build's report and its store record need them."""

    triples: int
    quads: int
    stances: int
    entities: int


class GraphFiles:
    """One process that writes one build's two files."""

    def __init__(self, process, conn):
        self._process, self._conn = process, conn

    @classmethod
    def start(cls) -> GraphFiles:
        ctx = spawn.context()  # nothing inherited: its memory is its own
        conn, child = ctx.Pipe()
        process = ctx.Process(target=_main, args=(child,), daemon=True)
        spawn.start(process)
        child.close()
        return cls(process, conn)

    def warm(self, cache_folder: Path, base_iri: str, keys: list[str]) -> None:
        """Read the chunks of `keys` in `cache_folder` ahead of the job (until it comes)."""
        self._send(("warm", str(cache_folder), base_iri, list(keys)))

    def write(
        self, cache_folder: Path, base_iri: str, keys: list[str], turtle: Path, trig: Path
    ) -> None:
        """Start writing the Turtle and TriG files from the chunks of `keys` (every article
        graph's, in any order) in `cache_folder`."""
        self._send(("write", str(cache_folder), base_iri, list(keys), str(turtle), str(trig)))

    def _send(self, message: tuple) -> None:
        try:
            self._conn.send(message)
        except OSError:  # the process is gone: result() says so, and the build writes them
            self.stop()

    def result(self) -> Counts | None:
        """Wait for the files: their Counts, or None when they were not written (the caller
        writes them). Raises FilesError when a file could not be written."""
        try:
            kind, payload = self._conn.recv()
        except (EOFError, OSError):  # the process died
            kind, payload = "gone", None
        finally:
            self.stop()
        if kind == "failed":
            raise FilesError(payload)
        return payload if kind == "done" else None

    def stop(self) -> None:
        """End the process (at once: it holds nothing that needs saving)."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._conn.close()


def _main(conn) -> None:
    # no cycle collection: the process does one job and is killed, and each collection
    # walks every list of the chunks read so far (2.6 s of 3.1 s reading 2,000 chunks)
    gc.disable()
    from stancegraph import chunks  # loaded while the build resolves and updates its store

    cache = None
    try:
        message = conn.recv()
        if message[0] == "warm":
            _, cache_folder, base_iri, keys = message
            cache = chunks.ChunkCache(Path(cache_folder), base_iri)
            _warm(cache, keys, conn)
            message = conn.recv()
        _, cache_folder, base_iri, keys, turtle, trig = message
    except (EOFError, OSError):
        return
    if cache is None or cache.folder != Path(cache_folder) or cache.base_iri != base_iri:
        cache = chunks.ChunkCache(Path(cache_folder), base_iri)
    read = cache.read(keys)
    if read is None:
        conn.send(("missing", None))
        return
    assembly = chunks.Assembly([cache.ontology_chunk(), *read], cache.writer)
    for path, write in ((turtle, assembly.write_turtle), (trig, assembly.write_trig)):
        try:
            with open(path, "wb") as f:
                write(f)
        except OSError as err:
            conn.send(("failed", cannot_write(path, err)))
            return
    counts = Counts(assembly.triples, assembly.quads, assembly.stances, assembly.entities)
    conn.send(("done", counts))


def _warm(cache, keys: list[str], conn) -> None:
    """Read, decode and print the chunks of `keys`, for the job to use, until it comes."""
    for key in keys:
        if conn.poll():
            return
        chunk = cache.read_ahead(key)
        if chunk is not None:
            chunk.render()
