"""The network: its parameters, the forward pass, the loss and backpropagation (the readable path).

Notation (a batch is a block of rows; layers are numbered from 1 in formulas)::

    A[0] = X                                   X: (n_samples, n_features)
    Z[l] = A[l-1] @ W[l] + b[l]                W[l]: (fan_in, fan_out), b[l]: (fan_out,)
    A[l] = f(Z[l])                             hidden layers l = 1 .. L-1, f = the activation
    A[L] = softmax(Z[L])                       output layer (sigmoid if it has one unit)
    loss = -1/n sum_i sum_k Y[i,k] log A[L][i,k]  +  alpha/(2n) sum_l ||W[l]||^2

**Index convention in the code.** Python lists count from 0: ``weights[l]`` is W[l+1] and
``biases[l]`` is b[l+1], while ``activations`` starts with X, so ``activations[l]`` is A[l],
the input of ``weights[l]``, and ``activations[l + 1]`` is its output.

Parameters of a network live in **one flat buffer**: all weight matrices, then all bias vectors
(the order of scikit-learn's ``_pack``). ``weights`` and ``biases`` are lists of views into it,
so an optimizer updates the whole network with a few vectorised operations on the flat buffer.

The functions here allocate their results and are written to be read against the formulas (no
buffers, nothing in place); :mod:`digitnet.nn._fast` computes the same in reused buffers for the
estimator, in an order chosen for speed and for scikit-learn's numbers bit for bit. The two agree
to 1e-12 at every step (``tests/nn/test_fast.py``), not to the bit: that is the price of reading
``1 / (1 + exp(-z))`` here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import DTypeLike
from scipy.special import xlogy

from .activations import DEFAULT_ACTIVATION, Activation, get

WEIGHT_INITS = ("glorot", "he", "small_normal")


def n_parameters(layer_sizes: Sequence[int]) -> int:
    """Number of weights and biases of a network with these layer sizes (inputs first)."""
    return sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


def n_weights(layer_sizes: Sequence[int]) -> int:
    """Number of weights (biases not counted): sum_l fan_in_l * fan_out_l."""
    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


def unpack(flat: np.ndarray, layer_sizes: Sequence[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
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


def pack(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> np.ndarray:
    """The inverse of :func:`unpack`: one flat vector, all weights then all biases (a copy)."""
    return np.concatenate([W.ravel() for W in weights] + [b.ravel() for b in biases])


class Parameters(NamedTuple):
    """A network's parameters: the flat buffer and the per-layer views into it (see :func:`unpack`)."""

    flat: np.ndarray
    weights: list
    biases: list


def initialize_weights(
    layer_sizes: Sequence[int],
    activation: str | Activation = DEFAULT_ACTIVATION,
    method: str = "glorot",
    rng: np.random.Generator | np.random.RandomState | int | None = None,
    dtype: DTypeLike = np.float64,
) -> Parameters:
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
    rng : numpy.random.Generator, numpy.random.RandomState, int or None
        Source of randomness (``np.random.default_rng(rng)`` if neither). A RandomState draws
        exactly what MLPClassifier draws from it (``uniform`` for W, then b, layer by layer).
    dtype : dtype of the parameters.

    Returns
    -------
    Parameters
        ``(flat, weights, biases)``: the flat buffer of shape (n_parameters,) and the
        per-layer views into it, see :func:`unpack`.
    """
    if method not in WEIGHT_INITS:
        raise ValueError(f"weight_init must be one of {WEIGHT_INITS}, got {method!r}.")
    if not isinstance(rng, (np.random.Generator, np.random.RandomState)):
        rng = np.random.default_rng(rng)
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
    return Parameters(flat, weights, biases)


class ForwardPass(list):
    """What :func:`forward_pass` returns: the list ``[X, A[1], ..., A[L]]`` (so ``[-1]`` is the output), with
    ``pre_activations``, the list ``[Z[1], ..., Z[L]]`` that the backward pass reads for an activation whose
    derivative needs z (see :attr:`digitnet.nn.activations.Activation.needs`); with dropout masks, each hidden
    entry is f(Z[l]) M[l] (what the next layer takes), ``outputs`` the f(Z[l]) before the mask and ``masks``
    the masks (see :func:`dropout_masks`)."""

    def __init__(self, X: np.ndarray, masks: list[np.ndarray | None] | None = None) -> None:
        super().__init__([X])
        self.pre_activations = []
        self.outputs = []
        self.masks = masks


def dropout_masks(
    rng: np.random.Generator | np.random.RandomState, rates: Sequence[float], n_rows: int, widths: Sequence[int]
) -> list[np.ndarray | None]:
    """Inverted-dropout masks of one batch: for each hidden layer of rate p > 0, M = [u >= p] / (1 - p) with
    u ~ U[0, 1) drawn as ``rng.random((n_rows, width))`` (a unit is kept with probability 1 - p, and scaled so
    that E[M] = 1: nothing changes at prediction time); None for a layer of rate 0, which draws nothing.

    Parameters
    ----------
    rng : numpy.random.Generator or RandomState
        The estimator's random stream (a RandomState draws with ``random`` too).
    rates : sequence of float in [0, 1)
        One per hidden layer.
    n_rows : int
    widths : sequence of int
        The hidden layers' units.

    Returns
    -------
    list of (ndarray of shape (n_rows, width), or None)
    """
    return [None if p == 0 else (rng.random((n_rows, k)) >= p) * (1.0 / (1.0 - p)) for p, k in zip(rates, widths)]


def forward_pass(
    X: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activation: str | Activation = DEFAULT_ACTIVATION,
    out_activation: str = "softmax",
    masks: Sequence[np.ndarray | None] | None = None,
) -> ForwardPass:
    """Compute every layer's activation, A[l] = f(Z[l]) with Z[l] = A[l-1] @ W[l] + b[l].

    With dropout masks (training), each hidden layer's output is multiplied by its mask before the next
    layer takes it: A[l] = f(Z[l]) M[l] (inverted dropout, :func:`dropout_masks`).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    weights, biases : lists of ndarray, see :func:`unpack`.
    activation : str or Activation
        Hidden-layer activation, a name in the registry (:mod:`digitnet.nn.activations`), or an object.
    out_activation : {"softmax", "logistic", "identity", "exp"}
        Output activation: softmax for several classes, logistic for one unit (or several labels),
        identity and exp for regression.
    masks : list of (ndarray or None), optional
        One per hidden layer, of shape (n_samples, its units); None: no dropout.

    Returns
    -------
    ForwardPass
        The list ``[X, A[1], ..., A[L]]``, ``A[l]`` of shape (n_samples, layer_sizes[l]);
        ``[-1]`` holds the outputs (probabilities), and ``.pre_activations`` the Z[l].
    """
    f, f_out = get(activation), get(out_activation)
    layers = ForwardPass(X, masks)
    for l, (W, b) in enumerate(zip(weights, biases)):  # weights[l] = W[l+1], see the module docstring
        Z = layers[-1] @ W + b
        layers.pre_activations.append(Z)
        if l == len(weights) - 1:
            layers.append(f_out(Z))
            continue
        A = f(Z)
        layers.outputs.append(A)
        mask = None if masks is None else masks[l]
        layers.append(A if mask is None else A * mask)
    return layers


def cross_entropy(Y: np.ndarray, P: np.ndarray, out_activation: str = "softmax") -> np.ndarray:
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
    P = np.clip(P, eps, 1 - eps)
    if out_activation == "logistic":
        return -(Y * np.log(P) + (1 - Y) * np.log1p(-P)).sum(axis=1)  # log1p(-p) = log(1 - p), exact for small p
    return -(Y * np.log(P)).sum(axis=1)


def smooth_labels(Y: np.ndarray, label_smoothing: float, out_activation: str = "softmax") -> np.ndarray:
    """Targets with label smoothing eps, as PyTorch's ``cross_entropy(..., label_smoothing=eps)`` defines it.

    Softmax over K classes: Y' = (1 - eps) Y + eps / K, so that the cross-entropy is
    -sum_k Y'_k log p_k = (1 - eps) (-log p_true) + eps mean_k(-log p_k). A logistic unit is a softmax over
    two classes (z and 0), so each of its 0/1 targets becomes (1 - eps) y + eps / 2 (Keras's binary rule).
    With these targets the gradient with respect to the output's Z is still P - Y' (backward_pass).

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        One-hot targets (softmax) or 0/1 indicators (logistic units).
    label_smoothing : float in [0, 1]
    out_activation : {"softmax", "logistic"}

    Returns
    -------
    ndarray of Y's shape and dtype (Y itself when label_smoothing is 0)
    """
    if not label_smoothing:
        return Y
    classes = 2 if out_activation == "logistic" else Y.shape[1]
    return (Y * (1 - label_smoothing) + label_smoothing / classes).astype(Y.dtype, copy=False)


def half_squared_error(Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Half the squared error of each sample, averaged over its outputs: l_i = 1/2 mean_k (Y[i,k] - P[i,k])^2.

    Its mean over the samples is MLPRegressor's ``squared_error`` loss, 1/2 mean((Y - P)^2). (Its
    gradient with respect to the identity output's Z is taken as P - Y, as scikit-learn does:
    exact for one output, K times the mean's for K outputs.)
    """
    return 0.5 * np.mean((Y - P) ** 2, axis=1)


def half_poisson_deviance(Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Half the Poisson deviance of each sample, summed over its outputs: l_i = sum_k y log(y / p) - y + p.

    With the exponential output p = e^z its gradient with respect to z is p - y, so the backward
    pass is the same as for the other losses (MLPRegressor's ``poisson`` loss).
    """
    return np.sum(xlogy(Y, Y / P) - Y + P, axis=1)


def per_sample_loss(Y: np.ndarray, P: np.ndarray, out_activation: str = "softmax") -> np.ndarray:
    """Each sample's loss for this output: cross-entropy (softmax, logistic), half squared error
    (identity: regression), half Poisson deviance (exp: Poisson regression)."""
    if out_activation == "identity":
        return half_squared_error(Y, P)
    if out_activation == "exp":
        return half_poisson_deviance(Y, P)
    return cross_entropy(Y, P, out_activation)


def squared_weights(weights: Iterable[np.ndarray]) -> float:
    """sum_l ||W[l]||^2, the L2 penalty without its factor alpha / (2 S)."""
    return float(sum(np.sum(W**2) for W in weights))


def mean_loss(
    per_sample: np.ndarray,
    sample_weight: np.ndarray | None = None,
    alpha: float = 0.0,
    sum_squared_weights: float = 0.0,
) -> float:
    """loss = sum_i s_i l_i / S  +  alpha / (2 S) sum_l ||W[l]||^2, with S = sum_i s_i.

    Without sample weights s_i = 1 and S = n_samples. ``per_sample`` comes from
    :func:`per_sample_loss`, ``sum_squared_weights`` from :func:`squared_weights`.
    """
    if sample_weight is None:
        return float(np.mean(per_sample) + alpha * sum_squared_weights / (2 * len(per_sample)))
    S = np.sum(sample_weight)
    return float(np.sum(sample_weight * per_sample) / S + alpha * sum_squared_weights / (2 * S))


def compute_loss(
    Y: np.ndarray,
    P: np.ndarray,
    weights: Sequence[np.ndarray] = (),
    alpha: float = 0.0,
    sample_weight: np.ndarray | None = None,
    out_activation: str = "softmax",
) -> float:
    """Mean loss plus the L2 penalty, exactly as MLPClassifier and MLPRegressor define them.

    loss = -1/S sum_i s_i sum_k Y[i,k] log p[i,k]  +  alpha / (2 S) sum_l ||W[l]||^2,
    with S = sum_i s_i (= n_samples without sample weights); see
    :func:`cross_entropy` for the logistic case and the clipping, and :func:`per_sample_loss`
    for the regression losses that take the place of the first term.

    Parameters
    ----------
    Y, P, out_activation
        Targets, outputs and output activation, as in :func:`per_sample_loss`.
    weights : list of ndarray
        Weight matrices for the penalty (biases are not penalised).
    alpha : float
        L2 penalty strength.
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    loss : float
    """
    return mean_loss(per_sample_loss(Y, P, out_activation), sample_weight, alpha, squared_weights(weights))


def backward_pass(
    activations: ForwardPass,
    Y: np.ndarray,
    weights: Sequence[np.ndarray],
    activation: str | Activation = DEFAULT_ACTIVATION,
    alpha: float = 0.0,
    sample_weight: np.ndarray | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Gradient of :func:`compute_loss` with respect to every W[l] and b[l] (backpropagation).

    Output layer: with softmax + cross-entropy (or sigmoid + binary cross-entropy, identity + squared
    error, exp + Poisson deviance) the derivative of the loss with respect to Z[L] collapses to
    ``delta[L] = (A[L] - Y) * s`` (s = sample weights): the softmax's Jacobian times the
    cross-entropy's gradient -Y/A is A - Y, because each row of Y sums to 1. Then, going backwards
    from l = L to 1::

        dW[l]      = (A[l-1].T @ delta[l] + alpha W[l]) / S        (fan_in, fan_out)
        db[l]      = sum_i delta[l][i] / S                         (fan_out,)
        delta[l-1] = (delta[l] @ W[l].T) * f'(Z[l-1])              (n_samples, fan_in)

    with S = sum_i s_i (n_samples without sample weights), and f' read from Z[l-1] or A[l-1],
    whichever the activation needs. With dropout (a :class:`ForwardPass` made with masks), the mask of each
    hidden layer multiplies delta too: delta[l-1] = (delta[l] @ W[l].T) * M[l-1] * f'(Z[l-1]), with f' read
    from f(Z[l-1]) before the mask; the weight gradient takes A[l-1] as the next layer took it (masked).

    Parameters
    ----------
    activations : list of ndarray
        Output of :func:`forward_pass` (its ``pre_activations`` are read if the activation needs z).
    Y : ndarray of shape (n_samples, n_outputs)
        One-hot (or 0/1 indicator) targets, or regression targets.
    weights : list of ndarray
    activation : str
        Hidden-layer activation used in the forward pass.
    alpha : float
        L2 penalty strength.
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    weight_grads, bias_grads : lists of ndarray, shaped like ``weights`` and the biases.
    """
    f = get(activation)
    pre_activations = getattr(activations, "pre_activations", None)
    masks = getattr(activations, "masks", None)
    weight_grads, bias_grads = [None] * len(weights), [None] * len(weights)
    delta = activations[-1] - Y  # delta[L] = (A[L] - Y) s
    S = len(Y)
    if sample_weight is not None:
        delta = delta * sample_weight[:, None]
        S = np.sum(sample_weight)
    for l in reversed(range(len(weights))):  # weights[l] = W[l+1]; activations[l] = A[l], its input
        weight_grads[l] = (activations[l].T @ delta + alpha * weights[l]) / S
        bias_grads[l] = delta.sum(axis=0) / S
        if l > 0:  # Z[l] is pre_activations[l - 1]
            Z = None if pre_activations is None else pre_activations[l - 1]
            mask = None if masks is None else masks[l - 1]
            A = activations[l] if mask is None else activations.outputs[l - 1]  # f(Z) before the mask
            delta = (delta @ weights[l].T) * f.df(z=Z, a=A)
            if mask is not None:
                delta = delta * mask
    return weight_grads, bias_grads


def correct_mask(Y: np.ndarray, P: np.ndarray, out_activation: str = "softmax") -> np.ndarray:
    """Boolean per row: is the prediction right?

    Softmax: argmax of P equals the true class (``Y`` one-hot, or already class indices).
    Logistic: every unit's p > 0.5 agrees with its 0/1 target.
    """
    if out_activation == "softmax":
        return P.argmax(axis=1) == (Y if Y.ndim == 1 else Y.argmax(axis=1))
    return ((P > 0.5) == (Y > 0.5)).all(axis=1)


def count_correct(Y: np.ndarray, P: np.ndarray, out_activation: str = "softmax") -> int:
    """Number of rows predicted right, see :func:`correct_mask`."""
    return int(np.count_nonzero(correct_mask(Y, P, out_activation)))


def predict(
    X: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activation: str | Activation = DEFAULT_ACTIVATION,
) -> np.ndarray:
    """Class index with the highest output probability, for a network from ``functional.train_model``.

    A network with one output unit (two classes, as MLPClassifier builds it) has a logistic output:
    class 1 where p > 0.5.
    """
    X = np.asarray(X, weights[0].dtype)
    if weights[-1].shape[1] == 1:
        return (forward_pass(X, weights, biases, activation, "logistic")[-1][:, 0] > 0.5).astype(int)
    return forward_pass(X, weights, biases, activation)[-1].argmax(axis=1)
