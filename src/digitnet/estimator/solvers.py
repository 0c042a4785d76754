"""The estimators' solvers and the features scikit-learn declined, as the training loop sets them up.

- :func:`make_optimizer`: the optimizer of a stochastic fit, with its learning-rate schedule
  (:mod:`digitnet.nn.optimizers`, :mod:`digitnet.nn.schedules`). ``sgd`` and ``adam`` with scikit-learn's
  schedules are built exactly as MLPClassifier builds them (its Adam ignores ``invscaling`` and
  ``adaptive``, as MLPClassifier's does); every other pairing runs the schedule around the optimizer.
- :func:`dropout_rates`: the ``dropout`` parameter as one rate per hidden layer (None: no dropout).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator

from ..nn.optimizers import SGD, Adam, AdamW, NAdam, Optimizer, RMSprop
from ..nn.schedules import SKLEARN_SCHEDULES, Scheduled, schedule_for

#: scikit-learn's stochastic solvers, then the ones it declined.
STOCHASTIC_SOLVERS = ("sgd", "adam", "adamw", "rmsprop", "nadam")
SOLVERS = ("lbfgs", *STOCHASTIC_SOLVERS)


def make_optimizer(model: BaseEstimator, flat: np.ndarray, n_weights: int, steps_per_epoch: int) -> Optimizer:
    """The optimizer of a stochastic fit of ``model`` over the flat parameters ``flat`` (its first ``n_weights``
    entries the weights, which AdamW decays), for ``steps_per_epoch`` mini-batches an epoch."""
    m, schedule = model, model.learning_rate
    if m.solver == "sgd":
        inner = SGD(
            flat,
            m.learning_rate_init,
            m.momentum,
            m.nesterovs_momentum,
            schedule if schedule in SKLEARN_SCHEDULES else "constant",
            m.power_t,
        )
    elif m.solver == "adam":
        inner = Adam(flat, m.learning_rate_init, m.beta_1, m.beta_2, m.epsilon)
    elif m.solver == "adamw":
        inner = AdamW(flat, m.learning_rate_init, m.beta_1, m.beta_2, m.epsilon, m.weight_decay, n_weights)
    elif m.solver == "rmsprop":
        inner = RMSprop(flat, m.learning_rate_init, m.rho, m.epsilon)
    else:
        inner = NAdam(flat, m.learning_rate_init, m.beta_1, m.beta_2, m.epsilon)
    if m.solver in ("sgd", "adam") and schedule in SKLEARN_SCHEDULES:
        return inner  # scikit-learn's own: SGD runs them, Adam ignores them
    scheduled = schedule_for(
        schedule,
        epochs=m.max_iter,
        steps_per_epoch=steps_per_epoch,
        power_t=m.power_t,
        warmup=m.warmup,
        step_size=m.step_every,
        gamma=m.step_factor,
    )
    return inner if scheduled is None else Scheduled(inner, scheduled)


def dropout_rates(dropout: float | Sequence[float], n_hidden: int, solver: str) -> tuple[float, ...] | None:
    """``dropout`` (one rate, or one per hidden layer) as a tuple of ``n_hidden`` rates in [0, 1), or None when
    every rate is 0 (then nothing changes, no number drawn). A ValueError says what is wrong."""
    if isinstance(dropout, Real) and not isinstance(dropout, bool):
        rates = (float(dropout),) * n_hidden
    else:
        rates = tuple(float(p) for p in np.asarray(dropout, dtype=float).ravel())
        if len(rates) != n_hidden:
            raise ValueError(
                f"dropout has {len(rates)} rates but the network has {n_hidden} hidden layer(s);"
                " give one rate for every hidden layer, or one per layer"
            )
    if not all(0 <= p < 1 for p in rates):
        raise ValueError(f"dropout rates must be in [0, 1), got {dropout!r}")
    if not any(rates):
        return None
    if solver == "lbfgs":
        raise ValueError(
            "dropout needs a stochastic solver (sgd, adam, adamw, rmsprop, nadam): lbfgs minimises"
            " one fixed loss, which random masks would change at every evaluation"
        )
    return rates
