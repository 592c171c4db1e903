/* stancegraph view: search, filters and the evidence panel around a vis-network graph.
 *
 * Safety rule: text from the graph (names, quotes, titles) only ever reaches the page
 * through textContent or as a property value; nothing here assigns innerHTML, and a
 * link is made only for an http(s) URL. The data is read from JSON script elements.
 */
(function () {
  "use strict";

  function readJSON(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  const page = readJSON("sg-page");
  const nodeItems = readJSON("sg-nodes");
  const edgeItems = readJSON("sg-edges");
  const info = page.nodes; // id -> {type, aliases, role}; label and group added below
  const edgeInfo = page.edges; // id -> {kind, polarity, years, stances}; from, to, label below
  for (const n of nodeItems) {
    info[n.id].label = n.label;
    info[n.id].group = n.group;
  }
  for (const e of edgeItems) {
    edgeInfo[e.id].from = e.from;
    edgeInfo[e.id].to = e.to;
    edgeInfo[e.id].label = e.label;
  }

  // ------------------------------------------------------------ small DOM helpers

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (key === "text") node.textContent = value;
        else if (key === "class") node.className = value;
        else node.setAttribute(key, value);
      }
    }
    for (const child of children || []) {
      if (child !== null && child !== undefined) node.appendChild(child);
    }
    return node;
  }

  function text(value) {
    return document.createTextNode(String(value));
  }

  function safeUrl(value) {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (err) {
      return null;
    }
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  const SVG = "http://www.w3.org/2000/svg";
  const SHAPES = {
    dot: "M8 1.5a6.5 6.5 0 1 0 0.001 0Z",
    square: "M2 2H14V14H2Z",
    diamond: "M8 1L15 8L8 15L1 8Z",
    triangle: "M8 1.5L15 14H1Z",
    triangleDown: "M1 2H15L8 14.5Z",
    hexagon: "M4.5 2H11.5L15 8L11.5 14H4.5L1 8Z",
    star: "M8 1L9.9 6H15L10.9 9.2L12.4 14.5L8 11.3L3.6 14.5L5.1 9.2L1 6H6.1Z",
  };

  function swatch(shape, fill, border) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", SHAPES[shape] || SHAPES.dot);
    path.setAttribute("fill", fill);
    path.setAttribute("stroke", border);
    svg.appendChild(path);
    return svg;
  }

  function lineSwatch(colour, dashed) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "22");
    svg.setAttribute("height", "10");
    svg.setAttribute("aria-hidden", "true");
    const line = document.createElementNS(SVG, "line");
    line.setAttribute("x1", "1");
    line.setAttribute("y1", "5");
    line.setAttribute("x2", "21");
    line.setAttribute("y2", "5");
    line.setAttribute("stroke", colour);
    line.setAttribute("stroke-width", "3");
    if (dashed) line.setAttribute("stroke-dasharray", "4 3");
    svg.appendChild(line);
    return svg;
  }

  // ------------------------------------------------------------ the network

  const nodes = new vis.DataSet(nodeItems);
  const edges = new vis.DataSet(edgeItems);
  const shownNodes = new Set(nodes.getIds());
  const shownEdges = new Set(edges.getIds());
  const nodesView = new vis.DataView(nodes, { filter: (n) => shownNodes.has(n.id) });
  const edgesView = new vis.DataView(edges, { filter: (e) => shownEdges.has(e.id) });
  const container = document.getElementById("sg-network");
  const network = new vis.Network(container, { nodes: nodesView, edges: edgesView }, page.options);

  const api = {
    network: network,
    ready: false,
    readyAt: null,
    selectNode: selectNode,
    selectEdge: selectEdge,
    search: search,
    shown: () => ({ nodes: shownNodes.size, edges: shownEdges.size }),
  };
  window.stancegraph = api;

  network.once("afterDrawing", function () {
    api.ready = true;
    api.readyAt = performance.now();
    document.body.setAttribute("data-ready", "true");
  });

  network.on("click", function (params) {
    if (params.nodes.length) showNode(params.nodes[0]);
    else if (params.edges.length) showEdge(params.edges[0]);
    else hidePanel();
  });

  // ------------------------------------------------------------ the evidence panel

  const panel = document.getElementById("sg-panel");
  const panelBody = document.getElementById("sg-panel-body");
  document.getElementById("sg-close").addEventListener("click", function () {
    network.unselectAll();
    hidePanel();
  });

  function hidePanel() {
    panel.hidden = true;
    clear(panelBody);
  }

  function openPanel(children) {
    clear(panelBody);
    for (const child of children) panelBody.appendChild(child);
    panel.hidden = false;
    panel.scrollTop = 0;
  }

  function nodeButton(id) {
    const button = el("button", { type: "button", class: "sg-link", text: info[id].label });
    button.addEventListener("click", () => selectNode(id));
    return button;
  }

  function badge(polarity) {
    return el("span", { class: "sg-badge sg-" + polarity, text: polarity });
  }

  function stanceItem(stance, polarity) {
    const article = page.articles[stance.article] || {};
    const when = stance.date || article.date;
    const source = el("div", { class: "sg-source" });
    const url = safeUrl(article.url);
    const title = article.title || article.doc || "the article";
    if (url) {
      source.appendChild(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: title }));
    } else {
      source.appendChild(el("span", { text: title }));
    }
    const details = [];
    if (article.publisher) details.push(article.publisher);
    if (article.date) details.push(article.date);
    if (article.doc && article.doc !== title) details.push(article.doc);
    if (details.length) source.appendChild(text(" · " + details.join(" · ")));
    return el("div", { class: "sg-stance sg-" + polarity }, [
      el("div", {}, [badge(polarity), text(stance.relation.replace(/_/g, " ") + (when ? " · " + when : ""))]),
      el("blockquote", { text: stance.quote || "(no quote recorded)" }),
      source,
    ]);
  }

  function edgeSection(id, heading) {
    const e = edgeInfo[id];
    const title = heading
      ? el("h3", {}, [nodeButton(e.from), text(" " + e.label + " "), nodeButton(e.to)])
      : null;
    if (e.kind === "org") return el("div", {}, [title]);
    return el("div", { class: "sg-edge" }, [title].concat(e.stances.map((s) => stanceItem(s, e.polarity))));
  }

  function showEdge(id) {
    const e = edgeInfo[id];
    if (!e) return;
    const children = [
      el("h2", {}, [text(info[e.from].label)]),
      el("p", { class: "sg-meta" }, [
        e.polarity ? badge(e.polarity) : null,
        text(e.label + " "),
        nodeButton(e.to),
      ]),
    ];
    if (e.kind === "org") {
      children.push(el("p", { class: "sg-meta", text: "An organisational link (W3C ORG), not a stance." }));
    } else {
      const n = e.stances.length;
      children.push(el("p", { class: "sg-meta", text: n + " stance" + (n === 1 ? "" : "s") + " with evidence:" }));
      children.push(edgeSection(id, false));
    }
    openPanel(children);
  }

  function showNode(id) {
    const n = info[id];
    if (!n) return;
    const kind = n.type.replace(/_/g, " ");
    const children = [el("h2", { text: n.label }), el("p", { class: "sg-meta", text: n.role ? kind + " · " + n.role : kind })];
    if (n.aliases.length) children.push(el("p", { class: "sg-meta", text: "also: " + n.aliases.join("; ") }));
    const touching = network.getConnectedEdges(id).filter((e) => edgeInfo[e]);
    touching.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    const org = touching.filter((e) => edgeInfo[e].kind === "org");
    const stances = touching.filter((e) => edgeInfo[e].kind !== "org");
    if (org.length) {
      children.push(el("h3", { text: "Links" }));
      children.push(
        el(
          "ul",
          {},
          org.map((e) => {
            const x = edgeInfo[e];
            return el("li", {}, [nodeButton(x.from), text(" " + x.label + " "), nodeButton(x.to)]);
          }),
        ),
      );
    }
    if (stances.length) {
      const total = stances.reduce((sum, e) => sum + edgeInfo[e].stances.length, 0);
      children.push(el("p", { class: "sg-meta", text: total + " stance" + (total === 1 ? "" : "s") + " shown:" }));
      for (const e of stances) children.push(edgeSection(e, true));
    }
    openPanel(children);
  }

  // ------------------------------------------------------------ selection and search

  function selectNode(id) {
    if (!info[id]) return false;
    if (!shownNodes.has(id)) resetFilters();
    network.selectNodes([id], true);
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false });
    showNode(id);
    return true;
  }

  function selectEdge(id) {
    if (!edgeInfo[id]) return false;
    if (!shownEdges.has(id)) resetFilters();
    network.setSelection({ nodes: [], edges: [id] }, { unselectAll: true, highlightEdges: false });
    showEdge(id);
    return true;
  }

  function norm(value) {
    return String(value).toLowerCase().replace(/\u2019/g, "'").replace(/\s+/g, " ").trim();
  }

  const names = [];
  for (const [id, n] of Object.entries(info)) {
    names.push([norm(n.label), id, 0]);
    for (const alias of n.aliases) names.push([norm(alias), id, 1]);
  }

  function before(a, b) {
    for (let i = 0; i < a.length; i++) {
      if (a[i] < b[i]) return true;
      if (a[i] > b[i]) return false;
    }
    return false;
  }

  function findNode(query) {
    const q = norm(query);
    if (!q) return null;
    const tests = [(s) => s === q, (s) => s.startsWith(q), (s) => s.includes(q)];
    for (const test of tests) {
      let best = null;
      for (const [name, id, rank] of names) {
        if (!test(name)) continue;
        if (best === null || before([rank, name.length, name], best.key)) best = { key: [rank, name.length, name], id: id };
      }
      if (best) return best.id;
    }
    return null;
  }

  const status = document.getElementById("sg-status");
  function setStatus(message, warn) {
    status.textContent = message;
    status.className = warn ? "sg-warn" : "";
  }

  function search(query) {
    const id = findNode(query);
    if (id === null) {
      setStatus("No name matches \u201c" + query + "\u201d", true);
      return null;
    }
    selectNode(id);
    setStatus("Found " + info[id].label, false);
    return id;
  }

  const searchBox = document.getElementById("sg-search");
  const datalist = document.getElementById("sg-names");
  const labels = Array.from(new Set(Object.values(info).map((n) => n.label))).sort();
  for (const label of labels) {
    const option = document.createElement("option");
    option.value = label;
    datalist.appendChild(option);
  }
  document.getElementById("sg-search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    search(searchBox.value);
  });

  // ------------------------------------------------------------ filters

  const state = { groups: new Set(), polarities: new Set(["oppose", "support", "unknown", "org"]), target: "", from: "", to: "", undated: true };
  const groupCount = {};
  for (const n of Object.values(info)) groupCount[n.group] = (groupCount[n.group] || 0) + 1;
  for (const g of Object.keys(groupCount)) state.groups.add(g);
  const allYears = Array.from(new Set(Object.values(edgeInfo).flatMap((e) => e.years.filter((y) => y)))).sort();
  const hasUndated = Object.values(edgeInfo).some((e) => e.kind !== "org" && e.years.includes(""));
  const targets = Array.from(new Set(Object.values(edgeInfo).filter((e) => e.kind !== "org").map((e) => e.to)));
  targets.sort((a, b) => (info[a].label < info[b].label ? -1 : info[a].label > info[b].label ? 1 : 0));
  const degree = {};
  for (const e of Object.values(edgeInfo)) {
    degree[e.from] = (degree[e.from] || 0) + 1;
    degree[e.to] = (degree[e.to] || 0) + 1;
  }

  function narrowed() {
    return state.target !== "" || state.from !== "" || state.to !== "" || !state.undated;
  }

  function stanceEdgeShown(e) {
    if (!state.polarities.has(e.polarity)) return false;
    if (!state.groups.has(info[e.from].group) || !state.groups.has(info[e.to].group)) return false;
    if (state.target !== "" && e.to !== state.target && !(page.narrower[state.target] || []).includes(e.to)) return false;
    return e.years.some((y) => (y === "" ? state.undated : (state.from === "" || y >= state.from) && (state.to === "" || y <= state.to)));
  }

  function applyFilters() {
    shownEdges.clear();
    shownNodes.clear();
    for (const [id, e] of Object.entries(edgeInfo)) {
      if (e.kind !== "org" && stanceEdgeShown(e)) {
        shownEdges.add(id);
        shownNodes.add(e.from);
        shownNodes.add(e.to);
      }
    }
    if (state.polarities.has("org")) {
      for (const [id, e] of Object.entries(edgeInfo)) {
        if (e.kind !== "org") continue;
        if (!state.groups.has(info[e.from].group) || !state.groups.has(info[e.to].group)) continue;
        if (narrowed() && !shownNodes.has(e.from) && !shownNodes.has(e.to)) continue;
        shownEdges.add(id);
      }
      for (const id of shownEdges) {
        shownNodes.add(edgeInfo[id].from);
        shownNodes.add(edgeInfo[id].to);
      }
    }
    if (!narrowed()) {
      for (const [id, n] of Object.entries(info)) {
        if (!degree[id] && state.groups.has(n.group)) shownNodes.add(id);
      }
    }
    nodesView.refresh();
    edgesView.refresh();
    setStatus(shownNodes.size + " of " + nodes.length + " nodes, " + shownEdges.size + " of " + edges.length + " links shown", false);
  }

  const filters = document.getElementById("sg-filters");
  const checkboxes = [];

  function checkbox(label, checked, onChange, decoration, count) {
    const input = el("input", { type: "checkbox" });
    input.checked = checked;
    input.defaultChecked = checked;
    input.addEventListener("change", function () {
      onChange(input.checked);
      applyFilters();
    });
    checkboxes.push(input);
    return el("label", {}, [input, decoration, text(label), count === undefined ? null : el("span", { class: "sg-count", text: String(count) })]);
  }

  function toggle(set, key) {
    return (on) => (on ? set.add(key) : set.delete(key));
  }

  function select(options, onChange, labelText) {
    const box = el("select", { "aria-label": labelText });
    for (const [value, label] of options) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      box.appendChild(option);
    }
    box.addEventListener("change", function () {
      onChange(box.value);
      applyFilters();
    });
    return box;
  }

  filters.appendChild(el("h2", { text: "Entities" }));
  for (const item of page.legend) {
    if (!groupCount[item.group]) continue;
    filters.appendChild(checkbox(item.label, true, toggle(state.groups, item.group), swatch(item.shape, item.fill, item.border), groupCount[item.group]));
  }

  filters.appendChild(el("h2", { text: "Links" }));
  const polarityCount = {};
  for (const e of Object.values(edgeInfo)) {
    const key = e.kind === "org" ? "org" : e.polarity;
    polarityCount[key] = (polarityCount[key] || 0) + 1;
  }
  for (const [key, label] of [["oppose", "opposes"], ["support", "supports"], ["unknown", "position unclear"], ["org", "heads / member of"]]) {
    if (!polarityCount[key]) continue;
    filters.appendChild(checkbox(label, true, toggle(state.polarities, key), lineSwatch(page.colours[key], key === "org"), polarityCount[key]));
  }
  filters.appendChild(el("p", { class: "sg-note", text: "Thicker lines: more articles. Click a line or a name for the quotes." }));

  const selects = [];
  if (targets.length) {
    filters.appendChild(el("h2", { text: "Program, policy or law" }));
    const box = select([["", "All"]].concat(targets.map((t) => [t, info[t].label])), (v) => (state.target = v), "Program, policy or law");
    selects.push(box);
    filters.appendChild(box);
  }

  if (allYears.length) {
    filters.appendChild(el("h2", { text: "Year" }));
    const years = allYears.map((y) => [y, y]);
    const from = select([["", "from the start"]].concat(years), (v) => (state.from = v), "From year");
    const to = select([["", "to the end"]].concat(years), (v) => (state.to = v), "To year");
    selects.push(from, to);
    filters.appendChild(el("div", { class: "sg-years" }, [from, text("\u2013"), to]));
    if (hasUndated) filters.appendChild(checkbox("undated stances", true, (on) => (state.undated = on)));
  }

  const reset = el("button", { type: "button", text: "Show everything" });
  reset.addEventListener("click", function () {
    resetFilters();
    network.fit({ animation: false });
  });
  filters.appendChild(reset);

  function resetFilters() {
    for (const box of checkboxes) box.checked = box.defaultChecked;
    for (const box of selects) box.value = "";
    // refill the sets in place: the checkboxes' handlers hold on to them
    state.groups.clear();
    for (const g of Object.keys(groupCount)) state.groups.add(g);
    state.polarities.clear();
    for (const p of ["oppose", "support", "unknown", "org"]) state.polarities.add(p);
    state.target = "";
    state.from = "";
    state.to = "";
    state.undated = true;
    applyFilters();
  }

  document.getElementById("sg-title").textContent = page.title;
  applyFilters();
  if (page.focus && info[page.focus]) {
    network.selectNodes([page.focus], true);
    showNode(page.focus);
  }
})();
