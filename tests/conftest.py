"""Shared fixtures: the repository's paths, the dev set, a made-up article with hand-built
stances, one build of the seeds per session, and a CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from stancegraph.model import Article, Entity, Evidence, Stance

# CLI runs in the test process extract in it too (the model is loaded once per session);
# the tests of worker processes pass --workers themselves.
os.environ.setdefault("STANCEGRAPH_WORKERS", "0")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GRAPH = ROOT / "graph"
DEV = ROOT.parent / "shared" / "dev"  # the dev set sits beside the clone (../shared/dev)


@pytest.fixture(scope="session")
def dev_dir() -> Path:
    if not (DEV / "articles").is_dir():
        pytest.skip("the dev set (../shared/dev) is not beside this clone")
    return DEV


# ---------------------------------------------------------------- a made-up article

MADE_UP_TEXT = (
    "Springfield County Sheriff Jane Roe said Tuesday that her office will not join "
    "the 287(g) program.\r\n"
    "The Springfield City Council voted to support the Warrant Service Officer program.\n"
    "Mayor Bob Poe urged the council to reject the program; advocates condemned ICE.\n"
)


def _evidence(doc: str, text: str, quote: str) -> Evidence:
    start = text.index(quote)
    return Evidence(doc=doc, start=start, end=start + len(quote), text=quote)


def made_up_corpus() -> tuple[list[Article], list[Stance]]:
    """One article about invented places, and stances that exercise every part of the graph:
    every actor kind, ORG links, jurisdictions and states, SKOS broader, Wikidata, dates of
    each precision, an on-behalf-of, both urges polarities and a CRLF line break."""
    doc = "t01.txt"
    article = Article(
        doc=doc,
        text=MADE_UP_TEXT,
        title="Sheriff declines 287(g)",
        date="2019-05-07",
        url="https://example.org/news/1",
        outlet="Example Times",
    )
    county = Entity("Springfield County", "jurisdiction", level="county", state="Illinois")
    office = Entity(
        "Springfield County Sheriff’s Office",
        "agency",
        aliases=("SCSO",),
        jurisdiction=county,
        state="Illinois",
    )
    roe = Entity("Jane Roe", "official", role="Sheriff", affiliation=office, leads=True)
    council = Entity("Springfield City Council", "government_body")
    poe = Entity("Bob Poe", "official", role="Mayor", affiliation=council, leads=False)
    advocates = Entity("Illinois Immigrant Coalition", "group")
    ice = Entity("Immigration and Customs Enforcement", "agency", aliases=("ICE",))
    p287 = Entity("287(g) program", "program", wikidata="Q4638478")
    wso = Entity("Warrant Service Officer program", "program", broader="287(g) program")

    def ev(quote: str) -> Evidence:
        return _evidence(doc, MADE_UP_TEXT, quote)

    roe_says = "Sheriff Jane Roe said Tuesday that her office will not join the 287(g) program."
    council_votes = (
        "The Springfield City Council voted to support the Warrant Service Officer program."
    )

    stances = [
        Stance(doc, office, "oppose", "declines", p287,
               ev("her office will not join the 287(g) program"), date="2019-05-07",
               confidence=0.87),
        Stance(doc, roe, "oppose", "states_position", p287,
               ev(roe_says),
               on_behalf_of=office, date="2019-05", confidence=0.6),
        Stance(doc, council, "support", "supports", wso,
               ev(council_votes),
               date="2019", confidence=1.0),
        Stance(doc, poe, "oppose", "urges", wso,
               ev("Mayor Bob Poe urged the council to reject the program"), confidence=0.55),
        Stance(doc, advocates, "oppose", "condemns", ice, ev("advocates condemned ICE"),
               confidence=0.5),
    ]  # fmt: skip
    return [article], stances


@pytest.fixture
def made_up() -> tuple[list[Article], list[Stance]]:
    return made_up_corpus()


# ---------------------------------------------------------------- builds and the CLI


@pytest.fixture(scope="session")
def seeds_build(tmp_path_factory):
    """The seeds built once per session (the real extractor): (report, out folder)."""
    from stancegraph.build import build

    out = tmp_path_factory.mktemp("seeds-build") / "graph"
    return build([SEEDS], out), out


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    """A private copy of seeds/ to build from or break."""
    return Path(shutil.copytree(SEEDS, tmp_path / "seeds"))
