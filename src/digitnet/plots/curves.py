"""Curves per epoch: loss and accuracy of every configuration, the learning-rate panels, the epochs chart."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from .style import (
    CURVE_AXIS_LABELS,
    as_frame,
    axis_label,
    format_value,
    mean_curve,
    mpl_lines,
    mpl_ticker,
    new_figure,
    ordered_colors,
    percent_formatter,
    require_columns,
    show_message,
    sort_key,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


def _curve_groups(runs, curves, label_by):
    """``[(value, [history, ...]), ...]``: the curves of each ``label_by`` value, in order."""
    if runs is None:
        return [(run_id, [history]) for run_id, history in curves.items()]
    runs = as_frame(runs)
    require_columns(runs, ["run_id", label_by], "A curve plot")
    groups = {}
    for value, run_id in zip(runs[label_by], runs["run_id"]):
        if run_id in curves:
            groups.setdefault(value, []).append(curves[run_id])
    return sorted(groups.items(), key=lambda item: sort_key(item[0]))


def _draw_curves(ax, history_groups, colors, metric, log, show_validation, end_markers=False, labels=None):
    """Draw one training (solid) and one validation (dashed) line per group.

    Lines are the mean over the group's runs (seeds), with a band of ±1 std when
    there are several. Returns (legend handles, whether any validation curve was drawn).
    """
    handles, any_validation = [], False
    for value, histories in history_groups:
        color = colors[value]
        label = labels[value] if labels else format_value(value)
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            if key.startswith("val_") and not show_validation:
                continue
            summary = mean_curve(histories, key)
            if summary is None:
                continue
            mean, std, n_runs = summary.mean, summary.std, summary.n
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
                    ax.plot(
                        epochs[last[-1]],
                        mean[last[-1]],
                        "o" if style == "-" else "s",
                        color=color,
                        ms=5,
                        mfc=color if style == "-" else "white",
                        zorder=3,
                    )
            any_validation |= key.startswith("val_")
        handles.append(mpl_lines.Line2D([], [], color=color, lw=2, label=label))
    return handles, any_validation


def _style_curve_axes(ax, metric, log):
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    name, unit = CURVE_AXIS_LABELS.get(metric, (metric, None))
    notes = [n for n in (unit, "log scale" if log else None) if n]
    ax.set_ylabel(name + (f" ({', '.join(notes)})" if notes else ""))
    if metric == "accuracy" and not log:
        ax.yaxis.set_major_formatter(percent_formatter())
    ax.xaxis.set_major_locator(mpl_ticker.MaxNLocator(integer=True))
    ax.grid(True, which="major", alpha=0.3)


def _split_handles():
    return [
        mpl_lines.Line2D([], [], color="0.3", ls="-", label="training"),
        mpl_lines.Line2D([], [], color="0.3", ls="--", label="validation"),
    ]


def _metric_title(metric):
    return metric.replace("_", " ").capitalize()


def _resolve_log(log, metric):
    return metric == "loss" if log is None else bool(log)


def loss_curves(
    runs: pd.DataFrame | None,
    curves: Mapping[str, dict],
    label_by: str = "learning_rate_init",
    metric: str = "loss",
    log: bool | None = None,
    title: str | None = None,
    show_validation: bool = True,
) -> Figure:
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
    fig = new_figure(8.5, 4.8)
    ax = fig.add_subplot()
    name = "run" if runs is None else axis_label(label_by)
    ax.set_title(title or f"{_metric_title(metric)} per epoch by {name}")
    if not groups:
        show_message(ax, "no curves to show")
        return fig
    colors = ordered_colors([value for value, _ in groups])
    # A configuration's name ("label" column) says it all; a parameter value needs the parameter's name.
    named = runs is None or label_by == "label"
    labels = {value: (str(value) if named else f"{name} = {format_value(value)}") for value, _ in groups}
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


def learning_rate_panels(
    runs: pd.DataFrame,
    curves: Mapping[str, dict],
    lr_col: str = "learning_rate_init",
    metric: str = "loss",
    log: bool | None = None,
    ncols: int | None = None,
    title: str | None = None,
    show_validation: bool = True,
) -> Figure:
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
    title = title or f"{_metric_title(metric)} per epoch, one panel per {axis_label(lr_col)}"
    if not groups:
        fig = new_figure(6, 4)
        ax = fig.add_subplot()
        ax.set_title(title)
        show_message(ax, "no curves to show")
        return fig
    nrows, ncols = _grid_shape(len(groups), ncols)
    fig = new_figure(max(6.0, 3.4 * ncols), 2.9 * nrows + 0.6)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    colors = ordered_colors([value for value, _ in groups])
    any_validation = False
    for ax, (value, histories) in zip(axes, groups):
        _, drew_validation = _draw_curves(ax, [(value, histories)], colors, metric, log, show_validation)
        any_validation |= drew_validation
        finals = []
        for key, name in ((metric, "train"), (f"val_{metric}", "val")):
            summary = mean_curve(histories, key) if (show_validation or key == metric) else None
            if summary is not None and np.isfinite(summary.mean).any():
                final = summary.mean[np.isfinite(summary.mean)][-1]
                finals.append(f"{name} {final:.1%}" if metric == "accuracy" else f"{name} {final:.3g}")
        n_seeds = len(histories)
        subtitle = "final: " + ", ".join(finals) if finals else "no finite values"
        if not any(len(h.get(metric, ())) for h in histories):  # e.g. every run diverged
            subtitle = "no curve"
            show_message(ax, "no curve recorded\n(training failed?)", clear_ticks=False)
        ax.set_title(
            f"{axis_label(lr_col)} = {format_value(value)}"
            + (f"  ({n_seeds} runs)" if n_seeds > 1 else "")
            + f"\n{subtitle}",
            fontsize="medium",
        )
        _style_curve_axes(ax, metric, log)
    for ax in axes[len(groups) :]:
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


def epochs_chart(
    runs: pd.DataFrame,
    curves: Mapping[str, dict],
    epochs_col: str = "max_iter",
    metric: str = "loss",
    log: bool | None = None,
    title: str | None = None,
    show_validation: bool = True,
) -> Figure:
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
    fig = new_figure(8.5, 4.8)
    ax = fig.add_subplot()
    ax.set_title(title or f"{_metric_title(metric)} per epoch for each training length")
    if not groups:
        show_message(ax, "no curves to show")
        return fig
    colors = ordered_colors([value for value, _ in groups])
    labels = {value: f"{format_value(value)} {axis_label(epochs_col)}" for value, _ in groups}
    # longest budgets first, so the shorter ones (drawn on top) stay visible
    handles, any_validation = _draw_curves(
        ax, groups[::-1], colors, metric, log, show_validation, end_markers=True, labels=labels
    )
    _style_curve_axes(ax, metric, log)
    handles = handles[::-1]
    if any_validation:
        handles += [
            mpl_lines.Line2D([], [], color="0.3", ls="-", marker="o", label="training"),
            mpl_lines.Line2D([], [], color="0.3", ls="--", marker="s", mfc="white", label="validation"),
        ]
    fig.legend(handles=handles, fontsize="small", loc="outside right upper", frameon=False)
    return fig
