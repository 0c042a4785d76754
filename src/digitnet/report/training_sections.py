"""The report's "Training parameters" section: one subsection per study (template ``study.html``).

Each subsection says what the study varies, with which settings, shows a table of its readings
and its figures, and ends with its conclusion (:mod:`~digitnet.report.training_conclusions`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..experiments.analysis import (
    best_rate_per, by_value, histories_of, last_finite, learning_rate_landscape, mean_curve, rises,
)
from . import training_conclusions as conclude
from .html import describe_grid, escape, figure_html, fill, html_table, params_text
from .words import finished, pct, rate

_WHAT = {
    "learning-rate": "How big a step? Plain full-batch gradient descent, θ ← θ − η ∂J/∂θ, as in the original project,"
                     " at 13 learning rates η from 0.0001 to 10 (the original project tried only 0.1 to 0.0001, and"
                     " its loop never passed the rate to the training function). A run whose loss becomes infinite,"
                     " or ten times that of its starting weights, has diverged: it is recorded with that epoch, and"
                     " drawn up to it.",
    "epochs": "How long to train? A wide network with no L2 penalty, which can fit its training digits perfectly,"
              " trained far beyond its best epoch: the training and the validation loss over the epochs.",
    "batch-size": "How many rows per step? From 1 (pure stochastic gradient descent: one digit per step) to all of"
                  " them (full-batch gradient descent), each batch size at its own best of six learning rates,"
                  " the same number of epochs: the loss per epoch, and per second of training.",
    "optimizer": "Which update rule? Plain gradient descent, classical momentum, Nesterov's momentum and Adam, on"
                 " mini-batches of 200, each at its own best of six learning rates, so that none loses for want"
                 " of its rate.",
    "momentum": "How much momentum? v ← β v − η g, θ ← θ + v: the velocity v remembers past steps. Full-batch gradient"
                " descent at one learning rate, with β from 0 (none) to 0.99.",
    "regularization": "How strong an L2 penalty? The loss adds (α/2n) Σ‖W‖², which pulls every weight towards 0; α"
                      " from 0 to 100 on a wide network.",
    "initialization": "Which initial weights? small_normal (N(0, 0.01²), the original project's), glorot"
                      " (scikit-learn's: uniform in ±√(6/(fan_in + fan_out))) and he (N(0, 2/fan_in)), for sigmoid"
                      " and relu networks of one and of three hidden layers of 32 units.",
}


def _shared(result, varied):
    return escape(params_text({k: v for k, v in result.params[0].items() if k not in (*varied, "label")}))


def _learning_rate(result):
    readings = learning_rate_landscape(result.runs, result.curves, result.n_val)
    return pd.DataFrame([{"learning rate": rate(r.rate), "region": r.region,
                           "validation accuracy": f"{pct(r.val_accuracy)} ± {100 * r.val_error:.1f}"
                           if np.isfinite(r.val_accuracy) else "n/a",
                           "final training loss": r.final_loss if r.diverged_at is None else np.nan, "loss climbed back to": f"{r.overshoot:.2f}× its lowest",
                           "diverged at epoch": "" if r.diverged_at is None else r.diverged_at} for r in readings])


def _epochs(result):
    table = finished(result.runs).groupby("max_iter")[["train_loss", "val_accuracy", "test_accuracy"]].mean()
    table = table.reset_index().rename(columns={"max_iter": "epochs", "train_loss": "training loss",
                                                "val_accuracy": "validation accuracy", "test_accuracy": "test accuracy"})
    for column in ("validation accuracy", "test accuracy"):
        table[column] = [pct(v) for v in table[column]]
    return table


def _tuned(result, group, name, seconds=False):
    rows = []
    for value, best in best_rate_per(result.runs, group).items():
        mine = result.runs[(result.runs[group] == value) & (result.runs["learning_rate_init"] == best)]
        summary = mean_curve(histories_of(mine, result.curves), "loss")
        row = {name: value, "best learning rate": rate(best),
               "final training loss": last_finite(summary[0]) if summary else np.nan,
               "validation accuracy": pct(mine["val_accuracy"].mean())}
        if seconds:
            row["ms per epoch"] = 1000 * float(np.mean(mine["fit_seconds"] / mine["n_iter"].clip(lower=1)))
        rows.append(row)
    return pd.DataFrame(rows)


def _momentum(result):
    rows = []
    for value, group in result.runs.groupby("momentum", sort=True):
        summary = mean_curve(histories_of(group, result.curves), "loss")
        curve = summary[0][np.isfinite(summary[0])] if summary else np.array([np.nan])
        rows.append({"momentum β": f"{value:g}", "final training loss": curve[-1],
                     "loss went up at": f"{rises(curve):.0%} of epochs",
                     "validation accuracy": pct(group["val_accuracy"].mean())})
    return pd.DataFrame(rows)


def _regularization(result):
    train = by_value(finished(result.runs), "alpha", "train_accuracy")
    val = by_value(finished(result.runs), "alpha", "val_accuracy")
    return pd.DataFrame([{"alpha": f"{a:g}", "training accuracy": pct(train[a][0]),
                          "validation accuracy": f"{pct(val[a][0])} ± {100 * val[a][1]:.1f}",
                          "gap (points)": f"{100 * (train[a][0] - val[a][0]):.1f}"} for a in val])


def _initialization(result, spreads):
    rows = []
    for (init, activation, layers), group in result.runs.groupby(["weight_init", "activation", "hidden_layer_sizes"],
                                                                 sort=False):
        summary = mean_curve(histories_of(group, result.curves), "loss")
        spread = spreads.get((init, activation)) if str(layers).count("-") == 2 else None
        rows.append({"initial weights": init, "activation": activation, "hidden layers": layers,
                     "activation spread at the start": "" if spread is None else ", ".join(f"{v:.2g}" for v in spread),
                     "loss after epoch 1": summary[0][0], "final training loss": last_finite(summary[0]),
                     "validation accuracy": pct(group["val_accuracy"].mean())})
    return pd.DataFrame(rows)


#: Per study: its table (``result`` -> DataFrame), the parameters it varies, and the captions of its figures
#: (by the names :func:`~digitnet.report.figures.study_figures` gives them, in order).
_TABLES = {
    "learning-rate": _learning_rate,
    "epochs": _epochs,
    "batch-size": lambda result: _tuned(result, "batch_size", "batch size", seconds=True),
    "optimizer": lambda result: _tuned(result, "label", "optimizer"),
    "momentum": _momentum,
    "regularization": _regularization,
}
_VARIED = {"learning-rate": ("learning_rate_init",), "epochs": ("max_iter",),
           "batch-size": ("batch_size", "learning_rate_init"),
           "optimizer": ("solver", "momentum", "nesterovs_momentum", "learning_rate_init"), "momentum": ("momentum",),
           "regularization": ("alpha",), "initialization": ("weight_init", "activation", "hidden_layer_sizes")}
CAPTIONS = {
    "learning-rate": [("learning_rate_landscape", "Final training loss and validation accuracy against the learning"
                       " rate, the regions shaded; circled: the original project's rates; ✕: diverged."),
                      ("learning_rate_curves", "The training loss per epoch at a few learning rates (log scales).")],
    "epochs": [("epochs_overfitting", "Training and validation loss per epoch (mean over the seeds), the epoch of"
                " lowest validation loss and what early stopping would keep.")],
    "batch-size": [("batch_size", "The training loss of each batch size at its best rate, per epoch (left) and per"
                    " second (right).")],
    "optimizer": [("optimizer", "The training loss of each optimizer at its best rate.")],
    "momentum": [("momentum", "The training loss per epoch for each momentum β (log scale).")],
    "regularization": [("regularization", "Training and validation accuracy against α (mean ± standard error).")],
    "initialization": [("initialization", "Left: the spread of each hidden layer's activations at the start;"
                        " right: the loss of the 3-layer networks.")],
}


def study_table(name, result, spreads=None):
    """The table of readings of the training-parameter study ``name``: one row per value it varies.

    Parameters
    ----------
    name : str
        One of :data:`~digitnet.report.training_conclusions.TRAINING_STUDIES`.
    result : SweepResult
    spreads : dict, optional
        For ``initialization`` (see :func:`~digitnet.report.studies.initialization_spreads`).

    Returns
    -------
    DataFrame
    """
    return _initialization(result, spreads or {}) if name == "initialization" else _TABLES[name](result)


def _study(name, result, spreads, images):
    figures = CAPTIONS[name]
    return fill("study.html", anchor=name, title=escape(conclude.TRAINING_TITLES[name]), what=escape(_WHAT[name]),
                grid=escape(describe_grid(result)), settings=_shared(result, _VARIED[name]), table=html_table(study_table(name, result, spreads), digits=4),
                figures="\n".join(figure_html(images, key, caption) for key, caption in figures),
                conclusion=escape(conclude.training_conclusion(name, result, spreads)))


def section_training(data, images):
    """The section's HTML: every study's subsection."""
    s = data.studies
    body = "\n".join(_study(name, s[name], data.spreads, images) for name in conclude.TRAINING_STUDIES)
    return fill("section_training.html", seeds=len(s["learning-rate"].config["seeds"]), n_val=len(data.split.y_val),
                n_train=len(data.split.y_train), subsections=body)
