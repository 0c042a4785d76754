"""Gradient flow, layer by layer: how large each layer's gradient is, how far a step moves it, how spread its units are.

Three numbers per layer l = 1 .. L (L the output layer), the per-layer view of why training moves or stalls:

- the **gradient's norm** ||(dW[l], db[l])||, the Frobenius norm of the gradient of the layer's weights and
  biases together (:func:`~digitnet.nn.network.backward_pass`'s): vanishing gradients are norms that shrink
  layer by layer towards the input;
- the **update-to-weight ratio** ||Delta theta[l]|| / ||theta[l]||: how far a step moves the layer relative to
  its size (about 1e-3 is the rule of thumb of Karpathy's CS231n notes; far below, the layer barely learns; far
  above, it is being rewritten every step). For a plain gradient-descent step at rate eta, Delta = -eta g;
- the **spread of the activations**, the standard deviation of A[l] over every row and unit: units all alike
  (a spread near 0) learn alike; saturated sigmoid units sit at 0 or 1.

:func:`gradient_flow` computes them for given weights and data; the estimators record them during a fit
(``track=("grad_norms", "update_ratios", "activation_std")``, see :mod:`digitnet.nn.tracking`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .activations import DEFAULT_ACTIVATION, Activation
from .network import backward_pass, compute_loss, forward_pass, pack, unpack


@dataclass
class GradientFlow:
    """Per-layer numbers of :func:`gradient_flow`; index l - 1 is layer l (the last is the output layer)."""

    loss: float
    grad_norms: np.ndarray  # ||(dW[l], db[l])||
    weight_norms: np.ndarray  # ||(W[l], b[l])||
    update_ratios: np.ndarray  # learning_rate * grad_norms / weight_norms (NaN without a rate)
    activation_std: np.ndarray  # std of A[l] over rows and units


def layer_norms(flat: np.ndarray, layer_sizes: Sequence[int]) -> np.ndarray:
    """The norm of each layer's part (weights and biases together) of a flat vector in ``pack``'s order."""
    weights, biases = unpack(np.asarray(flat), layer_sizes)
    return np.array(
        [
            np.sqrt(np.sum(np.square(W, dtype=np.float64)) + np.sum(np.square(b, dtype=np.float64)))
            for W, b in zip(weights, biases)
        ]
    )


def gradient_flow(
    X: np.ndarray,
    Y: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activation: str | Activation = DEFAULT_ACTIVATION,
    alpha: float = 0.0,
    out_activation: str = "softmax",
    sample_weight: np.ndarray | None = None,
    learning_rate: float | None = None,
) -> GradientFlow:
    """The gradient's norm, the update-to-weight ratio of a gradient step, and the spread of the activations, per layer.

    Parameters
    ----------
    X, Y, weights, biases, activation, alpha, out_activation, sample_weight
        As in :func:`~digitnet.nn.network.backward_pass` (``Y`` as :func:`~digitnet.nn.network.compute_loss`
        takes it).
    learning_rate : float, optional
        The rate of a plain gradient-descent step, for the update-to-weight ratio eta ||g[l]|| / ||theta[l]||;
        without it the ratios are NaN (the estimators' tracking measures the real update instead).

    Returns
    -------
    GradientFlow
    """
    layers = forward_pass(X, weights, biases, activation, out_activation)
    loss = compute_loss(Y, layers[-1], weights, alpha, sample_weight, out_activation)
    weight_grads, bias_grads = backward_pass(layers, Y, weights, activation, alpha, sample_weight)
    sizes = [X.shape[1]] + [W.shape[1] for W in weights]
    grads, params = layer_norms(pack(weight_grads, bias_grads), sizes), layer_norms(pack(weights, biases), sizes)
    with np.errstate(divide="ignore", invalid="ignore"):  # a layer of zeros has no ratio: inf or NaN says so
        ratios = (learning_rate * grads / params) if learning_rate is not None else np.full(len(grads), np.nan)
    spread = np.array([float(np.std(A, dtype=np.float64)) for A in layers[1:]])
    return GradientFlow(loss, grads, params, ratios, spread)
