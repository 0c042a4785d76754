// network_view.js: a drawing of the network being trained, as TF Playground draws its own: the input (the chosen
// digit's 8x8 pixels), every unit of every layer, every connection coloured by its weight's sign (red positive,
// blue negative) and drawn stronger and wider the larger the weight is in its layer, and each unit filled by what
// it computes for the chosen digit (hidden units: their activation, by the largest in the layer; outputs: their
// probability). The connections are drawn on a canvas (thousands of lines); the units and the words on an SVG in
// screen pixels above it, so the text is the page's (12 px and more) at any width.

import { el, formatNumber } from "digitnet/charts.js";
import { forwardPass, matrix } from "digitnet/nn.js";

const LEVELS = 8;  // shades of a connection: lines are drawn in batches of one colour

// The colour of a value v in [-1, 1]: red for positive, blue for negative, paler towards 0 (as the weights' pictures).
function shade(v, alpha = 1) {
  const s = Math.min(Math.abs(v), 1), pale = Math.round(255 * (1 - s));
  return v >= 0 ? `rgba(214,${Math.round(pale * 0.9)},${pale},${alpha})` : `rgba(${pale},${Math.round(pale * 0.9)},214,${alpha})`;
}

// page: the validation digits (raw pixels, labels) and the rows as scaled (page.val.X). Returns {draw(net), state}.
export function networkView(container, page) {
  const digits = page.data.digits.val, classes = page.data.model.classes;
  const first = classes.map((c, k) => digits.labels.findIndex(label => label === k)).filter(i => i >= 0);
  const head = el("p", { class: "net-head" }, container);
  const label = el("label", {}, head, "digit fed to it ");
  const select = el("select", { name: "network_digit", "aria-label": "the validation digit the drawing shows" }, label);
  for (const i of first) el("option", { value: String(i) }, select, `a ${classes[digits.labels[i]]} (validation digit ${i + 1})`);
  el("p", { class: "small" }, container, "Connections: red positive weights, blue negative, stronger and wider the larger"
     + " (by the largest in their layer). Units: what each computes for this digit (red positive, blue negative;"
     + " outputs: their probability). Point at a unit for its number.");
  const figure = el("div", { class: "net-view" }, container);
  const canvas = el("canvas", { class: "net-lines" }, figure);
  const svg = el("svg:svg", { class: "net-units", role: "img", "aria-label": "the network: its units and connections" },
                 figure);
  const readout = el("p", { class: "readout", id: "net-readout" }, container, "\u00a0");
  const state = { row: first[0] || 0, units: [], net: null };
  select.addEventListener("change", () => { state.row = Number(select.value); if (state.net) draw(state.net); });

  // Where everything goes, for a width W: the input grid's cells, then one column of units per layer.
  function layout(sizes, W) {
    const H = Math.round(Math.min(380, Math.max(270, W * 0.62))), top = 44, bottom = H - 12;
    const cell = Math.min(15, (bottom - top) / 8, W * 0.2 / 8), labelRoom = 78, gridLeft = 6;
    const start = gridLeft + 8 * cell, end = W - labelRoom, layers = sizes.length - 1, columns = [gridLeft + 4 * cell];
    for (let l = 1; l <= layers; l++) columns.push(start + (end - start) * l / layers);
    return { W: W, H: H, top: top, bottom: bottom, cell: cell, gridLeft: gridLeft, columns: columns };
  }
  function unitY(box, l, j, count) {
    if (l === 0) return box.top + (Math.floor(j / 8) + 0.5) * box.cell + (box.bottom - box.top - 8 * box.cell) / 2;
    return box.top + (j + 0.5) * (box.bottom - box.top) / count;
  }
  function unitX(box, l, j) { return l === 0 ? box.gridLeft + (j % 8 + 0.5) * box.cell : box.columns[l]; }

  function draw(net) {
    state.net = net;
    const sizes = [net.weights[0].rows, ...net.weights.map(W => W.cols)], W = Math.max(280, figure.clientWidth || 640);
    const box = layout(sizes, W), ratio = window.devicePixelRatio || 1;
    const x = matrix(1, sizes[0], page.val.X.data.slice(state.row * sizes[0], (state.row + 1) * sizes[0]));
    const layers = forwardPass(x, net.weights, net.biases, net.activation, net.outActivation).map(A => A.data);
    canvas.width = Math.round(W * ratio); canvas.height = Math.round(box.H * ratio);
    canvas.style.width = `${W}px`; canvas.style.height = `${box.H}px`;
    svg.setAttribute("viewBox", `0 0 ${W} ${box.H}`); svg.setAttribute("width", W); svg.setAttribute("height", box.H);
    figure.style.height = `${box.H}px`;
    drawConnections(canvas.getContext("2d"), ratio, net, sizes, box);
    drawUnits(net, sizes, box, layers);
  }
  function drawConnections(ctx, ratio, net, sizes, box) {
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, box.W, box.H);
    net.weights.forEach((Wl, l) => {
      let top = 0;
      for (const w of Wl.data) if (isFinite(w)) top = Math.max(top, Math.abs(w));
      const batches = Array.from({ length: 2 * LEVELS }, () => []);
      for (let i = 0; i < Wl.rows; i++) for (let j = 0; j < Wl.cols; j++) {
        const w = Wl.data[i * Wl.cols + j], level = Math.min(LEVELS - 1, Math.floor(Math.abs(w) / (top || 1) * LEVELS));
        if (isFinite(w) && level > 0) batches[(w >= 0 ? 0 : LEVELS) + level].push(i, j);
      }
      batches.forEach((pairs, b) => {
        if (!pairs.length) return;
        const level = b % LEVELS, sign = b < LEVELS ? 1 : -1;
        ctx.strokeStyle = shade(sign, (level / LEVELS) ** 1.5 * 0.9);
        ctx.lineWidth = 0.4 + 2.2 * level / LEVELS;
        ctx.beginPath();
        for (let p = 0; p < pairs.length; p += 2) {
          ctx.moveTo(unitX(box, l, pairs[p]), unitY(box, l, pairs[p], sizes[l]));
          ctx.lineTo(unitX(box, l + 1, pairs[p + 1]), unitY(box, l + 1, pairs[p + 1], sizes[l + 1]));
        }
        ctx.stroke();
      });
    });
  }
  function drawUnits(net, sizes, box, layers) {
    svg.replaceChildren();
    state.units = [];
    const pixels = page.data.digits.val.pixels, row = state.row, L = sizes.length - 1;
    for (let j = 0; j < 64 && sizes[0] === 64; j++) {
      const v = pixels[row * 64 + j], grey = Math.round(255 * (1 - v / 16));
      el("svg:rect", { x: box.gridLeft + (j % 8) * box.cell, y: unitY(box, 0, j, 64) - box.cell / 2, width: box.cell,
                       height: box.cell, fill: `rgb(${grey},${grey},${grey})`, stroke: "#dde2e6", "stroke-width": 0.5 }, svg);
      state.units.push({ x: unitX(box, 0, j), y: unitY(box, 0, j, 64),
                         text: `input pixel (row ${Math.floor(j / 8) + 1}, column ${j % 8 + 1}): ink ${v} of 16` });
    }
    columnLabel(box.gridLeft, "start", "input", "8×8 pixels");
    for (let l = 1; l <= L; l++) {
      const values = layers[l], count = sizes[l], spacing = (box.bottom - box.top) / count;
      const r = Math.max(1.5, Math.min(9, spacing * 0.42)), output = l === L;
      let top = 0;
      for (const v of values) if (isFinite(v)) top = Math.max(top, Math.abs(v));
      for (let j = 0; j < count; j++) {
        const v = values[j], cx = box.columns[l], cy = unitY(box, l, j, count);
        el("svg:circle", { cx: cx, cy: cy, r: r, fill: shade(output ? v : v / (top || 1)), stroke: "#5a6570",
                           "stroke-width": r > 3 ? 1 : 0.5 }, svg);
        const text = output ? `output ${classes[j]}: probability ${(100 * v).toFixed(1)}%`
          : `hidden layer ${l}, unit ${j + 1}: ${net.activation}(z) = ${formatNumber(v)}`;
        state.units.push({ x: cx, y: cy, text: text });
        if (output) {
          el("svg:text", { x: cx + r + 5, y: cy + 4, class: "net-out" }, svg,
             `${classes[j]}  ${(100 * v).toFixed(v >= 0.995 ? 0 : 1)}%`);
        }
      }
      if (output) columnLabel(box.columns[l] - r, "start", "output", "probability");
      else columnLabel(box.columns[l], "middle", `hidden ${l}`, `${count} units`);
    }
  }
  function columnLabel(x, anchor, name, what) {  // two short lines: columns can be 60 px apart on a phone
    el("svg:text", { x: x, y: 15, "text-anchor": anchor, class: "net-label" }, svg, name);
    el("svg:text", { x: x, y: 31, "text-anchor": anchor }, svg, what);
  }
  svg.addEventListener("pointermove", event => {
    const r = svg.getBoundingClientRect(), x = event.clientX - r.left, y = event.clientY - r.top;
    let best = null, distance = 14;
    for (const unit of state.units) {
      const d = Math.hypot(unit.x - x, unit.y - y);
      if (d < distance) { best = unit; distance = d; }
    }
    if (best) readout.textContent = best.text;
  });
  return { draw: draw, state: state, select: select, svg: svg, canvas: canvas, readout: readout };
}
