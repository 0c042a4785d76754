"""Training by (mini-batch) gradient descent, the readable way: one epoch, and the loss of the starting weights
(the reference of :mod:`digitnet.nn.divergence`).

Per batch B of rows, one step is: forward pass, loss, backward pass, optimizer step::

    A = forward_pass(X[B]);  J_B = compute_loss(Y[B], A[L]);  g = backward_pass(A, Y[B]);  theta <- step(theta, g)

An epoch's loss is the mean of its batch losses weighted by batch size, each taken before its
step (what MLPClassifier records in ``loss_curve_``). This is the readable version, equal to the
speed path's :func:`digitnet.nn._fast.train_epoch` to 1e-12 (``tests/nn/test_fast.py``). Epochs
are run by one loop, the estimator's (:meth:`digitnet.estimator.base.BaseNumpyMLP._fit_stochastic`):
``digitnet.functional.train_model`` is that loop set for plain gradient descent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .activations import DEFAULT_ACTIVATION, Activation
from .network import backward_pass, compute_loss, count_correct, dropout_masks, forward_pass, pack
from .optimizers import Optimizer


def batch_slices(n_samples: int, batch_size: int) -> list[slice]:
    """Consecutive slices of ``batch_size`` rows; the last one holds the remainder."""
    return [slice(start, min(start + batch_size, n_samples)) for start in range(0, n_samples, batch_size)]


def train_epoch(
    X: np.ndarray,
    Y: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    optimizer: Optimizer,
    *,
    activation: str | Activation = DEFAULT_ACTIVATION,
    out_activation: str = "softmax",
    alpha: float = 0.0,
    batch_size: int = 200,
    sample_weight: np.ndarray | None = None,
    order: np.ndarray | None = None,
    dropout: Sequence[float] | None = None,
    rng: np.random.Generator | np.random.RandomState | None = None,
) -> tuple[float, float]:
    """One pass over the data in mini-batches: forward, loss, backward, optimizer step.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        One-hot (or 0/1 indicator) targets, same dtype as X.
    weights, biases : lists of ndarray
        Views into ``optimizer.params``, updated in place.
    optimizer : Optimizer
        See :mod:`digitnet.nn.optimizers`.
    activation, out_activation, alpha, sample_weight
        As in :func:`~digitnet.nn.network.forward_pass` and :func:`~digitnet.nn.network.backward_pass`.
    batch_size : int
        Rows per gradient step; ``n_samples`` for full-batch gradient descent.
    order : ndarray of int, optional
        A permutation of the rows (shuffling); ``None`` keeps the given order.
    dropout : sequence of float, optional
        Each hidden layer's dropout rate; the masks of each batch are drawn from ``rng`` before its
        forward pass (:func:`~digitnet.nn.network.dropout_masks`, layer by layer).
    rng : numpy.random.Generator or RandomState, optional
        Where dropout's masks are drawn from (needed with ``dropout``).

    Returns
    -------
    loss : float
        Mean over the epoch of the batch losses, weighted by batch size
        (MLPClassifier's ``loss_curve_`` entry).
    accuracy : float
        Fraction of rows predicted right while they were trained on.
    """
    n = X.shape[0]
    if order is not None:
        X, Y = X[order], Y[order]
        sample_weight = None if sample_weight is None else sample_weight[order]
    total_loss, n_correct = 0.0, 0
    for batch in batch_slices(n, batch_size):
        sw = None if sample_weight is None else sample_weight[batch]
        masks = (
            None
            if dropout is None
            else dropout_masks(rng, dropout, batch.stop - batch.start, [W.shape[1] for W in weights[:-1]])
        )
        activations = forward_pass(X[batch], weights, biases, activation, out_activation, masks)
        batch_loss = compute_loss(Y[batch], activations[-1], weights, alpha, sw, out_activation)
        total_loss += batch_loss * (batch.stop - batch.start)
        n_correct += count_correct(Y[batch], activations[-1], out_activation)
        weight_grads, bias_grads = backward_pass(activations, Y[batch], weights, activation, alpha, sw)
        optimizer.step(pack(weight_grads, bias_grads))
    return total_loss / n, n_correct / n


def starting_loss(
    X: np.ndarray,
    Y: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    *,
    activation: str | Activation = DEFAULT_ACTIVATION,
    out_activation: str = "softmax",
    alpha: float = 0.0,
    batch_size: int = 200,
    sample_weight: np.ndarray | None = None,
) -> float:
    """The loss of the starting weights, before any update, as an epoch would record it.

    The mean of the batch losses weighted by batch size, each with its L2 term (so the penalty
    counts once per batch, as in an epoch's loss), on the rows in their given order: what
    :func:`train_epoch` would return if no step changed the weights. The reference of the
    divergence rule (:mod:`digitnet.nn.divergence`); one forward pass, no random draw.

    Parameters
    ----------
    X, Y, weights, biases, activation, out_activation, alpha, batch_size, sample_weight
        As in :func:`train_epoch`.

    Returns
    -------
    loss : float
    """
    n, total = X.shape[0], 0.0
    for batch in batch_slices(n, batch_size):
        sw = None if sample_weight is None else sample_weight[batch]
        P = forward_pass(X[batch], weights, biases, activation, out_activation)[-1]
        total += compute_loss(Y[batch], P, weights, alpha, sw, out_activation) * (batch.stop - batch.start)
    return total / n
