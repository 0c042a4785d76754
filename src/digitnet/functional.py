"""The mathematics of a multi-layer perceptron, as plain NumPy functions.

Notation used in every docstring below (a batch is a block of rows)::

    A[0] = X                                   X: (n_samples, n_features)
    Z[l] = A[l-1] @ W[l] + b[l]                W[l]: (fan_in, fan_out), b[l]: (fan_out,)
    A[l] = f(Z[l])                             hidden layers, f = the activation
    A[L] = softmax(Z[L])                       output layer (sigmoid if it has one unit)
    loss = -1/n sum_i sum_k Y[i,k] log A[L][i,k]  +  alpha/(2n) sum_l ||W[l]||^2

Every activation ``f`` comes with ``f_derivative(A, delta=None)``, which
computes f'(z) *from the activation's output* a = f(z) (so backward never
recomputes a forward value) and, given ``delta``, multiplies it in place.

Parameters of a network live in **one flat buffer**: all weight matrices,
then all bias vectors (the order of scikit-learn's ``_pack``). ``weights`` and
``biases`` are lists of views into it, so an optimizer updates the whole
network with a few vectorised operations on the flat buffer.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
from threadpoolctl import ThreadpoolController

# --------------------------------------------------------------------------
# Activations, each next to its derivative.  ``out`` may be ``Z`` itself.
# --------------------------------------------------------------------------


def identity(Z, out=None):
    """f(z) = z."""
    if out is None:
        return Z.copy()
    if out is not Z:
        out[...] = Z
    return out


def identity_derivative(A, delta=None):
    """f'(z) = 1."""
    return np.ones_like(A) if delta is None else delta


def sigmoid(Z, out=None):
    """f(z) = 1 / (1 + exp(-z)), evaluated as e / (1 + e) with e = exp(-|z|) for z < 0.

    ``exp`` only ever sees -|z| <= 0, so no input overflows.
    """
    E = np.exp(-np.abs(Z))
    numerator = np.where(Z < 0, E, 1)
    E += 1
    return np.divide(numerator, E, out=out)


def sigmoid_derivative(A, delta=None):
    """f'(z) = a (1 - a), with a = sigmoid(z)."""
    if delta is None:
        return A * (1 - A)
    delta *= A
    delta *= 1 - A
    return delta


def tanh(Z, out=None):
    """f(z) = tanh(z) = (e^z - e^-z) / (e^z + e^-z)."""
    return np.tanh(Z, out=out)


def tanh_derivative(A, delta=None):
    """f'(z) = 1 - a^2, with a = tanh(z)."""
    if delta is None:
        return 1 - A**2
    delta *= 1 - A**2
    return delta


def relu(Z, out=None):
    """f(z) = max(0, z)."""
    return np.maximum(Z, 0, out=out)


def relu_derivative(A, delta=None):
    """f'(z) = 1 if a > 0 else 0, with a = relu(z) (the subgradient 0 is used at z = 0)."""
    if delta is None:
        return (A > 0).astype(A.dtype)
    delta *= A > 0
    return delta


LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0


def leaky_relu(Z, out=None):
    """f(z) = z if z > 0 else 0.01 z  (= max(z, 0.01 z) because the slope is below 1)."""
    return np.maximum(Z, LEAKY_SLOPE * Z, out=out)


def leaky_relu_derivative(A, delta=None):
    """f'(z) = 1 if a > 0 else 0.01, with a = leaky_relu(z)."""
    slope = np.where(A > 0, 1, LEAKY_SLOPE).astype(A.dtype, copy=False)
    if delta is None:
        return slope
    delta *= slope
    return delta


def elu(Z, out=None):
    """f(z) = z if z > 0 else alpha (e^z - 1), alpha = 1."""
    negative = np.expm1(np.minimum(Z, 0))  # 0 where z > 0; min() keeps e^z from overflowing
    negative *= ELU_ALPHA
    out = np.maximum(Z, 0, out=out)
    out += negative
    return out


def elu_derivative(A, delta=None):
    """f'(z) = 1 if a > 0 else a + alpha, with a = elu(z) (since alpha e^z = a + alpha)."""
    slope = np.where(A > 0, 1, A + ELU_ALPHA).astype(A.dtype, copy=False)
    if delta is None:
        return slope
    delta *= slope
    return delta


def softmax(Z, out=None):
    """softmax(z)_k = exp(z_k - max z) / sum_j exp(z_j - max z), row by row.

    Subtracting the row maximum changes nothing mathematically and keeps exp() <= 1.
    """
    # The row maximum is read from a column-major copy: NumPy reduces across a row of a few columns
    # one row at a time, which costs ~5x more than the copy (the maximum itself is exact either way).
    row_max = np.ascontiguousarray(Z.T).max(axis=0).reshape(-1, 1)
    out = np.subtract(Z, row_max, out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out


def log_softmax(Z):
    """log softmax(z)_k = z_k - max z - log sum_j exp(z_j - max z), without overflow or log(0)."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def log_sigmoid(Z):
    """log sigmoid(z) = -log(1 + e^-z), via logaddexp so that no input overflows."""
    return -np.logaddexp(0, -Z)


ACTIVATIONS = {
    "identity": identity,
    "logistic": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "softmax": softmax,
}

DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
    "elu": elu_derivative,
}

HIDDEN_ACTIVATIONS = tuple(DERIVATIVES)

# --------------------------------------------------------------------------
# Parameters: one flat buffer, per-layer views.
# --------------------------------------------------------------------------


def n_parameters(layer_sizes):
    """Number of weights and biases of a network with these layer sizes (inputs first)."""
    return sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


def unpack(flat, layer_sizes):
    """Split a flat parameter (or gradient) vector into per-layer views.

    Parameters
    ----------
    flat : ndarray of shape (n_parameters(layer_sizes),)
    layer_sizes : sequence of int
        ``[n_features, hidden_1, ..., n_outputs]``.

    Returns
    -------
    weights : list of ndarray, ``weights[l]`` of shape (layer_sizes[l], layer_sizes[l+1])
    biases : list of ndarray, ``biases[l]`` of shape (layer_sizes[l+1],)
        Views: writing to them writes to ``flat``.
    """
    weights, biases, start = [], [], 0
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        weights.append(flat[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    for fan_out in layer_sizes[1:]:
        biases.append(flat[start : start + fan_out])
        start += fan_out
    return weights, biases


WEIGHT_INITS = ("glorot", "he", "small_normal")


def initialize_weights(layer_sizes, activation="relu", method="glorot", rng=None, dtype=np.float64):
    """Draw the starting weights and biases of every layer.

    - ``"glorot"`` (scikit-learn's MLPClassifier): W, b ~ U(-r, r) with
      r = sqrt(6 / (fan_in + fan_out)), or sqrt(2 / (fan_in + fan_out)) for ``logistic``.
    - ``"he"``: W ~ N(0, 2 / fan_in), b = 0 (suits relu-like units).
    - ``"small_normal"``: W ~ N(0, 1) * 0.01, b = 0 (the original project's choice).

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_features, hidden_1, ..., n_outputs]``.
    activation : str
        Hidden activation; only changes the Glorot range.
    method : {"glorot", "he", "small_normal"}
    rng : numpy.random.Generator, int or None
        Source of randomness (``np.random.default_rng(rng)`` if not a Generator).
    dtype : dtype of the parameters.

    Returns
    -------
    weights, biases : lists of ndarray
        Views into one flat, contiguous buffer (``weights[0].base``), see :func:`unpack`.
    """
    if method not in WEIGHT_INITS:
        raise ValueError(f"weight_init must be one of {WEIGHT_INITS}, got {method!r}.")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    flat = np.empty(n_parameters(layer_sizes), dtype=dtype)
    weights, biases = unpack(flat, layer_sizes)
    for W, b in zip(weights, biases):
        fan_in, fan_out = W.shape
        if method == "glorot":
            bound = math.sqrt((2.0 if activation == "logistic" else 6.0) / (fan_in + fan_out))
            W[...] = rng.uniform(-bound, bound, W.shape)
            b[...] = rng.uniform(-bound, bound, b.shape)
        elif method == "he":
            W[...] = rng.normal(0.0, math.sqrt(2.0 / fan_in), W.shape)
            b[...] = 0
        else:
            W[...] = rng.standard_normal(W.shape) * 0.01
            b[...] = 0
    return weights, biases


# --------------------------------------------------------------------------
# Forward, loss, backward.
# --------------------------------------------------------------------------


def forward_pass(X, weights, biases, activation="relu", out_activation="softmax", buffers=None):
    """Compute every layer's activation, A[l] = f(A[l-1] @ W[l] + b[l]).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    weights, biases : lists of ndarray, see :func:`unpack`.
    activation : str
        Hidden-layer activation, a key of ``ACTIVATIONS``.
    out_activation : {"softmax", "logistic", "identity"}
        Output activation: softmax for several classes, logistic for one unit.
    buffers : list of ndarray, optional
        ``buffers[l]`` of shape (>= n_samples, layer_sizes[l+1]); reused to
        hold A[l+1] instead of allocating (see :class:`Workspace`).

    Returns
    -------
    activations : list of ndarray
        ``[X, A[1], ..., A[L]]``; ``activations[-1]`` holds the output
        probabilities, of shape (n_samples, n_outputs).
    """
    n = X.shape[0]
    activations = [X]
    last = len(weights) - 1
    for l, (W, b) in enumerate(zip(weights, biases)):
        out = None if buffers is None else buffers[l][:n]
        Z = np.matmul(activations[-1], W, out=out)
        Z += b
        f = ACTIVATIONS[out_activation if l == last else activation]
        activations.append(f(Z, out=Z))
    return activations


def cross_entropy(Y, P, out_activation="softmax"):
    """Cross-entropy of each sample, l_i = -sum_k Y[i,k] log p[i,k].

    With logistic output units it is the binary cross-entropy summed over the
    units, l_i = -sum_k (y log p + (1 - y) log(1 - p)). Probabilities are
    clipped to [eps, 1 - eps] first, so every l_i is finite.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        One-hot targets (softmax), or 0/1 indicators (logistic units).
    P : ndarray of shape (n_samples, n_outputs)
        Output probabilities, ``forward_pass(...)[-1]``.
    out_activation : {"softmax", "logistic"}

    Returns
    -------
    per_sample : ndarray of shape (n_samples,)
    """
    eps = np.finfo(P.dtype).eps
    if out_activation == "logistic":
        P = np.clip(P, eps, 1 - eps)
        return -(Y * np.log(P) + (1 - Y) * np.log1p(-P)).sum(axis=1)
    # Y is one-hot, so sum_k Y[i,k] log p[i,k] = log p[i, true class]: one log per row
    p_true = np.einsum("ij,ij->i", Y, P)
    np.minimum(np.maximum(p_true, eps, out=p_true), 1 - eps, out=p_true)  # = np.clip, without its overhead
    return np.negative(np.log(p_true, out=p_true), out=p_true)


def squared_weights(weights):
    """sum_l ||W[l]||^2, the L2 penalty without its factor alpha / (2 S)."""
    return sum(float(np.dot(W.ravel(), W.ravel())) for W in weights)


def mean_loss(per_sample, sample_weight=None, alpha=0.0, sum_squared_weights=0.0):
    """loss = sum_i s_i l_i / S  +  alpha / (2 S) sum_l ||W[l]||^2, with S = sum_i s_i.

    Without sample weights s_i = 1 and S = n_samples. ``per_sample`` comes from
    :func:`cross_entropy`, ``sum_squared_weights`` from :func:`squared_weights`.
    """
    if sample_weight is None:
        loss = float(per_sample.sum() / per_sample.shape[0])  # np.mean without its Python-level overhead
        total = per_sample.shape[0]
    else:
        loss = float(np.average(per_sample, weights=sample_weight))
        total = float(np.sum(sample_weight))
    if alpha:
        loss += 0.5 * alpha * sum_squared_weights / total
    return loss


def compute_loss(Y, P, weights=(), alpha=0.0, sample_weight=None, out_activation="softmax"):
    """Mean cross-entropy plus the L2 penalty, exactly as MLPClassifier defines them.

    loss = -1/S sum_i s_i sum_k Y[i,k] log p[i,k]  +  alpha / (2 S) sum_l ||W[l]||^2,
    with S = sum_i s_i (= n_samples without sample weights); see
    :func:`cross_entropy` for the logistic case and the clipping.

    Parameters
    ----------
    Y, P, out_activation
        Targets, output probabilities and output activation, as in :func:`cross_entropy`.
    weights : list of ndarray
        Weight matrices for the penalty (biases are not penalised).
    alpha : float
        L2 penalty strength.
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    loss : float
    """
    penalty = squared_weights(weights) if alpha else 0.0
    return mean_loss(cross_entropy(Y, P, out_activation), sample_weight, alpha, penalty)


def backward_pass(activations, Y, weights, activation="relu", alpha=0.0, sample_weight=None,
                  grads=None, deltas=None, flat=None):
    """Gradient of :func:`compute_loss` with respect to every W[l] and b[l] (backpropagation).

    Output layer: with softmax + cross-entropy (or sigmoid + binary
    cross-entropy) the derivative of the loss with respect to Z[L] collapses to
    ``delta[L] = (A[L] - Y) * s`` (s = sample weights). Then, going backwards::

        dW[l]      = (A[l-1].T @ delta[l] + alpha W[l]) / S
        db[l]      = sum_i delta[l][i] / S
        delta[l-1] = (delta[l] @ W[l].T) * f'(Z[l-1])      (f' read from A[l-1])

    Parameters
    ----------
    activations : list of ndarray
        Output of :func:`forward_pass`.
    Y : ndarray of shape (n_samples, n_outputs)
        One-hot (or 0/1 indicator) targets.
    weights : list of ndarray
    activation : str
        Hidden-layer activation used in the forward pass.
    alpha : float
        L2 penalty strength.
    sample_weight : ndarray of shape (n_samples,), optional
    grads : (list, list), optional
        ``(weight_grads, bias_grads)`` arrays to write into, e.g. views of a
        flat gradient buffer; allocated if omitted.
    deltas : list of ndarray, optional
        Scratch buffers, ``deltas[l]`` of shape (>= n_samples, layer_sizes[l+1]).
    flat : (ndarray, ndarray), optional
        ``(params, grad)``: the flat buffers that ``weights`` and ``grads`` are views
        of (see :func:`unpack`), to apply the penalty and the division by S to the
        whole network at once. Same numbers as without them, fewer operations.

    Returns
    -------
    weight_grads, bias_grads : lists of ndarray, shaped like ``weights`` and the biases.
    """
    n = Y.shape[0]
    derivative = DERIVATIVES[activation]
    if grads is None:
        grads = ([np.empty_like(W) for W in weights], [np.empty(W.shape[1], W.dtype) for W in weights])
    weight_grads, bias_grads = grads
    total = n if sample_weight is None else float(np.sum(sample_weight))
    last = len(weights) - 1
    delta = np.subtract(activations[-1], Y, out=None if deltas is None else deltas[last][:n])
    if sample_weight is not None:
        delta *= sample_weight.reshape(-1, 1)
    for l in range(last, -1, -1):
        np.matmul(activations[l].T, delta, out=weight_grads[l])
        np.einsum("ij->j", delta, out=bias_grads[l])  # = delta.sum(axis=0), same order of additions, 2x faster
        if l > 0:
            delta = np.matmul(delta, weights[l].T, out=None if deltas is None else deltas[l - 1][:n])
            derivative(activations[l], delta)
    # Then dW[l] += alpha W[l], dW[l] /= S and db[l] /= S: element by element, so on the flat
    # buffers (all weights first, see unpack) two operations do it for the whole network.
    if flat is not None:
        params, grad = flat
        n_weights = sum(W.size for W in weights)
        if alpha:
            grad[:n_weights] += alpha * params[:n_weights]
        grad /= total
    else:
        for W, gW, gb in zip(weights, weight_grads, bias_grads):
            if alpha:
                gW += alpha * W
            gW /= total
            gb /= total
    return weight_grads, bias_grads


# --------------------------------------------------------------------------
# Training.
# --------------------------------------------------------------------------


_threadpools = None
SMALL_MATMUL = 1 << 24  # multiply-adds per layer product below which one BLAS thread is fastest


def blas_threads(n_rows, layer_sizes):
    """Context manager: run BLAS on one thread while the network's matrix products are small.

    For products this size, waking and spinning BLAS worker threads costs more than the
    arithmetic: on a busy 2-core machine a (1797, 64) @ (64, 32) product took 0.23 ms on
    one thread and 5.6 ms on two. Large products keep the library's default.
    """
    global _threadpools
    widest = max(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    if n_rows * widest >= SMALL_MATMUL:
        return contextlib.nullcontext()
    if _threadpools is None:
        _threadpools = ThreadpoolController()
    return _threadpools.limit(limits=1, user_api="blas")


class Workspace:
    """Buffers reused across batches, so a training step allocates (almost) nothing.

    Holds each layer's activations and deltas for up to ``batch_size`` rows, except
    the output layer's activations, which hold ``n_samples`` rows (default
    ``batch_size``): :func:`train_epoch` keeps every batch's outputs there and computes
    the epoch's losses and accuracy from them at once. Also a flat gradient vector
    with per-layer views laid out like the parameters.
    """

    def __init__(self, layer_sizes, batch_size, dtype, n_samples=None):
        rows = [batch_size] * (len(layer_sizes) - 2) + [max(batch_size, n_samples or 0)]
        self.activations = [np.empty((n, k), dtype) for n, k in zip(rows, layer_sizes[1:])]
        self.deltas = [np.empty((batch_size, k), dtype) for k in layer_sizes[1:]]
        self.grad = np.empty(n_parameters(layer_sizes), dtype)
        self.grads = unpack(self.grad, layer_sizes)


def batch_slices(n_samples, batch_size):
    """Consecutive slices of ``batch_size`` rows; the last one holds the remainder."""
    return [slice(start, min(start + batch_size, n_samples)) for start in range(0, n_samples, batch_size)]


def correct_mask(Y, P, out_activation="softmax"):
    """Boolean per row: is the prediction right?

    Softmax: argmax of P equals the true class (``Y`` one-hot, or already class indices).
    Logistic: every unit's p > 0.5 agrees with its 0/1 target.
    """
    if out_activation == "softmax":
        return P.argmax(axis=1) == (Y if Y.ndim == 1 else Y.argmax(axis=1))
    return ((P > 0.5) == (Y > 0.5)).all(axis=1)


def count_correct(Y, P, out_activation="softmax"):
    """Number of rows predicted right, see :func:`correct_mask`."""
    return int(np.count_nonzero(correct_mask(Y, P, out_activation)))


def train_epoch(X, Y, weights, biases, optimizer, *, activation="relu", out_activation="softmax",
                alpha=0.0, batch_size=200, sample_weight=None, order=None, workspace=None, labels=None):
    """One pass over the data in mini-batches: forward, loss, backward, optimizer step.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        One-hot (or 0/1 indicator) targets, same dtype as X.
    weights, biases : lists of ndarray
        Views into ``optimizer.params``, updated in place.
    optimizer : object with ``params`` (flat ndarray) and ``step(grad)``
        See :mod:`digitnet.optimizers`.
    activation, out_activation, alpha, sample_weight
        As in :func:`forward_pass` and :func:`backward_pass`.
    batch_size : int
        Rows per gradient step; ``n_samples`` for full-batch gradient descent.
    order : ndarray of int, optional
        A permutation of the rows (shuffling); ``None`` keeps the given order.
    workspace : Workspace, optional
        Reused buffers; created if omitted.
    labels : ndarray of shape (n_samples,), optional
        Class index of each row (``Y.argmax(axis=1)``), used to count right
        predictions; pass it to save computing it again every epoch (softmax only).

    Returns
    -------
    loss : float
        Mean over the epoch of the batch losses, weighted by batch size
        (MLPClassifier's ``loss_curve_`` entry).
    accuracy : float
        Fraction of rows predicted right while they were trained on.
    """
    n = X.shape[0]
    ws = workspace or Workspace([X.shape[1]] + [W.shape[1] for W in weights], min(batch_size, n), X.dtype, n)
    if order is not None:  # take() gathers rows faster than X[order]; same values
        X, Y = X.take(order, axis=0), Y.take(order, axis=0)
        labels = None if labels is None else labels.take(order)
        sample_weight = None if sample_weight is None else sample_weight[order]
    if labels is None:
        labels = Y.argmax(axis=1) if out_activation == "softmax" else Y  # class indices: cheaper to compare
    # Each batch's outputs stay in their rows of one epoch-sized buffer (the backward pass reads them
    # there too), so the loss and accuracy below cost a few operations per epoch instead of per batch.
    outputs = ws.activations[-1] if ws.activations[-1].shape[0] >= n else np.empty((n, Y.shape[1]), X.dtype)
    buffers = list(ws.activations)
    batches = batch_slices(n, batch_size)
    penalties = []
    for batch in batches:
        buffers[-1] = outputs[batch]
        activations = forward_pass(X[batch], weights, biases, activation, out_activation, buffers)
        penalties.append(squared_weights(weights) if alpha else 0.0)  # before this step changes them
        sw = None if sample_weight is None else sample_weight[batch]
        backward_pass(activations, Y[batch], weights, activation, alpha, sw, ws.grads, ws.deltas,
                      flat=(optimizer.params, ws.grad))
        optimizer.step(ws.grad)
    per_sample = cross_entropy(Y, outputs[:n], out_activation)
    total_loss = 0.0
    for batch, penalty in zip(batches, penalties):
        sw = None if sample_weight is None else sample_weight[batch]
        total_loss += mean_loss(per_sample[batch], sw, alpha, penalty) * (batch.stop - batch.start)
    return total_loss / n, count_correct(labels, outputs[:n], out_activation) / n


def train_model(X, y, hidden_layer_sizes=(64,), activation="logistic", *, epochs=1000, learning_rate=0.1,
                batch_size=None, weight_init="glorot", alpha=0.0, momentum=0.0, random_state=None,
                X_val=None, y_val=None):
    """Train a classifier by (mini-batch) gradient descent and record its learning curves.

    With ``batch_size=None`` every step uses the whole training set (plain,
    full-batch gradient descent, as in the original project):
    ``theta <- theta - learning_rate * grad(loss)(theta)`` once per epoch.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Integer class labels 0..K-1.
    hidden_layer_sizes : tuple of int
    activation : str
        Hidden activation, a key of ``DERIVATIVES``.
    epochs : int
    learning_rate : float
    batch_size : int or None
    weight_init : {"glorot", "he", "small_normal"}
    alpha : float
        L2 penalty strength.
    momentum : float
        Classical momentum (0 = plain gradient descent).
    random_state : int, Generator or None
    X_val, y_val : optional validation data, recorded in the history.

    Returns
    -------
    weights, biases : lists of ndarray
    history : dict of lists
        ``loss``, ``accuracy`` per epoch (and ``val_loss``, ``val_accuracy``).
    """
    from .optimizers import SGD

    rng = np.random.default_rng(random_state)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    n_classes = int(y.max()) + 1
    Y = np.eye(n_classes, dtype=X.dtype)[y]
    sizes = [X.shape[1], *hidden_layer_sizes, n_classes]
    weights, biases = initialize_weights(sizes, activation, weight_init, rng, X.dtype)
    optimizer = SGD(weights[0].base, learning_rate, momentum=momentum, nesterov=False)
    batch_size = X.shape[0] if batch_size is None else min(batch_size, X.shape[0])
    workspace = Workspace(sizes, batch_size, X.dtype, X.shape[0])
    history = {"loss": [], "accuracy": []}
    if X_val is not None:
        history.update(val_loss=[], val_accuracy=[])
        Y_val = np.eye(n_classes, dtype=X.dtype)[np.asarray(y_val)]
    with blas_threads(batch_size, sizes):
        for epoch in range(1, epochs + 1):
            order = rng.permutation(X.shape[0]) if batch_size < X.shape[0] else None
            loss, acc = train_epoch(X, Y, weights, biases, optimizer, activation=activation, alpha=alpha,
                                    batch_size=batch_size, order=order, workspace=workspace, labels=y)
            if not np.isfinite(loss):
                raise FloatingPointError(
                    f"training diverged at epoch {epoch}: the loss is {loss}; use a smaller learning_rate")
            history["loss"].append(loss)
            history["accuracy"].append(acc)
            if X_val is not None:
                P = forward_pass(np.asarray(X_val, X.dtype), weights, biases, activation)[-1]
                history["val_loss"].append(compute_loss(Y_val, P, weights, alpha))
                history["val_accuracy"].append(count_correct(Y_val, P) / len(Y_val))
    return weights, biases, history


def predict(X, weights, biases, activation="relu"):
    """Class index with the highest output probability, for a network from :func:`train_model`."""
    return forward_pass(np.asarray(X, weights[0].dtype), weights, biases, activation)[-1].argmax(axis=1)
