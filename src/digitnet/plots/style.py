"""What every figure shares: colours, names, tick formats, and small helpers.

Colours are fixed across figures: :data:`COLORS` for the two models (labelled by :data:`LABELS`),
:data:`OUTCOME_COLORS` for right / wrong predictions, :data:`ACTIVATION_COLORS` for activations,
and a viridis ramp for ordered parameters such as the learning rate. All palettes are colour-blind safe.

matplotlib is imported on first use (:mod:`digitnet._lazy`): the ``mpl_*`` names below are its modules.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._lazy import lazy
from ..experiments.analysis import finite_or_nan, mean_curve  # noqa: F401 (shared by the figures)
from ..experiments.params import format_layers

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import Formatter

matplotlib = lazy("matplotlib")
mpl_colors = lazy("matplotlib.colors")
mpl_figure = lazy("matplotlib.figure")
mpl_lines = lazy("matplotlib.lines")
mpl_patches = lazy("matplotlib.patches")
mpl_ticker = lazy("matplotlib.ticker")

#: Colour of each model (Okabe-Ito blue and orange), used by every comparison figure.
COLORS = {"digitnet": "#0072B2", "sklearn": "#E69F00"}
#: How each model is named on figures.
LABELS = {"digitnet": "digitnet", "sklearn": "scikit-learn"}
#: Right and wrong predictions (Okabe-Ito bluish green and vermilion).
OUTCOME_COLORS = {"correct": "#009E73", "wrong": "#D55E00"}
#: One colour per hidden activation (Paul Tol's muted palette).
ACTIVATION_COLORS = {
    "relu": "#332288",
    "tanh": "#117733",
    "logistic": "#AA4499",
    "identity": "#888888",
    "leaky_relu": "#44AA99",
    "elu": "#CC6677",
}
FALLBACK_COLORS = ("#882255", "#999933", "#88CCEE", "#DDCC77", "#661100", "#6699CC")
#: Readable names of parameter and metric columns.
PARAM_LABELS = {
    "learning_rate_init": "learning rate",
    "max_iter": "epochs",
    "hidden_layer_sizes": "hidden layers",
    "activation": "activation",
    "batch_size": "batch size",
    "alpha": "L2 penalty α",
    "solver": "solver",
    "momentum": "momentum",
    "weight_init": "weight init",
    "label": "setting",
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
    "val_accuracy": "validation accuracy",
    "test_accuracy": "test accuracy",
    "test_f1": "test F1",
    "train_loss": "training loss",
    "fit_seconds": "fit time",
}
CURVE_AXIS_LABELS = {"loss": ("cross-entropy loss", "nats"), "accuracy": ("accuracy", "% correct")}


def new_figure(width: float, height: float) -> Figure:
    """An empty Figure of this size (inches) that lays itself out (constrained layout)."""
    return mpl_figure.Figure(figsize=(width, height), layout="constrained")


@functools.cache
def _percent_formatter_class():
    """The formatter class, made on first use (matplotlib is imported lazily, see the module docstring)."""

    class Percent(mpl_ticker.Formatter):
        """Fractions as percentages, with just enough decimals to tell the ticks apart exactly
        (97.5% and 98.0% rather than 98% twice)."""

        decimals = 0

        def set_locs(self, locs):
            super().set_locs(locs)
            values = np.asarray(locs, dtype=float) * 100
            values = values[np.isfinite(values)]
            for decimals in range(4):
                if np.allclose(values, np.round(values, decimals), rtol=0, atol=1e-6):
                    break
            self.decimals = decimals

        def __call__(self, x, pos=None):
            return f"{100 * x:.{self.decimals}f}%"

    return Percent


def percent_formatter() -> Formatter:
    """A tick formatter writing fractions as percentages, with as many decimals as the ticks need."""
    return _percent_formatter_class()()


def axis_label(name: object) -> str:
    return PARAM_LABELS.get(name, str(name).replace("_", " "))


def model_label(model: str) -> str:
    return LABELS.get(model, str(model))


def model_color(model: str, i: int = 0) -> str:
    return COLORS.get(model, FALLBACK_COLORS[i % len(FALLBACK_COLORS)])


def activation_color(name: str, i: int = 0) -> str:
    return ACTIVATION_COLORS.get(name, FALLBACK_COLORS[i % len(FALLBACK_COLORS)])


def format_value(value: object) -> str:
    """A parameter value as it should read on a figure: 0.001, 200, "64-32", "relu"."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() and abs(value) >= 1 else f"{float(value):g}"
    if isinstance(value, (tuple, list)):
        return format_layers(value)
    return str(value)


def sort_key(value: object) -> tuple[int, float, str]:
    """Order numbers (also numbers written as text, as after a CSV round trip) numerically,
    then everything else by its text."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return (0, float(value), "")
    try:
        return (0, float(value), str(value))
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def ordered_colors(values: Sequence[Any], cmap: str = "viridis") -> dict[Any, str | tuple[float, ...]]:
    """One colour per value: a ramp for ordered numbers, categorical colours otherwise."""
    values = list(values)
    numeric = all(sort_key(v)[0] == 0 for v in values)
    if numeric and len(values) > 1:
        ramp = matplotlib.colormaps[cmap]
        return {v: ramp(0.85 * i / (len(values) - 1)) for i, v in enumerate(values)}
    if numeric:
        return {values[0]: matplotlib.colormaps[cmap](0.0)}
    return {
        v: activation_color(v, i) if v in ACTIVATION_COLORS else FALLBACK_COLORS[i % len(FALLBACK_COLORS)]
        for i, v in enumerate(values)
    }


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{what} needs the column(s) {missing}; the table has {list(frame.columns)}.")


def show_message(ax: Axes, text: str, clear_ticks: bool = True) -> None:
    """Write ``text`` in the middle of an empty axes (keeping the ticks of an axes that shares them)."""
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, color="0.3", transform=ax.transAxes)
    if clear_ticks:
        ax.set_xticks([])
        ax.set_yticks([])


def text_color_on(rgba: Sequence[float]) -> str:
    """Black or white, whichever reads better on a cell of this colour."""
    r, g, b = mpl_colors.to_rgb(rgba)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def as_frame(runs: pd.DataFrame | Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    if not isinstance(runs, pd.DataFrame):
        runs = pd.DataFrame(runs)
    return runs


def model_order(models: Iterable[str]) -> list[str]:
    present = list(dict.fromkeys(models))
    known = [m for m in COLORS if m in present]
    return known + [m for m in present if m not in COLORS]


def seed_std(values: np.ndarray) -> float:
    """Standard deviation over seeds (ddof=1), 0 for a single seed."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(np.std(values, ddof=1)) if values.size > 1 else 0.0
