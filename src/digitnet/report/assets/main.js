// main.js: reads the numbers the report embedded (the JSON in #digitnet-data), builds the drawing pad, the
// playground and the studies' twins, and offers the page's model to scripts as window.digitnet, the one global
// the page sets (the tests read the page through it).

import { curvaturePoint, hessianVectorProduct, sharpness, stabilityThreshold } from "digitnet/curvature.js";
import { drawingPad } from "digitnet/draw.js";
import { inkOfRgba, readingProblem, toDigitsInput } from "digitnet/digit_image.js";
import { explore } from "digitnet/explore.js";
import {
  CLASSIFYING_OUTPUTS, DEFAULTS, HIDDEN_ACTIVATIONS, OUTPUTS, SCHEDULES, SOLVERS, WEIGHT_INITS, argmax, checkName,
  divergenceCeiling, divergenceEpoch, forwardPass, initializeWeights, matrix, netsFromModel, oneHot, scaleRows,
  seededRandom, training,
} from "digitnet/nn.js";
import { playground } from "digitnet/playground.js";
import { TWINS } from "digitnet/twins.js";

// 64 raw pixel values (0..16) -> a model's outputs, as digitnet predict gives them from its model file: the
// probabilities of predict_proba (for one logistic unit, [1 - p, p]), and the first hidden layer's values (of the
// first network). An ensemble's probabilities are its networks' mean, summed in order then divided by their
// number, as DigitsClassifier.predict_proba takes np.mean over them (it runs no test-time augmentation here).
function predictWith(model, nets, pixels) {
  if (!pixels || pixels.length !== model.mean.length) {
    throw new Error(`predictProba takes ${model.mean.length} pixel values`);
  }
  const X = scaleRows(Array.from(pixels, Number), model.mean, model.scale);
  let sum = null, hidden = null;
  for (const net of nets) {
    const activations = forwardPass(X, net.weights, net.biases, net.activation, net.outActivation);
    let probabilities = Array.from(activations[activations.length - 1].data);
    if (net.outActivation === "logistic" && probabilities.length === 1) {
      probabilities = [1 - probabilities[0], probabilities[0]];  // one unit: P(positive class)
    }
    if (sum === null) {
      sum = probabilities;
      hidden = Array.from(activations[1].data);
    } else {
      probabilities.forEach((p, j) => { sum[j] += p; });
    }
  }
  const probabilities = nets.length === 1 ? sum : sum.map(p => p / nets.length);
  return { probabilities: probabilities, hidden: hidden };
}

export function startPage() {
  const data = JSON.parse(document.getElementById("digitnet-data").textContent);
  const model = data.model, nets = netsFromModel(model), digits = data.digits;
  const part = p => ({ X: scaleRows(p.pixels, digits.mean, digits.scale), Y: oneHot(p.labels, model.classes.length) });
  const page = {
    data: data, train: part(digits.train), val: part(digits.val),
    predict(pixels) {
      const r = predictWith(model, nets, pixels), best = argmax(r.probabilities, 0, r.probabilities.length);
      return { probabilities: r.probabilities, hidden: r.hidden, prediction: model.classes[best] };
    },
  };
  const api = window.digitnet = {
    version: data.version,
    // the page's model, or another given as the page gets its own (page_data.model_json)
    predictProba: (pixels, other) => predictWith(other || model, other ? netsFromModel(other) : nets, pixels)
      .probabilities,
    toDigitsInput: (ink, width, height) => toDigitsInput(ink, width, height),
    inkOfRgba: (rgba, width, height) => Array.from(inkOfRgba(rgba, width, height)),
    readingProblem: (ink, input) => readingProblem(ink, input),
    trainFrom: trainFrom,
    curvatureFrom: curvatureFrom,
    // the sharpness at which a step of these settings is stable on a quadratic (curvature.js), or null for Adam
    stabilityThreshold: (settings, rate) => stabilityThreshold(settings, rate),
    // the starting weights the playground draws (row-major lists), for checking their distribution
    initialWeights: (layerSizes, activation, weightInit, seed) => {
      const init = initializeWeights(layerSizes, activation, weightInit, seededRandom(seed));
      return { weights: init.weights.map(W => Array.from(W.data)), biases: init.biases.map(b => Array.from(b)) };
    },
    // the names nn.js takes, and the estimator's defaults it assumes
    names: { activations: HIDDEN_ACTIVATIONS, outputs: OUTPUTS, weight_inits: WEIGHT_INITS, solvers: SOLVERS,
             schedules: SCHEDULES, defaults: DEFAULTS },
    // nn.js's divergence rule on given losses (numbers, or strings such as "NaN" and "Infinity"), for checking it
    // against digitnet.nn.divergence: the ceiling and the epoch at which the losses diverged (or null).
    divergence: (losses, startLoss, baseline) => {
      const ceiling = divergenceCeiling(Number(startLoss), Number(baseline));
      return { ceiling: String(ceiling), epoch: divergenceEpoch(losses.map(Number), ceiling) };
    },
  };
  for (const node of document.querySelectorAll("[data-needs-js]")) node.hidden = false;
  api.pad = drawingPad(document.getElementById("play-draw"), page);
  api.playground = playground(document.getElementById("play-train-box"), page, api.pad);
  api.twins = explore(data, TWINS);
  hintWideTables();
  window.addEventListener("resize", hintWideTables);
  document.addEventListener("toggle", hintWideTables, true);  // a table in a <details> just opened
  document.documentElement.classList.add("js");
}

// A line above every table wider than the page ("scroll sideways"), kept as the width changes: on a phone a table's
// other columns are otherwise out of sight with nothing to say so.
function hintWideTables() {
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    let hint = wrap.previousElementSibling;
    if (!hint || !hint.classList.contains("scroll-hint")) {
      hint = document.createElement("p");
      hint.className = "scroll-hint";
      hint.textContent = "The table is wider than the page: scroll it sideways for its other columns";
      wrap.before(hint);
    }
    hint.hidden = wrap.scrollWidth <= wrap.clientWidth + 1;
  }
}

// For checking the page's curvature against digitnet.nn.curvature and digitnet.nn.flow: at the given weights and
// rows (spec as trainFrom's: layer_sizes, weights, biases, X, labels or Y, activation, out_activation, alpha), the
// Hessian-vector products H v of the directions spec.v (flat lists, pack's order), the spec.k largest eigenvalues
// (Lanczos to a residual of spec.tol times each, 1e-12 if not given), each layer's gradient norm, and the loss.
function curvatureFrom(spec) {
  const s = { alpha: 0, out_activation: "softmax", k: 1, v: [], tol: 1e-12, ...spec }, sizes = s.layer_sizes;
  const k = sizes[sizes.length - 1], n = s.X.length / sizes[0];
  const net = {
    weights: s.weights.map((W, l) => matrix(sizes[l], sizes[l + 1], Float64Array.from(W))),
    biases: s.biases.map(b => Float64Array.from(b)), alpha: s.alpha,
    activation: checkName("activation", s.activation, HIDDEN_ACTIVATIONS),
    outActivation: checkName("out_activation", s.out_activation, OUTPUTS),
  };
  const X = matrix(n, sizes[0], Float64Array.from(s.X)), Y = s.Y ? matrix(n, k, Float64Array.from(s.Y)) : oneHot(s.labels, k);
  const point = curvaturePoint(net, X, Y);
  const products = s.v.map(v => Array.from(hessianVectorProduct(point, Float64Array.from(v))));
  const top = sharpness(point, { k: s.k, tol: s.tol, random: seededRandom(0) });
  return { products: products, sharpness: top.values, iterations: top.iterations, grad_norms: point.gradNorms,
           loss: point.loss };
}

// What trainFrom takes: the network, its rows, and the estimator's parameters under its names.
const SPEC = ["layer_sizes", "weights", "biases", "X", "labels", "Y", "max_iter", "activation", "out_activation",
              "alpha", "batch_size", "solver", "learning_rate_init", "momentum", "nesterovs_momentum", "learning_rate",
              "power_t", "beta_1", "beta_2", "epsilon"];

// For checking the page against digitnet: train a given network on given rows, batches in order (shuffle=False),
// for max_iter epochs, and return each epoch's loss and accuracy (null for a regression), the final weights, and
// the divergence rule's numbers (the starting weights' loss, the constant prediction's, the epoch at which the
// losses diverged or null). spec: layer_sizes, weights and biases (row-major lists), X (scaled rows, row-major),
// labels (class indices, for softmax) or Y (targets, row-major), max_iter, and the estimator's parameters:
// activation, out_activation, alpha, batch_size, solver, learning_rate_init, momentum, nesterovs_momentum,
// learning_rate (the schedule), power_t, beta_1, beta_2, epsilon (those not given: the estimator's defaults).
function trainFrom(spec) {
  const unknown = Object.keys(spec).filter(key => !SPEC.includes(key));
  if (unknown.length) throw new Error(`trainFrom does not take ${unknown.join(", ")}; it takes ${SPEC.join(", ")}`);
  const s = { ...DEFAULTS, out_activation: "softmax", ...spec }, sizes = s.layer_sizes, k = sizes[sizes.length - 1];
  const net = {
    weights: s.weights.map((W, l) => matrix(sizes[l], sizes[l + 1], Float64Array.from(W))),
    biases: s.biases.map(b => Float64Array.from(b)), alpha: s.alpha,
    activation: checkName("activation", s.activation, HIDDEN_ACTIVATIONS),
    outActivation: checkName("out_activation", s.out_activation, OUTPUTS),
  };
  const n = s.X.length / sizes[0], X = matrix(n, sizes[0], Float64Array.from(s.X));
  const Y = s.Y ? matrix(n, k, Float64Array.from(s.Y)) : oneHot(s.labels, k);
  const run = training(net, X, Y, s, null), loss = [], accuracy = [];
  for (let e = 0; e < s.max_iter; e++) {
    const epoch = run.epoch();
    loss.push(epoch.loss);
    accuracy.push(epoch.accuracy);
  }
  return { loss: loss, accuracy: CLASSIFYING_OUTPUTS.includes(net.outActivation) ? accuracy : null,
           weights: net.weights.map(W => Array.from(W.data)), biases: net.biases.map(b => Array.from(b)),
           start_loss: run.startLoss, baseline_loss: run.baseline,
           diverged_at: divergenceEpoch(loss, run.ceiling) };
}
