"""Callbacks: objects the training loop calls after each epoch, able to stop it (``callbacks=`` of both estimators).

scikit-learn declined them (its issue 18507); Keras's callbacks and skorch's are the models. A callback has
three methods, each given the estimator being trained (``model.coefs_`` and ``model.intercepts_`` are views
of the weights, which it may read, copy or write in place)::

    on_train_begin(model)                  before the first epoch of a fit (or partial_fit)
    on_epoch_end(model, epoch, logs)       after each epoch is recorded; True stops training
    on_train_end(model)                    after the last epoch (and after early_stopping kept its best weights)

``epoch`` counts from 1 over the whole training (warm starts included: ``len(history_["loss"])``); ``logs``
is that epoch's entry of ``history_`` (``{"loss": ..., "accuracy": ..., "val_loss": ..., ...}``: the last
value of each list) plus ``"epoch"`` and, for a stochastic solver, ``"learning_rate"`` (the rate the next
epoch starts with). With lbfgs each iteration is an "epoch". Only :meth:`Callback.on_epoch_end` is required
of a user's object; :class:`Callback` gives the other two. A stop is not an error and no
``ConvergenceWarning`` follows it.

The ready ones: :class:`EarlyStopping` (any monitored quantity, ``restore_best_weights``),
:class:`ReduceLROnPlateau`, :class:`ModelCheckpoint` (a model file, written atomically), :class:`ProgressBar`
(tqdm) and :class:`TerminateOnNaN` (a loss that is not finite).
"""

from __future__ import annotations

import math
import os
import sys
from typing import Any, TextIO

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from tqdm import tqdm

from ..files import prepare_out_file
from ..model_file import save_model
from .base import BaseNumpyMLP
from .callback_base import Callback, check_callbacks, epoch_logs

__all__ = [
    "Callback",
    "EarlyStopping",
    "ModelCheckpoint",
    "ProgressBar",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
    "check_callbacks",
    "epoch_logs",
]


class _Monitor:
    """A monitored quantity of the logs, and whether a value improves on the best so far by more than min_delta."""

    def __init__(self, owner, monitor, mode, min_delta):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.owner, self.monitor, self.min_delta = owner, monitor, abs(min_delta)
        self.minimize = mode == "min" or (mode == "auto" and monitor.endswith("loss"))

    def worst(self):
        return math.inf if self.minimize else -math.inf

    def read(self, logs):
        if self.monitor not in logs:
            recorded = ", ".join(k for k in logs if k != "epoch")
            raise ValueError(
                f"{self.owner} monitors {self.monitor!r}, which this fit does not record (it records"
                f" {recorded}); the val_ quantities need held-out rows: fit(X, y, X_val=..., y_val=...)"
                " or early_stopping=True"
            )
        return float(logs[self.monitor])

    def improves(self, value, best):
        if not math.isfinite(value):
            return False
        return value < best - self.min_delta if self.minimize else value > best + self.min_delta


class EarlyStopping(Callback):
    """Stop when a monitored quantity has not improved for ``patience`` epochs (Keras's ``EarlyStopping``).

    An epoch improves when its value v beats the best b so far by more than ``min_delta``: v < b - min_delta
    (``mode="min"``) or v > b + min_delta (``"max"``); ``"auto"`` minimises a quantity whose name ends in
    ``loss`` and maximises any other. A value that is not finite never improves. Training stops at the
    epoch when ``patience`` epochs in a row have not improved.

    Parameters
    ----------
    monitor : str, default="val_loss"
        A key of ``history_`` (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ``val_r2``, ...).
    min_delta : float, default=0.0
    patience : int, default=10
    mode : {"auto", "min", "max"}, default="auto"
    restore_best_weights : bool, default=False
        At the end of training, put back the weights of the best epoch (whether or not it stopped early).

    Attributes
    ----------
    best, best_epoch, stopped_epoch : the best value and its epoch, and the epoch it stopped at (None: it did not).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 10,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        if not (isinstance(patience, int) and patience >= 1):
            raise ValueError(f"EarlyStopping: patience must be an integer >= 1, got {patience!r}")
        self.monitor, self.min_delta, self.patience, self.mode = monitor, min_delta, patience, mode
        self.restore_best_weights = restore_best_weights
        self._monitor = _Monitor("EarlyStopping", monitor, mode, min_delta)

    def on_train_begin(self, model: BaseNumpyMLP) -> None:
        self.best, self.best_epoch, self.stopped_epoch, self.wait = self._monitor.worst(), None, None, 0
        self._best_weights = None

    def on_epoch_end(self, model: BaseNumpyMLP, epoch: int, logs: dict[str, float]) -> bool:
        value = self._monitor.read(logs)
        if self._monitor.improves(value, self.best):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_weights = model._flat.copy()
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, model: BaseNumpyMLP) -> None:
        if self._best_weights is not None and self._best_weights.shape == model._flat.shape:
            model._flat[...] = self._best_weights


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when a monitored quantity has stalled (Keras's ``ReduceLROnPlateau``).

    After ``patience`` epochs in a row without improving (as :class:`EarlyStopping` judges it), the rate
    becomes max(rate x factor, min_lr), then ``cooldown`` epochs pass before counting again. It sets the
    optimizer's ``rate``: under a schedule (``learning_rate="cosine"``, ...) the schedule is scaled from
    then on. For a stochastic solver only.

    Parameters
    ----------
    monitor : str, default="val_loss"
    factor : float in (0, 1), default=0.1
    patience : int, default=10
    min_delta : float, default=1e-4
    cooldown : int, default=0
    min_lr : float, default=0.0
    mode : {"auto", "min", "max"}, default="auto"
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        mode: str = "auto",
    ) -> None:
        if not 0 < factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor!r}")
        self.monitor, self.factor, self.patience, self.min_delta = monitor, factor, patience, min_delta
        self.cooldown, self.min_lr, self.mode = cooldown, min_lr, mode
        self._monitor = _Monitor("ReduceLROnPlateau", monitor, mode, min_delta)

    def on_train_begin(self, model: BaseNumpyMLP) -> None:
        if model.solver == "lbfgs":
            raise ValueError("ReduceLROnPlateau changes a stochastic solver's learning rate; lbfgs has none")
        self.best, self.wait, self.cooling = self._monitor.worst(), 0, 0

    def on_epoch_end(self, model: BaseNumpyMLP, epoch: int, logs: dict[str, float]) -> bool:
        value = self._monitor.read(logs)
        if self.cooling:
            self.cooling -= 1
            self.wait = 0
        if self._monitor.improves(value, self.best):
            self.best, self.wait = value, 0
        elif not self.cooling:
            self.wait += 1
            optimizer = model._optimizer
            if self.wait >= self.patience and optimizer.rate > self.min_lr:
                optimizer.rate = max(optimizer.rate * self.factor, self.min_lr)
                self.cooling, self.wait = self.cooldown, 0
        return False


class ModelCheckpoint(Callback):
    """Write the model to a model file (:func:`digitnet.model_file.save_model`: a temporary name, then renamed)
    after each epoch, or only after epochs that improve a monitored quantity.

    The file holds the estimator as it is at that epoch (its weights, classes and parameters; callbacks are
    not stored, and the file says so), to be loaded with :func:`~digitnet.model_file.load_model`. The
    directory is checked to be writable when training begins, before any epoch.

    Parameters
    ----------
    path : str or path-like
    monitor : str or None, default=None
        None: every epoch; else only when this quantity improves (as :class:`EarlyStopping` judges it).
    mode : {"auto", "min", "max"}, default="auto"
    min_delta : float, default=0.0
    scaler : fitted StandardScaler, optional
        Saved in front of the network (as ``digitnet train --save`` does), so the file takes raw features.
    **save_options
        ``feature_names``, ``extra``, ``training_rows``: passed to ``save_model``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        monitor: str | None = None,
        mode: str = "auto",
        min_delta: float = 0.0,
        scaler: StandardScaler | None = None,
        **save_options: Any,
    ) -> None:
        self.path, self.monitor, self.scaler, self.save_options = path, monitor, scaler, save_options
        self._monitor = None if monitor is None else _Monitor("ModelCheckpoint", monitor, mode, min_delta)
        self.saved_epoch = None

    def on_train_begin(self, model: BaseNumpyMLP) -> None:
        prepare_out_file(self.path, "checkpoint file")
        self.best = None if self._monitor is None else self._monitor.worst()

    def on_epoch_end(self, model: BaseNumpyMLP, epoch: int, logs: dict[str, float]) -> bool:
        if self._monitor is not None:
            value = self._monitor.read(logs)
            if not self._monitor.improves(value, self.best):
                return False
            self.best = value
        if self.scaler is None:
            save_model(model, self.path, **self.save_options)
        else:
            save_model(Pipeline([("scaler", self.scaler), ("mlp", model)]), self.path, **self.save_options)
        self.saved_epoch = epoch
        return False


class ProgressBar(Callback):
    """A tqdm bar of epochs on stderr, showing the last loss (and validation score).

    Parameters
    ----------
    file : file object, default=sys.stderr
    **tqdm_options
        Passed to ``tqdm`` (``desc``, ``leave``, ``disable``, ...).
    """

    def __init__(self, file: TextIO | None = None, **tqdm_options: Any) -> None:
        self.file, self.tqdm_options = file, tqdm_options
        self.bar = None

    def on_train_begin(self, model: BaseNumpyMLP) -> None:
        self.bar = tqdm(
            total=model.max_iter,
            unit="epoch",
            file=self.file or sys.stderr,
            **{"desc": type(model).__name__, **self.tqdm_options},
        )

    def on_epoch_end(self, model: BaseNumpyMLP, epoch: int, logs: dict[str, float]) -> bool:
        shown = {k: f"{v:.4g}" for k, v in logs.items() if k not in ("epoch", "learning_rate")}
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update(1)
        return False

    def on_train_end(self, model: BaseNumpyMLP) -> None:
        if self.bar is not None:
            self.bar.close()


class TerminateOnNaN(Callback):
    """Stop training at the first epoch whose loss (or validation loss) is NaN or infinite (Keras's name).

    A plain fit already stops there with ``TrainingDiverged`` (:mod:`digitnet.estimator.divergence`);
    this stops quietly where the estimator goes on as scikit-learn's does (``early_stopping=True``) or
    where the policy lets it (a study's run).
    """

    def on_epoch_end(self, model: BaseNumpyMLP, epoch: int, logs: dict[str, float]) -> bool:
        self.stopped_epoch = epoch if not all(np.isfinite(logs[k]) for k in ("loss", "val_loss") if k in logs) else None
        return self.stopped_epoch is not None
