/* stancegraph view, the map of one program, law or policy: states and counties shaded by
 * the latest positions (as in the table) of the jurisdictions, agencies and officials
 * placed there. Boundaries: US Census cartographic boundaries via npm's us-atlas,
 * projected and cut to SVG paths in Python (places.py). A click on a place opens the
 * table of that place; what cannot be placed is listed under the map. With ICE 287(g)
 * registry sheets in the graph, the map can instead shade by registry status.
 */
(function () {
  "use strict";
  const SG = window.SG;
  const LOCAL = new Set(["jurisdiction", "agency", "government_body", "official"]);

  /** Per FIPS code: the table rows placed there, by side; and the rows not placed. */
  SG.mapPositions = function (app, subject) {
    const d = app.data;
    const table = SG.positions(app, subject, "");
    const places = new Map();
    const unplaced = [];
    for (const row of table.rows) {
      const n = d.nodes[row.key];
      if (!n.place) {
        unplaced.push(row);
        continue;
      }
      if (!places.has(n.place)) places.set(n.place, { against: 0, for: 0, rows: [] });
      const p = places.get(n.place);
      p.rows.push(row);
      if (row.side === "oppose" || row.side === "mixed") p.against += 1;
      if (row.side === "support" || row.side === "mixed") p.for += 1;
    }
    return { table: table, places: places, unplaced: unplaced };
  };

  /** Per FIPS code: the registry status of the agencies placed there for the subject (and
   *  the programs that are a form of it), each agency by its latest sheet listing it; a
   *  place is "participating" when one of its agencies is, else "pending". */
  SG.registryPlaces = function (app, subject) {
    const d = app.data;
    const latest = new Map(); // agency -> {date, status}
    for (const t of app.forms(subject)) {
      for (const si of d.byTarget[t] || []) {
        const s = d.stances[si];
        const src = d.sources[s.source] || {};
        if (src.kind !== "registry") continue;
        const prev = latest.get(s.actor);
        const newer = !prev || src.date > prev.date || (src.date === prev.date && s.status === "participating");
        if (newer) latest.set(s.actor, { date: src.date || "", status: s.status });
      }
    }
    const places = new Map();
    const unplaced = [];
    for (const [agency, got] of latest) {
      const n = d.nodes[agency];
      if (!n.place) {
        unplaced.push(agency);
        continue;
      }
      if (!places.has(n.place)) places.set(n.place, { status: "pending", participating: 0, pending: 0, agencies: [] });
      const p = places.get(n.place);
      p.agencies.push(agency);
      p[got.status] += 1;
      if (got.status === "participating") p.status = "participating";
    }
    return { places: places, unplaced: unplaced, agencies: latest.size };
  };

  function shade(p) {
    if (!p) return "sg-none";
    if (p.against && p.for) return "sg-both";
    return p.against ? "sg-against" : "sg-for";
  }

  SG.renderMap = function (app, container) {
    SG.clear(container);
    const d = app.data;
    const subject = app.subject({ target: true });
    if (subject < 0) {
      container.appendChild(SG.el("p", { class: "sg-empty", text: "No program, law or policy to map." }));
      return null;
    }
    const node = d.nodes[subject];
    container.appendChild(
      SG.el("div", { class: "sg-view-head" }, [SG.el("h2", { text: "Where they stand on " + node.label }), app.subjectPicker("Map of", true)]),
    );
    const filters = app.filterSummary({ target: false });
    if (filters) container.appendChild(SG.el("p", { class: "sg-note", text: "Filters: " + filters + "." }));
    const byRegistry = app.state.shade === "registry";
    if (d.sources.some((src) => src.kind === "registry")) container.appendChild(shadePicker(app));
    if (byRegistry) return renderRegistryMap(app, container, subject);
    const result = SG.mapPositions(app, subject);
    const m = d.map;
    const svg = SG.svg("svg", { class: "sg-us-map", viewBox: "0 0 " + m.width + " " + m.height, role: "group", "aria-label": "Map of the United States by position" });
    svg.appendChild(
      SG.svg("defs", {}, [
        SG.svg("pattern", { id: "sg-both-hatch", patternUnits: "userSpaceOnUse", width: 6, height: 6, patternTransform: "rotate(45)" }, [
          SG.svg("rect", { width: 3, height: 6, fill: d.colours.oppose }),
          SG.svg("rect", { x: 3, width: 3, height: 6, fill: d.colours.support }),
        ]),
      ]),
    );
    const states = SG.svg("g", { class: "sg-states" });
    const counties = SG.svg("g", { class: "sg-counties" });
    const borders = SG.svg("g", { class: "sg-borders", "aria-hidden": "true" });
    const describe = (fips, name, p) =>
      name + ": " + (p ? p.against + " against, " + p.for + " for (click for the table)" : "no position recorded");
    for (const s of m.states) {
      const p = result.places.get(s.fips);
      states.appendChild(place(app, s.fips, s.d, shade(p), describe(s.fips, s.name, p), !!p));
      borders.appendChild(SG.svg("path", { d: s.d }));
    }
    for (const c of m.counties) {
      const p = result.places.get(c.fips);
      if (!p) continue;
      counties.appendChild(place(app, c.fips, c.d, shade(p), describe(c.fips, app.placeName(c.fips), p), true));
    }
    svg.appendChild(states);
    svg.appendChild(borders);
    svg.appendChild(counties);
    container.appendChild(SG.el("div", { class: "sg-map-frame" }, [svg]));
    container.appendChild(legend(d));
    container.appendChild(placeList(app, result.places));
    container.appendChild(unplacedList(app, result.unplaced));
    return result;
  };

  /** Shade by the news positions (as the table) or by the ICE 287(g) registry's status. */
  function shadePicker(app) {
    const box = SG.el("select", { "aria-label": "Shade the map by", class: "sg-shade" });
    box.appendChild(SG.el("option", { value: "", text: "positions (as in the table)" }));
    box.appendChild(SG.el("option", { value: "registry", text: "ICE 287(g) registry status" }));
    box.value = app.state.shade || "";
    box.addEventListener("change", () => app.update({ shade: box.value }));
    return SG.el("label", { class: "sg-picker" }, ["Shade by ", box]);
  }

  function renderRegistryMap(app, container, subject) {
    const d = app.data;
    const result = SG.registryPlaces(app, subject);
    const m = d.map;
    const svg = SG.svg("svg", { class: "sg-us-map", viewBox: "0 0 " + m.width + " " + m.height, role: "group", "aria-label": "Map of the United States by ICE 287(g) registry status" });
    const cls = (p) => (p ? "sg-reg-" + p.status : "sg-none");
    const describe = (name, p) =>
      name + ": " + (p ? p.participating + " participating, " + p.pending + " pending (ICE 287(g) registry)" : "not in the registry for this program");
    const states = SG.svg("g", { class: "sg-states" });
    const counties = SG.svg("g", { class: "sg-counties" });
    const borders = SG.svg("g", { class: "sg-borders", "aria-hidden": "true" });
    for (const s of m.states) {
      const p = result.places.get(s.fips);
      states.appendChild(place(app, s.fips, s.d, cls(p), describe(s.name, p), !!p));
      borders.appendChild(SG.svg("path", { d: s.d }));
    }
    for (const c of m.counties) {
      const p = result.places.get(c.fips);
      if (p) counties.appendChild(place(app, c.fips, c.d, cls(p), describe(app.placeName(c.fips), p), true));
    }
    svg.appendChild(states);
    svg.appendChild(borders);
    svg.appendChild(counties);
    container.appendChild(SG.el("div", { class: "sg-map-frame" }, [svg]));
    const item = (c, label) =>
      SG.el("span", { class: "sg-legend-item" }, [
        SG.svg("svg", { width: 18, height: 12, "aria-hidden": "true" }, [SG.svg("rect", { width: 18, height: 12, class: "sg-place-shape " + c })]),
        " " + label,
      ]);
    container.appendChild(
      SG.el("p", { class: "sg-map-legend" }, [
        item("sg-reg-participating", "participating (agreement signed)"),
        item("sg-reg-pending", "pending"),
        item("sg-none", "not listed"),
        SG.el("span", { class: "sg-note", text: " Each agency by the latest registry sheet that lists it; a place is participating when one of its agencies is." }),
      ]),
    );
    const list = SG.el("ul", { class: "sg-place-list" });
    const names = Array.from(result.places.keys()).map((fips) => [app.placeName(fips), fips]);
    names.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [name, fips] of names) {
      const p = result.places.get(fips);
      list.appendChild(SG.el("li", { "data-fips": fips, "data-status": p.status }, [name + " \u2014 " + p.status + ": ", ...p.agencies.map((a, i) => [i ? "; " : "", app.nodeLink(a)]).flat()]));
    }
    container.appendChild(SG.el("section", { class: "sg-places", "aria-label": "Places on the map" }, [SG.el("h3", { text: "On the map (" + names.length + " places)" }), list]));
    if (result.unplaced.length) {
      const unplaced = result.unplaced.map((a) => d.nodes[a].label).sort();
      container.appendChild(SG.el("p", { class: "sg-note", text: "Listed but not on the map: " + unplaced.join("; ") + "." }));
    }
    return result;
  }

  function place(app, fips, path, cls, text, clickable) {
    const attrs = { d: path, class: "sg-place-shape " + cls, "data-fips": fips };
    if (clickable) Object.assign(attrs, { tabindex: 0, role: "button", "aria-label": text });
    const shapeNode = SG.svg("path", attrs, [SG.svg("title", {}, [text])]);
    if (clickable) {
      const open = () => app.update({ view: "table", place: fips });
      shapeNode.addEventListener("click", open);
      shapeNode.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") {
          ev.preventDefault();
          open();
        }
      });
    }
    return shapeNode;
  }

  function legend(d) {
    const item = (cls, label) =>
      SG.el("span", { class: "sg-legend-item" }, [
        SG.svg("svg", { width: 18, height: 12, "aria-hidden": "true" }, [SG.svg("rect", { width: 18, height: 12, class: "sg-place-shape " + cls })]),
        " " + label,
      ]);
    return SG.el("p", { class: "sg-map-legend" }, [
      item("sg-against", "against"),
      item("sg-for", "for"),
      item("sg-both", "both (actors there disagree)"),
      item("sg-none", "no position recorded"),
      SG.el("span", { class: "sg-note", text: " A county is shaded by its own government, its sheriff\u2019s office and their officials; a state by its state-level actors." }),
    ]);
  }

  /** The shaded places in words (small counties are hard to see): each opens its table. */
  function placeList(app, places) {
    const names = Array.from(places.keys()).map((fips) => [app.placeName(fips), fips]);
    names.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const list = SG.el("ul", { class: "sg-place-list" });
    for (const [name, fips] of names) {
      const p = places.get(fips);
      const b = SG.el("button", { type: "button", class: "sg-link", text: name });
      b.addEventListener("click", () => app.update({ view: "table", place: fips }));
      list.appendChild(SG.el("li", { "data-fips": fips }, [b, " \u2014 \u25BC " + p.against + " against, \u25B2 " + p.for + " for"]));
    }
    return SG.el("section", { class: "sg-places", "aria-label": "Places on the map" }, [
      SG.el("h3", { text: "On the map (" + names.length + " places)" }),
      list,
    ]);
  }

  function unplacedList(app, rows) {
    const d = app.data;
    const local = rows.filter((r) => LOCAL.has(d.nodes[r.key].type));
    const other = rows.filter((r) => !LOCAL.has(d.nodes[r.key].type));
    const box = SG.el("section", { class: "sg-unplaced", "aria-label": "Not on the map" }, [
      SG.el("h3", { text: "Not on the map (" + local.length + " local, " + other.length + " not tied to a place)" }),
    ]);
    if (local.length) {
      const list = SG.el("ul");
      for (const r of local) {
        const n = d.nodes[r.key];
        list.appendChild(SG.el("li", { "data-node": n.id }, [SG.sideMark(r.side), " ", app.nodeLink(r.key), " \u2014 " + reason(n)]));
      }
      box.appendChild(list);
    }
    if (other.length) {
      const names = other.map((r) => d.nodes[r.key].label).sort();
      box.appendChild(SG.el("p", { class: "sg-note", text: "Groups, federal agencies and others: " + names.join("; ") + "." }));
    }
    return box;
  }

  function reason(n) {
    const where = n.jurisdiction && n.jurisdiction !== n.label ? " (" + n.jurisdiction + ")" : "";
    if (!n.jurisdiction) return "the graph ties it to no jurisdiction";
    if (/\bcity\b|^city of\b/i.test(n.jurisdiction) || n.type === "jurisdiction" && !/county|parish|borough/i.test(n.jurisdiction)) {
      if (!n.state) return "no state known" + where;
      return "a city or town" + where + ": the map has states and counties only";
    }
    if (!n.state) return "no state known" + where;
    return "no county of that name in " + n.state + where;
  }
})();
