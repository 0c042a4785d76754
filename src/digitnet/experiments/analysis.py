"""Reading the studies: what the numbers say, computed once for the figures and the conclusions alike.

Every function here takes a sweep's tables (``runs``: one row per configuration and seed;
``curves``: per-epoch histories by run id) and returns plain numbers or small records, so that a
figure and the sentence under it can never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..nn.activations import ACTIVATIONS
from ..nn.network import initialize_weights
from .params import DEFAULTS, hidden_layers

#: Confidence level of every interval.
CONFIDENCE = 0.95


# ----------------------------------------------------------------------------------------------
# Spread over seeds, intervals
# ----------------------------------------------------------------------------------------------


def mean_and_error(values):
    """``(mean, standard error, n)`` of the finite values (standard error 0 for a single value)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, math.nan, 0
    se = float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else 0.0
    return float(values.mean()), se, int(values.size)


def paired_interval(differences):
    """A ``CONFIDENCE`` interval for the mean of paired differences (Student's t), or (NaN, NaN) for < 2."""
    d = np.asarray(differences, dtype=float)
    if d.size < 2:
        return math.nan, math.nan
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    return float(d.mean() - half), float(d.mean() + half)


def accuracy_interval(accuracy, n):
    """Wilson's ``CONFIDENCE`` interval for an accuracy measured on ``n`` samples."""
    z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    centre = (accuracy + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(accuracy * (1 - accuracy) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def by_value(runs, column, metric):
    """``value -> (mean, standard error, n)`` of ``metric`` over the runs (seeds) of each ``column`` value."""
    return {value: mean_and_error(group[metric]) for value, group in runs.groupby(column, sort=True)}


# ----------------------------------------------------------------------------------------------
# Curves
# ----------------------------------------------------------------------------------------------


def finite_or_nan(values):
    """A float array with inf replaced by NaN (matplotlib leaves gaps at NaN)."""
    arr = np.asarray(values, dtype=float)
    return np.where(np.isfinite(arr), arr, np.nan)


def mean_curve(histories, key):
    """Mean and standard deviation (ddof=1, 0 for one run) over runs of ``history[key]``, per epoch.

    Runs of different lengths (early stopping) are padded with NaN, so each
    epoch averages the runs that reached it. Returns ``None`` if no run has ``key``.
    """
    series = [finite_or_nan(h[key]) for h in histories if key in h and len(h[key])]
    if not series:
        return None
    stacked = np.full((len(series), max(len(s) for s in series)), np.nan)
    for row, s in zip(stacked, series):
        row[: len(s)] = s
    counts = np.sum(~np.isnan(stacked), axis=0)
    with np.errstate(invalid="ignore"):
        mean = np.nansum(stacked, axis=0) / np.maximum(counts, 1)
        mean[counts == 0] = np.nan
        centred = np.where(np.isnan(stacked), 0.0, stacked - mean)
        std = np.sqrt(np.sum(centred**2, axis=0) / np.maximum(counts - 1, 1))
    return mean, std, len(series)


def histories_of(runs, curves):
    """The curves (histories) of these runs, where there are any."""
    return [curves[r] for r in runs["run_id"] if r in curves]


def last_finite(values):
    """The last finite value of a sequence, or NaN."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if finite.size else math.nan


def rises(curve):
    """Share of epochs at which the loss went up (a steadily falling loss: 0; an oscillating one: more)."""
    curve = np.asarray(curve, dtype=float)
    return float(np.mean(np.diff(curve) > 0)) if curve.size > 1 else 0.0


def overshoot(curve):
    """How far the loss climbed back above its lowest value so far: max over t of curve[t] / min(curve[:t]).

    1.0 for a loss that never went up; 5.4 for one that, after reaching 0.74, climbed to 4.0
    before falling again (gradient descent overshooting the minimum, back and forth).
    """
    curve = np.asarray(curve, dtype=float)
    curve = curve[np.isfinite(curve)]
    if curve.size < 2:
        return 1.0
    lowest_so_far = np.minimum.accumulate(curve)[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = curve[1:] / lowest_so_far
    return float(max(1.0, np.nanmax(ratio)))


def lowest(curve):
    """``(epoch, value)`` of a curve's minimum (epochs counted from 1)."""
    curve = np.asarray(curve, dtype=float)
    i = int(np.nanargmin(curve))
    return i + 1, float(curve[i])


def early_stopping(val_scores, tol=DEFAULTS["tol"], patience=DEFAULTS["n_iter_no_change"]):
    """What MLPClassifier's ``early_stopping`` would do with these validation scores (one per epoch).

    It stops once the score has not beaten its best by ``tol`` for more than ``patience`` epochs,
    and keeps the weights of the best epoch. Returns ``(epoch it stops at, epoch it keeps)``.
    """
    best, best_epoch, count = -math.inf, 0, 0
    for epoch, score in enumerate(val_scores, start=1):
        count = count + 1 if score < best + tol else 0
        if score > best:
            best, best_epoch = score, epoch
        if count > patience:
            return epoch, best_epoch
    return len(val_scores), best_epoch


# ----------------------------------------------------------------------------------------------
# Tuned settings and the learning-rate landscape
# ----------------------------------------------------------------------------------------------


def best_rate_per(runs, group, rate="learning_rate_init", metric="val_accuracy"):
    """``group value -> the rate whose runs reach the best mean metric`` (ties: the smaller rate).

    A rate at which some seed diverged is never the best: it is not a rate to recommend.
    """
    out = {}
    for value, mine in runs.groupby(group, sort=False):
        candidates = {r: g for r, g in mine.groupby(rate) if not _diverged(g)}
        if not candidates:
            continue
        out[value] = max(candidates, key=lambda r: (mean_and_error(candidates[r][metric])[0], -r))
    return out


def _diverged(group):
    return "diverged_at" in group and group["diverged_at"].notna().any()


@dataclass
class RateReading:
    """One learning rate of the landscape: mean scores over seeds, and what the data make of it."""

    rate: float
    val_accuracy: float
    val_error: float
    final_loss: float
    diverged_at: int | None  # the earliest epoch at which a seed diverged
    rises: float  # share of epochs at which the mean loss went up
    overshoot: float  # how far the mean loss climbed back above its lowest so far (1.0: never)
    region: str  # "too small", "good", "too large" or "diverges"


def learning_rate_landscape(runs, curves, n_val, rate="learning_rate_init"):
    """Every rate's :class:`RateReading`, by increasing rate.

    Regions, read off the data: a rate *diverges* if a seed diverged; the *good* rates are those
    whose mean validation accuracy is within max(two standard errors, one validation sample) of
    the best rate's; rates below the good ones are *too small*, the others above them *too large*.
    """
    readings = []
    for value, group in runs.groupby(rate, sort=True):
        val, se, _ = mean_and_error(group["val_accuracy"])
        diverged = group["diverged_at"].dropna() if "diverged_at" in group else []
        summary = mean_curve(histories_of(group, curves), "loss")
        curve = summary[0] if summary is not None else np.array([])
        readings.append(RateReading(float(value), val, se, last_finite(curve),
                                    int(min(diverged)) if len(diverged) else None, rises(curve[np.isfinite(curve)]),
                                    overshoot(curve), ""))
    sound = [r for r in readings if r.diverged_at is None and np.isfinite(r.val_accuracy)]
    if sound:
        best = max(sound, key=lambda r: r.val_accuracy)
        margin = max(2 * best.val_error, 1.0 / n_val)
        good = [r.rate for r in sound if r.val_accuracy >= best.val_accuracy - margin]
        for r in readings:
            r.region = ("diverges" if r.diverged_at is not None else "good" if r.rate in good else
                        "too small" if r.rate < min(good) else "too large")
    return readings


# ----------------------------------------------------------------------------------------------
# Initialization: how the signal spreads through a network at its start
# ----------------------------------------------------------------------------------------------


def activation_spread(X, params, seed=0, n_classes=10):
    """The standard deviation of each hidden layer's activations at initialization, on the rows ``X``.

    A layer whose activations all have the same value (a spread near 0, or sigmoid units all near
    0.5) passes on no information about its input, and the gradient back through it is as flat:
    training stalls until the weights have grown.
    """
    sizes = [X.shape[1], *hidden_layers(params), n_classes]
    activation = params.get("activation", DEFAULTS["activation"])
    _, weights, biases = initialize_weights(sizes, activation, params.get("weight_init", "glorot"),
                                            np.random.default_rng(seed), X.dtype)
    spreads, A = [], X
    for W, b in zip(weights[:-1], biases[:-1]):
        A = ACTIVATIONS[activation](A @ W + b)
        spreads.append(float(A.std()))
    return spreads
