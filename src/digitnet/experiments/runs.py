"""One training run of a sweep: a :class:`Task`, what it measured (:class:`RunRecord`), and how to run it.

A task trains one configuration for one seed (and cross-validation fold) and records its metrics
at one or more ``max_iter`` checkpoints (see :func:`run_task`). :func:`run_chunk` runs a list of
tasks in the calling process; it is a top-level function, so any process pool or Dask worker can
run it (:mod:`digitnet.experiments.backends`).
"""

from __future__ import annotations

import functools
import math
import os
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score

from ..estimator import NumpyMLPClassifier
from ..estimator.divergence import TrainingDiverged
from ..estimator.policy import STUDY
from ..estimator.solvers import STOCHASTIC_SOLVERS
from ..files import process_alive
from .params import count_weights, data_param, resolve

if TYPE_CHECKING:
    from ..data import Split

#: The final metrics of every run (NaN where a run has no such part or failed).
METRICS = ("val_accuracy", "test_accuracy", "test_f1", "train_loss", "train_accuracy")


@dataclass
class Task:
    """One training run of a sweep (a unit of work for a process pool).

    Attributes
    ----------
    params : dict
        Estimator parameters, without ``max_iter`` and ``random_state``.
    checkpoints : tuple of int
        ``max_iter`` values, increasing; results are recorded at each.
    config_ids : tuple of int
        The configuration index that each checkpoint stands for.
    seed : int
        ``random_state`` of the estimator.
    fold : int or None
        Cross-validation fold, or None for the split's own train/validation parts.
    score_test : bool
        Whether to score on the test part.
    """

    params: dict
    checkpoints: tuple
    config_ids: tuple
    seed: int
    fold: int | None = None
    score_test: bool = True

    def cost(self, n_features: int = 64, n_classes: int = 10) -> float:
        """A rough relative cost (epochs x weights), to balance chunks of work."""
        return max(self.checkpoints) * count_weights(self.params, n_features, n_classes)


@dataclass
class RunRecord:
    """What one run measured, at one checkpoint.

    Attributes
    ----------
    config, seed, fold : int, int, int or None
        The configuration index in its sweep, the seed, the cross-validation fold.
    val_accuracy, test_accuracy, test_f1, train_loss, train_accuracy : float
        Final metrics (NaN where there is no such part, or the run failed).
    fit_seconds : float
        Training time up to this checkpoint.
    n_iter : int
        Epochs trained (iterations for lbfgs).
    curve : dict of str -> list of float
        Per-epoch ``loss``, ``accuracy`` (and ``val_loss``, ``val_accuracy``), up to the last
        epoch before training diverged, if it did.
    error : str or None
        Why training failed (a network too large for the machine, say), or None.
    diverged_at : int or None
        The epoch at which training diverged (its loss not finite, or above 10 times that of the
        starting weights: the rule of :mod:`digitnet.nn.divergence`, the estimator's); training stopped there.
        A diverged run is a result, not a failure: its scores are NaN (a diverged model predicts
        nothing worth scoring), its training loss the last one before it diverged.
    """

    config: int
    seed: int
    fold: int | None
    val_accuracy: float = math.nan
    test_accuracy: float = math.nan
    test_f1: float = math.nan
    train_loss: float = math.nan
    train_accuracy: float = math.nan
    fit_seconds: float = 0.0
    n_iter: int = 0
    curve: dict = field(default_factory=dict)
    error: str | None = None
    diverged_at: int | None = None


class StudyModel(NumpyMLPClassifier):
    """NumpyMLPClassifier as experiments train it: the estimator's own loop, under the study policy.

    Nothing of the training is overridden; only the ``training_policy`` differs from a fit's
    (:data:`digitnet.estimator.policy.STUDY`):

    - Training stops at the epoch it diverges (the estimator's rule, :mod:`digitnet.nn.divergence`: the
      loss not finite, or above ten times the starting weights'; or a weight not finite), which is kept in
      ``diverged_at_``, without raising; the curves end at the epoch before.
    - A plain warm start keeps the weights but, like MLPClassifier, builds a fresh optimizer
      (Adam moments, momentum velocity, learning-rate schedule) and shuffles from the rows in
      their first order again; this one keeps both, which (with ``random_state`` a RandomState,
      whose stream goes on) makes ``fit(max_iter=a)`` then ``fit(max_iter=b)`` the same
      computation as one ``fit(max_iter=a + b)``.

    A class rather than an instance's attribute, so that ``sklearn.base.clone`` keeps the policy.
    """

    training_policy = STUDY


def reusable(params: Mapping[str, Any]) -> bool:
    """Can runs that differ only in max_iter share one training run? (A stochastic solver, no early stopping, and
    no schedule that depends on max_iter: cosine and onecycle spread their course over all the epochs.)"""
    return (
        params.get("solver", "adam") in STOCHASTIC_SOLVERS
        and not params.get("early_stopping", False)
        and params.get("learning_rate", "constant") not in ("cosine", "onecycle")
    )


def _task_arrays(task, data):
    """The arrays a task trains and scores on: the split's parts, or its fold's (the folds of its seed, when the
    sweep draws folds per seed), scaled as its configuration says."""
    split, folds = data
    scaling = data_param(task.params, "scaling")
    if task.fold is None:
        X, X_val, X_test = split.scaled(scaling)
        return X, split.y_train, X_val, split.y_val, X_test, split.y_test
    fold = folds[task.seed][task.fold] if isinstance(folds, dict) else folds[task.fold]
    X, y, X_val, y_val, X_test = split.fold(*fold, scaling=scaling)
    return X, y, X_val, y_val, X_test, split.y_test


def _accuracy(y_true, y_pred):
    """accuracy_score's number (the mean of y_true == y_pred), without its checks of the targets' types,
    which cost more than the comparison on a few hundred digits."""
    return float(np.mean(np.asarray(y_true) == y_pred))


def _record(task, config_id, model, n_iter, seconds, arrays):
    """Metrics of the model as it is now, having trained ``n_iter`` epochs (its history may be longer
    only for lbfgs, whose history counts iterations)."""
    X, y, X_val, y_val, X_test, y_test = arrays
    history = {key: values[:n_iter] if model.solver != "lbfgs" else values for key, values in model.history_.items()}
    diverged = getattr(model, "diverged_at_", None)
    record = RunRecord(
        config=config_id,
        seed=task.seed,
        fold=task.fold,
        fit_seconds=seconds,
        n_iter=int(n_iter),
        train_loss=float(history["loss"][-1])
        if diverged and history["loss"]
        else float(getattr(model, "loss_", math.nan)),
        train_accuracy=float(history["accuracy"][-1]) if history["accuracy"] else math.nan,
        curve={key: [float(v) for v in values] for key, values in history.items()},
        diverged_at=diverged,
    )
    if diverged is not None:
        return record
    if X_val is not None:
        record.val_accuracy = _accuracy(y_val, model.predict(X_val))
    if task.score_test:
        predicted = model.predict(X_test)
        record.test_accuracy = _accuracy(y_test, predicted)
        record.test_f1 = float(f1_score(y_test, predicted, average="macro", zero_division=0))
    return record


def run_task(task: Task, data: tuple[Split, Any]) -> list[RunRecord]:
    """Train one run and record its metrics at every checkpoint.

    With one checkpoint this is ``NumpyMLPClassifier(**params, max_iter=k,
    random_state=seed).fit(X, y, X_val=..., y_val=...)`` (and so MLPClassifier's model for that
    seed). With several, the model is trained once: warm-started fits of ``k_i - k_{i-1}`` epochs
    that continue the same weights, optimizer state, row order and random stream (the
    ``RandomState(seed)`` a fresh fit draws from), so the state after each segment is bit-for-bit
    that of a fresh fit with ``max_iter=k_i``. If the stopping rule (``tol`` / ``n_iter_no_change``) ends
    training at epoch s, the checkpoints after s read off the state at s, as
    fresh fits would stop there too.

    Parameters
    ----------
    task : Task
    data : (Split, folds)
        The split, and the cross-validation fold indices (or None).

    Returns
    -------
    list of RunRecord
        One per checkpoint; a run whose training failed has its ``error`` set.
    """
    arrays = _task_arrays(task, data)
    X, y, X_val, y_val = arrays[:4]
    params = resolve(task.params, len(y))
    validation = {} if X_val is None else {"X_val": X_val, "y_val": y_val}
    records, trained = [], 0.0
    try:
        if len(task.checkpoints) == 1:
            model = StudyModel(**params, max_iter=task.checkpoints[0], random_state=task.seed)
            start = time.perf_counter()
            model.fit(X, y, **validation)
            trained = time.perf_counter() - start
            return [_record(task, task.config_ids[0], model, model.n_iter_, trained, arrays)]
        model = StudyModel(**params, max_iter=1, warm_start=True, random_state=np.random.RandomState(task.seed))
        done, stopped = 0, False
        for config_id, k in zip(task.config_ids, task.checkpoints):
            if not stopped and k > done:
                model.set_params(max_iter=k - done)
                start = time.perf_counter()
                model.fit(X, y, **validation)
                trained += time.perf_counter() - start
                done = len(model.history_["loss"])
                # Stopped early, inside the segment or on its last epoch (the counter stays above the limit),
                # or diverged: fresh fits of more epochs stop there too.
                stopped = (
                    done < k or model._no_improvement_count > model.n_iter_no_change or model.diverged_at_ is not None
                )
            records.append(_record(task, config_id, model, done, trained, arrays))
        return records
    except TrainingDiverged as exc:  # a diverged run is a result however it is reported
        return records + [
            RunRecord(config=c, seed=task.seed, fold=task.fold, fit_seconds=trained, diverged_at=exc.epoch)
            for c in task.config_ids[len(records) :]
        ]
    except (ValueError, TypeError, FloatingPointError, MemoryError) as exc:  # too large, or a bad setting
        message = " ".join(str(exc).split())
        return records + [
            RunRecord(config=c, seed=task.seed, fold=task.fold, fit_seconds=trained, error=message)
            for c in task.config_ids[len(records) :]
        ]


#: How often a worker process looks whether the sweep that started it is still there (seconds).
PARENT_CHECK_SECONDS = 0.1


@functools.cache
def _die_with(parent):
    """In a worker process, end it as soon as process ``parent`` (the sweep's) no longer exists.

    A pool's workers outlive a sweep killed with SIGKILL (nothing runs to stop them): each would
    go on holding its memory, training runs nobody will collect. A daemon thread looks every
    :data:`PARENT_CHECK_SECONDS` and ends the worker at once (``os._exit``); it is started once per
    worker process. A worker that is the sweep's child knows it is gone when it is handed to
    another parent, which happens as the sweep dies, even before whoever started the sweep has
    collected its exit status (until then its process id still exists, as a zombie).
    """
    if parent is None or parent == os.getpid():
        return
    child = os.getppid() == parent

    def watch():
        while True:
            time.sleep(PARENT_CHECK_SECONDS)
            if (os.getppid() != parent) if child else not process_alive(parent):
                os._exit(1)

    threading.Thread(target=watch, name="digitnet-watch-parent", daemon=True).start()


def run_chunk(tasks: Sequence[Task], data: tuple[Split, Any], parent: int | None = None) -> tuple[int, list[RunRecord]]:
    """Run a list of tasks in this process.

    ConvergenceWarnings are expected (fixed epoch counts) and silenced; so are
    overflow warnings of a diverging run, which is recorded in its ``error``.

    Parameters
    ----------
    tasks : list of Task
    data : (Split, folds)
    parent : int, optional
        The sweep's process id, when this runs in a worker process on the same machine:
        the worker then ends by itself if the sweep dies.

    Returns
    -------
    (int, list of RunRecord)
        The number of tasks run, and all their records.
    """
    _die_with(parent)
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return len(tasks), [record for task in tasks for record in run_task(task, data)]
