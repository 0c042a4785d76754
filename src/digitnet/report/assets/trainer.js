// trainer.js: the page's trainer without its controls: a network trained live on the training digits by nn.js's
// training loop, a batch at a time, its history, the curvature and gradient flow every few epochs
// (curvature.js), divergence (nn.js: digitnet.nn.divergence's rule), and the pace it runs at.
//
// The pace: training runs in slices of about SLICE_MS of work, one after the other with no wait between them (a
// message, not a timer: a nested timer of 0 ms waits 4 ms or more), and the page is redrawn at most every
// FRAME_MS (10 times a second), not after every epoch: as fast as it computes, or at a
// chosen number of epochs (or batches) per second, the batches spread evenly over each second. A sharpness is some
// Hessian-vector products of about two gradients each; they are taken one per step of the same loop, between
// redraws, while the weights stay where the measurement started.

import { formatNumber } from "digitnet/charts.js";
import { curvaturePoint, lanczos, stabilityThreshold } from "digitnet/curvature.js";
import {
  DIVERGENCE_FACTOR, computeLoss, countCorrect, forwardPass, hasDiverged, initializeWeights, seededRandom, training,
} from "digitnet/nn.js";

export const SLICE_MS = 60;
export const FRAME_MS = 100;
//: The Lanczos iterations of a live sharpness: stop when the Ritz residual is below TOLERANCE times the value
//: (its error is then about the residual squared over the gap: far below what a chart shows), or after MAX_PRODUCTS.
const TOLERANCE = 1e-4, MAX_PRODUCTS = 60;

// The numbers of the rows X (targets Y) under the network: its loss (with the L2 term) and accuracy.
function score(net, rows) {
  const P = forwardPass(rows.X, net.weights, net.biases, net.activation, net.outActivation)[net.weights.length];
  return { loss: computeLoss(rows.Y, P, net.weights, net.alpha, net.outActivation),
           accuracy: countCorrect(rows.Y, P, net.outActivation) / rows.X.rows };
}

// page: the training and validation rows ({X, Y}); settingsNow(): the settings (playground.js's); onDraw(): redraw.
// pace: {perSecond: null (as fast as it computes) or a number, unit: "epoch" or "batch"}; curvatureEvery: 0 (off)
// or k, a measurement at the start and after every k epochs.
export function makeTrainer(page, settingsNow, onDraw) {
  const train = page.train, val = page.val;
  const t = { history: null, curvature: null, net: null, running: false, diverged: null, done: false, startLoss: null,
              baseline: null, ceiling: null, lastLoss: null, start: null, settings: null, run: null,
              pace: { perSecond: null, unit: "epoch" }, curvatureEvery: 2, computeSeconds: 0, draws: 0,
              drawSeconds: 0 };
  let s, run, timer = null, pending = null, paceStart = 0, paced = 0, lastDraw = -Infinity, vector = null;

  t.reset = function () {
    t.pause();
    s = t.settings = settingsNow();
    const random = seededRandom(s.seed);
    const sizes = [train.X.cols, ...s.hidden_layer_sizes.split("-").map(Number), train.Y.cols];
    const init = initializeWeights(sizes, s.activation, s.weight_init, random);
    t.net = { weights: init.weights, biases: init.biases, activation: s.activation, outActivation: "softmax",
              alpha: s.alpha };
    run = t.trainingRun = training(t.net, train.X, train.Y, s, random);  // the same stream then shuffles every epoch
    t.history = { loss: [], accuracy: [], val_loss: [], val_accuracy: [] };
    t.curvature = { epochs: [], sharpness: [], threshold: [], gradNorms: [], loss: [], products: 0, label: null };
    t.diverged = null; t.done = false; t.lastLoss = null; t.computeSeconds = 0;
    t.startLoss = run.startLoss; t.baseline = run.baseline; t.ceiling = run.ceiling;
    const valStart = score(t.net, val);  // epoch 0: the starting weights
    t.start = { loss: run.startLoss, accuracy: score(t.net, train).accuracy, val_loss: valStart.loss,
                val_accuracy: valStart.accuracy };
    pending = null; vector = null;
    if (t.curvatureEvery) measureCurvature(0);
  };
  t.epochs = () => t.history.loss.length;
  // Where the current epoch is: batches done, of how many.
  t.position = () => ({ epoch: t.epochs(), batch: run.batch, batches: run.batches });
  t.rate = () => run.optimizer.rate();

  // Train on the next batch; at the end of an epoch, score the validation rows, check for divergence, and start
  // a curvature measurement when one is due. False when nothing could be trained (a measurement is under way, or
  // training has ended).
  t.batch = function () {
    if (pending || t.diverged || t.done) return false;
    const ended = run.step();
    if (ended) endEpoch(ended.loss, ended.accuracy);
    return true;
  };
  function endEpoch(loss, accuracy) {
    const h = t.history;
    if (hasDiverged(loss, t.ceiling)) {
      t.diverged = h.loss.length + 1; t.lastLoss = loss;
      t.pause();
      return;
    }
    const valNow = score(t.net, val);
    h.loss.push(loss); h.accuracy.push(accuracy);
    h.val_loss.push(valNow.loss); h.val_accuracy.push(valNow.accuracy);
    if (h.loss.length >= s.max_iter) { t.done = true; }
    const e = h.loss.length;
    if (t.curvatureEvery && (e % t.curvatureEvery === 0 || t.done)) measureCurvature(e);
    if (t.done && !pending) t.pause();
  }
  // A measurement at the weights as they are now (after `epoch` epochs): each layer's gradient norm at once, the
  // sharpness over the next steps (one Hessian-vector product each; training waits for it).
  function measureCurvature(epoch) {
    const point = curvaturePoint(t.net, train.X, train.Y), c = t.curvature;
    c.epochs.push(epoch); c.gradNorms.push(point.gradNorms); c.loss.push(point.loss);
    const threshold = stabilityThreshold(s, run.optimizer.rate());
    c.threshold.push(threshold ? threshold.value : null);
    c.label = threshold ? threshold.label : null;
    c.sharpness.push(NaN);  // until Lanczos is done
    pending = { epoch: epoch, point: point, steps: lanczos(point, { tol: TOLERANCE, maxIter: MAX_PRODUCTS, start: vector,
                                                                      random: seededRandom(s.seed + 1) }) };
  }
  // One step of the pending measurement (one product); true while it needs more.
  function curvatureStep() {
    let result;
    try {
      result = pending.steps.next();
    } catch (error) {  // products that are not finite: no sharpness there
      result = { done: true, value: null };
    }
    if (!result.done) return true;
    const c = t.curvature;
    if (result.value) {
      c.sharpness[c.sharpness.length - 1] = result.value.values[0];
      vector = result.value.vector;  // the next measurement starts from this direction
    }
    c.products += pending.point.products;
    pending = null;
    if (t.done) t.pause();
    return false;
  }
  t.measuring = () => pending !== null;
  t.finishCurvature = function () { while (pending) curvatureStep(); };

  t.epoch = function () {
    t.finishCurvature();
    if (t.diverged || t.done) return;
    const e = t.epochs();
    while (t.epochs() === e && !t.diverged && t.batch()) { /* the rest of the epoch */ }
    t.finishCurvature();
  };
  t.step = function () {  // one batch, and the measurement that may follow it
    t.finishCurvature();
    t.batch();
    t.finishCurvature();
  };

  // Batches the pace allows by now (counted from paceStart): all of them when it is as fast as it computes.
  const batchesPerSecond = () => (t.pace.unit === "batch" ? t.pace.perSecond : t.pace.perSecond * run.batches);
  function allowed(now) {
    if (!t.pace.perSecond) return Infinity;
    return Math.floor((now - paceStart) / 1000 * batchesPerSecond()) + 1;
  }
  function tick() {
    timer = null;
    if (!t.running) return;
    const began = performance.now(), sliceEnd = began + SLICE_MS;
    let now = began;
    while (t.running && now < sliceEnd) {
      if (pending) {
        const before = now;
        curvatureStep();
        now = performance.now();
        paceStart += now - before;  // a measurement does not count against the pace
        continue;
      }
      if (paced >= allowed(now)) break;
      if (!t.batch()) break;
      paced += 1;
      now = performance.now();
    }
    t.computeSeconds += (now - began) / 1000;
    if (now - lastDraw >= FRAME_MS || !t.running) draw(now);
    if (!t.running) return;
    const next = allowed(now) > paced || pending ? 0 : nextDue(now);
    schedule(next);
  }
  // The next slice: at once through a message (a timer of 0 ms waits 4 ms or more once nested), or after a delay.
  const channel = new MessageChannel();
  channel.port1.onmessage = () => { if (timer === "message") { timer = null; tick(); } };
  function schedule(delay) {
    if (delay > 0) {
      timer = setTimeout(tick, delay);
    } else {
      timer = "message";
      channel.port2.postMessage(null);
    }
  }
  function nextDue(now) {
    return Math.max(0, Math.min(FRAME_MS, paceStart + paced / batchesPerSecond() * 1000 - now));
  }
  function draw(now) {
    lastDraw = now;
    t.draws += 1;
    onDraw();
    t.drawSeconds += (performance.now() - now) / 1000;
  }
  t.run = function () {
    if (t.diverged || t.done) t.reset();
    t.running = true;
    paceStart = performance.now();
    paced = 0;
    lastDraw = -Infinity;
    schedule(0);
  };
  t.setPace = function (perSecond, unit = "epoch") {
    t.pace = { perSecond: perSecond, unit: unit };
    paceStart = performance.now();
    paced = 0;
  };
  t.divergence = function () {  // as digitnet.nn.divergence's DivergenceRule.describe says it
    const start = formatNumber(t.startLoss);
    if (!isFinite(t.startLoss)) return `the loss of the starting weights is already ${start}, before any update`;
    if (!isFinite(t.lastLoss)) return `the loss became ${t.lastLoss} (from ${start} with the starting weights)`;
    return `the loss rose from ${start} with the starting weights to ${formatNumber(t.lastLoss)}, more than`
      + ` ${DIVERGENCE_FACTOR} times ` + (!(t.baseline > t.startLoss) ? "as much"
                                            : `${formatNumber(t.baseline)}, the loss of a constant prediction`);
  };
  t.pause = function () { t.running = false; if (timer !== null && timer !== "message") clearTimeout(timer); timer = null; };
  return t;
}
