// charts.js: small SVG charts for the page (lines over epochs or rates, scatter points), log or linear axes,
// a legend, and a readout of the nearest point under the pointer. Plain SVG: nothing to download.
//
// A chart is drawn for the width it has: its SVG's coordinates are the screen's pixels (the viewBox is the
// box's size, measured, and measured again whenever it changes), so its text is the size the style sheet says
// (12 px and more) on a phone as on a desktop, never a picture scaled down.

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

// Tick values for [lo, hi]: on a log axis powers of ten (every other one, or every third, when crowded), or, when
// fewer than two of those fall in the range, 1, 2 and 5 times them, or every digit times them; about `count` steps
// of 1, 2 or 5 times a power of ten on a linear one (whole numbers only, if `whole`).
function ticks(lo, hi, log, count = 5, whole = false) {
  if (log) {
    const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
    let out = [];
    for (const steps of [[1], [1, 2, 5], [1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9]]) {
      const every = steps.length === 1 ? Math.max(1, Math.ceil((b - a) / Math.max(count, 2))) : 1;
      out = [];
      for (let e = a; e <= b; e++) for (const s of steps) {
        const v = +(s * 10 ** e).toPrecision(6);
        if (v >= lo * 0.999 && v <= hi * 1.001 && (e - a) % every === 0) out.push(v);
      }
      if (out.length >= 2) return out;
    }
    return out;
  }
  const raw = (hi - lo) / count || 1, p = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map(s => s * p).find(s => s >= raw), out = [];
  for (let tries = 0; tries < 3 && out.length < 2; tries++, step /= 2) {  // at least two ticks, when it can
    if (whole) step = Math.max(1, Math.round(step));
    out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  }
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

// A chart of lines (or dots) in ``container``. options: title, xLabel, yLabel, xLog, yLog, yPercent, xWhole (whole
// numbers on the x axis: epochs), xRange, yRange, dots (draw points, not lines), onPick(series, point) (a click on a
// point). Returns {update(series, marks)}: series = [{name, color, points: [[x, y], ...], dash, hidden}]; non-finite
// y values leave a gap, and a point with no drawn neighbour is drawn as a dot; marks = [{x, label}]: vertical lines
// (the epoch at which training diverged).
export function lineChart(container, options) {
  const box = el("div", { class: "chart" }, container);
  const svg = el("svg:svg", { role: "img", "aria-label": options.title || "chart" }, box);
  const legend = el("ul", { class: "legend" }, box), readout = el("p", { class: "readout" }, box, "\u00a0");
  let current = [], shown = [], marks = [], W = 0, H = 0;

  const widthNow = () => (box.clientWidth > 16 ? Math.max(220, Math.round(box.clientWidth - 16)) : 640);  // less padding
  function measure() {  // the chart's size: its box's width (640 while the box is not laid out), a height to suit
    W = widthNow();
    H = Math.round(Math.min(300, Math.max(200, W * 0.55)));
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
  }
  function draw(series) {
    measure();
    const M = { l: 58, r: 12, t: options.title ? 26 : 10, b: 40 };
    current = series.filter(s => !s.hidden);
    svg.replaceChildren();
    legend.replaceChildren();
    const xs = current.flatMap(s => s.points.map(p => p[0])).concat(marks.map(m => m.x));
    const ys = current.flatMap(s => s.points.map(p => p[1]));
    let [x0, x1] = options.xRange || extent(xs, options.xLog);
    if (options.xWhole && !options.xRange) [x0, x1] = [Math.min(0, Math.floor(x0)), Math.max(1, Math.ceil(x1))];
    const [y0, y1] = options.yRange || extent(ys, options.yLog);
    const X = scale(x0, x1, M.l, W - M.r, options.xLog), Y = scale(y0, y1, H - M.b, M.t, options.yLog);
    if (options.title) el("svg:text", { x: W / 2, y: 17, "text-anchor": "middle", class: "title" }, svg, options.title);
    for (const v of ticks(x0, x1, options.xLog, Math.max(2, Math.floor((W - M.l - M.r) / 70)), options.xWhole)) {
      el("svg:line", { x1: X(v), x2: X(v), y1: M.t, y2: H - M.b, class: "grid" }, svg);
      el("svg:text", { x: X(v), y: H - M.b + 15, "text-anchor": "middle", class: "tick x" }, svg, formatNumber(v));
    }
    for (const v of ticks(y0, y1, options.yLog, Math.max(2, Math.floor((H - M.t - M.b) / 32)))) {
      el("svg:line", { x1: M.l, x2: W - M.r, y1: Y(v), y2: Y(v), class: "grid" }, svg);
      el("svg:text", { x: M.l - 5, y: Y(v) + 4, "text-anchor": "end", class: "tick y" }, svg,
         options.yPercent ? `${+(100 * v).toPrecision(3)}%` : formatNumber(v));
    }
    el("svg:rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: "frame" }, svg);
    el("svg:text", { x: (M.l + W - M.r) / 2, y: H - 5, "text-anchor": "middle", class: "label" }, svg, options.xLabel);
    el("svg:text", { x: 14, y: (M.t + H - M.b) / 2, "text-anchor": "middle", class: "label",
                     transform: `rotate(-90 14 ${(M.t + H - M.b) / 2})` }, svg, options.yLabel);
    for (const m of marks) {
      el("svg:line", { x1: X(m.x), x2: X(m.x), y1: M.t, y2: H - M.b, class: "mark" }, svg);
      el("svg:text", { x: X(m.x) - 4, y: M.t + 14, "text-anchor": "end", class: "mark" }, svg, m.label);
    }
    current.forEach((s, k) => drawSeries(s, s.color || PALETTE[k % PALETTE.length], X, Y));
    return { X: X, Y: Y };
  }

  function drawSeries(s, color, X, Y) {
    const inside = p => isFinite(p[1]) && (!options.yLog || p[1] > 0) && (!options.xLog || p[0] > 0);
    if (options.dots) {
      for (const p of s.points.filter(inside)) {
        const look = p[2] || {}, x = X(p[0]), y = Y(p[1]), r = look.r || 4.5;
        const dot = el("svg:circle", { cx: x, cy: y, r: look.dashed ? r + 1 : r, fill: look.hollow ? "white" : color,
                                       stroke: color, "stroke-width": look.dashed ? 2 : 1.5,
                                       "stroke-dasharray": look.dashed ? "3 2" : "", class: options.onPick ? "pick" : "" },
                         svg);
        if (look.dashed && !look.hollow) dot.setAttribute("fill-opacity", "0.35");
        if (look.cross) {  // a diverged run: a cross through its dot
          el("svg:path", { d: `M${x - r},${y - r}L${x + r},${y + r}M${x - r},${y + r}L${x + r},${y - r}`,
                           stroke: look.hollow ? color : "white", "stroke-width": 2, "pointer-events": "none" }, svg);
        }
        el("svg:title", {}, dot, p[2] && p[2].text || `${s.name}: ${formatNumber(p[1])}`);  // a text names its point
        if (options.onPick) dot.addEventListener("click", () => options.onPick(s, p));
      }
    } else {
      let d = "";
      s.points.forEach((p, i) => {
        if (!inside(p)) return;
        const before = i > 0 && inside(s.points[i - 1]), after = i + 1 < s.points.length && inside(s.points[i + 1]);
        d += `${before ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`;
        if (!before && !after) {  // alone: a dot, or it would not show
          el("svg:circle", { cx: X(p[0]), cy: Y(p[1]), r: 3.5, fill: color }, svg);
        }
      });
      if (d) el("svg:path", { d: d, fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": s.dash || "" }, svg);
    }
    const item = el("li", {}, legend);
    el("span", { class: "swatch", style: s.dash ? `border-top: 3px dashed ${color}; height: 0` : `background:${color}` }, item);
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
  // drawn again for a new width (a phone turned, a window resized, a box shown), from the same series
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(() => { if (shown.length && widthNow() !== W) axes = draw(shown); }).observe(box);
  }
  return { update(series, newMarks) { shown = series; marks = newMarks || []; axes = draw(series); }, svg: svg,
           readout: readout };
}
