"""``train_model``: the original project's training function, as one setting of the estimator's training loop.

There is one training loop in digitnet, :meth:`~digitnet.estimator.base.BaseNumpyMLP._fit_stochastic`;
``train_model`` runs it for plain (or mini-batch) gradient descent, so that its curves are those of
``NumpyMLPClassifier(solver="sgd", ...)`` to the bit. The readable twin of one epoch is
:func:`digitnet.nn.training.train_epoch`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.exceptions import ConvergenceWarning

from ..nn.activations import DEFAULT_ACTIVATION, Activation
from .classifier import NumpyMLPClassifier
from .divergence import TrainingDiverged
from .policy import TrainingPolicy

#: train_model's policy: the first epoch that diverges ends training with an error.
RAISE = TrainingPolicy(on_divergence="raise")


def train_model(
    X: ArrayLike,
    y: ArrayLike,
    hidden_layer_sizes: Sequence[int] = (64,),
    activation: str | Activation = DEFAULT_ACTIVATION,
    *,
    epochs: int = 1000,
    learning_rate: float = 0.1,
    batch_size: int | None = None,
    weight_init: str = "glorot",
    alpha: float = 0.0,
    momentum: float = 0.0,
    random_state: int | np.random.RandomState | np.random.Generator | None = None,
    X_val: ArrayLike | None = None,
    y_val: ArrayLike | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray], dict[str, list]]:
    """Train a classifier by (mini-batch) gradient descent and record its learning curves.

    With ``batch_size=None`` every step uses the whole training set (plain, full-batch gradient
    descent, as in the original project): ``theta <- theta - learning_rate * grad(loss)(theta)``
    once per epoch. It is ``NumpyMLPClassifier(solver="sgd", learning_rate_init=learning_rate,
    momentum=momentum, nesterovs_momentum=False, tol=0, n_iter_no_change=inf, max_iter=epochs,
    random_state=np.random.default_rng(random_state), shuffle=<mini-batches>, ...)``, whose fit draws the
    initial weights and then each epoch's shuffle from that generator.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Integer class labels 0..K-1, every one of them present (the output has K units; one
        logistic unit for K = 2, as MLPClassifier builds it).
    hidden_layer_sizes : tuple of int
    activation : str
        Hidden activation, a name in the registry of :mod:`digitnet.nn.activations`.
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
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    classes = np.unique(y)
    if not np.array_equal(classes, np.arange(len(classes))):
        raise ValueError(
            f"train_model takes the labels 0..K-1, each present; got {classes.tolist()}"
            " (NumpyMLPClassifier takes any labels)"
        )
    n = X.shape[0]
    batch_size = n if batch_size is None else min(batch_size, n)
    model = NumpyMLPClassifier(
        hidden_layer_sizes,
        activation,
        solver="sgd",
        alpha=alpha,
        batch_size=batch_size,
        learning_rate_init=learning_rate,
        max_iter=epochs,
        shuffle=batch_size < n,
        random_state=np.random.default_rng(random_state),
        tol=0.0,
        momentum=momentum,
        nesterovs_momentum=False,
        n_iter_no_change=np.inf,
        weight_init=weight_init,
    )
    model.training_policy = RAISE
    validation = {} if X_val is None else {"X_val": np.asarray(X_val, X.dtype), "y_val": np.asarray(y_val)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed number of epochs: expected
        try:
            model.fit(X, y, **validation)
        except TrainingDiverged as exc:
            raise FloatingPointError(f"training {exc.what}; use a smaller learning_rate") from exc
    return model.coefs_, model.intercepts_, model.history_
