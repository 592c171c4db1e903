/* stancegraph view, shared helpers: DOM building, safe links, dates, CSV, evidence cards.
 *
 * Safety rule for every script of the page: text from the graph (names, quotes, titles)
 * only ever reaches the page through textContent (or an SVG <title>'s text node); no
 * script parses text as HTML or sets a style or on* attribute, and a link is made only
 * for an http(s) URL.
 */
(function () {
  "use strict";
  const SG = (window.SG = window.SG || {});

  SG.el = function (tag, attrs, children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    for (const child of children || []) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  };

  const SVGNS = "http://www.w3.org/2000/svg";
  SG.svg = function (tag, attrs, children) {
    const node = document.createElementNS(SVGNS, tag);
    setAttrs(node, attrs);
    for (const child of children || []) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  };

  function setAttrs(node, attrs) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.setAttribute("class", value);
      else if (key === "style" || key.startsWith("on")) throw new Error("no inline style or handler: " + key);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
  }

  SG.clear = function (node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  };

  SG.safeUrl = function (value) {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (err) {
      return null;
    }
  };

  SG.norm = function (value) {
    return String(value).toLowerCase().replace(/\u2019/g, "'").replace(/\s+/g, " ").trim();
  };

  SG.plural = function (n, word, many) {
    return n + " " + (n === 1 ? word : many || word + "s");
  };

  // ---------------------------------------------------------------- polarity and dates

  SG.SIDE = { oppose: "against", support: "for", mixed: "both", unknown: "unclear", org: "link" };

  /** A date of any precision ("2019", "2019-05", "2019-05-07") as a fractional year, the
   *  middle of the period it names; null for no date. */
  SG.yearValue = function (date) {
    const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(date || "");
    if (!m) return null;
    const year = Number(m[1]);
    if (!m[2]) return year + 0.5;
    const month = Number(m[2]) - 1;
    if (!m[3]) return year + (month + 0.5) / 12;
    return year + (month + (Number(m[3]) - 0.5) / 31) / 12;
  };

  /** The span of the period a date names, as [start, end) fractional years. */
  SG.yearSpan = function (date) {
    const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(date || "");
    if (!m) return null;
    const year = Number(m[1]);
    if (!m[2]) return [year, year + 1];
    const month = Number(m[2]) - 1;
    if (!m[3]) return [year + month / 12, year + (month + 1) / 12];
    const v = SG.yearValue(date);
    return [v, v];
  };

  // ---------------------------------------------------------------- shapes for legends

  const SHAPES = {
    dot: "M8 1.5a6.5 6.5 0 1 0 0.001 0Z",
    square: "M2 2H14V14H2Z",
    diamond: "M8 1L15 8L8 15L1 8Z",
    triangle: "M8 1.5L15 14H1Z",
    triangleDown: "M1 2H15L8 14.5Z",
    hexagon: "M4.5 2H11.5L15 8L11.5 14H4.5L1 8Z",
    star: "M8 1L9.9 6H15L10.9 9.2L12.4 14.5L8 11.3L3.6 14.5L5.1 9.2L1 6H6.1Z",
  };

  SG.swatch = function (shape, fill, border) {
    return SG.svg("svg", { width: 16, height: 16, viewBox: "0 0 16 16", "aria-hidden": "true" }, [
      SG.svg("path", { d: SHAPES[shape] || SHAPES.dot, fill: fill, stroke: border }),
    ]);
  };

  SG.lineSwatch = function (colour, dash) {
    return SG.svg("svg", { width: 24, height: 10, "aria-hidden": "true" }, [
      SG.svg("line", { x1: 1, y1: 5, x2: 23, y2: 5, stroke: colour, "stroke-width": 3, "stroke-dasharray": dash || null }),
    ]);
  };

  /** A polarity marker that reads without colour: ▼ against, ▲ for. */
  SG.sideMark = function (polarity) {
    const word = SG.SIDE[polarity] || polarity;
    return SG.el("span", { class: "sg-badge sg-" + polarity, text: (polarity === "support" ? "\u25B2 " : polarity === "oppose" ? "\u25BC " : "") + word });
  };

  // ---------------------------------------------------------------- CSV

  /** One CSV cell. A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR
   *  first) gets a leading apostrophe: article text must stay text in Excel too. */
  SG.csvCell = function (value) {
    let text = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  };

  SG.csv = function (rows) {
    return rows.map((row) => row.map(SG.csvCell).join(",")).join("\r\n") + "\r\n";
  };

  /** Offer `text` as a file download (made in the page: nothing is fetched). */
  SG.download = function (filename, text, type) {
    const blob = new Blob(["\uFEFF" + text], { type: type || "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const link = SG.el("a", { href: url, download: filename, class: "sg-hidden-label" });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  };

  SG.fileName = function (label) {
    return (SG.norm(label).replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "positions").slice(0, 60);
  };

  // ---------------------------------------------------------------- edge styles

  /** Line patterns: solid for news, dashed for organisational links, dotted for a stance
   *  from another document, sparser dots for an agreement the registry lists as pending. */
  SG.DASHES = { org: [5, 4], doc: [2, 3], pending: [2, 7] };

  /** Which pattern an edge is drawn with (a key of SG.DASHES, or "" for a solid line). */
  SG.edgeDash = function (edge) {
    if (edge.kind === "org") return "org";
    if (edge.source === "registry" && edge.status === "pending") return "pending";
    return edge.source === "document" || edge.source === "registry" ? "doc" : "";
  };

  // ---------------------------------------------------------------- evidence cards

  /** The card for one stance: side, relation, date, the quote, and its source, styled by
   *  the source's kind (a news article, or another document such as a registry). */
  SG.card = function (data, index, options) {
    const s = data.stances[index];
    const source = data.sources[s.source] || {};
    const opts = options || {};
    const when = s.date || source.date;
    const head = [SG.sideMark(s.polarity), " "];
    if (opts.actor !== false) head.push(opts.nodeLink(s.actor), " ");
    head.push((data.relationLabel[s.relation] || s.relation.replace(/_/g, " ")) + " ");
    if (opts.target !== false) head.push(opts.nodeLink(s.target));
    const dated = source.kind === "registry" ? (s.date ? " (signed)" : " (sheet date)") : s.date ? "" : " (publication date)";
    const date = when ? SG.el("span", { class: "sg-when", text: when + dated }) : SG.el("span", { class: "sg-when", text: "undated" });
    const src = SG.el("div", { class: "sg-source" });
    if (source.kind !== "news") src.appendChild(SG.el("span", { class: "sg-kind", text: source.type || "document" }));
    const url = SG.safeUrl(source.url);
    const title = source.title || source.doc || "the source";
    src.appendChild(url ? SG.el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: title }) : SG.el("span", { text: title }));
    const details = [];
    if (source.publisher) details.push(source.publisher);
    if (source.date) details.push(source.date);
    if (source.doc && source.doc !== title) details.push(source.doc);
    if (details.length) src.appendChild(document.createTextNode(" \u00b7 " + details.join(" \u00b7 ")));
    const card = SG.el("div", { class: "sg-card sg-" + s.polarity + (source.kind === "news" ? "" : " sg-document"), "data-stance": s.id }, [
      SG.el("div", { class: "sg-card-head" }, head.concat([" ", date])),
      source.kind === "registry" ? SG.registryFact(s, source) : SG.el("blockquote", { text: s.quote || "(no quote recorded)" }),
      src,
    ]);
    return card;
  };

  /** In place of a quote, what the registry sheet says: the status, the row to find it by. */
  SG.registryFact = function (s, source) {
    const status = s.status === "pending" ? "pending (applied for, not yet signed)" : "participating (agreement signed)";
    const parts = ["Listed in the sheet as " + status];
    if (s.row) parts.push("row " + s.row + " of " + (source.doc || "the sheet"));
    return SG.el("p", { class: "sg-registry", text: parts.join(", ") + "." });
  };
})();
