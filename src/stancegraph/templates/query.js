/* stancegraph query page: write SPARQL (an editor with highlighting and completion), run
 * it against this server's /sparql, read the results as a table whose IRIs open in the
 * graph view, download them as CSV or JSON, and share the query by its URL (#query=...).
 *
 * Safety: everything the server sends back is shown with textContent, never parsed as
 * HTML; a result IRI becomes a link only for http(s) (or a link into the view).
 */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("sg-query-config").textContent);
  const PREFIXES = config.prefixes;
  const ENTITY_BASE = config.entity_base;
  const MAX_SHOWN = 1000; // rows drawn in the table; the downloads have them all
  let bundled = [];
  let last = null; // {query, data} of the last run, for the downloads

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children || []) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    return node;
  }

  function setStatus(text, isError) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
  }

  // ------------------------------------------------------------ the editor

  const terms = {};
  const editor = window.SparqlEditor.create($("query"), {
    prefixes: PREFIXES,
    terms: terms,
    onRun: () => run(),
  });

  /** The vocabulary this graph uses, for completion after a prefix (sg:dec -> sg:declines). */
  async function loadTerms() {
    const q = "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } } LIMIT 2000";
    try {
      const response = await fetch("sparql", { method: "POST", headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" }, body: q });
      if (!response.ok) return;
      const data = await response.json();
      for (const b of data.results.bindings) {
        const iri = b.t && b.t.value;
        for (const [p, ns] of Object.entries(PREFIXES)) {
          if (iri && iri.startsWith(ns) && /^[\w-]+$/.test(iri.slice(ns.length))) {
            (terms[p] = terms[p] || []).push(iri.slice(ns.length));
          }
        }
      }
      for (const p of Object.keys(terms)) terms[p] = Array.from(new Set(terms[p])).sort();
    } catch (err) {
      /* completion of prefixes and keywords still works */
    }
  }

  // ------------------------------------------------------------ results

  function compact(iri) {
    for (const [p, ns] of Object.entries(PREFIXES)) {
      if (iri.startsWith(ns) && /^[\w.-]*$/.test(iri.slice(ns.length))) return p + ":" + iri.slice(ns.length);
    }
    if (iri.startsWith(ENTITY_BASE)) return "id:" + iri.slice(ENTITY_BASE.length);
    return iri;
  }

  /** Where an IRI opens: an entity, a stance or an article of this graph in the view;
   *  another http(s) IRI as itself; anything else nowhere. */
  function linkFor(iri) {
    if (iri.startsWith(ENTITY_BASE)) {
      const rest = iri.slice(ENTITY_BASE.length);
      if (/^stance\/[0-9a-f]+/.test(rest)) {
        const stance = ENTITY_BASE + rest.match(/^stance\/[0-9a-f]+/)[0];
        return "graph#edge=" + encodeURIComponent(stance);
      }
      if (rest.startsWith("article/")) return "graph#source=" + encodeURIComponent(iri);
      if (rest.startsWith("graph/") || rest.startsWith("run/")) return null;
      return "graph#node=" + encodeURIComponent(iri);
    }
    try {
      const url = new URL(iri);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (err) {
      return null;
    }
  }

  function cell(term) {
    const td = el("td");
    if (!term) return td;
    if (term.type === "uri") {
      const href = linkFor(term.value);
      const text = compact(term.value);
      if (href) {
        const a = el("a", { href: href, title: term.value, text: text });
        if (!href.startsWith("graph#")) a.setAttribute("rel", "noopener noreferrer");
        td.appendChild(a);
      } else {
        td.appendChild(el("span", { title: term.value, text: text }));
      }
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      td.textContent = term.value;
      const extra = term["xml:lang"] ? "@" + term["xml:lang"] : term.datatype ? "^^" + compact(term.datatype) : "";
      if (extra) td.setAttribute("title", extra);
    }
    return td;
  }

  function showTable(data) {
    const vars = data.head.vars || [];
    const rows = data.results.bindings;
    const table = el("table", { id: "results-table" });
    table.appendChild(el("thead", {}, [el("tr", {}, vars.map((v) => el("th", { scope: "col", text: "?" + v })))]));
    const body = el("tbody");
    for (const binding of rows.slice(0, MAX_SHOWN)) body.appendChild(el("tr", {}, vars.map((v) => cell(binding[v]))));
    table.appendChild(body);
    $("results").replaceChildren(table);
    return rows.length;
  }

  function clearResults() {
    $("results").replaceChildren();
    last = null;
    $("downloads").hidden = true;
  }

  async function post(query, accept) {
    return fetch("sparql", {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", Accept: accept },
      body: query,
    });
  }

  async function run() {
    const query = editor.value;
    saveQuery(query);
    setStatus("running\u2026");
    clearResults();
    const started = performance.now();
    let response;
    try {
      response = await post(query, "application/sparql-results+json, text/turtle;q=0.9");
    } catch (err) {
      setStatus("cannot reach the endpoint: " + err, true);
      return;
    }
    const text = await response.text();
    if (!response.ok) {
      setStatus(response.status + ": " + text.trim(), true);
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const type = response.headers.get("Content-Type") || "";
    const truncated = response.headers.get("X-Stancegraph-Truncated") ? " (cut to the server's row limit)" : "";
    if (type.includes("json")) {
      const data = JSON.parse(text);
      if ("boolean" in data) {
        setStatus("answer: " + data.boolean + " (" + seconds + " s)");
        return;
      }
      const n = showTable(data);
      last = { query: query, kind: "select" };
      $("downloads").hidden = false;
      setStatus(n + " row" + (n === 1 ? "" : "s") + " in " + seconds + " s" + truncated + (n > MAX_SHOWN ? "; the first " + MAX_SHOWN + " shown, the downloads have all" : ""));
    } else {
      $("results").replaceChildren(el("pre", { id: "graph-result", text: text }));
      last = { query: query, kind: "graph" };
      setStatus("graph (" + seconds + " s)" + truncated);
    }
  }

  async function download(accept, extension) {
    if (!last) return;
    const response = await post(last.query, accept);
    if (!response.ok) {
      setStatus(response.status + ": " + (await response.text()).trim(), true);
      return;
    }
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: "stancegraph-results." + extension });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // ------------------------------------------------------------ the query in the URL

  function saveQuery(query) {
    const hash = "#query=" + encodeURIComponent(query);
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }

  function queryFromUrl() {
    const p = new URLSearchParams(location.hash.replace(/^#/, ""));
    return p.get("query");
  }

  // ------------------------------------------------------------ the examples

  async function loadExamples() {
    try {
      const response = await fetch("queries");
      bundled = await response.json();
    } catch (err) {
      return;
    }
    for (const q of bundled) $("examples").appendChild(el("option", { value: q.name, text: q.name }));
  }

  $("examples").addEventListener("change", () => {
    const q = bundled.find((x) => x.name === $("examples").value);
    $("description").textContent = q ? q.description : "";
    if (!q) return;
    editor.value = q.query;
    clearResults();
    setStatus("");
    saveQuery(q.query);
  });
  $("run").addEventListener("click", run);
  $("csv").addEventListener("click", () => download("text/csv", "csv"));
  $("json").addEventListener("click", () => download("application/sparql-results+json", "json"));
  $("copy").addEventListener("click", () => {
    saveQuery(editor.value);
    const done = () => setStatus("Link copied: it opens this page with this query.");
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(location.href).then(done, () => prompt("Copy this link", location.href));
    else prompt("Copy this link", location.href);
  });

  const fromUrl = queryFromUrl();
  window.stancegraphQuery = { editor: editor, run: run, ready: false };
  Promise.all([loadExamples(), loadTerms()]).then(() => {
    window.stancegraphQuery.ready = true;
    document.body.setAttribute("data-ready", "true");
  });
  if (fromUrl) {
    editor.value = fromUrl;
    run();
  }
})();
