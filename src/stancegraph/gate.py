"""What a query from anyone may be: one read-only query that calls no other server.

Why the checks are these, and why they are enough:
- One parser decides. The text is first rewritten the way SPARQL 1.1 (section 19.2)
  defines it, with its \\u and \\U escapes expanded once over the whole text, and it
  is that rewritten text that Oxigraph parses, checks and runs. (rdflib used to check
  the text and Oxigraph to run it; they read escapes differently, and a SERVICE hid
  in the difference.)
- SERVICE is the one part of a query that makes pyoxigraph open a connection (FROM
  names graphs of the store; LOAD is an update). Oxigraph itself says whether the
  query calls it: see store.uses_keyword. Whatever this check misses still reaches
  nothing, because queries run in worker processes that may open no socket
  (sandbox.py).
- Updates cannot run: store.query only parses queries and the store is opened
  read-only. The check below only picks the message (403 rather than 400).
- Nesting: Oxigraph's parser and optimiser recurse, and a deep enough query
  overflows any stack; workers run queries on a large stack and this caps the
  depth of brackets well above what queries use (the grammar allows any depth).

Everything here runs in the query worker, under its time limit, never on the
server's event loop.
"""

from __future__ import annotations

import re

from stancegraph import store as sgstore

MAX_NESTING = 1000  # brackets ( { [ open at once; the workers' stack holds far more


class Refused(Exception):
    """A query that will not run: an HTTP status and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_UPDATE = re.compile(
    r"(?:\s|#[^\n\r]*|BASE\s*<[^>]*>|PREFIX\s*[^\s:]*:\s*<[^>]*>)*"
    r"(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
    re.IGNORECASE,
)
_POSITION = re.compile(r"error at (\d+):(\d+)")
READ_ONLY = "read-only: updates (INSERT, DELETE, LOAD, CLEAR, DROP ...) are refused"
NO_SERVICE = "SERVICE is not allowed: queries here never call other servers"


def prepare(sparql: str, allow_service: bool = False) -> str:
    """The text to run, or Refused: escapes expanded, SERVICE and deep nesting refused."""
    text = expand_escapes(sparql)
    if not text.strip():
        raise Refused(400, "empty query: send a SPARQL query")
    check_nesting(text)
    if not allow_service:
        check_service(text)
    return text


def expand_escapes(sparql: str) -> str:
    """SPARQL 1.1 section 19.2: \\uXXXX and \\UXXXXXXXX stand for their character
    anywhere in the text, and are replaced before parsing, once."""

    def character(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise Refused(400, f"malformed query: {match.group()} is not a character")
        return chr(code)

    text = _ESCAPE.sub(character, sparql)
    if _ESCAPE.search(text):  # "\u005Cu0053" gives "\u0053": refused, never read twice
        raise Refused(400, "malformed query: an escape sequence writes another escape sequence")
    return text


def check_nesting(sparql: str) -> None:
    """Refuse more than MAX_NESTING brackets open at once (counted over the whole text,
    strings included: an overcount only refuses sooner)."""
    if sum(sparql.count(c) for c in "({[") <= MAX_NESTING:  # cannot be deeper: skip the walk
        return
    depth = deepest = 0
    for char in re.findall(r"[(){}\[\]]", sparql):
        depth = depth + 1 if char in "({[" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise Refused(400, f"query too deeply nested: more than {MAX_NESTING} brackets open")


def check_service(sparql: str) -> None:
    """Refuse a query in which Oxigraph might read a SERVICE keyword: 403, or 400 when
    the parser stops before the first "service", where the misspelling cannot matter."""
    message = sgstore.keyword_error(sparql, "service")
    if message is None:
        return
    first = re.search("service", sparql, re.IGNORECASE)
    if first is not None and _error_offset(sparql, message) < first.start():
        raise Refused(400, "malformed query: " + clean_message(message, sparql))
    raise Refused(403, NO_SERVICE)


def _error_offset(sparql: str, message: str) -> float:
    """The character offset of the parser's "error at LINE:COLUMN" (inf if none)."""
    where = _POSITION.search(message)
    if where is None:
        return float("inf")
    line, column = int(where.group(1)), int(where.group(2))
    return sum(len(t) + 1 for t in sparql.split("\n")[: line - 1]) + column - 1


def refusal(sparql: str, error: Exception) -> Refused:
    """The answer to a query Oxigraph would not run: 403 for an update sent as a query,
    else 400 with the parser's message made readable."""
    message = str(error).removeprefix("malformed query: ")
    if str(error).startswith("malformed") and _UPDATE.match(sparql):
        return Refused(403, READ_ONLY)
    if str(error).startswith("malformed"):
        return Refused(400, "malformed query: " + clean_message(message, sparql))
    return Refused(400, str(error))


def clean_message(message: str, sparql: str | None = None) -> str:
    """Oxigraph's parser message on one readable line: the position, then the parser's
    own complaint if it has one (a duplicated variable, an undefined prefix), else what
    it expected, without the character classes of its grammar."""
    where = _POSITION.search(message)
    position = f"line {where.group(1)}, column {where.group(2)}: " if where else ""
    if "Prefix not found" in message and where and sparql is not None:
        name = _prefix_at(sparql, int(where.group(1)), int(where.group(2)))
        return f"{position}undefined prefix {name}:"
    if "IRI parsing failed" in message:
        return f"{position}not a valid IRI"
    expected = message.split("expected", 1)[1] if "expected" in message else message
    words = [w.strip() for w in re.sub(r"\[[^\]]*\]+", "", expected).split(",")]
    words = [w.removeprefix("one of ").strip() for w in words]
    complaints = [w for w in words if " " in w and not w.startswith(('"', "'"))]
    if complaints:
        return position + complaints[0][0].lower() + complaints[0][1:]
    words = [w for w in words if w and not w.startswith(("'", "[")) and len(w) < 40][:8]
    return position + (f"expected {' or '.join(words)}" if words else "syntax error")


def _prefix_at(sparql: str, line: int, column: int) -> str:
    lines = sparql.split("\n")
    if not 0 < line <= len(lines):
        return "?"
    before = lines[line - 1][: max(column - 1, 0)]
    match = re.search(r"([A-Za-z][\w.-]*)?:[^\s:]*$", before)
    return (match.group(1) or "") if match else "?"
