"""Training by (mini-batch) gradient descent: one epoch, a whole training run with its curves, and the loss of
the starting weights (the reference of :mod:`digitnet.nn.divergence`).

Per batch B of rows, one step is: forward pass, loss, backward pass, optimizer step::

    A = forward_pass(X[B]);  J_B = compute_loss(Y[B], A[L]);  g = backward_pass(A, Y[B]);  theta <- step(theta, g)

An epoch's loss is the mean of its batch losses weighted by batch size, each taken before its
step (what MLPClassifier records in ``loss_curve_``). This is the readable version; the estimator
trains with :func:`digitnet.nn._fast.train_epoch`, the same arithmetic in reused buffers.
"""

from __future__ import annotations

import numpy as np

from .activations import DEFAULT_ACTIVATION
from .divergence import DivergenceRule, baseline_loss
from .network import backward_pass, compute_loss, count_correct, forward_pass, initialize_weights, pack
from .optimizers import SGD


def batch_slices(n_samples, batch_size):
    """Consecutive slices of ``batch_size`` rows; the last one holds the remainder."""
    return [slice(start, min(start + batch_size, n_samples)) for start in range(0, n_samples, batch_size)]


def train_epoch(X, Y, weights, biases, optimizer, *, activation=DEFAULT_ACTIVATION, out_activation="softmax",
                alpha=0.0, batch_size=200, sample_weight=None, order=None):
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
        activations = forward_pass(X[batch], weights, biases, activation, out_activation)
        batch_loss = compute_loss(Y[batch], activations[-1], weights, alpha, sw, out_activation)
        total_loss += batch_loss * (batch.stop - batch.start)
        n_correct += count_correct(Y[batch], activations[-1], out_activation)
        weight_grads, bias_grads = backward_pass(activations, Y[batch], weights, activation, alpha, sw)
        optimizer.step(pack(weight_grads, bias_grads))
    return total_loss / n, n_correct / n


def starting_loss(X, Y, weights, biases, *, activation=DEFAULT_ACTIVATION, out_activation="softmax", alpha=0.0,
                  batch_size=200, sample_weight=None):
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


def train_model(X, y, hidden_layer_sizes=(64,), activation=DEFAULT_ACTIVATION, *, epochs=1000, learning_rate=0.1,
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
        Seeds the initial weights and the shuffling of mini-batches.
    X_val, y_val : optional validation data, recorded in the history.

    Returns
    -------
    weights, biases : lists of ndarray
    history : dict of lists
        ``loss``, ``accuracy`` per epoch (and ``val_loss``, ``val_accuracy``).

    Raises
    ------
    FloatingPointError
        When training diverges (:mod:`digitnet.nn.divergence`), at that epoch.
    """
    rng = np.random.default_rng(random_state)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    n_classes = int(y.max()) + 1
    Y = np.eye(n_classes, dtype=X.dtype)[y]
    sizes = [X.shape[1], *hidden_layer_sizes, n_classes]
    flat, weights, biases = initialize_weights(sizes, activation, weight_init, rng, X.dtype)
    optimizer = SGD(flat, learning_rate, momentum=momentum, nesterov=False)
    batch_size = X.shape[0] if batch_size is None else min(batch_size, X.shape[0])
    history = {"loss": [], "accuracy": []}
    if X_val is not None:
        history.update(val_loss=[], val_accuracy=[])
        X_val = np.asarray(X_val, X.dtype)
        Y_val = np.eye(n_classes, dtype=X.dtype)[np.asarray(y_val)]
    rule = DivergenceRule(starting_loss(X, Y, weights, biases, activation=activation, alpha=alpha,
                                        batch_size=batch_size), baseline_loss(Y))
    for epoch in range(1, epochs + 1):
        order = rng.permutation(X.shape[0]) if batch_size < X.shape[0] else None
        loss, accuracy = train_epoch(X, Y, weights, biases, optimizer, activation=activation, alpha=alpha,
                                     batch_size=batch_size, order=order)
        if rule.diverged(loss):
            raise FloatingPointError(f"training {rule.describe(epoch, loss)}; use a smaller learning_rate")
        history["loss"].append(loss)
        history["accuracy"].append(accuracy)
        if X_val is not None:
            P = forward_pass(X_val, weights, biases, activation)[-1]
            history["val_loss"].append(compute_loss(Y_val, P, weights, alpha))
            history["val_accuracy"].append(count_correct(Y_val, P) / len(Y_val))
    return weights, biases, history
