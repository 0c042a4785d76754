"""How a fit watches for divergence: the rule fixed before the first update, each epoch's check, and the policy's answer.

:class:`DivergenceChecks` is a part of :class:`~digitnet.estimator.base.BaseNumpyMLP` (both solvers' training
calls it): the rule (:mod:`digitnet.nn.divergence`) is fixed from the starting weights' loss, each epoch (or
L-BFGS iteration) is judged against it, and what then happens (warn and go on, stop, raise) is the
``training_policy``'s; the warning and the error are :mod:`digitnet.estimator.divergence`'s.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..nn import _fast
from ..nn.divergence import DivergenceRule, baseline_loss
from .divergence import DivergenceWarning, diverged_error
from .solvers import STOCHASTIC_SOLVERS


class DivergenceChecks:
    """The divergence checks of :class:`~digitnet.estimator.base.BaseNumpyMLP` (not to be used on its own)."""

    def _divergence_rule(self, X, Y, sample_weight, batch_size, workspace=None):
        """The divergence rule of this training (:mod:`digitnet.nn.divergence`): the loss of the starting weights
        on the training rows (one forward pass, no random draw) and that of the best constant prediction."""
        start = _fast.starting_loss(
            X,
            Y,
            self._weights,
            self._biases,
            activation=self._act,
            out_activation=self.out_activation_,
            alpha=self.alpha,
            batch_size=batch_size,
            sample_weight=sample_weight,
            workspace=workspace,
            soft=self._soft_targets(),
        )
        return DivergenceRule(start, baseline_loss(Y, self.out_activation_, sample_weight))

    def _diverged(self, loss):
        """Whether training diverged with this epoch's ``loss`` (the rule), or its weights stopped being finite."""
        return self._divergence.diverged(loss) or not np.isfinite(self._flat).all()

    def _divergence_detail(self, loss, unit="epoch"):
        """``(what, remedy)``: where training diverged (``"diverged at epoch 3: ..."``), and what to change."""
        rule, at = self._divergence, self.n_iter_
        if rule.diverged(loss):
            what = rule.describe(at, loss, unit)
        else:
            what = f"diverged at {unit} {at}: a weight became {'nan' if np.isnan(self._flat).any() else 'inf'}"
        if not np.isfinite(rule.start_loss):
            return what, "Scale the input features (and the target of a regression)."
        return what, (
            "Scale the input features or increase alpha."
            if self.solver == "lbfgs"
            else f"Use a smaller learning_rate_init (now {self.learning_rate_init}) or scale the input features."
        )

    def _on_divergence(self, loss, unit="epoch"):
        """Training diverged at this epoch: whether to stop now, as the ``training_policy`` says.

        ``"warn"`` (see :mod:`digitnet.estimator.divergence`): a loss or weights that are not finite stop a plain
        fit at once with a ``TrainingDiverged``; otherwise, as scikit-learn's fit, it goes on (and early stopping
        keeps its best weights), with a ``DivergenceWarning`` at the first such epoch (never stops: ``False``).
        ``"stop"``: stop (``True``), the epoch kept in ``diverged_at_``. ``"raise"``: ``TrainingDiverged``.
        """
        policy = self.training_policy.on_divergence
        if policy == "stop":
            self.diverged_at_ = len(self.history_["loss"]) + 1  # counted over the whole training, not this segment
            self.n_iter_ -= 1  # the epochs whose losses were recorded
            return True
        weights_finite = bool(np.isfinite(self._flat).all())
        stop = (
            policy == "raise"
            or not (np.isfinite(loss) and weights_finite)
            and not (self.early_stopping and self.solver in STOCHASTIC_SOLVERS)
        )
        if not stop and self._warned_divergence:
            return False
        what, remedy = self._divergence_detail(loss, unit)
        if stop:
            raise diverged_error(
                what, remedy, weights_finite=weights_finite, epoch=self.n_iter_, loss=loss, rule=self._divergence
            )
        self._warned_divergence = True
        goes_on = (
            "it goes on, as scikit-learn's does, and keeps the weights with the best validation score"
            if self.early_stopping
            else "it goes on, as scikit-learn's does, but the model it ends with is unlikely to be of use"
        )
        warnings.warn(
            DivergenceWarning(
                f"Training {what}; {goes_on}. {remedy}", epoch=self.n_iter_, loss=loss, rule=self._divergence, what=what
            )
        )
        return False
