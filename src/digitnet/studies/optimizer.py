"""The optimizer study: gradient descent, momentum, Nesterov and Adam, each at its own best rate.

Which update rule? Each optimizer gets its own best of six learning rates, so that none loses for
want of its rate; the study ranks them by the training loss they reach and says how far apart their
validation accuracies are.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..experiments.results import SweepResult
from ..plots import tuned_curves
from ..words import num, pct, rate
from .base import Settings, Study
from .common import ADAM_RATES, NO_STOPPING, SGD_RATES, edge_note, sound, tuned_arms, tuned_page, tuned_table
from .registry import register

#: The optimizers: a label, their settings, and the rates each may choose from.
OPTIMIZERS = (("gradient descent", {"solver": "sgd", "momentum": 0.0}, SGD_RATES),
              ("momentum", {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": False}, SGD_RATES),
              ("Nesterov", {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": True}, SGD_RATES),
              ("Adam", {"solver": "adam"}, ADAM_RATES))


@dataclass
class OptimizerReading:
    """Each optimizer at its best rate (:class:`~digitnet.studies.common.TunedArm`), and the epochs trained."""

    result: SweepResult
    arms: list
    epochs: int


class Optimizer(Study):
    name = "optimizer"
    title = "Optimizer"
    order = 60
    question = ("Which update rule? Plain gradient descent, classical momentum, Nesterov's momentum and Adam, on"
                " mini-batches of 200, each at its own best of six learning rates, so that none loses for want"
                " of its rate.")
    description = ("Gradient descent, momentum, Nesterov and Adam (batches of 200, 100 epochs), each at its best of"
                   " six learning rates.")
    notebook = r"""Which update rule? Gradient descent, classical momentum, Nesterov's momentum and Adam, on mini-batches of 200, each
at its own best of six learning rates."""
    grid = [{"label": [label], **{k: [v] for k, v in settings.items()}, "learning_rate_init": list(rates)}
            for label, settings, rates in OPTIMIZERS]
    base_params = {"hidden_layer_sizes": (64,), "activation": "relu", "batch_size": "auto", "max_iter": 100,
                   **NO_STOPPING}
    varied = ("solver", "momentum", "nesterovs_momentum", "learning_rate_init")
    quick = Settings(seeds=2, params={"max_iter": 25})
    captions = (("optimizer", "The training loss of each optimizer at its best rate."),)
    twin = "optimizer.js"

    def read(self, result, split):
        return OptimizerReading(result, tuned_arms(result, "label"), int(result.runs["n_iter"].max()))

    def table(self, reading):
        return tuned_table(reading.arms, "optimizer")

    def conclusion(self, reading):
        """Each optimizer at its own best rate: loss and validation accuracy, ranked, with how far apart they are."""
        arms = sorted(sound(reading.arms), key=lambda a: a.final_loss)
        if not arms:
            return "Every run of the optimizer study diverged."
        parts = [f"{a.value} at {rate(a.best_rate)}{edge_note(a)}: loss {num(a.final_loss, 4)}, validation"
                 f" {pct(a.val_accuracy)}" for a in arms]
        accuracies = [a.val_accuracy for a in arms]
        n_val = reading.result.n_val
        spread = max(accuracies) - min(accuracies)
        close = (f"their validation accuracies lie within {100 * spread:.1f} points ({round(spread * n_val)} of"
                 f" {n_val} digits), close to the noise" if spread * n_val <= 3 else
                 f"their validation accuracies span {100 * spread:.1f} points")
        return (f"Each at its best of a small grid of rates, after {reading.epochs} epochs (lowest training loss"
                f" first): " + "; ".join(parts) + f". {close[0].upper() + close[1:]}.")

    def findings(self, reading):
        return {"best rates": {a.value: a.best_rate for a in sound(reading.arms)}}

    def quoted(self, reading):
        runs, best = reading.result.runs, {a.value: a.best_rate for a in sound(reading.arms)}
        return [c for c, g in runs.groupby("config") if best.get(g["label"].iloc[0]) == g["learning_rate_init"].iloc[0]]

    def figures(self, reading):
        result = reading.result
        best = {a.value: a.best_rate for a in sound(reading.arms)}
        return {"optimizer": tuned_curves(result.runs, result.curves, "label", best,
                                          title="Each optimizer at its own best learning rate")}

    def page(self, reading):
        return tuned_page(reading.arms, str)


register(Optimizer())
