"""What several studies share: training settings, rate grids, and reading each arm at its own best rate.

Settings are named once here (plain gradient descent as the original project ran it; training
for a fixed number of epochs), and so is how a study that gives each of its arms (an optimizer, a
batch size) its own best learning rate reads those arms (:func:`tuned_arms`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..experiments.analysis import CurveSummary, diverged, histories_of, last_finite, mean_and_error, mean_curve, \
    seconds_per_epoch
from ..experiments.params import FULL_BATCH
from ..experiments.results import SweepResult
from ..words import pct, rate

#: Plain (full-batch) gradient descent, as in the original project: one step per epoch on the
#: whole training set, theta <- theta - lr * grad. Rows need no shuffling (the gradient is a sum
#: over all of them), and training runs for exactly max_iter epochs: no stopping rule.
GRADIENT_DESCENT = dict(solver="sgd", batch_size=FULL_BATCH, momentum=0.0, learning_rate="constant",
                        shuffle=False, tol=0.0, n_iter_no_change=np.inf)
#: Train for exactly max_iter epochs (no stopping rule): curves of equal length, to compare.
NO_STOPPING = dict(tol=0.0, n_iter_no_change=np.inf)
#: The small grids from which each optimizer (and each batch size) gets its own best rate.
SGD_RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
ADAM_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)


def best_rate_per(runs, group, rate_column="learning_rate_init", metric="val_accuracy"):
    """``group value -> the rate whose runs reach the best mean metric`` (ties: the smaller rate).

    A rate at which some seed diverged is never the best: it is not a rate to recommend.
    """
    out = {}
    for value, mine in runs.groupby(group, sort=False):
        candidates = {r: g for r, g in mine.groupby(rate_column) if not diverged(g)}
        if not candidates:
            continue
        out[value] = max(candidates, key=lambda r: (mean_and_error(candidates[r][metric])[0], -r))
    return out


@dataclass
class TunedArm:
    """One arm of a study that tunes each arm's learning rate: the arm at its best rate.

    Attributes
    ----------
    value : object
        The arm (a batch size, an optimizer's label).
    best_rate : float or None
        Its best rate (:func:`best_rate_per`); None if it diverged at every rate (the other numbers
        are then those of all its runs).
    at_edge : bool
        Whether that rate is the smallest or largest the arm tried.
    final_loss : float
        The last finite mean training loss at that rate.
    val_accuracy : float
        The mean validation accuracy at that rate.
    seconds_per_epoch : float
        Training time per epoch at that rate (mean over the seeds).
    loss : CurveSummary or None
        The training loss per epoch at that rate, over the seeds.
    curves_by_rate : dict of float -> CurveSummary or None
        The training loss at every rate the arm tried (for the page's twin).
    """

    value: object
    best_rate: float | None
    at_edge: bool
    final_loss: float
    val_accuracy: float
    seconds_per_epoch: float
    loss: CurveSummary | None
    curves_by_rate: dict


def tuned_arms(result: SweepResult, group: str) -> list[TunedArm]:
    """Each value of ``group`` at its own best learning rate, in the grid's order."""
    runs, arms = result.runs, []
    best = best_rate_per(runs, group)
    for value, mine in runs.groupby(group, sort=False):
        at = mine[mine["learning_rate_init"] == best[value]] if value in best else mine
        loss = mean_curve(histories_of(at, result.curves), "loss")
        rates = sorted(set(mine["learning_rate_init"]))
        arms.append(TunedArm(
            value=value, best_rate=float(best[value]) if value in best else None,
            at_edge=best.get(value) in (rates[0], rates[-1]),
            final_loss=last_finite(loss.mean) if loss is not None else math.nan,
            val_accuracy=float(at["val_accuracy"].mean()), seconds_per_epoch=seconds_per_epoch(at), loss=loss,
            curves_by_rate={float(r): mean_curve(histories_of(g, result.curves), "loss")
                            for r, g in mine.groupby("learning_rate_init")}))
    return arms


def sound(arms: list[TunedArm]) -> list[TunedArm]:
    """The arms that have a best rate (at least one rate at which no seed diverged)."""
    return [arm for arm in arms if arm.best_rate is not None]


def tuned_table(arms: list[TunedArm], name: str, seconds: bool = False) -> pd.DataFrame:
    """One row per arm with a best rate: that rate, its final loss, validation accuracy (and ms per epoch)."""
    rows = []
    for arm in sound(arms):
        row = {name: arm.value, "best learning rate": rate(arm.best_rate), "final training loss": arm.final_loss,
               "validation accuracy": pct(arm.val_accuracy)}
        if seconds:
            row["ms per epoch"] = 1000 * arm.seconds_per_epoch
        rows.append(row)
    return pd.DataFrame(rows)


def edge_note(arm: TunedArm) -> str:
    """" (at the edge of its grid)" when the arm's best rate is the smallest or largest it tried."""
    return " (at the edge of its grid)" if arm.at_edge else ""


#: Points kept of a long curve on the page (log-spaced epochs: dense at the start, where curves change fastest).
CURVE_POINTS = 300


def curve_points(summary: CurveSummary | None) -> list:
    """``[[epoch, mean over seeds], ...]`` of a curve for the page, thinned to :data:`CURVE_POINTS` log-spaced
    epochs, five significant digits, non-finite epochs left out."""
    if summary is None:
        return []
    mean = summary.mean
    epochs = np.arange(1, len(mean) + 1)
    if len(mean) > CURVE_POINTS:
        epochs = np.unique(np.round(np.logspace(0, np.log10(len(mean)), CURVE_POINTS)).astype(int))
    return [[int(e), float(f"{mean[e - 1]:.5g}")] for e in epochs if np.isfinite(mean[e - 1])]


def tuned_page(arms: list[TunedArm], label) -> dict:
    """What the twin of a tuned study draws: per arm, the loss at every rate it tried, its best, seconds per epoch."""
    return {"groups": [{"name": label(arm.value),
                        "rates": {f"{r:g}": curve_points(c) for r, c in arm.curves_by_rate.items()},
                        "best": None if arm.best_rate is None else f"{arm.best_rate:g}",
                        "seconds_per_epoch": arm.seconds_per_epoch} for arm in arms]}


def sharpness_paths(split, params, rates, seed, epochs, every):
    """Each rate's training with its sharpness tracked (:mod:`digitnet.nn.tracking`): ``rate -> history_``.

    One fit per rate on every development row (standardised, float64: the sharpness is a property of the loss,
    not of the arithmetic), from the starting weights ``random_state=seed`` draws, stopping where it diverges;
    ``history_["sharpness"][i]`` is the sharpness after ``i`` epochs (NaN where it was not measured).
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from ..experiments.params import resolve
    from ..experiments.runs import StudyModel

    dev = split.dev_split()
    X, y = np.asarray(dev.X_train, dtype=np.float64), dev.y_train
    paths = {}
    for value in rates:
        model = StudyModel(**resolve({**params, "learning_rate_init": value, "max_iter": epochs}, len(y)),
                           random_state=seed, track=("sharpness",), track_every=every)
        with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        paths[float(value)] = model.history_
    return paths
