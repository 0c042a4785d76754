"""Running a study: its sweep (:func:`run_preset`), and its reading (:func:`run_study`).

Every study runs the same way: its grid, with the axes and parameters a caller overrides, over its
seeds, by :func:`digitnet.experiments.sweep`'s stages; a selecting study (``architecture``) then
chooses its configuration on validation accuracy and only then looks at the test set, once
(:func:`~digitnet.experiments.selection.select_and_test`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping

from ..data import load_split
from ..experiments.results import SweepResult
from ..experiments.selection import select_and_test
from ..experiments.sweep import Execution, plan_sweep, run_sweep
from .base import Outcome, Settings, Study
from .registry import get


def _override_grid(grid, axes):
    """Replace (or add) grid axes: ``axes`` maps a name to its new list of values."""
    if not axes:
        return grid
    axes = {k: list(v) for k, v in axes.items()}
    if isinstance(grid, Mapping):
        return {**grid, **axes}
    return [{**g, **axes} for g in grid]


def study_split(study: Study, cv: int | None = None, dtype=None):
    """The rows a study runs on by default: its dataset, with its validation split (none when it cross-validates:
    ``cv``, or the study's own)."""
    kwargs = {} if dtype is None else {"dtype": dtype}
    folds = study.cv if cv is None else (cv or None)
    return load_split(study.dataset, validation_size=0 if folds else study.validation_size, **kwargs)


def run_preset(
    name,
    split=None,
    *,
    seeds=None,
    cv=None,
    n_jobs=1,
    progress=True,
    grid=None,
    params=None,
    backend=None,
    scheduler=None,
    store=None,
    log=None,
) -> SweepResult:
    """Run the sweep of the study ``name`` (``digitnet sweep --preset NAME``).

    Parameters
    ----------
    name : str or Study
        A registered study (``"seed"``, the original project's name for its setting, is an alias of
        ``"original-to-ours"``).
    split : Split, optional
        Default: the study's dataset with its validation split (20% of the training part).
    seeds : int or sequence of int, optional
        Default: the study's.
    cv : int, optional
        Cross-validate with this many folds (default: the study's ``cv``: stratified folds of the development
        rows, drawn anew for every seed, so that each seed is a replication of its own); 0: use the split's
        validation part instead.
    n_jobs, progress, backend, scheduler, store, log
        As in :func:`~digitnet.experiments.sweep` (see :class:`~digitnet.experiments.sweep.Execution`).
    grid : dict, optional
        Axes replacing the study's (e.g. ``{"max_iter": [5, 10]}`` for a quick run).
    params : dict, optional
        Parameters overriding the study's shared ones.

    Returns
    -------
    SweepResult
        For a selecting study, ``best`` holds the configuration chosen and its test scores; the
        sweep itself never looks at the test set.
    """
    start = time.perf_counter()
    study = name if isinstance(name, Study) else get(name)
    cv = study.cv if cv is None else (cv or None)
    if split is None:
        split = study_split(study, cv)
    execution = Execution(n_jobs=n_jobs, backend=backend, scheduler=scheduler, progress=progress, store=store, log=log)
    plan = plan_sweep(
        _override_grid(study.grid, grid),
        split,
        seeds=study.seeds if seeds is None else seeds,
        cv=cv,
        base_params={**study.base_params, **(params or {})},
        score_test=not study.select,
        name=study.name,
        execution=execution,
        folds_per_seed=cv is not None,
    )
    result = run_sweep(plan, execution, start)
    result.config = dataclasses.replace(result.config, preset=study.name, description=study.description)
    if study.select:
        result.best = select_and_test(result, split, cv)
    result.extra = study.measure(result, split)
    return result


def run_study(name, split=None, settings: Settings | None = None, *, n_jobs=1, progress=True) -> Outcome:
    """Run a study with ``settings`` (default: its full ones) and read it.

    Returns
    -------
    Outcome
        The sweep's result and the study's reading of it.
    """
    study = name if isinstance(name, Study) else get(name)
    settings = settings or study.full
    split = study_split(study) if split is None else split
    result = run_preset(
        study,
        split,
        seeds=settings.seeds,
        n_jobs=n_jobs,
        progress=progress,
        grid=settings.grid,
        params=dict(settings.params),
    )
    return study.outcome(result, split)
