/* stancegraph view, the position table: who stands where on one program, law or policy
 * (its narrower forms included), or where one actor stands on everything.
 *
 * Each actor (or, for an actor, each target) is one row, in the column of its latest
 * position: the stances at its latest date (a stance's own date, else its source's;
 * dates compare as text, so 2019-05-07 comes after 2019; undated ones come first). An
 * actor whose latest stances disagree is "both" and is listed, and counted, in both
 * columns; one that took both sides at some time is marked as having changed.
 */
(function () {
  "use strict";
  const SG = window.SG;
  const PAGE = 200; // rows shown before "show all"

  SG.stanceWhen = function (data, si) {
    const s = data.stances[si];
    return s.date || (data.sources[s.source] || {}).date || "";
  };

  /** The rows of the table of `subject` (a node index), under the app's filters and an
   *  optional place (a state or county FIPS code). */
  SG.positions = function (app, subject, place) {
    const d = app.data;
    const isTarget = d.isTarget[subject];
    const forms = isTarget ? app.forms(subject) : null;
    const source = isTarget ? [] : d.byActor[subject];
    if (isTarget) for (const t of forms) source.push(...d.byTarget[t]);
    const groups = new Map();
    for (const si of source) {
      if (!app.passes(si, { target: false })) continue;
      const s = d.stances[si];
      const key = isTarget ? s.actor : s.target;
      if (place && !inPlace(d.nodes[key], place)) continue;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(si);
    }
    const rows = [];
    for (const [key, list] of groups) {
      list.sort((a, b) => cmp(SG.stanceWhen(d, b), SG.stanceWhen(d, a)) || cmp(d.stances[a].id, d.stances[b].id));
      const date = SG.stanceWhen(d, list[0]);
      const latest = list.filter((si) => SG.stanceWhen(d, si) === date);
      const sides = new Set(latest.map((si) => d.stances[si].polarity));
      rows.push({
        key: key,
        side: sides.size > 1 ? "mixed" : latest.length ? d.stances[latest[0]].polarity : "unknown",
        date: date,
        stated: latest.some((si) => d.stances[si].date),
        latest: latest,
        all: list,
        changed: new Set(list.map((si) => d.stances[si].polarity)).size > 1,
        sources: new Set(list.map((si) => d.stances[si].source)).size,
      });
    }
    return {
      subject: subject,
      isTarget: isTarget,
      forms: forms,
      rows: rows,
      against: rows.filter((r) => r.side === "oppose" || r.side === "mixed"),
      for: rows.filter((r) => r.side === "support" || r.side === "mixed"),
      stances: rows.reduce((n, r) => n + r.all.length, 0),
    };
  };

  function inPlace(node, place) {
    return place.length === 2 ? node.place.slice(0, 2) === place : node.place === place;
  }

  function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  const COLUMNS = [
    ["name", "Name"],
    ["type", "Type"],
    ["state", "State"],
    ["latest", "Latest stance"],
    ["date", "Date"],
    ["count", "Stances"],
  ];

  function sortKey(app, table, row, column) {
    const d = app.data;
    const n = d.nodes[row.key];
    switch (column) {
      case "name":
        return SG.norm(n.label);
      case "type":
        return n.type;
      case "state":
        return n.state || "\uffff";
      case "latest":
        return d.stances[row.latest[0]].relation;
      case "count":
        return row.all.length;
      default:
        return row.date || "";
    }
  }

  function sorted(app, table, rows) {
    const column = app.state.sort || "date";
    const dir = app.state.dir === "asc" ? 1 : -1;
    const d = app.data;
    return rows.slice().sort((a, b) => {
      const ka = sortKey(app, table, a, column);
      const kb = sortKey(app, table, b, column);
      return dir * (ka < kb ? -1 : ka > kb ? 1 : 0) || cmp(SG.norm(d.nodes[a.key].label), SG.norm(d.nodes[b.key].label));
    });
  }

  /** The latest stance in words: "declines (2019-05-07)" and, for a narrower form, what on. */
  function latestText(app, table, row) {
    const d = app.data;
    const words = [];
    for (const si of row.latest) {
      const s = d.stances[si];
      let w = d.relationLabel[s.relation] || s.relation;
      const other = table.isTarget ? s.target : s.actor;
      if (table.isTarget && other !== table.subject) w += " " + d.nodes[other].label;
      if (!words.includes(w)) words.push(w);
    }
    return words.join("; ");
  }

  SG.renderTable = function (app, container) {
    SG.clear(container);
    const d = app.data;
    const subject = app.subject();
    if (subject < 0) {
      container.appendChild(SG.el("p", { class: "sg-empty", text: "No stances to tabulate." }));
      return null;
    }
    const place = app.state.place || "";
    const table = SG.positions(app, subject, place);
    const node = d.nodes[subject];
    const head = SG.el("div", { class: "sg-view-head" }, [
      SG.el("h2", { text: table.isTarget ? "Positions on " + node.label : "Where " + node.label + " stands" }),
      app.subjectPicker("Positions on"),
    ]);
    container.appendChild(head);
    const notes = [];
    if (table.isTarget && table.forms.size > 1) {
      const forms = Array.from(table.forms).filter((t) => t !== subject).map((t) => d.nodes[t].label).sort();
      notes.push("Includes its narrower forms: " + forms.join("; ") + ".");
    }
    const filters = app.filterSummary({ target: false });
    if (filters) notes.push("Filters: " + filters + ".");
    for (const note of notes) container.appendChild(SG.el("p", { class: "sg-note", text: note }));
    if (place) {
      const clear = SG.el("button", { type: "button", class: "sg-chip", "aria-label": "Show every place", text: "\u00d7" });
      clear.addEventListener("click", () => app.update({ place: "" }));
      container.appendChild(SG.el("p", { class: "sg-place" }, ["Only " + app.placeName(place) + " ", clear]));
    }
    const csv = SG.el("button", { type: "button", class: "sg-action", text: "Download CSV" });
    csv.addEventListener("click", () => SG.download("positions-" + SG.fileName(node.label) + ".csv", SG.tableCsv(app, table)));
    container.appendChild(
      SG.el("p", { class: "sg-summary" }, [
        SG.el("strong", { text: "\u25BC Against: " + table.against.length }),
        " \u00b7 ",
        SG.el("strong", { text: "\u25B2 For: " + table.for.length }),
        " \u00b7 " + SG.plural(table.stances, "stance") + " \u00b7 ",
        csv,
      ]),
    );
    const columns = SG.el("div", { class: "sg-columns" });
    for (const [side, rows, title] of [["oppose", table.against, "Against"], ["support", table.for, "For"]]) {
      columns.appendChild(sideTable(app, table, side, rows, title));
    }
    container.appendChild(columns);
    return table;
  };

  function sideTable(app, table, side, rows, title) {
    const d = app.data;
    const section = SG.el("section", { class: "sg-side sg-" + side, "data-side": side });
    section.appendChild(
      SG.el("h3", {}, [SG.sideMark(side), " " + title + " ", SG.el("span", { class: "sg-count", text: String(rows.length) })]),
    );
    if (!rows.length) {
      section.appendChild(SG.el("p", { class: "sg-empty", text: "No one, under these filters." }));
      return section;
    }
    const t = SG.el("table", { class: "sg-positions" });
    const headRow = SG.el("tr");
    for (const [key, label] of COLUMNS) {
      const active = (app.state.sort || "date") === key;
      const dir = app.state.dir === "asc" ? "ascending" : "descending";
      const button = SG.el("button", { type: "button", class: "sg-sort", text: label + (active ? (dir === "ascending" ? " \u2191" : " \u2193") : "") });
      button.addEventListener("click", () => {
        const same = (app.state.sort || "date") === key;
        app.update({ sort: key, dir: same ? (app.state.dir === "asc" ? "desc" : "asc") : key === "name" || key === "type" || key === "state" ? "asc" : "desc" });
      });
      headRow.appendChild(SG.el("th", { scope: "col", "aria-sort": active ? dir : "none" }, [button]));
    }
    t.appendChild(SG.el("thead", {}, [headRow]));
    const body = SG.el("tbody");
    const all = sorted(app, table, rows);
    const shown = all.slice(0, PAGE);
    for (const row of shown) appendRow(app, table, body, row);
    t.appendChild(body);
    section.appendChild(t);
    if (all.length > PAGE) {
      const more = SG.el("button", { type: "button", class: "sg-action", text: "Show all " + all.length });
      more.addEventListener("click", () => {
        for (const row of all.slice(PAGE)) appendRow(app, table, body, row);
        more.remove();
      });
      section.appendChild(more);
    }
    return section;
  }

  function appendRow(app, table, body, row) {
    const d = app.data;
    const n = d.nodes[row.key];
    const toggle = SG.el("button", { type: "button", class: "sg-expand", "aria-expanded": "false", "aria-label": "Show the quotes", text: "\u25B8" });
    const name = [toggle, " ", app.nodeLink(row.key)];
    if (row.changed) name.push(" ", SG.el("span", { class: "sg-changed", title: "took both sides at some time", text: "changed" }));
    if (row.side === "mixed") name.push(" ", SG.el("span", { class: "sg-changed", text: "both at once" }));
    const date = row.date ? row.date + (row.stated ? "" : " *") : "undated";
    const tr = SG.el("tr", { "data-node": n.id }, [
      SG.el("td", {}, name),
      SG.el("td", { text: n.type.replace(/_/g, " ") + (n.role ? ", " + n.role : "") }),
      SG.el("td", { text: n.state || "" }),
      SG.el("td", { text: latestText(app, table, row) }),
      SG.el("td", { class: "sg-date", title: row.stated ? "" : "the source's publication date: the text gives none", text: date }),
      SG.el("td", { class: "sg-num", text: String(row.all.length) }),
    ]);
    body.appendChild(tr);
    let detail = null;
    toggle.addEventListener("click", () => {
      if (detail) {
        detail.remove();
        detail = null;
        toggle.setAttribute("aria-expanded", "false");
        toggle.textContent = "\u25B8";
        return;
      }
      const cards = row.all.map((si) => SG.card(d, si, { nodeLink: app.nodeLink, actor: !table.isTarget, target: table.isTarget }));
      detail = SG.el("tr", { class: "sg-detail" }, [SG.el("td", { colspan: COLUMNS.length }, cards)]);
      tr.after(detail);
      toggle.setAttribute("aria-expanded", "true");
      toggle.textContent = "\u25BE";
    });
  }

  /** The table as CSV: one line per row and side, the latest stance's quote and source. */
  SG.tableCsv = function (app, table) {
    const d = app.data;
    const lines = [[
      "side", "name", "type", "state", "place", "latest_stance", "on", "date", "date_from", "stances",
      "sources", "changed_position", "quote", "source_title", "source_outlet", "source_url", "source_kind", "iri",
    ]];
    for (const [side, rows] of [["against", table.against], ["for", table.for]]) {
      for (const row of sorted(app, table, rows)) {
        const n = d.nodes[row.key];
        const s = d.stances[row.latest[0]];
        const src = d.sources[s.source] || {};
        lines.push([
          side, n.label, n.type.replace(/_/g, " "), n.state, n.place ? app.placeName(n.place) : n.jurisdiction,
          row.latest.map((si) => d.stances[si].relation).filter((v, i, a) => a.indexOf(v) === i).join("; "),
          d.nodes[table.isTarget ? s.target : s.actor].label, row.date, row.date ? (row.stated ? "text" : "publication") : "",
          row.all.length, row.sources, row.changed ? "yes" : "no", s.quote, src.title || src.doc || "", src.publisher || "",
          SG.safeUrl(src.url) || "", src.kind || "", n.id,
        ]);
      }
    }
    return SG.csv(lines);
  };
})();
