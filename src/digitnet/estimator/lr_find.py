"""``lr_find``: the learning-rate range test of an estimator's network, from data and labels (``digitnet lr-find``).

The network's starting weights are drawn exactly as ``NumpyMLPClassifier(random_state=...)`` (or the
regressor) draws them, the targets are encoded as the estimator encodes them, and
:func:`digitnet.nn.lr_range.lr_range_test` ramps the rate of one short training from there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state

from ..nn.activations import Activation
from ..nn.lr_range import RangeTest, lr_range_test
from ..nn.network import initialize_weights
from .base import batch_rows

#: What ``task=`` takes: the target's kind, and so the output and loss.
TASKS = ("classification", "regression")


def _targets(y, task, dtype):
    """``(Y, out_activation)``: one-hot labels and softmax (one logistic unit for two classes, logistic units for
    a multilabel indicator matrix), as the classifier encodes them; or the values and the identity output."""
    y = np.asarray(y)
    if task == "regression":
        return np.asarray(y, dtype=dtype).reshape(len(y), -1), "identity"
    binarizer = LabelBinarizer().fit(y)
    if len(binarizer.classes_) < 2:
        raise ValueError(f"the range test needs at least two classes; the labels hold {len(binarizer.classes_)}")
    Y = binarizer.transform(y).astype(dtype)
    return Y, "softmax" if Y.shape[1] > 1 and not binarizer.y_type_.startswith("multilabel") else "logistic"


def lr_find(
    X: ArrayLike,
    y: ArrayLike,
    *,
    hidden_layer_sizes: Sequence[int] = (100,),
    activation: str | Activation = "relu",
    weight_init: str = "glorot",
    alpha: float = 0.0001,
    solver: str = "sgd",
    momentum: float = 0.0,
    batch_size: int | str = "auto",
    min_rate: float = 1e-5,
    max_rate: float = 10.0,
    steps: int = 200,
    random_state: int | np.random.RandomState | np.random.Generator | None = 0,
    task: str = "classification",
) -> RangeTest:
    """The learning-rate range test (Smith 2017; fastai's ``lr_find``) of a network as the estimators build it.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training rows (scaled as for training).
    y : ndarray of shape (n_samples,) (or (n_samples, n_outputs): a multilabel indicator, or a regression's)
        Class labels, or values with ``task="regression"``.
    hidden_layer_sizes, activation, weight_init, alpha, momentum
        The estimators' parameters of these names (momentum: classical, not Nesterov's).
    solver : {"sgd", "adam"}
    batch_size : int, "auto" or "full"
        Rows per step: ``"auto"`` = min(200, n_samples), as the estimators; ``"full"``: all of them (plain
        gradient descent, the learning-rate study's setting).
    min_rate, max_rate, steps
        The exponential ramp of :func:`~digitnet.nn.lr_range.lr_range_test`.
    random_state : int or RandomState
        Draws the starting weights, as the estimators' ``random_state`` does (an int also orders the batches).
    task : {"classification", "regression"}

    Returns
    -------
    digitnet.nn.lr_range.RangeTest
        The rates, losses, smoothed losses and the suggested rate (its rule: :mod:`digitnet.nn.lr_range`).
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    if solver not in ("sgd", "adam"):
        raise ValueError(f"the range test ramps the rate of sgd or adam, got solver={solver!r}")
    dtype = np.float32 if np.asarray(X).dtype == np.float32 else np.float64
    X = np.asarray(X, dtype=dtype)
    Y, out_activation = _targets(y, task, dtype)
    hidden = [hidden_layer_sizes] if np.ndim(hidden_layer_sizes) == 0 else list(hidden_layer_sizes)
    sizes = [X.shape[1], *[int(h) for h in hidden], Y.shape[1]]
    rng = check_random_state(random_state)
    weights, biases = initialize_weights(sizes, activation, weight_init, rng, dtype)[1:]
    rows = X.shape[0] if batch_size == "full" else batch_rows("sgd", batch_size, X.shape[0])
    seed = int(random_state) if isinstance(random_state, (int, np.integer)) else 0
    return lr_range_test(
        X,
        Y,
        weights,
        biases,
        activation=activation,
        out_activation=out_activation,
        alpha=alpha,
        solver=solver,
        momentum=momentum,
        batch_size=rows,
        min_rate=min_rate,
        max_rate=max_rate,
        steps=steps,
        seed=seed,
    )
