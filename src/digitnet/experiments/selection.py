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
from dataclasses import dataclass

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


def choose_simplest(result, n_features, n_classes):
    """The simplest configuration the seeds cannot tell apart from the best (no test-set score yet).

    Returns
    -------
    dict
        ``config`` (the chosen one), ``best_config`` (the highest mean), ``tied`` (every
        configuration indistinguishable from the best), ``rule``, ``standings``, and the chosen
        one's ``params``, ``hidden_layer_sizes``, ``activation``, ``n_weights`` and ``val_accuracy``.
    """
    standings = indistinguishable(result.runs, lambda c: count_weights(result.params[c], n_features, n_classes))
    tied = [s for s in standings if s.indistinguishable]
    chosen = min(tied, key=lambda s: (s.n_weights, -s.mean, s.config))
    params = without_label(result.params[chosen.config])
    return {
        "config": int(chosen.config), "best_config": int(standings[0].config),
        "tied": [int(s.config) for s in tied], "rule": rule_text(len(result.config["seeds"])),
        "standings": [vars(s) for s in standings],
        "params": result.params[chosen.config],
        "hidden_layer_sizes": format_layers(hidden_layers(params)),
        "activation": params.get("activation", DEFAULTS["activation"]),
        "n_weights": chosen.n_weights,
        "val_accuracy": chosen.mean, "best_val_accuracy": standings[0].mean,
    }


def select_and_test(result, split, cv):
    """:func:`choose_simplest`, then that configuration scored once on the test set, for each seed.

    Without cv, the chosen runs are repeated (they are deterministic, so the models are the ones
    the sweep selected) and scored on the test part; with cv, the chosen configuration is
    refitted on all non-test rows, as GridSearchCV does. The test scores go into ``result.runs``.

    Returns
    -------
    dict
        :func:`choose_simplest`'s, plus ``test_accuracy`` and ``test_f1`` (means over the seeds) and ``refit_on``.
    """
    best = choose_simplest(result, split.X_train.shape[1], len(split.classes))
    params = without_label(result.params[best["config"]])
    test_split = split.dev_split() if cv else split
    max_iter = params.pop("max_iter", DEFAULTS["max_iter"])
    tasks = [Task(params=params, checkpoints=(max_iter,), config_ids=(best["config"],), seed=s)
             for s in result.config["seeds"]]
    records = execute(tasks, (test_split, None), backend="serial", progress=False, desc="test")
    rows = result.runs["config"] == best["config"]
    for record in records:
        at = rows & (result.runs["seed"] == record.seed)
        result.runs.loc[at, ["test_accuracy", "test_f1"]] = record.test_accuracy, record.test_f1
    picked = result.runs[rows]
    return {**best, "test_accuracy": float(picked["test_accuracy"].mean()), "test_f1": float(picked["test_f1"].mean()),
            "refit_on": "train+validation rows" if cv else "training rows (the selected models)"}
