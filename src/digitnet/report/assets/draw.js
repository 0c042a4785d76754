// draw.js: the drawing pad. A stroke of the pointer (mouse, pen or finger) draws in ink; after each stroke the
// drawing becomes the 8x8 input (digit_image.js), which the report's selected model reads (or a network the
// page's trainer sends it): its ten probabilities, its answer, and what its first hidden layer's units make of it.

import { el, formatNumber } from "digitnet/charts.js";
import { inkOfRgba, readingProblem, toDigitsInput } from "digitnet/digit_image.js";

const PAD_SIZE = 280, PEN_WIDTH = 26;

export function drawingPad(container, page) {
  const row = el("div", { class: "pad-row" }, container);
  const left = el("div", { class: "pad-box" }, row);
  const canvas = el("canvas", { width: PAD_SIZE, height: PAD_SIZE, class: "pad", "aria-label": "drawing pad" }, left);
  const clear = el("button", { type: "button" }, el("p", {}, left), "clear");
  const middle = el("div", { class: "pad-box" }, row);
  el("p", { class: "small" }, middle, "what the network sees (8×8, ink 0–16):");
  const seen = el("canvas", { width: 160, height: 160, class: "seen" }, middle);
  const answer = el("p", { class: "answer" }, middle, "draw a digit");
  const right = el("div", { class: "pad-box bars" }, row);
  const whose = el("p", { class: "small" }, right, `probabilities (${page.data.model_name}):`);
  const bars = page.data.model.classes.map(c => {
    const line = el("div", { class: "bar-line" }, right);
    el("span", { class: "bar-label" }, line, String(c));
    const bar = el("span", { class: "bar" }, line);
    const value = el("span", { class: "bar-value" }, line, "");
    return { bar: bar, value: value };
  });
  const back = el("button", { type: "button", id: "pad-back", hidden: "" }, el("p", {}, right),
                  "back to the report's model");
  el("p", { class: "small" }, container, "first hidden layer: each square is a unit, darker the more active");
  const hidden = el("div", { class: "units" }, container);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const state = { input: new Array(64).fill(0), problem: "no ink", probabilities: null, prediction: null,
                  model: page.data.model_name };
  let predict = page.predict;  // the report's model, or a network the trainer sent (use)
  // what the pad says when the drawing gives no digit (readingProblem), as digitnet predict --image refuses it
  const PROBLEMS = { "no ink": "draw a digit", "all ink": "the pad is all ink: clear it and draw a digit",
                     "too thin": "the strokes are too thin to read: draw them thicker" };

  function blank() {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
  }
  function at(event) {
    const r = canvas.getBoundingClientRect();
    return [(event.clientX - r.left) * PAD_SIZE / r.width, (event.clientY - r.top) * PAD_SIZE / r.height];
  }
  let drawing = false;
  canvas.addEventListener("pointerdown", event => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    const [x, y] = at(event);
    ctx.lineWidth = PEN_WIDTH; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#000000";
    ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 0.01, y); ctx.stroke();
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", event => {
    if (!drawing) return;
    const [x, y] = at(event);
    ctx.lineTo(x, y); ctx.stroke();
    event.preventDefault();
  });
  const end = () => { if (drawing) { drawing = false; read(); } };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clear.addEventListener("click", () => { blank(); read(); });

  function read() {
    const ink = inkOfRgba(ctx.getImageData(0, 0, PAD_SIZE, PAD_SIZE).data, PAD_SIZE, PAD_SIZE);
    state.input = toDigitsInput(ink, PAD_SIZE, PAD_SIZE);
    state.problem = readingProblem(ink, state.input);
    showInput(seen, state.input);
    if (state.problem !== null) {
      state.probabilities = state.prediction = null;
      answer.textContent = PROBLEMS[state.problem];
      bars.forEach(b => { b.bar.style.width = "0"; b.value.textContent = ""; });
      hidden.replaceChildren();
      return;
    }
    const result = predict(state.input);
    state.probabilities = result.probabilities;
    state.prediction = result.prediction;
    answer.textContent = `the network reads: ${result.prediction}`;
    result.probabilities.forEach((p, k) => {
      bars[k].bar.style.width = `${(100 * p).toFixed(1)}%`;
      bars[k].value.textContent = `${(100 * p).toFixed(1)}%`;
    });
    showUnits(hidden, result.hidden);
  }
  // Read the drawings with another network (predictor: 64 raw pixels -> {probabilities, hidden, prediction}), named
  // name; null: the report's model again.
  function use(predictor, name) {
    predict = predictor || page.predict;
    state.model = predictor ? name : page.data.model_name;
    whose.textContent = `probabilities (${state.model}):`;
    back.hidden = !predictor;
    read();
    const heading = document.getElementById("draw");
    if (predictor && heading) heading.scrollIntoView();
  }
  back.addEventListener("click", () => use(null));
  blank();
  read();
  return { state: state, canvas: canvas, pixels: () => Array.from(ctx.getImageData(0, 0, PAD_SIZE, PAD_SIZE).data),
           read: read, use: use };
}

// 64 values 0..16 as an 8x8 picture, ink dark on white.
export function showInput(canvas, input) {
  const ctx = canvas.getContext("2d"), cell = canvas.width / 8;
  for (let k = 0; k < 64; k++) {
    const v = Math.round(255 * (1 - input[k] / 16));
    ctx.fillStyle = `rgb(${v},${v},${v})`;
    ctx.fillRect((k % 8) * cell, Math.floor(k / 8) * cell, cell, cell);
  }
}

function showUnits(container, values) {
  container.replaceChildren();
  const top = Math.max(...values.map(Math.abs)) || 1;
  values.forEach((v, j) => {
    const shade = Math.round(255 * (1 - Math.abs(v) / top));
    el("span", { class: "unit", title: `unit ${j + 1}: ${formatNumber(v)}`,
                 style: `background:rgb(${shade},${shade},255)` }, container);
  });
}
