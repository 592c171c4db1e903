"""Extractors that misbehave on purpose, for the worker budgets in test_build_faults.py.
Loaded by name ("hostile_extractors:hostile") inside real worker processes."""

from __future__ import annotations

import os
import time


def hostile(articles):
    """No stances; on "EAT" grab memory until stopped, on "SLEEP" never finish, on "DIE"
    kill the worker process."""
    text = articles[0].text
    if "EAT" in text:
        hoard = []
        while True:
            hoard.append(b"x" * 50_000_000)  # written, so resident
            time.sleep(0.02)
    if "SLEEP" in text:
        time.sleep(3600)
    if "DIE" in text:
        os._exit(3)
    return []


def report_modules(articles):
    """No stances: fails, saying whether the worker imported click (the parent's main
    module imports it; a worker should not import that module again)."""
    import sys

    if articles[0].doc == "warm-up":  # the worker's own first call, before any article
        return []
    raise RuntimeError(f"click imported: {'click' in sys.modules}")
