"""The prefilter that skips the patterns an article cannot match (extract/prefilter.py):
it may only ever skip a pattern that would have found nothing."""

from __future__ import annotations

import re

import pytest
from conftest import SEEDS

from stancegraph.corpus import read_sources
from stancegraph.extract import prefilter
from stancegraph.extract.lexicon import load_lexicon
from stancegraph.extract.mentions import _alias_pattern


def all_patterns() -> list[re.Pattern]:
    lexicon = load_lexicon()
    targets = [p for entry in lexicon.targets for p in entry.patterns]
    aliases = [_alias_pattern(a) for k in lexicon.known for a in (k.name, *k.aliases)]
    return targets + aliases


def test_fold_keeps_every_character_an_ascii_literal_matches_without_case():
    everything = "".join(map(chr, range(0x110000)))
    for literal in map(chr, range(128)):
        for match in re.finditer(re.escape(literal), everything, re.IGNORECASE):
            assert prefilter.fold(match.group()) == literal.lower(), hex(ord(match.group()))


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"secure communities(?:\s+program)?", [{"secure communities"}]),
        (r"(?:ICE |immigration )holds", [{"holds"}, {"ice ", "immigration "}]),
        (r"(?:ICE |immigration )?holds", [{"holds"}]),  # an optional part needs nothing
        (r"ab(?:cd|ef)+g?", [{"ab"}, {"cd", "ef"}]),
        (r"x(?:cd|)y", [{"x"}, {"y"}]),  # an empty alternative needs nothing
        (r"(?:section\s+)?287\s*\(", [{"287"}, {"("}]),
        (r"\w+ing", [{"ing"}]),
        (r"[A-Z]\w*", []),  # nothing known: always searched
        (r"(?<![\w-])Caf\u00e9(?![\w-])", [{"caf"}]),  # a run ends at a non-ASCII letter
    ],
)
def test_needs(pattern, needs):
    assert [set(g) for g in prefilter.needs(re.compile(pattern, re.IGNORECASE))] == needs


def test_a_pattern_is_skipped_only_where_it_finds_nothing():
    texts = [a.text for a in read_sources([SEEDS])[0]]
    texts += ["THE ſECURE COMMUNITIES PROGRAM", "İmmigration and Customs Enforcement"]
    skipped = 0
    for text in texts:
        folded = prefilter.fold(text)
        for pattern in all_patterns():
            if not prefilter.may_match(pattern, folded):
                assert pattern.search(text) is None, (pattern.pattern, text[:80])
                skipped += 1
    assert skipped  # the prefilter does skip patterns
    folded = prefilter.fold("THE ſECURE COMMUNITIES")
    assert prefilter.may_match(re.compile("secure communities", re.IGNORECASE), folded)
