"""The learning-rate range test (Smith 2017; fastai's ``lr_find``): one short training whose rate grows every step.

From the starting weights, take ``steps`` steps of the optimizer, the rate of step i rising exponentially
from ``min_rate`` to ``max_rate`` (rate_i = min_rate (max_rate / min_rate)^(i / (steps - 1))), and record
the loss of each step's batch before its update. The loss against the rate falls slowly while the rate is
too small, fastest where it is about right, and explodes once it is too large; the test stops there
(the smoothed loss above ``explode`` times its lowest, or a loss that is not finite), as fastai's does.

The test stops as fastai's does, on fastai's smoothing of the losses (an exponential moving average with
its start debiased, m_i / (1 - beta^(i+1)), m_i = beta m_(i-1) + (1 - beta) loss_i, beta = 0.98). That
average lags the losses by about beta / (1 - beta) = 49 steps, a decade and a half of a 200-step ramp
over six decades (measured on Digits: its lowest point fell at rate 10 when the losses' own was at
0.3), so the rates are read off a smoothing without lag instead: a Savitzky-Golay filter (a quadratic
fitted over a centred window of about a tenth of the steps, ``scipy.signal.savgol_filter``), whose
values are ``RangeTest.smoothed``, up to the step where the losses explode (the first above ``explode``
times the lowest before it, :func:`explosion`: a window over the explosion would bend the curve). Two
rates are read off it, and the first is the suggestion:

- **steepest**: the rate where the smoothed loss falls fastest against log(rate), the most negative
  d s / d log(rate) (``numpy.gradient``) among the steps before its lowest point (Smith's reading: the
  largest rate at which the loss still falls fast);
- **minimum / 10**: a tenth of the rate at the smoothed loss's lowest point (fastai's other rule: the
  lowest point is already too large a rate, by about a decade).

Neither is a measured optimum: a rate at which a short, rising-rate training falls fastest. The
learning-rate study measures the good region itself (``digitnet sweep --preset learning-rate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.signal import savgol_filter

from .activations import DEFAULT_ACTIVATION, Activation
from .network import backward_pass, compute_loss, forward_pass, pack, unpack
from .optimizers import SGD, Adam

#: fastai's defaults: the smoothing of the losses, and how far above its lowest the smoothed loss stops the test.
SMOOTHING, EXPLODE = 0.98, 4.0
#: What the suggested rate is, in words (the figure's legend, the command's output).
RULE = "steepest descent of the smoothed loss against log(rate), before its lowest point"


@dataclass
class RangeTest:
    """What :func:`lr_range_test` measured, one entry per step taken."""

    rates: np.ndarray  # the rate of each step
    losses: np.ndarray  # the loss of each step's batch, before its update
    smoothed: np.ndarray  # the losses smoothed without lag (Savitzky-Golay), from which the rates are read; NaN
    # from the loss's explosion on (:func:`explosion`)
    suggested: float  # the steepest-descent rate (see the module): the suggestion
    minimum: float  # the rate at the smoothed loss's lowest point
    stopped: str | None  # why the test ended before max_rate ("the loss exploded", "...not finite"), or None

    @property
    def minimum_over_10(self) -> float:
        """fastai's other rule: a tenth of the rate at the lowest smoothed loss."""
        return self.minimum / 10


def _batches(n_samples, batch_size, rng):
    """Endless row batches: consecutive slices of a new permutation each pass (one batch of all rows when full)."""
    while True:
        order = np.arange(n_samples) if batch_size >= n_samples else rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            yield order[start : start + batch_size]


def smooth(losses: np.ndarray) -> np.ndarray:
    """The losses smoothed without lag: Savitzky-Golay, a quadratic over a centred window of about a tenth of them
    (at least 5 steps; the losses as they are when there are fewer than 5). A loss that is not finite stays so."""
    losses = np.asarray(losses, dtype=np.float64)
    finite = np.isfinite(losses)
    window = max(5, (len(losses) // 10) | 1)  # odd
    if finite.sum() < window:
        return losses.copy()
    out = np.full(len(losses), np.nan)
    out[finite] = savgol_filter(losses[finite], window, 2, mode="interp")
    out[~finite] = losses[~finite]
    return out


def explosion(losses: np.ndarray, explode: float = EXPLODE) -> int:
    """The first step whose loss is not finite or above ``explode`` times the lowest before it (len(losses) if none):
    the losses from there on are left out of the smoothing and the reading, whose window they would bend."""
    losses = np.asarray(losses, dtype=np.float64)
    lowest = np.minimum.accumulate(np.where(np.isfinite(losses), losses, np.inf))
    bad = ~np.isfinite(losses) | (losses > explode * np.concatenate([[np.inf], lowest[:-1]]))
    return int(np.argmax(bad)) if bad.any() else len(losses)


def read_rates(rates: np.ndarray, smoothed: np.ndarray) -> tuple:
    """``(steepest, minimum)``: the rate of steepest descent of the smoothed loss before its lowest point, and the
    rate at that point (see the module). With the lowest point among the first 2 steps, both are its rate; with no
    finite loss, both are NaN."""
    finite = np.flatnonzero(np.isfinite(smoothed))
    if not finite.size:
        return np.nan, np.nan
    lowest = int(finite[np.argmin(smoothed[finite])])
    if lowest < 2:
        return float(rates[lowest]), float(rates[lowest])
    slope = np.gradient(smoothed[: lowest + 1], np.log(rates[: lowest + 1]))
    return float(rates[int(np.argmin(slope))]), float(rates[lowest])


def _check(min_rate, max_rate, steps, batch_size, n_samples):
    if not (np.isfinite(min_rate) and np.isfinite(max_rate) and 0 < min_rate < max_rate):
        raise ValueError(f"the rates must satisfy 0 < min_rate < max_rate (finite), got {min_rate} and {max_rate}")
    if not 2 <= steps:
        raise ValueError(f"steps must be at least 2, got {steps}")
    if not 1 <= batch_size:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if n_samples < 1:
        raise ValueError("the range test needs at least one row")


def lr_range_test(
    X: np.ndarray,
    Y: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    *,
    activation: str | Activation = DEFAULT_ACTIVATION,
    out_activation: str = "softmax",
    alpha: float = 0.0,
    sample_weight: np.ndarray | None = None,
    solver: str = "sgd",
    momentum: float = 0.0,
    batch_size: int | None = None,
    min_rate: float = 1e-5,
    max_rate: float = 10.0,
    steps: int = 200,
    smoothing: float = SMOOTHING,
    explode: float = EXPLODE,
    seed: int = 0,
) -> RangeTest:
    """Run the learning-rate range test from these weights (left unchanged: the test trains a copy).

    Parameters
    ----------
    X, Y, weights, biases, activation, out_activation, alpha, sample_weight
        The rows, targets (as :func:`~digitnet.nn.network.compute_loss` takes them) and starting network.
    solver : {"sgd", "adam"}
        The optimizer whose rate is ramped (sgd with ``momentum``, classical; adam with its defaults).
    momentum : float
    batch_size : int, optional
        Rows per step; None: ``min(200, n_samples)`` (the estimators' ``"auto"``); ``n_samples``: full-batch
        gradient descent. Batches are drawn without replacement, a new permutation each pass.
    min_rate, max_rate : float
        The ramp's first and last rate.
    steps : int
        The number of steps (the ramp's length; fewer if the loss explodes).
    smoothing, explode : float
        The stopping rule's (fastai's): the beta of the moving average, and the factor over its lowest value at
        which the test stops.
    seed : int
        Seed of the batches' order (``numpy.random.default_rng``).

    Returns
    -------
    RangeTest
    """
    n = X.shape[0]
    batch_size = min(200, n) if batch_size is None else int(batch_size)
    _check(min_rate, max_rate, steps, batch_size, n)
    sizes = [X.shape[1]] + [W.shape[1] for W in weights]
    flat = pack(weights, biases)
    W, b = unpack(flat, sizes)
    optimizer = Adam(flat, min_rate) if solver == "adam" else SGD(flat, min_rate, momentum, nesterov=False)
    rates, batches = np.geomspace(min_rate, max_rate, steps), _batches(n, batch_size, np.random.default_rng(seed))
    losses, average, best, stopped = [], 0.0, np.inf, None
    for i, rate in enumerate(rates):
        rows = next(batches)
        sw = None if sample_weight is None else sample_weight[rows]
        layers = forward_pass(X[rows], W, b, activation, out_activation)
        with np.errstate(over="ignore", invalid="ignore"):
            losses.append(compute_loss(Y[rows], layers[-1], W, alpha, sw, out_activation))
        average = smoothing * average + (1 - smoothing) * losses[-1]
        smoothed = average / (1 - smoothing ** (i + 1))
        best = min(best, smoothed)
        if not np.isfinite(losses[-1]) or smoothed > explode * best:
            stopped = (
                "the loss is not finite"
                if not np.isfinite(losses[-1])
                else f"the loss exploded ({explode:g} times its lowest)"
            )
            break
        optimizer.learning_rate_init = optimizer.learning_rate = rate  # Adam derives its step from the former
        optimizer.step(pack(*backward_pass(layers, Y[rows], W, activation, alpha, sw)))
    losses = np.array(losses)
    read = explosion(losses, explode)
    smoothed = np.concatenate([smooth(losses[:read]), np.full(len(losses) - read, np.nan)])
    suggested, minimum = read_rates(rates[:read], smoothed[:read])
    return RangeTest(rates[: len(losses)], losses, smoothed, suggested, minimum, stopped)
