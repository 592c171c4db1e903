/* stancegraph view, the graph: a canvas that draws the precomputed layout.
 *
 * Why our own drawing rather than a network library: at 5,000 nodes a library that draws
 * each edge on its own spends over half a second a frame; here edges are batched into
 * one path per colour and width and culled to the screen, nodes are batched per shape,
 * and on big graphs a pan or zoom redraws the edges from the last full drawing until the
 * gesture pauses. Labels have a fixed screen size and are placed by level of detail:
 * hubs first (the rank computed in Python), each only where it overlaps no other label
 * and no node, so no two labels ever overlap, and more appear as one zooms in. Edge
 * labels show only for the hovered or selected edge and the selected node's edges.
 */
(function () {
  "use strict";
  const SG = window.SG;

  const MIN_NODE_PX = 2.5;
  const LABEL_FONT = "12.5px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  const HUB_FONT = "600 " + LABEL_FONT; // programs, laws and policies
  const EDGE_FONT = "11.5px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  const LABEL_LINE = 15;
  const LABEL_MAX_W = 160;
  const LABEL_MAX_LINES = 2;
  const MAX_LABELS = 400; // labels drawn at most in one frame
  const MAX_TRIES = 1500; // labels tried at most in one frame (most important first)
  const BIG = 2000; // edges: above, pan and zoom frames reuse the last drawing of the edges
  const SETTLE_MS = 180; // after this long without input, a big graph is drawn in full
  const MAX_SCALE = 6;
  const EDGE_BUDGET = 1.2e6; // px of edges a frame draws at most (a frame costs about its ink)
  const TINY = 3.5; // px: with many nodes in view, one this small is drawn as a plain square

  class GraphCanvas {
    constructor(container, canvas, data, hooks) {
      this.container = container;
      this.canvas = canvas;
      this.ctx = canvas.getContext("2d");
      this.data = data;
      this.hooks = hooks || {};
      const n = data.nodes.length;
      const m = data.edges.length;
      this.nodeShown = new Uint8Array(n).fill(1);
      this.edgeShown = new Uint8Array(m).fill(1);
      this.order = Array.from(data.nodes.keys()).sort((a, b) => data.nodes[a].rank - data.nodes[b].rank);
      // edges most worth drawing first: more sources, then between more important nodes
      const rankOf = (e) => Math.min(data.nodes[e.from].rank, data.nodes[e.to].rank);
      this.edgeOrder = Array.from(data.edges.keys()).sort(
        (a, b) => data.edges[b].stances.length - data.edges[a].stances.length || rankOf(data.edges[a]) - rankOf(data.edges[b]) || a - b,
      );
      this.edgesLeftOut = 0;
      this.labelCache = new Array(n);
      this.camera = { x: 0, y: 0, scale: 1 };
      this.minScale = 0.01;
      this.selection = { node: -1, edge: -1 };
      this.hover = { node: -1, edge: -1 };
      this.highlight = null; // Uint8Array: nodes kept bright around a selection
      this.insetRight = 0; // px of the canvas covered by the evidence panel
      this.big = m > BIG;
      this.edgeLayer = this.big ? document.createElement("canvas") : null;
      this.edgeCamera = null;
      this.gestureUntil = 0;
      this.settleTimer = null;
      this.pending = false;
      this.lastFrameMs = 0;
      this.frames = 0;
      this.labels = [];
      this.vis = { count: 0, idx: new Int32Array(n), X: new Float64Array(n), Y: new Float64Array(n), R: new Float64Array(n) };
      this.W = 0;
      this.H = 0;
      this.dpr = 1;
      this.resize();
      new ResizeObserver(() => this.resize()).observe(container);
      this.listen();
    }

    // ------------------------------------------------------------ geometry

    nodeRadius(i) {
      const s = this.camera.scale;
      return Math.max(MIN_NODE_PX, this.data.nodes[i].r * Math.min(Math.sqrt(s), 2));
    }

    toScreen(x, y) {
      const c = this.camera;
      return { x: (x - c.x) * c.scale + this.W / 2, y: (y - c.y) * c.scale + this.H / 2 };
    }

    toWorld(px, py) {
      const c = this.camera;
      return { x: (px - this.W / 2) / c.scale + c.x, y: (py - this.H / 2) / c.scale + c.y };
    }

    nodeScreen(i) {
      const n = this.data.nodes[i];
      const p = this.toScreen(n.x, n.y);
      p.r = this.nodeRadius(i);
      return p;
    }

    resize() {
      const W = this.container.clientWidth;
      const H = this.container.clientHeight;
      if (W === this.W && H === this.H) return;
      this.W = W;
      this.H = H;
      this.dpr = Math.min(2, window.devicePixelRatio || 1);
      for (const c of [this.canvas, this.edgeLayer]) {
        if (!c) continue;
        c.width = Math.max(1, Math.round(W * this.dpr));
        c.height = Math.max(1, Math.round(H * this.dpr));
      }
      this.edgeCamera = null;
      this.sprites = null;
      this.draw(); // at once: the camera keeps its centre and scale, so nothing jumps
    }

    /** World bounds of the given nodes (default: those shown), with room for labels. */
    bounds(indices) {
      const nodes = this.data.nodes;
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      const list = indices || this.order.filter((i) => this.nodeShown[i]);
      for (const i of list) {
        const n = nodes[i];
        x0 = Math.min(x0, n.x - n.r);
        x1 = Math.max(x1, n.x + n.r);
        y0 = Math.min(y0, n.y - n.r);
        y1 = Math.max(y1, n.y + n.r);
      }
      return list.length ? { x0, y0, x1, y1 } : null;
    }

    /** Fit the given nodes (default: those shown) into the part of the canvas the panel
     *  leaves free; never zoom in past 1.25 (a small graph stays its natural size). */
    fit(indices) {
      const b = this.bounds(indices);
      const availW = Math.max(50, this.W - this.insetRight - 2 * 36);
      const availH = Math.max(50, this.H - 2 * 36 - 30);
      if (!b) {
        this.setCamera({ x: 0, y: 0, scale: 1 });
        return;
      }
      const bw = Math.max(1, b.x1 - b.x0 + 120); // half a label's width each side
      const bh = Math.max(1, b.y1 - b.y0 + 40);
      const scale = Math.max(0.005, Math.min(availW / bw, availH / bh, 1.25));
      const all = this.bounds(Array.from(this.data.nodes.keys()));
      if (all) {
        const whole = Math.min(availW / (all.x1 - all.x0 + 120), availH / (all.y1 - all.y0 + 40));
        this.minScale = Math.min(scale, whole) * 0.5;
      }
      const cx = (b.x0 + b.x1) / 2;
      const cy = (b.y0 + b.y1) / 2 + 10 / scale; // labels hang below their nodes
      this.setCamera({ x: cx + this.insetRight / 2 / scale, y: cy, scale: scale });
    }

    /** Centre node i in the free part of the canvas, at a scale of at least `minScale`. */
    focusNode(i, minScale) {
      const n = this.data.nodes[i];
      const scale = Math.min(MAX_SCALE, Math.max(this.camera.scale, minScale || 1));
      this.setCamera({ x: n.x + this.insetRight / 2 / scale, y: n.y, scale: scale });
    }

    setCamera(c) {
      this.camera = { x: c.x, y: c.y, scale: Math.min(MAX_SCALE, Math.max(this.minScale, c.scale)) };
      this.requestDraw();
      if (this.hooks.camera) this.hooks.camera(this.camera);
    }

    zoomAt(px, py, factor) {
      const w = this.toWorld(px, py);
      const scale = Math.min(MAX_SCALE, Math.max(this.minScale, this.camera.scale * factor));
      this.gesture();
      this.setCamera({ x: w.x - (px - this.W / 2) / scale, y: w.y - (py - this.H / 2) / scale, scale: scale });
    }

    // ------------------------------------------------------------ state from the app

    setShown(nodeShown, edgeShown) {
      this.nodeShown = nodeShown;
      this.edgeShown = edgeShown;
      this.edgeCamera = null;
      this.requestDraw();
    }

    setSelection(sel) {
      this.selection = { node: sel.node === undefined ? -1 : sel.node, edge: sel.edge === undefined ? -1 : sel.edge };
      const d = this.data;
      if (this.selection.node < 0 && this.selection.edge < 0) {
        this.highlight = null;
      } else {
        const h = new Uint8Array(d.nodes.length);
        if (this.selection.node >= 0) {
          h[this.selection.node] = 1;
          for (const e of d.nodeEdges[this.selection.node]) {
            if (!this.edgeShown[e]) continue;
            h[d.edges[e].from] = 1;
            h[d.edges[e].to] = 1;
          }
        }
        if (this.selection.edge >= 0) {
          h[d.edges[this.selection.edge].from] = 1;
          h[d.edges[this.selection.edge].to] = 1;
        }
        this.highlight = h;
      }
      this.edgeCamera = null;
      this.requestDraw();
    }

    isHot(e) {
      const s = this.selection;
      const edge = this.data.edges[e];
      return e === s.edge || edge.from === s.node || edge.to === s.node;
    }

    // ------------------------------------------------------------ drawing

    gesture() {
      this.gestureUntil = performance.now() + SETTLE_MS;
    }

    requestDraw() {
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.draw();
      });
    }

    /** Draw one frame now; returns (and keeps) the time it took in ms.
     *
     *  A big graph draws its edges and nodes into a layer of their own; while a pan or zoom
     *  goes on, frames reuse that layer (moved and scaled) and redraw only the labels, and
     *  SETTLE_MS after the last input the whole graph is drawn afresh. */
    draw() {
      const t0 = performance.now();
      const ctx = this.ctx;
      const W = this.W;
      const H = this.H;
      const dpr = this.dpr;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, W, H);
      const moving = t0 < this.gestureUntil;
      if (this.big && this.edgeCamera && moving) {
        this.blitLayer(ctx);
        this.visFromCamera();
        clearTimeout(this.settleTimer);
        this.settleTimer = setTimeout(() => this.requestDraw(), SETTLE_MS + 20);
      } else if (this.big) {
        const layer = this.edgeLayer.getContext("2d");
        layer.setTransform(dpr, 0, 0, dpr, 0, 0);
        layer.clearRect(0, 0, W, H);
        this.drawScene(layer);
        this.edgeCamera = Object.assign({}, this.camera);
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.drawImage(this.edgeLayer, 0, 0);
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      } else {
        this.drawScene(ctx);
      }
      this.drawHover(ctx);
      this.drawLabels(ctx, moving ? 300 : MAX_TRIES);
      this.lastFrameMs = performance.now() - t0;
      this.lastFrameKind = this.big && moving ? "moving" : "full";
      this.frames += 1;
      return this.lastFrameMs;
    }

    drawScene(ctx) {
      this.drawEdges(ctx, false);
      if (this.highlight) this.drawEdges(ctx, true); // the selection's edges, on top
      this.drawNodes(ctx);
    }

    /** The hovered edge (thicker) and the rings around the hovered and selected nodes. */
    drawHover(ctx) {
      const d = this.data;
      const e = this.hover.edge;
      if (e >= 0 && this.edgeShown[e]) {
        const edge = d.edges[e];
        const a = this.nodeScreen(edge.from);
        const b = this.nodeScreen(edge.to);
        ctx.beginPath();
        ctx.moveTo(a.x, a.y);
        if (edge.curve) {
          const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
          ctx.quadraticCurveTo(mx - (b.y - a.y) * 0.2 * edge.curve, my + (b.x - a.x) * 0.2 * edge.curve, b.x, b.y);
        } else ctx.lineTo(b.x, b.y);
        ctx.lineWidth = edge.width + 2;
        ctx.strokeStyle = d.colours[edge.polarity] || "#777";
        ctx.setLineDash(SG.DASHES[SG.edgeDash(edge)] || []); // still reads as its kind
        ctx.stroke();
        ctx.setLineDash([]);
      }
      for (const [i, width] of [[this.hover.node, 2], [this.selection.node, 3]]) {
        if (i < 0 || !this.nodeShown[i]) continue;
        const p = this.nodeScreen(i);
        ctx.beginPath();
        shape(ctx, d.groupStyle[d.nodes[i].group].shape, p.x, p.y, p.r + 2);
        ctx.lineWidth = width;
        ctx.strokeStyle = "#000000";
        ctx.stroke();
      }
    }

    /** The screen positions of the nodes in view, without drawing them (moving frames). */
    visFromCamera() {
      const d = this.data;
      const c = this.camera;
      const s = c.scale;
      const hw = this.W / 2 - c.x * s;
      const hh = this.H / 2 - c.y * s;
      const vis = this.vis;
      vis.count = 0;
      for (const i of this.order) {
        if (!this.nodeShown[i]) continue;
        const n = d.nodes[i];
        const R = this.nodeRadius(i);
        const X = n.x * s + hw;
        const Y = n.y * s + hh;
        if (X < -R || X > this.W + R || Y < -R || Y > this.H + R) continue;
        const k = vis.count++;
        vis.idx[k] = i;
        vis.X[k] = X;
        vis.Y[k] = Y;
        vis.R[k] = R;
      }
    }

    blitLayer(ctx) {
      const c0 = this.edgeCamera;
      const c = this.camera;
      const k = c.scale / c0.scale;
      const ox = (this.W / 2) * (1 - k) + (c0.x - c.x) * c.scale;
      const oy = (this.H / 2) * (1 - k) + (c0.y - c.y) * c.scale;
      ctx.setTransform(this.dpr * k, 0, 0, this.dpr * k, this.dpr * ox, this.dpr * oy);
      ctx.drawImage(this.edgeLayer, 0, 0, this.W, this.H);
      ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    }

    /** Edges in batches of one colour, width and dash. With a selection, `hot` draws only
     *  the selected node's (or the selected) edges; otherwise every shown edge, faded when
     *  something is selected. */
    drawEdges(ctx, hot) {
      const d = this.data;
      const c = this.camera;
      const s = c.scale;
      const hw = this.W / 2 - c.x * s;
      const hh = this.H / 2 - c.y * s;
      const W = this.W;
      const H = this.H;
      const faded = this.highlight !== null;
      const batches = new Map();
      let count = 0;
      let ink = 0; // px of line drawn so far: past EDGE_BUDGET the less important are left out
      let leftOut = 0;
      const diagonal = Math.hypot(W, H);
      for (const e of this.edgeOrder) {
        if (!this.edgeShown[e]) continue;
        if (faded && this.isHot(e) !== hot) continue;
        if (!faded && hot) continue;
        const edge = d.edges[e];
        const a = d.nodes[edge.from];
        const b = d.nodes[edge.to];
        const x1 = a.x * s + hw, y1 = a.y * s + hh, x2 = b.x * s + hw, y2 = b.y * s + hh;
        if ((x1 < -40 && x2 < -40) || (x1 > W + 40 && x2 > W + 40) || (y1 < -40 && y2 < -40) || (y1 > H + 40 && y2 > H + 40)) continue;
        if (!hot) {
          const length = Math.min(diagonal, Math.abs(x2 - x1) + Math.abs(y2 - y1));
          if (ink + length > EDGE_BUDGET) {
            leftOut++;
            continue;
          }
          ink += length;
        }
        const dash = SG.edgeDash(edge);
        const width = e === this.selection.edge ? edge.width + 1.5 : edge.width;
        const key = edge.polarity + "|" + width + "|" + dash;
        let batch = batches.get(key);
        if (!batch) {
          batch = { colour: d.colours[edge.polarity] || "#777", width: width, dash: dash, coords: [] };
          batches.set(key, batch);
        }
        batch.coords.push(x1, y1, x2, y2, edge.curve, edge.to);
        count++;
      }
      if (!hot) this.edgesLeftOut = leftOut;
      const arrows = count < 4000;
      ctx.globalAlpha = faded && !hot ? 0.18 : 1;
      ctx.lineCap = "butt";
      for (const batch of batches.values()) {
        ctx.beginPath();
        const heads = arrows ? [] : null;
        const k = batch.coords;
        for (let i = 0; i < k.length; i += 6) {
          const x1 = k[i], y1 = k[i + 1], x2 = k[i + 2], y2 = k[i + 3], curve = k[i + 4];
          ctx.moveTo(x1, y1);
          let fx = x1, fy = y1; // where the last stretch of the edge comes from
          if (curve) {
            const mx = (x1 + x2) / 2, my = (y1 + y2) / 2;
            const cx = mx - (y2 - y1) * 0.2 * curve, cy = my + (x2 - x1) * 0.2 * curve;
            ctx.quadraticCurveTo(cx, cy, x2, y2);
            fx = cx;
            fy = cy;
          } else {
            ctx.lineTo(x2, y2);
          }
          if (heads) {
            const len = Math.hypot(x2 - fx, y2 - fy);
            if (len > 28) heads.push(x2, y2, (x2 - fx) / len, (y2 - fy) / len, this.nodeRadius(k[i + 5]));
          }
        }
        ctx.strokeStyle = batch.colour;
        ctx.lineWidth = batch.width;
        ctx.setLineDash(SG.DASHES[batch.dash] || []);
        ctx.stroke();
        if (heads && heads.length) {
          ctx.beginPath();
          for (let i = 0; i < heads.length; i += 5) {
            const ux = heads[i + 2], uy = heads[i + 3];
            const tx = heads[i] - ux * (heads[i + 4] + 1.5), ty = heads[i + 1] - uy * (heads[i + 4] + 1.5);
            const size = 6 + batch.width;
            ctx.moveTo(tx, ty);
            ctx.lineTo(tx - ux * size - uy * size * 0.45, ty - uy * size + ux * size * 0.45);
            ctx.lineTo(tx - ux * size + uy * size * 0.45, ty - uy * size - ux * size * 0.45);
            ctx.closePath();
          }
          ctx.setLineDash([]);
          ctx.fillStyle = batch.colour;
          ctx.fill();
        }
      }
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    }

    drawNodes(ctx) {
      const d = this.data;
      const c = this.camera;
      const s = c.scale;
      const hw = this.W / 2 - c.x * s;
      const hh = this.H / 2 - c.y * s;
      const vis = this.vis;
      vis.count = 0;
      const faded = this.highlight;
      const groups = new Map();
      for (const i of this.order) {
        if (!this.nodeShown[i]) continue;
        const n = d.nodes[i];
        const R = this.nodeRadius(i);
        const X = n.x * s + hw;
        const Y = n.y * s + hh;
        if (X < -R || X > this.W + R || Y < -R || Y > this.H + R) continue;
        const k = vis.count++;
        vis.idx[k] = i;
        vis.X[k] = X;
        vis.Y[k] = Y;
        vis.R[k] = R;
        const key = n.group + (faded && !faded[i] ? "|f" : "");
        let list = groups.get(key);
        if (!list) groups.set(key, (list = []));
        list.push(k);
      }
      // faded nodes first, then the bright ones on top. A tiny node is a filled square (its
      // shape would not show; a square is the cheapest mark), a bigger one the stamp of a
      // small bitmap of its shape, drawn once per shape and size (cheaper than a path each)
      const keys = Array.from(groups.keys()).sort((a, b) => (a.includes("|f") ? 0 : 1) - (b.includes("|f") ? 0 : 1));
      const tiny = vis.count > 1500 ? TINY : 0;
      for (const key of keys) {
        const group = key.split("|")[0];
        ctx.globalAlpha = key.includes("|f") ? 0.25 : 1;
        ctx.fillStyle = d.groupStyle[group].border;
        for (const k of groups.get(key)) {
          const R = vis.R[k];
          if (R < tiny) {
            ctx.fillRect(vis.X[k] - R, vis.Y[k] - R, 2 * R, 2 * R);
            continue;
          }
          const sprite = this.sprite(group, R);
          ctx.drawImage(sprite.canvas, vis.X[k] - sprite.half, vis.Y[k] - sprite.half, sprite.size, sprite.size);
        }
      }
      ctx.globalAlpha = 1;
    }

    /** The bitmap of a node's shape at a radius (rounded to a quarter pixel), made once. */
    sprite(group, R) {
      const r = Math.round(R * 4) / 4;
      const key = group + "|" + r;
      this.sprites = this.sprites || new Map();
      let sprite = this.sprites.get(key);
      if (sprite) return sprite;
      const style = this.data.groupStyle[group];
      const half = Math.ceil(r * 1.25 + 2);
      const size = half * 2;
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = Math.ceil(size * this.dpr);
      const c = canvas.getContext("2d");
      c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      c.beginPath();
      shape(c, style.shape, half, half, r);
      c.fillStyle = style.fill;
      c.fill();
      c.lineWidth = 1;
      c.strokeStyle = style.border;
      c.stroke();
      sprite = { canvas: canvas, half: half, size: size };
      this.sprites.set(key, sprite);
      return sprite;
    }

    /** A label's lines and width, measured once per node. */
    labelOf(i) {
      let cached = this.labelCache[i];
      if (cached) return cached;
      const ctx = this.ctx;
      ctx.font = this.data.isTarget[i] ? HUB_FONT : LABEL_FONT;
      const words = this.data.nodes[i].label.split(/\s+/);
      const lines = [];
      let line = "";
      for (const word of words) {
        const next = line ? line + " " + word : word;
        if (!line || ctx.measureText(next).width <= LABEL_MAX_W) line = next;
        else {
          lines.push(line);
          line = word;
        }
      }
      if (line) lines.push(line);
      if (lines.length > LABEL_MAX_LINES) {
        lines.length = LABEL_MAX_LINES;
        lines[LABEL_MAX_LINES - 1] += " \u2026";
      }
      for (let k = 0; k < lines.length; k++) {
        while (ctx.measureText(lines[k]).width > LABEL_MAX_W + 20 && lines[k].length > 4) lines[k] = lines[k].slice(0, -2) + "\u2026";
      }
      const width = Math.max(...lines.map((l) => ctx.measureText(l).width));
      cached = { lines: lines, width: Math.ceil(width) + 4, height: lines.length * LABEL_LINE + 2 };
      this.labelCache[i] = cached;
      return cached;
    }

    /** Place labels greedily, most important first, each only where it overlaps nothing
     *  already placed (labels, nodes, edge labels); then draw them. */
    drawLabels(ctx, maxTries) {
      const d = this.data;
      const vis = this.vis;
      const grid = new Grid(64);
      const right = this.W - this.insetRight;
      const placed = [];
      const pos = new Int32Array(d.nodes.length).fill(-1);
      for (let k = 0; k < vis.count; k++) {
        pos[vis.idx[k]] = k;
        const R = vis.R[k];
        grid.add({ x0: vis.X[k] - R, y0: vis.Y[k] - R, x1: vis.X[k] + R, y1: vis.Y[k] + R, owner: vis.idx[k], rank: d.nodes[vis.idx[k]].rank });
      }
      const hubs = Math.max(8, Math.round(vis.count * 0.08)); // these may cover lesser nodes
      const tryLabel = (i, relaxed) => {
        const k = pos[i];
        const lab = this.labelOf(i);
        const rank = d.nodes[i].rank;
        const X = vis.X[k], Y = vis.Y[k], R = vis.R[k];
        const w = lab.width, h = lab.height;
        const spots = [
          [X - w / 2, Y + R + 2],
          [X + R + 4, Y - h / 2],
          [X - R - 4 - w, Y - h / 2],
          [X - w / 2, Y - R - 2 - h],
        ];
        if (relaxed) {
          // a hub tries harder: the corners, then a little farther out
          spots.push([X + R * 0.7, Y + R * 0.7], [X - R * 0.7 - w, Y + R * 0.7], [X + R * 0.7, Y - R * 0.7 - h], [X - R * 0.7 - w, Y - R * 0.7 - h]);
          spots.push([X - w / 2, Y + R + 2 + h], [X - w / 2, Y - R - 2 - 2 * h]);
        }
        // first where it covers no node; a hub's label may then cover less important nodes
        for (const limit of relaxed ? [Infinity, rank] : [Infinity]) {
          for (const [x0, y0] of spots) {
            const box = { x0: x0, y0: y0, x1: x0 + w, y1: y0 + h, owner: i, rank: -1 };
            if (box.x0 < 2 || box.x1 > right - 2 || box.y0 < 2 || box.y1 > this.H - 2) continue;
            if (!grid.free(box, i, limit)) continue;
            grid.add(box);
            placed.push({ node: i, box: box, lines: lab.lines, bold: !!d.isTarget[i], faded: this.highlight !== null && !this.highlight[i] });
            return;
          }
        }
      };
      const seen = new Uint8Array(d.nodes.length);
      const first = [this.selection.node, this.hover.node];
      if (this.selection.edge >= 0) first.push(d.edges[this.selection.edge].from, d.edges[this.selection.edge].to);
      for (const i of first) {
        if (i < 0 || seen[i] || pos[i] < 0) continue;
        seen[i] = 1;
        tryLabel(i, true);
      }
      // then edge labels: the hovered and selected edges, and the selected node's edges
      const edgeLabels = [];
      ctx.font = EDGE_FONT;
      for (const e of this.labelledEdges()) {
        const edge = d.edges[e];
        const a = this.nodeScreen(edge.from);
        const b = this.nodeScreen(edge.to);
        let mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
        if (edge.curve) {
          mx -= (b.y - a.y) * 0.1 * edge.curve;
          my += (b.x - a.x) * 0.1 * edge.curve;
        }
        const w = Math.ceil(ctx.measureText(edge.label).width) + 8;
        const box = { x0: mx - w / 2, y0: my - 8, x1: mx + w / 2, y1: my + 8, owner: -1 };
        if (box.x0 < 0 || box.x1 > right || box.y0 < 0 || box.y1 > this.H) continue;
        if (!grid.free(box, -2)) continue;
        grid.add(box);
        edgeLabels.push({ box: box, text: edge.label, colour: d.colours[edge.polarity] || "#555" });
      }
      // then everyone else: around the selection first, then by rank (hubs first)
      const rest = this.highlight ? this.order.filter((i) => this.highlight[i]).concat(this.order) : this.order;
      let tries = 0;
      for (const i of rest) {
        if (seen[i] || pos[i] < 0) continue;
        seen[i] = 1;
        if (placed.length >= MAX_LABELS || tries > maxTries) break;
        tries++;
        tryLabel(i, tries <= hubs);
      }
      ctx.textBaseline = "top";
      ctx.textAlign = "center";
      ctx.lineJoin = "round";
      ctx.font = LABEL_FONT;
      ctx.lineWidth = 3.5;
      ctx.strokeStyle = "#ffffff";
      for (const p of placed) {
        ctx.font = p.bold ? HUB_FONT : LABEL_FONT;
        ctx.fillStyle = p.faded ? "#8a8a8a" : "#1a1a1a";
        const cx = (p.box.x0 + p.box.x1) / 2;
        p.lines.forEach((line, n) => {
          ctx.strokeText(line, cx, p.box.y0 + 1 + n * LABEL_LINE);
          ctx.fillText(line, cx, p.box.y0 + 1 + n * LABEL_LINE);
        });
      }
      ctx.font = EDGE_FONT;
      ctx.textBaseline = "middle";
      for (const l of edgeLabels) {
        ctx.fillStyle = "rgba(255,255,255,0.92)";
        ctx.fillRect(l.box.x0, l.box.y0, l.box.x1 - l.box.x0, l.box.y1 - l.box.y0);
        ctx.strokeStyle = l.colour;
        ctx.lineWidth = 1;
        ctx.strokeRect(l.box.x0 + 0.5, l.box.y0 + 0.5, l.box.x1 - l.box.x0 - 1, l.box.y1 - l.box.y0 - 1);
        ctx.fillStyle = "#1a1a1a";
        ctx.fillText(l.text, (l.box.x0 + l.box.x1) / 2, (l.box.y0 + l.box.y1) / 2 + 0.5);
      }
      this.labels = placed;
      this.edgeLabels = edgeLabels;
    }

    labelledEdges() {
      const out = [];
      const d = this.data;
      for (const e of [this.hover.edge, this.selection.edge]) if (e >= 0 && this.edgeShown[e]) out.push(e);
      if (this.selection.node >= 0) {
        for (const e of d.nodeEdges[this.selection.node]) if (this.edgeShown[e] && out.length < 40) out.push(e);
      }
      return out;
    }

    // ------------------------------------------------------------ hit testing

    nodeAt(px, py) {
      const vis = this.vis;
      let best = -1, bestD = Infinity;
      for (let k = 0; k < vis.count; k++) {
        const dist = Math.hypot(vis.X[k] - px, vis.Y[k] - py);
        if (dist <= vis.R[k] + 3 && dist < bestD) {
          best = vis.idx[k];
          bestD = dist;
        }
      }
      if (best >= 0) return best;
      for (const p of this.labels) {
        if (px >= p.box.x0 && px <= p.box.x1 && py >= p.box.y0 && py <= p.box.y1) return p.node;
      }
      return -1;
    }

    edgeAt(px, py) {
      const d = this.data;
      let best = -1, bestD = 6;
      for (let e = 0; e < d.edges.length; e++) {
        if (!this.edgeShown[e]) continue;
        const edge = d.edges[e];
        const a = this.nodeScreen(edge.from);
        const b = this.nodeScreen(edge.to);
        let dist;
        if (edge.curve) {
          const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
          const cx = mx - (b.y - a.y) * 0.2 * edge.curve, cy = my + (b.x - a.x) * 0.2 * edge.curve;
          dist = Infinity;
          let qx = a.x, qy = a.y;
          for (let t = 1; t <= 12; t++) {
            const u = t / 12;
            const rx = (1 - u) * (1 - u) * a.x + 2 * (1 - u) * u * cx + u * u * b.x;
            const ry = (1 - u) * (1 - u) * a.y + 2 * (1 - u) * u * cy + u * u * b.y;
            dist = Math.min(dist, segmentDistance(px, py, qx, qy, rx, ry));
            qx = rx;
            qy = ry;
          }
        } else {
          dist = segmentDistance(px, py, a.x, a.y, b.x, b.y);
        }
        if (dist < bestD) {
          best = e;
          bestD = dist;
        }
      }
      return best;
    }

    // ------------------------------------------------------------ input

    listen() {
      const canvas = this.canvas;
      let down = null;
      canvas.addEventListener("pointerdown", (ev) => {
        if (ev.button !== 0) return;
        down = { x: ev.offsetX, y: ev.offsetY, cam: Object.assign({}, this.camera), moved: false, id: ev.pointerId };
        canvas.setPointerCapture(ev.pointerId);
      });
      canvas.addEventListener("pointermove", (ev) => {
        if (down && down.id === ev.pointerId) {
          const dx = ev.offsetX - down.x, dy = ev.offsetY - down.y;
          if (!down.moved && Math.hypot(dx, dy) < 4) return;
          down.moved = true;
          this.hideTip();
          this.gesture();
          const s = this.camera.scale;
          this.setCamera({ x: down.cam.x - dx / s, y: down.cam.y - dy / s, scale: s });
          return;
        }
        this.hoverAt(ev.offsetX, ev.offsetY);
      });
      const end = (ev) => {
        if (!down || down.id !== ev.pointerId) return;
        const click = !down.moved;
        down = null;
        if (click && ev.type === "pointerup") this.clickAt(ev.offsetX, ev.offsetY);
        else this.requestDraw();
      };
      canvas.addEventListener("pointerup", end);
      canvas.addEventListener("pointercancel", end);
      canvas.addEventListener("pointerleave", () => {
        if (this.hover.node >= 0 || this.hover.edge >= 0) {
          this.hover = { node: -1, edge: -1 };
          this.requestDraw();
        }
        this.hideTip();
      });
      canvas.addEventListener(
        "wheel",
        (ev) => {
          ev.preventDefault();
          const delta = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY;
          this.zoomAt(ev.offsetX, ev.offsetY, Math.exp(-delta * 0.0015));
        },
        { passive: false },
      );
      canvas.addEventListener("dblclick", (ev) => this.zoomAt(ev.offsetX, ev.offsetY, 2));
      canvas.addEventListener("keydown", (ev) => {
        const s = this.camera.scale;
        const step = 80 / s;
        const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
        if (moves[ev.key]) {
          this.setCamera({ x: this.camera.x + moves[ev.key][0], y: this.camera.y + moves[ev.key][1], scale: s });
        } else if (ev.key === "+" || ev.key === "=") {
          this.zoomAt(this.W / 2, this.H / 2, 1.25);
        } else if (ev.key === "-") {
          this.zoomAt(this.W / 2, this.H / 2, 0.8);
        } else if (ev.key === "0") {
          this.fit();
        } else if (ev.key === "Escape" && this.hooks.click) {
          this.hooks.click({ node: -1, edge: -1 });
        } else {
          return;
        }
        ev.preventDefault();
      });
    }

    hoverAt(px, py) {
      const node = this.nodeAt(px, py);
      const edge = node < 0 ? this.edgeAt(px, py) : -1;
      if (node !== this.hover.node || edge !== this.hover.edge) {
        this.hover = { node: node, edge: edge };
        this.requestDraw();
      }
      this.canvas.classList.toggle("sg-pointer", node >= 0 || edge >= 0);
      const tip = node >= 0 ? this.data.nodes[node].tip : edge >= 0 ? this.data.edges[edge].tip : null;
      if (tip && this.hooks.tip) this.hooks.tip(tip, px, py);
      else this.hideTip();
    }

    hideTip() {
      if (this.hooks.tip) this.hooks.tip(null);
    }

    clickAt(px, py) {
      const node = this.nodeAt(px, py);
      const edge = node < 0 ? this.edgeAt(px, py) : -1;
      if (this.hooks.click) this.hooks.click({ node: node, edge: edge });
    }
  }

  function segmentDistance(px, py, x1, y1, x2, y2) {
    const dx = x2 - x1, dy = y2 - y1;
    const len2 = dx * dx + dy * dy;
    let t = len2 ? ((px - x1) * dx + (py - y1) * dy) / len2 : 0;
    t = Math.max(0, Math.min(1, t));
    return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
  }

  function shape(ctx, kind, x, y, r) {
    switch (kind) {
      case "square":
        ctx.rect(x - r * 0.88, y - r * 0.88, r * 1.76, r * 1.76);
        break;
      case "diamond":
        ctx.moveTo(x, y - r * 1.2);
        ctx.lineTo(x + r * 1.2, y);
        ctx.lineTo(x, y + r * 1.2);
        ctx.lineTo(x - r * 1.2, y);
        ctx.closePath();
        break;
      case "triangle":
        ctx.moveTo(x, y - r * 1.15);
        ctx.lineTo(x + r * 1.05, y + r * 0.8);
        ctx.lineTo(x - r * 1.05, y + r * 0.8);
        ctx.closePath();
        break;
      case "triangleDown":
        ctx.moveTo(x, y + r * 1.15);
        ctx.lineTo(x + r * 1.05, y - r * 0.8);
        ctx.lineTo(x - r * 1.05, y - r * 0.8);
        ctx.closePath();
        break;
      case "hexagon":
        for (let k = 0; k < 6; k++) {
          const a = (Math.PI / 3) * k;
          if (k === 0) ctx.moveTo(x + r * Math.cos(a), y + r * Math.sin(a));
          else ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
        }
        ctx.closePath();
        break;
      case "star":
        for (let k = 0; k < 10; k++) {
          const a = -Math.PI / 2 + (Math.PI / 5) * k;
          const rr = k % 2 ? r * 0.5 : r * 1.2;
          if (k === 0) ctx.moveTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
          else ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
        }
        ctx.closePath();
        break;
      default:
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, Math.PI * 2);
    }
  }

  /** Boxes in screen space, bucketed by cell, to ask quickly "does this box overlap any?" */
  class Grid {
    constructor(cell) {
      this.cell = cell;
      this.cells = new Map();
    }
    keys(box) {
      const c = this.cell;
      const out = [];
      for (let gx = Math.floor(box.x0 / c); gx <= Math.floor(box.x1 / c); gx++) {
        for (let gy = Math.floor(box.y0 / c); gy <= Math.floor(box.y1 / c); gy++) out.push(gx * 100003 + gy);
      }
      return out;
    }
    add(box) {
      for (const key of this.keys(box)) {
        const list = this.cells.get(key);
        if (list) list.push(box);
        else this.cells.set(key, [box]);
      }
    }
    /** True when the box overlaps no box but those owned by `owner` and the nodes ranked
     *  after `rankLimit` (labels always count). */
    free(box, owner, rankLimit) {
      const limit = rankLimit === undefined ? Infinity : rankLimit;
      for (const key of this.keys(box)) {
        const list = this.cells.get(key);
        if (!list) continue;
        for (const b of list) {
          if (b.owner === owner && owner >= 0) continue;
          if (b.rank !== undefined && b.rank > limit) continue;
          if (b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1) return false;
        }
      }
      return true;
    }
  }

  SG.GraphCanvas = GraphCanvas;
})();
