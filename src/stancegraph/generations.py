"""A build's output folder as generations: each build writes a complete new folder, and one
rename of the `current` link makes it the graph, so a reader sees the old graph or the new
one, never a mix, and a build that is killed or runs out of disk leaves the old one whole.

    OUT/
      current -> generations/000007          the graph (a symlink, switched by one rename)
      stancegraph.ttl -> current/stancegraph.ttl     stable names that follow `current`
      stancegraph.trig, store, index.html -> current/...
      generations/000006/                    the previous graph, kept for readers that
      generations/000007/                      opened it before the switch
      generations/.new-*/                    a build in progress (removed by the next build)
      .lock                                  held by the build writing OUT

    with Output(Path("graph")) as out:        # locks OUT, clears what a dead build left
        write_files(out.folder)               # the new generation, invisible to readers
        out.publish()                         # the switch

Readers resolve `current` once (store.resolve_graph) and read everything from that folder.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

from stancegraph.files import FOLDER_MODE

CURRENT = "current"  # the link store.resolve_graph follows
GENERATIONS = "generations"
LOCK = ".lock"
NEW_PREFIX = ".new-"
KEEP = 2  # generations kept: the current one and the one before it
LINKED = ("stancegraph.ttl", "stancegraph.trig", "store", "index.html")


class OutputError(Exception):
    """The output folder cannot be used (a file, not writable, locked); one line."""


class Output:
    """The output folder of one build, locked for as long as the build runs."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.folder: Path | None = None  # the new generation being written
        self._lock = None

    def __enter__(self) -> Output:
        out = self.out
        if out.exists() and not out.is_dir():
            raise OutputError(f"--out {out} is a file, not a folder")
        try:
            (out / GENERATIONS).mkdir(parents=True, exist_ok=True)
            self._lock = open(out / LOCK, "a+")  # noqa: SIM115 - held until __exit__
        except OSError as err:
            raise OutputError(f"cannot write to {out}: {err.strerror or err}") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.seek(0)
            holder = self._lock.read().strip() or "?"
            self._lock.close()
            raise OutputError(
                f"another build is writing to {out} (pid {holder}); "
                "wait for it to finish or choose another --out"
            ) from None
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(f"{os.getpid()}\n")
        self._lock.flush()
        self._clear_leftovers()
        try:
            self.folder = Path(tempfile.mkdtemp(prefix=NEW_PREFIX, dir=out / GENERATIONS))
            os.chmod(self.folder, FOLDER_MODE)  # mkdtemp makes 0700
        except OSError as err:
            self.__exit__(None, None, None)
            raise OutputError(f"cannot write to {out}: {err.strerror or err}") from None
        return self

    def __exit__(self, *exc) -> None:
        if self.folder is not None and self.folder.name.startswith(NEW_PREFIX):
            shutil.rmtree(self.folder, ignore_errors=True)  # never published: not a graph
        if self._lock is not None and not self._lock.closed:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    def publish(self) -> Path:
        """Make the new generation the graph (one rename), then drop the old ones."""
        assert self.folder is not None, "publish() inside `with Output(...)`"
        gens = self.out / GENERATIONS
        number = max((int(p.name) for p in _generations(gens)), default=0) + 1
        final = gens / f"{number:06d}"
        _fsync_tree(self.folder)
        self.folder.rename(final)
        self.folder = final
        _link(self.out / CURRENT, f"{GENERATIONS}/{final.name}")  # the switch
        _fsync_dir(self.out)
        for name in LINKED:
            self._stable_name(name)
        for old in _generations(gens)[:-KEEP]:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def _stable_name(self, name: str) -> None:
        """OUT/name -> current/name, replacing what a build before generations wrote there."""
        path = self.out / name
        target = f"{CURRENT}/{name}"
        if path.is_symlink() and os.readlink(path) == target:
            return
        if path.is_dir() and not path.is_symlink():  # a store/ from before generations
            aside = Path(tempfile.mkdtemp(prefix=NEW_PREFIX, dir=self.out / GENERATIONS))
            path.rename(aside / name)
            _link(path, target)
            shutil.rmtree(aside, ignore_errors=True)
            return
        _link(path, target)

    def _clear_leftovers(self) -> None:
        """What a build that died left behind: unpublished generations, temporary files."""
        for path in (self.out / GENERATIONS).glob(NEW_PREFIX + "*"):
            shutil.rmtree(path, ignore_errors=True)
        for path in self.out.glob(".*.tmp"):  # write_atomic's, from before generations
            path.unlink(missing_ok=True)
        for path in self.out.glob(".store-*"):  # store.write_store's, likewise
            shutil.rmtree(path, ignore_errors=True)
        for path in self.out.glob(f".{CURRENT}-*"):
            path.unlink(missing_ok=True)


def _generations(folder: Path) -> list[Path]:
    """The published generations, oldest first."""
    return sorted((p for p in folder.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))


def _link(path: Path, target: str) -> None:
    """Point the symlink `path` at `target` atomically (a new link renamed over the old)."""
    tmp = path.with_name(f".{CURRENT}-{os.getpid()}-{path.name}")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, path)


def _fsync_tree(folder: Path) -> None:
    """Flush the new generation's files to disk before the switch makes them the graph."""
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(root))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
