/* stancegraph view, the timeline of one program, law or policy (its narrower forms
 * included): each actor a row, each stance a mark at its date (▼ against, ▲ for; hollow
 * when only the source's publication date is known; a bar for a date given only as a
 * month or a year). The changes of position that `stancegraph analyze` finds are drawn
 * as rows of their own at the top, each change linked to the quotes on both sides of
 * it. Undated stances cannot sit on an axis: they are listed below it.
 */
(function () {
  "use strict";
  const SG = window.SG;
  const ROW = 24;
  const LABEL_W = 250;
  const MAX_ROWS = 150;

  /** The changes of position that concern the subject: a step on it or on one of its
   *  forms, or a topic that is the subject, one of its forms or one of its broader terms. */
  SG.relevantChanges = function (app, subject) {
    const d = app.data;
    const forms = app.forms(subject);
    const up = app.broaderOf(subject);
    return d.changes.filter(
      (c) => forms.has(c.topic) || up.has(c.topic) || c.steps.some((st) => forms.has(st.target)),
    );
  };

  SG.renderTimeline = function (app, container) {
    SG.clear(container);
    const d = app.data;
    const subject = app.subject({ target: true });
    if (subject < 0) {
      container.appendChild(SG.el("p", { class: "sg-empty", text: "No program, law or policy to show." }));
      return null;
    }
    const node = d.nodes[subject];
    container.appendChild(
      SG.el("div", { class: "sg-view-head" }, [SG.el("h2", { text: "Timeline of " + node.label }), app.subjectPicker("Timeline of", true)]),
    );
    const forms = app.forms(subject);
    if (forms.size > 1) {
      const names = Array.from(forms).filter((t) => t !== subject).map((t) => d.nodes[t].label).sort();
      container.appendChild(SG.el("p", { class: "sg-note", text: "Includes its narrower forms: " + names.join("; ") + "." }));
    }
    const filters = app.filterSummary({ target: false, years: true });
    if (filters) container.appendChild(SG.el("p", { class: "sg-note", text: "Filters: " + filters + "." }));

    // stances: dated ones on the axis (within the year filter), undated ones apart
    const dated = new Map(); // actor -> [stance]
    const undated = [];
    for (const t of forms) {
      for (const si of d.byTarget[t]) {
        if (!app.passes(si, { target: false, undated: true })) continue;
        const when = SG.stanceWhen(d, si);
        if (!when) {
          undated.push(si);
          continue;
        }
        const actor = d.stances[si].actor;
        if (!dated.has(actor)) dated.set(actor, []);
        dated.get(actor).push(si);
      }
    }
    const changes = SG.relevantChanges(app, subject);
    const rows = [];
    for (const c of changes) rows.push({ change: c, marks: c.steps.map((st) => ({ date: st.date, polarity: st.polarity, stances: st.stances, target: st.target, actor: st.actor })) });
    const actorRows = [];
    for (const [actor, list] of dated) {
      const marks = new Map();
      for (const si of list) {
        const s = d.stances[si];
        const key = SG.stanceWhen(d, si) + "|" + s.polarity;
        if (!marks.has(key)) marks.set(key, { date: SG.stanceWhen(d, si), polarity: s.polarity, stances: [], stated: false });
        const m = marks.get(key);
        m.stances.push(si);
        if (s.date) m.stated = true;
      }
      const sortedMarks = Array.from(marks.values()).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
      actorRows.push({ actor: actor, marks: sortedMarks, first: sortedMarks[0].date });
    }
    actorRows.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : SG.norm(d.nodes[a.actor].label) < SG.norm(d.nodes[b.actor].label) ? -1 : 1));
    rows.push(...actorRows.slice(0, MAX_ROWS));

    if (changes.length) container.appendChild(changeList(app, changes, forms));
    const total = actorRows.reduce((n, r) => n + r.marks.reduce((k, m) => k + m.stances.length, 0), 0);
    container.appendChild(
      SG.el("p", { class: "sg-summary" }, [
        SG.plural(total, "dated stance") + " by " + SG.plural(actorRows.length, "actor") + " \u00b7 " + SG.plural(undated.length, "undated stance") + " (listed below the axis)",
      ]),
    );
    if (rows.length) container.appendChild(chart(app, rows, container.clientWidth || 900));
    if (actorRows.length > MAX_ROWS) container.appendChild(SG.el("p", { class: "sg-note", text: "The first " + MAX_ROWS + " of " + actorRows.length + " actors are drawn; narrow the filters to see the others." }));
    container.appendChild(undatedList(app, undated));
    return { subject: subject, rows: rows, changes: changes, undated: undated };
  };

  function changeList(app, changes, forms) {
    const d = app.data;
    const box = SG.el("section", { class: "sg-changes", "aria-label": "Changes of position" }, [
      SG.el("h3", { text: "Changes of position (" + changes.length + ")" }),
    ]);
    for (const c of changes) {
      const who = c.who >= 0 ? app.nodeLink(c.who) : SG.el("strong", { text: c.who_label });
      const level = c.level === "jurisdiction" ? " (with its agencies and officials)" : "";
      const both = SG.el("button", { type: "button", class: "sg-action", text: "Both sides\u2019 quotes" });
      both.addEventListener("click", () => app.showChange(c));
      const steps = SG.el("ol", { class: "sg-steps" });
      for (const st of c.steps) {
        const label = st.date + " " + (SG.SIDE[st.polarity] || st.polarity) + " " + (st.target >= 0 ? d.nodes[st.target].label : "") + (st.actor >= 0 && st.actor !== c.who ? " (" + d.nodes[st.actor].label + ")" : "");
        const b = SG.el("button", { type: "button", class: "sg-link sg-" + st.polarity, text: label });
        b.addEventListener("click", () => app.showStances(c.who_label + ", " + st.date, st.stances));
        steps.appendChild(SG.el("li", { class: forms.has(st.target) ? "" : "sg-other" }, [SG.sideMark(st.polarity), " ", b]));
      }
      box.appendChild(
        SG.el("div", { class: "sg-change", "data-who": c.who_label }, [
          SG.el("p", {}, [SG.el("span", { class: "sg-changed", text: "\u27F2 changed" }), " ", who, level + " on " + c.topic_label + ": " + c.pattern, " ", both]),
          steps,
        ]),
      );
    }
    return box;
  }

  function chart(app, rows, width) {
    const d = app.data;
    let lo = Infinity, hi = -Infinity;
    for (const r of rows) {
      for (const m of r.marks) {
        const span = SG.yearSpan(m.date);
        if (!span) continue;
        lo = Math.min(lo, span[0]);
        hi = Math.max(hi, span[1]);
      }
    }
    lo = Math.floor(lo);
    hi = Math.max(lo + 1, Math.ceil(hi));
    const W = Math.max(600, width - 30);
    const plot = W - LABEL_W - 20;
    const H = 30 + rows.length * ROW + 10;
    const x = (v) => LABEL_W + ((v - lo) / (hi - lo)) * plot;
    const svg = SG.svg("svg", { class: "sg-timeline-chart", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "Stances over time" });
    const years = hi - lo;
    const every = years <= 12 ? 1 : years <= 30 ? 2 : 5;
    for (let y = lo; y <= hi; y += every) {
      svg.appendChild(SG.svg("line", { x1: x(y), y1: 22, x2: x(y), y2: H - 6, class: "sg-grid" }));
      if (y < hi || years <= 1) svg.appendChild(SG.svg("text", { x: x(y) + 3, y: 16, class: "sg-axis" }, [String(y)]));
    }
    rows.forEach((r, k) => {
      const y = 30 + k * ROW + ROW / 2;
      const g = SG.svg("g", { class: r.change ? "sg-row sg-change-row" : "sg-row" });
      if (r.change) g.appendChild(SG.svg("rect", { x: 0, y: y - ROW / 2 + 1, width: W, height: ROW - 2, class: "sg-change-band" }));
      const label = r.change ? "\u27F2 " + r.change.who_label + (r.change.level === "jurisdiction" ? " (all)" : "") : d.nodes[r.actor].label;
      const text = SG.svg("text", { x: LABEL_W - 8, y: y + 4, class: r.change ? "sg-row-label sg-row-open" : "sg-row-label", "text-anchor": "end" }, [clip(label, 34)]);
      text.appendChild(SG.svg("title", {}, [r.change ? label + ": click for the quotes on both sides" : label]));
      if (r.change) {
        text.setAttribute("role", "button");
        text.setAttribute("tabindex", "0");
        const open = () => app.showChange(r.change);
        text.addEventListener("click", open);
        text.addEventListener("keydown", (ev) => {
          if (ev.key === "Enter" || ev.key === " ") {
            ev.preventDefault();
            open();
          }
        });
      }
      g.appendChild(text);
      const points = [];
      let prev = null;
      for (const m of r.marks) {
        const v = SG.yearValue(m.date);
        if (v === null) continue;
        const cx = x(v);
        points.push(cx);
        const span = SG.yearSpan(m.date);
        if (span && span[1] - span[0] > 0.02) g.appendChild(SG.svg("rect", { x: x(span[0]), y: y - 2, width: Math.max(2, x(span[1]) - x(span[0])), height: 4, class: "sg-span sg-" + m.polarity }));
        if (r.change && prev && prev.polarity !== m.polarity) {
          g.appendChild(SG.svg("line", { x1: (x(SG.yearValue(prev.date)) + cx) / 2, y1: y - ROW / 2 + 2, x2: (x(SG.yearValue(prev.date)) + cx) / 2, y2: y + ROW / 2 - 2, class: "sg-flip" }));
        }
        prev = m;
        const mark = SG.svg("path", {
          d: m.polarity === "support" ? "M" + cx + " " + (y - 7) + "l7 12h-14z" : "M" + cx + " " + (y + 7) + "l7 -12h-14z",
          class: "sg-mark sg-" + m.polarity + (m.stated === false ? " sg-hollow" : ""),
          tabindex: 0,
          role: "button",
          "data-date": m.date,
          "data-polarity": m.polarity,
          "aria-label": (r.change ? r.change.who_label : d.nodes[r.actor].label) + ", " + m.date + ", " + (SG.SIDE[m.polarity] || m.polarity),
        });
        const who = r.change ? r.change.who_label : d.nodes[r.actor].label;
        mark.appendChild(SG.svg("title", {}, [who + " \u00b7 " + m.date + " \u00b7 " + (SG.SIDE[m.polarity] || m.polarity) + " \u00b7 " + SG.plural(m.stances.length, "stance")]));
        const open = () => app.showStances(who + ", " + m.date, m.stances);
        mark.addEventListener("click", open);
        mark.addEventListener("keydown", (ev) => {
          if (ev.key === "Enter" || ev.key === " ") {
            ev.preventDefault();
            open();
          }
        });
        g.appendChild(mark);
      }
      if (r.change && points.length > 1) {
        g.insertBefore(SG.svg("line", { x1: Math.min(...points), y1: y, x2: Math.max(...points), y2: y, class: "sg-change-line" }), g.children[2] || null);
      }
      svg.appendChild(g);
    });
    return SG.el("div", { class: "sg-chart" }, [svg]);
  }

  function clip(text, n) {
    return text.length > n ? text.slice(0, n - 1) + "\u2026" : text;
  }

  function undatedList(app, undated) {
    const d = app.data;
    const box = SG.el("section", { class: "sg-undated", "aria-label": "Undated stances" }, [SG.el("h3", { text: "Undated (" + undated.length + ")" })]);
    if (!undated.length) {
      box.appendChild(SG.el("p", { class: "sg-empty", text: "None." }));
      return box;
    }
    const list = SG.el("ul");
    const shown = undated.slice(0, 300);
    for (const si of shown) {
      const s = d.stances[si];
      const b = SG.el("button", { type: "button", class: "sg-link", text: (d.relationLabel[s.relation] || s.relation) + " " + d.nodes[s.target].label });
      b.addEventListener("click", () => app.showStances(d.nodes[s.actor].label, [si]));
      list.appendChild(SG.el("li", {}, [SG.sideMark(s.polarity), " ", app.nodeLink(s.actor), " ", b]));
    }
    box.appendChild(list);
    if (undated.length > shown.length) box.appendChild(SG.el("p", { class: "sg-note", text: "and " + (undated.length - shown.length) + " more" }));
    return box;
  }
})();
