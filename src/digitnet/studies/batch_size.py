"""The batch-size study: from one digit per step (pure SGD) to all of them (full batch), each at its best rate.

How many rows per step? Small batches take many noisy steps per epoch, large ones few exact ones;
which goes further depends on whether epochs or seconds are what is spent, so the study reads both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..experiments.params import FULL_BATCH
from ..experiments.results import SweepResult
from ..plots import tuned_curves
from ..words import num, rate
from .base import Settings, Study
from .common import NO_STOPPING, SGD_RATES, TunedArm, edge_note, sound, tuned_arms, tuned_page, tuned_table
from .registry import register


@dataclass
class BatchSizeReading:
    """Each batch size at its best rate (:class:`~digitnet.studies.common.TunedArm`), and the epochs trained."""

    result: SweepResult
    arms: list
    epochs: int


def loss_at_time(arm: TunedArm, seconds: float) -> float:
    """The mean training loss that ``arm`` (at its best rate) had reached after ``seconds`` of training."""
    curve = arm.loss.mean
    done = int(seconds / arm.seconds_per_epoch) if arm.seconds_per_epoch > 0 else len(curve)
    return float(curve[min(done, len(curve)) - 1]) if done >= 1 else math.nan


class BatchSize(Study):
    name = "batch-size"
    title = "Batch size"
    order = 50
    question = ("How many rows per step? From 1 (pure stochastic gradient descent: one digit per step) to all of"
                " them (full-batch gradient descent), each batch size at its own best of six learning rates,"
                " the same number of epochs: the loss per epoch, and per second of training.")
    description = ("Stochastic gradient descent with batches of 1 (pure SGD), 8, 32, 128 and all rows, each at its"
                   " best of six learning rates, 30 epochs: loss per epoch and per second.")
    notebook = r"""How many rows per step? From 1 (pure stochastic gradient descent) to the whole training set (full batch), each size
at its own best of six learning rates so that none loses for want of its rate: the loss per epoch, and per second
of training."""
    grid = {"batch_size": [1, 8, 32, 128, FULL_BATCH], "learning_rate_init": list(SGD_RATES)}
    base_params = {"hidden_layer_sizes": (64,), "activation": "relu", "solver": "sgd", "momentum": 0.0,
                   "max_iter": 30, **NO_STOPPING}
    varied = ("batch_size", "learning_rate_init")
    quick = Settings(seeds=2, grid={"batch_size": [1, 32, "full"]}, params={"max_iter": 4})
    captions = (("batch_size", "The training loss of each batch size at its best rate, per epoch (left) and per"
                 " second (right)."),)
    twin = "batch_size.js"

    def read(self, result, split):
        return BatchSizeReading(result, tuned_arms(result, "batch_size"), int(result.runs["n_iter"].max()))

    def table(self, reading):
        return tuned_table(reading.arms, "batch size", seconds=True)

    def conclusion(self, reading):
        """Per batch size at its best rate: the loss per epoch and per second of training, and the trade-off."""
        arms, epochs = sound(reading.arms), reading.epochs
        if not arms:
            return "Every run of the batch-size study diverged."
        per_epoch = min(arms, key=lambda a: a.final_loss)
        budget = min(a.seconds_per_epoch * epochs for a in arms)  # the time the quickest size took for all its epochs
        at_budget = {a.value: loss_at_time(a, budget) for a in arms}
        fastest = min((v for v in at_budget if np.isfinite(at_budget[v])), key=at_budget.get, default=None)
        parts = [f"batch {a.value}: rate {rate(a.best_rate)}{edge_note(a)}, loss {num(a.final_loss, 4)},"
                 f" {1000 * a.seconds_per_epoch:.1f} ms per epoch" for a in arms]
        text = (f"After {epochs} epochs at each size's best rate — " + "; ".join(parts) + f". Per epoch, batch"
                f" {per_epoch.value} went furthest: small batches take many noisy steps per epoch, large ones few"
                f" exact ones")
        if fastest is not None:
            text += (f"; per second it is another race: in the {1000 * budget:.0f} ms the quickest size needed for its"
                     f" {epochs} epochs, batch {fastest} got lowest ({num(at_budget[fastest], 4)})")
        return text + ". Which batch size is best depends on whether epochs or seconds are what is spent."

    def findings(self, reading):
        return {"best rates": {a.value: a.best_rate for a in sound(reading.arms)}}

    def quoted(self, reading):
        runs, best = reading.result.runs, {a.value: a.best_rate for a in sound(reading.arms)}
        return [c for c, g in runs.groupby("config") if best.get(g["batch_size"].iloc[0]) == g["learning_rate_init"].iloc[0]]

    def figures(self, reading):
        result = reading.result
        best = {a.value: a.best_rate for a in sound(reading.arms)}
        return {"batch_size": tuned_curves(result.runs, result.curves, "batch_size", best, seconds=True)}

    def page(self, reading):
        return tuned_page(reading.arms, lambda v: f"batch {v}")


register(BatchSize())
