"""Learning-rate schedules for every stochastic optimizer, as ``torch.optim.lr_scheduler`` computes them.

A schedule gives the rate of each epoch (or step) from the initial rate lr0 (``learning_rate_init``):

- ``constant``: lr0.
- ``invscaling`` (scikit-learn's): lr0 / (t + 1)^power_t after each epoch, t = the samples seen so far.
- ``adaptive`` (scikit-learn's): lr0 until training stalls (``n_iter_no_change`` epochs without
  improving by ``tol``), then divided by 5 each time it stalls; training stops once it is <= 1e-6.
- ``cosine``, **per epoch**: a linear warmup over the first W epochs, then half a cosine down towards 0
  over the remaining E - W epochs (E = ``max_iter``)::

      lr_e = lr0 (e + 1) / (W + 1)                          e < W
      lr_e = lr0 (1 + cos(pi (e - W) / (E - W))) / 2       e >= W

  PyTorch's ``SequentialLR([LinearLR(start_factor=1 / (W + 1), total_iters=W), CosineAnnealingLR(T_max=E - W)],
  milestones=[W])``, stepped once per epoch (without warmup: ``CosineAnnealingLR(T_max=E)``).
- ``step``, **per epoch**: lr_e = lr0 gamma^floor(e / step_size): ``StepLR(step_size, gamma)``.
- ``onecycle``, **per step** (mini-batch), as PyTorch's ``OneCycleLR`` must be stepped: from lr0 / 25 up to
  lr0 over the first 30% of the S = E x (batches per epoch) steps, then down to lr0 / 25 / 1e4, both by half
  a cosine: ``OneCycleLR(max_lr=lr0, total_steps=S, pct_start=0.3, anneal_strategy="cos", div_factor=25,
  final_div_factor=1e4, three_phase=False, cycle_momentum=False)`` (the momentum is not cycled). Past S
  steps (a warm start, ``partial_fit``) the rate stays at its last value (PyTorch raises there).

Per epoch or per step is PyTorch's own usage: its epoch schedulers are stepped after each epoch, and
OneCycleLR after each batch. A schedule sets the optimizer's ``rate`` (:mod:`digitnet.nn.optimizers`):
the step size of SGD, RMSprop, AdamW and NAdam, and Adam's rate before its bias correction. scikit-learn's
SGD runs ``invscaling`` and ``adaptive`` itself (:class:`~digitnet.nn.optimizers.SGD`, bit for bit), and its
Adam ignores them, as MLPClassifier's does; every other pairing is a :class:`Scheduled` optimizer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any  # Any: an optimizers.Optimizer (optimizers imports this module)

if TYPE_CHECKING:
    import numpy as np

#: Every schedule's name: scikit-learn's three, then the ones it declined.
SCHEDULES = ("constant", "invscaling", "adaptive", "cosine", "step", "onecycle")
#: scikit-learn's schedules, which its SGD runs inside the optimizer and its Adam ignores.
SKLEARN_SCHEDULES = ("constant", "invscaling", "adaptive")
#: What an adaptive schedule divides the rate by when training stalls, and the rate at which it stops instead.
ADAPTIVE_DIVISOR, ADAPTIVE_FLOOR = 5.0, 1e-6
#: OneCycleLR's settings (PyTorch's defaults).
ONECYCLE_PCT_START, ONECYCLE_DIV_FACTOR, ONECYCLE_FINAL_DIV_FACTOR = 0.3, 25.0, 1e4


@dataclass(frozen=True)
class InvScaling:
    """lr0 / (t + 1)^power_t after each epoch (t: samples seen so far); lr0 before the first."""

    power_t: float
    per_step = False

    def rate(self, lr0: float, count: int, time_step: int | None = None) -> float:
        return lr0 if time_step is None else float(lr0) / (time_step + 1) ** self.power_t


@dataclass(frozen=True)
class Adaptive:
    """lr0 until training stalls; :meth:`Scheduled.trigger_stopping` then divides it (see the module docstring)."""

    per_step = False

    def rate(self, lr0: float, count: int, time_step: int | None = None) -> float:
        return lr0


@dataclass(frozen=True)
class Cosine:
    """Linear warmup over ``warmup`` epochs, then half a cosine to 0 at epoch ``epochs`` (the module docstring)."""

    epochs: int
    warmup: int = 0
    per_step = False

    def rate(self, lr0: float, count: int, time_step: int | None = None) -> float:
        if count < self.warmup:
            return lr0 * (count + 1) / (self.warmup + 1)
        return lr0 * (1 + math.cos(math.pi * (count - self.warmup) / (self.epochs - self.warmup))) / 2


@dataclass(frozen=True)
class StepDecay:
    """lr0 gamma^floor(epoch / step_size)."""

    step_size: int
    gamma: float
    per_step = False

    def rate(self, lr0: float, count: int, time_step: int | None = None) -> float:
        return lr0 * self.gamma ** (count // self.step_size)


@dataclass(frozen=True)
class OneCycle:
    """PyTorch's one-cycle policy over ``total_steps`` mini-batch steps (the module docstring)."""

    total_steps: int
    per_step = True

    def rate(self, lr0: float, count: int, time_step: int | None = None) -> float:
        initial = lr0 / ONECYCLE_DIV_FACTOR
        peak_end = float(ONECYCLE_PCT_START * self.total_steps) - 1
        step = min(count, self.total_steps - 1)
        if step <= peak_end:
            start, end, pct = initial, lr0, step / peak_end
        else:
            start, end = lr0, initial / ONECYCLE_FINAL_DIV_FACTOR
            pct = (step - peak_end) / (self.total_steps - 1 - peak_end)
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def schedule_for(
    name: str,
    *,
    epochs: int,
    steps_per_epoch: int,
    power_t: float = 0.5,
    warmup: int = 0,
    step_size: int = 1,
    gamma: float = 0.1,
) -> InvScaling | Adaptive | Cosine | StepDecay | OneCycle | None:
    """The schedule object of ``name`` (None for ``constant``), for training of ``epochs`` epochs of
    ``steps_per_epoch`` mini-batches."""
    if name == "constant":
        return None
    if name == "cosine" and not 0 <= warmup < epochs:
        raise ValueError(f"the cosine schedule's warmup ({warmup} epochs) must be shorter than max_iter ({epochs})")
    if name == "onecycle" and epochs * steps_per_epoch < 2:
        raise ValueError("the onecycle schedule needs at least 2 steps (max_iter x batches per epoch)")
    return {
        "invscaling": lambda: InvScaling(power_t),
        "adaptive": Adaptive,
        "cosine": lambda: Cosine(epochs, warmup),
        "step": lambda: StepDecay(step_size, gamma),
        "onecycle": lambda: OneCycle(epochs * steps_per_epoch),
    }[name]()


class Scheduled:
    """An optimizer whose ``rate`` follows a schedule: the :class:`~digitnet.nn.optimizers.Optimizer` protocol.

    The rate of epoch 0 (or step 0) is set at once; after each epoch (``iteration_ends``) or each step the
    next one is, as a PyTorch scheduler's ``step()`` does. ``rate`` may also be set from outside (a
    callback reducing it on a plateau): the schedule is then scaled by the same factor from there on.

    Parameters
    ----------
    optimizer : Optimizer
        Any optimizer of :mod:`digitnet.nn.optimizers` (built with the schedule ``constant``).
    schedule : InvScaling, Adaptive, Cosine, StepDecay or OneCycle
    """

    def __init__(self, optimizer: Any, schedule: InvScaling | Adaptive | Cosine | StepDecay | OneCycle) -> None:
        self.optimizer, self.schedule = optimizer, schedule
        self.base = optimizer.rate
        self.epochs = self.steps = 0
        optimizer.rate = schedule.rate(self.base, 0)

    @property
    def params(self) -> np.ndarray:
        return self.optimizer.params

    @params.setter
    def params(self, value: np.ndarray) -> np.ndarray:
        self.optimizer.params = value

    @property
    def learning_rate(self) -> float:
        return self.optimizer.learning_rate

    @property
    def rate(self) -> float:
        return self.optimizer.rate

    @rate.setter
    def rate(self, value: float) -> float:
        current = self.optimizer.rate
        self.base = self.base * (value / current) if current else value
        self.optimizer.rate = value

    def step(self, grad: np.ndarray) -> None:
        self.optimizer.step(grad)
        if self.schedule.per_step:
            self.steps += 1
            self.optimizer.rate = self.schedule.rate(self.base, self.steps)

    def iteration_ends(self, time_step: int) -> None:
        self.optimizer.iteration_ends(time_step)
        if not self.schedule.per_step:
            self.epochs += 1
            self.optimizer.rate = self.schedule.rate(self.base, self.epochs, time_step)

    def trigger_stopping(self, msg: str, verbose: bool = False) -> bool:
        """scikit-learn's rule: an adaptive schedule divides the rate by 5 (stopping once it is <= 1e-6); any other
        stops."""
        if not isinstance(self.schedule, Adaptive):
            return self.optimizer.trigger_stopping(msg, verbose)
        if self.optimizer.rate <= ADAPTIVE_FLOOR:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.base = self.optimizer.rate = self.optimizer.rate / ADAPTIVE_DIVISOR
        if verbose:
            print(msg + " Setting learning rate to %f" % self.optimizer.rate)
        return False
