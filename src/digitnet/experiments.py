"""Experiments: a fair comparison with MLPClassifier, parameter sweeps, and the project's studies.

Everything returns tidy pandas tables (one row per run) and can be written to
disk with :func:`save_results` as CSV plus JSON that records the exact
configuration, seeds, package versions and elapsed time.

- :func:`compare` trains ``NumpyMLPClassifier`` and scikit-learn's
  ``MLPClassifier`` with the same parameters on the same split, over several
  seeds, and tests whether their accuracies differ.
- :func:`sweep` trains every configuration of a parameter grid for every
  seed, on one validation split or with stratified K-fold cross-validation,
  in this process, a pool of processes or on a Dask cluster (:mod:`digitnet.backends`),
  recording final metrics and per-epoch curves, and, given a results store
  (:mod:`digitnet.store`), committing every finished run to it at once and
  skipping runs already there (resuming an interrupted or extended sweep).
  Configurations that differ only in ``max_iter`` are trained once, to the
  largest value, and read off at each smaller one (exactly: see :func:`run_task`).
- :data:`PRESETS` / :func:`run_preset`: the original project's studies, done
  correctly: ``learning-rate``, ``epochs``, ``architecture`` and ``seed``.

A sweep is a list of :class:`Task` objects (one training run: parameters,
``max_iter`` checkpoints, seed, fold), executed in chunks by the top-level
function :func:`run_chunk` (picklable, so any process pool or Dask worker can
run it), each returning plain record dicts that :func:`sweep` commits and turns into tables.
"""

from __future__ import annotations

import difflib
import itertools
import json
import math
import os
import platform
import tempfile
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.neural_network import MLPClassifier

from .data import Split, load_split
from .errors import UsageError
from .estimator import NumpyMLPClassifier

__all__ = [
    "PRESETS", "CompareResult", "PairedTest", "Preset", "SweepInterrupted", "SweepResult", "Task", "UsageError",
    "check_params", "compare", "expand_grid", "format_layers", "package_versions", "resolved_params", "run_chunk",
    "run_preset", "run_task", "save_results", "sweep",
]

#: Every parameter a grid may vary: those of NumpyMLPClassifier, minus the ones an experiment sets itself.
SET_BY_EXPERIMENT = ("random_state", "warm_start", "verbose")
PARAM_NAMES = tuple(p for p in NumpyMLPClassifier().get_params() if p not in SET_BY_EXPERIMENT)
#: A grid key that names a configuration instead of setting a parameter (a column of the results).
LABEL = "label"
#: ``batch_size="full"``: every step uses the whole training set (plain gradient descent).
FULL_BATCH = "full"
#: Parameters MLPClassifier lacks; ``compare`` gives them to ours only.
OURS_ONLY = ("weight_init",)
SKLEARN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")


# ----------------------------------------------------------------------------------------------
# Parameters
# ----------------------------------------------------------------------------------------------


def format_layers(hidden_layer_sizes):
    """``(64, 32)`` -> ``"64-32"``: hidden layers as one table cell."""
    if isinstance(hidden_layer_sizes, Integral):
        return str(int(hidden_layer_sizes))
    return "-".join(str(int(h)) for h in hidden_layer_sizes)


def _normalize(name, value):
    if name == "hidden_layer_sizes":
        layers = (value,) if isinstance(value, Integral) else tuple(value)
        if not layers or not all(isinstance(h, Integral) and h > 0 for h in layers):
            raise UsageError(f"hidden_layer_sizes must be positive integers, like 64 or 64-32; got {value!r}")
        return tuple(int(h) for h in layers)
    if isinstance(value, np.generic):
        return value.item()
    return value


def check_params(params):
    """Validate estimator parameters; return them normalised (``hidden_layer_sizes`` as a tuple).

    Parameters
    ----------
    params : dict
        Names from :data:`PARAM_NAMES`; ``batch_size`` may also be ``"full"``.

    Returns
    -------
    dict

    Raises
    ------
    UsageError
        For an unknown name (with the closest known one), a parameter the
        experiment sets itself, or a value NumpyMLPClassifier rejects (its message).
    """
    params = dict(params)
    for name in params:
        if name in SET_BY_EXPERIMENT:
            hint = " (use seeds to choose the random states)" if name == "random_state" else ""
            raise UsageError(f"parameter {name!r} is set by the experiment itself{hint}")
        if name not in PARAM_NAMES:
            close = difflib.get_close_matches(name, PARAM_NAMES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known parameters: {', '.join(PARAM_NAMES)}"
            raise UsageError(f"unknown parameter {name!r}{hint}")
    params = {name: _normalize(name, value) for name, value in params.items()}
    probe = {k: (1 if k == "batch_size" and v == FULL_BATCH else v) for k, v in params.items()}
    try:
        NumpyMLPClassifier(**probe)._validate_params()
    except (TypeError, ValueError) as exc:
        message = " ".join(str(exc).split())
        if "batch_size" in message:
            message += " (or 'full' for the whole training set)"
        raise UsageError(message) from None
    return params


def _resolve(params, n_train):
    """Estimator parameters for a training set of ``n_train`` rows (``batch_size="full"`` -> n_train)."""
    if params.get("batch_size") == FULL_BATCH:
        return {**params, "batch_size": int(n_train)}
    return dict(params)


def expand_grid(grid):
    """All configurations of a grid, in order.

    Parameters
    ----------
    grid : dict of name -> list of values, or a list of such dicts
        Each dict is a Cartesian product (like scikit-learn's ``ParameterGrid``);
        a list gives the union of its products. A value that is not a list is a
        single value. The key ``"label"`` names a configuration.

    Returns
    -------
    list of dict
    """
    grids = [grid] if isinstance(grid, Mapping) else list(grid)
    configs = []
    for g in grids:
        if not isinstance(g, Mapping):
            raise UsageError(f"a grid is a dict of name -> list of values, or a list of them; got {g!r}")
        keys = list(g)
        values = [[v] if isinstance(v, (str, bytes, Integral, float)) or not hasattr(v, "__iter__") else list(v)
                  for v in g.values()]
        for key, vals in zip(keys, values):
            if not vals:
                raise UsageError(f"grid parameter {key!r} has no values")
        configs.extend(dict(zip(keys, combo)) for combo in itertools.product(*values))
    return configs


def _seed_list(seeds):
    """``5`` -> ``[0, 1, 2, 3, 4]``; a sequence of ints stays as it is."""
    if isinstance(seeds, Integral):
        if seeds < 1:
            raise UsageError(f"the number of seeds must be at least 1, got {seeds}")
        return list(range(int(seeds)))
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise UsageError("no seeds given")
    if len(set(seeds)) != len(seeds):
        raise UsageError(f"seeds must be distinct, got {seeds}")
    return seeds


# ----------------------------------------------------------------------------------------------
# One training run
# ----------------------------------------------------------------------------------------------


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

    def cost(self, n_features=64, n_classes=10):
        """A rough relative cost (epochs x weights), to balance chunks of work."""
        layers = [n_features, *self.params.get("hidden_layer_sizes", (100,)), n_classes]
        return max(self.checkpoints) * sum(a * b for a, b in zip(layers[:-1], layers[1:]))


class _Resumable(NumpyMLPClassifier):
    """NumpyMLPClassifier whose warm-started fits continue one optimizer.

    A plain warm start keeps the weights but, like MLPClassifier, builds a
    fresh optimizer (Adam moments, momentum velocity, learning-rate schedule);
    keeping it makes ``fit(max_iter=a)`` then ``fit(max_iter=b)`` the same
    computation as one ``fit(max_iter=a + b)``.
    """

    def _make_optimizer(self):
        kept = getattr(self, "_kept_optimizer", None)
        if kept is None or kept.params is not self._flat:
            kept = self._kept_optimizer = super()._make_optimizer()
        return kept


def _reusable(params):
    """Can runs that differ only in max_iter share one training run? (Stochastic solver, no early stopping.)"""
    return params.get("solver", "adam") in ("sgd", "adam") and not params.get("early_stopping", False)


def _task_arrays(task, data):
    split, folds = data
    if task.fold is None:
        return split.X_train, split.y_train, split.X_val, split.y_val, split.X_test, split.y_test
    X, y, X_val, y_val, X_test = split.fold(*folds[task.fold])
    return X, y, X_val, y_val, X_test, split.y_test


def _record(task, config_id, model, n_iter, seconds, arrays):
    """Metrics of the model as it is now, having trained ``n_iter`` epochs (its history may be longer
    only for lbfgs, whose history counts iterations)."""
    X, y, X_val, y_val, X_test, y_test = arrays
    history = {key: values[:n_iter] if model.solver != "lbfgs" else values for key, values in model.history_.items()}
    record = {
        "config": config_id, "seed": task.seed, "fold": task.fold, "error": None,
        "val_accuracy": float(accuracy_score(y_val, model.predict(X_val))) if X_val is not None else math.nan,
        "test_accuracy": math.nan, "test_f1": math.nan,
        "train_loss": float(model.loss_),
        "train_accuracy": float(history["accuracy"][-1]) if history["accuracy"] else math.nan,
        "fit_seconds": seconds, "n_iter": int(n_iter),
        "curve": {key: [float(v) for v in values] for key, values in history.items()},
    }
    if task.score_test:
        predicted = model.predict(X_test)
        record["test_accuracy"] = float(accuracy_score(y_test, predicted))
        record["test_f1"] = float(f1_score(y_test, predicted, average="macro", zero_division=0))
    return record


def _failed(task, config_id, error, seconds):
    nan = math.nan
    return {"config": config_id, "seed": task.seed, "fold": task.fold, "error": error, "val_accuracy": nan,
            "test_accuracy": nan, "test_f1": nan, "train_loss": nan, "train_accuracy": nan,
            "fit_seconds": seconds, "n_iter": 0, "curve": {}}


def run_task(task, data):
    """Train one run and record its metrics at every checkpoint.

    With one checkpoint this is ``NumpyMLPClassifier(**params, max_iter=k,
    random_state=seed).fit(X, y, validation_data=...)``. With several, the
    model is trained once: warm-started fits of ``k_i - k_{i-1}`` epochs that
    continue the same weights, optimizer state and random stream (a
    ``np.random.Generator`` seeded like the estimator seeds its own), so the
    state after each segment is bit-for-bit that of a fresh fit with
    ``max_iter=k_i``. If the stopping rule (``tol`` / ``n_iter_no_change``) ends
    training at epoch s, the checkpoints after s read off the state at s, as
    fresh fits would stop there too.

    Parameters
    ----------
    task : Task
    data : (Split, folds)
        The split, and the cross-validation fold indices (or None).

    Returns
    -------
    list of dict
        One record per checkpoint: ``config``, ``seed``, ``fold``, metrics,
        ``fit_seconds`` (training time up to that checkpoint), ``n_iter``,
        ``curve`` (per-epoch history) and ``error`` (None, or why training failed).
    """
    arrays = _task_arrays(task, data)
    X, y, X_val, y_val = arrays[:4]
    params = _resolve(task.params, len(y))
    validation = None if X_val is None else (X_val, y_val)
    records, trained = [], 0.0
    try:
        if len(task.checkpoints) == 1:
            model = NumpyMLPClassifier(**params, max_iter=task.checkpoints[0], random_state=task.seed)
            start = time.perf_counter()
            model.fit(X, y, validation_data=validation)
            trained = time.perf_counter() - start
            return [_record(task, task.config_ids[0], model, model.n_iter_, trained, arrays)]
        model = _Resumable(**params, max_iter=1, warm_start=True, random_state=np.random.default_rng(task.seed))
        done, stopped = 0, False
        for config_id, k in zip(task.config_ids, task.checkpoints):
            if not stopped and k > done:
                model.set_params(max_iter=k - done)
                start = time.perf_counter()
                model.fit(X, y, validation_data=validation)
                trained += time.perf_counter() - start
                done = len(model.history_["loss"])
                # Stopped early, inside the segment or on its last epoch (the counter stays above the limit).
                stopped = done < k or model._no_improvement_count > model.n_iter_no_change
            records.append(_record(task, config_id, model, done, trained, arrays))
        return records
    except (ValueError, FloatingPointError) as exc:  # training diverged: a result, not a crash
        message = " ".join(str(exc).split())
        return records + [_failed(task, c, message, trained) for c in task.config_ids[len(records):]]


def run_chunk(tasks, data):
    """Run a list of tasks in this process.

    ConvergenceWarnings are expected (fixed epoch counts) and silenced; so are
    overflow warnings of a diverging run, which is recorded in its ``error``.

    Returns
    -------
    (int, list of dict)
        The number of tasks run, and all their records.
    """
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return len(tasks), [record for task in tasks for record in run_task(task, data)]


def _execute(tasks, data, n_jobs, progress, desc, backend=None, scheduler=None, on_result=None):
    """Run tasks on a backend (see :mod:`digitnet.backends`); return all records, or hand them to ``on_result``."""
    from . import backends

    if backend is None:
        backend = "serial" if n_jobs == 1 else "processes"
    return backends.execute(tasks, data, backend=backend, n_jobs=n_jobs, scheduler=scheduler, on_result=on_result,
                            progress=progress, desc=desc)


# ----------------------------------------------------------------------------------------------
# Sweep
# ----------------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    """What :func:`sweep` returns.

    Attributes
    ----------
    runs : DataFrame
        One row per run (configuration x seed): ``label`` (if the grid names
        configurations), each grid parameter (``hidden_layer_sizes`` as ``"64-32"``),
        ``seed``, ``run_id``, ``val_accuracy`` (with ``cv``: the mean over folds,
        and ``val_accuracy_std``, ``n_folds``), ``test_accuracy``, ``test_f1``,
        ``train_loss``, ``train_accuracy``, ``fit_seconds``, ``n_iter``, and
        ``error`` when a run failed.
    curves : dict
        ``run_id`` -> ``{"loss": [...], "accuracy": [...], "val_loss": [...],
        "val_accuracy": [...]}``, one value per epoch (with ``cv``: the mean over
        the folds still training at that epoch).
    params : list of dict
        The full estimator parameters of each configuration (``runs.config`` indexes it).
    config : dict
        Grid, base parameters, seeds, cv, split, preset: all that is needed to reproduce the runs.
    elapsed : float
        Seconds the sweep took.
    best : dict or None
        For a selecting preset (``architecture``): the chosen configuration,
        its validation accuracy and its single test-set check.
    """

    runs: pd.DataFrame
    curves: dict
    params: list
    config: dict
    elapsed: float
    best: dict | None = None
    versions: dict = field(default_factory=lambda: package_versions())

    kind = "sweep"


def _cell(name, value):
    return format_layers(value) if name == "hidden_layer_sizes" else value


def _mean_curve(curves):
    """Element-wise mean of per-fold curves of possibly different lengths."""
    out = {}
    for key in {k for c in curves for k in c}:
        series = [c[key] for c in curves if key in c]
        length = max(len(s) for s in series)
        padded = np.full((len(series), length), np.nan)
        for i, s in enumerate(series):
            padded[i, :len(s)] = s
        out[key] = [float(v) for v in np.nanmean(padded, axis=0)]
    return out


def _tabulate(records, configs, grid_keys, cv):
    """Records (one per run and fold) -> (runs table, curves)."""
    rows, curves = [], {}
    width = len(str(max(len(configs) - 1, 0)))
    records = sorted(records, key=lambda r: (r["config"], r["seed"], -1 if r["fold"] is None else r["fold"]))
    for (config_id, seed), group in itertools.groupby(records, key=lambda r: (r["config"], r["seed"])):
        group = list(group)
        run_id = f"c{config_id:0{width}d}-s{seed}"
        row = {key: _cell(key, configs[config_id].get(key)) for key in grid_keys}
        row.update(seed=seed, run_id=run_id, config=config_id)
        errors = [r["error"] for r in group if r["error"]]
        for metric in ("val_accuracy", "test_accuracy", "test_f1", "train_loss", "train_accuracy"):
            values = [r[metric] for r in group]
            row[metric] = float(np.mean(values)) if not errors else math.nan
            if cv and metric == "val_accuracy":
                row["val_accuracy_std"] = float(np.std(values)) if not errors else math.nan
                row["n_folds"] = len(group)
        row["fit_seconds"] = float(sum(r["fit_seconds"] for r in group))
        row["n_iter"] = float(np.mean([r["n_iter"] for r in group])) if cv else int(group[0]["n_iter"])
        row["error"] = errors[0] if errors else ""
        rows.append(row)
        curves[run_id] = _mean_curve([r["curve"] for r in group]) if cv else group[0]["curve"]
    runs = pd.DataFrame(rows)
    if not runs.empty and not runs["error"].astype(bool).any():
        runs = runs.drop(columns="error")
    return runs, curves


def _make_tasks(configs, seeds, n_folds, score_test):
    """Group configurations that differ only in max_iter (when that is exact) and make one task per group x seed x fold."""
    groups = {}
    for i, config in enumerate(configs):
        params = {k: v for k, v in config.items() if k != "max_iter"}
        max_iter = config.get("max_iter", NumpyMLPClassifier().max_iter)
        key = json.dumps(_jsonable(params), sort_keys=True) if _reusable(params) else f"#{i}"
        groups.setdefault(key, (params, []))[1].append((max_iter, i))
    tasks = []
    for params, members in groups.values():
        members.sort()
        # the same max_iter twice (two labels, say) is trained twice: each config gets its own run
        batches, current = [], []
        for member in members:
            if current and current[-1][0] == member[0]:
                batches.append(current)
                current = []
            current.append(member)
        batches.append(current)
        for batch in batches:
            for seed in seeds:
                for fold in (range(n_folds) if n_folds else [None]):
                    tasks.append(Task(params=params, checkpoints=tuple(m for m, _ in batch),
                                      config_ids=tuple(i for _, i in batch), seed=seed, fold=fold,
                                      score_test=score_test))
    return tasks


class SweepInterrupted(KeyboardInterrupt):
    """A sweep stopped by Ctrl-C or SIGTERM; what was finished before is in its store.

    Attributes
    ----------
    saved : int
        Runs of this sweep in the store (committed before or during it).
    total : int
        Runs the sweep asked for.
    path : str or None
        The store (None: the sweep had none, and its finished runs are lost).
    """

    def __init__(self, saved, total, path):
        super().__init__(saved, total, path)
        self.saved, self.total, self.path = saved, total, path

    def describe(self):
        """The one-line summary the command line prints."""
        if self.path is None:
            return f"interrupted after {self.saved} of {self.total} runs (no results store: nothing was saved)"
        return (f"interrupted: {self.saved} of {self.total} runs saved in {self.path}; run the same command again"
                f" to finish")


#: Estimator parameters that are floats; an int given for one (alpha=1) is the same run as the float.
_FLOAT_PARAMS = tuple(name for name, value in NumpyMLPClassifier().get_params().items()
                      if isinstance(value, float) and name in PARAM_NAMES)


def resolved_params(params):
    """Every estimator parameter of a configuration (defaults filled in, ``max_iter`` included),
    normalised: what a run's identity hashes, so ``{}`` and ``{"activation": "relu"}`` are the same run."""
    defaults = {k: v for k, v in NumpyMLPClassifier().get_params().items() if k in PARAM_NAMES}
    out = {**defaults, **{k: v for k, v in params.items() if k != LABEL}}
    out["hidden_layer_sizes"] = _normalize("hidden_layer_sizes", out["hidden_layer_sizes"])
    for name, value in out.items():
        if isinstance(value, np.generic):
            out[name] = value = value.item()
        if name in _FLOAT_PARAMS and isinstance(value, Integral) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def _identities(configs, seeds, folds, split, score_test):
    """``(config_id, seed, fold)`` -> (run_id, identity) for every run of a sweep."""
    from .store import IDENTITY_VERSION, data_fingerprint, run_id

    data = data_fingerprint(split, folds)
    n_folds = None if folds is None else len(folds)
    out = {}
    for config_id, config in enumerate(configs):
        params = resolved_params(config)
        for seed in seeds:
            for fold in (range(n_folds) if n_folds else [None]):
                identity = {"v": IDENTITY_VERSION, "params": params, "seed": int(seed), "fold": fold, "data": data,
                            "cv": n_folds, "score_test": bool(score_test)}
                out[config_id, int(seed), fold] = run_id(identity), identity
    return out


def _task_ids(task, ids):
    return [ids[c, task.seed, task.fold][0] for c in task.config_ids]


def _open_store(store):
    from .store import Store

    if store is None or isinstance(store, Store):
        return store, False
    return Store(store), True


def sweep(grid, split=None, *, seeds=(0,), cv=None, n_jobs=1, progress=True, base_params=None, score_test=True,
          name="sweep", backend=None, scheduler=None, store=None, log=None):
    """Train every configuration of a parameter grid, for every seed.

    Parameters
    ----------
    grid : dict of name -> list of values, or list of such dicts
        Any :class:`~digitnet.NumpyMLPClassifier` parameter (see :func:`expand_grid`);
        ``batch_size`` may be ``"full"`` (whole training set per step), and
        ``"label"`` names configurations.
    split : Split, optional
        Default: ``load_split("digits", validation_size=0.2)``.
    seeds : int or sequence of int, default=(0,)
        ``random_state`` values (an int N means 0..N-1).
    cv : int, optional
        Stratified K-fold cross-validation over the non-test rows (each fold
        scaled on its own training rows) instead of the split's validation part.
    n_jobs : int, default=1
        Worker processes (``processes`` backend, or a Dask LocalCluster); -1 for
        all cores. Results do not depend on it.
    progress : bool, default=True
        Show a tqdm progress bar on stderr.
    base_params : dict, optional
        Parameters shared by every configuration (the grid overrides them).
    score_test : bool, default=True
        Score every run on the test part (``False`` keeps the test set unseen, for model selection).
    name : str
        Recorded in the configuration (the preset's name).
    backend : {"serial", "processes", "dask"}, optional
        Where to train (see :mod:`digitnet.backends`); default ``serial`` for
        ``n_jobs=1``, else ``processes``. Results do not depend on it.
    scheduler : str, optional
        Address of a running Dask scheduler (``backend="dask"``); none starts a LocalCluster for the sweep.
    store : str, path-like or :class:`~digitnet.store.Store`, optional
        A results store (SQLite file): every finished run is committed to it
        at once, runs already in it are not trained again, and the returned
        tables are read back from it. None keeps results in memory only.
    log : callable(str), optional
        Receives one line before training: how many runs were found in the store and how many remain.

    Returns
    -------
    SweepResult

    Raises
    ------
    SweepInterrupted
        On Ctrl-C (KeyboardInterrupt) or SIGTERM turned into one, after the
        workers were stopped; every run finished before is in the store.
    digitnet.backends.WorkerLost
        A worker process died; its message says how many runs are saved.
    """
    from .backends import WorkerLost

    start = time.perf_counter()
    raw_configs = expand_grid(grid)
    base = check_params(base_params or {})
    grid_keys = list(dict.fromkeys(k for c in raw_configs for k in c))
    if LABEL in grid_keys:  # the label first: it names the row
        grid_keys.insert(0, grid_keys.pop(grid_keys.index(LABEL)))
    configs = []
    for raw in raw_configs:
        label = raw.get(LABEL)
        config = {**base, **check_params({k: v for k, v in raw.items() if k != LABEL})}
        configs.append(config if label is None else {LABEL: label, **config})
    seeds = _seed_list(seeds)
    split = load_split("digits", validation_size=0.2) if split is None else split
    folds = None if cv is None else split.cv_folds(int(cv))
    plain = [{k: v for k, v in c.items() if k != LABEL} for c in configs]
    tasks = _make_tasks(plain, seeds, None if folds is None else len(folds), score_test)
    ids = _identities(plain, seeds, folds, split, score_test)
    all_ids = list(dict.fromkeys(rid for rid, _ in ids.values()))
    config = {
        "name": name, "grid": grid, "base_params": base, "seeds": seeds, "cv": cv, "n_jobs": n_jobs,
        "score_test": score_test, "split": split.describe(), "backend": backend or (
            "serial" if n_jobs == 1 else "processes"), "scheduler": scheduler,
        "n_configs": len(configs),
    }
    store, owned = _open_store(store)
    try:
        found = store.existing(all_ids) if store is not None else set()
        # a task is needed while one of its runs is missing; two tasks for the same runs (two labels, one
        # configuration) are trained once
        pending, covered = [], set(found)
        n_trainings = 0
        seen = set()
        for task in tasks:
            task_ids = _task_ids(task, ids)
            key = tuple(task_ids)
            if key in seen:
                continue
            seen.add(key)
            n_trainings += 1
            if not covered.issuperset(task_ids):
                pending.append(task)
                covered.update(task_ids)
        if log is not None and store is not None:
            log(f"results store {store.path}: {len(found)} of {len(all_ids)} runs found, "
                f"{len(all_ids) - len(found)} to train ({len(pending)} training{'s' if len(pending) != 1 else ''})")
        versions = package_versions()
        results = {}
        sweep_id = store.start_sweep(name, config, len(all_ids), len(found)) if store is not None else None
        info = {"split": split.describe()}

        def commit(records):
            entries = []
            for record in records:
                rid, identity = ids[record["config"], record["seed"], record["fold"]]
                entries.append((rid, identity, record))
            if store is not None:
                store.add(entries, sweep=name, versions=versions, info=info)
            else:
                results.update((rid, record) for rid, _, record in entries)

        def saved():
            if store is None:
                return len(set(results) & set(all_ids))
            store.rollback()
            return store.count(all_ids)

        try:
            _execute(pending, (split, folds), n_jobs, progress, name, backend=backend, scheduler=scheduler,
                     on_result=commit)
        except KeyboardInterrupt:
            n_saved = saved()
            if store is not None:
                store.finish_sweep(sweep_id, "interrupted")
            raise SweepInterrupted(n_saved, len(all_ids), None if store is None else store.path) from None
        except WorkerLost as exc:
            n_saved = saved()
            where = "nothing was saved" if store is None else (
                f"{n_saved} of {len(all_ids)} runs saved in {store.path}; run the same command again to finish")
            if store is not None:
                store.finish_sweep(sweep_id, "failed")
            raise WorkerLost(f"{exc}; {where}") from None
        except BaseException:
            if store is not None:
                store.rollback()
                store.finish_sweep(sweep_id, "failed")
            raise
        if store is not None:
            results = store.get(all_ids)
            store.finish_sweep(sweep_id, "finished")
    finally:
        if owned:
            store.close()
    records = []
    for (config_id, seed, fold), (rid, _) in ids.items():
        records.append({**results[rid], "config": config_id, "seed": seed, "fold": fold})
    runs, curves = _tabulate(records, configs, grid_keys, cv)
    config.update(n_runs=len(runs), n_trainings=n_trainings, n_trained=len(pending), n_found=len(found),
                  store=None if store is None else store.path)
    return SweepResult(runs=runs, curves=curves, params=configs, config=config,
                       elapsed=time.perf_counter() - start)


# ----------------------------------------------------------------------------------------------
# Presets: the original project's studies, done correctly
# ----------------------------------------------------------------------------------------------

#: Plain (full-batch) gradient descent, as in the original project: one step per epoch on the
#: whole training set, theta <- theta - lr * grad. Rows need no shuffling (the gradient is a sum
#: over all of them), and training runs for exactly max_iter epochs: no stopping rule.
GRADIENT_DESCENT = dict(solver="sgd", batch_size=FULL_BATCH, momentum=0.0, learning_rate="constant",
                        shuffle=False, tol=0.0, n_iter_no_change=np.inf)


def _architectures():
    """Depth 1 to 3, widths 16 to 256: constant widths, and funnels halving at each layer."""
    shapes = []
    for width in (16, 32, 64, 128, 256):
        shapes += [(width,), (width, width), (width, width, width)]
        if width >= 32:
            shapes.append((width, width // 2))
        if width >= 64:
            shapes.append((width, width // 2, width // 4))
    return sorted(shapes, key=lambda s: (len(s), s))


@dataclass(frozen=True)
class Preset:
    """A named study: a grid, shared parameters, and how to read it.

    ``select=True`` chooses the configuration with the best mean validation
    accuracy, then scores that one alone on the test set.
    """

    name: str
    description: str
    grid: object
    base_params: dict
    dataset: str = "digits"
    validation_size: float = 0.2
    seeds: tuple = (0,)
    select: bool = False


PRESETS = {
    "learning-rate": Preset(
        "learning-rate",
        "Full-batch gradient descent with learning rates 0.1, 0.01, 0.001 and 0.0001, 1000 epochs each"
        " (a 64-unit relu network).",
        {"learning_rate_init": [0.1, 0.01, 0.001, 0.0001]},
        {**GRADIENT_DESCENT, "hidden_layer_sizes": (64,), "activation": "relu", "max_iter": 1000},
    ),
    "epochs": Preset(
        "epochs",
        "Full-batch gradient descent for 1000 to 5000 epochs at learning rate 0.01 (one training run, read off"
        " at each epoch count).",
        {"max_iter": [1000, 2000, 3000, 4000, 5000]},
        {**GRADIENT_DESCENT, "hidden_layer_sizes": (64,), "activation": "relu", "learning_rate_init": 0.01},
    ),
    "architecture": Preset(
        "architecture",
        "Depth 1-3, widths 16-256, activations logistic, tanh, relu, leaky_relu and elu (adam, up to 200"
        " epochs), chosen by validation accuracy; the best is then scored once on the test set.",
        {"hidden_layer_sizes": _architectures(), "activation": ["logistic", "tanh", "relu", "leaky_relu", "elu"]},
        {"solver": "adam", "max_iter": 200},
        select=True,
    ),
    "seed": Preset(
        "seed",
        "The original project's setting (32 sigmoid units, weights N(0, 0.01^2), full-batch gradient descent"
        " at learning rate 0.1, 1000 epochs) step by step to ours (glorot weights, then relu and adam).",
        [
            {LABEL: ["original"], "hidden_layer_sizes": [(32,)], "activation": ["logistic"],
             "weight_init": ["small_normal"], **{k: [v] for k, v in GRADIENT_DESCENT.items()},
             "learning_rate_init": [0.1], "max_iter": [1000]},
            {LABEL: ["original + glorot init"], "hidden_layer_sizes": [(32,)], "activation": ["logistic"],
             "weight_init": ["glorot"], **{k: [v] for k, v in GRADIENT_DESCENT.items()},
             "learning_rate_init": [0.1], "max_iter": [1000]},
            {LABEL: ["ours (relu, adam, glorot)"], "hidden_layer_sizes": [(100,)], "activation": ["relu"],
             "weight_init": ["glorot"], "solver": ["adam"], "batch_size": ["auto"], "momentum": [0.9],
             "learning_rate": ["constant"], "shuffle": [True], "tol": [1e-4], "n_iter_no_change": [10],
             "learning_rate_init": [0.001], "max_iter": [200]},
        ],
        {},
    ),
}


def _override_grid(grid, axes):
    """Replace (or add) grid axes: ``axes`` maps a name to its new list of values."""
    if not axes:
        return grid
    axes = {k: list(v) for k, v in axes.items()}
    if isinstance(grid, Mapping):
        return {**grid, **axes}
    return [{**g, **axes} for g in grid]


def run_preset(name, split=None, *, seeds=None, cv=None, n_jobs=1, progress=True, grid=None, params=None,
               backend=None, scheduler=None, store=None, log=None):
    """Run one of :data:`PRESETS`.

    Parameters
    ----------
    name : {"learning-rate", "epochs", "architecture", "seed"}
    split : Split, optional
        Default: the preset's dataset with its validation split (20% of the training part).
    seeds : int or sequence of int, optional
        Default: the preset's (seed 0).
    cv : int, optional
        Cross-validate instead of using the validation split.
    n_jobs, progress, backend, scheduler, store, log
        As in :func:`sweep`.
    grid : dict, optional
        Axes replacing the preset's (e.g. ``{"max_iter": [5, 10]}`` for a quick run).
    params : dict, optional
        Parameters overriding the preset's shared ones.

    Returns
    -------
    SweepResult
        For ``architecture``, ``best`` holds the configuration chosen by mean
        validation accuracy over seeds and its test scores; the sweep itself
        never looks at the test set.
    """
    if name not in PRESETS:
        raise UsageError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    preset = PRESETS[name]
    if split is None:
        split = load_split(preset.dataset, validation_size=0 if cv else preset.validation_size)
    base = {**preset.base_params, **(params or {})}
    result = sweep(_override_grid(preset.grid, grid), split, seeds=preset.seeds if seeds is None else seeds, cv=cv,
                   n_jobs=n_jobs, progress=progress, base_params=base, score_test=not preset.select, name=name,
                   backend=backend, scheduler=scheduler, store=store, log=log)
    result.config.update(preset=name, description=preset.description)
    if preset.select:
        result.best = _select_and_test(result, split, cv)
    return result


def _select_and_test(result, split, cv):
    """The configuration with the best mean validation accuracy (ties: fewer weights), scored once on the test set.

    Without cv, the chosen runs are repeated (they are deterministic, so the
    models are the ones the sweep selected) and scored on the test part; with cv,
    the chosen configuration is refitted on all non-test rows, as GridSearchCV does.
    """
    runs = result.runs
    if "error" in runs:
        runs = runs[runs["error"] == ""]
    if runs.empty:
        raise UsageError("every run of the sweep failed; nothing to select")
    by_config = runs.groupby("config")["val_accuracy"].mean()

    def n_weights(config_id):
        layers = [split.X_train.shape[1], *result.params[config_id].get("hidden_layer_sizes", (100,)),
                  len(split.classes)]
        return sum(a * b for a, b in zip(layers[:-1], layers[1:]))

    best_id = min(by_config.index, key=lambda c: (-by_config[c], n_weights(c), c))
    params = {k: v for k, v in result.params[best_id].items() if k != LABEL}
    seeds = result.config["seeds"]
    if cv:
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler().fit(split.X_dev_raw)
        dtype = split.X_train.dtype
        test_split = Split(
            X_train=scaler.transform(split.X_dev_raw).astype(dtype), y_train=split.y_dev, X_val=None, y_val=None,
            X_test=scaler.transform(split.X_test_raw).astype(dtype), y_test=split.y_test, classes=split.classes,
            feature_names=split.feature_names, name=split.name)
    else:
        test_split = split
    max_iter = params.pop("max_iter", NumpyMLPClassifier().max_iter)
    tasks = [Task(params=params, checkpoints=(max_iter,), config_ids=(best_id,), seed=s) for s in seeds]
    records = _execute(tasks, (test_split, None), 1, False, "test")
    rows = result.runs["config"] == best_id
    for record in records:
        at = rows & (result.runs["seed"] == record["seed"])
        result.runs.loc[at, ["test_accuracy", "test_f1"]] = record["test_accuracy"], record["test_f1"]
    chosen = result.runs[rows]
    return {
        "config": int(best_id),
        "params": result.params[best_id],
        "hidden_layer_sizes": format_layers(params.get("hidden_layer_sizes", (100,))),
        "activation": params.get("activation", "relu"),
        "val_accuracy": float(by_config[best_id]),
        "test_accuracy": float(chosen["test_accuracy"].mean()),
        "test_f1": float(chosen["test_f1"].mean()),
        "refit_on": "train+validation rows" if cv else "training rows (the selected models)",
    }


# ----------------------------------------------------------------------------------------------
# Comparison with MLPClassifier
# ----------------------------------------------------------------------------------------------


@dataclass
class PairedTest:
    """A paired test over seeds of ``ours - sklearn`` for one metric.

    ``significant`` is ``pvalue < alpha``; with fewer than 2 seeds there is no test (NaN).
    """

    metric: str
    method: str
    statistic: float
    pvalue: float
    significant: bool
    mean_difference: float
    n: int
    alpha: float = 0.05

    def describe(self):
        """One sentence, for humans."""
        if not np.isfinite(self.pvalue):
            return f"paired test on {self.metric}: needs at least 2 seeds (got {self.n})"
        verdict = "significant" if self.significant else "not significant"
        return (f"{self.method} on {self.metric} over {self.n} seeds: mean difference (digitnet - sklearn)"
                f" {self.mean_difference:+.4f}, t = {self.statistic:.3f}, p = {self.pvalue:.3g}: {verdict} at"
                f" {self.alpha}")


@dataclass
class CompareResult:
    """What :func:`compare` returns.

    Attributes
    ----------
    runs : DataFrame
        One row per model and seed: ``model`` (``"digitnet"`` or ``"sklearn"``),
        ``seed``, ``accuracy``, ``precision``, ``recall``, ``f1`` (macro averages
        on the test part), ``fit_seconds``, ``n_iter``.
    summary : DataFrame
        One row per model: ``<metric>_mean`` and ``<metric>_std`` (over seeds) of each metric.
    test : PairedTest
        Paired t-test of accuracy over seeds.
    confusion : dict or None
        ``model`` -> confusion matrix (n_classes, n_classes), rows = true class,
        summed over seeds (``per_class=True``).
    report : DataFrame or None
        Per-class precision, recall, f1 and support per model, mean over seeds (``per_class=True``).
    classes : ndarray
    config : dict
    elapsed : float
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    test: PairedTest
    confusion: dict | None
    report: pd.DataFrame | None
    classes: np.ndarray
    config: dict
    elapsed: float
    versions: dict = field(default_factory=lambda: package_versions())

    kind = "compare"

    def table(self, digits=4):
        """The side-by-side summary: one row per metric, one column per model, ``mean ± std``."""
        metrics = ["accuracy", "precision", "recall", "f1", "fit_seconds", "n_iter"]
        out = {}
        for model, row in self.summary.iterrows():
            out[model] = [f"{row[f'{m}_mean']:.{digits}f} ± {row[f'{m}_std']:.{digits}f}" for m in metrics]
        return pd.DataFrame(out, index=metrics)


def _compare_run(model_name, seed, params, split):
    """Fit one model (ours or scikit-learn's) and score it on the test part."""
    params = _resolve(params, len(split.y_train))
    if model_name == "sklearn":
        model = MLPClassifier(**{k: v for k, v in params.items() if k not in OURS_ONLY}, random_state=seed)
    else:
        model = NumpyMLPClassifier(**params, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(split.X_train, split.y_train)
        seconds = time.perf_counter() - start
    predicted = model.predict(split.X_test)
    precision, recall, f1, _ = precision_recall_fscore_support(split.y_test, predicted, average="macro",
                                                               zero_division=0)
    return {"model": model_name, "seed": seed, "accuracy": float(accuracy_score(split.y_test, predicted)),
            "precision": float(precision), "recall": float(recall), "f1": float(f1), "fit_seconds": seconds,
            "n_iter": int(model.n_iter_), "predicted": predicted}


def _paired_test(ours, theirs, metric, alpha=0.05):
    from scipy import stats

    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    diff = ours - theirs
    n = len(diff)
    if n < 2:
        return PairedTest(metric, "paired t-test", math.nan, math.nan, False, float(diff.mean()), n, alpha)
    if np.all(diff == diff[0]):  # no spread: the t statistic is undefined (0/0) or infinite
        p = 1.0 if diff[0] == 0 else 0.0
        return PairedTest(metric, "paired t-test", 0.0 if diff[0] == 0 else math.copysign(math.inf, diff[0]), p,
                          p < alpha, float(diff.mean()), n, alpha)
    result = stats.ttest_rel(ours, theirs)
    p = float(result.pvalue)
    return PairedTest(metric, "paired t-test", float(result.statistic), p, p < alpha, float(diff.mean()), n, alpha)


def compare(split=None, *, seeds=5, per_class=False, n_jobs=1, **model_params):
    """Train ours and scikit-learn's MLPClassifier with the same parameters, over several seeds.

    Both get the same split and every shared parameter (architecture,
    activation, solver, batch size, epochs, alpha, ...); ``weight_init`` goes to
    ours only (its default, ``glorot``, is MLPClassifier's scheme). Seed ``s``
    is ``random_state=s`` for both; each draws its own initial weights and
    shuffling from it, so runs are paired by seed, not identical.

    Parameters
    ----------
    split : Split, optional
        Default: ``load_split("digits")``.
    seeds : int or sequence of int, default=5
    per_class : bool, default=False
        Also compute per-class reports and confusion matrices.
    n_jobs : int, default=1
        Processes; 1 keeps ``fit_seconds`` free of contention.
    **model_params
        NumpyMLPClassifier parameters (``batch_size="full"`` allowed).

    Returns
    -------
    CompareResult
    """
    start = time.perf_counter()
    params = check_params(model_params)
    if params.get("activation", "relu") not in SKLEARN_ACTIVATIONS:
        raise UsageError(f"MLPClassifier has no activation {params['activation']!r}; compare needs one both"
                         f" support: {', '.join(SKLEARN_ACTIVATIONS)}")
    seeds = _seed_list(seeds)
    split = load_split("digits") if split is None else split
    jobs = [(model, seed) for seed in seeds for model in ("digitnet", "sklearn")]  # interleaved: fair timings
    if n_jobs == 1:
        records = [_compare_run(m, s, params, split) for m, s in jobs]
    else:
        from joblib import Parallel, delayed

        records = Parallel(n_jobs=n_jobs)(delayed(_compare_run)(m, s, params, split) for m, s in jobs)
    runs = pd.DataFrame([{k: v for k, v in r.items() if k != "predicted"} for r in records])
    metrics = ["accuracy", "precision", "recall", "f1", "fit_seconds", "n_iter"]
    grouped = runs.groupby("model", sort=False)[metrics]
    summary = pd.concat([grouped.mean().add_suffix("_mean"), grouped.std().add_suffix("_std")], axis=1)
    summary = summary[[f"{m}_{s}" for m in metrics for s in ("mean", "std")]]
    summary.insert(0, "n_runs", grouped.size())
    ours = runs[runs.model == "digitnet"].sort_values("seed")
    theirs = runs[runs.model == "sklearn"].sort_values("seed")
    test = _paired_test(ours.accuracy, theirs.accuracy, "accuracy")

    confusion = report = None
    if per_class:
        confusion, rows = {}, []
        for model in ("digitnet", "sklearn"):
            mine = [r for r in records if r["model"] == model]
            confusion[model] = sum(confusion_matrix(split.y_test, r["predicted"], labels=split.classes) for r in mine)
            scores = np.mean([precision_recall_fscore_support(split.y_test, r["predicted"], labels=split.classes,
                                                              zero_division=0)[:3] for r in mine], axis=0)
            support = np.array([np.sum(split.y_test == c) for c in split.classes])
            for i, c in enumerate(split.classes):
                rows.append({"model": model, "class": c, "precision": scores[0, i], "recall": scores[1, i],
                             "f1": scores[2, i], "support": int(support[i])})
        report = pd.DataFrame(rows)
    config = {"params": params, "sklearn_params": {k: v for k, v in params.items() if k not in OURS_ONLY},
              "seeds": seeds, "per_class": per_class, "n_jobs": n_jobs, "split": split.describe()}
    return CompareResult(runs=runs, summary=summary, test=test, confusion=confusion, report=report,
                         classes=split.classes, config=config, elapsed=time.perf_counter() - start)


# ----------------------------------------------------------------------------------------------
# Saving results
# ----------------------------------------------------------------------------------------------


def package_versions():
    """Versions of Python, the platform and every package a result depends on."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "platform": platform.platform()}
    for package in ("digitnet", "numpy", "scipy", "scikit-learn", "pandas", "joblib"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = None
    return out


def _jsonable(obj):
    """Plain JSON types: tuples -> lists, NumPy scalars/arrays -> Python, inf -> "inf", NaN -> null."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, pd.DataFrame):
        return _jsonable(obj.to_dict(orient="records"))
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return str(obj)


def prepare_out_dir(out_dir):
    """Create ``out_dir`` if needed and check that files can be written there (before any long work).

    Raises
    ------
    UsageError
        If the directory cannot be created or written.
    """
    out_dir = os.fspath(out_dir)
    try:
        os.makedirs(out_dir, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".digitnet-write-check.", dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except FileExistsError:
        raise UsageError(f"cannot write to output directory {out_dir}: a file of that name exists") from None
    except OSError as exc:
        raise UsageError(f"cannot write to output directory {out_dir}: {exc.strerror or exc}") from None
    return out_dir


def _write_all(out_dir, files):
    """Write every file to a temporary name first, then rename them all: no half-written file, ever."""
    from .io import temporary_beside

    written = []
    try:
        for name, text in files.items():
            final = os.path.join(out_dir, name)
            fd, tmp = temporary_beside(final)
            written.append((tmp, final))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        for tmp, final in written:
            os.replace(tmp, final)
    except OSError as exc:
        for tmp, _ in written:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise UsageError(f"cannot write results to {out_dir}: {exc.strerror or exc}") from None
    return [final for _, final in written]


def save_results(result, out_dir):
    """Write a result to ``out_dir`` as CSV plus JSON, atomically.

    - sweep: ``sweep.csv`` (one row per run), ``curves.json`` (run_id -> per-epoch
      lists) and ``results.json``;
    - compare: ``compare.csv`` (one row per run), ``summary.csv`` (one row per
      model), ``report.csv`` (per class, with ``per_class``) and ``results.json``.

    ``results.json`` holds the exact configuration, seeds, package versions,
    elapsed seconds, and (sweep) the full parameters of each configuration and
    the selected best, or (compare) the paired test and confusion matrices.

    Returns
    -------
    list of str
        The paths written.
    """
    out_dir = prepare_out_dir(out_dir)
    meta = {"kind": result.kind, "config": result.config, "elapsed_seconds": result.elapsed,
            "versions": result.versions, "written": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if result.kind == "sweep":
        meta.update(configurations=result.params, best=result.best)
        files = {"sweep.csv": result.runs.to_csv(index=False),
                 "curves.json": json.dumps(_jsonable(result.curves)) + "\n"}
    else:
        meta.update(test=vars(result.test), classes=result.classes,
                    confusion=None if result.confusion is None else result.confusion)
        files = {"compare.csv": result.runs.to_csv(index=False),
                 "summary.csv": result.summary.to_csv(index_label="model")}
        if result.report is not None:
            files["report.csv"] = result.report.to_csv(index=False)
    files["results.json"] = json.dumps(_jsonable(meta), indent=2) + "\n"
    return _write_all(out_dir, files)
