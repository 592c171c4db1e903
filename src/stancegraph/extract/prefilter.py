"""A quick test that a regular expression cannot match a text, so that the gazetteer's
patterns and the known actors' names, most of which an article never mentions, are not
run over every article (running them was a third of the rule-based extractor's own time).

A pattern's needs are literal words read from its parse (re's own parser): every match
holds one word of each group. A text that lacks, compared without case, every word of some
group cannot match, and the pattern is skipped; any other text is searched as before. Only
patterns that would have found nothing are skipped, so what is found does not change.

    folded = fold(text)                   # once per text
    if may_match(pattern, folded):
        for match in pattern.finditer(text): ...
"""

from __future__ import annotations

import re
from functools import cache
from re import _constants as sre
from re import _parser

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


def fold(text: str) -> str:
    """The text as patterns' needs are looked for in it: lower case, and the characters
    a case-insensitive pattern matches to an ASCII letter whose lower case is not that
    letter ("İ", "ı", "ſ") made that letter (tests/test_extract_prefilter.py checks this
    against every code point). So fold(text) holds a literal wherever the text matches it.
    """
    return text.lower().replace("i\u0307", "i").replace("ı", "i").replace("ſ", "s")


def may_match(pattern: re.Pattern, folded: str) -> bool:
    """False when `pattern` cannot match the text whose fold() is `folded`."""
    return all(any(word in folded for word in group) for group in needs(pattern))


@cache
def needs(pattern: re.Pattern) -> tuple[frozenset[str], ...]:
    """Groups of lower-case ASCII words such that every match of `pattern` holds a word
    of each group (most telling groups first; none: nothing is known, always search)."""
    groups = _needs(_parser.parse(pattern.pattern, pattern.flags))
    return tuple(sorted(set(groups), key=lambda g: (-min(map(len, g)), sorted(g))))


def _needs(items) -> list[frozenset[str]]:
    """What every match of a parsed sequence holds: its runs of literal characters, and
    what its groups, repeats (at least once) and alternatives (one word from each) hold."""
    groups: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is sre.LITERAL and av < 128:
            run += chr(av).lower()
            continue
        if run:
            groups.append(frozenset({run}))
            run = ""
        if op is sre.SUBPATTERN:  # (group, add_flags, del_flags, items)
            groups += _needs(av[3])
        elif op is sre.ATOMIC_GROUP:
            groups += _needs(av)
        elif op in _REPEATS and av[0] >= 1:  # (min, max, items)
            groups += _needs(av[2])
        elif op is sre.BRANCH:  # (None, [items, ...]): each alternative gives its best group
            best = [_best(_needs(branch)) for branch in av[1]]
            if all(best):
                groups.append(frozenset().union(*best))
        # anything else (classes, ".", anchors, lookarounds) holds no known literal
    if run:
        groups.append(frozenset({run}))
    return groups


def _best(groups: list[frozenset[str]]) -> frozenset[str] | None:
    return max(groups, key=lambda g: min(map(len, g)), default=None)
