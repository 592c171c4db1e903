"""The view's components laid out once and read back (layoutcache.py): the same positions
as a fresh layout, whatever the cache holds."""

from __future__ import annotations

import json

import networkx as nx
from test_viz import synthetic_view

from stancegraph import viz
from stancegraph.layoutcache import LayoutCache


def components(view: dict) -> int:
    graph = nx.Graph((e["from"], e["to"]) for e in view["edges"])
    graph.add_nodes_from(n["id"] for n in view["nodes"])
    return nx.number_connected_components(graph)


def test_components_read_back_are_placed_where_a_fresh_layout_places_them(tmp_path):
    view = synthetic_view(900, 40)  # big components, a pair and a lone node
    fresh = viz.layout(view)
    path = tmp_path / "layout.json"
    first = LayoutCache(path)
    assert viz.layout(view, first) == fresh and first.hits == 0
    first.save()
    again = LayoutCache(path)
    assert viz.layout(view, again) == fresh
    assert again.hits == components(view) > 3  # every component read back, none laid out


def test_a_changed_component_is_laid_out_again_and_the_others_read_back(tmp_path):
    path = tmp_path / "layout.json"
    view = synthetic_view(900, 40)
    cache = LayoutCache(path)
    viz.layout(view, cache)
    cache.save()
    before = components(view)
    view["edges"].append({"from": "lone-b", "to": "isolated"})  # the pair takes the lone node
    cache = LayoutCache(path)
    assert viz.layout(view, cache) == viz.layout(view)
    assert cache.hits == before - 2  # all but the pair and the lone node
    cache.save()
    assert len(json.loads(path.read_bytes())["entries"]) == before - 1  # what this view used


def test_positions_kept_by_other_code_or_malformed_are_not_used(tmp_path):
    path = tmp_path / "layout.json"
    view = synthetic_view(30, 4)
    cache = LayoutCache(path)
    fresh = viz.layout(view, cache)
    cache.save()
    kept = json.loads(path.read_bytes())
    for entries, version in (
        (kept["entries"], "another version of the layout"),
        ({k: [[0.0, 0.0]] * (len(v) + 1) for k, v in kept["entries"].items()}, kept["version"]),
        ({k: "not positions" for k in kept["entries"]}, kept["version"]),
    ):
        path.write_text(json.dumps({"version": version, "entries": entries}))
        cache = LayoutCache(path)
        assert viz.layout(view, cache) == fresh and cache.hits == 0
    path.write_text("{not json")
    assert viz.layout(view, LayoutCache(path)) == fresh
