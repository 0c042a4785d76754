"""The initialization study: small_normal, glorot and he weights, for sigmoid and relu networks of 1 and 3 layers.

Which initial weights? Tiny weights leave every unit of a deep network saying nearly the same
thing (:func:`activation_spread`), the gradient that flows back is as flat, and the loss stays on
its plateau at log 10 until the weights have grown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..experiments.analysis import CurveSummary, histories_of, last_finite, mean_curve
from ..experiments.params import DEFAULTS, hidden_layers
from ..experiments.results import SweepResult
from ..nn import activations
from ..nn.network import initialize_weights
from ..plots import mean_band
from ..plots.style import FALLBACK_COLORS, mpl_ticker, new_figure
from ..words import pct
from .base import Settings, Study
from .common import GRADIENT_DESCENT, curve_points
from .registry import register

INITS = ("small_normal", "glorot", "he")
ACTIVATIONS_TRIED = ("logistic", "relu")
#: The deep network whose activation spread at the start is measured.
DEEP = (32, 32, 32)


def activation_spread(X, params, seed=0, n_classes=10):
    """The standard deviation of each hidden layer's activations at initialization, on the rows ``X``.

    A layer whose activations all have the same value (a spread near 0, or sigmoid units all near
    0.5) passes on no information about its input, and the gradient back through it is as flat:
    training stalls until the weights have grown.
    """
    sizes = [X.shape[1], *hidden_layers(params), n_classes]
    activation = params.get("activation", DEFAULTS["activation"])
    _, weights, biases = initialize_weights(sizes, activation, params.get("weight_init", "glorot"),
                                            np.random.default_rng(seed), X.dtype)
    spreads, A = [], X
    for W, b in zip(weights[:-1], biases[:-1]):
        A = activations.get(activation).apply(A @ W + b)
        spreads.append(float(A.std()))
    return spreads


def initialization_spreads(split, hidden=DEEP, seed=0):
    """The activation spread of each hidden layer at the start, for each initialization and activation."""
    return {(init, activation): activation_spread(split.X_train, {"hidden_layer_sizes": hidden,
                                                                  "activation": activation, "weight_init": init}, seed)
            for init in INITS for activation in ACTIVATIONS_TRIED}


@dataclass
class InitArm:
    """One initialization x activation x depth: its mean loss curve, where it left the plateau, its accuracy."""

    init: str
    activation: str
    layers: str
    loss: CurveSummary | None
    plateau_exit: int | None  # the first epoch with the mean loss below the plateau (None: never)
    val_accuracy: float


@dataclass
class InitializationReading:
    result: SweepResult
    spreads: dict  # (weight_init, activation) -> spread of each hidden layer of the deep network
    arms: list
    epochs: int
    plateau: float


class Initialization(Study):
    name = "initialization"
    title = "Initialization"
    order = 90
    question = ("Which initial weights? small_normal (N(0, 0.01²), the original project's), glorot"
                " (scikit-learn's: uniform in ±√(6/(fan_in + fan_out))) and he (N(0, 2/fan_in)), for sigmoid"
                " and relu networks of one and of three hidden layers of 32 units.")
    description = ("Initial weights small_normal (the original project's N(0, 0.01^2)), glorot and he, for sigmoid"
                   " and relu networks of 1 and 3 layers of 32 units, full-batch gradient descent at 0.1 for 1000"
                   " epochs.")
    notebook = r"""Which initial weights? `small_normal` ($N(0, 0.01^2)$, the original project's), `glorot` (scikit-learn's, uniform in
$\pm\sqrt{6/(n_{l-1} + n_l)}$) and `he` ($N(0, 2/n_{l-1})$), for sigmoid and relu networks of one and three layers of
32 units: how spread each layer's activations are at the start, and how long the loss stays on its plateau at
$\log 10$."""
    grid = {"weight_init": list(INITS), "activation": list(ACTIVATIONS_TRIED),
            "hidden_layer_sizes": [(32,), DEEP]}
    base_params = {**GRADIENT_DESCENT, "learning_rate_init": 0.1, "max_iter": 1000}
    varied = ("weight_init", "activation", "hidden_layer_sizes")
    quick = Settings(seeds=2, params={"max_iter": 150})
    captions = (("initialization", "Left: the spread of each hidden layer's activations at the start;"
                 " right: the loss of the 3-layer networks."),)
    twin = "initialization.js"

    def read(self, result, split):
        plateau = math.log(10) * 0.9
        arms = []
        for (init, activation, layers), group in result.runs.groupby(["weight_init", "activation",
                                                                       "hidden_layer_sizes"], sort=False):
            summary = mean_curve(histories_of(group, result.curves), "loss")
            below = np.flatnonzero(summary.mean < plateau) if summary is not None else np.array([])
            arms.append(InitArm(init, activation, layers, summary, int(below[0]) + 1 if below.size else None,
                                float(group["val_accuracy"].mean())))
        return InitializationReading(result, initialization_spreads(split), arms, int(result.runs["n_iter"].max()),
                                     plateau)

    def table(self, reading):
        rows = []
        for a in reading.arms:
            spread = reading.spreads.get((a.init, a.activation)) if str(a.layers).count("-") == 2 else None
            rows.append({"initial weights": a.init, "activation": a.activation, "hidden layers": a.layers,
                         "activation spread at the start": "" if spread is None else
                         ", ".join(f"{v:.2g}" for v in spread),
                         "loss after epoch 1": a.loss.mean[0], "final training loss": last_finite(a.loss.mean),
                         "validation accuracy": pct(a.val_accuracy)})
        return pd.DataFrame(rows)

    def conclusion(self, reading):
        """How spread the activations are at the start for each initialization, and which networks stalled."""
        exits = {(a.init, a.activation, a.layers): a.plateau_exit for a in reading.arms}
        epochs = reading.epochs
        deep = {k: v for k, v in reading.spreads.items() if v}
        text = ""
        if deep:
            flattest = min(deep, key=lambda k: deep[k][-1])
            text = ("At the start, the spread of the last hidden layer's activations is "
                    + ", ".join(f"{i} {a} {v[-1]:.2g}" for (i, a), v in deep.items())
                    + f": with {flattest[0]} weights and {flattest[1]} units every unit says nearly the same thing,"
                    " and the gradient that flows back is as flat. ")
        parts = [f"{i} {a} {layers}: " + (f"epoch {e}" if e else f"never in {epochs}")
                 for (i, a, layers), e in exits.items()]
        text += ("The loss starts on a plateau near log 10 = 2.30; the epoch at which each network's mean loss fell"
                 " below 90% of it — " + "; ".join(parts) + ".")
        original, glorot = (exits.get((init, "logistic", "32")) for init in ("small_normal", "glorot"))
        if ("small_normal", "logistic", "32") in exits and ("glorot", "logistic", "32") in exits:
            text += (" The original project's network (small_normal, sigmoid, 32 units) "
                     + (f"left it at epoch {original}" if original else f"never left it in {epochs} epochs")
                     + ", with glorot weights " + (f"at epoch {glorot}" if glorot else "never") + ".")
        return text

    def findings(self, reading):
        return {"left the plateau": tuple(f"{a.init} {a.activation} {a.layers}" for a in reading.arms
                                          if a.plateau_exit is not None)}

    def figures(self, reading):
        return {"initialization": initialization_figure(reading)}

    def page(self, reading):
        return {"groups": [{"name": f"{a.init} {a.activation} {a.layers}", "curve": curve_points(a.loss)}
                           for a in reading.arms]}


def initialization_figure(reading, title=None):
    """Left: how spread each hidden layer's activations are at the start, per initialization; right: the
    training loss of the 3-layer networks over the epochs, per initialization."""
    spreads, runs, curves = reading.spreads, reading.result.runs, reading.result.curves
    fig = new_figure(12.0, 4.8)
    left, right = fig.subplots(1, 2)
    inits = list(dict.fromkeys(k[0] for k in spreads))
    styles = {"logistic": "-", "relu": "--"}
    colors = {init: FALLBACK_COLORS[i] for i, init in enumerate(inits)}
    for (init, activation), values in spreads.items():
        left.plot(range(1, len(values) + 1), values, styles.get(activation, ":"), marker="o", color=colors[init],
                  label=f"{init}, {activation}")
    left.set_yscale("log")
    left.set_xlabel("hidden layer")
    left.set_ylabel("std of the layer's activations at the start\n(log scale)")
    left.xaxis.set_major_locator(mpl_ticker.MaxNLocator(integer=True))
    deep = runs[runs["hidden_layer_sizes"].astype(str).str.count("-") >= 2]
    for (init, activation), mine in deep.groupby(["weight_init", "activation"], sort=False):
        mean_band(right, lambda e: e, histories_of(mine, curves), "loss", colors.get(init, "0.5"),
                  styles.get(activation, ":"), label=f"{init}, {activation}")
    right.set_yscale("log")
    right.set_xlabel("epoch")
    right.set_ylabel("training loss (nats, log scale)")
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="x-small")
    left.set_title("at the start", fontsize="medium")
    right.set_title("training", fontsize="medium")
    fig.suptitle(title or "Initial weights of a network of 3 hidden layers of 32 units: the activations' spread"
                 " at the start, and the training loss")
    return fig


register(Initialization())
