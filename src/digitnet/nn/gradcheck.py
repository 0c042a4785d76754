"""Finite-difference check of backpropagation (:func:`digitnet.nn.network.backward_pass`).

Each parameter theta_j of a small random network is nudged both ways and the
loss re-evaluated; the central difference

    g_j ~ (L(theta + eps e_j) - L(theta - eps e_j)) / (2 eps)        (error O(eps^2))

is compared with the analytic gradient, one parameter array (a W[l] or a b[l]) at a time:

    error = ||g - g_num|| / (||g|| + ||g_num||)                  (0 when both are 0)

Everything runs in float64. With eps = 1e-6 the round-off in the loss makes each difference
quotient wrong by about 1e-10 in absolute terms. Measured entry by entry, that is a large
relative error for an entry of 1e-7 (an error of 1e-3 that says nothing about backpropagation);
measured on whole arrays, it is small against the array's norm, so a correct gradient shows
errors below :data:`TOLERANCE` (typically 1e-10 to 1e-8) and a wrong one (a missing factor, a
transposed matrix) 1e-2 or more.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .network import (
    backward_pass,
    compute_loss,
    dropout_masks,
    forward_pass,
    initialize_weights,
    pack,
    smooth_labels,
)

__all__ = ["LOSSES", "TOLERANCE", "gradient_check", "relative_error"]

#: The largest error (see the module docstring) of a correct gradient, with eps = 1e-6 (measured: up to 3e-6 for
#: three sigmoid layers, whose first-layer gradient is tiny; 1e-10 to 1e-8 otherwise).
TOLERANCE = 1e-5


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """||a - n|| / (||a|| + ||n||) of two arrays (0 when both are 0): the error of a whole parameter array.

    A value that is not finite in either (a loss or a gradient that overflowed) checks nothing: the
    error is then ``inf``, a failure, never "within tolerance". Norms of finite values too large to
    square (1e200 and up) are taken of the arrays divided by their largest magnitude, which leaves the
    ratio as it is.
    """
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if not (np.isfinite(analytic).all() and np.isfinite(numeric).all()):
        return math.inf
    with np.errstate(over="ignore"):
        scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
        difference = np.linalg.norm(analytic - numeric)
    if not (np.isfinite(scale) and np.isfinite(difference)):
        largest = max(np.abs(analytic).max(), np.abs(numeric).max())
        return relative_error(analytic / largest, numeric / largest)
    return float(difference / scale) if scale > 0 else 0.0


#: The output layer and targets of each loss the check knows.
LOSSES = ("cross_entropy", "squared_error", "poisson")


def _targets(loss, rng, n_samples, n_classes):
    """Random targets and the output activation of ``loss`` (see :func:`gradient_check`)."""
    if loss == "squared_error":
        return rng.standard_normal((n_samples, n_classes)), "identity"
    if loss == "poisson":
        return rng.poisson(2.0, (n_samples, n_classes)).astype(float), "exp"
    y = rng.integers(n_classes, size=n_samples)
    if n_classes == 2:
        return y.reshape(-1, 1).astype(float), "logistic"
    return np.eye(n_classes)[y], "softmax"


def gradient_check(
    activation: str = "relu",
    hidden_layer_sizes: Sequence[int] = (5,),
    alpha: float = 0.0,
    n_samples: int = 7,
    n_classes: int = 3,
    seed: int = 0,
    eps: float = 1e-6,
    n_features: int = 4,
    loss: str = "cross_entropy",
    dropout: float = 0.0,
    label_smoothing: float = 0.0,
) -> float:
    """Largest relative error between backpropagated and finite-difference gradients.

    Parameters
    ----------
    activation : str
        Hidden activation, one of ``digitnet.nn.activations.HIDDEN_ACTIVATIONS``.
    hidden_layer_sizes : tuple of int
    alpha : float
        L2 penalty (its gradient is checked too).
    n_samples : int
        Rows of random data (X ~ N(0, 1), labels uniform over the classes).
    n_classes : int
        Output classes: softmax over ``n_classes`` units, or one logistic unit
        for 2 classes (as :class:`~digitnet.NumpyMLPClassifier` does).
    seed : int
        Seeds the data and the Glorot initial weights.
    eps : float
        Finite-difference step.
    n_features : int
        Input features.
    loss : {"cross_entropy", "squared_error", "poisson"}
        What the network is trained for: classes (softmax, or one logistic unit for 2), regression
        with ``n_classes`` outputs (identity output, half squared error: the regressor's), or
        Poisson regression (exp output, half Poisson deviance, counts as targets).
    dropout : float in [0, 1)
        Dropout rate of every hidden layer: its masks (:func:`~digitnet.nn.network.dropout_masks`) are
        drawn once, after the weights, and held fixed, so the loss is a function of the weights alone and
        its gradient (masks in delta) can be checked.
    label_smoothing : float in [0, 1]
        Smoothed class targets (:func:`~digitnet.nn.network.smooth_labels`; a cross-entropy only).

    Returns
    -------
    float
        The largest :func:`relative_error` over the parameter arrays (every W[l] and b[l]),
        between the backpropagated gradient and the finite differences; ``inf`` if a loss or a
        gradient was not finite (it overflowed: a huge ``alpha``, say), which fails any tolerance.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    # overflows are judged below (a loss or gradient that is not finite fails the check), not warned about
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n_samples, n_features))
        Y, out_activation = _targets(loss, rng, n_samples, n_classes)
        if label_smoothing and out_activation not in ("softmax", "logistic"):
            raise ValueError(f"label_smoothing smooths class targets; the {loss} loss has none")
        Y = smooth_labels(Y, label_smoothing, out_activation)
        sizes = [n_features, *hidden_layer_sizes, Y.shape[1]]
        # every weight and bias lives in flat; random inputs put no unit exactly on a relu kink
        flat, weights, biases = initialize_weights(sizes, activation, "glorot", rng, np.float64)
        masks = (
            dropout_masks(rng, [dropout] * len(hidden_layer_sizes), n_samples, hidden_layer_sizes) if dropout else None
        )

        def loss():
            activations = forward_pass(X, weights, biases, activation, out_activation, masks)
            return compute_loss(Y, activations[-1], weights, alpha, out_activation=out_activation)

        activations = forward_pass(X, weights, biases, activation, out_activation, masks)
        weight_grads, bias_grads = backward_pass(activations, Y, weights, activation, alpha)
        pack(weight_grads, bias_grads)

        numeric = np.empty_like(flat)
        for j in range(flat.size):
            saved = flat[j]
            flat[j] = saved + eps
            up = loss()
            flat[j] = saved - eps
            down = loss()
            flat[j] = saved
            numeric[j] = (up - down) / (2 * eps)
        errors, start = [], 0
        for g in weight_grads + bias_grads:  # the same order as in the flat buffers
            errors.append(relative_error(g.ravel(), numeric[start : start + g.size]))
            start += g.size
    return max(errors)
