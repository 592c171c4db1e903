"""The query page that `serve` shows at `/`: one static HTML file, written from its parts.

`templates/query.html` is what the server sends. It is assembled here, once, from
`templates/query-page.html` (the skeleton), `query.js` and `query.css` (ours) and
`vendor/codemirror/sparql-editor.js` (the editor, vendored), all inlined, with a
Content-Security-Policy that lets only those inline blocks run (by hash) and lets the
page talk only to its own server. Run `python -m stancegraph.querypage` after editing a
part; a test checks that the committed file is up to date.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from stancegraph import store as sgstore
from stancegraph.model import DEFAULT_BASE_IRI
from stancegraph.viz import csp_policy, script_json

PAGE = "query.html"

# A first question that reads well: one row per actor, relation and target (DISTINCT: an
# entity is described again in each article that names it), with the IRIs that open them
# in the graph view.
DEFAULT_QUERY = """SELECT DISTINCT ?actorName ?relation ?targetName ?actor ?target WHERE {
  ?s a sg:Stance ; sg:actor ?actor ; sg:relation ?relation ; sg:target ?target .
  ?actor rdfs:label ?actorName . ?target rdfs:label ?targetName .
}
ORDER BY ?targetName ?relation ?actorName
LIMIT 50"""


def _templates():
    return resources.files("stancegraph") / "templates"


def render_query_page() -> str:
    """The page's HTML, deterministic."""
    folder = _templates()
    editor_js = (folder / "vendor" / "codemirror" / "sparql-editor.js").read_text("utf-8")
    page_js = (folder / "query.js").read_text("utf-8")
    style = (folder / "query.css").read_text("utf-8")
    config = script_json({"prefixes": sgstore.PREFIXES, "entity_base": DEFAULT_BASE_IRI})
    for name, text in (("sparql-editor.js", editor_js), ("query.js", page_js)):
        if "</script" in text.lower() or "<!--" in text:
            raise ValueError(f"{name} cannot be inlined: it contains </script or <!--")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)), autoescape=True, keep_trailing_newline=True
    )
    return env.get_template("query-page.html").render(
        csp=csp_policy(scripts=[editor_js, page_js], styles=[style], connect="'self'"),
        style=Markup(style),
        editor_js=Markup(editor_js),
        page_js=Markup(page_js),
        config=Markup(config),
        default_query=DEFAULT_QUERY,
        prefix_names=", ".join(sgstore.PREFIXES),
    )


def write_query_page(path: Path | None = None) -> Path:
    out = Path(path) if path else Path(str(_templates() / PAGE))
    out.write_text(render_query_page(), encoding="utf-8")
    return out


if __name__ == "__main__":
    print(f"wrote {write_query_page(Path(sys.argv[1]) if len(sys.argv) > 1 else None)}")
