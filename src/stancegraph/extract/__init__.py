"""Extraction: articles in, Stance records out (entities not yet resolved to IRIs).

from stancegraph.extract import extract_stances
stances = extract_stances(articles)   # list[Stance], in article then text order
"""

from stancegraph.extract.pipeline import extract_stances

__all__ = ["extract_stances"]
