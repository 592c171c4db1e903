"""ICE's 287(g) registry: the agencies ICE lists as participating in or pending a 287(g)
agreement, read from its spreadsheets into the graph beside what the news says.

    snapshot = read_sheet(Path("participatingAgencies07182025pm.xlsx"))
    agencies = registry_agencies([snapshot, ...])     # one Agency per real agency
    ds = registry_dataset([snapshot, ...], linker=GraphLinker(news_dataset))
    stances = Gazetteer([snapshot, ...]).place(stances, texts)

ICE publishes one sheet per list and replaces it as agreements are signed, so each sheet
is a dated snapshot; each becomes a named graph of its own, derived from the sheet, so
snapshots can be compared and replaced. Real sheets have defects (blank rows, trailing
spaces, one agency spelled several ways, Excel dates and dates typed as text); the
reading below absorbs them by facts of the domain kept in data/registry.toml.

Agencies get IRIs through resolve's own `slug` and `name_key`, so that a registry agency
and the same agency in the news meet on one node: `GraphLinker` reuses the IRI of a
news entity with the same name key in the same state; otherwise the IRI is minted from
the registry's name, qualified by the state (Washington County has a sheriff in six
states of the registry) unless the name carries its state already.

This module knows nothing of stores: `import_registry` writes through build and store,
imported only when it runs, as build does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from functools import cache
from importlib import resources
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef

from stancegraph import rdf
from stancegraph.extract.lexicon import broader_chain, load_lexicon
from stancegraph.extract.mentions import STATE_ABBREVIATIONS, US_STATES
from stancegraph.model import DEFAULT_BASE_IRI, Entity, Stance
from stancegraph.resolve import name_key, served_jurisdiction, slug

PARTICIPATING = "participating"
PENDING = "pending"
PUBLISHER = "U.S. Immigration and Customs Enforcement"  # the known actor ICE (actors.toml)
REGISTRY_GRAPHS = "graph/ice-287g/"  # named graphs of snapshots: base + this + snapshot id
MAX_HEADER_ROW = 10  # the header is looked for in the first rows only


class RegistryError(Exception):
    """A sheet that cannot be read or is of another shape; the message is one line."""


# ---------------------------------------------------------------- what the sheets hold


@dataclass(frozen=True)
class Row:
    """One agreement as a sheet lists it: an agency and one 287(g) model."""

    row: int  # 1-based row number in the sheet, for checking by hand
    state: str  # "Florida"
    agency: str  # cleaned spelling ("Alachua Police Department")
    sheet_agency: str  # the spelling as the cell has it
    agency_type: str | None  # TYPE: County, Municipality, State Agency
    county: str | None  # "Duval County"
    model: str  # the program's name in the gazetteer ("Task Force model")
    sheet_model: str  # as the sheet writes it ("Task Force Model")
    signed: str | None = None  # ISO date the agreement was signed (participating only)
    moa: str | None = None  # the MOA cell: "link", "link pending" or a URL


@dataclass(frozen=True)
class Snapshot:
    """One sheet: a list (participating or pending) as ICE published it on one date."""

    path: Path
    status: str  # PARTICIPATING or PENDING
    date: str  # ISO date of the snapshot
    time: str | None  # "am" / "pm" when the file name says
    sha256: str
    rows: tuple[Row, ...]
    skipped: tuple[tuple[int, str], ...] = ()  # (row, why) of rows that are not agreements

    @property
    def id(self) -> str:
        """`participating-2025-07-18-pm`: the snapshot's IRI segment."""
        return "-".join(p for p in (self.status, self.date, self.time) if p)

    @property
    def title(self) -> str:
        when = f"{self.date} {self.time}" if self.time else self.date
        return f"ICE 287(g) {self.status} agencies, {when}"


@cache
def vocabulary() -> dict:
    """data/registry.toml, the domain facts the reading relies on."""
    text = resources.files("stancegraph.data").joinpath("registry.toml").read_text("utf-8")
    return tomllib.loads(text)


# ---------------------------------------------------------------- reading a sheet


def read_sheet(path: str | Path) -> Snapshot:
    """Read one participating or pending sheet (xlsx). Raises RegistryError (one line)."""
    import openpyxl  # only commands that read sheets load it
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise RegistryError(f"cannot read {path}: {err.strerror or err}") from None
    try:
        import io

        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as err:
        raise RegistryError(f"{path}: not an xlsx workbook ({_one_line(err)})") from None
    except Exception as err:  # zipfile and XML parsers raise many types; all mean a bad file
        raise RegistryError(f"{path}: not an xlsx workbook ({_one_line(err)})") from None
    try:
        sheet, header_at, columns = _find_table(book, path)
        status = PARTICIPATING if "signed" in columns else PENDING
        date, time = _snapshot_date(path, book)
        rows, skipped = _read_rows(sheet, header_at, columns, status, date, path)
    finally:
        book.close()
    return Snapshot(
        path=path,
        status=status,
        date=date,
        time=time,
        sha256=hashlib.sha256(data).hexdigest(),
        rows=tuple(rows),
        skipped=tuple(skipped),
    )


def _find_table(book, path: Path):
    """The worksheet, its header row and column positions (field -> 0-based index)."""
    names = vocabulary()["columns"]
    wanted = {f: {_header(h) for h in heads} for f, heads in names.items() if f != "required"}
    for sheet in book.worksheets:
        for i, cells in enumerate(sheet.iter_rows(max_row=MAX_HEADER_ROW, values_only=True)):
            columns: dict[str, int] = {}
            for j, cell in enumerate(cells):
                head = _header(cell)
                for f, heads in wanted.items():
                    if head in heads and f not in columns:
                        columns[f] = j
            if all(f in columns for f in names["required"]):
                return sheet, i + 1, columns
    need = ", ".join(names[f][0] for f in names["required"])
    raise RegistryError(
        f"{path}: not an ICE 287(g) registry sheet (no header row with {need} in the first "
        f"{MAX_HEADER_ROW} rows of any sheet)"
    )


def _header(cell: object) -> str:
    return " ".join(str(cell).upper().split()) if cell is not None else ""


def _read_rows(
    sheet, header_at: int, columns: dict[str, int], status: str, snapshot_date: str, path: Path
):
    rows: list[Row] = []
    skipped: list[tuple[int, str]] = []
    width = max(columns.values()) + 1
    for number, cells in enumerate(
        sheet.iter_rows(min_row=header_at + 1, values_only=True), start=header_at + 1
    ):
        cells = tuple(cells) + (None,) * (width - len(cells))
        value = {f: _cell(cells[j]) for f, j in columns.items()}
        state_cell, agency = value.get("state"), value.get("agency")
        if not state_cell and not agency:
            continue  # a blank row (inside or after the table): not an agreement
        state = state_name(state_cell) if isinstance(state_cell, str) else None
        if not agency or not state:
            skipped.append((number, f"no {'agency' if not agency else 'US state'}"))
            continue
        sheet_model = value.get("model")
        model = program_name(sheet_model) if isinstance(sheet_model, str) else None
        if model is None:
            raise RegistryError(
                f"{path}: row {number}: unknown 287(g) model {sheet_model!r} (expected "
                f"{', '.join(MODELS)})"
            )
        signed = None
        if status == PARTICIPATING and value.get("signed") is not None:
            signed = excel_date(value["signed"])
            if signed is None:
                skipped.append((number, f"unreadable SIGNED date {value['signed']!r} (undated)"))
            elif signed > snapshot_date:  # no list reports an agreement signed after it
                skipped.append((number, f"SIGNED {signed} is after the snapshot (undated)"))
                signed = None
        rows.append(
            Row(
                row=number,
                state=state,
                agency=clean_name(str(agency)),
                sheet_agency=str(agency),
                agency_type=_text(value.get("type")),
                county=county_name(_text(value.get("county")), clean_name(str(agency))),
                model=model,
                sheet_model=" ".join(str(sheet_model).split()),
                signed=signed,
                moa=_text(value.get("moa")),
            )
        )
    return rows, skipped


def _cell(value: object) -> object:
    """A cell's value, with empty strings and the sheets' placeholders as None."""
    if isinstance(value, str):
        value = " ".join(value.replace("\xa0", " ").split())
        if not value or value.upper() in {v.upper() for v in vocabulary()["empty"]["values"]}:
            return None
    return value


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def state_name(cell: str) -> str | None:
    """ "NEW HAMPSHIRE", "new hampshire", "N.H."-style abbreviations -> "New Hampshire"."""
    text = " ".join(cell.split())
    by_fold = {s.casefold(): s for s in US_STATES}
    if text.casefold() in by_fold:
        return by_fold[text.casefold()]
    return STATE_ABBREVIATIONS.get(text) or _POSTAL.get(text.upper())


_POSTAL = dict(
    zip(
        "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
        "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split(),
        sorted(US_STATES),
        strict=True,
    )
)


def excel_date(value: object) -> str | None:
    """An ISO date from what a date cell holds: a datetime, an Excel serial number, or
    text as people type it (7/18/2025, 2025-07-18, and 05/082025 with a slash left out)."""
    from openpyxl.utils.datetime import from_excel

    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return from_excel(value).date().isoformat()
        except (ValueError, OverflowError, TypeError):
            return None
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-]?(\d{4}|\d{2})", text)
        if not m:
            return None
        mo, d, y = (int(g) for g in m.groups())
        y += 2000 if y < 100 else 0
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def _snapshot_date(path: Path, book) -> tuple[str, str | None]:
    """The snapshot's date (and am/pm) from the file name ICE's archive gives it
    (`participatingAgencies07182025pm.xlsx`), else from the workbook's own timestamp."""
    stem = path.stem
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})(?:[-_ ]?(am|pm))?", stem, re.IGNORECASE)
    if m:
        y, mo, d, part = m.groups()
    else:
        m = re.search(r"(?<!\d)(\d{2})(\d{2})(\d{4})(am|pm)?(?!\d)", stem, re.IGNORECASE)
        mo, d, y, part = m.groups() if m else (None, None, None, None)
    if y:
        try:
            return dt.date(int(y), int(mo), int(d)).isoformat(), part.lower() if part else None
        except ValueError:
            pass
    stamp = getattr(book.properties, "modified", None) or getattr(book.properties, "created", None)
    if isinstance(stamp, dt.datetime):
        return stamp.date().isoformat(), None
    raise RegistryError(
        f"{path}: cannot tell the snapshot's date (name the file like "
        "participatingAgencies07182025pm.xlsx)"
    )


# ---------------------------------------------------------------- names

MODELS = ("Jail Enforcement Model", "Task Force Model", "Warrant Service Officer")


def program_name(sheet_model: str) -> str | None:
    """The gazetteer's program for a SUPPORT TYPE cell: the program whose patterns read
    the whole cell ("Task Force Model " -> "Task Force model"); a form of 287(g)."""
    text = " ".join(sheet_model.split())
    for target in load_lexicon().targets:
        if target.type != "program" or target.generic:
            continue
        if "287(g) program" not in (target.broader, *broader_chain(target.broader)):
            continue
        if any(p.fullmatch(text) for p in target.patterns):
            return target.name
    return None


def program_entity(name: str, base_iri: str = DEFAULT_BASE_IRI) -> Entity:
    """The program as resolve names it in the news graph (same IRI, same SKOS chain)."""
    entry = next(t for t in load_lexicon().targets if t.name == name)
    return Entity(
        name=name,
        type="program",
        id=base_iri + slug(name),
        broader=entry.broader,
        broader_chain=broader_chain(entry.broader),
    )


@cache
def clean_name(name: str) -> str:
    """An agency's name as it should read: spaces and apostrophes made regular,
    abbreviations written out, a misspelt form word in the last two words corrected."""
    text = unicodedata.normalize("NFKC", name).replace("’", "'").replace("‘", "'")
    text = " ".join(text.split())
    for pattern, full in _abbreviations():
        text = pattern.sub(full, text)
    words = text.split(" ")
    forms = vocabulary()["forms"]["words"]
    lower = {w.lower(): w for w in forms}
    for i in range(max(0, len(words) - 2), len(words)):
        word = words[i]
        if word.lower() in lower or len(word) < 5:
            continue
        close = get_close_matches(word.lower(), list(lower), n=1, cutoff=0.8)
        if close:
            words[i] = lower[close[0]]
    return " ".join(words)


@cache
def _abbreviations() -> list[tuple[re.Pattern, str]]:
    return [
        (re.compile(rf"(?<![\w']){re.escape(short)}(?![\w'])", re.IGNORECASE), full)
        for short, full in vocabulary()["abbreviations"].items()
    ]


@cache
def agency_key(name: str) -> str:
    """What two spellings of one agency have in common: resolve's name key (case,
    possessives, Sheriff's Office/Department) after the registry's own forms."""
    family, _, low = name_key(clean_name(name), "agency").partition(":")
    for pattern, repl in vocabulary()["forms"]["same"]:
        low = re.sub(pattern, repl, low)
    return f"{family}:{low}"


def county_name(cell: str | None, agency: str) -> str | None:
    """A COUNTY cell as a county's name: trailing spaces gone, and "Decatur" completed to
    the "Decatur County" the agency's name says; the name wins over a misspelt cell."""
    words = vocabulary()["counties"]["words"]
    from_name = served_jurisdiction(agency, "agency")
    named = from_name.name if from_name is not None and from_name.level == "county" else None
    if cell is None:
        return named
    cell = " ".join(cell.split())
    if named and (named == cell or named.startswith(cell + " ")):
        return named
    if named and get_close_matches(cell, [named], n=1, cutoff=0.75):
        return named  # "Allegancy" for the Allegany County the name gives
    if not any(cell.endswith(" " + w) for w in words):
        m = re.match(rf"^{re.escape(cell)} ({'|'.join(map(re.escape, words))})\b", agency)
        cell = f"{cell} {m.group(1)}" if m else f"{cell} County"
    return cell


def carries_state(name: str, state: str) -> bool:
    """Whether a name says its own state ("Florida Highway Patrol", "University of
    Florida Police Department"), so that it needs no qualifying."""
    return re.search(rf"\b{re.escape(state)}\b", name) is not None


# ---------------------------------------------------------------- agencies across snapshots


@dataclass(frozen=True)
class Agency:
    """One real agency of the registry, however many rows and spellings it has."""

    state: str
    key: str  # agency_key of its name
    name: str  # the spelling it is labelled with
    spellings: tuple[str, ...]  # every cleaned spelling seen
    kind: str  # "agency" or "government_body"
    agency_type: str | None  # the sheets' TYPE
    county: str | None
    place: str | None  # the city or town a municipal agency serves

    def iri(self, base_iri: str = DEFAULT_BASE_IRI) -> str:
        """Minted as resolve would (base + slug of the name), qualified by the state
        unless the name carries it: a county's or town's name repeats across states."""
        if carries_state(self.name, self.state):
            return base_iri + slug(self.name)
        return base_iri + slug(f"{self.name} {self.state}")


def registry_agencies(snapshots: Iterable[Snapshot]) -> dict[tuple[str, str], Agency]:
    """(state, agency_key of a row's name) -> its Agency, over all the snapshots given.

    Rows are one agency when their keys agree within a state, or are one edit apart
    (a letter dropped, doubled or swapped: "Indiatlantic"/"Indialantic") without naming
    two different counties."""
    rows_by_key: dict[tuple[str, str], list[tuple[str, Row]]] = defaultdict(list)
    for snap in sorted(snapshots, key=lambda s: (s.date, s.time or "", s.status)):
        for row in snap.rows:
            rows_by_key[(row.state, agency_key(row.agency))].append((snap.date, row))
    merged = _merge_near_keys(rows_by_key)
    out: dict[tuple[str, str], Agency] = {}
    for (state, key), members in sorted(merged.items()):
        rows = [r for k in members for _, r in rows_by_key[(state, k)]]
        dated = [(d, r) for k in members for d, r in rows_by_key[(state, k)]]
        agency = _agency(state, key, rows, dated)
        for k in members:
            out[(state, k)] = agency
    return out


def _merge_near_keys(rows_by_key) -> dict[tuple[str, str], list[str]]:
    """Canonical (state, key) -> the keys folded into it (itself first). Keys are taken
    most rows first, so a misspelling folds into the usual spelling."""
    by_state: dict[str, list[str]] = defaultdict(list)
    for state, key in rows_by_key:
        by_state[state].append(key)
    merged: dict[tuple[str, str], list[str]] = {}
    for state, keys in sorted(by_state.items()):
        order = sorted(keys, key=lambda k: (-len(rows_by_key[(state, k)]), k))
        roots: list[str] = []
        for key in order:
            counties = {r.county for _, r in rows_by_key[(state, key)]} - {None}
            home = next(
                (
                    root
                    for root in roots
                    if len(key) >= 12
                    and one_edit_apart(key, root)
                    and _counties_agree(counties, rows_by_key[(state, root)])
                ),
                None,
            )
            if home is None:
                roots.append(key)
                merged[(state, key)] = [key]
            else:
                merged[(state, home)].append(key)
    return merged


def _counties_agree(counties: set[str], other_rows) -> bool:
    theirs = {r.county for _, r in other_rows} - {None}
    return not counties or not theirs or bool(counties & theirs)


def one_edit_apart(a: str, b: str) -> bool:
    """True when b is a with one letter inserted, dropped, changed or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i, j = (diffs + [None, None])[:2]
        return len(diffs) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1 :]


def _agency(state: str, key: str, rows: list[Row], dated: list[tuple[str, Row]]) -> Agency:
    spellings = Counter(r.agency for r in rows)
    latest = {r.agency: d for d, r in dated}
    name = sorted(spellings, key=lambda n: (-spellings[n], -_ordinal(latest[n]), n))[0]
    kind = (
        "government_body"
        if any(re.search(p, name) for p in vocabulary()["bodies"]["patterns"])
        else "agency"
    )
    types = Counter(r.agency_type for r in rows if r.agency_type)
    agency_type = sorted(types, key=lambda t: (-types[t], t))[0] if types else None
    counties = Counter(r.county for r in rows if r.county)
    county = sorted(counties, key=lambda c: (-counties[c], c))[0] if counties else None
    return Agency(
        state=state,
        key=key,
        name=name,
        spellings=tuple(sorted(spellings)),
        kind=kind,
        agency_type=agency_type,
        county=county,
        place=_municipal_place(name, agency_type, state),
    )


def _ordinal(iso: str) -> int:
    return dt.date.fromisoformat(iso).toordinal()


def _municipal_place(name: str, agency_type: str | None, state: str) -> str | None:
    if (agency_type or "").strip().lower() != "municipality" or carries_state(name, state):
        return None
    municipal = vocabulary()["municipal"]
    for pattern in municipal["patterns"]:
        m = re.match(pattern, name)
        if m and not any(re.search(rf"\b{w}\b", m.group("place")) for w in municipal["not_places"]):
            return m.group("place")
    return None


# ---------------------------------------------------------------- linking to the news graph


@dataclass
class GraphLinker:
    """The entities a graph already has (agencies, bodies, jurisdictions), by name key and
    state, so that registry facts land on the node the news uses for the same thing.

    A news entity is the registry's when one of its names has the same key and, for an
    agency, one of its states is the registry's; for a county or town, its only state. An
    entity with no state is never taken: a "Washington County" alone could be in any of 30
    states, and a place given two states by the news cannot be told from its namesakes."""

    by_key: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # key -> iri -> states
    labels: dict[str, str] = field(default_factory=dict)  # iri -> its rdfs:label

    @classmethod
    def from_graph(cls, graph: Graph | Dataset | None, skip: Iterable[str] = ()) -> GraphLinker:
        linker = cls()
        if graph is None:
            return linker
        union = rdf.union_graph(graph) if isinstance(graph, Dataset) else graph
        skip = set(skip)
        kinds = {
            rdf.SG.LawEnforcementAgency: "agency",
            rdf.SG.GovernmentBody: "agency",
            rdf.SG.Jurisdiction: "jurisdiction",
        }
        for cls_iri, kind in kinds.items():
            for e in sorted(set(union.subjects(rdf.RDF.type, cls_iri)), key=str):
                if str(e) in skip:
                    continue
                states = {str(s) for s in union.objects(e, rdf.SG.inState)}
                for place in union.objects(e, rdf.SCHEMA.containedInPlace):
                    states |= {str(s) for s in union.objects(place, rdf.RDFS.label)}
                label = union.value(e, rdf.RDFS.label)
                if label is not None:
                    linker.labels.setdefault(str(e), str(label))
                names = set(union.objects(e, rdf.RDFS.label))
                names |= set(union.objects(e, rdf.SKOS.altLabel))
                for n in names:
                    key = _link_key(str(n), kind)
                    linker.by_key.setdefault(key, {}).setdefault(str(e), set()).update(states)
        return linker

    def find(self, name: str, kind: str, state: str) -> str | None:
        """The graph's IRI for `name` in `state`, when exactly one entity fits."""
        found = {
            iri
            for iri, states in self.by_key.get(_link_key(name, kind), {}).items()
            if (state in states if kind == "agency" else states == {state})
        }
        return found.pop() if len(found) == 1 else None


def _link_key(name: str, kind: str) -> str:
    return agency_key(name) if kind == "agency" else name_key(clean_name(name), "jurisdiction")


# ---------------------------------------------------------------- RDF


def place_agency(
    agency: Agency, linker: GraphLinker | None = None, base_iri: str = DEFAULT_BASE_IRI
) -> Entity:
    """The agency as an Entity for rdf.py: on the news node when the linker finds one
    (keeping the news label, the registry's spellings as aliases), else minted; serving
    its county (or town, or its state) in its state."""
    linker = linker or GraphLinker()
    state = agency.state
    state_iri = base_iri + slug(state)
    if carries_state(agency.name, state) and agency.place is None and agency.county is None:
        served = Entity(state, "jurisdiction", id=state_iri, level="state", state=state)
    elif agency.place:
        served = _jurisdiction(agency.place, "city", state, linker, base_iri)
    elif agency.county:
        served = _jurisdiction(agency.county, "county", state, linker, base_iri)
    else:
        served = None
    iri = linker.find(agency.name, "agency", state)
    if iri is None:
        iri = next(
            (
                linker.find(s, "agency", state)
                for s in agency.spellings
                if linker.find(s, "agency", state)
            ),
            None,
        )
    label = linker.labels.get(iri, agency.name) if iri else agency.name
    return Entity(
        name=label,
        type=agency.kind,
        id=iri or agency.iri(base_iri),
        aliases=tuple(s for s in agency.spellings if s != label),
        jurisdiction=served,
        state=state,
    )


def _jurisdiction(name: str, level: str, state: str, linker: GraphLinker, base_iri: str) -> Entity:
    iri = linker.find(name, "jurisdiction", state)
    label = linker.labels.get(iri, name) if iri else name
    return Entity(
        name=label,
        type="jurisdiction",
        id=iri or base_iri + slug(f"{name} {state}"),
        level=level,
        state=state,
    )


def snapshot_graph_iri(snapshot: Snapshot, base_iri: str = DEFAULT_BASE_IRI) -> URIRef:
    return URIRef(rdf.base_of(base_iri) + REGISTRY_GRAPHS + snapshot.id)


def sheet_iri(snapshot: Snapshot, base_iri: str = DEFAULT_BASE_IRI) -> URIRef:
    return URIRef(rdf.base_of(base_iri) + "ice-287g/" + snapshot.id)


def entry_iri(snapshot: Snapshot, row: int, base_iri: str = DEFAULT_BASE_IRI) -> URIRef:
    """One row of one sheet (`id:ice-287g/participating-2025-07-18-pm/row-12`): the row
    number lets a reader find the entry in the sheet."""
    return URIRef(f"{sheet_iri(snapshot, base_iri)}/row-{row}")


def registry_dataset(
    snapshots: Sequence[Snapshot],
    linker: GraphLinker | None = None,
    base_iri: str = DEFAULT_BASE_IRI,
    agencies: dict[tuple[str, str], Agency] | None = None,
) -> Dataset:
    """One named graph per snapshot: the sheet (ICE as publisher, its date and hash),
    each row as an sg:RegistryEntry derived from it, and the direct triple
    `agency sg:joins program` (participating) or `agency sg:appliedFor program` (pending).
    The agencies, their counties and states, and the programs are described in each
    graph that names them, as article graphs do."""
    base = rdf.base_of(base_iri)
    agencies = agencies if agencies is not None else registry_agencies(snapshots)
    entities: dict[tuple[str, str], Entity] = {}
    ds = rdf.new_dataset(base)
    ice = Entity(PUBLISHER, "federal_agency", id=base + slug(PUBLISHER))
    for snap in snapshots:
        g = ds.graph(snapshot_graph_iri(snap, base))
        sheet = sheet_iri(snap, base)
        g.add((snapshot_graph_iri(snap, base), rdf.PROV.wasDerivedFrom, sheet))
        g.add((sheet, rdf.RDF.type, rdf.SG.RegistrySnapshot))
        g.add((sheet, rdf.RDF.type, rdf.PROV.Entity))
        g.add((sheet, rdf.DCTERMS.identifier, Literal(snap.path.name)))
        g.add((sheet, rdf.DCTERMS.title, Literal(snap.title)))
        g.add((sheet, rdf.DCTERMS.date, Literal(snap.date, datatype=rdf.XSD.date)))
        g.add((sheet, rdf.SG.registryStatus, STATUS[snap.status]))
        g.add((sheet, rdf.SG.contentHash, Literal(snap.sha256)))
        g.add((sheet, rdf.DCTERMS.publisher, rdf.add_entity(g, ice, "actor", base)))
        if snap.time:
            g.add((sheet, rdf.SG.snapshotTime, Literal(snap.time)))
        described: set[URIRef] = set()
        for row in snap.rows:
            agency = agencies[(row.state, agency_key(row.agency))]
            key = (agency.state, agency.key)
            if key not in entities:
                entities[key] = place_agency(agency, linker, base)
            a, p = URIRef(entities[key].id), URIRef(base + slug(row.model))
            if a not in described:  # each agency and program described once per snapshot
                described.add(rdf.add_entity(g, entities[key], "actor", base))
                _add_city_county(g, entities[key], agency, linker, base)
            if p not in described:
                described.add(rdf.add_entity(g, program_entity(row.model, base), "target", base))
            g.add((a, RELATION[snap.status], p))
            entry = entry_iri(snap, row.row, base)
            g.add((entry, rdf.RDF.type, rdf.SG.RegistryEntry))
            g.add((entry, rdf.RDF.type, rdf.PROV.Entity))
            g.add((entry, rdf.SG.listedAgency, a))
            g.add((entry, rdf.SG.listedProgram, p))
            g.add((entry, rdf.SG.registryStatus, STATUS[snap.status]))
            g.add((entry, rdf.PROV.wasDerivedFrom, sheet))
            g.add((entry, rdf.SG.sheetRow, Literal(row.row, datatype=rdf.XSD.integer)))
            g.add((entry, rdf.SG.agencyName, Literal(row.sheet_agency.strip())))
            g.add((entry, rdf.SG.modelName, Literal(row.sheet_model)))
            if row.signed:
                g.add((entry, rdf.DCTERMS.date, Literal(row.signed, datatype=rdf.XSD.date)))
            if row.moa and re.match(r"^https?://\S+$", row.moa):
                g.add((entry, rdf.SCHEMA.url, URIRef(row.moa)))
    return ds


def _add_city_county(
    g: Graph, entity: Entity, agency: Agency, linker: GraphLinker | None, base: str
) -> None:
    """A town's agency the sheet gives a county for: the town lies in that county too."""
    town = entity.jurisdiction
    if town is None or town.level != "city" or not agency.county:
        return
    county = _jurisdiction(agency.county, "county", agency.state, linker or GraphLinker(), base)
    g.add((URIRef(town.id), rdf.SCHEMA.containedInPlace, rdf.add_entity(g, county, "actor", base)))


STATUS = {PARTICIPATING: rdf.SG.Participating, PENDING: rdf.SG.Pending}
RELATION = {PARTICIPATING: rdf.SG.joins, PENDING: rdf.SG.appliedFor}


# ---------------------------------------------------------------- the gazetteer


@dataclass
class Gazetteer:
    """The registry's agencies as a gazetteer for resolution: an agency the news names
    gets its state and county from the registry when the registry has that name in a state
    the article names (or the name itself carries), and in no other such state.

    It leaves IRIs alone (the import links by name key and state), and gives one state per
    IRI: the one most of the entity's articles name."""

    snapshots: Sequence[Snapshot]
    agencies: dict[tuple[str, str], Agency] = field(init=False)
    by_key: dict[str, list[Agency]] = field(init=False)

    def __post_init__(self) -> None:
        self.agencies = registry_agencies(self.snapshots)
        self.by_key = defaultdict(list)
        for (_, key), agency in sorted(self.agencies.items()):
            if agency not in self.by_key[key]:
                self.by_key[key].append(agency)

    def candidates(self, name: str) -> list[Agency]:
        return list(self.by_key.get(agency_key(name), ()))

    def place(
        self, stances: list[Stance], texts: dict[str, str], base_iri: str = DEFAULT_BASE_IRI
    ) -> list[Stance]:
        """Stances whose agencies (actors, targets, on-behalf-of, affiliations) the
        registry places carry its state and the county they serve."""
        docs: dict[str, set[str]] = defaultdict(set)
        names: dict[str, Entity] = {}

        def see(entity: Entity | None, doc: str) -> None:
            if entity is None:
                return
            if entity.type in ("agency", "government_body") and entity.id:
                docs[entity.id].add(doc)
                names.setdefault(entity.id, entity)
            see(entity.affiliation, doc)

        for s in stances:
            for e in (s.actor, s.target, s.on_behalf_of):
                see(e, s.doc)
        mentioned = {doc: states_named(text) for doc, text in texts.items()}
        placed: dict[str, Entity] = {}
        for iri, entity in sorted(names.items()):
            agency = self._choose(entity, [mentioned.get(d, set()) for d in sorted(docs[iri])])
            if agency is None:
                continue
            served = place_agency(agency, None, base_iri).jurisdiction
            if entity.jurisdiction is not None and served is not None:
                same = name_key(entity.jurisdiction.name, "jurisdiction") == name_key(
                    served.name, "jurisdiction"
                )
                served = replace(entity.jurisdiction, state=agency.state) if same else served
            placed[iri] = replace(entity, state=agency.state, jurisdiction=served)

        def fix(entity: Entity | None) -> Entity | None:
            if entity is None:
                return None
            new = placed.get(entity.id or "")
            if new is not None:
                entity = replace(entity, state=new.state, jurisdiction=new.jurisdiction)
            return replace(entity, affiliation=fix(entity.affiliation))

        return [
            replace(s, actor=fix(s.actor), target=fix(s.target), on_behalf_of=fix(s.on_behalf_of))
            for s in stances
        ]

    def _choose(self, entity: Entity, doc_states: list[set[str]]) -> Agency | None:
        found = {a.state: a for n in (entity.name, *entity.aliases) for a in self.candidates(n)}
        if not found:
            return None
        own = [s for s in found if carries_state(entity.name, s)]
        if len(own) == 1:
            return found[own[0]]
        votes = Counter(s for states in doc_states for s in states if s in found)
        if not votes:
            return None
        ranked = votes.most_common()
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            return None  # two registry states named equally often: no telling
        return found[ranked[0][0]]


def states_named(text: str) -> set[str]:
    """The US states an article names, in full or by their usual abbreviations."""
    found = {s for s in US_STATES if re.search(rf"\b{re.escape(s)}\b", text)}
    found |= {s for abbr, s in STATE_ABBREVIATIONS.items() if abbr in text}
    return found


# ---------------------------------------------------------------- changes between snapshots


@dataclass(frozen=True)
class Entry:
    """One agreement of one snapshot as the graph holds it (IRIs), for comparing snapshots."""

    snapshot: str  # the sheet's IRI
    status: str  # PARTICIPATING or PENDING
    date: str  # the snapshot's date
    time: str | None  # "am" / "pm"
    agency: str
    program: str
    signed: str | None = None
    iri: str = ""  # the entry itself: a sheet may list one agreement on two rows


def _moment(e: Entry) -> tuple[str, int]:
    return (e.date, {"am": 0, None: 1, "pm": 2}.get(e.time, 1))


def snapshot_changes(entries: Iterable[Entry]) -> dict:
    """What changed from each snapshot of a list to the next one of the same list.

    - `added` / `ended`: agreements (agency, program) in the later participating
      snapshot and not the earlier, or the other way round;
    - `model_changed`: agencies that, in one step, ended one model and began another;
    - `pending_to_participating`: agreements added that the latest pending snapshot
      before them listed as pending;
    - `pending_dropped`: pending agreements that the next pending snapshot no longer
      lists and no participating snapshot up to it lists either.
    Every list is sorted; each item is (agency, program[, detail])."""
    by_snap: dict[str, set[tuple[str, str]]] = defaultdict(set)
    listed: dict[str, set[str]] = defaultdict(set)
    meta: dict[str, Entry] = {}
    signed: dict[tuple[str, str, str], str] = {}
    for e in entries:
        by_snap[e.snapshot].add((e.agency, e.program))
        listed[e.snapshot].add(e.iri or f"{e.agency} {e.program}")
        meta.setdefault(e.snapshot, e)
        if e.signed:
            signed[(e.snapshot, e.agency, e.program)] = e.signed
    order = sorted(meta, key=lambda s: (_moment(meta[s]), s))
    part = [s for s in order if meta[s].status == PARTICIPATING]
    pend = [s for s in order if meta[s].status == PENDING]
    snapshots = [
        {
            "snapshot": s,
            "status": meta[s].status,
            "date": meta[s].date,
            "time": meta[s].time,
            "rows": len(listed[s]),  # entries as listed (what ICE counts)
            "agreements": len(by_snap[s]),  # distinct (agency, program)
            "agencies": len({a for a, _ in by_snap[s]}),
            "by_program": dict(sorted(Counter(p for _, p in by_snap[s]).items())),
        }
        for s in order
    ]
    steps = []
    for before, after in zip(part, part[1:], strict=False):
        old, new = by_snap[before], by_snap[after]
        added, ended = sorted(new - old), sorted(old - new)
        began: dict[str, set[str]] = defaultdict(set)
        stopped: dict[str, set[str]] = defaultdict(set)
        for a, p in added:
            began[a].add(p)
        for a, p in ended:
            stopped[a].add(p)
        changed = [
            (a, sorted(stopped[a]), sorted(began[a] - stopped[a]))
            for a in sorted(set(began) & set(stopped))
            if began[a] - stopped[a]
        ]
        earlier = [s for s in pend if _moment(meta[s]) < _moment(meta[after])]
        was_pending = by_snap[earlier[-1]] if earlier else set()
        steps.append(
            {
                "list": PARTICIPATING,
                "from": before,
                "to": after,
                "added": [(a, p, signed.get((after, a, p))) for a, p in added],
                "ended": [(a, p, signed.get((before, a, p))) for a, p in ended],
                "model_changed": changed,
                "pending_to_participating": [
                    (a, p, signed.get((after, a, p))) for a, p in added if (a, p) in was_pending
                ],
            }
        )
    for before, after in zip(pend, pend[1:], strict=False):
        upto = [s for s in part if _moment(meta[s]) <= _moment(meta[after])]
        joined = set().union(*(by_snap[s] for s in upto)) if upto else set()
        gone = sorted(by_snap[before] - by_snap[after])
        steps.append(
            {
                "list": PENDING,
                "from": before,
                "to": after,
                "added": sorted(by_snap[after] - by_snap[before]),
                "ended": gone,
                "pending_dropped": [x for x in gone if x not in joined],
            }
        )
    return {"snapshots": snapshots, "steps": steps}


# ---------------------------------------------------------------- importing into a graph


@dataclass
class ImportReport:
    """What an import read and wrote: the summary `stancegraph import-registry` prints."""

    graph: Path
    snapshots: list[Snapshot]
    agencies: int = 0  # distinct registry agencies
    linked: int = 0  # of them, on a node the graph already had
    triples: int = 0  # registry triples written
    files: list[Path] = field(default_factory=list)


def import_registry(
    sheets: Sequence[str | Path], graph: str | Path, base_iri: str = DEFAULT_BASE_IRI
) -> ImportReport:
    """Read the sheets and write their snapshots into the graph (a folder from `build`, a
    store directory or a .trig file), replacing earlier imports of the same snapshots.
    Raises RegistryError or store.StoreError; nothing is written when a sheet is bad."""
    from stancegraph import build, store  # above this module: only when writing

    snapshots = [read_sheet(p) for p in sheets]
    ids = [s.id for s in snapshots]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise RegistryError(f"two sheets are the same snapshot ({dup})")
    path = Path(graph)
    if path.is_file() and path.suffix.lower() != ".trig":
        raise store.StoreError(
            f"{path}: registry snapshots are named graphs; give a .trig file or a store"
        )
    ds = build.load_dataset(path, base_iri) if path.exists() else rdf.new_dataset(base_iri)
    base = rdf.base_of(base_iri)
    ours = {str(snapshot_graph_iri(s, base)) for s in snapshots}
    news = rdf.new_dataset(base)
    for g in ds.graphs():
        if str(g.identifier).startswith(base + REGISTRY_GRAPHS):
            continue
        for t in g:
            news.default_graph.add(t)
    linker = GraphLinker.from_graph(news.default_graph)
    agencies = registry_agencies(snapshots)
    registry = registry_dataset(snapshots, linker, base, agencies)
    for iri in ours:
        ds.remove_graph(URIRef(iri))
    triples = 0
    for g in registry.graphs():
        if not len(g):
            continue
        target = ds.graph(g.identifier)
        for t in g:
            target.add(t)
        triples += len(g)
    placed = {place_agency(a, linker, base).id for a in set(agencies.values())}
    report = ImportReport(
        graph=path,
        snapshots=snapshots,
        agencies=len(set(agencies.values())),
        linked=len(placed & set(linker.labels)),
        triples=triples,
    )
    report.files = _write(ds, path, build, store)
    return report


def _write(ds: Dataset, path: Path, build, store) -> list[Path]:
    trig = rdf.serialize(ds, "trig")
    if path.suffix.lower() == ".trig":
        build.write_atomic(path, trig)
        return [path]
    if (path / "CURRENT").is_file():  # a store directory itself
        store.write_store(trig, path)
        return [path]
    # a graph folder: a new generation, switched in as a build switches one (generations.py)
    from stancegraph.generations import Output, OutputError

    try:
        with Output(path) as output:
            build.write_atomic(output.folder / build.TURTLE_FILE, rdf.serialize(ds, "turtle"))
            build.write_atomic(output.folder / build.TRIG_FILE, trig)
            store.write_store(trig, output.folder / build.STORE_DIR)
            files = [build.TURTLE_FILE, build.TRIG_FILE, build.STORE_DIR]
            write_view = build.optional_attribute("stancegraph.viz", "write_view")
            if write_view is not None:
                write_view(output.folder / build.STORE_DIR, output.folder / build.VIEW_FILE)
                files.append(build.VIEW_FILE)
            output.publish()
    except OutputError as err:
        raise store.StoreError(str(err)) from None
    return [path / name for name in files]


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())[:300] or type(err).__name__
