"""What the estimators do when training diverges (the rule itself is :mod:`digitnet.nn.divergence`).

scikit-learn's MLPClassifier and MLPRegressor never look at the loss: a diverging fit goes on to
``max_iter`` (or its stopping rule) and ends with a model of no use, or, when the weights
overflowed, with ``ValueError("Solver produced non-finite parameter weights. ...")``. digitnet's
estimators keep their numbers and say what happened:

- At the first epoch that diverges with a finite loss, a :class:`DivergenceWarning` (a
  ``ConvergenceWarning``) names the epoch, the losses and what to change, and the fit goes on as
  scikit-learn's does, so that the same ``random_state`` still gives the same model. To stop there
  instead, turn it into an error: ``warnings.simplefilter("error", DivergenceWarning)`` (the
  command line does; the warning carries ``epoch``, ``loss``, ``rule``).
- A loss or weights that are no longer finite stop a plain fit at once (the rest of the training
  could only end in scikit-learn's error) with :class:`TrainingDiverged`, a ``ValueError`` naming
  the epoch. When the weights are not finite its message starts with scikit-learn's, word for word
  (``NONFINITE_WEIGHTS``: the error MLPClassifier raises for them, and what code matches), then
  says where training diverged and what to change.
- With ``early_stopping=True`` a diverging fit does not raise (scikit-learn's issue 29504): it goes
  on as scikit-learn's does, with the warning, its validation score NaN once the network's outputs
  are not finite, and keeps the weights with the best validation score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sklearn.exceptions import ConvergenceWarning

if TYPE_CHECKING:
    from ..nn.divergence import DivergenceRule

#: scikit-learn's message for weights that are not finite after training, word for word.
NONFINITE_WEIGHTS = (
    "Solver produced non-finite parameter weights. The input data may contain large values and need to be preprocessed."
)


class _Diverged:
    """Where and how training diverged, on the exception and on the warning.

    Attributes
    ----------
    epoch : int
        The epoch (iteration, for lbfgs) at which it diverged.
    loss : float
        That epoch's loss.
    rule : digitnet.nn.divergence.DivergenceRule
        The rule it broke: ``rule.start_loss``, ``rule.ceiling``.
    what : str
        ``"diverged at epoch 3: the loss rose from ..."``, for a caller's own sentence (the command line's).
    """

    def _where(self, epoch, loss, rule, what):
        self.epoch, self.loss, self.rule, self.what = epoch, loss, rule, what


class TrainingDiverged(_Diverged, ValueError):
    """Training diverged and stopped (see :class:`_Diverged` for its attributes)."""

    def __init__(
        self,
        message: str,
        *,
        epoch: int | None = None,
        loss: float | None = None,
        rule: DivergenceRule | None = None,
        what: str | None = None,
    ) -> None:
        super().__init__(message)
        self._where(epoch, loss, rule, what)


class DivergenceWarning(_Diverged, ConvergenceWarning):
    """Training with early stopping diverged: it stopped there and kept the best weights it had seen."""

    def __init__(
        self,
        message: str,
        *,
        epoch: int | None = None,
        loss: float | None = None,
        rule: DivergenceRule | None = None,
        what: str | None = None,
    ) -> None:
        super().__init__(message)
        self._where(epoch, loss, rule, what)


def diverged_error(
    what: str, remedy: str, *, weights_finite: bool, epoch: int | None, loss: float | None, rule: DivergenceRule | None
) -> TrainingDiverged:
    """The :class:`TrainingDiverged` to raise: "Training {what}. {remedy}", after scikit-learn's message when the
    weights are not finite."""
    detail = f"Training {what}. {remedy}"
    return TrainingDiverged(
        detail if weights_finite else f"{NONFINITE_WEIGHTS} {detail}", epoch=epoch, loss=loss, rule=rule, what=what
    )
