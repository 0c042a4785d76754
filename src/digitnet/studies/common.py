"""What several studies share: training settings, rate grids, curves for the page, and the sharpness along training.

Settings are named once here (plain gradient descent as the original project ran it; training for a fixed
number of epochs; the ladder of learning rates each tuned arm's window is cut from).
"""

from __future__ import annotations

import numpy as np

from ..experiments.analysis import CurveSummary, diverged, mean_and_error
from ..experiments.params import FULL_BATCH

#: Plain (full-batch) gradient descent, as in the original project: one step per epoch on the
#: whole training set, theta <- theta - lr * grad. Rows need no shuffling (the gradient is a sum
#: over all of them), and training runs for exactly max_iter epochs: no stopping rule.
GRADIENT_DESCENT = dict(
    solver="sgd",
    batch_size=FULL_BATCH,
    momentum=0.0,
    learning_rate="constant",
    shuffle=False,
    tol=0.0,
    n_iter_no_change=np.inf,
)
#: Train for exactly max_iter epochs (no stopping rule): curves of equal length, to compare.
NO_STOPPING = dict(tol=0.0, n_iter_no_change=np.inf)
#: The learning rates an arm of a tuned study may try: 1, 3, 10, 30, ... times 10^-5 (each about half a decade
#: above the last).
RATE_LADDER = tuple(float(f"{m * 10.0**e:.3g}") for e in range(-5, 2) for m in (1, 3))


def rate_window(first: float, count: int = 4) -> list[float]:
    """``count`` consecutive rates of :data:`RATE_LADDER`, from ``first``: the rates one arm tries."""
    start = RATE_LADDER.index(first)
    return list(RATE_LADDER[start : start + count])


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


# ----------------------------------------------------------------------------------------------
# Studies that give each arm its own learning rate (batch sizes, optimizers): two questions
# ----------------------------------------------------------------------------------------------


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
        model = StudyModel(
            **resolve({**params, "learning_rate_init": value, "max_iter": epochs}, len(y)),
            random_state=seed,
            track=("sharpness",),
            track_every=every,
        )
        with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        paths[float(value)] = model.history_
    return paths
