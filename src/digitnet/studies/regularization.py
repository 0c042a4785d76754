"""The L2 study: the penalty alpha from 0 to 100 on a wide network, from overfitting to underfitting.

How strong an L2 penalty? The loss adds (α/2n) Σ‖W‖², which pulls every weight towards 0: a little
narrows the gap between training and validation accuracy, too much keeps the network from fitting
even its training digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..experiments.analysis import by_value, finished
from ..experiments.results import SweepResult
from ..plots import against_parameter
from ..words import pct
from .base import Settings, Study
from .common import NO_STOPPING
from .registry import register


@dataclass
class PenaltyReading:
    """``alpha -> (mean, standard error, n)`` over the seeds of the training and the validation accuracy."""

    result: SweepResult
    train: dict
    val: dict


class Regularization(Study):
    name = "regularization"
    title = "Regularization"
    order = 80
    question = ("How strong an L2 penalty? The loss adds (α/2n) Σ‖W‖², which pulls every weight towards 0; α"
                " from 0 to 100 on a wide network.")
    description = ("The L2 penalty alpha from 0 to 100 on a wide network (256 relu units, adam, 150 epochs):"
                   " training and validation accuracy, from overfitting to underfitting.")
    notebook = r"""How strong an L2 penalty? The loss adds $\frac{\alpha}{2n}\sum_l \lVert W^{[l]} \rVert^2$, which pulls every weight
towards 0; $\alpha$ from 0 to 100 on a wide network: training against validation accuracy, from overfitting to
underfitting."""
    grid = {"alpha": [0.0, 1e-4, 1e-3, 1e-2, 0.1, 1.0, 3.0, 10.0, 30.0, 100.0]}
    base_params = {"hidden_layer_sizes": (256,), "activation": "relu", "solver": "adam", "max_iter": 150,
                   **NO_STOPPING}
    varied = ("alpha",)
    quick = Settings(seeds=2, grid={"alpha": [0.0, 0.01, 1.0, 10.0, 100.0]}, params={"max_iter": 30})
    captions = (("regularization", "Training and validation accuracy against α (mean ± standard error)."),)
    twin = "regularization.js"

    def read(self, result, split):
        runs = finished(result.runs)
        return PenaltyReading(result, by_value(runs, "alpha", "train_accuracy"), by_value(runs, "alpha", "val_accuracy"))

    def table(self, reading):
        train, val = reading.train, reading.val
        return pd.DataFrame([{"alpha": f"{a:g}", "training accuracy": pct(train[a][0]),
                              "validation accuracy": f"{pct(val[a][0])} ± {100 * val[a][1]:.1f}",
                              "gap (points)": f"{100 * (train[a][0] - val[a][0]):.1f}"} for a in val])

    def conclusion(self, reading):
        """Training against validation accuracy as the L2 penalty grows: where it helps, where it underfits."""
        train, val = reading.train, reading.val
        if not val:
            return "Every run of the regularization study failed."
        best = max(val, key=lambda a: (val[a][0], -a))
        lowest_alpha, highest_alpha = min(val), max(val)
        gap = train[lowest_alpha][0] - val[lowest_alpha][0]
        margin = max(2 * val[best][1], 1 / reading.result.n_val)
        helpful = [a for a in val if val[a][0] >= val[best][0] - margin]
        without = "Without penalty" if lowest_alpha == 0 else "With the smallest penalty"
        return (f"{without} (alpha {lowest_alpha:g}) the network fits the training digits at"
                f" {pct(train[lowest_alpha][0])} and the validation digits at {pct(val[lowest_alpha][0])} (a gap of"
                f" {100 * gap:.1f} points); the best validation accuracy, {pct(val[best][0])}, came at alpha {best:g},"
                f" and every alpha from {min(helpful):g} to {max(helpful):g} is within the noise of it. At alpha"
                f" {highest_alpha:g} the penalty wins over the data: training {pct(train[highest_alpha][0])},"
                f" validation {pct(val[highest_alpha][0])} (underfitting).")

    def findings(self, reading):
        val = reading.val
        return {"best alpha": max(val, key=lambda a: (val[a][0], -a))} if val else {}

    def quoted(self, reading):
        runs = reading.result.runs
        return list(runs.loc[runs["alpha"] == self.findings(reading).get("best alpha"), "config"].unique())

    def figures(self, reading):
        return {"regularization": against_parameter(reading.result.runs, "alpha")}

    def page(self, reading):
        train, val = reading.train, reading.val
        return {"alphas": [{"alpha": a, "train": train[a][0], "val": val[a][0], "val_se": val[a][1]} for a in val]}


register(Regularization())
