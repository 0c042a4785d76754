// playground.js: train a network live on the Digits training rows, with the settings in the page's address
// (#play?hidden_layer_sizes=32&solver=sgd&learning_rate_init=0.1&...: the estimator's parameters, under its
// names), so that a setup can be shared. Training runs in slices of a few milliseconds between redraws, so the
// page stays responsive; a loss that is not finite, or above ten times the starting weights' loss, stops
// training and is reported as divergence (nn.js: the rule of digitnet.nn.divergence, which the estimator, the
// sweeps and the studies use too).

import { el, formatNumber, lineChart } from "digitnet/charts.js";
import {
  DIVERGENCE_FACTOR, computeLoss, countCorrect, forwardPass, hasDiverged, initializeWeights, seededRandom, training,
} from "digitnet/nn.js";

// The estimator's parameters the page offers: name (also the address's key), label, choices (value, text), default.
// (The seed is the page's own: its generator is not NumPy's, so it is not random_state.)
const SETTINGS = [
  ["hidden_layer_sizes", "hidden layers", ["16", "32", "64", "128", "32-16", "32-32", "64-32", "64-64", "128-64",
                                           "128-128"].map(v => [v, v]), "32"],
  ["activation", "activation", [["identity", "identity"], ["logistic", "logistic (sigmoid)"], ["tanh", "tanh"],
                                ["relu", "relu"], ["leaky_relu", "leaky relu"], ["elu", "elu"]], "relu"],
  ["weight_init", "initialization", [["glorot", "Glorot"], ["he", "He"], ["small_normal", "small normal"]], "glorot"],
  ["solver", "solver", [["sgd", "SGD"], ["adam", "Adam"]], "sgd"],
  ["momentum", "momentum", [[0, "0"], [0.5, "0.5"], [0.9, "0.9"], [0.99, "0.99"]], 0],
  ["nesterovs_momentum", "Nesterov", [[true, "yes"], [false, "no"]], true],
  ["learning_rate", "rate schedule", [["constant", "constant"], ["invscaling", "invscaling"]], "constant"],
  ["batch_size", "batch size", [[1, "1"], [8, "8"], [32, "32"], [128, "128"], ["auto", "auto (200)"],
                                ["all", "all rows"]], 32],
  ["alpha", "L2 alpha", [[0, "0"], [1e-4, "0.0001"], [1e-3, "0.001"], [1e-2, "0.01"], [0.1, "0.1"], [1, "1"]], 1e-4],
  ["max_iter", "epochs", [[20, "20"], [50, "50"], [100, "100"], [300, "300"]], 50],
];
const SGD_ONLY = ["momentum", "nesterovs_momentum", "learning_rate"];  // what Adam does not use
const RATE_RANGE = [-4, 1];  // log10 of the learning rate slider's ends

// An address written before the page took the estimator's names (#play?units=64&units2=32&solver=nesterov&batch=0
// &lr=0.3&epochs=50), in those names.
function renameOld(query) {
  const renamed = { lr: "learning_rate_init", batch: "batch_size", epochs: "max_iter" };
  for (const [old, name] of Object.entries(renamed)) {
    if (!query.has(old) || query.has(name)) continue;
    query.set(name, old === "batch" && query.get(old) === "0" ? "all" : query.get(old));  // batch=0 was every row
  }
  if (query.has("units") && !query.has("hidden_layer_sizes")) {
    query.set("hidden_layer_sizes", query.get("units") + (+query.get("units2") ? `-${query.get("units2")}` : ""));
  }
  const sgd = { gd: [0, false], momentum: [0.9, false], nesterov: [0.9, true] }[query.get("solver")];
  if (sgd) {
    query.set("solver", "sgd");
    query.set("momentum", sgd[0]);
    query.set("nesterovs_momentum", sgd[1]);
  }
  return query;
}

function readSettings() {
  const found = {}, hash = location.hash.startsWith("#play?") ? location.hash.slice(6) : "";
  const query = renameOld(new URLSearchParams(hash));
  for (const [name, , choices, fallback] of SETTINGS) {
    const given = query.get(name), match = choices.find(c => String(c[0]) === given);
    found[name] = match ? match[0] : fallback;
  }
  const lr = parseFloat(query.get("learning_rate_init")), seed = parseInt(query.get("seed"), 10);
  found.learning_rate_init = isFinite(lr) && lr > 0
    ? Math.min(Math.max(lr, 10 ** RATE_RANGE[0]), 10 ** RATE_RANGE[1]) : 0.1;
  found.seed = isFinite(seed) && seed >= 0 ? seed : 0;
  return found;
}

function writeSettings(settings) {
  const query = new URLSearchParams();
  for (const [name] of SETTINGS) query.set(name, settings[name]);
  query.set("learning_rate_init", settings.learning_rate_init);
  query.set("seed", settings.seed);
  history.replaceState(null, "", "#play?" + query.toString());
}

export function playground(container, page) {
  const settings = readSettings(), form = el("div", { class: "controls" }, container), inputs = {};
  for (const [name, label, choices] of SETTINGS) {
    const field = el("label", {}, form, label + " ");
    const select = el("select", { name: name }, field);
    for (const [value, text] of choices) el("option", { value: String(value) }, select, text);
    select.value = String(settings[name]);
    inputs[name] = select;
  }
  const rateField = el("label", {}, form, "learning rate ");
  const rate = el("input", { type: "range", min: RATE_RANGE[0], max: RATE_RANGE[1], step: 0.25,
                             name: "learning_rate_init", value: Math.log10(settings.learning_rate_init) }, rateField);
  const rateText = el("span", { class: "rate" }, rateField);
  const seedField = el("label", {}, form, "seed ");
  const seed = el("input", { type: "number", min: 0, step: 1, value: settings.seed, name: "seed" }, seedField);
  const buttons = el("p", { class: "buttons" }, container);
  const train = el("button", { type: "button", id: "play-train" }, buttons, "train");
  const step = el("button", { type: "button", id: "play-step" }, buttons, "one epoch");
  const reset = el("button", { type: "button", id: "play-reset" }, buttons, "reset");
  const status = el("p", { class: "status", id: "play-status", role: "status" }, container, "");
  const charts = el("div", { class: "chart-row" }, container);
  const lossChart = lineChart(charts, { title: "loss per epoch", xLabel: "epoch", yLabel: "loss (nats)", yLog: true });
  const accChart = lineChart(charts, { title: "accuracy per epoch", xLabel: "epoch", yLabel: "accuracy",
                                       yPercent: true });
  el("p", { class: "small" }, container, "the first layer's weights, one 8×8 picture per unit (red positive, blue negative):");
  const weightsBox = el("div", { class: "weights" }, container);
  const trainer = makeTrainer(page, () => current(), showEpoch);

  function current() {
    const s = {};
    for (const [name, , choices] of SETTINGS) {
      const chosen = choices.find(c => String(c[0]) === inputs[name].value);
      s[name] = chosen[0];
    }
    s.learning_rate_init = +(10 ** parseFloat(rate.value)).toPrecision(3);
    s.seed = Math.max(0, parseInt(seed.value, 10) || 0);
    return s;
  }
  function changed() {
    const s = current();
    rateText.textContent = ` ${s.learning_rate_init}`;
    for (const name of SGD_ONLY) inputs[name].disabled = s.solver !== "sgd";
    writeSettings(s);
    trainer.reset();
    showEpoch();
  }
  function showEpoch() {
    const h = trainer.history, points = key => h[key].map((v, i) => [i + 1, v]);
    lossChart.update([{ name: "training", points: points("loss") }, { name: "validation", points: points("val_loss"), dash: "5 3" }]);
    accChart.update([{ name: "training", points: points("accuracy") },
                     { name: "validation", points: points("val_accuracy"), dash: "5 3" }]);
    showWeights(weightsBox, trainer.net.weights[0]);
    status.textContent = trainer.message();
    train.textContent = trainer.running ? "pause" : "train";
  }
  for (const input of Object.values(inputs).concat([rate, seed])) input.addEventListener("change", changed);
  rate.addEventListener("input", () => { rateText.textContent = ` ${current().learning_rate_init}`; });
  train.addEventListener("click", () => { trainer.running ? trainer.pause() : trainer.run(); showEpoch(); });
  step.addEventListener("click", () => { trainer.pause(); trainer.epoch(); showEpoch(); });
  reset.addEventListener("click", () => { trainer.reset(); showEpoch(); });
  rateText.textContent = ` ${current().learning_rate_init}`;  // the slider's value: the rate training uses
  for (const name of SGD_ONLY) inputs[name].disabled = settings.solver !== "sgd";
  trainer.reset();
  showEpoch();
  return trainer;
}

// The training itself: a network and its history, trained a batch at a time by nn.js's training loop.
function makeTrainer(page, settingsNow, onEpoch) {
  const train = page.train, val = page.val;
  const t = { history: null, net: null, running: false, diverged: null, done: false, startLoss: null,
              baseline: null, ceiling: null, lastLoss: null };
  let s, run, timer = null;

  t.reset = function () {
    t.pause();
    s = settingsNow();
    const random = seededRandom(s.seed);
    const sizes = [train.X.cols, ...s.hidden_layer_sizes.split("-").map(Number), train.Y.cols];
    const init = initializeWeights(sizes, s.activation, s.weight_init, random);
    t.net = { weights: init.weights, biases: init.biases, activation: s.activation, outActivation: "softmax",
              alpha: s.alpha };
    run = training(t.net, train.X, train.Y, s, random);  // the same stream then shuffles every epoch
    t.history = { loss: [], accuracy: [], val_loss: [], val_accuracy: [] };
    t.diverged = null; t.done = false; t.lastLoss = null;
    t.startLoss = run.startLoss; t.baseline = run.baseline; t.ceiling = run.ceiling;
  };
  // Train on the next batch; at the end of an epoch, score the validation rows and check for divergence.
  t.batch = function () {
    const ended = run.step();
    if (ended) endEpoch(ended.loss, ended.accuracy);
    return ended !== null;
  };
  function endEpoch(loss, accuracy) {
    const h = t.history;
    if (hasDiverged(loss, t.ceiling)) {
      t.diverged = h.loss.length + 1; t.lastLoss = loss;
      t.pause();
      return;
    }
    const P = forwardPass(val.X, t.net.weights, t.net.biases, t.net.activation)[t.net.weights.length];
    h.loss.push(loss); h.accuracy.push(accuracy);
    h.val_loss.push(computeLoss(val.Y, P, t.net.weights, t.net.alpha));
    h.val_accuracy.push(countCorrect(val.Y, P) / val.X.rows);
    if (h.loss.length >= s.max_iter) { t.done = true; t.pause(); }
  }
  t.epoch = function () {
    if (t.diverged || t.done) return;
    while (!t.batch()) { /* the rest of the epoch */ }
  };
  t.run = function () {
    if (t.diverged || t.done) t.reset();
    t.running = true;
    const slice = () => {
      const until = performance.now() + 12;
      let ended = false;
      while (t.running && performance.now() < until) ended = t.batch() || ended;
      if (ended || !t.running) onEpoch();
      if (t.running) timer = setTimeout(slice, 0);
    };
    timer = setTimeout(slice, 0);
  };
  // As digitnet.nn.divergence's DivergenceRule.describe says it.
  t.divergence = function () {
    const start = formatNumber(t.startLoss);
    if (!isFinite(t.startLoss)) return `the loss of the starting weights is already ${start}, before any update`;
    if (!isFinite(t.lastLoss)) return `the loss became ${t.lastLoss} (from ${start} with the starting weights)`;
    return `the loss rose from ${start} with the starting weights to ${formatNumber(t.lastLoss)}, more than`
      + ` ${DIVERGENCE_FACTOR} times ` + (!(t.baseline > t.startLoss) ? "as much"
                                            : `${formatNumber(t.baseline)}, the loss of a constant prediction`);
  };
  t.pause = function () { t.running = false; if (timer) clearTimeout(timer); timer = null; };
  t.message = function () {
    const h = t.history, e = h.loss.length;
    if (t.diverged) {
      return `Diverged at epoch ${t.diverged}: ${t.divergence()}. The learning rate (${s.learning_rate_init}) is`
        + " too large for these settings; try a smaller one.";
    }
    if (!e) return "Press train to start, or one epoch to take one step at a time.";
    return `epoch ${e}${t.done ? " (done)" : ""}: training loss ${formatNumber(h.loss[e - 1])}, validation accuracy`
      + ` ${(100 * h.val_accuracy[e - 1]).toFixed(1)}%`;
  };
  return t;
}

// W[1] of shape (64, units): unit j's weights as an 8x8 picture.
function showWeights(container, W) {
  container.replaceChildren();
  const units = Math.min(W.cols, 32);
  let top = 0;
  for (let i = 0; i < W.data.length; i++) if (isFinite(W.data[i])) top = Math.max(top, Math.abs(W.data[i]));
  for (let j = 0; j < units; j++) {
    const canvas = el("canvas", { width: 8, height: 8, class: "unit-weights", title: `unit ${j + 1}` }, container);
    const ctx = canvas.getContext("2d"), image = ctx.createImageData(8, 8);
    for (let k = 0; k < 64; k++) {
      const v = W.data[k * W.cols + j] / (top || 1), strength = Math.round(255 * (1 - Math.min(Math.abs(v), 1)));
      image.data.set(v >= 0 ? [255, strength, strength, 255] : [strength, strength, 255, 255], 4 * k);
    }
    ctx.putImageData(image, 0, 0);
  }
}
