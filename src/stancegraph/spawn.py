"""Worker processes started as fresh interpreters that do not import the parent's __main__.

multiprocessing's "spawn" start method imports the parent's main module in every child
before it runs the target, so that objects defined there can be unpickled. Ours never
pass such objects (their targets and jobs live in this package), and the main module is
usually the command line, whose imports (click, the build, rdflib: a third of a second)
each worker would load for nothing, on the path of a build that waits for one worker to
extract one article.

    process = spawn.context().Process(target=..., args=..., daemon=True)
    spawn.start(process)
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import threading

_MAIN_HIDDEN = threading.Lock()  # the main module's identity is hidden one start at a time


def context():
    """The start method every worker uses: a fresh interpreter, nothing inherited."""
    return mp.get_context("spawn")


def start(process) -> None:
    """`process.start()`, without the child importing the parent's main module."""
    main = sys.modules["__main__"]
    with _MAIN_HIDDEN:
        saved = {name: main.__dict__[name] for name in ("__spec__", "__file__")
                 if name in main.__dict__}  # fmt: skip
        main.__dict__.pop("__file__", None)
        main.__spec__ = None
        try:
            process.start()
        finally:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)
