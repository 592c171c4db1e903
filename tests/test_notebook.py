"""notebooks/explore.ipynb runs from top to bottom on the built seeds (so it never rots),
writes its page to a temporary folder, and is committed without outputs."""

from __future__ import annotations

import pytest
from conftest import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_notebook_runs_on_the_seeds(seeds_build, tmp_path, monkeypatch):
    _, graph = seeds_build
    out = tmp_path / "out"
    monkeypatch.setenv("STANCEGRAPH_GRAPH", str(graph))
    monkeypatch.setenv("STANCEGRAPH_OUT", str(out))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on failure
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "Warrant Service Officer program" in text
    assert "coalition 1:" in text
    page = out / "explore.html"
    assert page.is_file() and b"vis-network" in page.read_bytes()
    assert not (NOTEBOOK.parent / "explore.html").exists()  # nothing written into the repo
