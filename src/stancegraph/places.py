"""US states and counties for the view's map: names to FIPS codes, and SVG outlines.

The boundaries are the US Census Bureau's 2017 cartographic boundary files as npm's
`us-atlas` 3.0.1 packages them (ISC licence; the Census data is public domain), already
projected to Albers USA in a 975×610 frame: `templates/vendor/us-atlas/`. The file holds
TopoJSON; the few lines below decode just what the map draws (arcs to SVG path data), so
the page ships the outlines of the states and of the counties the graph places, not the
whole 0.8 MB file, and needs no map library.

A jurisdiction is placed only by what the graph says of it: a county by its name and the
state it lies in, a state by its name. Nothing is placed by a guess (a county name alone,
a city inside some county); what cannot be placed is listed by the view instead.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources

ATLAS = ("templates", "vendor", "us-atlas", "counties-albers-10m.json")
WIDTH, HEIGHT = 975, 610  # the atlas's projected frame

# What a county's name ends with in running text; the atlas names counties without it.
COUNTY_WORDS = ("county", "parish", "borough", "census area", "municipality", "city and borough")


@cache
def atlas() -> dict:
    """The vendored TopoJSON topology (read once)."""
    path = resources.files("stancegraph").joinpath(*ATLAS)
    return json.loads(path.read_text(encoding="utf-8"))


def _key(name: str) -> str:
    """A name as it is compared: no accents, no punctuation, 'Saint' for 'St.', lower case."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("’", "'").replace("'", "")
    text = re.sub(r"\bste?\.?\s", lambda m: "sainte " if "e" in m.group(0) else "saint ", text)
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text).split())


@cache
def _index() -> tuple[dict[str, str], dict[tuple[str, str], str], dict[str, str]]:
    """(state key -> state FIPS, (state FIPS, county key) -> county FIPS, FIPS -> name)."""
    objects = atlas()["objects"]
    states, counties, names = {}, {}, {}
    for g in objects["states"]["geometries"]:
        states[_key(g["properties"]["name"])] = g["id"]
        names[g["id"]] = g["properties"]["name"]
    for g in objects["counties"]["geometries"]:
        counties[(g["id"][:2], _key(g["properties"]["name"]))] = g["id"]
        names[g["id"]] = g["properties"]["name"]
    return states, counties, names


def state_fips(name: str | None) -> str | None:
    """'California', 'State of California' -> '06'; anything else -> None."""
    if not name:
        return None
    key = _key(name)
    key = re.sub(r"^(the )?(state|commonwealth) of ", "", key)
    return _index()[0].get(key)


def county_fips(name: str, state: str | None) -> str | None:
    """'Los Angeles County', 'California' -> '06037'; None without a state that has it."""
    code = state_fips(state)
    if code is None:
        return None
    key = _key(name)
    for word in COUNTY_WORDS:
        if key.endswith(" " + word):
            key = key[: -len(word) - 1]
            break
    else:
        return None  # a name that does not say it is a county is not placed as one
    key = re.sub(r"^(the )?(city and )?county of ", "", key)
    return _index()[1].get((code, key))


def place_name(fips: str) -> str:
    """The atlas's name of a state or county FIPS code, with its state for a county."""
    names = _index()[2]
    if len(fips) == 2:
        return names.get(fips, fips)
    return f"{names.get(fips, fips)}, {names.get(fips[:2], fips[:2])}"


# ---------------------------------------------------------------- outlines as SVG paths


def _arcs() -> list[list[tuple[int, int]]]:
    """Every arc as absolute points, scaled to the 975×610 frame and rounded to whole pixels
    (the frame's own precision at the size the map is drawn)."""
    topo = atlas()
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            point = (round(x * sx + tx), round(y * sy + ty))
            if not points or point != points[-1]:
                points.append(point)
        out.append(points)
    return out


_ARCS: list | None = None


def _ring(indexes: list[int]) -> list[tuple[int, int]]:
    global _ARCS
    if _ARCS is None:
        _ARCS = _arcs()
    ring: list[tuple[int, int]] = []
    for i in indexes:
        arc = _ARCS[i] if i >= 0 else _ARCS[~i][::-1]
        ring.extend(arc[1:] if ring and arc and arc[0] == ring[-1] else arc)
    return ring


def _path(geometry: dict) -> str:
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = _ring(ring)
            if len(points) < 3:
                continue
            x0, y0 = points[0]
            steps = [f"M{x0} {y0}"]
            for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
                steps.append(f"l{bx - ax} {by - ay}")
            parts.append("".join(steps) + "z")
    return "".join(parts)


@cache
def state_paths() -> tuple[tuple[str, str, str], ...]:
    """(FIPS, name, SVG path data) for every state, DC and Puerto Rico, in FIPS order."""
    geoms = atlas()["objects"]["states"]["geometries"]
    return tuple(
        (g["id"], g["properties"]["name"], _path(g)) for g in sorted(geoms, key=lambda g: g["id"])
    )


def county_paths(fips_codes) -> list[tuple[str, str, str]]:
    """(FIPS, name, SVG path data) for the given county FIPS codes, in FIPS order."""
    wanted = set(fips_codes)
    geoms = atlas()["objects"]["counties"]["geometries"]
    return [
        (g["id"], g["properties"]["name"], _path(g))
        for g in sorted(geoms, key=lambda g: g["id"])
        if g["id"] in wanted
    ]
