// playground.js: the controls of the page's trainer (trainer.js trains), with the settings in the page's address
// (#play?hidden_layer_sizes=32&solver=sgd&learning_rate_init=0.1&...: the estimator's parameters, under its names),
// so that a setup can be shared; every value of an address is checked, and one the trainer cannot use is named in
// a visible message, not silently replaced. Around the training: the loss and accuracy per epoch, the sharpness
// against the step size's stability threshold and each layer's gradient norm (curvature.js), a drawing of the
// network (network_view.js), the first layer's weights; a pace (epochs per second, down to one batch at a time);
// the trained network can be tried on the drawing pad.

import { el, formatNumber, lineChart } from "digitnet/charts.js";
import { networkView } from "digitnet/network_view.js";
import { forwardPass } from "digitnet/nn.js";
import { makeTrainer } from "digitnet/trainer.js";

const positive = v => isFinite(v) && v > 0;
const numberIn = (lo, hi, whole) => text => {
  const v = Number(text);
  return text !== "" && isFinite(v) && v >= lo && v <= hi && (!whole || Number.isInteger(v)) ? v : undefined;
};
// "32", "64-32", "64,32,16": one to three hidden layers of 1 to 256 units (beyond, a sharpness would take seconds).
function layers(text) {
  const sizes = String(text).split(/[-,]/).map(Number);
  return sizes.length <= 3 && sizes.every(n => Number.isInteger(n) && n >= 1 && n <= 256) ? sizes.join("-") : undefined;
}
const oneOf = values => text => values.find(v => String(v) === text);
function batch(text) {
  if (text === "auto" || text === "all") return text;
  return numberIn(1, 100000, true)(text);
}
const truth = text => ({ true: true, false: false, 1: true, 0: false, yes: true, no: false })[text];

// The estimator's parameters the trainer offers: name (also the address's key), label, choices (value, text), default,
// and what else it takes from an address (a value it can use that is not a choice is added to the choices).
// (The seed is the page's own: its generator is not NumPy's, so it is not random_state.)
const SETTINGS = [
  ["hidden_layer_sizes", "hidden layers", ["16", "32", "64", "128", "32-16", "32-32", "64-32", "64-64", "128-64",
                                           "128-128"].map(v => [v, v]), "32", layers, "1 to 3 layers of 1 to 256 units"],
  ["activation", "activation", [["identity", "identity"], ["logistic", "logistic (sigmoid)"], ["tanh", "tanh"],
                                ["relu", "relu"], ["leaky_relu", "leaky relu"], ["elu", "elu"]], "relu"],
  ["weight_init", "initialization", [["glorot", "Glorot"], ["he", "He"], ["small_normal", "small normal"]], "glorot"],
  ["solver", "solver", [["sgd", "SGD"], ["adam", "Adam"]], "sgd"],
  ["momentum", "momentum", [[0, "0"], [0.5, "0.5"], [0.9, "0.9"], [0.99, "0.99"]], 0, numberIn(0, 0.999, false),
   "a number from 0 to 0.999"],
  ["nesterovs_momentum", "Nesterov", [[true, "yes"], [false, "no"]], true, truth, "true or false"],
  ["learning_rate", "rate schedule", [["constant", "constant"], ["invscaling", "invscaling"]], "constant"],
  ["batch_size", "batch size", [[1, "1"], [8, "8"], [32, "32"], [128, "128"], ["auto", "auto (200)"],
                                ["all", "all rows"]], 32, batch, "a whole number of rows, auto or all"],
  ["alpha", "L2 alpha", [[0, "0"], [1e-4, "0.0001"], [1e-3, "0.001"], [1e-2, "0.01"], [0.1, "0.1"], [1, "1"]], 1e-4,
   numberIn(0, 100, false), "a number from 0 to 100"],
  ["max_iter", "epochs", [[20, "20"], [50, "50"], [100, "100"], [300, "300"]], 50, numberIn(1, 2000, true),
   "a whole number from 1 to 2000"],
];
const SGD_ONLY = ["momentum", "nesterovs_momentum", "learning_rate"];  // what Adam does not use
const RATE = { name: "learning_rate_init", fallback: 0.1, most: 100 };
// The slider's rates: 1, 2, 3 and 5 times each power of ten from 1e-4 to 1, and 10; every rate of the studies' grids
// is one (0.3, 2, 3, 5 ...). A rate typed in the box is used as typed, the slider at the nearest of these.
export const RATE_LADDER = [-4, -3, -2, -1, 0].flatMap(e => [1, 2, 3, 5].map(m => +(m * 10 ** e).toPrecision(1)))
  .concat([10]);
const PACES = [["max", "as fast as it computes"], ["20", "20 epochs/s"], ["10", "10 epochs/s"], ["5", "5 epochs/s"],
               ["2", "2 epochs/s"], ["1", "1 epoch/s"], ["batch", "1 batch/s"]];
const CURVATURE_EVERY = [["0", "never"], ["1", "every epoch"], ["2", "every 2 epochs"], ["5", "every 5 epochs"],
                         ["10", "every 10 epochs"]];
const KNOWN = SETTINGS.map(s => s[0]).concat([RATE.name, "seed"]);

// An address written before the page took the estimator's names (#play?units=64&units2=32&solver=nesterov&batch=0
// &lr=0.3&epochs=50), in those names.
function renameOld(query) {
  const renamed = { lr: "learning_rate_init", batch: "batch_size", epochs: "max_iter" };
  for (const [old, name] of Object.entries(renamed)) {
    if (!query.has(old)) continue;
    if (!query.has(name)) query.set(name, old === "batch" && query.get(old) === "0" ? "all" : query.get(old));
    query.delete(old);  // batch=0 was every row
  }
  if (query.has("units")) {
    if (!query.has("hidden_layer_sizes")) {
      query.set("hidden_layer_sizes", query.get("units") + (+query.get("units2") ? `-${query.get("units2")}` : ""));
    }
    query.delete("units");
    query.delete("units2");
  }
  const sgd = { gd: [0, false], momentum: [0.9, false], nesterov: [0.9, true] }[query.get("solver")];
  if (sgd) {
    query.set("solver", "sgd");
    query.set("momentum", sgd[0]);
    query.set("nesterovs_momentum", sgd[1]);
  }
  return query;
}

// The settings of the address (#play?...), each checked: {settings, extra (values to add to the choices), problems
// (one sentence per value the trainer cannot use, saying what it uses instead)}.
export function readAddress(hash) {
  const found = {}, extra = {}, problems = [];
  const query = renameOld(new URLSearchParams(hash.startsWith("#play?") ? hash.slice(6) : ""));
  for (const [name, , choices, fallback, parse, takes] of SETTINGS) {
    found[name] = fallback;
    if (!query.has(name)) continue;
    const given = query.get(name), match = choices.find(c => String(c[0]) === given);
    const value = match ? match[0] : (parse || oneOf(choices.map(c => c[0])))(given);
    if (value === undefined) {
      problems.push(`${name}=${given} cannot be used (it takes ${takes || choices.map(c => c[0]).join(", ")}):`
                    + ` the trainer uses ${fallback}.`);
    } else {
      found[name] = value;
      if (!choices.some(c => String(c[0]) === String(value))) extra[name] = value;
    }
  }
  const rate = query.has(RATE.name) ? numberIn(0, RATE.most, false)(query.get(RATE.name)) : RATE.fallback;
  found.learning_rate_init = positive(rate) ? rate : RATE.fallback;
  if (!positive(rate)) {
    problems.push(`${RATE.name}=${query.get(RATE.name)} cannot be used (it takes a number above 0, up to ${RATE.most}):`
                  + ` the trainer uses ${RATE.fallback}.`);
  }
  const seed = query.has("seed") ? numberIn(0, 2 ** 32 - 1, true)(query.get("seed")) : 0;
  found.seed = seed === undefined ? 0 : seed;
  if (seed === undefined) problems.push(`seed=${query.get("seed")} cannot be used (it takes a whole number from 0): the trainer uses 0.`);
  for (const key of query.keys()) {
    if (!KNOWN.includes(key)) problems.push(`${key} is not a setting of the trainer (it takes ${KNOWN.join(", ")}): ignored.`);
  }
  return { settings: found, extra: extra, problems: problems };
}

function writeSettings(settings) {
  const query = new URLSearchParams();
  for (const [name] of SETTINGS) query.set(name, settings[name]);
  query.set(RATE.name, settings.learning_rate_init);
  query.set("seed", settings.seed);
  history.replaceState(null, "", "#play?" + query.toString());
}

const nearestRung = rate => RATE_LADDER.reduce((best, r, i) =>
  (Math.abs(Math.log(r / rate)) < Math.abs(Math.log(RATE_LADDER[best] / rate)) ? i : best), 0);

// The controls: a select per setting, the learning rate (a box and a slider), the seed, the pace and how often the
// curvature is measured; each named as the address names it.
function controls(container) {
  const form = el("div", { class: "controls" }, container), inputs = {};
  for (const [name, label, choices] of SETTINGS) {
    const select = el("select", { name: name }, el("label", {}, form, label + " "));
    for (const [value, text] of choices) el("option", { value: String(value) }, select, text);
    inputs[name] = select;
  }
  const rateField = el("label", { class: "rate-field" }, form, "learning rate ");
  inputs.rate = el("input", { type: "number", name: RATE.name, min: 0, max: RATE.most, step: "any",
                              "aria-label": "learning rate" }, rateField);
  inputs.rateSlider = el("input", { type: "range", name: "learning_rate_slider", min: 0, max: RATE_LADDER.length - 1,
                                    step: 1, "aria-label": "learning rate, on the studies' ladder" }, rateField);
  inputs.seed = el("input", { type: "number", min: 0, step: 1, name: "seed" }, el("label", {}, form, "seed "));
  inputs.pace = el("select", { name: "pace" }, el("label", {}, form, "pace "));
  for (const [value, text] of PACES) el("option", { value: value }, inputs.pace, text);
  inputs.pace.value = "10";
  inputs.curvature = el("select", { name: "curvature_every" }, el("label", {}, form, "sharpness "));
  for (const [value, text] of CURVATURE_EVERY) el("option", { value: value }, inputs.curvature, text);
  inputs.curvature.value = "2";
  return inputs;
}

// Put an address's settings into the controls (a value the choices lack becomes a choice).
function applySettings(inputs, read) {
  for (const [name, , choices] of SETTINGS) {
    const value = read.settings[name], select = inputs[name];
    if (!choices.some(c => String(c[0]) === String(value)) && ![...select.options].some(o => o.value === String(value))) {
      el("option", { value: String(value), "data-from-address": "" }, select, String(value));
    }
    select.value = String(value);
  }
  inputs.rate.value = String(read.settings.learning_rate_init);
  inputs.rateSlider.value = String(nearestRung(read.settings.learning_rate_init));
  inputs.seed.value = String(read.settings.seed);
}

export function playground(container, page, pad) {
  const inputs = controls(container);
  const notice = el("div", { class: "notice", id: "play-notice", role: "alert", hidden: "" }, container);
  const buttons = el("p", { class: "buttons" }, container);
  const train = el("button", { type: "button", id: "play-train" }, buttons, "train");
  const batchButton = el("button", { type: "button", id: "play-batch" }, buttons, "one batch");
  const step = el("button", { type: "button", id: "play-step" }, buttons, "one epoch");
  const reset = el("button", { type: "button", id: "play-reset" }, buttons, "reset");
  const toPad = el("button", { type: "button", id: "play-to-pad" }, buttons, "try it on the pad");
  const status = el("p", { class: "status", id: "play-status", role: "status" }, container, "");
  const charts = el("div", { class: "chart-row" }, container);
  const lossChart = lineChart(charts, { title: "loss per epoch", xLabel: "epoch (0: the starting weights)",
                                        yLabel: "loss (nats)", yLog: true, xWhole: true });
  const accChart = lineChart(charts, { title: "accuracy per epoch", xLabel: "epoch", yLabel: "accuracy",
                                       yPercent: true, xWhole: true });
  el("h4", {}, container, "Why: the curvature and the gradient, every few epochs");
  const curvatureRow = el("div", { class: "chart-row" }, container);
  const sharpChart = lineChart(curvatureRow, { title: "sharpness λ and the stable limit", xLabel: "epoch",
                                               yLabel: "largest eigenvalue of H", yLog: true, xWhole: true });
  const gradChart = lineChart(curvatureRow, { title: "gradient norm per layer", xLabel: "epoch",
                                              yLabel: "‖gradient‖", yLog: true, xWhole: true });
  const reading = el("p", { class: "reading", id: "play-curvature-reading" }, container, "");
  el("h4", {}, container, "The network");
  const view = networkView(el("div", { class: "net-box" }, container), page);
  el("p", { class: "small" }, container, "the first layer's weights, one 8×8 picture per unit (red positive, blue negative):");
  const weightsBox = el("div", { class: "weights" }, container);
  const trainer = makeTrainer(page, current, showEpoch);
  trainer.view = view;

  function current() {
    const s = {};
    for (const [name] of SETTINGS) {
      const option = inputs[name].selectedOptions[0], choice = SETTINGS.find(x => x[0] === name)[2]
        .find(c => String(c[0]) === option.value);
      s[name] = choice ? choice[0] : name === "hidden_layer_sizes" || option.value === "auto" || option.value === "all"
        ? option.value : Number(option.value);
    }
    s.learning_rate_init = Number(inputs.rate.value);
    s.seed = Math.max(0, parseInt(inputs.seed.value, 10) || 0);
    return s;
  }
  function say(problems) {
    notice.replaceChildren();
    notice.hidden = !problems.length;
    if (problems.length) {
      el("p", {}, notice, problems.length === 1 ? "A value in this page's address cannot be used:"
        : "Values in this page's address cannot be used:");
      const list = el("ul", {}, notice);
      for (const p of problems) el("li", {}, list, p);
    }
  }
  function changed() {
    const s = current();
    for (const name of SGD_ONLY) inputs[name].disabled = s.solver !== "sgd";
    writeSettings(s);
    trainer.reset();
    showEpoch();
  }
  function rateTyped() {
    const v = Number(inputs.rate.value);
    if (inputs.rate.value === "" || !positive(v) || v > RATE.most) {
      say([`A learning rate of ${inputs.rate.value || "nothing"} cannot be used (it takes a number above 0, up to`
           + ` ${RATE.most}): the trainer keeps ${trainer.settings.learning_rate_init}.`]);
      inputs.rate.value = String(trainer.settings.learning_rate_init);
      return;
    }
    say([]);
    inputs.rateSlider.value = String(nearestRung(v));
    changed();
  }
  function showEpoch() {
    const t = trainer, h = t.history, start = t.start;
    const points = key => [[0, start[key]]].concat(h[key].map((v, i) => [i + 1, v]));
    const marks = t.diverged ? [{ x: t.diverged, label: `diverged at epoch ${t.diverged}` }] : [];
    lossChart.update([{ name: "training", points: points("loss") },
                      { name: "validation", points: points("val_loss"), dash: "5 3" }], marks);
    accChart.update([{ name: "training", points: points("accuracy") },
                     { name: "validation", points: points("val_accuracy"), dash: "5 3" }], marks);
    showCurvature(marks);
    if (view) view.draw(t.net);
    showWeights(weightsBox, t.net.weights[0]);
    status.textContent = message();
    train.textContent = t.running ? "pause" : "train";
  }
  function showCurvature(marks) {
    const c = trainer.curvature, series = [];
    series.push({ name: "sharpness λ", points: c.epochs.map((e, i) => [e, c.sharpness[i]]) });
    if (c.label) series.push({ name: `${c.label}, the stable limit`, points: c.epochs.map((e, i) => [e, c.threshold[i]]),
                               dash: "6 4", color: "#BB0000" });
    sharpChart.update(series, marks);
    const layersCount = trainer.net.weights.length;
    gradChart.update(Array.from({ length: layersCount }, (_, l) => ({
      name: `layer ${l + 1} (${trainer.net.weights[l].rows}→${trainer.net.weights[l].cols})`,
      points: c.epochs.map((e, i) => [e, c.gradNorms[i][l]]) })), marks);
    reading.textContent = curvatureReading(trainer);
  }
  function message() {
    const t = trainer, h = t.history, e = h.loss.length, s = t.settings, where = t.position();
    if (t.diverged) {
      return `Diverged at epoch ${t.diverged}: ${t.divergence()}. The learning rate (${s.learning_rate_init}) is`
        + " too large for these settings; try a smaller one.";
    }
    const within = where.batch ? ` (and ${where.batch} of epoch ${e + 1}'s ${where.batches} batches)` : "";
    if (!e && !where.batch) return "Press train to start, or one epoch (one batch) to take one step at a time.";
    const last = e ? `training loss ${formatNumber(h.loss[e - 1])}, validation accuracy ${(100 * h.val_accuracy[e - 1]).toFixed(1)}%`
      : `validation accuracy ${(100 * t.start.val_accuracy).toFixed(1)}%`;
    return `epoch ${e}${t.done ? " (done)" : ""}${within}: ${last}`;
  }
  for (const input of SETTINGS.map(s => inputs[s[0]]).concat([inputs.seed])) input.addEventListener("change", changed);
  inputs.rate.addEventListener("change", rateTyped);
  inputs.rateSlider.addEventListener("input", () => { inputs.rate.value = String(RATE_LADDER[Number(inputs.rateSlider.value)]); });
  inputs.rateSlider.addEventListener("change", () => {
    inputs.rate.value = String(RATE_LADDER[Number(inputs.rateSlider.value)]);
    say([]);
    changed();
  });
  inputs.pace.addEventListener("change", () => setPace());
  inputs.curvature.addEventListener("change", () => { trainer.curvatureEvery = Number(inputs.curvature.value); changed(); });
  function setPace() {
    const v = inputs.pace.value;
    trainer.setPace(v === "max" ? null : v === "batch" ? 1 : Number(v), v === "batch" ? "batch" : "epoch");
  }
  train.addEventListener("click", () => { trainer.running ? trainer.pause() : trainer.run(); showEpoch(); });
  batchButton.addEventListener("click", () => { trainer.pause(); trainer.step(); showEpoch(); });
  step.addEventListener("click", () => { trainer.pause(); trainer.epoch(); showEpoch(); });
  reset.addEventListener("click", () => { trainer.reset(); showEpoch(); });
  toPad.addEventListener("click", () => {
    if (pad) pad.use(trainedPredictor(page, trainer), `the network trained above, ${trainer.epochs()} epochs`);
  });
  function openAddress(scroll) {
    const read = readAddress(location.hash);
    applySettings(inputs, read);
    say(read.problems);
    for (const name of SGD_ONLY) inputs[name].disabled = read.settings.solver !== "sgd";
    trainer.reset();
    showEpoch();
    const heading = document.getElementById("train-live");
    if (scroll && location.hash.startsWith("#play?") && heading) heading.scrollIntoView();
  }
  window.addEventListener("hashchange", () => { if (location.hash.startsWith("#play?")) openAddress(true); });
  setPace();
  trainer.curvatureEvery = Number(inputs.curvature.value);
  openAddress(true);
  return trainer;
}

// What the curvature says now, from the last measurement: the sharpness against the step's stable limit.
function curvatureReading(trainer) {
  const c = trainer.curvature, i = c.sharpness.length - 1;
  if (!trainer.curvatureEvery) return "The sharpness is not measured (sharpness: never).";
  if (i < 0 || !isFinite(c.sharpness[i])) return "Measuring the sharpness…";
  const lambda = c.sharpness[i], limit = c.threshold[i], at = c.epochs[i] ? `after epoch ${c.epochs[i]}` : "at the start";
  const norms = c.gradNorms[i].map(formatNumber).join(", ");
  const head = `${at[0].toUpperCase()}${at.slice(1)}: sharpness λ = ${formatNumber(lambda)}, the largest eigenvalue of the`
    + ` loss's Hessian (exact products, Lanczos); gradient norms by layer ${norms}.`;
  if (limit === null) {
    return `${head} Adam scales each weight's step by its own history, so the limit ${"2/η"} of plain gradient`
      + " descent does not bound it.";
  }
  if (lambda < limit) {
    return `${head} λ is below ${c.label} = ${formatNumber(limit)}: along every direction a step at this rate`
      + " shrinks the error of the local quadratic model, so the descent is stable here.";
  }
  return `${head} λ is above ${c.label} = ${formatNumber(limit)}: along the sharpest direction a step overshoots,`
    + " more each time, so the loss rises until the network reaches a flatter region (λ falls below the limit)"
    + " or training diverges.";
}

// The trained network as the pad reads a drawing: 64 raw pixels, scaled as the training digits were.
function trainedPredictor(page, trainer) {
  const net = trainer.net, digits = page.data.digits, classes = page.data.model.classes;
  return pixels => {
    const x = { rows: 1, cols: 64, data: Float64Array.from(pixels, (v, k) => (v - digits.mean[k]) / digits.scale[k]) };
    const A = forwardPass(x, net.weights, net.biases, net.activation, net.outActivation);
    const probabilities = Array.from(A[A.length - 1].data);
    const best = probabilities.indexOf(Math.max(...probabilities));
    return { probabilities: probabilities, hidden: Array.from(A[1].data), prediction: classes[best] };
  };
}

// W[1] of shape (64, units): unit j's weights as an 8x8 picture (the pictures kept from redraw to redraw).
function showWeights(container, W) {
  const units = Math.min(W.cols, 32);
  while (container.children.length > units) container.lastChild.remove();
  let top = 0;
  for (let i = 0; i < W.data.length; i++) if (isFinite(W.data[i])) top = Math.max(top, Math.abs(W.data[i]));
  for (let j = 0; j < units; j++) {
    const canvas = container.children[j]
      || el("canvas", { width: 8, height: 8, class: "unit-weights", title: `unit ${j + 1}` }, container);
    const ctx = canvas.getContext("2d"), image = ctx.createImageData(8, 8);
    for (let k = 0; k < 64; k++) {
      const v = W.data[k * W.cols + j] / (top || 1), strength = Math.round(255 * (1 - Math.min(Math.abs(v), 1)));
      image.data.set(v >= 0 ? [255, strength, strength, 255] : [strength, strength, 255, 255], 4 * k);
    }
    ctx.putImageData(image, 0, 0);
  }
}
