"""From the original project's setting to ours, one setting at a time.

The original project trained 32 sigmoid units from weights N(0, 0.01²) by full-batch gradient
descent at rate 0.1 for 1000 epochs; ours is MLPClassifier's defaults. The study changes exactly
one setting per step and measures each step over several seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..experiments.analysis import finished, mean_and_error
from ..experiments.params import LABEL
from ..experiments.results import SweepResult
from ..plots import loss_curves
from ..plots.style import axis_label, new_figure, percent_formatter
from ..words import pct, points
from .base import Settings, Study
from .common import GRADIENT_DESCENT
from .registry import register

#: The original project's setting (with a correct softmax output): 32 sigmoid units, weights
#: N(0, 0.01^2), full-batch gradient descent at learning rate 0.1 for 1000 epochs.
ORIGINAL = {**GRADIENT_DESCENT, "hidden_layer_sizes": (32,), "activation": "logistic", "weight_init": "small_normal",
            "learning_rate_init": 0.1, "max_iter": 1000}
#: From the original setting to ours (MLPClassifier's defaults), exactly one setting per step.
STEPS = [
    ("glorot initial weights", {"weight_init": "glorot"}),
    ("relu units", {"activation": "relu"}),
    ("100 units", {"hidden_layer_sizes": (100,)}),
    ("mini-batches of 200", {"batch_size": "auto"}),
    ("rows shuffled every epoch", {"shuffle": True}),
    ("learning rate 0.001", {"learning_rate_init": 0.001}),
    ("adam", {"solver": "adam"}),
    ("stop after 10 epochs without progress", {"n_iter_no_change": 10}),
    ("progress means 1e-4 or more", {"tol": 1e-4}),
    ("at most 200 epochs", {"max_iter": 200}),
]


def chain():
    """The grid: one labelled configuration per step."""
    configs, current = [{LABEL: ["original"], **{k: [v] for k, v in ORIGINAL.items()}}], dict(ORIGINAL)
    for label, change in STEPS:
        current = {**current, **change}
        configs.append({LABEL: [f"+ {label}"], **{k: [v] for k, v in current.items()}})
    return configs


@dataclass
class StepsReading:
    """Per step (its label, in order): the mean over the seeds of its scores, epochs and fit time."""

    result: SweepResult
    steps: pd.DataFrame


class OriginalToOurs(Study):
    name = "original-to-ours"
    title = "Original vs ours"
    order = 10
    section = "network"
    question = ("What made the difference? The original project's setting turned into ours (MLPClassifier's"
                " defaults) one setting at a time, each step measured over the seeds.")
    description = ("The original project's setting (32 sigmoid units, weights N(0, 0.01^2), full-batch gradient"
                   " descent at learning rate 0.1, 1000 epochs) turned into ours (MLPClassifier's defaults) one"
                   " setting at a time.")
    notebook = r"""The `original-to-ours` preset trains the original project's network (32 sigmoid units, initial weights
$N(0, 0.01^2)$, full-batch gradient descent at learning rate 0.1 for 1000 epochs, with a correct softmax output),
then changes exactly one setting per step until it is ours (`MLPClassifier`'s defaults), over several seeds."""
    grid = chain()
    base_params: dict = {}
    quick = Settings(seeds=2, grid={"max_iter": [80]})
    captions = (("network_original_steps", "Test accuracy after each change (mean ± standard error over the seeds)."),
                ("network_original_vs_ours", "Training loss per epoch after each change."))

    def read(self, result, split):
        steps = finished(result.runs).groupby("label", sort=False)[
            ["test_accuracy", "val_accuracy", "train_loss", "n_iter", "fit_seconds"]].mean().reset_index()
        return StepsReading(result, steps)

    def conclusion(self, reading):
        """The original project's setting turned into ours one setting at a time: what each change did."""
        rows = reading.steps.set_index("label")["test_accuracy"]
        labels = list(rows.index)
        if len(labels) < 2:
            return f"The original setting reached {pct(rows.iloc[0]) if len(rows) else 'n/a'} test accuracy."
        gains = {labels[i]: rows.iloc[i] - rows.iloc[i - 1] for i in range(1, len(labels))}
        biggest = max(gains, key=gains.get)
        hurt = [label for label, gain in gains.items() if gain < 0]
        text = (f"The original setting reached {pct(rows.iloc[0])} test accuracy and ours {pct(rows.iloc[-1])},"
                f" changing one setting at a time over {len(gains)} steps; the largest gain came from"
                f" \"{biggest.lstrip('+ ')}\" ({points(gains[biggest])})")
        if hurt:
            worst = min(hurt, key=gains.get)
            which = "1 step lowered it," if len(hurt) == 1 else f"{len(hurt)} steps lowered it, most of all"
            text += (f", and {which} \"{worst.lstrip('+ ')}\" ({points(gains[worst])}): a change that only pays with"
                     f" another")
        return text + "."

    def findings(self, reading):
        gains = reading.steps.set_index("label")["test_accuracy"].diff().dropna()
        return {"largest gain": gains.idxmax(), "steps that lowered it": tuple(gains.index[gains < 0])}

    def figures(self, reading):
        runs, curves = reading.result.runs, reading.result.curves
        return {"network_original_vs_ours": loss_curves(runs, curves, label_by="label", show_validation=False,
                                                        title="Training loss per epoch: the original setting, one"
                                                        " change at a time to ours"),
                "network_original_steps": steps_figure(runs)}


def steps_figure(runs, metric="test_accuracy", label="label", title=None):
    """The score after each step of a chain of single changes (mean ± standard error over seeds)."""
    order = list(dict.fromkeys(runs[label]))
    stats = [mean_and_error(runs.loc[runs[label] == step, metric]) for step in order]
    fig = new_figure(9.0, 4.8)
    ax = fig.add_subplot()
    ax.errorbar(range(len(order)), [s[0] for s in stats], yerr=[s[1] for s in stats], fmt="o-", color="#332288",
                capsize=3)
    ax.set_xticks(range(len(order)), order, rotation=35, ha="right", fontsize="small")
    ax.set_ylabel(f"{axis_label(metric)} (%), mean ± std error")
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.grid(True, alpha=0.3)
    ax.set_title(title or "From the original setting to ours, one change at a time")
    return fig


register(OriginalToOurs())
