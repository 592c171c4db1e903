/* stancegraph view, the application: filters, search, the evidence panel, the four views
 * (graph, positions, timeline, map) and the view's state in the URL fragment, so that a
 * copied link reproduces what a reporter saw.
 *
 * The data is read from the JSON script element; nodes, edges, stances and sources point
 * at each other by index. Safety: see viz-util.js (text only ever as textContent).
 */
(function () {
  "use strict";
  const SG = window.SG;
  const data = JSON.parse(document.getElementById("sg-data").textContent);
  const N = data.nodes.length;

  // ------------------------------------------------------------ indexes

  data.relationLabel = Object.fromEntries(data.relations);
  data.groupStyle = {};
  for (const item of data.legend) data.groupStyle[item.group] = item;
  data.isTarget = new Uint8Array(N);
  data.nodeEdges = Array.from({ length: N }, () => []);
  data.byTarget = Array.from({ length: N }, () => []);
  data.byActor = Array.from({ length: N }, () => []);
  data.nodes.forEach((n, i) => (data.isTarget[i] = n.group === "target" ? 1 : 0));
  data.edges.forEach((e, i) => {
    data.nodeEdges[e.from].push(i);
    data.nodeEdges[e.to].push(i);
  });
  data.stances.forEach((s, i) => {
    data.byTarget[s.target].push(i);
    data.byActor[s.actor].push(i);
  });
  const narrower = Array.from({ length: N }, () => []);
  const broader = Array.from({ length: N }, () => []);
  for (const [n, b] of data.broader) {
    narrower[b].push(n);
    broader[n].push(b);
  }
  const byIri = new Map(data.nodes.map((n, i) => [n.id, i]));
  const stanceByIri = new Map(data.stances.map((s, i) => [s.id, i]));
  const sourceByIri = new Map(data.sources.map((s, i) => [s.id, i]));
  data.bySource = Array.from({ length: data.sources.length }, () => []);
  data.stances.forEach((s, i) => data.bySource[s.source].push(i));

  function closure(start, next) {
    const seen = new Set([start]);
    const todo = [start];
    while (todo.length) for (const k of next[todo.pop()]) if (!seen.has(k)) seen.add(k), todo.push(k);
    return seen;
  }
  const formsCache = new Map();
  function forms(t) {
    if (!formsCache.has(t)) formsCache.set(t, closure(t, narrower));
    return formsCache.get(t);
  }
  function broaderOf(t) {
    const up = closure(t, broader);
    up.delete(t);
    return up;
  }
  const targets = Array.from(data.nodes.keys()).filter((i) => data.byTarget[i].length);
  const targetCount = (t) => Array.from(forms(t)).reduce((k, f) => k + data.byTarget[f].length, 0);
  targets.sort((a, b) => targetCount(b) - targetCount(a) || cmp(data.nodes[a].label, data.nodes[b].label));

  function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  // ------------------------------------------------------------ the view's state

  const ALL_POLARITIES = ["oppose", "support", "org"];
  const relationsPresent = Array.from(new Set(data.stances.map((s) => s.relation).filter((r) => r))).sort(
    (a, b) => data.relations.findIndex((r) => r[0] === a) - data.relations.findIndex((r) => r[0] === b),
  );
  const sourceKinds = Array.from(new Set(data.sources.map((s) => s.kind))).sort();
  const SOURCE_KIND_LABELS = { news: "news articles", document: "other documents", registry: "ICE 287(g) registry" };
  const years = Array.from(new Set(data.stances.map((s, i) => SG.stanceWhen(data, i).slice(0, 4)).filter((y) => y))).sort();
  const states = Array.from(new Set(data.nodes.filter((n, i) => !data.isTarget[i] && n.state).map((n) => n.state))).sort();

  function defaults() {
    return {
      view: "graph",
      node: -1,
      edge: -1,
      source: -1,
      subject: -1,
      target: -1,
      hideGroups: new Set(),
      hidePolarities: new Set(),
      hideRelations: new Set(),
      hideSources: new Set(),
      state: "",
      from: "",
      to: "",
      undated: null, // null: included unless a year bound is set
      q: "",
      sort: "date",
      dir: "desc",
      place: "",
      shade: "", // the map: "" by the news positions, "registry" by the registry's status
    };
  }
  let state = defaults();

  function includeUndated() {
    return state.undated === null ? state.from === "" && state.to === "" : state.undated;
  }

  /** Whether stance `si` passes the filters; `opts.target === false` ignores the program
   *  filter (the tables choose their own), `opts.undated` keeps undated stances. */
  function passes(si, opts) {
    const s = data.stances[si];
    const o = opts || {};
    if (state.hidePolarities.has(s.polarity)) return false;
    if (s.relation && state.hideRelations.has(s.relation)) return false;
    const source = data.sources[s.source] || {};
    if (state.hideSources.has(source.kind)) return false;
    const actor = data.nodes[s.actor];
    if (state.hideGroups.has(actor.group) || state.hideGroups.has(data.nodes[s.target].group)) return false;
    if (state.state && actor.state !== state.state) return false;
    if (o.target !== false && state.target >= 0 && !forms(state.target).has(s.target)) return false;
    const year = SG.stanceWhen(data, si).slice(0, 4);
    if (!year) return o.undated || includeUndated();
    if (state.from && year < state.from) return false;
    if (state.to && year > state.to) return false;
    return true;
  }

  function narrowed() {
    return state.target >= 0 || state.from || state.to || state.undated === false || state.state || state.hideRelations.size || state.hideSources.size || state.hidePolarities.has("oppose") || state.hidePolarities.has("support");
  }

  /** Filters in words, for the tables' notes. */
  function filterSummary(opts) {
    const parts = [];
    const o = opts || {};
    if (o.target !== false && state.target >= 0) parts.push(data.nodes[state.target].label);
    if (state.from || state.to) parts.push((state.from || "\u2026") + "\u2013" + (state.to || "\u2026"));
    if (!includeUndated() && !o.years) parts.push("undated stances left out");
    if (state.state) parts.push(state.state);
    if (state.hideRelations.size) parts.push("without " + Array.from(state.hideRelations).map((r) => data.relationLabel[r] || r).join(", "));
    if (state.hidePolarities.has("oppose")) parts.push("no stances against");
    if (state.hidePolarities.has("support")) parts.push("no stances for");
    if (state.hideGroups.size) parts.push("hiding " + Array.from(state.hideGroups).map((g) => data.groupStyle[g].label.toLowerCase()).join(", "));
    if (state.hideSources.size) parts.push("hiding " + Array.from(state.hideSources).map((k) => (k === "news" ? "news articles" : "other documents")).join(", "));
    return parts.join("; ");
  }

  // ------------------------------------------------------------ the graph

  const graphBox = document.getElementById("sg-graph");
  const tip = document.getElementById("sg-tip");
  const graph = new SG.GraphCanvas(graphBox, document.getElementById("sg-canvas"), data, {
    click: (hit) => update({ node: hit.node, edge: hit.node >= 0 ? -1 : hit.edge, source: -1 }),
    tip: (text, x, y) => {
      if (!text) {
        tip.hidden = true;
        return;
      }
      tip.textContent = text;
      tip.hidden = false;
      const left = Math.min(x + 14, graphBox.clientWidth - tip.offsetWidth - 8);
      const top = Math.min(y + 14, graphBox.clientHeight - tip.offsetHeight - 8);
      tip.style.left = Math.max(4, left) + "px";
      tip.style.top = Math.max(4, top) + "px";
    },
    camera: () => saveSoon(),
  });
  for (const b of document.querySelectorAll("#sg-zoom button")) {
    b.addEventListener("click", () => {
      const z = b.getAttribute("data-zoom");
      if (z === "fit") graph.fit();
      else graph.zoomAt((graph.W - graph.insetRight) / 2, graph.H / 2, z === "in" ? 1.4 : 1 / 1.4);
    });
  }

  let counts = { nodes: N, edges: data.edges.length };
  /** Which nodes and edges the filters leave, handed to the canvas. */
  function applyFilters() {
    const nodeShown = new Uint8Array(N);
    const edgeShown = new Uint8Array(data.edges.length);
    let edgesShown = 0;
    const orgOn = !state.hidePolarities.has("org");
    data.edges.forEach((e, i) => {
      if (e.kind === "org") return;
      if (e.stances.some((si) => passes(si))) {
        edgeShown[i] = 1;
        nodeShown[e.from] = 1;
        nodeShown[e.to] = 1;
        edgesShown++;
      }
    });
    if (orgOn) {
      data.edges.forEach((e, i) => {
        if (e.kind !== "org") return;
        const a = data.nodes[e.from], b = data.nodes[e.to];
        if (state.hideGroups.has(a.group) || state.hideGroups.has(b.group)) return;
        if (state.state && a.state !== state.state && b.state !== state.state) return;
        if (narrowed() && !nodeShown[e.from] && !nodeShown[e.to]) return;
        edgeShown[i] = 1;
        edgesShown++;
      });
      data.edges.forEach((e, i) => {
        if (edgeShown[i]) nodeShown[e.from] = nodeShown[e.to] = 1;
      });
    }
    if (!narrowed()) {
      data.nodes.forEach((n, i) => {
        if (!data.nodeEdges[i].length && !state.hideGroups.has(n.group)) nodeShown[i] = 1;
      });
    }
    let nodesShown = 0;
    for (let i = 0; i < N; i++) nodesShown += nodeShown[i];
    counts = { nodes: nodesShown, edges: edgesShown };
    graph.setShown(nodeShown, edgeShown);
  }

  // ------------------------------------------------------------ the evidence panel

  const main = document.getElementById("sg-main");
  const panel = document.getElementById("sg-panel");
  const panelBody = document.getElementById("sg-panel-body");
  const PANEL_W = 420;
  document.getElementById("sg-close").addEventListener("click", () => update({ node: -1, edge: -1, source: -1 }, { panelOnly: true }));

  function openPanel(children) {
    SG.clear(panelBody);
    for (const child of children) if (child) panelBody.appendChild(child);
    panel.hidden = false;
    panel.scrollTop = 0;
    main.classList.add("sg-with-panel");
    graph.insetRight = PANEL_W;
  }

  function closePanel() {
    panel.hidden = true;
    SG.clear(panelBody);
    main.classList.remove("sg-with-panel");
    graph.insetRight = 0;
  }

  function nodeLink(i) {
    const b = SG.el("button", { type: "button", class: "sg-link", text: data.nodes[i].label });
    b.addEventListener("click", () => choose(i));
    return b;
  }

  function viewButton(label, view, subject) {
    const b = SG.el("button", { type: "button", class: "sg-action", text: label });
    b.addEventListener("click", () => update({ view: view, subject: subject, place: "" }));
    return b;
  }

  function hiddenNote(i) {
    if (state.view !== "graph" || graph.nodeShown[i]) return null;
    const reset = SG.el("button", { type: "button", class: "sg-link", text: "show everything" });
    reset.addEventListener("click", () => resetFilters(true));
    return SG.el("p", { class: "sg-warn" }, ["Hidden from the graph by the current filters (", reset, ")."]);
  }

  const CARDS = 40; // cards shown at once in the panel

  function cardList(list, opts) {
    const box = SG.el("div", { class: "sg-cards" });
    const add = (from) => {
      for (const si of list.slice(from, from + CARDS)) box.appendChild(SG.card(data, si, Object.assign({ nodeLink: nodeLink }, opts)));
      if (list.length > from + CARDS) {
        const more = SG.el("button", { type: "button", class: "sg-action", text: "Show " + Math.min(CARDS, list.length - from - CARDS) + " more of " + (list.length - from - CARDS) });
        more.addEventListener("click", () => {
          more.remove();
          add(from + CARDS);
        });
        box.appendChild(more);
      }
    };
    add(0);
    return box;
  }

  function byDateDesc(list) {
    return list.slice().sort((a, b) => cmp(SG.stanceWhen(data, b), SG.stanceWhen(data, a)) || cmp(data.stances[a].id, data.stances[b].id));
  }

  function showNode(i) {
    const n = data.nodes[i];
    const kind = n.type.replace(/_/g, " ");
    const children = [
      SG.el("h2", { text: n.label }),
      SG.el("p", { class: "sg-meta", text: [kind, n.role, n.place ? placeName(n.place) : n.state].filter((v) => v).join(" \u00b7 ") }),
    ];
    if (n.aliases.length) children.push(SG.el("p", { class: "sg-meta", text: "also: " + n.aliases.join("; ") }));
    children.push(hiddenNote(i));
    const org = data.nodeEdges[i].filter((e) => data.edges[e].kind === "org");
    if (org.length) {
      children.push(SG.el("h3", { text: "Links" }));
      children.push(SG.el("ul", {}, org.map((e) => SG.el("li", {}, [nodeLink(data.edges[e].from), " " + data.edges[e].label + " ", nodeLink(data.edges[e].to)]))));
    }
    if (data.isTarget[i]) {
      const up = broader[i].map((b) => nodeLink(b));
      if (up.length) children.push(SG.el("p", { class: "sg-meta" }, ["a form of "].concat(join(up))));
      const down = narrower[i].map((b) => nodeLink(b));
      if (down.length) children.push(SG.el("p", { class: "sg-meta" }, ["its forms: "].concat(join(down))));
      const table = SG.positions(app, i, "");
      children.push(
        SG.el("p", { class: "sg-summary" }, [
          SG.el("strong", { text: "\u25BC " + table.against.length + " against" }),
          " \u00b7 ",
          SG.el("strong", { text: "\u25B2 " + table.for.length + " for" }),
          " (latest positions, forms included)",
        ]),
      );
      children.push(SG.el("p", { class: "sg-buttons" }, [viewButton("Positions table", "table", i), viewButton("Timeline", "timeline", i), viewButton("Map", "map", i)]));
      const list = byDateDesc(Array.from(forms(i)).flatMap((t) => data.byTarget[t]).filter((si) => passes(si, { target: false })));
      children.push(SG.el("h3", { text: SG.plural(list.length, "stance") + ", newest first" }));
      children.push(cardList(list, { target: forms(i).size > 1 }));
    }
    const taken = byDateDesc(data.byActor[i].filter((si) => passes(si, { target: false })));
    if (taken.length) {
      children.push(SG.el("p", { class: "sg-buttons" }, [viewButton("Where it stands (table)", "table", i)]));
      children.push(SG.el("h3", { text: SG.plural(taken.length, "stance") + " it takes, newest first" }));
      children.push(cardList(taken, { actor: false }));
    }
    openPanel(children);
  }

  function join(items) {
    const out = [];
    items.forEach((x, k) => {
      if (k) out.push(", ");
      out.push(x);
    });
    return out;
  }

  function showEdge(e) {
    const edge = data.edges[e];
    const children = [
      SG.el("h2", {}, [nodeLink(edge.from)]),
      SG.el("p", { class: "sg-meta" }, [edge.kind === "org" ? null : SG.sideMark(edge.polarity), " " + edge.label + " ", nodeLink(edge.to)]),
    ];
    if (edge.kind === "org") {
      children.push(SG.el("p", { class: "sg-meta", text: "An organisational link (W3C ORG), not a stance." }));
    } else {
      children.push(SG.el("p", { class: "sg-meta", text: SG.plural(edge.stances.length, "stance") + " with evidence:" }));
      children.push(cardList(byDateDesc(edge.stances), { actor: false, target: false }));
    }
    openPanel(children);
  }

  function showSource(k) {
    const src = data.sources[k];
    const url = SG.safeUrl(src.url);
    const title = src.title || src.doc || "a source";
    const children = [
      SG.el("h2", { text: title }),
      SG.el("p", { class: "sg-meta", text: [src.kind === "news" ? "news article" : src.type, src.publisher, src.date, src.doc].filter((v) => v).join(" \u00b7 ") }),
    ];
    if (url) children.push(SG.el("p", {}, [SG.el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url })]));
    children.push(SG.el("h3", { text: SG.plural(data.bySource[k].length, "stance") + " from it" }));
    children.push(cardList(data.bySource[k], {}));
    openPanel(children);
  }

  function showStances(title, list) {
    openPanel([SG.el("h2", { text: title }), cardList(byDateDesc(list), {})]);
  }

  /** A change of position: for each switch of side, the quotes just before and after. */
  function showChange(c) {
    const children = [
      SG.el("h2", { text: c.who_label + " changed position" }),
      SG.el("p", { class: "sg-meta", text: "on " + c.topic_label + (c.level === "jurisdiction" ? ", its agencies and officials counted with it" : "") + ": " + c.pattern }),
    ];
    const steps = c.steps;
    for (let k = 1; k < steps.length; k++) {
      if (steps[k].polarity === steps[k - 1].polarity) continue;
      children.push(SG.el("h3", { class: "sg-flip-head", text: "From " + (SG.SIDE[steps[k - 1].polarity] || "") + " (" + steps[k - 1].date + ") to " + (SG.SIDE[steps[k].polarity] || "") + " (" + steps[k].date + ")" }));
      children.push(SG.el("p", { class: "sg-step-label", text: "Before:" }));
      children.push(cardList(steps[k - 1].stances, {}));
      children.push(SG.el("p", { class: "sg-step-label", text: "After:" }));
      children.push(cardList(steps[k].stances, {}));
    }
    openPanel(children);
  }

  // ------------------------------------------------------------ search

  const searchBox = document.getElementById("sg-search");
  const matchesBox = document.getElementById("sg-matches");
  const names = [];
  data.nodes.forEach((n, i) => {
    names.push([SG.norm(n.label), i, null]);
    for (const alias of n.aliases) names.push([SG.norm(alias), i, alias]);
  });

  /** Every node whose label or alias contains the query: exact names first, then names
   *  that start with it, then the rest; within each, the most connected first. */
  function findMatches(query) {
    const q = SG.norm(query);
    if (!q) return [];
    const best = new Map();
    for (const [name, i, alias] of names) {
      const at = name.indexOf(q);
      if (at < 0) continue;
      const tier = name === q ? 0 : at === 0 ? 1 : 2;
      const prev = best.get(i);
      if (!prev || tier < prev.tier || (tier === prev.tier && prev.alias && !alias)) best.set(i, { node: i, tier: tier, alias: alias });
    }
    return Array.from(best.values()).sort((a, b) => a.tier - b.tier || data.nodes[a.node].rank - data.nodes[b.node].rank);
  }

  let matches = [];
  let active = -1;
  const LIST = 100;

  function search(query) {
    matches = findMatches(query);
    active = matches.length ? 0 : -1;
    renderMatches(LIST);
    state.q = query;
    saveSoon();
    return matches.map((m) => data.nodes[m.node].label);
  }

  function renderMatches(limit) {
    SG.clear(matchesBox);
    if (!state.q && !searchBox.value) {
      matchesBox.hidden = true;
      searchBox.setAttribute("aria-expanded", "false");
      return;
    }
    matchesBox.hidden = false;
    searchBox.setAttribute("aria-expanded", "true");
    matchesBox.appendChild(SG.el("div", { class: "sg-match-count", text: matches.length ? SG.plural(matches.length, "match", "matches") + (narrowed() ? " (filters stay on)" : "") : "No name matches \u201c" + searchBox.value + "\u201d" }));
    matches.slice(0, limit).forEach((m, k) => {
      const n = data.nodes[m.node];
      const hidden = !graph.nodeShown[m.node];
      const option = SG.el("div", { role: "option", id: "sg-match-" + k, class: "sg-match" + (k === active ? " sg-active" : "") + (hidden ? " sg-hidden" : ""), "aria-selected": k === active ? "true" : "false" }, [
        SG.swatch(data.groupStyle[n.group].shape, data.groupStyle[n.group].fill, data.groupStyle[n.group].border),
        " ",
        SG.el("span", { class: "sg-match-label", text: n.label }),
        SG.el("span", { class: "sg-match-meta", text: [n.type.replace(/_/g, " "), n.state, m.alias ? "also \u201c" + m.alias + "\u201d" : "", hidden ? "hidden by filters" : ""].filter((v) => v).join(" \u00b7 ") }),
      ]);
      option.addEventListener("mousedown", (ev) => ev.preventDefault());
      option.addEventListener("click", () => choose(m.node));
      matchesBox.appendChild(option);
    });
    if (matches.length > limit) {
      const more = SG.el("button", { type: "button", class: "sg-link", text: "show " + Math.min(matches.length - limit, 500) + " more" });
      more.addEventListener("mousedown", (ev) => ev.preventDefault());
      more.addEventListener("click", () => renderMatches(limit + 500));
      matchesBox.appendChild(more);
    }
    if (active >= 0) searchBox.setAttribute("aria-activedescendant", "sg-match-" + active);
  }

  let searchTimer = null;
  searchBox.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search(searchBox.value), 60);
  });
  searchBox.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!matches.length) return;
      active = (active + (ev.key === "ArrowDown" ? 1 : matches.length - 1)) % Math.min(matches.length, LIST);
      renderMatches(LIST);
      ev.preventDefault();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      clearTimeout(searchTimer);
      if (SG.norm(searchBox.value) !== SG.norm(state.q) || !matches.length) search(searchBox.value);
      if (active >= 0 && matches.length) choose(matches[active].node);
    } else if (ev.key === "Escape") {
      matchesBox.hidden = true;
    }
  });
  searchBox.addEventListener("focus", () => {
    if (searchBox.value) renderMatches(LIST);
  });
  searchBox.addEventListener("blur", () => setTimeout(() => (matchesBox.hidden = true), 150));

  /** Pick a node from search or a link: select it, and in the positions, timeline and map
   *  views make it their subject (a program; or, for the table, an actor too). */
  function choose(i) {
    matchesBox.hidden = true;
    const change = { node: i, edge: -1, source: -1 };
    if (state.view === "table" || ((state.view === "timeline" || state.view === "map") && data.isTarget[i])) {
      change.subject = i;
      change.place = "";
    }
    update(change, { focus: true });
  }

  // ------------------------------------------------------------ filters

  const filtersBox = document.getElementById("sg-filters");
  const controls = [];

  function checkbox(label, key, value, decoration, count) {
    const input = SG.el("input", { type: "checkbox", "aria-label": label });
    input.addEventListener("change", () => {
      const set = new Set(state[key]);
      if (input.checked) set.delete(value);
      else set.add(value);
      update({ [key]: set }, { refit: true });
    });
    controls.push(() => (input.checked = !state[key].has(value)));
    return SG.el("label", {}, [input, decoration, " " + label, count === undefined ? null : SG.el("span", { class: "sg-count", text: String(count) })]);
  }

  function select(label, options, key, toValue, fromValue) {
    const box = SG.el("select", { "aria-label": label });
    for (const [value, text] of options) box.appendChild(SG.el("option", { value: value, text: text }));
    box.addEventListener("change", () => update({ [key]: toValue(box.value) }, { refit: true }));
    controls.push(() => (box.value = fromValue(state[key])));
    return box;
  }

  function buildFilters() {
    const groupCount = {};
    for (const n of data.nodes) groupCount[n.group] = (groupCount[n.group] || 0) + 1;
    filtersBox.appendChild(SG.el("h2", { text: "Who and what" }));
    for (const item of data.legend) {
      if (!groupCount[item.group]) continue;
      filtersBox.appendChild(checkbox(item.label, "hideGroups", item.group, SG.swatch(item.shape, item.fill, item.border), groupCount[item.group]));
    }
    filtersBox.appendChild(SG.el("h2", { text: "Stances" }));
    const polCount = {};
    for (const e of data.edges) polCount[e.polarity] = (polCount[e.polarity] || 0) + 1;
    for (const [key, label] of [["oppose", "against"], ["support", "for"], ["org", "heads / member of"]]) {
      if (!polCount[key]) continue;
      filtersBox.appendChild(checkbox(label, "hidePolarities", key, SG.lineSwatch(data.colours[key], key === "org" ? "5 4" : null), polCount[key]));
    }
    if (data.sources.some((s) => s.kind === "document")) {
      filtersBox.appendChild(SG.el("p", { class: "sg-note" }, [SG.lineSwatch("#555", "2 3"), " dotted: from a document that is not a news article"]));
    }
    if (data.sources.some((s) => s.kind === "registry")) {
      filtersBox.appendChild(SG.el("p", { class: "sg-note" }, [SG.lineSwatch("#555", "2 3"), " dotted: ICE 287(g) registry, participating"]));
      filtersBox.appendChild(SG.el("p", { class: "sg-note" }, [SG.lineSwatch("#555", "2 7"), " sparse dots: registry, pending"]));
    }
    filtersBox.appendChild(SG.el("p", { class: "sg-note", text: "Thicker lines: more sources. Click a line or a name for the quotes." }));
    if (relationsPresent.length > 1) {
      filtersBox.appendChild(SG.el("h2", { text: "Relation" }));
      const relCount = {};
      for (const s of data.stances) relCount[s.relation] = (relCount[s.relation] || 0) + 1;
      for (const r of relationsPresent) filtersBox.appendChild(checkbox(data.relationLabel[r] || r, "hideRelations", r, null, relCount[r]));
    }
    if (sourceKinds.length > 1) {
      filtersBox.appendChild(SG.el("h2", { text: "Sources" }));
      for (const k of sourceKinds) filtersBox.appendChild(checkbox(SOURCE_KIND_LABELS[k] || k, "hideSources", k, null));
    }
    if (targets.length) {
      filtersBox.appendChild(SG.el("h2", { text: "Program, policy or law" }));
      const options = [["", "All"]].concat(targets.map((t) => [data.nodes[t].id, data.nodes[t].label + " (" + targetCount(t) + ")"]));
      filtersBox.appendChild(select("Program, policy or law", options, "target", (v) => (v ? byIri.get(v) : -1), (t) => (t >= 0 ? data.nodes[t].id : "")));
    }
    if (states.length) {
      filtersBox.appendChild(SG.el("h2", { text: "State" }));
      filtersBox.appendChild(select("State", [["", "All states"]].concat(states.map((s) => [s, s])), "state", (v) => v, (v) => v));
    }
    if (years.length) {
      filtersBox.appendChild(SG.el("h2", { text: "Year" }));
      const opts = years.map((y) => [y, y]);
      const from = select("From year", [["", "from the start"]].concat(opts), "from", (v) => v, (v) => v);
      const to = select("To year", [["", "to the end"]].concat(opts), "to", (v) => v, (v) => v);
      filtersBox.appendChild(SG.el("div", { class: "sg-years" }, [from, " \u2013 ", to]));
      const undatedCount = data.stances.filter((s, i) => !SG.stanceWhen(data, i)).length;
      if (undatedCount) {
        const input = SG.el("input", { type: "checkbox", "aria-label": "undated stances" });
        input.addEventListener("change", () => update({ undated: input.checked }, { refit: true }));
        controls.push(() => (input.checked = includeUndated()));
        filtersBox.appendChild(SG.el("label", { title: "Stances with no date in their text or source: left out once a year is chosen, unless ticked" }, [input, " undated stances", SG.el("span", { class: "sg-count", text: String(undatedCount) })]));
      }
    }
    const reset = SG.el("button", { type: "button", class: "sg-action", text: "Show everything" });
    reset.addEventListener("click", () => resetFilters(true));
    filtersBox.appendChild(reset);
  }

  function resetFilters(refit) {
    const fresh = defaults();
    update(
      {
        hideGroups: fresh.hideGroups,
        hidePolarities: fresh.hidePolarities,
        hideRelations: fresh.hideRelations,
        hideSources: fresh.hideSources,
        state: "",
        target: -1,
        from: "",
        to: "",
        undated: null,
        place: "",
      },
      { refit: refit },
    );
  }

  // ------------------------------------------------------------ views and subjects

  const tabs = Array.from(document.querySelectorAll("#sg-tabs button"));
  for (const b of tabs) b.addEventListener("click", () => update({ view: b.getAttribute("data-view") }));
  const viewBoxes = { graph: graphBox, table: document.getElementById("sg-table"), timeline: document.getElementById("sg-timeline"), map: document.getElementById("sg-map") };
  const rendered = { table: null, timeline: null, map: null };

  /** The subject of the positions, timeline and map views: the chosen one, else the
   *  program filter, else the selected target, else the program with most stances. */
  function subject(opts) {
    const wantTarget = opts && opts.target;
    for (const i of [state.subject, state.target, state.node]) {
      if (i >= 0 && (data.isTarget[i] || (!wantTarget && data.byActor[i].length))) return i;
    }
    return targets.length ? targets[0] : -1;
  }

  function subjectPicker(label, targetsOnly) {
    const current = subject({ target: targetsOnly });
    const box = SG.el("select", { "aria-label": label, class: "sg-subject" });
    const list = targets.slice();
    if (current >= 0 && !list.includes(current)) list.unshift(current);
    for (const t of list) box.appendChild(SG.el("option", { value: data.nodes[t].id, text: data.nodes[t].label + (data.isTarget[t] ? " (" + targetCount(t) + ")" : "") }));
    box.value = current >= 0 ? data.nodes[current].id : "";
    box.addEventListener("change", () => update({ subject: byIri.get(box.value), place: "" }));
    return SG.el("label", { class: "sg-picker" }, [label + " ", box, SG.el("span", { class: "sg-note", text: " or search a name above" })]);
  }

  function placeName(fips) {
    if (fips.length === 2) return (data.map.states.find((s) => s.fips === fips) || {}).name || fips;
    const county = data.map.counties.find((c) => c.fips === fips);
    const st = data.map.states.find((s) => s.fips === fips.slice(0, 2));
    return (county ? county.name + " County" : fips) + (st ? ", " + st.name : "");
  }

  function renderView() {
    for (const [name, box] of Object.entries(viewBoxes)) box.hidden = name !== state.view;
    for (const b of tabs) b.setAttribute("aria-pressed", String(b.getAttribute("data-view") === state.view));
    if (state.view === "table") rendered.table = SG.renderTable(app, viewBoxes.table);
    if (state.view === "timeline") rendered.timeline = SG.renderTimeline(app, viewBoxes.timeline);
    if (state.view === "map") rendered.map = SG.renderMap(app, viewBoxes.map);
  }

  // ------------------------------------------------------------ one place for every change

  const status = document.getElementById("sg-status");

  /** Apply a change of state; `opts.refit` re-fits the graph to what the filters leave,
   *  `opts.focus` centres the selected node, `opts.restore` comes from the URL. */
  function update(change, opts) {
    const o = opts || {};
    const filtersChanged = ["hideGroups", "hidePolarities", "hideRelations", "hideSources", "state", "target", "from", "to", "undated"].some((k) => k in change);
    Object.assign(state, change);
    if ("from" in change || "to" in change) {
      if (!("undated" in change)) state.undated = null; // a new year range: undated out again
    }
    for (const c of controls) c();
    if (filtersChanged || o.restore) applyFilters();
    graph.setSelection({ node: state.node, edge: state.edge });
    if (state.node >= 0) showNode(state.node);
    else if (state.edge >= 0) showEdge(state.edge);
    else if (state.source >= 0) showSource(state.source);
    else if (!o.keepPanel) closePanel();
    if (!o.panelOnly) renderView();
    if (state.view === "graph") {
      if (o.focus && state.node >= 0 && graph.nodeShown[state.node]) graph.focusNode(state.node, 1);
      else if (filtersChanged && o.refit) graph.fit();
    }
    const parts = [counts.nodes + " of " + N + " nodes, " + counts.edges + " of " + data.edges.length + " links shown"];
    if (state.node >= 0 && !graph.nodeShown[state.node]) parts.push(data.nodes[state.node].label + " is hidden by the filters");
    status.textContent = parts.join(" \u00b7 ");
    status.className = parts.length > 1 ? "sg-warn" : "";
    save();
  }

  // ------------------------------------------------------------ the URL fragment

  /** An edge in a link: one of its stances' IRIs (an org link: "org" and its two ends),
   *  which stay the same when the graph is rebuilt, unlike the edges' numbers. */
  function edgeKey(e) {
    const edge = data.edges[e];
    if (edge.stances.length) return data.stances[edge.stances[0]].id;
    return "org " + data.nodes[edge.from].id + " " + data.nodes[edge.to].id;
  }

  function edgeFromKey(key) {
    if (stanceByIri.has(key)) return data.stances[stanceByIri.get(key)].edge;
    const [kind, from, to] = key.split(" ");
    if (kind !== "org") return -1;
    return data.edges.findIndex((e) => e.kind === "org" && data.nodes[e.from].id === from && data.nodes[e.to].id === to);
  }

  function encode() {
    const p = [];
    const put = (k, v) => {
      if (v !== "" && v !== null && v !== undefined) p.push([k, v]);
    };
    const iri = (i) => (i >= 0 ? data.nodes[i].id : "");
    put("v", state.view === "graph" ? "" : state.view);
    put("node", iri(state.node));
    put("edge", state.edge >= 0 ? edgeKey(state.edge) : "");
    put("source", state.source >= 0 ? data.sources[state.source].id : "");
    put("subject", iri(state.subject));
    put("t", iri(state.target));
    put("hide", Array.from(state.hideGroups).sort().join(","));
    put("pol", Array.from(state.hidePolarities).sort().join(","));
    put("rel", Array.from(state.hideRelations).sort().join(","));
    put("src", Array.from(state.hideSources).sort().join(","));
    put("st", state.state);
    put("from", state.from);
    put("to", state.to);
    put("undated", state.undated === null ? "" : state.undated ? "1" : "0");
    put("place", state.place);
    put("shade", state.shade);
    put("sort", state.sort === "date" ? "" : state.sort);
    put("dir", state.dir === "desc" ? "" : state.dir);
    put("q", state.q);
    const c = graph.camera;
    put("cam", [c.x.toFixed(1), c.y.toFixed(1), c.scale.toFixed(4)].join(","));
    return p.map(([k, v]) => k + "=" + encodeURIComponent(v)).join("&");
  }

  function decode(hash) {
    const p = new URLSearchParams(hash.replace(/^#/, ""));
    const s = defaults();
    const node = (k) => (p.has(k) && byIri.has(p.get(k)) ? byIri.get(p.get(k)) : -1);
    const list = (k) => new Set((p.get(k) || "").split(",").filter((v) => v));
    if (["graph", "table", "timeline", "map"].includes(p.get("v"))) s.view = p.get("v");
    s.node = node("node");
    if (p.has("edge")) s.edge = edgeFromKey(p.get("edge"));
    if (p.has("source") && sourceByIri.has(p.get("source"))) s.source = sourceByIri.get(p.get("source"));
    s.subject = node("subject");
    s.target = node("t");
    s.hideGroups = list("hide");
    s.hidePolarities = list("pol");
    s.hideRelations = list("rel");
    s.hideSources = list("src");
    s.state = p.get("st") || "";
    s.from = p.get("from") || "";
    s.to = p.get("to") || "";
    s.undated = p.get("undated") === "1" ? true : p.get("undated") === "0" ? false : null;
    s.place = p.get("place") || "";
    s.shade = p.get("shade") === "registry" ? "registry" : "";
    s.sort = p.get("sort") || "date";
    s.dir = p.get("dir") || "desc";
    s.q = p.get("q") || "";
    const cam = (p.get("cam") || "").split(",").map(Number);
    return { state: s, camera: cam.length === 3 && cam.every((v) => Number.isFinite(v)) && cam[2] > 0 ? { x: cam[0], y: cam[1], scale: cam[2] } : null };
  }

  let restoring = false;
  function save() {
    if (restoring) return;
    const hash = "#" + encode();
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }
  let saveTimer = null;
  function saveSoon() {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 250);
  }

  function restore(hash) {
    const { state: s, camera } = decode(hash);
    restoring = true;
    searchBox.value = s.q;
    update(s, { restore: true });
    if (s.q) {
      matches = findMatches(s.q);
      active = matches.length ? 0 : -1;
    }
    if (camera) graph.setCamera(camera);
    else if (s.node >= 0 && graph.nodeShown[s.node] && data.scope === "graph") {
      graph.fit();
      graph.focusNode(s.node, graph.camera.scale);
    } else graph.fit();
    restoring = false;
    save();
  }

  window.addEventListener("hashchange", () => {
    if (location.hash !== "#" + encode()) restore(location.hash);
  });

  const copyButton = document.getElementById("sg-copy");
  copyButton.addEventListener("click", () => {
    save();
    const link = location.href;
    const done = () => {
      status.textContent = "Link copied: it opens this view with these filters and this selection.";
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(link).then(done, () => prompt("Copy this link", link));
    else prompt("Copy this link", link);
  });

  // ------------------------------------------------------------ start

  const app = {
    data: data,
    state: state,
    forms: forms,
    broaderOf: broaderOf,
    passes: passes,
    filterSummary: filterSummary,
    nodeLink: nodeLink,
    subject: subject,
    subjectPicker: subjectPicker,
    placeName: placeName,
    showStances: showStances,
    showChange: showChange,
    update: update,
  };
  Object.defineProperty(app, "state", { get: () => state });

  document.getElementById("sg-title").textContent = data.title;
  document.title = data.title;
  buildFilters();
  if (location.hash.length > 1) {
    restore(location.hash);
  } else {
    const start = defaults();
    if (data.focus >= 0) start.node = data.focus;
    restoring = true;
    update(start, { restore: true });
    graph.fit();
    restoring = false;
  }

  const api = {
    ready: false,
    readyAt: null,
    data: data,
    graph: graph,
    app: app,
    get state() {
      return state;
    },
    search: search,
    choose: (i) => choose(typeof i === "number" ? i : byIri.get(i)),
    select: (iri) => update({ node: byIri.get(iri), edge: -1, source: -1 }, { focus: true }),
    index: (iri) => byIri.get(iri),
    update: update,
    shown: () => Object.assign({}, counts),
    link: () => {
      save();
      return location.href;
    },
    rendered: rendered,
  };
  window.stancegraph = api;
  requestAnimationFrame(() => {
    graph.draw();
    api.ready = true;
    api.readyAt = performance.now();
    document.body.setAttribute("data-ready", "true");
  });
})();
