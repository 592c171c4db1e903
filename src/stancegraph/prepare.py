"""What an article's text becomes before it is parsed, and how offsets found in it map back.

    parts = prepare(article.text, max_chars=100_000)
    stances = extract_article(article, extract_stances)   # offsets exact in article.text

Scraped text carries no-break spaces, zero-width spaces, soft hyphens and byte-order marks.
spaCy takes a no-break space for part of a word and a zero-width space for a letter, so
"Sheriff Roe" written with them is no name at all and the stances around it are lost.
Before parsing, every Unicode space becomes an ordinary space and every line or paragraph
separator a newline (the same length, so offsets do not move), and every invisible mark is
dropped; `Part.original` maps an offset of the prepared text back to the text as read, so
evidence offsets and quotes stay exact in the original.

A text longer than `max_chars` is cut into parts at paragraph breaks (else line breaks,
else sentence ends, else spaces): the parser needs memory and time in proportion to what it
is given at once, and refuses more than 1,000,000 characters. Each part is extracted as an
article of its own; its stances are put back at their place in the whole text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from stancegraph.model import Article, Evidence, Stance

DEFAULT_MAX_CHARS = 100_000
QUOTE_CONTEXT = 32  # characters of prefix and suffix an Evidence keeps, as extract/ does

# Spaces other than " " (no-break, en, em, thin, ideographic, ...): each becomes " ".
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_SPACES += "\u202f\u205f\u3000"
_SPACE_TABLE = {ord(ch): " " for ch in _SPACES} | {0x2028: "\n", 0x2029: "\n", 0x85: "\n"}
# Marks with no width: soft hyphen, Mongolian vowel separator, zero-width space/joiners,
# word joiner and invisible operators, direction marks and embeddings, byte-order mark.
INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Where a long text may be cut, best first: a blank line, a line break, a sentence end, a space.
_CUTS = (re.compile(r"\n[ \t]*\n"), re.compile(r"\n"), re.compile(r"[.!?][\"”’)]*\s"),
         re.compile(r"\s"))  # fmt: skip


@dataclass(frozen=True)
class Part:
    """A piece of an article's text made ready for the parser."""

    text: str  # the prepared text of this part
    start: int  # where the part starts in the prepared whole text
    removed: tuple[int, ...] = ()  # prepared offsets (of the whole) at which a mark was dropped

    def original(self, offset: int) -> int:
        """The offset in the text as read of `offset` in this part's text."""
        at = self.start + offset
        return at + bisect.bisect_right(self.removed, at)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """A span of this part's text as a span of the text as read (marks dropped at its
        edges are left outside it)."""
        if end <= start:
            begin = self.original(start)
            return begin, begin
        return self.original(start), self.original(end - 1) + 1


def normalise(text: str) -> tuple[str, tuple[int, ...]]:
    """(the text with spaces made plain and invisible marks dropped, the prepared offsets at
    which marks were dropped: one entry per mark, in order)."""
    spaced = text.translate(_SPACE_TABLE)
    removed = []
    for count, match in enumerate(INVISIBLE.finditer(spaced)):
        removed.append(match.start() - count)
    if not removed:
        return spaced, ()
    return INVISIBLE.sub("", spaced), tuple(removed)


def prepare(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[Part]:
    """The text normalised and cut into parts of at most `max_chars` characters."""
    clean, removed = normalise(text)
    return [Part(clean[a:b], a, removed) for a, b in _cut(clean, max_chars) if clean[a:b].strip()]


def _cut(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Spans of at most `max_chars` covering `text`, ending at the best break in the second
    half of each window."""
    spans, start = [], 0
    while len(text) - start > max_chars:
        window_end = start + max_chars
        end = window_end
        for pattern in _CUTS:
            breaks = [m.end() for m in pattern.finditer(text, start + max_chars // 2, window_end)]
            if breaks:
                end = breaks[-1]
                break
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    return spans


Extractor = Callable[[list[Article]], list[Stance]]


def extract_article(
    article: Article, extractor: Extractor, max_chars: int = DEFAULT_MAX_CHARS
) -> list[Stance]:
    """The stances of one article: its text prepared, each part extracted, every evidence
    span mapped back into the text as read. A pure function of the article."""
    parts = prepare(article.text, max_chars)
    if as_read(parts, article.text):
        return extractor([article])  # nothing to normalise or cut: the common case
    date = article.date
    if date is None and len(parts) > 1:  # every part is dated as the whole article would be
        from stancegraph.extract.dates import estimate_article_date

        date = estimate_article_date("".join(part.text for part in parts))
    stances = []
    for part in parts:
        piece = replace(article, text=part.text, date=date)
        stances.extend(_in_original(s, part, article.text) for s in extractor([piece]))
    return stances


def as_read(parts: list[Part], text: str) -> bool:
    """Whether preparing a text left it as it was: one part, nothing normalised."""
    return len(parts) == 1 and parts[0].text == text


def _in_original(stance: Stance, part: Part, text: str) -> Stance:
    start, end = part.original_span(stance.evidence.start, stance.evidence.end)
    evidence = Evidence(
        doc=stance.evidence.doc,
        start=start,
        end=end,
        text=text[start:end],
        prefix=text[max(0, start - QUOTE_CONTEXT) : start],
        suffix=text[end : end + QUOTE_CONTEXT],
    )
    return replace(stance, evidence=evidence)
