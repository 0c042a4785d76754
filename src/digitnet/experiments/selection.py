"""Choosing the model to carry forward: the configuration with the best expected held-out accuracy.

A selecting study (the architecture study) trains every configuration over several seeds, each
seed a replication of its own (its starting weights, shuffles and cross-validation folds), and
carries forward the configuration with the highest mean cross-validated accuracy: the best
estimate there is of how it will do on digits it has not seen. Which other configurations the
seeds cannot tell apart from it is for the study to say (:mod:`digitnet.studies.ranking`);
:func:`choose_best` picks the configuration, and :func:`select_and_test` then refits it on all the
development rows (as GridSearchCV refits), once per seed, and scores it on the test set: the only
time the test set is looked at.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any  # Any: a results.SweepResult (results imports this module)

import numpy as np

from ..errors import UsageError
from .backends import execute
from .params import DEFAULTS, count_weights, data_param, format_layers, hidden_layers, without_label
from .runs import Task

if TYPE_CHECKING:
    import pandas as pd

    from ..data import Split


@dataclass
class Standing:
    """One configuration's mean score over the seeds, its standard error, and its number of weights."""

    config: int
    mean: float
    std_error: float
    n_weights: int


def standings(runs: pd.DataFrame, n_weights: Callable[[int], int], metric: str = "val_accuracy") -> list[Standing]:
    """Every configuration's :class:`Standing`, best first (a higher mean; on equal means, fewer weights).

    Parameters
    ----------
    runs : DataFrame
        One row per run: ``config``, ``seed``, ``metric`` (NaN for a run that failed or diverged: left out).
    n_weights : callable(config id) -> int
        The configuration's number of weights.

    Raises
    ------
    UsageError
        If no run has a score.
    """
    scored = runs[runs[metric].notna()]
    if scored.empty:
        raise UsageError("every run of the sweep failed or diverged; nothing to select")
    out = []
    for config, group in scored.groupby("config"):
        values = group[metric].to_numpy(dtype=float)
        se = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0
        out.append(Standing(int(config), float(values.mean()), se, int(n_weights(int(config)))))
    return sorted(out, key=lambda s: (-s.mean, s.n_weights, s.config))


@dataclass
class Selection:
    """The configuration a selecting study carries forward, and its one look at the test set.

    Attributes
    ----------
    config : int
        The configuration with the highest mean validation (cross-validated) accuracy over the seeds.
    standings : list of Standing
        Every configuration, best first.
    params : dict
        The chosen configuration's parameters (with its label, if the grid named it; ``scaling`` if it set one).
    hidden_layer_sizes, activation, scaling : str
        Its hidden layers (``"64-32"``), activation, and how its inputs are scaled (``"standard"`` or ``"max"``).
    n_weights : int
    val_accuracy : float
        Its mean validation accuracy over the seeds.
    test_accuracy, test_accuracy_std, test_f1 : float
        Its test scores over the seeds (mean, std of the accuracy, mean macro F1; NaN until it is tested).
    refit_on : str
        Which rows the tested models were trained on.
    """

    config: int
    standings: list
    params: dict
    hidden_layer_sizes: str
    activation: str
    scaling: str
    n_weights: int
    val_accuracy: float
    test_accuracy: float = math.nan
    test_accuracy_std: float = math.nan
    test_f1: float = math.nan
    refit_on: str = ""

    def standing(self, config: int) -> Standing | None:
        """The :class:`Standing` of a configuration (None if it has none: every run of it failed)."""
        return next((s for s in self.standings if s.config == config), None)

    def to_json(self) -> dict:
        """A plain dict, as ``results.json`` keeps it."""
        return asdict(self)

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Selection:
        """The inverse of :meth:`to_json` (a ``results.json``'s ``best``).

        Raises
        ------
        UsageError
            If ``value`` is not such a dict (one written by another version of digitnet, say).
        """
        names = {f.name for f in fields(cls)}
        if not isinstance(value, dict) or not {"config", "standings", "params"} <= set(value) or set(value) - names:
            raise UsageError(
                "the results file's 'best' is not a selection this version of digitnet wrote: run the study again"
            )
        value = dict(value)
        value["standings"] = [Standing(**s) for s in value["standings"]]
        value["params"] = {
            k: tuple(v) if k == "hidden_layer_sizes" and isinstance(v, list) else v for k, v in value["params"].items()
        }  # JSON keeps a tuple as a list
        return cls(**value)


def choose_best(result: Any, n_features: int, n_classes: int) -> Selection:
    """The configuration with the highest mean validation accuracy over the seeds (no test score yet).

    On equal means the one with fewer weights is taken, then the first of the grid.
    """
    ranked = standings(result.runs, lambda c: count_weights(result.params[c], n_features, n_classes))
    best = ranked[0]
    params = without_label(result.params[best.config])
    return Selection(
        config=best.config,
        standings=ranked,
        params=result.params[best.config],
        hidden_layer_sizes=format_layers(hidden_layers(params)),
        activation=params.get("activation", DEFAULTS["activation"]),
        scaling=data_param(params, "scaling"),
        n_weights=best.n_weights,
        val_accuracy=best.mean,
    )


def select_and_test(result: Any, split: Split, cv: int | None) -> Selection:
    """:func:`choose_best`, then that configuration scored once on the test set, for each seed.

    Without cv, the chosen runs are repeated (they are deterministic, so the models are the ones
    the sweep selected) and scored on the test part; with cv, the chosen configuration is
    refitted on all non-test rows, scaled on them as it says (``scaling``), as GridSearchCV
    refits. The test scores go into ``result.runs``.

    Returns
    -------
    Selection
        :func:`choose_best`'s, with its test scores and ``refit_on``.
    """
    best = choose_best(result, split.X_train.shape[1], len(split.classes))
    params = without_label(result.params[best.config])
    test_split = split.dev_split() if cv else split
    max_iter = params.pop("max_iter", DEFAULTS["max_iter"])
    tasks = [
        Task(params=params, checkpoints=(max_iter,), config_ids=(best.config,), seed=s) for s in result.config.seeds
    ]
    records = execute(tasks, (test_split, None), backend="serial", progress=False, desc="test")
    rows = result.runs["config"] == best.config
    for record in records:
        at = rows & (result.runs["seed"] == record.seed)
        result.runs.loc[at, ["test_accuracy", "test_f1"]] = record.test_accuracy, record.test_f1
    picked = result.runs[rows]
    best.test_accuracy, best.test_f1 = float(picked["test_accuracy"].mean()), float(picked["test_f1"].mean())
    best.test_accuracy_std = float(np.std(picked["test_accuracy"], ddof=1)) if len(picked) > 1 else math.nan
    best.refit_on = "development rows (training + validation)" if cv else "training rows (the selected models)"
    return best
