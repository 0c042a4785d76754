"""The architecture study: depth, width and activation, chosen honestly on validation accuracy.

Which network? Every configuration is trained over several seeds; those the seeds cannot tell
apart from the best are tied, the simplest of them (fewest weights) is chosen, and only that one
is scored, once, on the test set (:mod:`digitnet.experiments.selection`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..experiments.analysis import by_config, finished
from ..experiments.params import count_weights
from ..experiments.results import SweepResult
from ..experiments.selection import Selection
from ..plots import architecture_plot
from ..words import pct
from .base import Settings, Study
from .registry import register

#: What the report runs: depth 1-3, widths 32-128 and the three classic activations (the preset's full
#: grid, 110 configurations, takes several minutes).
REPORT_ARCHITECTURES = [(32,), (64,), (128,), (64, 32), (128, 64), (128, 64, 32)]
REPORT_ACTIVATIONS = ["logistic", "tanh", "relu"]


def architectures():
    """Depth 1 to 3, widths 16 to 256: constant widths, and funnels halving at each layer."""
    shapes = []
    for width in (16, 32, 64, 128, 256):
        shapes += [(width,), (width, width), (width, width, width)]
        if width >= 32:
            shapes.append((width, width // 2))
        if width >= 64:
            shapes.append((width, width // 2, width // 4))
    return sorted(shapes, key=lambda s: (len(s), s))


@dataclass
class ArchitectureReading:
    """The selection, every configuration's mean scores (:func:`~digitnet.experiments.analysis.by_config`), the
    spread of its validation accuracy over the seeds, and its number of weights."""

    result: SweepResult
    selection: Selection
    configs: pd.DataFrame
    std: pd.Series
    n_weights: dict

    def name(self, config):
        """A configuration in words: ``"64-32 relu"``."""
        row = self.configs.loc[config]
        return f"{row['hidden_layer_sizes']} {row['activation']}"


class Architecture(Study):
    name = "architecture"
    title = "Architecture"
    order = 20
    section = "architecture"
    question = ("Which network? Depth, width and activation, every configuration over several seeds; among those the"
                " seeds cannot tell apart from the best, the simplest, scored once on the test set.")
    description = ("Depth 1-3, widths 16-256, activations logistic, tanh, relu, leaky_relu and elu (adam, up to 200"
                   " epochs, 3 seeds); of the configurations the seeds cannot tell apart from the best, the simplest"
                   " is then scored once on the test set.")
    notebook = r"""Depth, width and activation, every configuration over several seeds (adam, up to 200 epochs), scored by mean
**validation** accuracy. One image of the 288 validation digits is 0.35 points, and the seeds disagree by about as
much: so the study does not crown the highest mean. It finds the configurations the seeds cannot tell apart from
the best (a paired t-test over 3 or more seeds; within one standard error with 2), takes the simplest of them (the
fewest weights), and only then looks at the test set, once, for that configuration. The grid is a reduced version of
the `architecture` preset (whose full grid of 110 configurations is `digitnet sweep --preset architecture`)."""
    grid = {"hidden_layer_sizes": architectures(), "activation": ["logistic", "tanh", "relu", "leaky_relu", "elu"]}
    base_params = {"solver": "adam", "max_iter": 200}
    varied = ("hidden_layer_sizes", "activation")
    select = True
    full = Settings(grid={"hidden_layer_sizes": list(REPORT_ARCHITECTURES), "activation": list(REPORT_ACTIVATIONS)})
    quick = Settings(seeds=2, grid={"hidden_layer_sizes": [(32,), (64,), (64, 32)], "activation": ["tanh", "relu"]},
                     params={"max_iter": 20})
    captions = (("architecture", "Validation accuracy of every architecture: one panel per depth, one line per"
                 " activation (mean ± std over the seeds)."),)
    twin = "architecture.js"

    def read(self, result, split):
        n_features, n_classes = split.X_train.shape[1], len(split.classes)
        configs = by_config(result.runs)
        return ArchitectureReading(result, result.best, configs,
                                   finished(result.runs).groupby("config")["val_accuracy"].std(),
                                   {c: count_weights(result.params[c], n_features, n_classes) for c in configs.index})

    def conclusion(self, reading):
        """Which configurations the seeds cannot tell apart from the best, the simplest of them, and its test score."""
        best, result = reading.selection, reading.result
        n_seeds = len(result.config.seeds)
        top = best.best_config
        text = (f"Of the {len(reading.configs)} configurations tried, {reading.name(top)} had the best mean validation"
                f" accuracy, {pct(best.best_val_accuracy)} over {n_seeds} seed{'s' if n_seeds != 1 else ''}")
        others = [c for c in best.tied if c != top]
        if others:
            shown = ", ".join(reading.name(c) for c in others[:6]) + (f" and {len(others) - 6} more"
                                                                      if len(others) > 6 else "")
            text += (f"; {len(others)} other{'s' if len(others) != 1 else ''} ({shown}) cannot be told apart from it"
                     f" (tied: {best.rule})")
        else:
            text += f"; no other configuration is tied with it (tied would mean: {best.rule})"
        chosen = ("it," if best.config == top and not others else
                  f"the simplest of {'them' if others else 'it'}, {reading.name(best.config)}"
                  f" ({best.n_weights:,} weights),")
        over = f"mean over the {n_seeds} seeds" if n_seeds > 1 else "one seed"
        return (f"{text}. Chosen: {chosen} which scored {pct(best.test_accuracy)} on the test set ({over}), looked"
                f" at once for this configuration only.")

    def findings(self, reading):
        return {"chosen": reading.selection.config, "tied": tuple(sorted(reading.selection.tied))}

    def quoted(self, reading):
        return [reading.selection.config]

    def figures(self, reading):
        return {"architecture": architecture_plot(reading.result.runs)}

    def page(self, reading):
        best = reading.selection
        return {"configs": [{"name": f"{row['hidden_layer_sizes']} {row['activation']}",
                             "depth": len(str(row["hidden_layer_sizes"]).split("-")), "activation": row["activation"],
                             "mean": row["val_accuracy"], "std": reading.std.get(config, np.nan),
                             "n_weights": reading.n_weights[config],
                             "tied": config in best.tied, "chosen": config == best.config}
                            for config, row in reading.configs.iterrows()]}


register(Architecture())
