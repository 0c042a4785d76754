"""Sweeps: train every configuration of a parameter grid for every seed, resumably.

A sweep runs in four stages, each a function below:

1. **plan** (:func:`plan_sweep`): check and expand the grid into configurations, group those
   that differ only in ``max_iter`` into one training read off at each value (exact: see
   :func:`~digitnet.experiments.runs.run_task`), make one :class:`~digitnet.experiments.runs.Task`
   per group, seed and fold, and give every run its stable id (:mod:`digitnet.experiments.store`);
2. **pending** (:func:`_pending`): the tasks with a run not in the results store yet;
3. **run and commit** (:func:`_run_and_commit`): execute them on a backend
   (:mod:`digitnet.experiments.backends`), committing each finished chunk to the store at once;
4. **tabulate** (:func:`_tabulate`): one row per run and its per-epoch curve, read back from the store.

Where and how the trainings run (backend, workers, progress bar, store, log) is one
:class:`Execution`; the numbers never depend on it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import os
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..data import Split, load_split
from ..errors import UsageError
from ..jsonify import canonical_json
from .backends import WorkerLost, execute
from .identity import IDENTITY_VERSION, data_fingerprint, run_id
from .params import (
    DEFAULTS,
    LABEL,
    check_combination,
    check_params,
    expand_grid,
    format_layers,
    resolved_params,
    seed_list,
)
from .results import SweepConfig, SweepResult, package_versions
from .runs import METRICS, Task, reusable
from .store import UNREADABLE_SUFFIX, Store, StoreDamaged, salvage
from .store_rows import record_of


@dataclass(frozen=True)
class Execution:
    """Where and how a sweep's trainings run; results never depend on it.

    Attributes
    ----------
    n_jobs : int
        Worker processes (``processes`` backend, or a Dask LocalCluster); -1 for all cores.
    backend : {"serial", "processes", "dask"} or None
        None: ``serial`` for ``n_jobs=1``, else ``processes``.
    scheduler : str or None
        Address of a running Dask scheduler (``backend="dask"``); None starts a LocalCluster.
    progress : bool
        Progress on stderr (a bar on a terminal, a line now and then in a log).
    store : str, path-like, Store or None
        The results store (see :func:`sweep`); None keeps results in memory only.
    log : callable(str) or None
        Receives one line before training: how many runs were found in the store and how many remain;
        and, before it, a line starting ``warning: `` for each problem with the store (damaged, rows
        that cannot be read), which the command line prints on stderr.
    """

    n_jobs: int = 1
    backend: str | None = None
    scheduler: str | None = None
    progress: bool = True
    store: object = None
    log: Callable | None = None

    @property
    def backend_name(self) -> str:
        return self.backend or ("serial" if self.n_jobs == 1 else "processes")


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

    def __init__(self, saved: int, total: int, path: str | None) -> None:
        super().__init__(saved, total, path)
        self.saved, self.total, self.path = saved, total, path

    def describe(self) -> str:
        """The one-line summary the command line prints."""
        if self.path is None:
            return f"interrupted after {self.saved} of {self.total} runs (no results store: nothing was saved)"
        return (
            f"interrupted: {self.saved} of {self.total} runs saved in {self.path}; run the same command again to finish"
        )


# ----------------------------------------------------------------------------------------------
# 1. Plan
# ----------------------------------------------------------------------------------------------


@dataclass
class SweepPlan:
    """Everything a sweep will train, decided before any training.

    ``configs`` are the configurations (with their ``label``, if any); ``tasks`` the trainings;
    ``ids`` maps ``(config, seed, fold)`` to ``(run_id, identity)``; ``config`` is what the
    result files record.
    """

    name: str
    configs: list
    grid_keys: list
    seeds: list
    split: object
    folds: list | dict | None  # one list of (train, val) pairs, or one per seed (seed -> list)
    cv: int | None
    tasks: list
    ids: dict
    config: SweepConfig

    @property
    def run_ids(self) -> list[str]:
        """Every run's id, once each, in order."""
        return list(dict.fromkeys(rid for rid, _ in self.ids.values()))


def _make_tasks(configs, seeds, n_folds, score_test):
    """Group configurations that differ only in max_iter (when that is exact) and make one task per group x seed x fold."""
    groups = {}
    for i, config in enumerate(configs):
        params = {k: v for k, v in config.items() if k != "max_iter"}
        max_iter = config.get("max_iter", DEFAULTS["max_iter"])
        key = canonical_json(params) if reusable(params) else f"#{i}"
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
        for batch, seed, fold in itertools.product(batches, seeds, range(n_folds) if n_folds else [None]):
            tasks.append(
                Task(
                    params=params,
                    checkpoints=tuple(m for m, _ in batch),
                    config_ids=tuple(i for _, i in batch),
                    seed=seed,
                    fold=fold,
                    score_test=score_test,
                )
            )
    return tasks


def _identities(configs, seeds, folds, split, score_test):
    """``(config_id, seed, fold)`` -> (run_id, identity) for every run of a sweep (with folds drawn per seed, a
    run's data are its seed's folds: more seeds later leave the identity of the runs made before unchanged)."""
    per_seed = isinstance(folds, dict)
    data = {int(s): data_fingerprint(split, folds[s] if per_seed else folds) for s in (seeds if per_seed else [0])}
    n_folds = None if folds is None else len(next(iter(folds.values())) if per_seed else folds)
    out = {}
    for config_id, config in enumerate(configs):
        params = resolved_params(config)
        for seed in seeds:
            for fold in range(n_folds) if n_folds else [None]:
                identity = {
                    "v": IDENTITY_VERSION,
                    "params": params,
                    "seed": int(seed),
                    "fold": fold,
                    "data": data[int(seed) if per_seed else 0],
                    "cv": n_folds,
                    "score_test": bool(score_test),
                }
                if per_seed:
                    identity["folds"] = "per seed"
                out[config_id, int(seed), fold] = run_id(identity), identity
    return out


def _folds(split, cv, seeds, per_seed):
    """The cross-validation folds of a sweep: none, one set for every seed, or (``per_seed``) each seed's own,
    drawn with that seed, so that each seed is an independent replication (its starting weights and its folds)."""
    if cv is None:
        return None
    if per_seed:
        return {seed: split.cv_folds(int(cv), random_state=seed) for seed in seeds}
    return split.cv_folds(int(cv))


def plan_sweep(
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Sequence[Any]]],
    split: Split,
    *,
    seeds: int | Sequence[int],
    cv: int | None,
    base_params: Mapping[str, Any] | None,
    score_test: bool,
    name: str,
    execution: Execution,
    folds_per_seed: bool = False,
) -> SweepPlan:
    """Stage 1: check the grid and decide every run and training (see the module docstring)."""
    raw_configs = expand_grid(grid)
    base = check_params(base_params or {})
    grid_keys = list(dict.fromkeys(k for c in raw_configs for k in c))
    if LABEL in grid_keys:  # the label first: it names the row
        grid_keys.insert(0, grid_keys.pop(grid_keys.index(LABEL)))
    configs = []
    for raw in raw_configs:
        label = raw.get(LABEL)
        config = check_combination({**base, **check_params({k: v for k, v in raw.items() if k != LABEL})})
        configs.append(config if label is None else {LABEL: label, **config})
    seeds = seed_list(seeds)
    split = load_split("digits", validation_size=0.2) if split is None else split
    folds = _folds(split, cv, seeds, folds_per_seed)
    plain = [{k: v for k, v in c.items() if k != LABEL} for c in configs]
    tasks = _make_tasks(plain, seeds, None if cv is None else int(cv), score_test)
    ids = _identities(plain, seeds, folds, split, score_test)
    config = SweepConfig(
        name=name,
        grid=grid,
        base_params=base,
        seeds=seeds,
        cv=cv,
        folds_per_seed=folds_per_seed,
        n_jobs=execution.n_jobs,
        score_test=score_test,
        split=split.describe(),
        backend=execution.backend_name,
        scheduler=execution.scheduler,
        n_configs=len(configs),
    )
    return SweepPlan(
        name=name,
        configs=configs,
        grid_keys=grid_keys,
        seeds=seeds,
        split=split,
        folds=folds,
        cv=cv,
        tasks=tasks,
        ids=ids,
        config=config,
    )


# ----------------------------------------------------------------------------------------------
# 2. Pending, 3. run and commit
# ----------------------------------------------------------------------------------------------


def _pending(plan, found):
    """Stage 2: the tasks still needed (one of their runs is not in ``found``), and how many trainings the
    sweep has in all; two tasks for the same runs (two labels, one configuration) are trained once."""
    pending, covered, seen = [], set(found), set()
    for task in plan.tasks:
        task_ids = tuple(plan.ids[c, task.seed, task.fold][0] for c in task.config_ids)
        if task_ids in seen:
            continue
        seen.add(task_ids)
        if not covered.issuperset(task_ids):
            pending.append(task)
            covered.update(task_ids)
    return pending, len(seen)


def _start(store, plan, n_found):
    """The sweep's entry in the store (None without a store); a store that cannot be written is one line."""
    if store is None:
        return None
    try:
        return store.start_sweep(plan.name, plan.config.to_json(), len(plan.run_ids), n_found)
    except sqlite3.Error as exc:
        raise UsageError(f"cannot write to the results store {store.path} ({exc}); nothing was trained") from None


def _run_and_commit(plan, pending, store, execution, n_found):
    """Stage 3: train the pending tasks, committing every finished chunk to ``store`` at once.

    Returns the records by run id, and the store's rows of every run of the sweep (read back from
    it; none without a store). Ctrl-C (or SIGTERM turned into it) becomes :class:`SweepInterrupted`,
    a dead worker :class:`WorkerLost` and a store that cannot be written (a full disk) a UsageError,
    each saying how many runs are saved; the sweep's entry in the store says how it ended.
    """
    results, versions, info = {}, package_versions(), {"split": plan.split.describe()}
    all_ids = plan.run_ids
    sweep_id = _start(store, plan, n_found)

    def commit(records):
        entries = [(*plan.ids[r.config, r.seed, r.fold], r) for r in records]
        if store is not None:
            store.add(entries, sweep=plan.name, versions=versions, info=info)
        else:
            results.update((rid, record) for rid, _, record in entries)

    def ended(status):
        """How many runs are saved, after recording (if it can be) how the sweep ended."""
        if store is None:
            return len(set(results) & set(all_ids))
        with contextlib.suppress(sqlite3.Error):
            store.rollback()
            store.finish_sweep(sweep_id, status)
        try:
            return store.count(all_ids)
        except sqlite3.Error:
            return "?"

    def saved_where(n_saved):
        return (
            "nothing was saved"
            if store is None
            else (f"{n_saved} of {len(all_ids)} runs saved in {store.path}; run the same command again to finish")
        )

    try:
        execute(
            pending,
            (plan.split, plan.folds),
            backend=execution.backend_name,
            n_jobs=execution.n_jobs,
            scheduler=execution.scheduler,
            on_result=commit,
            progress=execution.progress,
            desc=plan.name,
        )
    except KeyboardInterrupt:
        raise SweepInterrupted(ended("interrupted"), len(all_ids), None if store is None else store.path) from None
    except WorkerLost as exc:
        raise WorkerLost(f"{exc}; {saved_where(ended('failed'))}") from None
    except sqlite3.Error as exc:  # a full disk, a file-size limit: what was committed before stays
        raise UsageError(
            f"cannot write to the results store {store.path} ({exc}); {saved_where(ended('failed'))} once there is room"
        ) from None
    except BaseException:
        ended("failed")
        raise
    if store is None:
        return results, []
    store.finish_sweep(sweep_id, "finished")
    return _read_back(store, all_ids)


def _read_back(store, run_ids):
    """Every run of the sweep read back from the store: ``({run_id: RunRecord}, [StoredRun, ...])`` (one line
    if another process spoiled or removed one)."""
    rows, unreadable = store.readable(run_ids)
    missing = [rid for rid in run_ids if rid not in rows]
    if missing:
        why = unreadable.get(missing[0], f"run {missing[0][:16]} is not there")
        raise UsageError(
            f"{len(missing)} runs of this sweep cannot be read back from {store.path} ({why}): another"
            " process changed the store during the sweep; run the same command again"
        )
    return {rid: record_of(row) for rid, row in rows.items()}, list(rows.values())


# ----------------------------------------------------------------------------------------------
# 4. Tabulate
# ----------------------------------------------------------------------------------------------


def _mean_curve(curves):
    """Element-wise mean of per-fold curves of possibly different lengths."""
    out = {}
    for key in {k for c in curves for k in c}:
        series = [c[key] for c in curves if key in c]
        length = max(len(s) for s in series)
        padded = np.full((len(series), length), np.nan)
        for i, s in enumerate(series):
            padded[i, : len(s)] = s
        out[key] = [float(v) for v in np.nanmean(padded, axis=0)]
    return out


def _run_metrics(group, cv):
    """The metrics of one run, from its records (one per fold with cv: their mean); NaN if it failed."""
    row = {}
    errors = [r.error for r in group if r.error]
    for metric in METRICS:
        values = [getattr(r, metric) for r in group]
        row[metric] = float(np.mean(values)) if not errors else math.nan
        if cv and metric == "val_accuracy":
            row["val_accuracy_std"] = float(np.std(values)) if not errors else math.nan
            row["n_folds"] = len(group)
    row["fit_seconds"] = float(sum(r.fit_seconds for r in group))
    row["n_iter"] = float(np.mean([r.n_iter for r in group])) if cv else int(group[0].n_iter)
    diverged = [r.diverged_at for r in group if r.diverged_at is not None]
    row["diverged_at"] = min(diverged) if diverged else None  # the first fold to diverge, with cv
    row["error"] = errors[0] if errors else ""
    return row


def _tabulate(records, configs, grid_keys, cv):
    """Stage 4: records (one per run and fold) -> (runs table, curves)."""
    rows, curves = [], {}
    width = len(str(max(len(configs) - 1, 0)))
    records = sorted(records, key=lambda r: (r.config, r.seed, -1 if r.fold is None else r.fold))
    for (config_id, seed), group in itertools.groupby(records, key=lambda r: (r.config, r.seed)):
        group = list(group)
        run_id_text = f"c{config_id:0{width}d}-s{seed}"
        config = configs[config_id]
        cells = {key: config.get(key) for key in grid_keys}
        if cells.get("hidden_layer_sizes") is not None:
            cells["hidden_layer_sizes"] = format_layers(cells["hidden_layer_sizes"])
        rows.append({**cells, "seed": seed, "run_id": run_id_text, "config": config_id, **_run_metrics(group, cv)})
        curves[run_id_text] = _mean_curve([r.curve for r in group]) if cv else group[0].curve
    runs = pd.DataFrame(rows)
    if not runs.empty and not runs["error"].astype(bool).any():
        runs = runs.drop(columns="error")
    if not runs.empty:
        runs["diverged_at"] = runs["diverged_at"].astype("Int64")  # an epoch, or <NA>: never a float
    return runs, curves


# ----------------------------------------------------------------------------------------------
# The whole sweep
# ----------------------------------------------------------------------------------------------


def _open_store(store, log):
    """``(Store or None, whether we opened it)``; a damaged store is moved aside and its readable runs kept."""
    if store is None or isinstance(store, Store):
        return store, False
    try:
        return Store(store), True
    except StoreDamaged as damage:
        aside, n_rows = salvage(damage.path)
        if log is not None:
            log(f"warning: {damage}: kept it as {aside} and copied its {n_rows} readable runs into a new {damage.path}")
        return Store(store), True


def _found(store, plan, log):
    """The runs of the plan already in the store and readable; a row that cannot be read is kept under a new id
    (:meth:`~digitnet.experiments.store.Store.set_aside`), so that its run is trained and stored again."""
    if store is None:
        return set()
    records, unreadable = store.readable(plan.run_ids)
    if unreadable:
        store.set_aside(unreadable)
        if log is not None:
            n = len(unreadable)
            log(
                f"warning: {n} run{'s' if n != 1 else ''} in {store.path} cannot be read"
                f" ({next(iter(unreadable.values()))}): training {'them' if n != 1 else 'it'} again; the old"
                f" row{'s are' if n != 1 else ' is'} kept, with a run id ending in {UNREADABLE_SUFFIX}"
            )
    return set(records)


def run_sweep(plan: SweepPlan, execution: Execution, start: float) -> SweepResult:
    """Stages 2-4 of a planned sweep: what is pending, run and commit it, tabulate everything.

    ``start`` is when the sweep began (``time.perf_counter()``), for its elapsed time.
    """
    store, owned = _open_store(execution.store, execution.log)
    try:
        found = _found(store, plan, execution.log)
        pending, n_trainings = _pending(plan, found)
        if execution.log is not None and store is not None:
            n_ids = len(plan.run_ids)
            execution.log(
                f"results store {store.path}: {len(found)} of {n_ids} runs found, {n_ids - len(found)} to"
                f" train ({len(pending)} training{'s' if len(pending) != 1 else ''})"
            )
        results, stored = _run_and_commit(plan, pending, store, execution, len(found))
    finally:
        if owned:
            store.close()
    records = [
        dataclasses.replace(results[rid], config=config_id, seed=seed, fold=fold)
        for (config_id, seed, fold), (rid, _) in plan.ids.items()
    ]
    runs, curves = _tabulate(records, plan.configs, plan.grid_keys, plan.cv)
    config = dataclasses.replace(
        plan.config,
        n_runs=len(plan.run_ids),
        n_trainings=n_trainings,
        n_trained=len(pending),
        n_found=len(found),
        store=None if store is None else str(store.path),
    )
    return SweepResult(
        runs=runs, curves=curves, params=plan.configs, config=config, elapsed=time.perf_counter() - start, stored=stored
    )


def sweep(
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Sequence[Any]]],
    split: Split | None = None,
    *,
    seeds: int | Sequence[int] = (0,),
    cv: int | None = None,
    n_jobs: int = 1,
    progress: bool = True,
    base_params: Mapping[str, Any] | None = None,
    score_test: bool = True,
    name: str = "sweep",
    backend: str | None = None,
    scheduler: str | None = None,
    store: str | os.PathLike[str] | Store | None = None,
    log: Callable[[str], object] | None = None,
) -> SweepResult:
    """Train every configuration of a parameter grid, for every seed.

    Parameters
    ----------
    grid : dict of name -> list of values, or list of such dicts
        Any :class:`~digitnet.NumpyMLPClassifier` parameter (see :func:`~digitnet.experiments.params.expand_grid`);
        ``batch_size`` may be ``"full"`` (whole training set per step), and
        ``"label"`` names configurations.
    split : Split, optional
        Default: ``load_split("digits", validation_size=0.2)``.
    seeds : int or sequence of int, default=(0,)
        ``random_state`` values (an int N means 0..N-1).
    cv : int, optional
        Stratified K-fold cross-validation over the non-test rows (each fold
        scaled on its own training rows) instead of the split's validation part.
    n_jobs, progress, backend, scheduler, log
        Where and how to train: see :class:`Execution`. Results do not depend on them.
    base_params : dict, optional
        Parameters shared by every configuration (the grid overrides them).
    score_test : bool, default=True
        Score every run on the test part (``False`` keeps the test set unseen, for model selection).
    name : str
        Recorded in the configuration (the preset's name).
    store : str, path-like or :class:`~digitnet.experiments.store.Store`, optional
        A results store (SQLite file): every finished run is committed to it
        at once, runs already in it are not trained again, and the returned
        tables are read back from it. None keeps results in memory only.

    Returns
    -------
    SweepResult

    Raises
    ------
    SweepInterrupted
        On Ctrl-C (KeyboardInterrupt) or SIGTERM turned into one, after the
        workers were stopped; every run finished before is in the store.
    WorkerLost
        A worker process died; its message says how many runs are saved.
    """
    start = time.perf_counter()
    execution = Execution(n_jobs=n_jobs, backend=backend, scheduler=scheduler, progress=progress, store=store, log=log)
    plan = plan_sweep(
        grid, split, seeds=seeds, cv=cv, base_params=base_params, score_test=score_test, name=name, execution=execution
    )
    return run_sweep(plan, execution, start)
