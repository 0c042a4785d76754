"""The initialization study: small_normal, glorot and he weights, for sigmoid and relu networks of 1 and 3 layers.

Which initial weights? Two different things can go wrong at the start, and the study measures both
with the network's own forward and backward passes (:mod:`digitnet.nn.network`):

- *Symmetry*: units that start identical stay identical. With every weight equal (zeros, or any one
  value), the units of a layer compute the same thing and receive the same gradient, so no step can
  make them differ (:func:`symmetry`). Random weights, small_normal's included, break the symmetry.
- *Vanishing signal*: weights too small for the layer shrink the signal on the way forward and the
  gradient on the way back, layer by layer (:func:`start_spreads`: each layer's activation spread and
  gradient spread at the start). A sigmoid passes back at most a quarter of what it receives
  (σ'(z) = σ(z)(1 − σ(z)) ≤ 1/4), so a deep sigmoid network needs weights large enough to make up for it.

Then every network is trained by full-batch gradient descent and the study states, as effect
claims, whether its loss leaves the plateau at log 10 (a uniform guess) within the epochs it
trains: only when every replication (both halves of the seeds, 95% of resamples of them) agrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..experiments.analysis import CurveSummary, histories_of, last_finite, mean_curve
from ..experiments.params import DEFAULTS, format_layers, hidden_layers
from ..experiments.results import SweepResult
from ..nn import activations
from ..nn.network import backward_pass, forward_pass, initialize_weights
from ..plots import mean_band
from ..plots.style import FALLBACK_COLORS, new_figure
from ..words import pct
from .base import Settings, Study
from .claims import Claim
from .common import GRADIENT_DESCENT, curve_points
from .initialization_flow import flow_text, gradient_flow_figure, gradient_flow_over_epochs
from .registry import register
from .replication import replicate

INITS = ("small_normal", "glorot", "he")
ACTIVATIONS_TRIED = ("logistic", "relu")
#: The deep network whose spreads at the start are measured.
DEEP = (32, 32, 32)
#: The loss of a uniform guess over 10 digits, and the plateau's edge: a loss below 90% of it has left the plateau.
UNIFORM = math.log(10)
PLATEAU = 0.9 * UNIFORM
LEAVES, STAYS, SOME = "leaves the plateau", "stays on the plateau", "leaves the plateau on some seeds only"
#: Every equal starting weight of :func:`symmetry` (any one value gives the same: units that start identical).
EQUAL_WEIGHT = 0.01


def activation_spread(X, params, seed=0, n_classes=10):
    """The standard deviation of each hidden layer's activations at initialization, on the rows ``X``.

    A layer whose activations all have the same value (a spread near 0, or sigmoid units all near
    0.5) passes on no information about its input.
    """
    sizes = [X.shape[1], *hidden_layers(params), n_classes]
    activation = params.get("activation", DEFAULTS["activation"])
    _, weights, biases = initialize_weights(
        sizes, activation, params.get("weight_init", "glorot"), np.random.default_rng(seed), X.dtype
    )
    spreads, A = [], X
    for W, b in zip(weights[:-1], biases[:-1]):
        A = activations.get(activation).apply(A @ W + b)
        spreads.append(float(A.std()))
    return spreads


@dataclass
class LayerSpreads:
    """One initialization and activation of the deep network at the start, layer by layer (means over seeds).

    Attributes
    ----------
    activation : list of float
        The standard deviation of each hidden layer's activations over the rows and units.
    gradient : list of float
        The standard deviation of ∂J/∂W of each layer (the hidden layers, then the output layer).
    derivative : list of float
        The typical size (root mean square) of f′(Z) of each hidden layer: a sigmoid's is at most 1/4, a relu's the
        square root of the share of active units.
    weight : list of float
        The standard deviation of each layer's starting weights.
    """

    activation: list
    gradient: list
    derivative: list
    weight: list


def _one_hot(y, classes, dtype):
    return (np.asarray(y)[:, None] == np.asarray(classes)[None, :]).astype(dtype)


def start_spreads(X, y, classes, activation, init, hidden=DEEP, seeds=(0,)) -> LayerSpreads:
    """Each layer's activation and gradient spread at the start (:class:`LayerSpreads`), from the network's forward
    and backward passes on the rows ``X`` (labels ``y``), averaged over starting weights drawn with ``seeds``."""
    sizes = [X.shape[1], *hidden, len(classes)]
    Y = _one_hot(y, classes, X.dtype)
    measured = []
    for seed in seeds:
        _, weights, biases = initialize_weights(sizes, activation, init, np.random.default_rng(seed), X.dtype)
        A = forward_pass(X, weights, biases, activation)
        grads, _ = backward_pass(A, Y, weights, activation)
        measured.append(
            (
                [a.std() for a in A[1:-1]],
                [g.std() for g in grads],
                [np.sqrt(np.mean(activations.DERIVATIVES[activation](a) ** 2)) for a in A[1:-1]],
                [w.std() for w in weights],
            )
        )
    return LayerSpreads(*([float(v) for v in np.mean(part, axis=0)] for part in zip(*measured)))


def symmetry(X, y, classes, activation="logistic", hidden=DEEP, seed=0) -> dict:
    """How different the gradients of a layer's units are at the start: for each hidden layer, the largest
    difference between two units' incoming weight gradients, relative to the layer's largest gradient.

    Returns
    -------
    dict
        ``"equal"`` (every weight :data:`EQUAL_WEIGHT`, biases 0: the units start identical) and ``"small_normal"``
        -> one number per hidden layer. 0 (to round-off) means the units can never come apart.
    """
    sizes = [X.shape[1], *hidden, len(classes)]
    Y = _one_hot(y, classes, X.dtype)
    out = {}
    for name in ("equal", "small_normal"):
        _, weights, biases = initialize_weights(sizes, activation, "small_normal", np.random.default_rng(seed), X.dtype)
        if name == "equal":
            for W in weights:
                W[...] = EQUAL_WEIGHT
        grads, _ = backward_pass(forward_pass(X, weights, biases, activation), Y, weights, activation)
        out[name] = [
            float(np.abs(g - g[:, :1]).max() / max(np.abs(g).max(), np.finfo(g.dtype).tiny)) for g in grads[:-1]
        ]
    return out


def plateau_exit(curve) -> int | None:
    """The first epoch (from 1) whose loss is below :data:`PLATEAU`, or None."""
    below = np.flatnonzero(np.asarray(curve, dtype=float) < PLATEAU)
    return int(below[0]) + 1 if below.size else None


def leaves(exits) -> str:
    """What a set of seeds says of one network: every seed left the plateau, none did, or some did."""
    left = [e is not None and np.isfinite(e) for e in exits]
    return LEAVES if all(left) else STAYS if not any(left) else SOME


@dataclass
class InitArm:
    """One initialization x activation x depth: its mean loss curve, where each seed left the plateau, whether every
    replication agrees on that, and its cross-validated accuracy."""

    init: str
    activation: str
    layers: str
    loss: CurveSummary | None
    exits: list  # per seed: the first epoch below the plateau, or None
    plateau_exit: int | None  # that of the mean curve
    verdict: object  # Verdict: LEAVES, STAYS or SOME, and whether it replicates
    val_accuracy: float


@dataclass
class InitializationReading:
    result: SweepResult
    spreads: dict  # (weight_init, activation) -> LayerSpreads of the deep network
    symmetry: dict  # symmetry() of the deep sigmoid network
    arms: list
    epochs: int
    plateau: float
    claims: list


def read_arms(result) -> list[InitArm]:
    """Every network of the sweep, with its plateau exits per seed and their verdict."""
    runs, groups = result.runs, []
    keys = ["weight_init", "activation", "hidden_layer_sizes"]
    for key, group in runs.groupby(keys, sort=False):
        exits = [
            plateau_exit(result.curves[r].get("loss", [])) if r in result.curves else None for r in group["run_id"]
        ]
        groups.append((key, group, exits))
    table = pd.DataFrame(
        [[np.inf if e is None else e for e in exits] for _, _, exits in groups], index=range(len(groups))
    )
    verdicts = replicate(lambda t: {i: leaves(row) for i, row in enumerate(t.to_numpy())}, table)
    arms = []
    for i, ((init, activation, layers), group, exits) in enumerate(groups):
        summary = mean_curve(histories_of(group, result.curves), "loss")
        arms.append(
            InitArm(
                init,
                activation,
                format_layers(layers),
                summary,
                exits,
                plateau_exit(summary.mean) if summary is not None else None,
                verdicts[i],
                float(group["val_accuracy"].mean()),
            )
        )
    return arms


def exit_claims(arms, epochs, study="initialization") -> list:
    """One effect claim per network: whether its loss leaves the plateau within ``epochs`` (supported when every
    replication agrees)."""
    claims = []
    for a in arms:
        when = ", ".join("never" if e is None else str(e) for e in a.exits)
        claims.append(
            Claim(
                study,
                "effect",
                f"{a.init} weights, {a.activation}, {a.layers}: the training loss",
                [a.verdict.value],
                a.verdict.supported,
                f"training loss within {epochs} epochs",
                agreement=a.verdict.agreement,
                note=f"{a.init} weights, {a.activation} units, {a.layers}: the loss {a.verdict.value}"
                f" within {epochs} epochs (epoch per seed: {when})",
            )
        )
    return claims


def _layers(values, fmt="{:.2g}"):
    return " → ".join(fmt.format(v) for v in values)


def _share(value):
    return "exactly 0" if value == 0 else f"{value:.1g}"


def symmetry_text(sym, units=DEEP[0]) -> str:
    """Symmetry, from :func:`symmetry`'s measurements."""
    if not sym:
        return ""
    return (
        f"Two different problems can stall a network at the start. Symmetry: units that start identical stay"
        f" identical. With every weight equal (zeros, or any one value) the {units} units of each hidden layer get"
        f" the same gradient (measured on the sigmoid network: the largest difference between two units' gradients"
        f" is {_share(max(sym['equal']))} of the layer's largest), so no step can make them differ and each layer"
        f" works as one unit. Random weights break the symmetry, small_normal's too (differences of"
        f" {min(sym['small_normal']):.0%} to {max(sym['small_normal']):.0%} of the largest gradient): its problem"
        f" is not symmetry but scale."
    )


def vanishing_text(spreads) -> str:
    """Vanishing signal with small_normal weights, from the measured spreads."""
    relu, sigmoid, he = (
        spreads.get(k) for k in (("small_normal", "relu"), ("small_normal", "logistic"), ("he", "relu"))
    )
    if relu is None or sigmoid is None or he is None:
        return ""
    return (
        f" Vanishing signal: weights of 0.01 shrink what passes through every layer. With small_normal weights"
        f" the spread of the relu network's activations falls {_layers(relu.activation)} over its three hidden"
        f" layers, and the sigmoid network's units all sit near 0.5 (spreads {_layers(sigmoid.activation)});"
        f" the gradient of the first layer's weights is {sigmoid.gradient[0]:.1e} (sigmoid) and"
        f" {relu.gradient[0]:.1e} (relu), against {he.gradient[0]:.1e} with he weights (relu): the loss waits on its"
        f" plateau until the weights have grown."
    )


def _glorot_outcome(arms, epochs):
    """What the exit claim says of glorot weights on the deep sigmoid network, as the start of a sentence."""
    arm = next(
        (a for a in arms if (a.init, a.activation, a.layers) == ("glorot", "logistic", format_layers(DEEP))), None
    )
    if arm is None or not arm.verdict.supported or arm.verdict.value == SOME:
        return "Glorot weights struggle on the three-layer sigmoid network"
    if arm.verdict.value == STAYS:
        return f"Glorot weights fail on the three-layer sigmoid network (its loss stays on the plateau for {epochs} epochs)"
    return f"Glorot weights leave the plateau on the three-layer sigmoid network only at epochs {_epochs(arm.exits)}"


def glorot_sigmoid_text(spreads, arms=(), epochs=0, units=DEEP[0]) -> str:
    """Why glorot weights struggle on the three-layer sigmoid network (as its exit claim says), from the measured
    spreads."""
    glorot, he, relu = (spreads.get(k) for k in (("glorot", "logistic"), ("he", "logistic"), ("glorot", "relu")))
    if glorot is None or he is None or relu is None:
        return ""
    bound = math.sqrt(2 / (2 * units))
    gain = {
        name: math.sqrt(units) * s.weight[1] * s.derivative[1]
        for name, s in (("glorot", glorot), ("he", he), ("relu", relu))
    }
    return (
        f" {_glorot_outcome(arms, epochs)}, for the same reason, less extremely."
        f" scikit-learn draws a sigmoid layer's weights in ±√(2/(fan_in + fan_out)) (±{bound:.2f} for {units} →"
        f" {units} units, √3 narrower than for other activations: a standard deviation of {glorot.weight[1]:.2f}),"
        f" and the logistic's derivative is at most 1/4 (here about {glorot.derivative[1]:.2f}). Each sigmoid"
        f" layer thus passes back about √{units} × {glorot.weight[1]:.2f} × {glorot.derivative[1]:.2f} ≈"
        f" {gain['glorot']:.2f} of the error it receives: measured, the gradient spread falls from"
        f" {glorot.gradient[-1]:.1e} at the output layer to {_layers(glorot.gradient[-2::-1], '{:.1e}')} down to"
        f" the first hidden layer, and the activations' spread from {_layers(glorot.activation)}, so the last"
        f" hidden layer says nearly the same thing for every digit. He weights (a standard deviation of"
        f" {he.weight[1]:.2f}) pass back about {gain['he']:.2f} per sigmoid layer, relu units with glorot weights"
        f" (derivative 1 where active) about {gain['relu']:.2f}."
    )


def _epochs(exits) -> str:
    """The epochs at which the seeds left the plateau: ``12`` or ``10–14``."""
    left = [e for e in exits if e is not None]
    return "" if not left else f"{min(left)}" if min(left) == max(left) else f"{min(left)}–{max(left)}"


def exits_text(arms, epochs) -> str:
    """Which networks left the plateau, from the exit claims: those every replication agrees on, then the others."""

    def named(a):
        when = f" (epoch {_epochs(a.exits)})" if a.verdict.value == LEAVES else ""
        return f"{a.init} {a.activation} {a.layers}{when}"

    sure = {v: [named(a) for a in arms if a.verdict.supported and a.verdict.value == v] for v in (LEAVES, STAYS)}
    unsure = [
        f"{a.init} {a.activation} {a.layers} (left at epoch "
        + ", ".join("never" if e is None else str(e) for e in a.exits)
        + ")"
        for a in arms
        if not a.verdict.supported
    ]
    text = (
        f" Trained by full-batch gradient descent at 0.1, the loss starts on a plateau at log 10 = {UNIFORM:.2f}"
        f" nats. Within {epochs} epochs, on every replication, it left the plateau (fell below 90% of it) for "
        + ("; ".join(sure[LEAVES]) or "no network")
        + ", and stayed on it for "
        + ("; ".join(sure[STAYS]) or "no network")
        + "."
    )
    if unsure:
        text += " Not every replication agrees on " + "; ".join(unsure) + "."
    return text


def _original_text(arms, epochs):
    by = {(a.init, a.activation, a.layers): a for a in arms}
    original, glorot = by.get(("small_normal", "logistic", "32")), by.get(("glorot", "logistic", "32"))
    if original is None or glorot is None:
        return ""

    def when(a):
        if a.verdict.value == LEAVES:
            return f"left it at epoch {_epochs(a.exits)}"
        if a.verdict.value == STAYS:
            return f"did not leave it within {epochs} epochs"
        return f"left it at epoch {_epochs(a.exits)} on some seeds only"

    return (
        f" The original project's network (small_normal, sigmoid, 32 units) {when(original)}; with glorot weights"
        f" it {when(glorot)}."
    )


class Initialization(Study):
    name = "initialization"
    title = "Initialization"
    order = 90
    question = (
        "Which initial weights? small_normal (N(0, 0.01²), the original project's), glorot"
        " (scikit-learn's: uniform in ±√(6/(fan_in + fan_out)), ±√(2/(fan_in + fan_out)) for sigmoid units)"
        " and he (N(0, 2/fan_in)), for sigmoid and relu networks of one and of three hidden layers of 32"
        " units: each layer's activation and gradient spread at the start, and whether the loss leaves its"
        " plateau at log 10 within the epochs trained."
    )
    metric = "training loss: the first epoch below 90% of log 10 (leaving the plateau)"
    margin = UNIFORM - PLATEAU
    description = (
        "Initial weights small_normal (the original project's N(0, 0.01^2)), glorot and he, for sigmoid"
        " and relu networks of 1 and 3 layers of 32 units: activation and gradient spread per layer at the"
        " start, and full-batch gradient descent at 0.1 for 600 epochs."
    )
    notebook = r"""Which initial weights? `small_normal` ($N(0, 0.01^2)$, the original project's), `glorot` (scikit-learn's, uniform in
$\pm\sqrt{6/(n_{l-1} + n_l)}$, or $\pm\sqrt{2/(n_{l-1} + n_l)}$ for sigmoid units) and `he` ($N(0, 2/n_{l-1})$), for
sigmoid and relu networks of one and three layers of 32 units. Two problems are told apart. *Symmetry*: units that
start identical (every weight equal) get identical gradients and stay identical; random weights, even tiny ones, break
it. *Vanishing signal*: weights too small for the layer shrink the activations forward and the gradient backward, layer
by layer; a sigmoid passes back at most $\sigma'(z) \le 1/4$ of what it receives. The study measures each layer's
activation and gradient spread at the start with the network's own forward and backward passes, and states whether
the loss leaves its plateau at $\log 10$ only when every replication agrees."""
    grid = {"weight_init": list(INITS), "activation": list(ACTIVATIONS_TRIED), "hidden_layer_sizes": [(32,), DEEP]}
    base_params = {**GRADIENT_DESCENT, "learning_rate_init": 0.1, "max_iter": 600}
    varied = ("weight_init", "activation", "hidden_layer_sizes")
    cv = 3
    full = Settings(seeds=3)
    quick = Settings(seeds=2, params={"max_iter": 150})
    captions = (
        (
            "initialization_spreads",
            "Each layer of the 3-layer networks at the start: the spread (standard"
            " deviation) of its activations and of its weights' gradient, per initialization and activation.",
        ),
        (
            "initialization_gradient_flow",
            "Each layer's gradient norm over the epochs of the 3-layer networks"
            " (first seed): vanishing gradients made visible, and how long they last.",
        ),
        ("initialization", "The training loss per epoch of every network, the plateau's edge (90% of log 10) dotted."),
    )
    twin = "initialization.js"

    def measure(self, result, split):
        return {"gradient_flow": gradient_flow_over_epochs(result, split, INITS, ACTIVATIONS_TRIED, DEEP)}

    def read(self, result, split):
        seeds = tuple(result.config.seeds or (0,))
        spreads = {
            (init, act): start_spreads(split.X_train, split.y_train, split.classes, act, init, seeds=seeds)
            for init in INITS
            for act in ACTIVATIONS_TRIED
        }
        sym = symmetry(split.X_train, split.y_train, split.classes, "logistic")
        arms = read_arms(result)
        epochs = int(result.runs["n_iter"].max())
        return InitializationReading(result, spreads, sym, arms, epochs, PLATEAU, exit_claims(arms, epochs, self.name))

    def table(self, reading):
        rows = []
        for a in reading.arms:
            spread = reading.spreads.get((a.init, a.activation)) if a.layers == format_layers(DEEP) else None
            rows.append(
                {
                    "initial weights": a.init,
                    "activation": a.activation,
                    "hidden layers": a.layers,
                    "activation spread per layer": "" if spread is None else _layers(spread.activation),
                    "gradient spread per layer": "" if spread is None else _layers(spread.gradient, "{:.1e}"),
                    "left the plateau at epoch (per seed)": ", ".join(
                        "never" if e is None else str(e) for e in a.exits
                    ),
                    "every replication agrees": "yes" if a.verdict.supported else "no",
                    "final training loss": last_finite(a.loss.mean) if a.loss is not None else np.nan,
                    "cross-validated accuracy": pct(a.val_accuracy),
                }
            )
        return pd.DataFrame(rows)

    def conclusion(self, reading):
        """Symmetry and vanishing signal told apart, from the measured spreads; which networks left the plateau, from
        the claims; why glorot fails on the 3-layer sigmoid network."""
        return (
            symmetry_text(reading.symmetry)
            + vanishing_text(reading.spreads)
            + exits_text(reading.arms, reading.epochs)
            + glorot_sigmoid_text(reading.spreads, reading.arms, reading.epochs)
            + _original_text(reading.arms, reading.epochs)
            + flow_text(reading.result.extra.get("gradient_flow") or {})
        ).strip()

    def figures(self, reading):
        flow = reading.result.extra.get("gradient_flow") or {}
        return {
            "initialization_spreads": spreads_figure(reading),
            **({"initialization_gradient_flow": gradient_flow_figure(flow, INITS, ACTIVATIONS_TRIED)} if flow else {}),
            "initialization": initialization_figure(reading),
        }

    def page(self, reading):
        return {
            "groups": [
                {
                    "name": f"{a.init} {a.activation} {a.layers}",
                    "curve": curve_points(a.loss),
                    "exits": a.exits,
                    "supported": a.verdict.supported,
                }
                for a in reading.arms
            ],
            "spreads": [
                {"init": init, "activation": act, "activation_spread": s.activation, "gradient_spread": s.gradient}
                for (init, act), s in reading.spreads.items()
            ],
        }


def spreads_figure(reading, title=None):
    """One panel per initialization (columns) and activation (rows): each layer's activation spread and gradient
    spread at the start, on a log scale, so a signal that shrinks layer by layer is a falling line."""
    spreads = reading.spreads
    inits = list(dict.fromkeys(k[0] for k in spreads))
    activations = list(dict.fromkeys(k[1] for k in spreads))
    fig = new_figure(4.0 * len(inits), 3.4 * len(activations))
    axes = np.atleast_2d(fig.subplots(len(activations), len(inits), sharey=True, squeeze=False))
    for r, activation in enumerate(activations):
        for c, init in enumerate(inits):
            ax, s = axes[r, c], spreads[init, activation]
            hidden = np.arange(1, len(s.activation) + 1)
            ax.plot(hidden, s.activation, "o-", color="#332288", label="activations (hidden layers)")
            ax.plot(
                np.arange(1, len(s.gradient) + 1),
                s.gradient,
                "s--",
                color="#CC3311",
                label="∂J/∂W (hidden layers, then output)",
            )
            ax.set_yscale("log")
            ax.set_xticks(range(1, len(s.gradient) + 1), [*map(str, hidden), "out"])
            ax.set_title(f"{init}, {activation}", fontsize="medium")
            ax.set_xlabel("layer")
            ax.set_ylabel("std at the start (log scale)")
            ax.grid(True, alpha=0.3)
    axes[0, 0].legend(fontsize="x-small", loc="lower left")
    fig.suptitle(
        title
        or f"Each layer's spread at the start ({format_layers(DEEP)} networks): activations forward, gradients backward"
    )
    return fig


def initialization_figure(reading, title=None):
    """The training loss per epoch of each initialization and activation, one panel per depth."""
    runs, curves = reading.result.runs, reading.result.curves
    depths = list(dict.fromkeys(runs["hidden_layer_sizes"].astype(str)))
    fig = new_figure(12.0, 4.8)
    axes = np.atleast_1d(fig.subplots(1, len(depths), sharey=True, squeeze=False)[0])
    colors = {init: FALLBACK_COLORS[i] for i, init in enumerate(INITS)}
    styles = {"logistic": "-", "relu": "--"}
    for ax, depth in zip(axes, depths):
        mine = runs[runs["hidden_layer_sizes"].astype(str) == depth]
        for (init, activation), group in mine.groupby(["weight_init", "activation"], sort=False):
            mean_band(
                ax,
                lambda e: e,
                histories_of(group, curves),
                "loss",
                colors.get(init, "0.5"),
                styles.get(activation, ":"),
                label=f"{init}, {activation}",
            )
        ax.axhline(PLATEAU, color="0.4", lw=0.8, ls=":", label="the plateau's edge (90% of log 10)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("epoch (log scale)")
        ax.set_ylabel("training loss (nats, log scale)")
        ax.set_title(f"hidden layers {depth}", fontsize="medium")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="x-small")
    fig.suptitle(title or "The training loss from each initialization: which networks leave the plateau at log 10")
    return fig


register(Initialization())
