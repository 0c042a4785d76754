"""The batch-size study: from pure SGD to full batch, each size at its own rate, two questions apart.

How many rows per step? Each batch size tries four learning rates (a window of the ladder 0.003,
0.01, ..., 3 that moves up with the batch size) and is read twice, each time at the rate chosen by
that reading's own metric, on every replication again: which generalises (cross-validated
accuracy after the epochs given, the declared metric) and how far training gets in those epochs
(the training loss, on a log scale). Seconds per epoch are shown too, as this machine's median:
a speed on one machine under one load, not a claim other machines would repeat.
"""

from __future__ import annotations

import math

import numpy as np

from ..experiments.params import FULL_BATCH
from ..plots.tuned import rate_choices, tuned_curves
from .base import Settings
from .common import NO_STOPPING, rate_window
from .registry import register
from .tuned import DIFFERENCE, TunedArm, TunedStudy, accuracy_metric, loss_metric

#: Each batch size and the smallest rate of its window of four (the linear-scaling rule, capped: a batch of b rows
#: averages out noise and takes larger steps, up to the step full-batch gradient descent can take).
WINDOWS = ((1, 0.003), (8, 0.03), (32, 0.1), (128, 0.1), (FULL_BATCH, 0.1))
EPOCHS = 10


def loss_at_time(arm: TunedArm, seconds: float) -> float:
    """The mean training loss ``arm`` had reached (at the rate the training loss chose) after ``seconds`` of
    training at its median seconds per epoch; NaN before its first epoch ends."""
    chosen = arm.chosen.get("loss")
    curve = arm.curves.get(chosen)
    if curve is None or not arm.seconds_per_epoch > 0:
        return math.nan
    done = int(seconds / arm.seconds_per_epoch + 1e-9)
    return float(curve.mean[min(done, len(curve.mean)) - 1]) if done >= 1 else math.nan


def per_second_text(arms: list[TunedArm], epochs: int, name) -> str:
    """The seconds view, in words: this machine's median seconds per epoch, and which size got lowest in the time
    the quickest one needed for all its epochs (descriptive: a speed is not a claim)."""
    timed = [a for a in arms if a.chosen.get("loss") is not None and np.isfinite(a.seconds_per_epoch)]
    if not timed:
        return ""
    budget = min(a.seconds_per_epoch * epochs for a in timed)
    at_budget = {a.value: loss_at_time(a, budget) for a in timed}
    lowest = min((v for v in at_budget if np.isfinite(at_budget[v])), key=at_budget.get, default=None)
    each = ", ".join(f"{name(a.value)} {1000 * a.seconds_per_epoch:.1f} ms" for a in timed)
    text = (
        f" Per second of training — this machine's timing, the median over each size's runs of its seconds per"
        f" epoch ({each}), measured while the sweep ran: a speed on one machine under one load, shown and not"
        " claimed"
    )
    if lowest is not None:
        text += (
            f": in the {1000 * budget:.0f} ms the quickest size needed for its {epochs} epochs,"
            f" {name(lowest)} got lowest ({at_budget[lowest]:.3g})"
        )
    return text + "."


class BatchSize(TunedStudy):
    name = "batch-size"
    title = "Batch size"
    order = 50
    arm = "batch_size"
    about = "batch_size"
    kind = "batch size"
    question = (
        "How many rows per step? From 1 (pure stochastic gradient descent: one digit per step) to all of"
        f" them (full-batch gradient descent), {EPOCHS} epochs each. Two questions, each ranked by its own"
        " metric, with each batch size at the learning rate (of four it tries) that this same metric"
        f" prefers: which generalises ({accuracy_metric(EPOCHS)}) and how far training gets in"
        f" {EPOCHS} epochs ({loss_metric(EPOCHS)}, compared on a log scale). {DIFFERENCE} Seconds per epoch are shown"
        " as this machine's, not claimed."
    )
    metric = accuracy_metric(EPOCHS)
    margin = 0.005
    description = (
        f"Stochastic gradient descent with batches of 1 (pure SGD), 8, 32, 128 and all rows, {EPOCHS}"
        " epochs, each at its own rate (of four) for each question: 3-fold cross-validated accuracy,"
        " and training loss; this machine's seconds per epoch shown."
    )
    notebook = r"""How many rows per step? From 1 (pure stochastic gradient descent) to the whole training set (full batch), each size
trying four learning rates. Two questions, each ranked by its own metric and each choosing every size's rate by
that metric (a rate chosen by one metric and ranked by another can reverse an order): *which generalises* (the
cross-validated accuracy) and *how far training gets* in the same number of epochs (the training loss, on a log
scale: a factor of 1.25 counts). Seconds per epoch are this machine's median, shown but not claimed."""
    grid = [{"batch_size": [size], "learning_rate_init": rate_window(first)} for size, first in WINDOWS]
    base_params = {
        "hidden_layer_sizes": (64,),
        "activation": "relu",
        "solver": "sgd",
        "momentum": 0.0,
        "max_iter": EPOCHS,
        **NO_STOPPING,
    }
    varied = ("batch_size", "learning_rate_init")
    full = Settings(seeds=3)
    quick = Settings(seeds=2, grid={"learning_rate_init": [0.03, 0.3, 1.0]}, params={"max_iter": 2})
    captions = (
        (
            "batch_size",
            "Each batch size at the rate each question chose: its training loss per epoch at the"
            " rate of lowest loss (left), its cross-validated accuracy per epoch at the rate of highest accuracy"
            " (middle), and its training loss against this machine's seconds of training (right).",
        ),
        (
            "batch_size_rates",
            "Each batch size at every rate it tried: cross-validated accuracy (left) and"
            " training loss (right); circled, the rate each question chose.",
        ),
    )
    twin = "batch_size.js"

    def name_of(self, value):
        return "full batch" if value == FULL_BATCH else f"batch {value}"

    def table(self, reading):
        frame = super().table(reading)
        frame["ms per epoch (this machine, median)"] = [1000 * a.seconds_per_epoch for a in reading.arms]
        return frame

    def conclusion(self, reading):
        """Both questions from their claims, why small batches go further per epoch, and the seconds view (shown,
        not claimed)."""
        text = self.question_texts(reading)
        if text.startswith("Every run"):
            return text
        rows = _rows_per_fold(reading.result)
        if rows:
            text += (
                f" An epoch of a batch of b rows is about {rows}/b steps: per epoch, small batches take many"
                " noisy steps, large ones few exact ones."
            )
        return text + per_second_text(reading.arms, reading.epochs, self.name_of)

    def figures(self, reading):
        questions = [q.metric for q in reading.questions]
        return {
            "batch_size": tuned_curves(
                reading.arms,
                self.name_of,
                seconds=True,
                title="Each batch size at the learning rate each question chose",
            ),
            "batch_size_rates": rate_choices(
                reading.arms, self.name_of, questions, title="Each batch size's learning rate, chosen by each question"
            ),
        }

    def page(self, reading):
        return {**super().page(reading), "seconds": "this machine's median seconds per epoch (not a claim)"}


def _rows_per_fold(result) -> int:
    """The rows a run trains on (a fold's training part with cross-validation), or 0 if unknown."""
    n_train = int((result.config.split or {}).get("n_train") or 0)
    cv = result.config.cv
    return n_train * (int(cv) - 1) // int(cv) if cv else n_train


register(BatchSize())
