"""Choosing a configuration honestly: among those the seeds cannot tell apart from the best, the simplest.

When seven configurations reach the same validation accuracy give or take one image, the one
with the highest mean is not "the best architecture": it won a draw. :func:`indistinguishable`
says which configurations the data cannot separate from the best one, :func:`select_and_test`
then takes the simplest of them (the fewest weights) and scores it, once, on the test set.

The rule: with 3 or more seeds, a configuration is indistinguishable from the best when a paired
t-test over the seeds (the same seeds for both) does not reject equal means at the 5% level;
with 2 seeds (too few for a test worth its name), when its mean is within one standard error of
the best's; with a single seed, only an exact tie counts.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from ..errors import UsageError
from .backends import execute
from .params import DEFAULTS, count_weights, format_layers, hidden_layers, without_label
from .runs import Task

#: Significance level of the paired test.
ALPHA = 0.05


@dataclass
class Standing:
    """How one configuration compares with the best (mean validation accuracy over seeds)."""

    config: int
    mean: float
    std_error: float
    pvalue: float  # of the paired test against the best (NaN for the best itself, or without a test)
    indistinguishable: bool
    n_weights: int


def _per_seed(runs, metric):
    """``config -> {seed: score}`` of the finished runs (a diverged or failed run has no score)."""
    finished = runs[runs[metric].notna()]
    return {int(c): dict(zip(g["seed"], g[metric])) for c, g in finished.groupby("config")}


def rule_text(n_seeds):
    """The rule :func:`indistinguishable` applies with this many seeds, in words."""
    if n_seeds >= 3:
        return f"a paired t-test over the {n_seeds} seeds does not find a difference at the {ALPHA:.0%} level"
    if n_seeds == 2:
        return "its mean is within one standard error of the best's (2 seeds: too few for a test)"
    return "its mean equals the best's (one seed: no spread to judge by)"


def indistinguishable(runs, n_weights, metric="val_accuracy"):
    """Every configuration's :class:`Standing` against the one with the best mean ``metric``, best first.

    Parameters
    ----------
    runs : DataFrame
        One row per run: ``config``, ``seed``, ``metric``.
    n_weights : callable(config id) -> int
        The configuration's number of weights (the tie-break, and what "simplest" means).
    """
    scores = _per_seed(runs, metric)
    if not scores:
        raise UsageError("every run of the sweep failed or diverged; nothing to select")
    means = {c: float(np.mean(list(s.values()))) for c, s in scores.items()}
    best = min(means, key=lambda c: (-means[c], n_weights(c), c))
    standings = []
    for c, seeds in scores.items():
        values = np.array(list(seeds.values()))
        se = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0
        common = sorted(set(seeds) & set(scores[best]))
        pvalue, same = math.nan, c == best
        if c != best and len(common) >= 3:
            diff = np.array([scores[best][s] - seeds[s] for s in common])
            pvalue = 1.0 if np.all(diff == 0) else (0.0 if np.all(diff == diff[0]) else
                                                     float(stats.ttest_rel([scores[best][s] for s in common],
                                                                           [seeds[s] for s in common]).pvalue))
            same = pvalue >= ALPHA
        elif c != best and len(common) == 2:
            best_values = np.array([scores[best][s] for s in common])
            same = means[best] - means[c] <= best_values.std(ddof=1) / math.sqrt(2)
        elif c != best:
            same = means[c] == means[best]
        standings.append(Standing(c, means[c], se, pvalue, bool(same), n_weights(c)))
    return sorted(standings, key=lambda s: (-s.mean, s.n_weights, s.config))


@dataclass
class Selection:
    """What a selecting study chose, and why.

    Attributes
    ----------
    config : int
        The configuration chosen: the simplest (fewest weights) of those tied with the best.
    best_config : int
        The configuration with the highest mean validation accuracy.
    tied : list of int
        Every configuration the seeds cannot tell apart from the best (``best_config`` included).
    rule : str
        What "cannot be told apart" meant, in words (:func:`rule_text`).
    standings : list of Standing
        Every configuration against the best, best first.
    params : dict
        The chosen configuration's parameters (with its label, if the grid named it).
    hidden_layer_sizes, activation : str
        Its hidden layers (``"64-32"``) and activation.
    n_weights : int
    val_accuracy, best_val_accuracy : float
        The mean validation accuracy of the chosen configuration, and of the best.
    test_accuracy, test_f1 : float
        The chosen configuration's test scores, mean over the seeds (NaN until it is tested).
    refit_on : str
        Which rows the tested models were trained on.
    """

    config: int
    best_config: int
    tied: list
    rule: str
    standings: list
    params: dict
    hidden_layer_sizes: str
    activation: str
    n_weights: int
    val_accuracy: float
    best_val_accuracy: float
    test_accuracy: float = math.nan
    test_f1: float = math.nan
    refit_on: str = ""

    def standing(self, config):
        """The :class:`Standing` of a configuration (None if it has none: every run of it failed)."""
        return next((s for s in self.standings if s.config == config), None)

    def to_json(self):
        """A plain dict, as ``results.json`` keeps it."""
        return asdict(self)

    @classmethod
    def from_json(cls, value):
        """The inverse of :meth:`to_json` (a ``results.json``'s ``best``)."""
        value = dict(value)
        value["standings"] = [Standing(**s) for s in value.get("standings", [])]
        return cls(**value)


def choose_simplest(result, n_features, n_classes):
    """The simplest configuration the seeds cannot tell apart from the best (no test-set score yet).

    Returns
    -------
    Selection
    """
    standings = indistinguishable(result.runs, lambda c: count_weights(result.params[c], n_features, n_classes))
    tied = [s for s in standings if s.indistinguishable]
    chosen = min(tied, key=lambda s: (s.n_weights, -s.mean, s.config))
    params = without_label(result.params[chosen.config])
    return Selection(
        config=int(chosen.config), best_config=int(standings[0].config), tied=[int(s.config) for s in tied],
        rule=rule_text(len(result.config.seeds)), standings=standings, params=result.params[chosen.config],
        hidden_layer_sizes=format_layers(hidden_layers(params)),
        activation=params.get("activation", DEFAULTS["activation"]), n_weights=chosen.n_weights,
        val_accuracy=chosen.mean, best_val_accuracy=standings[0].mean)


def select_and_test(result, split, cv):
    """:func:`choose_simplest`, then that configuration scored once on the test set, for each seed.

    Without cv, the chosen runs are repeated (they are deterministic, so the models are the ones
    the sweep selected) and scored on the test part; with cv, the chosen configuration is
    refitted on all non-test rows, as GridSearchCV does. The test scores go into ``result.runs``.

    Returns
    -------
    Selection
        :func:`choose_simplest`'s, with ``test_accuracy`` and ``test_f1`` (means over the seeds) and ``refit_on``.
    """
    best = choose_simplest(result, split.X_train.shape[1], len(split.classes))
    params = without_label(result.params[best.config])
    test_split = split.dev_split() if cv else split
    max_iter = params.pop("max_iter", DEFAULTS["max_iter"])
    tasks = [Task(params=params, checkpoints=(max_iter,), config_ids=(best.config,), seed=s)
             for s in result.config.seeds]
    records = execute(tasks, (test_split, None), backend="serial", progress=False, desc="test")
    rows = result.runs["config"] == best.config
    for record in records:
        at = rows & (result.runs["seed"] == record.seed)
        result.runs.loc[at, ["test_accuracy", "test_f1"]] = record.test_accuracy, record.test_f1
    picked = result.runs[rows]
    best.test_accuracy, best.test_f1 = float(picked["test_accuracy"].mean()), float(picked["test_f1"].mean())
    best.refit_on = "train+validation rows" if cv else "training rows (the selected models)"
    return best
