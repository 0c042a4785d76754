"""Reading the studies: what the numbers say, computed once for the figures and the conclusions alike.

Every function here takes a sweep's tables (``runs``: one row per configuration and seed;
``curves``: per-epoch histories by run id) and returns plain numbers or small records, so that a
figure and the sentence under it can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from .params import DEFAULTS
from .runs import METRICS

if TYPE_CHECKING:
    import pandas as pd

#: Confidence level of every interval.
CONFIDENCE = 0.95


# ----------------------------------------------------------------------------------------------
# Spread over seeds, intervals
# ----------------------------------------------------------------------------------------------


def mean_and_error(values: ArrayLike) -> tuple[float, float, int]:
    """``(mean, standard error, n)`` of the finite values (standard error 0 for a single value)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, math.nan, 0
    se = float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else 0.0
    return float(values.mean()), se, int(values.size)


def paired_interval(differences: ArrayLike) -> tuple[float, float]:
    """A ``CONFIDENCE`` interval for the mean of paired differences (Student's t), or (NaN, NaN) for < 2."""
    d = np.asarray(differences, dtype=float)
    if d.size < 2:
        return math.nan, math.nan
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    return float(d.mean() - half), float(d.mean() + half)


def accuracy_interval(accuracy: float, n: int) -> tuple[float, float]:
    """Wilson's ``CONFIDENCE`` interval for an accuracy measured on ``n`` samples."""
    z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    centre = (accuracy + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(accuracy * (1 - accuracy) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def by_value(runs: pd.DataFrame, column: str, metric: str) -> dict[Any, tuple[float, float, int]]:
    """``value -> (mean, standard error, n)`` of ``metric`` over the runs (seeds) of each ``column`` value."""
    return {value: mean_and_error(group[metric]) for value, group in runs.groupby(column, sort=True)}


# ----------------------------------------------------------------------------------------------
# Curves
# ----------------------------------------------------------------------------------------------


def finite_or_nan(values: ArrayLike) -> np.ndarray:
    """A float array with inf replaced by NaN (matplotlib leaves gaps at NaN)."""
    arr = np.asarray(values, dtype=float)
    return np.where(np.isfinite(arr), arr, np.nan)


@dataclass(frozen=True)
class CurveSummary:
    """A curve over several runs: per epoch, the mean and standard deviation (ddof=1, 0 for one run)."""

    mean: np.ndarray
    std: np.ndarray
    n: int  # runs averaged (at the first epoch)


def mean_curve(histories: Sequence[Mapping[str, Sequence[float]]], key: str) -> CurveSummary | None:
    """The :class:`CurveSummary` over runs of ``history[key]``, per epoch.

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
    return CurveSummary(mean, std, len(series))


def histories_of(runs: pd.DataFrame, curves: Mapping[str, dict]) -> list[dict]:
    """The curves (histories) of these runs, where there are any."""
    return [curves[r] for r in runs["run_id"] if r in curves]


def finished(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs that finished (a failed run has an ``error``; a diverged one its ``diverged_at``)."""
    if "error" in runs:
        runs = runs[runs["error"] == ""]
    if "diverged_at" in runs:
        runs = runs[runs["diverged_at"].isna()]
    return runs


def by_config(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration: its parameters, and the mean over seeds of every metric (finished runs)."""
    runs = finished(runs)
    metrics = [c for c in (*METRICS, "fit_seconds", "n_iter") if c in runs]
    table = runs.groupby("config").first()
    table[metrics] = runs.groupby("config")[metrics].mean()
    return table


def seconds_per_epoch(runs: pd.DataFrame) -> float:
    """The mean over these runs of their training seconds per epoch (``fit_seconds / n_iter``)."""
    return float(np.mean(runs["fit_seconds"] / runs["n_iter"].clip(lower=1)))


def diverged(runs: pd.DataFrame) -> bool:
    """Did any of these runs diverge?"""
    return "diverged_at" in runs and runs["diverged_at"].notna().any()


def last_finite(values: ArrayLike) -> float:
    """The last finite value of a sequence, or NaN."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if finite.size else math.nan


def rises(curve: np.ndarray) -> float:
    """Share of epochs at which the loss went up (a steadily falling loss: 0; an oscillating one: more)."""
    curve = np.asarray(curve, dtype=float)
    return float(np.mean(np.diff(curve) > 0)) if curve.size > 1 else 0.0


def overshoot(curve: np.ndarray) -> float:
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


def lowest(curve: np.ndarray) -> tuple[int, float]:
    """``(epoch, value)`` of a curve's minimum (epochs counted from 1)."""
    curve = np.asarray(curve, dtype=float)
    i = int(np.nanargmin(curve))
    return i + 1, float(curve[i])


def early_stopping(
    val_scores: Sequence[float], tol: float = DEFAULTS["tol"], patience: int | float = DEFAULTS["n_iter_no_change"]
) -> tuple[int, int]:
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
