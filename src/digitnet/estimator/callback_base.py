"""The callback protocol the training loop runs (:mod:`digitnet.estimator.callbacks` has the ready callbacks).

Kept apart from the ready ones so that the estimators import it without importing the model file
(which :class:`~digitnet.estimator.callbacks.ModelCheckpoint` writes, and which imports the estimators).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sklearn.base import BaseEstimator


class Callback:
    """A callback that does nothing: subclass it and override what you need (see the module docstring)."""

    def on_train_begin(self, model: BaseEstimator) -> None:
        """Before the first epoch of a fit."""

    def on_epoch_end(self, model: BaseEstimator, epoch: int, logs: dict[str, float]) -> bool:
        """After each epoch (its ``history_`` entry in ``logs``); return True to stop training."""
        return False

    def on_train_end(self, model: BaseEstimator) -> None:
        """After the last epoch."""


def check_callbacks(callbacks: Iterable[Callback] | None) -> list[Callback]:
    """``callbacks`` as a list (none: empty), each with an ``on_epoch_end`` method (a TypeError naming one that
    has not)."""
    callbacks = list(callbacks or [])
    for i, callback in enumerate(callbacks):
        if not callable(getattr(callback, "on_epoch_end", None)):
            raise TypeError(
                f"callbacks[{i}] is {callback!r}, not a callback: a callback has a method"
                " on_epoch_end(model, epoch, logs) (see digitnet.estimator.callbacks)"
            )
    return callbacks


def epoch_logs(model: BaseEstimator) -> dict[str, float]:
    """The last epoch's entry of ``model.history_``, with ``"epoch"`` and (stochastic solvers) ``"learning_rate"``."""
    logs = {key: values[-1] for key, values in model.history_.items() if values}
    logs["epoch"] = len(model.history_["loss"])
    optimizer = getattr(model, "_optimizer", None)
    if model.solver != "lbfgs" and optimizer is not None:
        logs["learning_rate"] = float(optimizer.rate)
    return logs


def train_begins(callbacks: Sequence[Callback], model: BaseEstimator) -> None:
    """Call each callback's ``on_train_begin`` (a user's object may lack it)."""
    for callback in callbacks:
        getattr(callback, "on_train_begin", lambda model: None)(model)


def epoch_ends(callbacks: Sequence[Callback], model: BaseEstimator) -> bool:
    """Call each callback's ``on_epoch_end`` with the last epoch's logs; whether one of them stops training (every
    callback is called, even after one has said stop, as Keras calls them)."""
    if not callbacks:
        return False
    logs = epoch_logs(model)
    return any([bool(callback.on_epoch_end(model, logs["epoch"], dict(logs))) for callback in callbacks])


def train_ends(callbacks: Sequence[Callback], model: BaseEstimator) -> None:
    """Call each callback's ``on_train_end`` (a user's object may lack it)."""
    for callback in callbacks:
        getattr(callback, "on_train_end", lambda model: None)(model)
