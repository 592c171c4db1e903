"""Placeholder until the real pipeline lands (being written now)."""

from stancegraph.model import Article, Stance


def extract_stances(articles: list[Article]) -> list[Stance]:
    return []
