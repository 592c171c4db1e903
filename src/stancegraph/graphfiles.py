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

Until the job comes, the process outlines the chunks `warm` names (the last build's: most
of them are this build's too: their graphs, prefixes and subjects), on a core the build
leaves idle while it resolves. The job outlines the chunks that are new, then reads each
chunk once more and writes it (chunks.write_streamed): the process holds the Turtle file's
statements, not every chunk and their merge, which at 100,000 articles grew past 16 GB
and was killed by the kernel.

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

    cache, outlines = None, {}
    try:
        message = conn.recv()
        if message[0] == "warm":
            _, cache_folder, base_iri, keys = message
            cache = chunks.ChunkCache(Path(cache_folder), base_iri)
            outlines = _warm(cache, keys, conn)
            message = conn.recv()
        _, cache_folder, base_iri, keys, turtle, trig = message
    except (EOFError, OSError):
        return
    if cache is None or cache.folder != Path(cache_folder) or cache.base_iri != base_iri:
        cache, outlines = chunks.ChunkCache(Path(cache_folder), base_iri), {}
    ontology = cache.ontology_chunk()
    wanted = {ONTOLOGY: chunks.outline(ontology)}
    for key in keys:
        found = outlines.get(key) or _outline(cache, key)
        if found is None:
            conn.send(("missing", None))
            return
        wanted[key] = found
    outlines.clear()

    def read(key: str):
        return ontology if key == ONTOLOGY else cache.read_one(key)

    try:
        with _Written(trig) as trig_file, _Written(turtle) as turtle_file:
            counts = chunks.write_streamed(wanted, read, cache.writer, trig_file, turtle_file)
    except _Failed as err:
        conn.send(("failed", cannot_write(err.path, err.error)))
        return
    conn.send(("done", Counts(*counts)) if counts is not None else ("missing", None))


ONTOLOGY = ""  # the key the ontology's chunk goes by here (it is made, not read)


class _Failed(Exception):
    def __init__(self, path: str, error: OSError):
        self.path, self.error = path, error


class _Written:
    """A file being written whose every error (opening, writing, closing) is _Failed,
    naming it: a full disk is reported as the file it stopped."""

    def __init__(self, path: str):
        self.path = path

    def __enter__(self) -> _Written:
        try:
            self._file = open(self.path, "wb")  # noqa: SIM115 - closed by __exit__
        except OSError as err:
            raise _Failed(self.path, err) from None
        return self

    def write(self, data: bytes) -> None:
        try:
            self._file.write(data)
        except OSError as err:
            raise _Failed(self.path, err) from None

    def __exit__(self, kind, *_) -> None:
        try:
            self._file.close()
        except OSError as err:
            if kind is None:
                raise _Failed(self.path, err) from None


def _outline(cache, key: str):
    from stancegraph import chunks

    chunk = cache.read_one(key)
    return None if chunk is None else chunks.outline(chunk)


def _warm(cache, keys: list[str], conn) -> dict:
    """The outlines of the chunks of `keys` (chunks.outline), read until the job comes."""
    from stancegraph import chunks

    outlines = {}
    for key in keys:
        if conn.poll():
            break
        chunk = cache.read_one(key)
        if chunk is not None:
            outlines[key] = chunks.outline(chunk)
    return outlines
