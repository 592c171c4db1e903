"""Files written whole or not at all: the build's outputs and its caches.

Each is written to a temporary sibling and renamed over its path, so a reader, a crash or
a full disk never sees half a file, and is given the file mode the user's umask asks for
(a temporary file is made private, 0600, which would lock a team out of a shared graph).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _read_umask() -> int:
    mask = os.umask(0)  # the only portable way to read it; done once, at import
    os.umask(mask)
    return mask


_UMASK = _read_umask()
FILE_MODE = 0o666 & ~_UMASK
FOLDER_MODE = 0o777 & ~_UMASK  # for folders made by tempfile.mkdtemp (0700)


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary sibling; raises OSError, never leaving
    the temporary file behind."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:  # interrupted too
        Path(tmp).unlink(missing_ok=True)
        raise


def prune_folder(folder: Path, keep: set[str], suffix: str) -> int:
    """Delete the files of `folder` ending in `suffix` whose names are not in `keep`, and
    the temporary files a killed write left; returns how many `suffix` files went."""
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    deleted = 0
    for name in names:
        if name in keep:
            continue
        if name.endswith(suffix) or (name.startswith(".") and name.endswith(".tmp")):
            try:
                (folder / name).unlink()
                deleted += name.endswith(suffix)
            except OSError:
                pass
    return deleted


def cannot_write(path: Path | str, err: OSError) -> str:
    """The one line that says a file could not be written, and why (a full disk, ...)."""
    return f"cannot write {path}: {err.strerror or err}"
