// nn.js: the network of digitnet.nn (network.py, training.py, optimizers.py) in JavaScript.
//
// The same operations in the same order as the Python, on Float64Arrays (JavaScript numbers are
// IEEE doubles, as NumPy's float64): the test suite checks that predictProba gives predict_proba's
// probabilities and that trainEpoch follows digitnet's training to 1e-9.
//
// A matrix is {rows, cols, data}, stored row by row; a batch is a matrix with one row per digit:
// Z[l] = A[l-1] W[l] + b[l], W[l] of shape (n[l-1], n[l]). Layers are numbered from 1 in the
// comments (as in the formulas) and from 0 in the arrays: weights[l - 1] is W[l].

function matrix(rows, cols, data) {
  return { rows: rows, cols: cols, data: data || new Float64Array(rows * cols) };
}

// C = A B, A of shape (n, k), B of shape (k, m).
function matmul(A, B) {
  const C = matrix(A.rows, B.cols), a = A.data, b = B.data, c = C.data, k = A.cols, m = B.cols;
  for (let i = 0; i < A.rows; i++) {
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p];
      if (x === 0) continue;  // relu units are often 0: adding 0 * w changes nothing
      for (let j = 0; j < m; j++) c[i * m + j] += x * b[p * m + j];
    }
  }
  return C;
}

// C = A^T B, A of shape (n, k), B of shape (n, m): the weight gradient A[l-1]^T delta[l].
function matmulTA(A, B) {
  const C = matrix(A.cols, B.cols), a = A.data, b = B.data, c = C.data, k = A.cols, m = B.cols;
  for (let i = 0; i < A.rows; i++) {
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p];
      if (x === 0) continue;
      for (let j = 0; j < m; j++) c[p * m + j] += x * b[i * m + j];
    }
  }
  return C;
}

// C = A B^T, A of shape (n, m), B of shape (k, m): delta[l] W[l]^T, the error sent back a layer.
function matmulBT(A, B) {
  const C = matrix(A.rows, B.rows), a = A.data, b = B.data, c = C.data, m = A.cols, k = B.rows;
  for (let i = 0; i < A.rows; i++) {
    for (let p = 0; p < k; p++) {
      let sum = 0;
      for (let j = 0; j < m; j++) sum += a[i * m + j] * b[p * m + j];
      c[i * k + p] = sum;
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

// A[0] = X; Z[l] = A[l-1] W[l] + b[l]; A[l] = f(Z[l]) for hidden layers, softmax for the last.
function forwardPass(X, weights, biases, activation) {
  const f = ACTIVATIONS[activation], activations = [X];
  for (let l = 0; l < weights.length; l++) {
    const Z = matmul(activations[l], weights[l]), z = Z.data, b = biases[l], m = Z.cols;
    for (let i = 0; i < z.length; i++) z[i] += b[i % m];
    if (l === weights.length - 1) softmaxRows(Z);
    else for (let i = 0; i < z.length; i++) z[i] = f(z[i]);
    activations.push(Z);
  }
  return activations;
}

const EPS = 2.220446049250313e-16;  // np.finfo(float64).eps: probabilities are clipped to [eps, 1 - eps]

// The mean cross-entropy against the true classes, plus alpha / (2 n) sum_l ||W[l]||^2.
function computeLoss(labels, P, weights, alpha) {
  let total = 0;
  for (let i = 0; i < P.rows; i++) {
    const p = Math.min(Math.max(P.data[i * P.cols + labels[i]], EPS), 1 - EPS);
    total += -Math.log(p);
  }
  let loss = total / P.rows;
  if (alpha) loss += 0.5 * alpha * squaredWeights(weights) / P.rows;
  return loss;
}

function squaredWeights(weights) {
  let sum = 0;
  for (const W of weights) {
    let s = 0;
    for (const w of W.data) s += w * w;
    sum += s;
  }
  return sum;
}

// delta[L] = A[L] - Y (softmax with cross-entropy); then, going back from l = L to 1:
//   dW[l] = (A[l-1]^T delta[l] + alpha W[l]) / n,  db[l] = sum_i delta[l]_i / n,
//   delta[l-1] = (delta[l] W[l]^T) * f'(Z[l-1])   (f' read from A[l-1]).
function backwardPass(activations, labels, weights, activation, alpha) {
  const L = weights.length, out = activations[L], n = out.rows, timesFPrime = TIMES_DERIVATIVE[activation];
  const weightGrads = new Array(L), biasGrads = new Array(L);
  let delta = matrix(n, out.cols, Float64Array.from(out.data));
  for (let i = 0; i < n; i++) delta.data[i * out.cols + labels[i]] -= 1;
  for (let l = L - 1; l >= 0; l--) {
    const gW = matmulTA(activations[l], delta), W = weights[l].data;
    for (let i = 0; i < gW.data.length; i++) gW.data[i] = (alpha ? gW.data[i] + alpha * W[i] : gW.data[i]) / n;
    const gb = new Float64Array(delta.cols);
    for (let i = 0; i < n; i++) for (let j = 0; j < delta.cols; j++) gb[j] += delta.data[i * delta.cols + j];
    for (let j = 0; j < gb.length; j++) gb[j] /= n;
    weightGrads[l] = gW.data;
    biasGrads[l] = gb;
    if (l > 0) {
      delta = matmulBT(delta, weights[l]);
      const a = activations[l].data;
      for (let i = 0; i < a.length; i++) delta.data[i] = timesFPrime(delta.data[i], a[i]);
    }
  }
  return { weightGrads: weightGrads, biasGrads: biasGrads };
}

// ---------------------------------------------------------------------------------------------
// Optimizers over every parameter array (optimizers.py): step(grads) updates params in place.

// v <- mu v - lr g; theta <- theta + v (classical), theta + mu v - lr g (Nesterov).
function SGD(params, learningRate, momentum, nesterov) {
  const velocity = params.map(p => new Float64Array(p.length));
  return {
    step(grads) {
      for (let a = 0; a < params.length; a++) {
        const p = params[a], g = grads[a], v = velocity[a];
        for (let i = 0; i < p.length; i++) {
          const lrGrad = g[i] * learningRate;
          v[i] = v[i] * momentum - lrGrad;
          p[i] += nesterov ? v[i] * momentum - lrGrad : v[i];
        }
      }
    },
  };
}

// m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; theta <- theta - lr_t m / (sqrt(v) + eps),
// lr_t = lr sqrt(1 - b2^t) / (1 - b1^t).
function Adam(params, learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8) {
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
  };
}

// ---------------------------------------------------------------------------------------------
// Training (training.py).

// One batch: its loss with the weights before the step, its right predictions, then the step.
function trainBatch(net, X, labels, optimizer) {
  const activations = forwardPass(X, net.weights, net.biases, net.activation);
  const loss = computeLoss(labels, activations[activations.length - 1], net.weights, net.alpha);
  const correct = countCorrect(labels, activations[activations.length - 1]);
  const g = backwardPass(activations, labels, net.weights, net.activation, net.alpha);
  optimizer.step(g.weightGrads.concat(g.biasGrads));
  return { loss: loss, correct: correct };
}

function countCorrect(labels, P) {
  let n = 0;
  for (let i = 0; i < P.rows; i++) if (argmax(P.data, i * P.cols, P.cols) === labels[i]) n++;
  return n;
}

function argmax(values, start, length) {
  let best = 0;
  for (let j = 1; j < length; j++) if (values[start + j] > values[start + best]) best = j;
  return best;
}

// The rows [start, stop) of X (in ``order``, if given) as a matrix, and their labels.
function rowsOf(X, labels, order, start, stop) {
  const k = X.cols, part = matrix(stop - start, k), y = new Int32Array(stop - start);
  for (let r = start; r < stop; r++) {
    const src = order ? order[r] : r;
    part.data.set(X.data.subarray(src * k, (src + 1) * k), (r - start) * k);
    y[r - start] = labels[src];
  }
  return { X: part, labels: y };
}

// One pass over the rows in mini-batches of batchSize; the loss is the mean of the batch losses weighted
// by their sizes (MLPClassifier's loss_curve_ entry), the accuracy that of the rows as they were trained on.
function trainEpoch(net, X, labels, optimizer, batchSize, order) {
  let total = 0, correct = 0;
  for (let start = 0; start < X.rows; start += batchSize) {
    const stop = Math.min(start + batchSize, X.rows), batch = rowsOf(X, labels, order, start, stop);
    const r = trainBatch(net, batch.X, batch.labels, optimizer);
    total += r.loss * (stop - start);
    correct += r.correct;
  }
  return { loss: total / X.rows, accuracy: correct / X.rows };
}

// ---------------------------------------------------------------------------------------------
// Divergence (divergence.py): the rule of digitnet.nn.divergence, tested equal to it. Training has
// diverged at the first epoch whose loss is not finite or above DIVERGENCE_FACTOR times the larger of
// the starting weights' loss and the loss of the best constant prediction; if the starting loss is not
// finite, at once.

const DIVERGENCE_FACTOR = 10;

// The loss of the starting weights before any update, as an epoch records it (training.starting_loss):
// the batches in order, each batch's loss with its L2 term, weighted by the batch's size.
function startingLoss(net, X, labels, batchSize) {
  let total = 0;
  for (let start = 0; start < X.rows; start += batchSize) {
    const stop = Math.min(start + batchSize, X.rows), batch = rowsOf(X, labels, null, start, stop);
    const activations = forwardPass(batch.X, net.weights, net.biases, net.activation);
    total += computeLoss(batch.labels, activations[activations.length - 1], net.weights, net.alpha) * (stop - start);
  }
  return total / X.rows;
}

// The loss of the best constant prediction, every row given the class frequencies: the labels' entropy.
function baselineLoss(labels, nClasses) {
  const counts = new Float64Array(nClasses);
  for (const y of labels) counts[y]++;
  let total = 0;
  for (const y of labels) total += -Math.log(Math.min(Math.max(counts[y] / labels.length, EPS), 1 - EPS));
  return total / labels.length;
}

// The largest loss that has not diverged (NaN: every loss has, the starting loss not being finite).
function divergenceCeiling(startLoss, baseline) {
  if (!isFinite(startLoss)) return NaN;
  return DIVERGENCE_FACTOR * Math.max(startLoss, isFinite(baseline) ? baseline : 0);
}

function hasDiverged(loss, ceiling) {
  return !(isFinite(loss) && loss <= ceiling);
}

// The first epoch (counted from 1) whose loss has diverged, or null.
function divergenceEpoch(losses, ceiling) {
  for (let e = 0; e < losses.length; e++) if (hasDiverged(losses[e], ceiling)) return e + 1;
  return null;
}

// The optimizer named as in the page's settings, over every weight and bias of net.
function makeOptimizer(net, solver, learningRate, momentum) {
  const params = net.weights.map(W => W.data).concat(net.biases);
  if (solver === "adam") return Adam(params, learningRate);
  return SGD(params, learningRate, solver === "gd" ? 0 : momentum, solver === "nesterov");
}

// ---------------------------------------------------------------------------------------------
// Starting weights (network.py's initialize_weights), from the page's own seeded generator.

// mulberry32: a small seeded generator of uniform numbers in [0, 1) (the page's seeds; NumPy's are not needed).
function seededRandom(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Glorot: W, b ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out)) (sqrt(2 / ...) for logistic units).
function initializeWeights(layerSizes, activation, random) {
  const weights = [], biases = [];
  for (let l = 1; l < layerSizes.length; l++) {
    const fanIn = layerSizes[l - 1], fanOut = layerSizes[l];
    const bound = Math.sqrt((activation === "logistic" ? 2 : 6) / (fanIn + fanOut));
    const W = matrix(fanIn, fanOut), b = new Float64Array(fanOut);
    for (let i = 0; i < W.data.length; i++) W.data[i] = (2 * random() - 1) * bound;
    for (let i = 0; i < b.length; i++) b[i] = (2 * random() - 1) * bound;
    weights.push(W);
    biases.push(b);
  }
  return { weights: weights, biases: biases };
}

// A random order of n rows (Fisher-Yates), for shuffling every epoch.
function permutation(n, random) {
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
// The page's model: raw pixels in, as the model file takes them (scaled like the training rows).

// x -> (x - mean) / scale, feature by feature: StandardScaler.transform, for rows of raw pixels.
function scaleRows(rows, mean, scale) {
  const k = mean.length, X = matrix(rows.length / k, k);
  for (let i = 0; i < rows.length; i++) X.data[i] = (rows[i] - mean[i % k]) / scale[i % k];
  return X;
}

function netFromModel(model) {
  return {
    weights: model.weights.map((W, l) => matrix(model.layer_sizes[l], model.layer_sizes[l + 1], Float64Array.from(W))),
    biases: model.biases.map(b => Float64Array.from(b)),
    activation: model.activation,
    alpha: 0,
  };
}
