"""The momentum study: full-batch gradient descent at one rate, with momentum β from 0 to 0.99.

How much momentum? v ← β v − η g, θ ← θ + v: the velocity remembers past steps. A little speeds
gradient descent up; too much carries the weights past the minimum and back (overshoot).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..experiments.analysis import CurveSummary, diverged, histories_of, last_finite, mean_curve, overshoot, rises
from ..experiments.results import SweepResult
from ..plots import loss_curves
from ..words import num, pct
from .base import Settings, Study
from .common import GRADIENT_DESCENT, curve_points
from .registry import register

#: A loss that went up at more than this share of its epochs oscillates (a steadily falling one: 0).
OSCILLATES = 0.05


@dataclass
class MomentumArm:
    """One β: its mean training loss (finite epochs), how often and how far it went up, validation accuracy."""

    beta: float
    loss: CurveSummary | None
    final_loss: float
    rises: float
    overshoot: float
    diverged: bool
    val_accuracy: float


@dataclass
class MomentumReading:
    result: SweepResult
    arms: list
    epochs: int


class Momentum(Study):
    name = "momentum"
    title = "Momentum"
    order = 70
    question = ("How much momentum? v ← β v − η g, θ ← θ + v: the velocity v remembers past steps. Full-batch gradient"
                " descent at one learning rate, with β from 0 (none) to 0.99.")
    description = ("Full-batch gradient descent at learning rate 0.1 with momentum 0, 0.5, 0.9 and 0.99 (300 epochs):"
                   " no momentum crawls, a little speeds it up, too much overshoots.")
    notebook = r"""How much momentum? $v \leftarrow \beta v - \eta g$, $\theta \leftarrow \theta + v$: the velocity $v$ remembers past
steps. Full-batch gradient descent at one learning rate, $\beta \in \{0, 0.5, 0.9, 0.99\}$."""
    grid = {"momentum": [0.0, 0.5, 0.9, 0.99]}
    base_params = {**GRADIENT_DESCENT, "hidden_layer_sizes": (64,), "activation": "relu", "learning_rate_init": 0.1,
                   "nesterovs_momentum": False, "max_iter": 300}
    varied = ("momentum",)
    quick = Settings(seeds=2, params={"max_iter": 80})
    captions = (("momentum", "The training loss per epoch for each momentum β (log scale)."),)
    twin = "momentum.js"

    def read(self, result, split):
        arms = []
        for value, group in result.runs.groupby("momentum", sort=True):
            summary = mean_curve(histories_of(group, result.curves), "loss")
            curve = summary.mean[np.isfinite(summary.mean)] if summary is not None else np.array([math.nan])
            arms.append(MomentumArm(float(value), summary, last_finite(curve), rises(curve), overshoot(curve),
                                    bool(diverged(group)), float(group["val_accuracy"].mean())))
        return MomentumReading(result, arms, int(result.runs["n_iter"].max()))

    def table(self, reading):
        return pd.DataFrame([{"momentum β": f"{a.beta:g}", "final training loss": a.final_loss,
                              "loss went up at": f"{a.rises:.0%} of epochs",
                              "validation accuracy": pct(a.val_accuracy)} for a in reading.arms])

    def conclusion(self, reading):
        """What momentum did to full-batch gradient descent: how low the loss got, and which β made it oscillate."""
        arms = reading.arms
        parts = [f"β {a.beta:g}: " + ("diverged" if a.diverged else f"loss {num(a.final_loss, 4)}, up at"
                                                                     f" {a.rises:.0%} of the epochs") for a in arms]
        text = f"After {reading.epochs} epochs at the same learning rate — " + "; ".join(parts) + "."
        sound = [a for a in arms if not a.diverged and np.isfinite(a.final_loss)]
        if not sound:
            return text
        lowest_b = min(sound, key=lambda a: a.final_loss).beta
        text += f" The loss went lowest with β {lowest_b:g}"
        text += "" if lowest_b == arms[0].beta else ": the velocity keeps each step going where the last ones went"
        bumpy = [a for a in arms if a.rises > OSCILLATES or a.diverged]
        if bumpy:
            first = bumpy[0]
            text += (f"; from β {first.beta:g} on, that velocity carries the weights past the minimum and back (the"
                     f" loss goes up at {first.rises:.0%} of the epochs and climbs back to {first.overshoot:.1f} times"
                     f" its lowest so far: overshoot)")
            if any(a.beta == lowest_b for a in bumpy):
                text += ", and still ends lowest within these epochs"
        else:
            text += f"; no β made the loss oscillate (up at more than {OSCILLATES:.0%} of the epochs)"
        return text + "."

    def findings(self, reading):
        losses = reading.result.runs.groupby("momentum")["train_loss"].mean()
        return {"lowest loss at β": min(losses.items(), key=lambda kv: kv[1])[0]}

    def figures(self, reading):
        result = reading.result
        return {"momentum": loss_curves(result.runs, result.curves, label_by="momentum", show_validation=False,
                                        title="Training loss per epoch by momentum β")}

    def page(self, reading):
        return {"groups": [{"name": f"β = {a.beta:g}", "curve": curve_points(a.loss)} for a in reading.arms]}


register(Momentum())
