"""What a cache entry depends on besides its input: the bytes of the code that made it and
the versions of the packages that code ran on. The caches of the view and of its layout
key their entries by it, so that new code never reads what other code wrote."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from importlib import resources
from pathlib import Path


def add_code(digest, patterns: Iterable[str], packages: Iterable[str]) -> None:
    """Feed `digest` (a hashlib object) the package's files that match `patterns` (globs
    relative to the package, in name order) and the installed versions of `packages`."""
    package = Path(str(resources.files("stancegraph")))
    for pattern in patterns:
        for path in sorted(package.glob(pattern)):
            if path.is_file():
                data = path.read_bytes()
                digest.update(f"{path.relative_to(package)}\0{len(data)}\0".encode())
                digest.update(data)
    for name in packages:
        try:
            digest.update(f"{name} {importlib.metadata.version(name)}\0".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name} -\0".encode())
