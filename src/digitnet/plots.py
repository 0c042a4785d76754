"""Pictures of every study: loss curves, sweeps, the comparison, error analysis, learned weights.

Every function returns a :class:`matplotlib.figure.Figure` built with the
object-oriented API (``Figure(...)``, never ``pyplot``), so nothing depends on a
display or leaks global state; write one to disk with :func:`save_figure`.

Inputs are the tidy tables of :mod:`digitnet.experiments` (extra columns are ignored):

- *comparison runs*: one row per (model, seed) with ``model`` ("digitnet" |
  "sklearn"), ``seed``, ``accuracy``, ``precision``, ``recall``, ``f1``,
  ``fit_seconds``, ``n_iter``;
- *sweep runs*: one row per run, parameter columns (``hidden_layer_sizes`` as
  "64-32", ``activation``, ``learning_rate_init``, ``max_iter``, ...), ``seed``,
  ``run_id``, ``val_accuracy``, ``test_accuracy``, ...;
- *curves*: ``{run_id: {"loss": [...], "accuracy": [...], "val_loss": [...],
  "val_accuracy": [...]}}`` (the ``val_*`` lists are optional; an estimator's
  ``history_`` has this shape);
- error analysis: plain arrays ``y_true``, ``y_pred``, ``proba`` (n, n_classes)
  and ``images`` (n, 8, 8).

Colours are fixed across figures: :data:`COLORS` for the two models (labelled
by :data:`LABELS`), :data:`OUTCOME_COLORS` for right / wrong predictions,
:data:`ACTIVATION_COLORS` for activations, and a viridis ramp for ordered
parameters such as the learning rate. All palettes are colour-blind safe.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, MaxNLocator
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

__all__ = [
    "COLORS",
    "LABELS",
    "OUTCOME_COLORS",
    "ACTIVATION_COLORS",
    "PARAM_LABELS",
    "parse_layers",
    "loss_curves",
    "learning_rate_panels",
    "epochs_chart",
    "accuracy_heatmap",
    "architecture_plot",
    "comparison_bars",
    "accuracy_vs_time",
    "confusion_matrices",
    "most_confused_pairs",
    "misclassified_gallery",
    "per_class_metrics",
    "confidence_histogram",
    "first_layer_weights",
    "save_figure",
]

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
_FALLBACK_COLORS = ("#882255", "#999933", "#88CCEE", "#DDCC77", "#661100", "#6699CC")
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
_CURVE_AXIS_LABELS = {"loss": ("cross-entropy loss", "nats"), "accuracy": ("accuracy", "% correct")}


# --------------------------------------------------------------------------
# Small helpers.
# --------------------------------------------------------------------------


def _figure(width, height):
    return Figure(figsize=(width, height), layout="constrained")


class _Percent(Formatter):
    """Fractions as percentages, with just enough decimals to tell the ticks apart exactly
    (97.5% and 98.0% rather than 98% twice)."""

    def __init__(self):
        self._decimals = 0

    def set_locs(self, locs):
        super().set_locs(locs)
        values = np.asarray(locs, dtype=float) * 100
        values = values[np.isfinite(values)]
        for decimals in range(4):
            if np.allclose(values, np.round(values, decimals), rtol=0, atol=1e-6):
                break
        self._decimals = decimals

    def __call__(self, x, pos=None):
        return f"{100 * x:.{self._decimals}f}%"


def _percent():
    return _Percent()


def _label(name):
    return PARAM_LABELS.get(name, str(name).replace("_", " "))


def _model_label(model):
    return LABELS.get(model, str(model))


def _model_color(model, i=0):
    return COLORS.get(model, _FALLBACK_COLORS[i % len(_FALLBACK_COLORS)])


def _activation_color(name, i=0):
    return ACTIVATION_COLORS.get(name, _FALLBACK_COLORS[i % len(_FALLBACK_COLORS)])


def _format_value(value):
    """A parameter value as it should read on a figure: 0.001, 200, "64-32", "relu"."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() and abs(value) >= 1 else f"{float(value):g}"
    if isinstance(value, (tuple, list)):
        return "-".join(str(v) for v in value)
    return str(value)


def _sort_key(value):
    """Order numbers (also numbers written as text, as after a CSV round trip) numerically,
    then everything else by its text."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return (0, float(value), "")
    try:
        return (0, float(value), str(value))
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def _ordered_colors(values, cmap="viridis"):
    """One colour per value: a ramp for ordered numbers, categorical colours otherwise."""
    values = list(values)
    numeric = all(_sort_key(v)[0] == 0 for v in values)
    if numeric and len(values) > 1:
        ramp = colormaps[cmap]
        return {v: ramp(0.85 * i / (len(values) - 1)) for i, v in enumerate(values)}
    if numeric:
        return {values[0]: colormaps[cmap](0.0)}
    return {v: _activation_color(v, i) if v in ACTIVATION_COLORS else _FALLBACK_COLORS[i % len(_FALLBACK_COLORS)]
            for i, v in enumerate(values)}


def parse_layers(value):
    """Hidden layer sizes as a tuple of ints, from "64-32", "(64, 32)", 64 or (64, 32)."""
    if isinstance(value, (tuple, list, np.ndarray)):
        return tuple(int(v) for v in value)
    if isinstance(value, (int, np.integer)):
        return (int(value),)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return (int(value),)
    return tuple(int(v) for v in re.findall(r"\d+", str(value)))


def _require(frame, columns, what):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{what} needs the column(s) {missing}; the table has {list(frame.columns)}.")


def _finite(values):
    """A float array with inf replaced by NaN (matplotlib leaves gaps at NaN)."""
    arr = np.asarray(values, dtype=float)
    return np.where(np.isfinite(arr), arr, np.nan)


def _mean_curve(histories, key):
    """Mean and standard deviation (ddof=1, 0 for one run) over runs of ``history[key]``, per epoch.

    Runs of different lengths (early stopping) are padded with NaN, so each
    epoch averages the runs that reached it. Returns ``None`` if no run has ``key``.
    """
    series = [_finite(h[key]) for h in histories if key in h and len(h[key])]
    if not series:
        return None
    stacked = np.full((len(series), max(len(s) for s in series)), np.nan)
    for row, s in zip(stacked, series):
        row[: len(s)] = s
    counts = np.sum(~np.isnan(stacked), axis=0)
    with np.errstate(invalid="ignore"):
        mean = np.nansum(stacked, axis=0) / np.maximum(counts, 1)
        mean[counts == 0] = np.nan
        centred = np.where(np.isnan(stacked), 0.0, stacked - mean)
        std = np.sqrt(np.sum(centred**2, axis=0) / np.maximum(counts - 1, 1))
    return mean, std, len(series)


def _message(ax, text, clear_ticks=True):
    """Write ``text`` in the middle of an empty axes (keeping the ticks of an axes that shares them)."""
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, color="0.3", transform=ax.transAxes)
    if clear_ticks:
        ax.set_xticks([])
        ax.set_yticks([])


def _text_color(rgba):
    """Black or white, whichever reads better on a cell of this colour."""
    r, g, b = to_rgb(rgba)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def _runs_frame(runs):
    if not isinstance(runs, pd.DataFrame):
        runs = pd.DataFrame(runs)
    return runs


def _model_order(models):
    present = list(dict.fromkeys(models))
    known = [m for m in COLORS if m in present]
    return known + [m for m in present if m not in COLORS]


def _spread(values):
    """Standard deviation over seeds (ddof=1), 0 for a single seed."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(np.std(values, ddof=1)) if values.size > 1 else 0.0


# --------------------------------------------------------------------------
# Curves per epoch.
# --------------------------------------------------------------------------


def _curve_groups(runs, curves, label_by):
    """``[(value, [history, ...]), ...]``: the curves of each ``label_by`` value, in order."""
    if runs is None:
        return [(run_id, [history]) for run_id, history in curves.items()]
    runs = _runs_frame(runs)
    _require(runs, ["run_id", label_by], "A curve plot")
    groups = {}
    for value, run_id in zip(runs[label_by], runs["run_id"]):
        if run_id in curves:
            groups.setdefault(value, []).append(curves[run_id])
    return sorted(groups.items(), key=lambda item: _sort_key(item[0]))


def _draw_curves(ax, history_groups, colors, metric, log, show_validation, end_markers=False, labels=None):
    """Draw one training (solid) and one validation (dashed) line per group.

    Lines are the mean over the group's runs (seeds), with a band of ±1 std when
    there are several. Returns (legend handles, whether any validation curve was drawn).
    """
    handles, any_validation = [], False
    for value, histories in history_groups:
        color = colors[value]
        label = labels[value] if labels else _format_value(value)
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            if key.startswith("val_") and not show_validation:
                continue
            summary = _mean_curve(histories, key)
            if summary is None:
                continue
            mean, std, n_runs = summary
            epochs = np.arange(1, len(mean) + 1)
            ax.plot(epochs, mean, style, color=color, lw=1.6)
            if n_runs > 1 and np.any(std > 0):
                low = mean - std
                if log:
                    low = np.where(low > 0, low, mean)
                ax.fill_between(epochs, low, mean + std, color=color, alpha=0.15, lw=0)
            if end_markers:
                last = np.flatnonzero(~np.isnan(mean))
                if last.size:
                    ax.plot(epochs[last[-1]], mean[last[-1]], "o" if style == "-" else "s", color=color,
                            ms=5, mfc=color if style == "-" else "white", zorder=3)
            any_validation |= key.startswith("val_")
        handles.append(Line2D([], [], color=color, lw=2, label=label))
    return handles, any_validation


def _style_curve_axes(ax, metric, log):
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    name, unit = _CURVE_AXIS_LABELS.get(metric, (metric, None))
    notes = [n for n in (unit, "log scale" if log else None) if n]
    ax.set_ylabel(name + (f" ({', '.join(notes)})" if notes else ""))
    if metric == "accuracy" and not log:
        ax.yaxis.set_major_formatter(_percent())
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, which="major", alpha=0.3)


def _split_handles():
    return [Line2D([], [], color="0.3", ls="-", label="training"),
            Line2D([], [], color="0.3", ls="--", label="validation")]


def _metric_title(metric):
    return metric.replace("_", " ").capitalize()


def _resolve_log(log, metric):
    return metric == "loss" if log is None else bool(log)


def loss_curves(runs, curves, label_by="learning_rate_init", metric="loss", log=None, title=None,
                show_validation=True):
    """Training and validation curves per epoch, one colour per configuration.

    Runs sharing a ``label_by`` value (e.g. seeds) are averaged into one line,
    with a ±1 std band; training is solid, validation dashed.

    Parameters
    ----------
    runs : DataFrame or None
        Sweep runs, with ``run_id`` and ``label_by`` columns. ``None`` draws each
        entry of ``curves`` as its own configuration, labelled by its run id.
    curves : dict
        ``run_id -> {"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...]}``;
        the ``val_*`` lists are optional. Runs without curves are skipped.
    label_by : str, default="learning_rate_init"
        Column whose values define the configurations (one line each).
    metric : {"loss", "accuracy"}, default="loss"
    log : bool or None, default=None
        Log-scale y axis; ``None`` means yes for the loss, no for accuracy.
    title : str, optional
    show_validation : bool, default=True
        Also draw the ``val_*`` curves when present.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    log = _resolve_log(log, metric)
    groups = _curve_groups(runs, curves, label_by)
    fig = _figure(8.5, 4.8)
    ax = fig.add_subplot()
    name = "run" if runs is None else _label(label_by)
    ax.set_title(title or f"{_metric_title(metric)} per epoch by {name}")
    if not groups:
        _message(ax, "no curves to show")
        return fig
    colors = _ordered_colors([value for value, _ in groups])
    # A configuration's name ("label" column) says it all; a parameter value needs the parameter's name.
    named = runs is None or label_by == "label"
    labels = {value: (str(value) if named else f"{name} = {_format_value(value)}") for value, _ in groups}
    handles, any_validation = _draw_curves(ax, groups, colors, metric, log, show_validation, labels=labels)
    _style_curve_axes(ax, metric, log)
    if any_validation:
        handles += _split_handles()
    fig.legend(handles=handles, fontsize="small", loc="outside right upper", frameon=False)
    return fig


def _grid_shape(n, ncols=None):
    if ncols is None:
        ncols = n if n <= 4 else math.ceil(n / 2) if n <= 8 else 4
    ncols = max(1, min(ncols, n))
    return math.ceil(n / ncols), ncols


def learning_rate_panels(runs, curves, lr_col="learning_rate_init", metric="loss", log=None, ncols=None,
                         title=None, show_validation=True):
    """The learning-rate study as small multiples: one panel of curves per learning rate.

    Each panel shows the training (solid) and validation (dashed) curve of one
    learning rate, averaged over its runs (seeds) with a ±1 std band, and its
    final values in the panel title. Panels share both axes, so shapes compare
    at a glance. Filter ``runs`` to the runs of the study before calling: every
    run of a learning rate is averaged into its panel.

    Parameters
    ----------
    runs : DataFrame
        Sweep runs with ``run_id`` and ``lr_col`` columns.
    curves : dict
        ``run_id -> history`` (see :func:`loss_curves`).
    lr_col : str, default="learning_rate_init"
    metric : {"loss", "accuracy"}, default="loss"
    log : bool or None, default=None
        Log-scale y axis; ``None`` means yes for the loss, no for accuracy.
    ncols : int, optional
        Panels per row (default: one row up to 4 panels, else two rows).
    title : str, optional
    show_validation : bool, default=True

    Returns
    -------
    matplotlib.figure.Figure
        One axes per learning rate (one axes with a message if there is no curve).
    """
    log = _resolve_log(log, metric)
    groups = _curve_groups(runs, curves, lr_col)
    title = title or f"{_metric_title(metric)} per epoch, one panel per {_label(lr_col)}"
    if not groups:
        fig = _figure(6, 4)
        ax = fig.add_subplot()
        ax.set_title(title)
        _message(ax, "no curves to show")
        return fig
    nrows, ncols = _grid_shape(len(groups), ncols)
    fig = _figure(max(6.0, 3.4 * ncols), 2.9 * nrows + 0.6)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    colors = _ordered_colors([value for value, _ in groups])
    any_validation = False
    for ax, (value, histories) in zip(axes, groups):
        _, drew_validation = _draw_curves(ax, [(value, histories)], colors, metric, log, show_validation)
        any_validation |= drew_validation
        finals = []
        for key, name in ((metric, "train"), (f"val_{metric}", "val")):
            summary = _mean_curve(histories, key) if (show_validation or key == metric) else None
            if summary is not None and np.isfinite(summary[0]).any():
                final = summary[0][np.isfinite(summary[0])][-1]
                finals.append(f"{name} {final:.1%}" if metric == "accuracy" else f"{name} {final:.3g}")
        n_seeds = len(histories)
        subtitle = "final: " + ", ".join(finals) if finals else "no finite values"
        if not any(len(h.get(metric, ())) for h in histories):  # e.g. every run diverged
            subtitle = "no curve"
            _message(ax, "no curve recorded\n(training failed?)", clear_ticks=False)
        ax.set_title(f"{_label(lr_col)} = {_format_value(value)}"
                     + (f"  ({n_seeds} runs)" if n_seeds > 1 else "") + f"\n{subtitle}", fontsize="medium")
        _style_curve_axes(ax, metric, log)
    for ax in axes[len(groups):]:
        fig.delaxes(ax)
    for k, ax in enumerate(axes[: len(groups)]):
        if k % ncols:
            ax.set_ylabel("")
        if k + ncols < len(groups):  # the panel below carries the x label
            ax.set_xlabel("")
        else:  # sharex hides the tick labels of every row but the last; a panel with none below needs them
            ax.xaxis.set_tick_params(labelbottom=True)
    fig.suptitle(title, fontsize="large")
    if any_validation:
        fig.legend(handles=_split_handles(), loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    return fig


def epochs_chart(runs, curves, epochs_col="max_iter", metric="loss", log=None, title=None, show_validation=True):
    """The epochs study as one chart: the curves of every epoch budget, ending in a marker.

    Runs with a shorter budget follow the same path as longer ones (same seed)
    and stop earlier; the marker at the end of each line (● training,
    ■ validation) shows where each budget left the model. Filter ``runs`` to
    the runs of the study first: all runs of a budget are averaged into its line.

    Parameters
    ----------
    runs : DataFrame
        Sweep runs with ``run_id`` and ``epochs_col`` columns.
    curves : dict
        ``run_id -> history`` (see :func:`loss_curves`).
    epochs_col : str, default="max_iter"
    metric : {"loss", "accuracy"}, default="loss"
    log : bool or None, default=None
        Log-scale y axis; ``None`` means yes for the loss, no for accuracy.
    title : str, optional
    show_validation : bool, default=True

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    log = _resolve_log(log, metric)
    groups = _curve_groups(runs, curves, epochs_col)
    fig = _figure(8.5, 4.8)
    ax = fig.add_subplot()
    ax.set_title(title or f"{_metric_title(metric)} per epoch for each training length")
    if not groups:
        _message(ax, "no curves to show")
        return fig
    colors = _ordered_colors([value for value, _ in groups])
    labels = {value: f"{_format_value(value)} {_label(epochs_col)}" for value, _ in groups}
    # longest budgets first, so the shorter ones (drawn on top) stay visible
    handles, any_validation = _draw_curves(ax, groups[::-1], colors, metric, log, show_validation,
                                           end_markers=True, labels=labels)
    _style_curve_axes(ax, metric, log)
    handles = handles[::-1]
    if any_validation:
        handles += [Line2D([], [], color="0.3", ls="-", marker="o", label="training"),
                    Line2D([], [], color="0.3", ls="--", marker="s", mfc="white", label="validation")]
    fig.legend(handles=handles, fontsize="small", loc="outside right upper", frameon=False)
    return fig


# --------------------------------------------------------------------------
# Sweeps.
# --------------------------------------------------------------------------


def accuracy_heatmap(runs, x="max_iter", y="learning_rate_init", value="test_accuracy", title=None,
                     cmap="viridis"):
    """A heatmap of final accuracy over two parameters (mean over seeds), every cell annotated.

    Parameters
    ----------
    runs : DataFrame
        Sweep runs with columns ``x``, ``y`` and ``value``.
    x, y : str, default="max_iter", "learning_rate_init"
        Parameters on the horizontal and vertical axes (values sorted, the
        smallest ``y`` at the bottom).
    value : str, default="test_accuracy"
        A fraction in [0, 1], shown in percent.
    title : str, optional
    cmap : str, default="viridis"

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the heatmap and its colour bar.
    """
    runs = _runs_frame(runs)
    _require(runs, [x, y, value], "accuracy_heatmap")
    data = runs[[x, y, value]].copy()
    data[value] = pd.to_numeric(data[value], errors="coerce")
    # cells by hand rather than pivot_table: parameter columns may mix types ("auto" and 200)
    cells = {key: group[value] for key, group in data.groupby([y, x], sort=False)}
    rows = sorted({key[0] for key in cells}, key=_sort_key)
    cols = sorted({key[1] for key in cells}, key=_sort_key)
    table = pd.DataFrame([[cells[(r, c)].mean() if (r, c) in cells else np.nan for c in cols] for r in rows],
                         index=rows, columns=cols)
    n_seeds = pd.Series([len(v) for v in cells.values()], dtype=int)
    grid = table.to_numpy(dtype=float)

    fig = _figure(max(5.0, 1.0 * grid.shape[1] + 2.8), max(3.5, 0.55 * grid.shape[0] + 1.8))
    ax = fig.add_subplot()
    finite = grid[np.isfinite(grid)]
    norm = Normalize(vmin=finite.min() if finite.size else 0.0, vmax=finite.max() if finite.size else 1.0)
    if norm.vmin == norm.vmax:
        norm = Normalize(vmin=norm.vmin - 0.01, vmax=norm.vmax + 0.01)
    colormap = colormaps[cmap].with_extremes(bad="0.85")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=colormap, norm=norm, origin="lower", aspect="auto")
    for (i, j), v in np.ndenumerate(grid):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.1%}", ha="center", va="center", fontsize="small",
                    color=_text_color(colormap(norm(v))))
        else:
            ax.text(j, i, "n/a", ha="center", va="center", fontsize="small", color="0.3")
    ax.set_xticks(range(grid.shape[1]), [_format_value(v) for v in table.columns])
    ax.set_yticks(range(grid.shape[0]), [_format_value(v) for v in table.index])
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    seeds = f"\n(mean of {n_seeds.max()} seeds)" if len(n_seeds) and n_seeds.max() > 1 else ""
    ax.set_title(title or f"Final {_label(value)} by {_label(y)} and {_label(x)}{seeds}")
    bar = fig.colorbar(image, ax=ax, format=_percent())
    bar.set_label(f"{_label(value)} (%)")
    return fig


def architecture_plot(runs, value="val_accuracy", layers_col="hidden_layer_sizes", activation_col="activation",
                      title=None):
    """The architecture study: accuracy by width, one panel per depth, one line per activation.

    Depth is the number of hidden layers (the parts of ``"64-32"``); within a
    panel the architectures are ordered by their widths. Points are the mean
    over seeds, error bars ±1 standard deviation over seeds (ddof=1). With a
    single run per point, a ``{value}_std`` column (e.g. over CV folds) is used
    if present; otherwise there is no error bar.

    Parameters
    ----------
    runs : DataFrame
        Sweep runs with ``layers_col`` and ``value`` columns (``activation_col`` optional).
    value : str, default="val_accuracy"
        A fraction in [0, 1], shown in percent.
    layers_col : str, default="hidden_layer_sizes"
        "64-32" strings, tuples or ints.
    activation_col : str, default="activation"
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes per depth.
    """
    runs = _runs_frame(runs)
    _require(runs, [layers_col, value], "architecture_plot")
    data = pd.DataFrame({
        "layers": [parse_layers(v) for v in runs[layers_col]],
        "activation": runs[activation_col].astype(str) if activation_col in runs else "all",
        "value": pd.to_numeric(runs[value], errors="coerce"),
    })
    std_col = f"{value}_std"
    data["given_std"] = pd.to_numeric(runs[std_col], errors="coerce") if std_col in runs else np.nan
    data["depth"] = [len(layers) for layers in data["layers"]]
    activations = sorted(data["activation"].unique(), key=_activation_sort_key)
    depths = sorted(data["depth"].unique())
    colors = {a: _activation_color(a, i) for i, a in enumerate(activations)}

    per_depth = {d: sorted(data.loc[data["depth"] == d, "layers"].unique()) for d in depths}
    ratios = [max(len(per_depth[d]), 2) for d in depths]  # panels as wide as their number of architectures
    fig = _figure(max(5.0, 1.0 * sum(ratios) + 2.5), 4.6)
    axes = fig.subplots(1, len(depths), sharey=True, squeeze=False, width_ratios=ratios).ravel()
    max_seeds = 1
    for ax, depth in zip(axes, depths):
        subset = data[data["depth"] == depth]
        architectures = per_depth[depth]
        position = {arch: i for i, arch in enumerate(architectures)}
        offsets = np.linspace(-0.15, 0.15, len(activations)) if len(activations) > 1 else [0.0]
        for offset, activation in zip(offsets, activations):
            rows = subset[subset["activation"] == activation]
            if rows.empty:
                continue
            stats = []
            for arch, group in rows.groupby("layers", sort=False):
                n = int(group["value"].notna().sum())
                spread = _spread(group["value"]) if n > 1 else float(np.nan_to_num(group["given_std"].mean()))
                stats.append((position[arch], group["value"].mean(), spread, n))
                max_seeds = max(max_seeds, n)
            stats.sort()
            xs, means, spreads, _ = map(np.array, zip(*stats))
            yerr = spreads if np.any(spreads > 0) else None
            ax.errorbar(xs + offset, means, yerr=yerr, fmt="o-", color=colors[activation], lw=1.2, ms=5,
                        capsize=3, label=activation)
        equal = all(len(set(arch)) == 1 for arch in architectures)
        ax.set_xticks(range(len(architectures)),
                      [str(arch[0]) if equal else _format_value(arch) for arch in architectures])
        ax.set_xlim(-0.5, len(architectures) - 0.5)
        ax.set_xlabel("units per hidden layer" if equal else "hidden layer sizes (units)")
        ax.set_title(f"{depth} hidden layer{'s' if depth != 1 else ''}" if depth else "no hidden layer")
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].set_ylabel(f"{_label(value)} (%)")
    axes[0].yaxis.set_major_formatter(_percent())
    spread_note = f"mean ± std over {max_seeds} seeds" if max_seeds > 1 else (
        "error bars: given std" if data["given_std"].notna().any() else "one run each")
    fig.suptitle(title or f"{_label(value).capitalize()} by network depth and width\n({spread_note})")
    if len(activations) > 1 or activations[0] != "all":
        fig.legend(*axes[0].get_legend_handles_labels(), title="activation", loc="outside right center",
                   fontsize="small")
    return fig


def _activation_sort_key(name):
    order = list(ACTIVATION_COLORS)
    return (order.index(name), name) if name in order else (len(order), name)


# --------------------------------------------------------------------------
# digitnet versus scikit-learn.
# --------------------------------------------------------------------------


def comparison_bars(compare_runs, metrics=("accuracy", "precision", "recall", "f1"), title=None):
    """Test metrics of each model side by side: mean over seeds, ±1 std error bars, seeds as dots.

    The y axis is zoomed on the range of the values (all are close to 100%),
    and says where it starts.

    Parameters
    ----------
    compare_runs : DataFrame
        One row per (model, seed), with ``model`` and the ``metrics`` columns.
    metrics : sequence of str, default=("accuracy", "precision", "recall", "f1")
        Fractions in [0, 1].
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    runs = _runs_frame(compare_runs)
    metrics = [m for m in metrics if m in runs.columns]
    _require(runs, ["model"], "comparison_bars")
    if not metrics:
        raise KeyError(f"comparison_bars found none of the metric columns in {list(runs.columns)}.")
    models = _model_order(runs["model"])
    fig = _figure(max(6.0, 1.6 * len(metrics) + 2.5), 4.6)
    ax = fig.add_subplot()
    width = 0.8 / len(models)
    lows, highs, n_seeds = [], [], 1
    for i, model in enumerate(models):
        rows = runs[runs["model"] == model]
        n_seeds = max(n_seeds, len(rows))
        means = np.array([pd.to_numeric(rows[m], errors="coerce").mean() for m in metrics])
        stds = np.array([_spread(pd.to_numeric(rows[m], errors="coerce")) for m in metrics])
        xs = np.arange(len(metrics)) + (i - (len(models) - 1) / 2) * width
        color = _model_color(model, i)
        ax.bar(xs, means, width * 0.92, color=color, label=_model_label(model),
               yerr=stds if np.any(stds > 0) else None, capsize=4, error_kw={"lw": 1.2, "ecolor": "0.15"})
        for x, m in zip(xs, metrics):
            seeds = pd.to_numeric(rows[m], errors="coerce").dropna().to_numpy()
            if len(seeds) > 1:
                jitter = np.linspace(-width * 0.25, width * 0.25, len(seeds))
                ax.scatter(x + jitter, seeds, s=9, color="black", alpha=0.55, zorder=3, lw=0)
            lows.append(seeds.min() if len(seeds) else np.nan)
            highs.append(seeds.max() if len(seeds) else np.nan)
        highs.extend(means + stds)  # the error bar tips, which the labels sit on
        for x, mean, std in zip(xs, means, stds):
            ax.annotate(f"{mean:.1%}", (x, mean + std), xytext=(0, 3), textcoords="offset points", ha="center",
                        va="bottom", fontsize="x-small")
    low, high = np.nanmin(lows), np.nanmax(highs)
    span = max(high - low, 0.01)
    bottom = max(0.0, math.floor((low - 0.6 * span) * 100) / 100)
    ax.set_ylim(bottom, min(1.0, high + 0.35 * span) if high < 1 else 1.0 + 0.25 * span)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(_percent())
    ax.set_xticks(range(len(metrics)), [_label(m) for m in metrics])
    ax.set_ylabel(f"score on the test set (%; axis starts at {bottom:.0%})")
    ax.grid(True, axis="y", alpha=0.3)
    seeds_note = f"mean ± std over {n_seeds} seeds; dots are single seeds" if n_seeds > 1 else "one seed"
    fig.suptitle(title or f"digitnet vs scikit-learn MLPClassifier\n{seeds_note}")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=len(models), frameon=False)
    return fig


def accuracy_vs_time(compare_runs, x="fit_seconds", y="accuracy", log_x=None, title=None):
    """Accuracy against fit time: one dot per seed, and each model's mean as a cross.

    The cross carries a vertical bar of ±1 std of the accuracy over seeds; the
    spread of the times is left to the dots (fit times are skewed and may be on
    a log axis, where mean - std can fall below zero).

    Parameters
    ----------
    compare_runs : DataFrame
        One row per (model, seed), with ``model``, ``x`` and ``y`` columns.
    x : str, default="fit_seconds"
        Wall-clock seconds.
    y : str, default="accuracy"
        A fraction in [0, 1].
    log_x : bool or None, default=None
        Log-scale time axis; ``None`` means yes when times span more than 10x.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    runs = _runs_frame(compare_runs)
    _require(runs, ["model", x, y], "accuracy_vs_time")
    fig = _figure(7.0, 4.6)
    ax = fig.add_subplot()
    times = pd.to_numeric(runs[x], errors="coerce")
    for i, model in enumerate(_model_order(runs["model"])):
        rows = runs[runs["model"] == model]
        t = pd.to_numeric(rows[x], errors="coerce").to_numpy()
        a = pd.to_numeric(rows[y], errors="coerce").to_numpy()
        color = _model_color(model, i)
        ax.scatter(t, a, s=28, color=color, alpha=0.6, lw=0, label=f"{_model_label(model)} (one seed each)"
                   if len(rows) > 1 else _model_label(model))
        if len(rows) > 1:
            a_std = _spread(a)
            ax.errorbar(np.nanmean(t), np.nanmean(a), yerr=a_std or None, fmt="X", ms=10, color=color,
                        mec="black", mew=0.8, capsize=4, ecolor=color, lw=1.5,
                        label=f"{_model_label(model)} mean (bar: ± std of {_label(y)})")
    positive = times[times > 0]
    if log_x is None:
        log_x = len(positive) > 1 and positive.max() / positive.min() > 10
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel("fit time (seconds" + (", log scale)" if log_x else ")"))
    ax.set_ylabel(f"{_label(y)} on the test set (%)")
    ax.yaxis.set_major_formatter(_percent())
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title(title or f"{_label(y).capitalize()} against training time")
    ax.legend(fontsize="small", loc="best", framealpha=0.9)
    return fig


# --------------------------------------------------------------------------
# Error analysis.
# --------------------------------------------------------------------------


def _labels_of(y_true, y_pred, labels):
    return np.asarray(labels) if labels is not None else np.unique(np.concatenate([np.ravel(y_true),
                                                                                    np.ravel(y_pred)]))


def _draw_matrix(ax, matrix, labels, fmt, cmap, title):
    norm = Normalize(vmin=0, vmax=max(float(matrix.max()), 1e-12))
    ax.imshow(matrix, cmap=cmap, norm=norm)
    colormap = colormaps[cmap]
    fontsize = "small" if len(labels) <= 12 else "xx-small"
    for (i, j), v in np.ndenumerate(matrix):
        if v == 0 and i != j:
            continue  # blank zeros keep the mistakes visible
        ax.text(j, i, fmt(v), ha="center", va="center", fontsize=fontsize, color=_text_color(colormap(norm(v))))
    ticks = range(len(labels))
    ax.set_xticks(ticks, [str(v) for v in labels])
    ax.set_yticks(ticks, [str(v) for v in labels])
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title)


def confusion_matrices(y_true, y_pred, labels=None, title=None):
    """The confusion matrix twice: counts, and normalised by row (share of each true digit).

    Zeros off the diagonal are left blank so the mistakes stand out.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like, optional
        Class labels in display order (default: every label seen, sorted).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: counts and row-normalised.
    """
    labels = _labels_of(y_true, y_pred, labels)
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    totals = counts.sum(axis=1, keepdims=True)
    normalised = counts / np.maximum(totals, 1)
    fig = _figure(12.0, 5.6)
    left, right = fig.subplots(1, 2)
    _draw_matrix(left, counts, labels, lambda v: f"{int(v)}", "Blues", "Counts (number of test digits)")
    _draw_matrix(right, normalised, labels, lambda v: f"{100 * v:.0f}", "Blues",
                 "Row-normalised (% of each true digit)")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    fig.suptitle(title or f"Confusion matrix: {counts.sum() - np.trace(counts)} errors in {counts.sum()} test "
                 f"digits (accuracy {accuracy:.1%})")
    return fig


def confused_pairs(y_true, y_pred, labels=None):
    """Every kind of mistake, most frequent first (ties: by true, then predicted label, in ``labels`` order).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like, optional
        Default: the labels found in ``y_true`` and ``y_pred``, sorted.

    Returns
    -------
    list of (true label, predicted label, count, number of samples with that true label)
    """
    labels = _labels_of(y_true, y_pred, labels)
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    off = counts.copy()
    np.fill_diagonal(off, 0)
    rows, cols = np.nonzero(off)
    order = np.lexsort((cols, rows, -off[rows, cols]))
    return [(labels[rows[k]], labels[cols[k]], int(off[rows[k], cols[k]]), int(counts[rows[k]].sum()))
            for k in order]


def most_confused_pairs(y_true, y_pred, top=10, labels=None, title=None):
    """The most frequent mistakes, as a horizontal bar chart of "true → predicted" pairs.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    top : int, default=10
        Number of pairs shown (fewer if there are fewer kinds of mistake).
    labels : array-like, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes (saying "no misclassified digits" if there is none).
    """
    every = confused_pairs(y_true, y_pred, labels)
    pairs, n_kinds = every[:top], len(every)
    fig = _figure(6.5, max(2.8, 0.38 * len(pairs) + 1.6))
    ax = fig.add_subplot()
    shown = f"all {n_kinds}" if len(pairs) == n_kinds else f"the {len(pairs)} most frequent of {n_kinds}"
    n_wrong = sum(n for _, _, n, _ in every)
    ax.set_title(title or (f"Most confused digit pairs: {shown} kinds of mistake\n"
                           f"({n_wrong} misclassified digits in all)" if pairs else "Most confused digit pairs"))
    if not pairs:
        _message(ax, "no misclassified digits")
        return fig
    names = [f"{t} → {p}" for t, p, _, _ in pairs]
    values = [n for _, _, n, _ in pairs]
    ys = np.arange(len(pairs))
    ax.barh(ys, values, color=OUTCOME_COLORS["wrong"], height=0.65)
    for y, (t, _, n, total) in zip(ys, pairs):
        ax.annotate(f"{n}  ({n / max(total, 1):.0%} of true {t}s)", (n, y), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize="small")
    ax.set_yticks(ys, names)
    ax.invert_yaxis()
    ax.set_xlim(0, max(values) * 1.45)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("number of test digits misclassified")
    ax.set_ylabel("true digit → predicted digit")
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def _prediction_confidence(y_pred, proba, classes):
    """The probability the model gave to the label it predicted."""
    proba = np.asarray(proba, dtype=float)
    if classes is None:
        return proba.max(axis=1)
    classes = np.asarray(classes)
    index = {c: i for i, c in enumerate(classes.tolist())}
    columns = np.array([index[c] for c in np.asarray(y_pred).tolist()])
    return proba[np.arange(len(columns)), columns]


def _confidence_text(p):
    """A probability in whole percent, without rounding a not-quite-certain 99.6% up to 100%."""
    text = f"{p:.0%}"
    return ">99%" if text == "100%" and p < 1 else text


def misclassified_gallery(images, y_true, y_pred, proba=None, classes=None, max_images=24, ncols=8, title=None):
    """The misclassified test digits as 8×8 images, the most confident mistakes first.

    Each image is titled "true → predicted" with the probability the model gave
    to its (wrong) prediction.

    Parameters
    ----------
    images : array-like of shape (n_samples, 8, 8) or (n_samples, 64)
        Pixel values (raw or scaled; each image is shown on its own grey scale).
    y_true, y_pred : array-like of shape (n_samples,)
    proba : array-like of shape (n_samples, n_classes), optional
        ``predict_proba`` output; without it, no confidence is shown and the
        order is that of the data.
    classes : array-like, optional
        The labels of the columns of ``proba`` (``estimator.classes_``); by
        default the confidence is the largest probability of each row.
    max_images : int, default=24
    ncols : int, default=8
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes per image shown (one axes saying "no misclassified digits" if there is none).
    """
    images = np.asarray(images, dtype=float)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        images = images.reshape(len(images), side, images.shape[1] // side)
    wrong = np.flatnonzero(y_true != y_pred)
    confidence = None if proba is None else _prediction_confidence(y_pred, proba, classes)
    if confidence is not None:
        wrong = wrong[np.argsort(-confidence[wrong], kind="stable")]
    shown = wrong[:max_images]
    if not len(shown):
        fig = _figure(6, 3)
        ax = fig.add_subplot()
        _message(ax, f"no misclassified digits (all {len(y_true)} correct)")
        ax.set_title(title or "Misclassified test digits")
        return fig
    nrows, ncols = math.ceil(len(shown) / ncols), min(ncols, len(shown))
    fig = _figure(max(6.0, 1.25 * ncols + 0.3), 1.5 * nrows + 0.9)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, i in zip(axes, shown):
        ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        text = f"{y_true[i]} → {y_pred[i]}"
        if confidence is not None:
            text += f"\n{_confidence_text(confidence[i])} sure"
        ax.set_title(text, fontsize="small")
    for ax in axes[len(shown):]:
        fig.delaxes(ax)
    order = "most confident first" if confidence is not None else "in data order"
    fig.suptitle(title or f"Misclassified test digits: {len(wrong)} of {len(y_true)}\n"
                 f"(true → predicted; showing {len(shown)}, {order})", fontsize="medium")
    return fig


def per_class_metrics(y_true, y_pred, labels=None, title=None):
    """Precision, recall and F1 of every class as grouped bars, with the class sizes.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like, optional
        Class labels in display order (default: every label seen, sorted).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    labels = _labels_of(y_true, y_pred, labels)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels,
                                                                     zero_division=0)
    fig = _figure(max(7.0, 0.8 * len(labels) + 2.0), 4.6)
    ax = fig.add_subplot()
    width = 0.27
    xs = np.arange(len(labels))
    for k, (name, values, color) in enumerate((("precision", precision, "#4477AA"),
                                               ("recall", recall, "#EE6677"),
                                               ("F1", f1, "#228833"))):
        ax.bar(xs + (k - 1) * width, values, width * 0.95, color=color, label=name)
    low = float(np.min(np.concatenate([precision, recall, f1]))) if len(labels) else 0.0
    bottom = max(0.0, math.floor((low - 0.05) * 20) / 20)
    ax.set_ylim(bottom, 1.0 + 0.02 * (1.0 - bottom))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(_percent())
    ax.set_xticks(xs, [f"{c}\n(n={s})" for c, s in zip(labels, support)])
    ax.set_xlabel("digit (number of test examples)")
    ax.set_ylabel(f"score (%; axis starts at {bottom:.0%})")
    ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle(title or "Precision, recall and F1 of each digit on the test set")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, frameon=False)
    return fig


def confidence_histogram(y_true, y_pred, proba, classes=None, bins=20, title=None):
    """How sure the model is when it is right and when it is wrong.

    Confidence is the probability given to the predicted class. Each group is
    normalised to 100%, so a handful of mistakes stays as visible as hundreds
    of right answers.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    proba : array-like of shape (n_samples, n_classes)
    classes : array-like, optional
        Labels of the columns of ``proba`` (default: the largest probability is the confidence).
    bins : int, default=20
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    proba = np.asarray(proba, dtype=float)
    confidence = _prediction_confidence(y_pred, proba, classes)
    right = y_true == y_pred
    low = 1.0 / proba.shape[1] if proba.ndim == 2 and proba.shape[1] else 0.0
    edges = np.linspace(math.floor(low * 10) / 10, 1.0, bins + 1)
    fig = _figure(7.0, 4.4)
    ax = fig.add_subplot()
    groups = [(confidence[mask], OUTCOME_COLORS[key], name)
              for mask, key, name in ((right, "correct", "right"), (~right, "wrong", "wrong")) if mask.any()]
    # side by side in each bin rather than overlaid, so no blended third colour appears
    heights, _, _ = ax.hist([values for values, _, _ in groups], bins=edges,
            weights=[np.full(len(values), 1 / len(values)) for values, _, _ in groups],
            color=[color for _, color, _ in groups], rwidth=0.9,
            label=[f"{name}: {len(values)} predictions, mean confidence {values.mean():.0%}"
                   for values, _, name in groups])
    ax.set_ylim(0, 1.3 * max(float(np.max(heights)), 1e-9))  # headroom for the legend
    ax.set_yticks([t for t in ax.get_yticks() if 0 <= t <= 1 + 1e-9])  # no share above 100%
    handles, labels = ax.get_legend_handles_labels()
    for mask, key, name in ((right, "correct", "right"), (~right, "wrong", "wrong")):
        if not mask.any():  # say so in the legend rather than leave the reader looking for it
            handles.append(Patch(facecolor="white", edgecolor=OUTCOME_COLORS[key]))
            labels.append(f"no {name} predictions")
    ax.xaxis.set_major_formatter(_percent())
    ax.yaxis.set_major_formatter(_percent())
    ax.set_xlabel("confidence: probability of the predicted digit (%)")
    ax.set_ylabel("share of the group's predictions (%)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(handles, labels, loc="upper left", fontsize="small", framealpha=0.9)
    ax.set_title(title or "Confidence of right and wrong predictions on the test set")
    return fig


# --------------------------------------------------------------------------
# What the network learned.
# --------------------------------------------------------------------------


def first_layer_weights(coefs0, max_units=32, ncols=8, order="norm", image_shape=None, title=None):
    """Each first-layer unit's incoming weights, as an image the size of the input digit.

    Red pixels excite the unit, blue ones inhibit it; the colour scale is
    shared by all units and symmetric around 0 (white).

    Parameters
    ----------
    coefs0 : array-like of shape (n_features, n_hidden), or a fitted estimator
        ``estimator.coefs_[0]``; an estimator (anything with ``coefs_``) is accepted too.
    max_units : int, default=32
        At most this many units are shown.
    ncols : int, default=8
    order : {"norm", "index"}, default="norm"
        Show the units with the largest weight norm first, or in their order.
    image_shape : (int, int), optional
        Default: a square, (8, 8) for Digits.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes per unit shown, plus the colour bar.
    """
    if hasattr(coefs0, "coefs_"):
        coefs0 = coefs0.coefs_[0]
    W = np.asarray(coefs0, dtype=float)
    if W.ndim != 2:
        raise ValueError(f"coefs0 must be a 2-D (n_features, n_hidden) array, got shape {W.shape}.")
    n_features, n_units = W.shape
    if image_shape is None:
        side = math.isqrt(n_features)
        if side * side != n_features:
            raise ValueError(f"{n_features} input features are not a square image; pass image_shape.")
        image_shape = (side, side)
    if order == "norm":
        units = np.argsort(-np.linalg.norm(W, axis=0), kind="stable")[:max_units]
    elif order == "index":
        units = np.arange(n_units)[:max_units]
    else:
        raise ValueError(f"order must be 'norm' or 'index', got {order!r}.")
    limit = float(np.max(np.abs(W[:, units]))) or 1.0
    nrows, ncols = math.ceil(len(units) / ncols), min(ncols, len(units))
    fig = _figure(max(5.0, 1.15 * ncols + 1.2), 1.25 * nrows + 1.0)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    image = None
    for ax, unit in zip(axes.ravel(), units):
        image = ax.imshow(W[:, unit].reshape(image_shape), cmap="RdBu_r", vmin=-limit, vmax=limit,
                          interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"unit {unit}", fontsize="small")
    for ax in axes.ravel()[len(units):]:
        fig.delaxes(ax)
    bar = fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, aspect=25)
    bar.set_label("weight from pixel (standardised input)")
    which = "largest weight norm first" if order == "norm" else "in index order"
    shown = f"{len(units)} of {n_units} units, {which}" if len(units) < n_units else f"all {n_units} units"
    fig.suptitle(title or f"First-layer weights as {image_shape[0]}×{image_shape[1]} images\n({shown})",
                 fontsize="medium")
    return fig


# --------------------------------------------------------------------------
# Saving.
# --------------------------------------------------------------------------


def save_figure(fig, path, dpi=150):
    """Write ``fig`` to ``path`` atomically: a temporary file in the same directory, then ``os.replace``.

    A reader never sees a half-written image, and an interrupted save leaves
    any previous file intact. Missing parent directories are created.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or Path
        The format follows the suffix (".png" by default if there is none).
    dpi : int, default=150

    Returns
    -------
    Path
        ``path``.
    """
    from .io import atomic_write

    path = Path(path)
    fmt = path.suffix[1:].lower() or "png"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda f: fig.savefig(f, format=fmt, dpi=dpi))
    return path
