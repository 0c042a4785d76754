"""What the one training loop does where a plain fit, a study's run and ``train_model`` differ.

Every stochastic training in digitnet runs the estimator's loop
(:meth:`~digitnet.estimator.base.BaseNumpyMLP._fit_stochastic`): a fit, each run of a sweep or study
(:class:`~digitnet.experiments.runs.StudyModel`) and ``digitnet.functional.train_model``. Where they
differ is said by a :class:`TrainingPolicy`, the estimator's ``training_policy`` (a class attribute,
which a subclass or an instance sets), never by overriding the loop's steps, so a study's run
cannot drift from a fit.
"""

from __future__ import annotations

from dataclasses import dataclass

#: What training does at the epoch it diverges (see :class:`TrainingPolicy`).
ON_DIVERGENCE = ("warn", "stop", "raise")


@dataclass(frozen=True)
class TrainingPolicy:
    """The choices of the training loop that are not the estimator's parameters.

    Attributes
    ----------
    on_divergence : {"warn", "stop", "raise"}
        At the epoch training diverges (the rule of :mod:`digitnet.nn.divergence`, or a weight
        that is no longer finite):

        - ``"warn"`` (a fit, the default): as :mod:`digitnet.estimator.divergence` describes, a
          ``DivergenceWarning`` and training goes on as scikit-learn's does, so that the numbers stay
          scikit-learn's; a loss or weights that are not finite stop a fit without early stopping
          with ``TrainingDiverged``.
        - ``"stop"`` (a study's run): training stops there, quietly; a diverged run is a result. The
          epoch (counted over the whole training, warm starts included) is kept in ``diverged_at_``,
          the curves end at the epoch before, and weights that are not finite are not an error
          (a diverged model is not used).
        - ``"raise"`` (``train_model``): ``TrainingDiverged`` at that epoch, finite loss or not.
    resume : bool
        What a warm start keeps. False (scikit-learn's): the weights only; a fresh optimizer, and
        the first shuffle starts from the rows in their given order. True (a study's run): also the
        optimizer's state (momentum, Adam's moments, the schedule's rate) and the row order, so that
        with a ``random_state`` whose stream goes on (a ``RandomState``), ``fit(max_iter=a)`` then
        ``fit(max_iter=b)`` is the same computation as one ``fit(max_iter=a + b)``.
    """

    on_divergence: str = "warn"
    resume: bool = False

    def __post_init__(self):
        if self.on_divergence not in ON_DIVERGENCE:
            raise ValueError(f"on_divergence must be one of {ON_DIVERGENCE}, got {self.on_divergence!r}")


#: scikit-learn's behaviour: the policy of every fit unless said otherwise.
FIT = TrainingPolicy()
#: A sweep's or study's run: divergence is a result, and training read off at several epoch counts is one training.
STUDY = TrainingPolicy(on_divergence="stop", resume=True)
