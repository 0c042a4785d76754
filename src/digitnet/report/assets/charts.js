// charts.js: small SVG charts for the page (lines over epochs or rates, scatter points), log or linear axes,
// a legend, and a readout of the nearest point under the pointer. Plain SVG: nothing to download.

const SVG_NS = "http://www.w3.org/2000/svg";
const PALETTE = ["#332288", "#117733", "#CC6677", "#88CCEE", "#DDCC77", "#AA4499", "#44AA99", "#882255",
                 "#999933", "#661100", "#6699CC", "#888888"];

export function el(tag, attrs, parent, text) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

export function formatNumber(v) {
  if (!isFinite(v)) return "n/a";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) {
    const e = v.toExponential(1).replace("e+", "e");
    return e.replace(/^(-?\d)\.0e/, "$1e");  // 1e-4, not 1.0e-4
  }
  return String(+v.toPrecision(3));
}

// Tick values for [lo, hi]: powers of ten (and 2, 5 x them when few) on a log axis; 1-2-5 steps on a linear one.
function ticks(lo, hi, log) {
  if (log) {
    const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi)), out = [];
    const steps = b - a <= 2 ? [1, 2, 5] : [1];
    for (let e = a; e <= b; e++) for (const s of steps) {
      const v = s * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
    return out;
  }
  const raw = (hi - lo) / 5 || 1, p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(s => s * p).find(s => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function extent(values, log) {
  const ok = values.filter(v => isFinite(v) && (!log || v > 0));
  if (!ok.length) return [log ? 0.1 : 0, 1];
  let lo = Math.min(...ok), hi = Math.max(...ok);
  if (lo === hi) { lo = log ? lo / 2 : lo - 1; hi = log ? hi * 2 : hi + 1; }
  if (log) { const pad = (hi / lo) ** 0.04; lo /= pad; hi *= pad; }  // 4% of the decades on each side
  else { const pad = (hi - lo) * 0.05; lo -= pad; hi += pad; }
  return [lo, hi];
}

// An axis: value -> pixel, on [lo, hi] mapped to [a, b].
function scale(lo, hi, a, b, log) {
  const f = log ? Math.log10 : v => v, l = f(lo), h = f(hi);
  return v => a + (f(v) - l) / (h - l) * (b - a);
}

// A chart of lines (or dots) in ``container``. options: title, xLabel, yLabel, xLog, yLog, yPercent,
// dots (draw points, not lines), onPick(series, point) (a click on a point). Returns {update(series)}:
// series = [{name, color, points: [[x, y], ...], dash, hidden}]; non-finite y values leave a gap.
export function lineChart(container, options) {
  const W = 640, H = 300, M = { l: 62, r: 12, t: options.title ? 26 : 10, b: 42 };
  const box = el("div", { class: "chart" }, container);
  const svg = el("svg:svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": options.title || "chart" }, box);
  const legend = el("ul", { class: "legend" }, box), readout = el("p", { class: "readout" }, box, "\u00a0");
  let current = [];

  function draw(series) {
    current = series.filter(s => !s.hidden);
    svg.replaceChildren();
    legend.replaceChildren();
    const xs = current.flatMap(s => s.points.map(p => p[0])), ys = current.flatMap(s => s.points.map(p => p[1]));
    const [x0, x1] = options.xRange || extent(xs, options.xLog), [y0, y1] = options.yRange || extent(ys, options.yLog);
    const X = scale(x0, x1, M.l, W - M.r, options.xLog), Y = scale(y0, y1, H - M.b, M.t, options.yLog);
    if (options.title) el("svg:text", { x: W / 2, y: 16, "text-anchor": "middle", class: "title" }, svg, options.title);
    for (const v of ticks(x0, x1, options.xLog)) {
      el("svg:line", { x1: X(v), x2: X(v), y1: M.t, y2: H - M.b, class: "grid" }, svg);
      el("svg:text", { x: X(v), y: H - M.b + 14, "text-anchor": "middle" }, svg, formatNumber(v));
    }
    for (const v of ticks(y0, y1, options.yLog)) {
      el("svg:line", { x1: M.l, x2: W - M.r, y1: Y(v), y2: Y(v), class: "grid" }, svg);
      el("svg:text", { x: M.l - 5, y: Y(v) + 4, "text-anchor": "end" }, svg,
         options.yPercent ? `${+(100 * v).toPrecision(3)}%` : formatNumber(v));
    }
    el("svg:rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: "frame" }, svg);
    el("svg:text", { x: (M.l + W - M.r) / 2, y: H - 6, "text-anchor": "middle", class: "label" }, svg, options.xLabel);
    el("svg:text", { x: 14, y: (M.t + H - M.b) / 2, "text-anchor": "middle", class: "label",
                     transform: `rotate(-90 14 ${(M.t + H - M.b) / 2})` }, svg, options.yLabel);
    current.forEach((s, k) => drawSeries(s, s.color || PALETTE[k % PALETTE.length], X, Y));
    return { X: X, Y: Y };
  }

  function drawSeries(s, color, X, Y) {
    const inside = p => isFinite(p[1]) && (!options.yLog || p[1] > 0) && (!options.xLog || p[0] > 0);
    if (options.dots) {
      for (const p of s.points.filter(inside)) {
        const look = p[2] || {}, x = X(p[0]), y = Y(p[1]), r = look.r || 4.5;
        const dot = el("svg:circle", { cx: x, cy: y, r: r, fill: look.hollow ? "white" : color,
                                       stroke: color, "stroke-width": 1.5, class: options.onPick ? "pick" : "" }, svg);
        if (look.cross) {  // a diverged run: a cross through its dot
          el("svg:path", { d: `M${x - r},${y - r}L${x + r},${y + r}M${x - r},${y + r}L${x + r},${y - r}`,
                           stroke: look.hollow ? color : "white", "stroke-width": 2, "pointer-events": "none" }, svg);
        }
        el("svg:title", {}, dot, p[2] && p[2].text || `${s.name}: ${formatNumber(p[1])}`);  // a text names its point
        if (options.onPick) dot.addEventListener("click", () => options.onPick(s, p));
      }
    } else {
      let d = "", pen = false;
      for (const p of s.points) {
        if (!inside(p)) { pen = false; continue; }
        d += `${pen ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`;
        pen = true;
      }
      if (d) el("svg:path", { d: d, fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": s.dash || "" }, svg);
    }
    const item = el("li", {}, legend);
    el("span", { class: "swatch", style: `background:${color}` }, item);
    item.appendChild(document.createTextNode(s.name));
  }

  let axes = null;
  svg.addEventListener("pointermove", event => {
    const title = event.target.tagName === "circle" && event.target.querySelector("title");
    if (title) { readout.textContent = title.textContent; return; }  // on a dot: its own numbers, not the nearest x's
    if (!axes || !current.length) return;
    const r = svg.getBoundingClientRect(), x = (event.clientX - r.left) / r.width * W;
    const parts = [];
    let at = null;
    for (const s of current) {
      let best = null;
      for (const p of s.points) if (isFinite(p[1]) && (!best || Math.abs(axes.X(p[0]) - x) < Math.abs(axes.X(best[0]) - x))) best = p;
      if (best) { parts.push(`${s.name} ${options.yPercent ? (100 * best[1]).toFixed(1) + "%" : formatNumber(best[1])}`); at = best[0]; }
    }
    if (at !== null) readout.textContent = `${options.xLabel} ${formatNumber(at)}: ${parts.join(", ")}`;
  });
  return { update(series) { axes = draw(series); }, svg: svg, readout: readout };
}
