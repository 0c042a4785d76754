// curvature.js: the loss's curvature and the gradient's flow, for the page's trainer: Hessian-vector products
// computed exactly by Pearlmutter's R-operator, the sharpness (the Hessian's largest eigenvalue) by Lanczos,
// and each layer's gradient norm. The twin of digitnet/nn/curvature.py and digitnet/nn/flow.py: the same
// formulas (the R-operator's lines are curvature.py's, listed in its docstring), for every hidden activation and
// output nn.js has; tests/report/test_browser_curvature.py checks H v, the sharpness and the norms against
// Python's on the same weights (1e-9).
//
// H is the derivative of the gradient nn.js's backward pass computes (the one every step follows), at the
// parameters theta = (W[l], b[l]); v = (V[l], c[l]) is split as the parameters are (pack's order: all weights,
// then all biases). R{x} = d/dt x(theta + t v) at t = 0, applied to every line of the forward and backward passes:
//
//   forward    R{Z[l]} = R{A[l-1]} W[l] + A[l-1] V[l] + c[l]         (R{A[0]} = 0)
//              R{A[l]} = f'(Z[l]) R{Z[l]}                             (the output's Jacobian times R{Z[L]} at l = L)
//   backward   R{delta[L]} = R{A[L]}
//              R{dW[l]} = (R{A[l-1]}^T delta[l] + A[l-1]^T R{delta[l]} + alpha V[l]) / n
//              R{db[l]} = sum_i R{delta[l]}_i / n
//              R{delta[l-1]} = (R{delta[l]} W[l]^T + delta[l] V[l]^T) f'(Z[l-1]) + (delta[l] W[l]^T) f''(Z[l-1]) R{Z[l-1]}

import { computeLoss, forwardPass, product } from "digitnet/nn.js";

// f'(z) and f''(z) of each hidden activation, read from its output a = f(z) (activations.py's registry).
const SLOPE = {
  identity: a => 1,
  logistic: a => a * (1 - a),
  tanh: a => 1 - a * a,
  relu: a => (a > 0 ? 1 : 0),
  leaky_relu: a => (a > 0 ? 1 : 0.01),
  elu: a => (a > 0 ? 1 : a + 1),
};
const CURVATURE = {
  identity: a => 0,
  logistic: a => a * (1 - a) * (1 - 2 * a),
  tanh: a => -2 * a * (1 - a * a),
  relu: a => 0,
  leaky_relu: a => 0,
  elu: a => (a > 0 ? 0 : a + 1),
};

// R{A[L]} from R{Z[L]} (r, in place), the output's Jacobian at its outputs a (rows of k): softmax a (r - a.r) row by
// row; logistic a (1 - a) r; exp a r; identity r.
function outputJvp(outActivation, a, r, rows, k) {
  if (outActivation === "softmax") {
    for (let i = 0; i < rows; i++) {
      let dot = 0;
      for (let j = i * k; j < (i + 1) * k; j++) dot += a[j] * r[j];
      for (let j = i * k; j < (i + 1) * k; j++) r[j] = a[j] * (r[j] - dot);
    }
  } else if (outActivation === "logistic") {
    for (let j = 0; j < r.length; j++) r[j] *= a[j] * (1 - a[j]);
  } else if (outActivation === "exp") {
    for (let j = 0; j < r.length; j++) r[j] *= a[j];
  }
  return r;
}

// What every product at theta shares, whatever v is: the forward pass, f' and f'' of the hidden layers, the deltas
// and the errors sent back before f' (back[l] = delta[l+1] W[l+1]^T), the loss and each layer's gradient.
// net: weights (matrices), biases, activation, outActivation, alpha; X, Y: the rows and their targets (matrices).
export function curvaturePoint(net, X, Y) {
  const L = net.weights.length, n = X.rows, A = forwardPass(X, net.weights, net.biases, net.activation, net.outActivation);
  const slope = SLOPE[net.activation], curve = CURVATURE[net.activation];
  const S = [null], K = [null], D = new Array(L), B = new Array(L);
  for (let l = 1; l < L; l++) {
    S.push(A[l].data.map(slope));
    K.push(A[l].data.map(curve));
  }
  D[L - 1] = A[L].data.map((a, i) => a - Y.data[i]);
  for (let l = L - 1; l > 0; l--) {
    const W = net.weights[l];
    B[l] = product(D[l], n, W.cols, 1, W.data, W.rows, W.cols, 1, W.cols, new Float64Array(n * W.rows));
    D[l - 1] = B[l].map((b, i) => b * S[l][i]);
  }
  const point = { net: net, n: n, A: A, S: S, K: K, D: D, B: B,
                  sizes: [X.cols, ...net.weights.map(W => W.cols)], products: 0 };
  point.size = net.weights.reduce((sum, W) => sum + W.data.length + W.cols, 0);
  point.loss = computeLoss(Y, A[L], net.weights, net.alpha, net.outActivation);
  point.gradNorms = net.weights.map((W, l) => layerGradientNorm(point, l));
  return point;
}

// ||(dW[l], db[l])||: dW[l] = (A[l-1]^T delta[l] + alpha W[l]) / n, db[l] = sum_i delta[l]_i / n (flow.py's grad_norms).
function layerGradientNorm(point, l) {
  const W = point.net.weights[l], k = W.rows, m = W.cols, n = point.n, D = point.D[l];
  const g = product(point.A[l].data, k, 1, k, D, m, 1, m, n, new Float64Array(k * m));
  let sum = 0;
  for (let i = 0; i < g.length; i++) {
    const v = (point.net.alpha ? g[i] + point.net.alpha * W.data[i] : g[i]) / n;
    sum += v * v;
  }
  for (let j = 0; j < m; j++) {
    let b = 0;
    for (let i = 0; i < n; i++) b += D[i * m + j];
    sum += (b / n) * (b / n);
  }
  return Math.sqrt(sum);
}

// H v at the point, v flat in pack's order (all weights, then all biases); a new flat array, in the same order.
export function hessianVectorProduct(point, v) {
  const { net, n, A, S, K, D, B, sizes } = point, L = net.weights.length, weights = net.weights;
  if (v.length !== point.size) throw new Error(`v must hold the network's ${point.size} parameters, got ${v.length}`);
  const V = [], c = [];
  let at = 0;
  for (const W of weights) { V.push(v.subarray ? v.subarray(at, at + W.data.length) : v.slice(at, at + W.data.length)); at += W.data.length; }
  for (const W of weights) { c.push(v.slice(at, at + W.cols)); at += W.cols; }
  const rZ = [], rA = [null];
  for (let l = 0; l < L; l++) {  // R{Z[l+1]} = A[l] V[l] + c[l] (+ R{A[l]} W[l])
    const k = sizes[l], m = sizes[l + 1], r = product(A[l].data, n, k, 1, V[l], m, 1, m, k, new Float64Array(n * m));
    if (l > 0) {
      const more = product(rA[l], n, k, 1, weights[l].data, m, 1, m, k, new Float64Array(n * m));
      for (let i = 0; i < r.length; i++) r[i] += more[i];
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) r[i * m + j] += c[l][j];
    rZ.push(r);
    if (l < L - 1) rA.push(r.map((z, i) => S[l + 1][i] * z));
  }
  let rD = outputJvp(net.outActivation, A[L].data, Float64Array.from(rZ[L - 1]), n, sizes[L]);
  const out = new Float64Array(point.size);
  let wAt = point.size - sizes.slice(1).reduce((a, b) => a + b, 0), bAt = point.size;
  for (let l = L - 1; l >= 0; l--) {
    const k = sizes[l], m = sizes[l + 1], W = weights[l].data;
    wAt -= k * m;
    bAt -= m;
    const rW = product(A[l].data, k, 1, k, rD, m, 1, m, n, new Float64Array(k * m));
    const more = l > 0 ? product(rA[l], k, 1, k, D[l], m, 1, m, n, new Float64Array(k * m)) : null;
    for (let i = 0; i < rW.length; i++) out[wAt + i] = (rW[i] + net.alpha * V[l][i] + (more ? more[i] : 0)) / n;
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += rD[i * m + j];
      out[bAt + j] = sum / n;
    }
    if (l > 0) {  // R{delta[l-1]}
      const back = product(rD, n, m, 1, W, k, m, 1, m, new Float64Array(n * k));
      const moreBack = product(D[l], n, m, 1, V[l], k, m, 1, m, new Float64Array(n * k));
      for (let i = 0; i < back.length; i++) {
        back[i] = (back[i] + moreBack[i]) * S[l][i] + B[l][i] * K[l][i] * rZ[l - 1][i];
      }
      rD = back;
    }
  }
  point.products += 1;
  return out;
}

const dot = (a, b) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };

// The eigenvalues (decreasing) and eigenvectors (vectors[j]: the j-th's components) of the symmetric tridiagonal
// matrix with diagonal d and off-diagonal e (e[i] between i and i + 1): the implicit QL method, EISPACK's tql2 as
// JAMA writes it (public domain).
export function tridiagonalEigen(diagonal, offDiagonal) {
  const m = diagonal.length, d = Float64Array.from(diagonal), e = new Float64Array(m), V = new Float64Array(m * m);
  for (let i = 0; i < m - 1; i++) e[i] = offDiagonal[i];
  for (let i = 0; i < m; i++) V[i * m + i] = 1;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < m; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let last = l;
    while (last < m - 1 && Math.abs(e[last]) > eps * tst1) last++;
    if (last > l) {
      for (let iter = 0; iter < 100 && Math.abs(e[l]) > eps * tst1; iter++) {
        let g = d[l], p = (d[l + 1] - g) / (2 * e[l]), r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < m; i++) d[i] -= h;
        f += h;
        p = d[last];
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = last - 1; i >= l; i--) {
          c3 = c2; c2 = c; s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (let k = 0; k < m; k++) {  // the rotation, applied to the eigenvectors
            h = V[k * m + i + 1];
            V[k * m + i + 1] = s * V[k * m + i] + c * h;
            V[k * m + i] = c * V[k * m + i] - s * h;
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      }
    }
    d[l] += f;
    e[l] = 0;
  }
  const order = Array.from(d.keys()).sort((a, b) => d[b] - d[a]);
  return { values: order.map(i => d[i]), vectors: order.map(j => Array.from({ length: m }, (_, k) => V[k * m + j])) };
}

// The k largest eigenvalues of H at the point (decreasing), by the Lanczos method with full reorthogonalisation
// (what scipy's eigsh does, restarts aside), on exact products. options: k (1), tol (stop when each of the k
// Ritz values' residual ||H y - theta y|| is at most tol |theta|; 1e-12), maxIter (the most products; 300),
// start (a starting direction, e.g. the last top eigenvector: a warm start), random (a generator for a start).
// Returns {values, vector (the top Ritz vector, flat), iterations, residual}. Also step by step: lanczos(...)
// below yields after every product, so that the trainer can spread the work between redraws.
export function sharpness(point, options = {}) {
  const run = lanczos(point, options);
  let result = run.next();
  while (!result.done) result = run.next();
  return result.value;
}

export function* lanczos(point, options = {}) {
  const k = options.k || 1, tol = options.tol === undefined ? 1e-12 : options.tol, n = point.size;
  const maxIter = Math.min(options.maxIter || 300, n);
  let q = options.start ? Float64Array.from(options.start) : randomDirection(n, options.random || Math.random);
  let norm = Math.sqrt(dot(q, q));
  if (!(norm > 0) || !isFinite(norm)) { q = randomDirection(n, options.random || Math.random); norm = Math.sqrt(dot(q, q)); }
  for (let i = 0; i < n; i++) q[i] /= norm;
  const basis = [], alphas = [], betas = [];
  let best = null;
  for (let j = 0; j < maxIter; j++) {
    basis.push(q);
    const w = hessianVectorProduct(point, q);
    if (!w.every(isFinite)) throw new Error("the Hessian-vector products are not finite at these weights");
    alphas.push(dot(w, q));
    for (let pass = 0; pass < 2; pass++) {  // full reorthogonalisation, twice ("twice is enough")
      for (const b of basis) {
        const h = dot(w, b);
        for (let i = 0; i < n; i++) w[i] -= h * b[i];
      }
    }
    const beta = Math.sqrt(dot(w, w));
    const T = tridiagonalEigen(alphas, betas);
    const found = Math.min(k, T.values.length), residuals = T.vectors.slice(0, found).map(s => Math.abs(beta * s[s.length - 1]));
    best = { values: T.values.slice(0, found), T: T, iterations: j + 1, residual: Math.max(...residuals) };
    const converged = found === k && residuals.every((r, i) => r <= tol * Math.abs(T.values[i]));
    if (converged || beta <= 1e-14 * Math.abs(T.values[0]) || j === maxIter - 1) break;
    betas.push(beta);
    q = w.map(x => x / beta);
    yield best;
  }
  const s = best.T.vectors[0], vector = new Float64Array(n);
  s.forEach((weight, j) => { for (let i = 0; i < n; i++) vector[i] += weight * basis[j][i]; });
  return { values: best.values, vector: vector, iterations: best.iterations, residual: best.residual };
}

function randomDirection(n, random) {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return v;
}

// The largest sharpness at which a step of this optimizer is stable on a quadratic, at rate eta: 2 / eta for plain
// gradient descent, (2 + 2 mu) / eta with heavy-ball momentum mu, (2 + 2 mu) / ((1 + 2 mu) eta) with Nesterov's (the
// eigenvalues of each method's iteration on lambda x^2 / 2 reach -1 there); null for Adam, whose steps are scaled
// unit by unit (its threshold is on the preconditioned Hessian, not this one).
export function stabilityThreshold(settings, rate) {
  if (settings.solver !== "sgd") return null;
  const mu = Number(settings.momentum) || 0;
  if (!mu) return { value: 2 / rate, label: "2/η" };
  if (settings.nesterovs_momentum) return { value: (2 + 2 * mu) / ((1 + 2 * mu) * rate), label: "(2+2μ)/((1+2μ)η)" };
  return { value: (2 + 2 * mu) / rate, label: "(2+2μ)/η" };
}

