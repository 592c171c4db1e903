"""The date of a stance: from the evidence sentence when it names one ("On May 6th,
2019", "in March", "last week", "Tuesday"), read against the article's date;
else the article's date."""

from __future__ import annotations

import bisect
import datetime as dt
import re

from stancegraph.extract.nlp import once

MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

FULL_DATE = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
MONTH_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(?:of\s+)?(\d{4})\b")
MONTH_DAY = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b")
YEAR = re.compile(r"\b(?:in|since|by|during)?\s*((?:19|20)\d{2})\b")


def _article_day(article_date: str | None) -> dt.date | None:
    if not article_date:
        return None
    try:
        return dt.date.fromisoformat(article_date[:10])
    except ValueError:
        return None


def parse_date(text: str, article_date: str | None) -> str | None:
    """An ISO 8601 date, as precise as the text allows, or None."""
    base = _article_day(article_date)
    low = text.lower()
    if m := FULL_DATE.search(text):
        month = MONTHS.get(m.group(1).lower())
        if month:
            try:
                return dt.date(int(m.group(3)), month, int(m.group(2))).isoformat()
            except ValueError:
                pass
    if m := MONTH_YEAR.search(text):
        month = MONTHS.get(m.group(1).lower())
        if month:
            return f"{int(m.group(2)):04d}-{month:02d}"
    if base and (m := MONTH_DAY.search(text)):
        month = MONTHS.get(m.group(1).lower())
        if month and m.group(1).lower() not in ("may",) or (month and m.group(1)[0].isupper()):
            year = base.year if month <= base.month else base.year - 1
            try:
                return dt.date(year, month, int(m.group(2))).isoformat()
            except ValueError:
                pass
    if m := YEAR.search(text):
        return m.group(1)
    if base:
        for i, day in enumerate(WEEKDAYS):
            if day in low:
                delta = (base.weekday() - i) % 7
                return (base - dt.timedelta(days=delta)).isoformat()
        if "yesterday" in low:
            return (base - dt.timedelta(days=1)).isoformat()
        if "today" in low:
            return base.isoformat()
        if "last week" in low:
            return (base - dt.timedelta(days=7)).isoformat()[:7]
        if "last month" in low:
            first = base.replace(day=1) - dt.timedelta(days=1)
            return first.isoformat()[:7]
        if "last year" in low:
            return str(base.year - 1)
        for name, month in MONTHS.items():
            if len(name) > 3 and re.search(rf"\b{name}\b", low) and text[low.index(name)].isupper():
                year = base.year if month <= base.month else base.year - 1
                return f"{year:04d}-{month:02d}"
    return None


URL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?!\d)"
)


def estimate_article_date(text: str) -> str | None:
    """For an article without a publication date: the latest full date it mentions
    ("On May 6th, 2019", a dated link like .../la-me-holds-20140602-story.html). An article
    is no older than the dates it reports, so this is a lower bound, used only to date
    its stances; a bare year is too loose to count."""
    found = []
    for m in FULL_DATE.finditer(text):
        month = MONTHS.get(m.group(1).lower())
        if month:
            try:
                found.append(dt.date(int(m.group(3)), month, int(m.group(2))))
            except ValueError:
                pass
    for m in URL_DATE.finditer(text):
        try:
            found.append(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
        except ValueError:
            pass
    return max(found).isoformat() if found else None


def stance_date(doc, start: int, end: int, article_date: str | None) -> str | None:
    """The first DATE entity of the evidence that parses, else the article's date."""
    starts, ents = _date_entities(doc)
    for ent in ents[bisect.bisect_left(starts, start) :]:
        if ent.start_char >= end:
            break
        parsed = parse_date(ent.text, article_date)
        if parsed:
            return parsed
    return article_date


def _date_entities(doc) -> tuple[list[int], list]:
    """The DATE entities of a Doc in text order, with their start offsets, found once per Doc
    (scanning `doc.ents` for every stance made long articles quadratic)."""
    return once(doc, "date_entities", lambda: _dates_in(doc))


def _dates_in(doc) -> tuple[list[int], list]:
    ents = [ent for ent in doc.ents if ent.label_ == "DATE"]
    return [ent.start_char for ent in ents], ents
