"""The compiled kernels of :mod:`digitnet.nn._compiled` (numba): the elementwise work around a step's matrix products.

Importing this module imports numba; :mod:`digitnet.nn._compiled` does it only when a fit first needs it, and
falls back to NumPy's path where numba is missing. Every kernel does, number by number, the operations of the
NumPy code it replaces (:mod:`digitnet.nn._fast`, :mod:`digitnet.nn.activations`, :mod:`digitnet.nn.optimizers`)
in the same order and the same precision, so that the results are the same to the bit
(``tests/nn/test_compiled.py``):

- no fused multiply-add and no reassociation: numba's default (``fastmath`` off), so each ``a * b + c`` rounds
  twice, as NumPy's two calls do;
- scalars come in already cast to the arrays' dtype (as NumPy casts a Python float against a float32 array), so
  float32 arithmetic stays float32;
- the sums are NumPy's: a bias gradient (``np.einsum("ij->j", delta)``) adds the rows one after another from 0; a
  softmax row sum (``P.sum(axis=1)``) is NumPy's pairwise summation (:func:`pairwise_sum`, up to 128 classes);
- ``error_model="numpy"``: a division by 0 gives inf or NaN, as in NumPy, instead of raising; NaN goes where NumPy
  sends it (``np.maximum`` and ``max`` propagate it).

What stays NumPy's between the kernels: ``exp``, ``tanh`` and the sigmoid (NumPy's own vectorised functions, whose
last bits a compiled libm does not promise to match), and the matrix products, except in ``dense_forward`` and
``dense_backward``, whose ``np.dot`` calls SciPy's build of the BLAS (used only where it gives NumPy's numbers:
:func:`digitnet.nn._compiled.blas_agrees`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Compiled once per dtype and layout, kept on disk (``__pycache__``) for the next process.
_jit = njit(cache=True, nogil=True, error_model="numpy")

#: Hidden activations by code (:data:`digitnet.nn._compiled.HIDDEN_CODES`).
IDENTITY, RELU, TANH, LOGISTIC, LEAKY_RELU, ELU = range(6)

#: NumPy's pairwise summation adds runs of up to this many numbers in one block (``PW_BLOCKSIZE``), 8 accumulators.
BLOCK = 128


@_jit
def pairwise_sum(a, n):
    """``a[:n].sum()`` as NumPy sums a contiguous run of at most 128 numbers (:data:`BLOCK`): fewer than 8 one after
    another from 0; else in 8 interleaved partial sums, combined as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)),
    then the rest one by one. (Longer runs NumPy splits in halves, recursively: the caller leaves those to NumPy, as
    numba cannot load a recursive function from its cache.)"""
    if n < 8:
        total = a.dtype.type(0)
        for i in range(n):
            total += a[i]
        return total
    r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
    i = 8
    while i < n - n % 8:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += a[i]
        i += 1
    return total


@_jit
def bias_relu(Z, b):
    """``Z += b; np.maximum(Z, 0, out=Z)``: NaN stays NaN, and z <= 0 becomes +0 (as ``np.maximum(z, 0)`` gives)."""
    zero = Z.dtype.type(0)
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            z = Z[i, j] + b[j]
            Z[i, j] = zero if z <= 0 else z


@_jit
def bias_softmax_shift(Z, b):
    """``Z += b``, then softmax's first half: each row minus its maximum (NaN if the row has one, as ``max``)."""
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            Z[i, j] += b[j]
        top = Z[i, 0]
        for j in range(1, Z.shape[1]):
            z = Z[i, j]
            if z > top or z != z:
                top = z
            if top != top:
                break
        for j in range(Z.shape[1]):
            Z[i, j] -= top


@_jit
def output_delta(P, Y, sample_weight, delta, bias_grad, normalize, sum_bias):
    """The output layer's delta, ``P - Y`` (times each row's sample weight), and its bias gradient.

    ``normalize``: ``P`` holds a softmax's exponentials; each row is divided by its sum first (in place: ``P`` is then
    the softmax, ``P /= P.sum(axis=1, keepdims=True)``), for rows of at most :data:`BLOCK` numbers. ``sum_bias``:
    ``bias_grad`` = the column sums of the delta, row after row from 0 (``np.einsum("ij->j", delta)``); the caller
    sums a single column itself (NumPy adds those in another order).
    """
    n, k = P.shape
    if sum_bias:
        bias_grad[:] = 0
    for i in range(n):
        if normalize:
            total = pairwise_sum(P[i], k)
            for j in range(k):
                P[i, j] /= total
        for j in range(k):
            d = P[i, j] - Y[i, j]
            if sample_weight is not None:
                d = d * sample_weight[i]
            delta[i, j] = d
            if sum_bias:
                bias_grad[j] += delta[i, j]


@_jit
def column_sums(delta, out):
    """``out[:] = np.einsum("ij->j", delta)``: the rows added one after another, from 0."""
    out[:] = 0
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            out[j] += delta[i, j]


@_jit
def hidden_delta(delta, A, kind, bias_grad, sum_bias):
    """``delta *= f'(z)`` read from the layer's output ``A`` (:mod:`digitnet.nn.activations`' ``*_derivative``,
    operation for operation), and the column sums of the result into ``bias_grad`` (see :func:`output_delta`)."""
    one, zero, leak = delta.dtype.type(1), delta.dtype.type(0), delta.dtype.type(0.01)
    n, k = delta.shape
    if kind == RELU:  # delta *= A > 0
        for i in range(n):
            for j in range(k):
                delta[i, j] = delta[i, j] * (one if A[i, j] > 0 else zero)
    elif kind == TANH:  # delta *= 1 - A**2
        for i in range(n):
            for j in range(k):
                delta[i, j] = delta[i, j] * (one - A[i, j] * A[i, j])
    elif kind == LOGISTIC:  # delta *= A; delta *= 1 - A
        for i in range(n):
            for j in range(k):
                delta[i, j] = (delta[i, j] * A[i, j]) * (one - A[i, j])
    elif kind == LEAKY_RELU:  # delta *= max(sign(A), 0.01): 1 above 0, NaN for NaN, else 0.01
        for i in range(n):
            for j in range(k):
                a = A[i, j]
                delta[i, j] = delta[i, j] * (one if a > 0 else (a if a != a else leak))
    elif kind == ELU:  # delta *= min(A + 1, 1), NaN for NaN
        for i in range(n):
            for j in range(k):
                s = A[i, j] + one
                delta[i, j] = delta[i, j] * (s if s != s or s < one else one)
    if sum_bias:
        column_sums(delta, bias_grad)


@_jit
def scale_gradient(grad, params, n_weights, alpha, total):
    """``grad[:n_weights] += alpha * params[:n_weights]`` (unless alpha is 0), then ``grad /= total``."""
    if alpha != 0:
        for k in range(n_weights):
            grad[k] = grad[k] + alpha * params[k]
    for k in range(grad.shape[0]):
        grad[k] = grad[k] / total


@_jit
def adam_step(
    params, grad, m, v, n_weights, alpha, total, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, minus_rate, epsilon
):
    """:func:`scale_gradient`, then :meth:`digitnet.nn.optimizers.Adam.step` with its rate already advanced
    (``minus_rate`` = -learning_rate): m, v, and params updated in place, each number rounded as NumPy's calls
    round it."""
    scale_gradient(grad, params, n_weights, alpha, total)
    for k in range(grad.shape[0]):
        g = grad[k]
        m_k = m[k] * beta_1 + g * one_minus_beta_1
        v_k = v[k] * beta_2 + (g * g) * one_minus_beta_2
        m[k] = m_k
        v[k] = v_k
        params[k] += (m_k * minus_rate) / (np.sqrt(v_k) + epsilon)


@_jit
def sgd_step(params, grad, velocity, n_weights, alpha, total, rate, momentum, nesterov):
    """:func:`scale_gradient`, then :meth:`digitnet.nn.optimizers.SGD.step`: velocity and params in place."""
    scale_gradient(grad, params, n_weights, alpha, total)
    for k in range(grad.shape[0]):
        rate_g = grad[k] * rate
        v_k = velocity[k] * momentum - rate_g
        velocity[k] = v_k
        params[k] += (v_k * momentum - rate_g) if nesterov else v_k


@_jit
def normalize_rows(P):
    """``P /= P.sum(axis=1, keepdims=True)``, each row's sum NumPy's (:func:`pairwise_sum`; rows of at most
    :data:`BLOCK` numbers)."""
    for i in range(P.shape[0]):
        total = pairwise_sum(P[i], P.shape[1])
        for j in range(P.shape[1]):
            P[i, j] /= total


@_jit
def count_argmax(P, labels):
    """``np.count_nonzero(P.argmax(axis=1) == labels)``: each row's first largest entry (its first NaN, if any,
    as NumPy's argmax takes it) against the row's class index."""
    count = 0
    for i in range(P.shape[0]):
        best, top = 0, P[i, 0]
        if top == top:
            for j in range(1, P.shape[1]):
                v = P[i, j]
                if v != v:
                    best = j
                    break
                if v > top:
                    best, top = j, v
        if best == labels[i]:
            count += 1
    return count


@_jit
def pairwise_sum_any(a, n):
    """``a[:n].sum()`` as NumPy sums a contiguous run of any length: runs longer than :data:`BLOCK` split in two
    (the first half a multiple of 8), each summed so, the two added; an explicit stack instead of recursion (which
    numba cannot load from its cache)."""
    if n <= BLOCK:
        return pairwise_sum(a, n)
    starts, lengths, stages = np.empty(64, np.int64), np.empty(64, np.int64), np.zeros(64, np.int64)
    values = np.empty(64, a.dtype)
    top, count = 0, 0
    starts[0], lengths[0] = 0, n
    while top >= 0:
        start, length = starts[top], lengths[top]
        half = length // 2
        half -= half % 8
        if length <= BLOCK:
            values[count] = pairwise_sum(a[start:], length)
            count += 1
            top -= 1
        elif stages[top] < 2:  # push the left half, then (next time here) the right half
            first = stages[top] == 0
            stages[top] += 1
            top += 1
            starts[top] = start if first else start + half
            lengths[top] = half if first else length - half
            stages[top] = 0
        else:  # both halves summed: left + right
            values[count - 2] = values[count - 2] + values[count - 1]
            count -= 1
            top -= 1
    return values[0]


@_jit
def epoch_loss(per_sample, batch_size, alpha, penalties):
    """The sum over an epoch's batches of (batch's mean loss + alpha / (2 rows) * penalty) * rows, as
    :func:`digitnet.nn._fast.train_epoch` adds it with :func:`digitnet.nn._fast.mean_loss` (no sample weights):
    each batch's sum NumPy's, divided in the losses' dtype, the rest in float64 as Python computes it."""
    n, total, b = per_sample.shape[0], 0.0, 0
    for start in range(0, n, batch_size):
        rows = min(batch_size, n - start)
        loss = np.float64(pairwise_sum_any(per_sample[start:], rows) / per_sample.dtype.type(rows))
        if alpha != 0:
            loss += 0.5 * alpha * penalties[b] / rows
        total += loss * rows
        b += 1
    return total


# ---------------------------------------------------------------- a whole step in two calls, BLAS called from numba


@_jit
def dot_into(a, b, out):
    """``np.dot(a, b, out)`` as numba calls BLAS (SciPy's): what :func:`digitnet.nn._compiled.blas_agrees` compares
    with NumPy's ``matmul`` before the dense kernels below are used."""
    np.dot(a, b, out)


@_jit
def squared_norm(w):
    """``float(np.dot(w, w))`` with numba's BLAS dot."""
    return np.float64(np.dot(w, w))


@_jit
def dense_forward(X, weights, biases, hidden, output, relu, softmax, raveled, penalty):
    """A batch's forward pass on dense rows, up to the output layer's ``Z + b`` (a softmax's shifted): each hidden
    layer ``relu(A W + b)`` (or ``A W + b``) into ``hidden``; then the L2 penalty of the weights, sum_l ||W_l||^2
    (0 unless ``penalty``), which it returns."""
    prev = X
    for l in range(len(weights) - 1):
        Z = hidden[l]
        np.dot(prev, weights[l], Z)
        if relu:
            bias_relu(Z, biases[l])
        else:
            add_bias(Z, biases[l])
        prev = Z
    last = len(weights) - 1
    np.dot(prev, weights[last], output)
    if softmax:
        bias_softmax_shift(output, biases[last])
    else:
        add_bias(output, biases[last])
    total = 0.0
    if penalty:
        for w in raveled:
            total += squared_norm(w)
    return total


@_jit
def add_bias(Z, b):
    """``Z += b``."""
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            Z[i, j] += b[j]


@_jit
def dense_backward(X, Y, sample_weight, weights, hidden, output, deltas, weight_grads, bias_grads, kind, normalize):
    """A batch's backward pass on dense rows into the gradient buffers (before the L2 term and the division by the
    batch's size), every layer at least two units wide (a single column's bias sum is NumPy's other order)."""
    last = len(weights) - 1
    delta = deltas[last]
    output_delta(output, Y, sample_weight, delta, bias_grads[last], normalize, True)
    for l in range(last, -1, -1):
        prev = X if l == 0 else hidden[l - 1]
        np.dot(prev.T, delta, weight_grads[l])
        if l > 0:
            below = deltas[l - 1]
            np.dot(delta, weights[l].T, below)
            hidden_delta(below, hidden[l - 1], kind, bias_grads[l - 1], True)
            delta = below


@_jit
def true_class_scores(Y, P, labels, p_true):
    """For an epoch's softmax outputs ``P`` and one-hot targets ``Y``: ``p_true = np.einsum("ij,ij->i", Y, P)`` (each
    row's one product with 1, plus products with 0: the same number in any order) and the number of rows whose
    argmax is their label (:func:`count_argmax`). Returns -1, having written part of ``p_true``, at the first row of
    ``Y`` that is not one-hot (then the caller uses NumPy's einsum)."""
    count = 0
    for i in range(P.shape[0]):
        total, ones = P.dtype.type(0), 0
        for j in range(P.shape[1]):
            y = Y[i, j]
            if y != 0:
                if y != 1:
                    return -1
                ones += 1
            total += y * P[i, j]
        if ones != 1:
            return -1
        p_true[i] = total
        best, top = 0, P[i, 0]
        if top == top:
            for j in range(1, P.shape[1]):
                v = P[i, j]
                if v != v:
                    best = j
                    break
                if v > top:
                    best, top = j, v
        if best == labels[i]:
            count += 1
    return count
