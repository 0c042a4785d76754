// nn.js: the network of digitnet.nn (activations.py, network.py, optimizers.py, divergence.py) in JavaScript,
// under the names of digitnet's estimator (NumpyMLPClassifier, NumpyMLPRegressor): its activations, outputs,
// initialisations, solvers and their parameters, learning rate schedules.
//
// The same formulas as the Python, on Float64Arrays (JavaScript numbers are IEEE doubles, as NumPy's
// float64): the test suite checks, for every activation, output and optimizer, that 20 epochs here give the
// estimator's losses and weights from the same starting weights (1e-9), and that predictProba gives
// predict_proba's probabilities (tests/report/test_browser_nn.py). Each sum of a matrix product runs over its
// terms in order, as the textbook loop would; only which sums are computed together is arranged for speed.
//
// A matrix is {rows, cols, data}, stored row by row; a batch is a matrix with one row per row of data:
// Z[l] = A[l-1] W[l] + b[l], W[l] of shape (n[l-1], n[l]). Layers are numbered from 1 in the
// comments (as in the formulas) and from 0 in the arrays: weights[l - 1] is W[l]. Targets Y are a matrix
// too: one-hot rows for softmax, 0/1 indicators for logistic units, values for a regression.
//
// Speed (benchmarks/bench_page.py times an epoch here against NumPy's): one blocked kernel computes every
// matrix product (product: two rows by four columns of the result at a time, from eight running sums, each
// operand read in place through its strides, nothing transposed or copied), and training reuses its arrays from
// batch to batch (a workspace) instead of allocating new ones.

//: The names the estimator takes (tests/report/test_browser_nn.py checks them against its parameters).
export const HIDDEN_ACTIVATIONS = ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu"];
export const OUTPUTS = ["softmax", "logistic", "identity", "exp"];  // exp: Poisson regression's output
export const CLASSIFYING_OUTPUTS = ["softmax", "logistic"];
export const WEIGHT_INITS = ["glorot", "he", "small_normal"];
export const SOLVERS = ["sgd", "adam"];
// "adaptive" needs the estimator's stopping rule, which the page does not have.
export const SCHEDULES = ["constant", "invscaling"];
//: The estimator's defaults for what the page does not always set.
export const DEFAULTS = {
  activation: "relu", weight_init: "glorot", solver: "adam", learning_rate_init: 0.001, momentum: 0.9,
  nesterovs_momentum: true, learning_rate: "constant", power_t: 0.5, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-8,
  alpha: 0.0001, batch_size: "auto",
};

export function matrix(rows, cols, data) {
  return { rows: rows, cols: cols, data: data || new Float64Array(rows * cols) };
}

// C[r][s] = sum_t P[r pr + t pt] Q[s qs + t qt] for t = 0, 1, ..., len - 1, in order: the products of matrices,
// each operand read where it is, row by row or column by column as the strides say (C: nr rows of ns, stored row
// by row). Two rows of P against four of Q at a time, from eight running sums: each number read serves two or four
// products. With A of shape (n, k), W (k, m), D (n, m), all stored row by row:
//   A W      product(A, n, k, 1,  W, m, 1, m,  k, C)        (C[i][j] = sum_p A[i][p] W[p][j])
//   A^T D    product(A, k, 1, k,  D, m, 1, m,  n, C)        (C[p][j] = sum_i A[i][p] D[i][j])
//   D W^T    product(D, n, m, 1,  W, k, m, 1,  m, C)        (C[i][p] = sum_j D[i][j] W[p][j])
export function product(P, nr, pr, pt, Q, ns, qs, qt, len, C) {
  let r = 0;
  for (; r + 1 < nr; r += 2) {
    const o0 = r * ns, o1 = o0 + ns;
    let s = 0;
    for (; s + 3 < ns; s += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0, p = r * pr, q = s * qs;
      for (let t = 0; t < len; t++, p += pt, q += qt) {
        const x0 = P[p], x1 = P[p + pr], y0 = Q[q], y1 = Q[q + qs], y2 = Q[q + 2 * qs], y3 = Q[q + 3 * qs];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
      }
      C[o0 + s] = c00; C[o0 + s + 1] = c01; C[o0 + s + 2] = c02; C[o0 + s + 3] = c03;
      C[o1 + s] = c10; C[o1 + s + 1] = c11; C[o1 + s + 2] = c12; C[o1 + s + 3] = c13;
    }
    for (; s < ns; s++) {
      let c0 = 0, c1 = 0, p = r * pr, q = s * qs;
      for (let t = 0; t < len; t++, p += pt, q += qt) { const y = Q[q]; c0 += P[p] * y; c1 += P[p + pr] * y; }
      C[o0 + s] = c0; C[o1 + s] = c1;
    }
  }
  for (; r < nr; r++) {
    for (let s = 0; s < ns; s++) {
      let c = 0, p = r * pr, q = s * qs;
      for (let t = 0; t < len; t++, p += pt, q += qt) c += P[p] * Q[q];
      C[r * ns + s] = c;
    }
  }
  return C;
}

// ---------------------------------------------------------------------------------------------
// Activations, each next to its derivative read from the output a = f(z) (activations.py).

const LEAKY_SLOPE = 0.01;

function sigmoid1(z) {  // e / (1 + e) with e = exp(-|z|) for z < 0, 1 / (1 + e) otherwise: never overflows
  const e = Math.exp(-Math.abs(z));
  return (z < 0 ? e : 1) / (e + 1);
}

const ACTIVATIONS = {
  identity: z => z,
  logistic: sigmoid1,
  tanh: z => Math.tanh(z),
  relu: z => Math.max(z, 0),
  leaky_relu: z => Math.max(z, LEAKY_SLOPE * z),
  elu: z => Math.max(z, 0) + Math.expm1(Math.min(z, 0)),  // z if z > 0 else e^z - 1
  exp: z => Math.exp(z),  // output only (Poisson regression): a large z gives Infinity, and divergence
};

// delta * f'(z), f' read from a = f(z): the same multiplications, in the same order, as activations.py
// applies them to delta in place.
const TIMES_DERIVATIVE = {
  identity: (d, a) => d,
  logistic: (d, a) => (d * a) * (1 - a),       // f' = a (1 - a)
  tanh: (d, a) => d * (1 - a * a),             // f' = 1 - a^2
  relu: (d, a) => d * (a > 0 ? 1 : 0),         // f' = 1 if a > 0 else 0
  leaky_relu: (d, a) => d * Math.max(Math.sign(a), LEAKY_SLOPE),
  elu: (d, a) => d * Math.min(a + 1, 1),       // a + 1 = e^z below 0, so f' = min(a + 1, 1)
};

// softmax(z)_k = exp(z_k - max z) / sum_j exp(z_j - max z), row by row, in place.
function softmaxRows(Z) {
  const z = Z.data, k = Z.cols;
  for (let i = 0; i < Z.rows; i++) {
    let top = -Infinity;
    for (let j = 0; j < k; j++) top = Math.max(top, z[i * k + j]);
    let sum = 0;
    for (let j = 0; j < k; j++) {
      z[i * k + j] = Math.exp(z[i * k + j] - top);
      sum += z[i * k + j];
    }
    for (let j = 0; j < k; j++) z[i * k + j] /= sum;
  }
  return Z;
}

// ---------------------------------------------------------------------------------------------
// Forward pass, loss, backward pass (network.py).

// The arrays of a forward and a backward pass over n rows, made once and reused batch after batch: the layers'
// outputs A[l] (A[0] the rows; Z[l] becomes A[l] in place) and the deltas.
export function workspace(layerSizes, n, X = null) {
  const L = layerSizes.length - 1, ws = { n: n, Y: matrix(n, layerSizes[L]), A: [X || matrix(n, layerSizes[0])], delta: [] };
  for (let l = 1; l <= L; l++) {
    ws.A.push(matrix(n, layerSizes[l]));
    ws.delta.push(matrix(n, layerSizes[l]));
  }
  return ws;
}

// A[0] = X; Z[l] = A[l-1] W[l] + b[l]; A[l] = f(Z[l]) for hidden layers, the output activation for the last,
// into the workspace's arrays (ws.A[0] holds the rows).
export function forwardInto(ws, weights, biases, activation, outActivation = "softmax") {
  const f = ACTIVATIONS[activation], out = ACTIVATIONS[outActivation], n = ws.n, L = weights.length;
  for (let l = 0; l < L; l++) {
    const W = weights[l], k = W.rows, m = W.cols, Z = ws.A[l + 1], z = Z.data, b = biases[l];
    product(ws.A[l].data, n, k, 1, W.data, m, 1, m, k, z);
    const g = l < L - 1 ? f : outActivation === "softmax" ? null : out;
    for (let i = 0; i < n; i++) {
      const row = i * m;
      if (g) for (let j = 0; j < m; j++) z[row + j] = g(z[row + j] + b[j]);
      else for (let j = 0; j < m; j++) z[row + j] += b[j];
    }
    if (!g) softmaxRows(Z);
  }
  return ws.A;
}

// The layers' outputs [X, A[1], ..., A[L]] of the rows X, in new arrays.
export function forwardPass(X, weights, biases, activation, outActivation = "softmax") {
  const sizes = [X.cols, ...weights.map(W => W.cols)];
  return forwardInto(workspace(sizes, X.rows, X), weights, biases, activation, outActivation);
}

const EPS = 2.220446049250313e-16;  // np.finfo(float64).eps: probabilities are clipped to [eps, 1 - eps]
const clip = p => Math.min(Math.max(p, EPS), 1 - EPS);

// scipy.special.xlogy: x log y, 0 where x = 0 (unless y is NaN).
const xlogy = (x, y) => (x === 0 && !Number.isNaN(y) ? 0 : x * Math.log(y));

// Each row's loss l_i from its targets y and outputs p (k of each, from position o), as network.per_sample_loss:
// cross-entropy (softmax: of the true class; logistic: summed over the units), half the mean squared error
// (identity), half the Poisson deviance (exp).
const ROW_LOSS = {
  softmax: (y, p, o, k) => {
    let pTrue = 0;
    for (let j = o; j < o + k; j++) pTrue += y[j] * p[j];
    return -Math.log(clip(pTrue));
  },
  logistic: (y, p, o, k) => {
    let sum = 0;
    for (let j = o; j < o + k; j++) sum += y[j] * Math.log(clip(p[j])) + (1 - y[j]) * Math.log1p(-clip(p[j]));
    return -sum;
  },
  identity: (y, p, o, k) => {
    let sum = 0;
    for (let j = o; j < o + k; j++) sum += (y[j] - p[j]) ** 2;
    return 0.5 * (sum / k);
  },
  exp: (y, p, o, k) => {
    let sum = 0;
    for (let j = o; j < o + k; j++) sum += xlogy(y[j], y[j] / p[j]) - y[j] + p[j];
    return sum;
  },
};

// The mean loss of the rows, plus alpha / (2 n) sum_l ||W[l]||^2 (network.compute_loss).
export function computeLoss(Y, P, weights, alpha, outActivation = "softmax") {
  const rowLoss = ROW_LOSS[outActivation], k = P.cols;
  let total = 0;
  for (let i = 0; i < P.rows; i++) total += rowLoss(Y.data, P.data, i * k, k);
  let loss = total / P.rows;
  if (alpha) loss += 0.5 * alpha * squaredWeights(weights) / P.rows;
  return loss;
}

function squaredWeights(weights) {
  let sum = 0;
  for (const W of weights) {
    const w = W.data;
    let s = 0;
    for (let i = 0; i < w.length; i++) s += w[i] * w[i];
    sum += s;
  }
  return sum;
}

// delta[L] = A[L] - Y (each output with its own loss); then, going back from l = L to 1:
//   dW[l] = (A[l-1]^T delta[l] + alpha W[l]) / n,  db[l] = sum_i delta[l]_i / n,
//   delta[l-1] = (delta[l] W[l]^T) * f'(Z[l-1])   (f' read from A[l-1]),
// from the workspace's forward pass and its targets ws.Y, into weightGrads and biasGrads (arrays per layer).
export function backwardInto(ws, weights, activation, alpha, weightGrads, biasGrads) {
  const L = weights.length, n = ws.n, timesFPrime = TIMES_DERIVATIVE[activation];
  let delta = ws.delta[L - 1].data;
  const out = ws.A[L].data, y = ws.Y.data;
  for (let i = 0; i < delta.length; i++) delta[i] = out[i] - y[i];
  for (let l = L - 1; l >= 0; l--) {
    const W = weights[l].data, k = weights[l].rows, m = weights[l].cols, gW = weightGrads[l], gb = biasGrads[l];
    product(ws.A[l].data, k, 1, k, delta, m, 1, m, n, gW);
    for (let i = 0; i < gW.length; i++) gW[i] = (alpha ? gW[i] + alpha * W[i] : gW[i]) / n;
    gb.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0, row = i * m; j < m; j++) gb[j] += delta[row + j];
    for (let j = 0; j < m; j++) gb[j] /= n;
    if (l > 0) {
      const back = product(delta, n, m, 1, W, k, m, 1, m, ws.delta[l - 1].data), a = ws.A[l].data;
      for (let i = 0; i < back.length; i++) back[i] = timesFPrime(back[i], a[i]);
      delta = back;
    }
  }
  return { weightGrads: weightGrads, biasGrads: biasGrads };
}

// The gradient of computeLoss from a forward pass (forwardPass's list) and the targets Y, in new arrays.
export function backwardPass(activations, Y, weights, activation, alpha) {
  const sizes = activations.map(A => A.cols), ws = workspace(sizes, Y.rows, activations[0]);
  ws.A = activations;
  ws.Y = Y;
  return backwardInto(ws, weights, activation, alpha, weights.map(W => new Float64Array(W.data.length)),
                      weights.map(W => new Float64Array(W.cols)));
}

export function argmax(values, start, length) {
  let best = 0;
  for (let j = 1; j < length; j++) if (values[start + j] > values[start + best]) best = j;
  return best;
}

// The rows predicted right (network.count_correct): softmax, the largest output is the true class; logistic
// units, each p > 0.5 where its target is 1. A regression has none to count (null).
export function countCorrect(Y, P, outActivation = "softmax") {
  const k = P.cols;
  let n = 0;
  if (outActivation === "softmax") {
    for (let i = 0; i < P.rows; i++) if (argmax(P.data, i * k, k) === argmax(Y.data, i * k, k)) n++;
  } else if (outActivation === "logistic") {
    for (let i = 0; i < P.rows; i++) {
      let right = true;
      for (let j = i * k; j < (i + 1) * k; j++) right = right && (P.data[j] > 0.5) === (Y.data[j] > 0.5);
      if (right) n++;
    }
  } else {
    return null;
  }
  return n;
}

// The one-hot targets of class indices 0..k-1.
export function oneHot(labels, k) {
  const Y = matrix(labels.length, k);
  for (let i = 0; i < labels.length; i++) Y.data[i * k + labels[i]] = 1;
  return Y;
}

// ---------------------------------------------------------------------------------------------
// Optimizers over every parameter array (optimizers.py): step(grads) updates params in place;
// iterationEnds(t) runs the learning rate schedule after an epoch, t the rows seen so far; rate() is the rate now.

// v <- mu v - lr g; theta <- theta + v (classical), theta + mu v - lr g (Nesterov).
// Schedules: constant; invscaling, lr = lr0 / (t + 1)^power_t after each epoch.
function SGD(params, learningRate, momentum, nesterov, schedule, powerT) {
  const velocity = params.map(p => new Float64Array(p.length));
  let rate = learningRate;
  return {
    step(grads) {
      for (let a = 0; a < params.length; a++) {
        const p = params[a], g = grads[a], v = velocity[a];
        for (let i = 0; i < p.length; i++) {
          const lrGrad = g[i] * rate;
          v[i] = v[i] * momentum - lrGrad;
          p[i] += nesterov ? v[i] * momentum - lrGrad : v[i];
        }
      }
    },
    iterationEnds(t) {
      if (schedule === "invscaling") rate = learningRate / (t + 1) ** powerT;
    },
    rate: () => rate,  // the step size the next step takes
  };
}

// m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; theta <- theta - lr_t m / (sqrt(v) + eps),
// lr_t = lr sqrt(1 - b2^t) / (1 - b1^t).
function Adam(params, learningRate, beta1, beta2, epsilon) {
  const m = params.map(p => new Float64Array(p.length)), v = params.map(p => new Float64Array(p.length));
  let t = 0;
  return {
    step(grads) {
      t += 1;
      const lrT = learningRate * Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t);
      for (let a = 0; a < params.length; a++) {
        const p = params[a], g = grads[a], ma = m[a], va = v[a];
        for (let i = 0; i < p.length; i++) {
          ma[i] = ma[i] * beta1 + g[i] * (1 - beta1);
          va[i] = va[i] * beta2 + g[i] * g[i] * (1 - beta2);
          p[i] += (ma[i] * -lrT) / (Math.sqrt(va[i]) + epsilon);
        }
      }
    },
    iterationEnds() {},
    rate: () => learningRate,  // the base rate (each step scales it by lr_t / lr and by 1 / (sqrt(v) + eps))
  };
}

// A name that must be one of a list, or an error that says which ones are.
export function checkName(what, value, allowed) {
  if (!allowed.includes(value)) {
    throw new Error(`${what} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value;
}

// The optimizer over every weight and bias of net (the order of network.pack), from the estimator's
// parameters (solver, learning_rate_init, momentum, nesterovs_momentum, learning_rate, power_t, beta_1,
// beta_2, epsilon); those not given take the estimator's defaults.
export function makeOptimizer(net, settings) {
  const s = { ...DEFAULTS, ...settings }, params = net.weights.map(W => W.data).concat(net.biases);
  checkName("solver", s.solver, SOLVERS);
  if (s.solver === "adam") return Adam(params, s.learning_rate_init, s.beta_1, s.beta_2, s.epsilon);
  checkName("learning_rate (the schedule)", s.learning_rate, SCHEDULES);
  return SGD(params, s.learning_rate_init, s.momentum, Boolean(s.nesterovs_momentum), s.learning_rate, s.power_t);
}

// ---------------------------------------------------------------------------------------------
// Divergence (divergence.py): the rule of digitnet.nn.divergence, tested equal to it. Training has
// diverged at the first epoch whose loss is not finite or above DIVERGENCE_FACTOR times the larger of
// the starting weights' loss and the loss of the best constant prediction; if the starting loss is not
// finite, at once.

export const DIVERGENCE_FACTOR = 10;

// The rows [start, stop) of X and Y (in ``order``, if given) into a workspace of stop - start rows.
export function rowsInto(ws, X, Y, order, start, stop) {
  const x = ws.A[0].data, y = ws.Y.data, p = X.cols, k = Y.cols;
  const xs = X.data, ys = Y.data;
  for (let r = start; r < stop; r++) {
    const from = order ? order[r] : r, to = r - start;
    for (let j = 0; j < p; j++) x[to * p + j] = xs[from * p + j];
    for (let j = 0; j < k; j++) y[to * k + j] = ys[from * k + j];
  }
  return ws;
}

// A workspace for each batch size a network meets (the full batches, and a shorter last one): made when first asked.
function workspaces(net, X, Y) {
  const sizes = [X.cols, ...net.weights.map(W => W.cols)], made = new Map();
  return n => made.get(n) || made.set(n, workspace(sizes, n)).get(n);
}

// The loss of the starting weights before any update, as an epoch records it (training.starting_loss):
// the batches in order, each batch's loss with its L2 term, weighted by the batch's size.
export function startingLoss(net, X, Y, batchSize, spaces = workspaces(net, X, Y)) {
  let total = 0;
  for (let start = 0; start < X.rows; start += batchSize) {
    const stop = Math.min(start + batchSize, X.rows), ws = rowsInto(spaces(stop - start), X, Y, null, start, stop);
    const activations = forwardInto(ws, net.weights, net.biases, net.activation, net.outActivation);
    total += computeLoss(ws.Y, activations[activations.length - 1], net.weights, net.alpha, net.outActivation)
      * (stop - start);
  }
  return total / X.rows;
}

// The loss of the best constant prediction, every row given the mean of the targets (divergence.baseline_loss):
// for softmax the class frequencies, and the loss the labels' entropy.
export function baselineLoss(Y, outActivation = "softmax") {
  const mean = new Float64Array(Y.cols);
  for (let i = 0; i < Y.data.length; i++) mean[i % Y.cols] += Y.data[i];
  for (let j = 0; j < Y.cols; j++) mean[j] /= Y.rows;
  const constant = matrix(Y.rows, Y.cols);
  for (let i = 0; i < constant.data.length; i++) constant.data[i] = mean[i % Y.cols];
  return computeLoss(Y, constant, [], 0, outActivation);
}

// The largest loss that has not diverged (NaN: every loss has, the starting loss not being finite).
export function divergenceCeiling(startLoss, baseline) {
  if (!isFinite(startLoss)) return NaN;
  return DIVERGENCE_FACTOR * Math.max(startLoss, isFinite(baseline) ? baseline : 0);
}

export function hasDiverged(loss, ceiling) {
  return !(isFinite(loss) && loss <= ceiling);
}

// The first epoch (counted from 1) whose loss has diverged, or null.
export function divergenceEpoch(losses, ceiling) {
  for (let e = 0; e < losses.length; e++) if (hasDiverged(losses[e], ceiling)) return e + 1;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Training (training.py, estimator/base.py): one loop for the playground and for the tests.

// Rows per step: "auto" is min(200, n) (the estimator's default), "all" every row, a number clipped to [1, n].
export function batchRows(batchSize, n) {
  if (batchSize === "auto") return Math.min(200, n);
  if (batchSize === "all") return n;
  return Math.min(Math.max(Math.floor(batchSize), 1), n);
}

// Training of net on the rows X with targets Y, a batch at a time. settings: the optimizer's (see
// makeOptimizer) and batch_size; shuffle: a random() to draw each epoch's order from, or null (rows in order).
// Before the first update it takes the divergence rule's numbers (startLoss, baseline, ceiling). step() trains on
// the next batch: the loss of each batch is taken before its step, and at the end of an epoch step() returns the
// epoch's mean loss (weighted by batch size: loss_curve_'s entry) and the accuracy of the rows as they were
// trained on (null for a regression), and the schedule runs; otherwise it returns null.
export function training(net, X, Y, settings, shuffle) {
  const n = X.rows, size = batchRows(settings.batch_size === undefined ? DEFAULTS.batch_size : settings.batch_size, n);
  const optimizer = makeOptimizer(net, settings), spaces = workspaces(net, X, Y);
  const weightGrads = net.weights.map(W => new Float64Array(W.data.length));
  const biasGrads = net.biases.map(b => new Float64Array(b.length)), grads = weightGrads.concat(biasGrads);
  const startLoss = startingLoss(net, X, Y, size, spaces), baseline = baselineLoss(Y, net.outActivation);
  let start = 0, total = 0, correct = 0, seen = 0, order = null;
  const t = { startLoss: startLoss, baseline: baseline, ceiling: divergenceCeiling(startLoss, baseline),
              batches: Math.ceil(n / size), batch: 0, optimizer: optimizer };
  t.step = function () {
    if (start === 0) {
      order = shuffle ? permutation(n, shuffle) : null;
      total = 0;
      correct = 0;
    }
    const stop = Math.min(start + size, n), ws = rowsInto(spaces(stop - start), X, Y, order, start, stop);
    const activations = forwardInto(ws, net.weights, net.biases, net.activation, net.outActivation);
    const P = activations[activations.length - 1];
    total += computeLoss(ws.Y, P, net.weights, net.alpha, net.outActivation) * (stop - start);
    correct += countCorrect(ws.Y, P, net.outActivation) || 0;  // none for a regression
    backwardInto(ws, net.weights, net.activation, net.alpha, weightGrads, biasGrads);
    optimizer.step(grads);
    start = stop;
    t.batch = Math.ceil(start / size) % t.batches;  // batches of the epoch done (0 when it ends)
    if (start < n) return null;
    start = 0;
    seen += n;
    optimizer.iterationEnds(seen);
    return { loss: total / n, accuracy: CLASSIFYING_OUTPUTS.includes(net.outActivation) ? correct / n : null };
  };
  t.epoch = function () {
    let ended = null;
    while (ended === null) ended = t.step();
    return ended;
  };
  return t;
}

// ---------------------------------------------------------------------------------------------
// Starting weights (network.py's initialize_weights), from the page's own seeded generator (NumPy's draws
// cannot be made here: the tests give the page the starting weights).

// mulberry32: a small seeded generator of uniform numbers in [0, 1).
export function seededRandom(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A standard normal number (Box-Muller, from two uniform ones; 1 - u is in (0, 1], so its log is finite).
function normal(random) {
  const u = 1 - random(), v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

// The weights of every layer, by method:
//   glorot (scikit-learn's): W, b ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out)) (sqrt(2 / ...) for logistic units);
//   he: W ~ N(0, 2 / fan_in), b = 0;   small_normal: W ~ 0.01 N(0, 1), b = 0.
export function initializeWeights(layerSizes, activation, method, random) {
  checkName("weight_init", method, WEIGHT_INITS);
  const weights = [], biases = [];
  for (let l = 1; l < layerSizes.length; l++) {
    const fanIn = layerSizes[l - 1], fanOut = layerSizes[l];
    const W = matrix(fanIn, fanOut), b = new Float64Array(fanOut);
    if (method === "glorot") {
      const bound = Math.sqrt((activation === "logistic" ? 2 : 6) / (fanIn + fanOut));
      for (let i = 0; i < W.data.length; i++) W.data[i] = (2 * random() - 1) * bound;
      for (let i = 0; i < b.length; i++) b[i] = (2 * random() - 1) * bound;
    } else {
      const sd = method === "he" ? Math.sqrt(2 / fanIn) : 0.01;
      for (let i = 0; i < W.data.length; i++) W.data[i] = normal(random) * sd;
    }
    weights.push(W);
    biases.push(b);
  }
  return { weights: weights, biases: biases };
}

// A random order of n rows (Fisher-Yates), for shuffling every epoch.
export function permutation(n, random) {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1)), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

// ---------------------------------------------------------------------------------------------
// A model file's network: raw pixels in, scaled like the training rows.

// x -> (x - mean) / scale, feature by feature: StandardScaler.transform, for rows of raw pixels.
export function scaleRows(rows, mean, scale) {
  const k = mean.length, X = matrix(rows.length / k, k);
  for (let i = 0; i < rows.length; i++) X.data[i] = (rows[i] - mean[i % k]) / scale[i % k];
  return X;
}

// model: layer_sizes, members (each network's weights and biases, row-major lists), activation, out_activation
// (page_data.model_json); member: which network (a model written before ensembles has its weights and biases
// itself).
export function netFromModel(model, member = 0) {
  const net = model.members ? model.members[member] : model;
  return {
    weights: net.weights.map((W, l) => matrix(model.layer_sizes[l], model.layer_sizes[l + 1], Float64Array.from(W))),
    biases: net.biases.map(b => Float64Array.from(b)),
    activation: checkName("activation", model.activation, HIDDEN_ACTIVATIONS),
    outActivation: checkName("out_activation", model.out_activation || "softmax", OUTPUTS),
    alpha: 0,
  };
}

// Every network of a model (one, or an ensemble's members: DigitsClassifier averages their probabilities).
export function netsFromModel(model) {
  return (model.members || [model]).map((_, k) => netFromModel(model, k));
}
