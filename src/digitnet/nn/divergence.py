"""When training has diverged: one rule, for the estimator, the sweeps and studies, and the page.

Training has diverged at the first epoch whose loss is not finite, or above ``DIVERGENCE_FACTOR``
(10) times a reference fixed before the first update::

    reference = max(J(theta_0), J_const),    diverged at epoch e  <=>  not (J_e <= 10 * reference)

- ``J(theta_0)``, the *starting loss*, is the loss of the starting weights on the training rows,
  computed as an epoch computes its loss (the same batches, each batch's L2 term included;
  :func:`digitnet.nn.training.starting_loss`), but with no update: what the first epoch would
  record if no step changed anything. Comparing with it, not with the first epoch's loss, catches a
  network that blows up within its first epoch (with one row per step, 1437 updates happen before
  the first epoch's loss is known, and that loss may already be 1e121).
- ``J_const`` is the loss of the best constant prediction on the same rows (:func:`baseline_loss`):
  the class frequencies for cross-entropy (the labels' entropy, at most log K, what an
  untrained network from small weights scores), the mean target for squared error (half the
  target's variance) and for Poisson deviance. It is a floor for a start that is already good
  (trained weights, set by hand or read from a model file, then trained on), where ten times a
  tiny loss would call ordinary noise divergence. For a fresh network the starting loss is about
  this large or larger, so the reference is the starting loss. (A warm start or ``partial_fit`` of
  a fitted estimator keeps the rule of its first fit: one training, one reference.)

Why a factor of the reference rather than a fixed number: a loss has the scale of its data
(squared error grows with the square of the target's units), so only a ratio means the same on
every dataset. Why 10: a sound learning rate makes the loss go down, up to the noise of its
mini-batches (full-batch gradient descent with a rate below 2 / L never increases it); in the
learning-rate study the good rates never climbed back above 2.6 times their lowest loss. A rate
that is too large multiplies the error at every step, so the loss grows geometrically: once it is
ten times the loss of a network that has learned nothing (for cross-entropy, a true-class
probability of K**-10 on average), it does not come back, and stopping there loses nothing.

The absolute ceiling: a loss that is not finite has diverged whatever the reference, and so has
every epoch when the starting loss itself is not finite (the data, or the weights given, already
overflow: no learning rate can help). A loss that is merely huge (1e115) has diverged because it is
huge *relative to the data's own scale*; a target measured in 1e60s has a starting loss to match.

``report/assets/nn.js`` implements the same rule (``divergenceCeiling``, ``hasDiverged``,
``divergenceEpoch``), tested equal to this one in ``tests/report/test_browser_divergence.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ._fast import mean_loss, per_sample_loss  # the losses as training computes them

#: Training has diverged once its loss is above this many times the reference (see the module's docstring).
DIVERGENCE_FACTOR = 10.0


def baseline_loss(Y: np.ndarray, out_activation: str = "softmax", sample_weight: np.ndarray | None = None) -> float:
    """The loss of the best constant prediction on these rows: every row predicted as the (weighted) mean of Y.

    For softmax that is the class frequencies, and the loss the labels' entropy (log K for K
    balanced classes); for logistic units each unit's frequency; for the identity output the mean
    target, and the loss half its variance (averaged over the outputs); for Poisson deviance the
    mean target too. NaN where it is not defined (a Poisson target that is zero everywhere).
    """
    mean = np.average(Y, axis=0, weights=sample_weight)
    with np.errstate(all="ignore"):
        constant = np.broadcast_to(mean.astype(Y.dtype, copy=False), Y.shape)
        return mean_loss(per_sample_loss(Y, constant, out_activation), sample_weight)


@dataclass(frozen=True)
class DivergenceRule:
    """The divergence rule of one training, fixed before its first update.

    Attributes
    ----------
    start_loss : float
        The starting weights' loss on the training rows (:func:`digitnet.nn.training.starting_loss`).
    baseline_loss : float
        The best constant prediction's loss on the same rows (:func:`baseline_loss`); NaN: none.
    factor : float
        ``DIVERGENCE_FACTOR``.
    """

    start_loss: float
    baseline_loss: float = 0.0
    factor: float = DIVERGENCE_FACTOR

    @property
    def reference(self) -> float:
        """``max(start_loss, baseline_loss)``; NaN if the starting loss is not finite (nothing to compare with)."""
        if not math.isfinite(self.start_loss):
            return math.nan
        return max(self.start_loss, self.baseline_loss if math.isfinite(self.baseline_loss) else 0.0)

    @property
    def ceiling(self) -> float:
        """The largest loss that has not diverged (NaN: every loss has)."""
        return self.factor * self.reference

    def diverged(self, loss: float) -> bool:
        """Whether an epoch with this loss has diverged: it is not finite, or above the ceiling."""
        return not (math.isfinite(loss) and loss <= self.ceiling)

    def epoch(self, losses: Iterable[float]) -> int | None:
        """The first epoch (counted from 1) of ``losses`` that has diverged, or None."""
        return next((e for e, loss in enumerate(losses, 1) if self.diverged(float(loss))), None)

    def describe(self, epoch: int, loss: float, unit: str = "epoch") -> str:
        """``"diverged at epoch 3: the loss rose from 2.303 with the starting weights to 4.3e+115, ..."``."""
        start, at = f"{self.start_loss:.4g}", f"diverged at {unit} {epoch}"
        if not math.isfinite(self.start_loss):
            return f"{at}: the loss of the starting weights is already {start}, before any update"
        if not math.isfinite(loss):
            return f"{at}: the loss became {loss} (from {start} with the starting weights)"
        times = (
            f"more than {self.factor:g} times as much"
            if self.reference == self.start_loss
            else f"more than {self.factor:g} times {self.reference:.4g}, the loss of a constant prediction"
        )
        return f"{at}: the loss rose from {start} with the starting weights to {loss:.4g}, {times}"


def divergence_epoch(
    losses: Iterable[float], start_loss: float, baseline: float = 0.0, factor: float = DIVERGENCE_FACTOR
) -> int | None:
    """The first epoch (counted from 1) at which training diverged, or None: ``DivergenceRule(...).epoch(losses)``."""
    return DivergenceRule(float(start_loss), float(baseline), factor).epoch(losses)
