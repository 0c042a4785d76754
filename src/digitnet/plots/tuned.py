"""Figures shared by several studies: a mean curve with its band, each arm's loss at its own best rate,
scores against one parameter."""

from __future__ import annotations

import numpy as np

from ..experiments.analysis import histories_of, mean_and_error, mean_curve, seconds_per_epoch
from .style import FALLBACK_COLORS, axis_label, format_value, new_figure, ordered_colors, percent_formatter


def mean_band(ax, x, histories, key, color, style="-", label=None, seconds_per_epoch=1.0):
    """One mean curve over seeds with a ±1 std band on ``ax``; returns its last x (None if there is no curve).

    ``x`` maps the epochs (1, 2, ...) to the horizontal axis; ``seconds_per_epoch`` scales it.
    """
    summary = mean_curve(histories, key)
    if summary is None:
        return None
    mean, std, n = summary.mean, summary.std, summary.n
    xs = x(np.arange(1, len(mean) + 1)) * seconds_per_epoch
    ax.plot(xs, mean, style, color=color, lw=1.6, label=label)
    if n > 1 and np.any(std > 0):
        ax.fill_between(xs, np.where(mean - std > 0, mean - std, mean), mean + std, color=color, alpha=0.15, lw=0)
    return xs[np.flatnonzero(np.isfinite(mean))[-1]] if np.isfinite(mean).any() else None


def tuned_curves(runs, curves, group, best_rates, seconds=False, rate="learning_rate_init", title=None):
    """The training loss of each ``group`` value at its own best learning rate: per epoch, and (``seconds``)
    per second of training (each run's time spread evenly over its epochs)."""
    fig = new_figure(12.0 if seconds else 8.5, 4.8)
    axes = fig.subplots(1, 2 if seconds else 1, squeeze=False).ravel()
    values = [v for v in best_rates if v in set(runs[group])]
    colors = ordered_colors(values) if group != "label" else {v: FALLBACK_COLORS[i % 6] for i, v in enumerate(values)}
    for value in values:
        mine = runs[(runs[group] == value) & (runs[rate] == best_rates[value])]
        label = f"{axis_label(group)} {format_value(value)}" if group != "label" else str(value)
        label += f" (η = {format_value(best_rates[value])})"
        histories = histories_of(mine, curves)
        mean_band(axes[0], lambda e: e, histories, "loss", colors[value], label=label)
        if seconds:
            per_epoch = seconds_per_epoch(mine)
            mean_band(axes[1], lambda e: e, histories, "loss", colors[value], seconds_per_epoch=per_epoch)
    for ax, xlabel in zip(axes, ("epoch", "seconds of training (log scale)")):
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("training loss (nats, log scale)")
        ax.grid(True, alpha=0.3)
    if seconds:
        axes[1].set_xscale("log")
    axes[0].legend(fontsize="small")
    fig.suptitle(title or f"Training loss of each {axis_label(group)} at its best learning rate")
    return fig


def against_parameter(runs, param, metrics=("train_accuracy", "val_accuracy"), title=None, labels=None):
    """Scores against one parameter (mean ± standard error over seeds); a 0 gets its own tick on a log axis.
    ``labels`` names a metric in the legend (default: its usual name, e.g. "validation accuracy")."""
    values = sorted(set(runs[param]))
    positive = [v for v in values if v > 0]
    zero_at = min(positive) / 10 if positive else 1.0
    fig = new_figure(8.0, 4.6)
    ax = fig.add_subplot()
    for metric, color in zip(metrics, ("#332288", "#117733", "#CC6677")):
        stats = [mean_and_error(runs.loc[runs[param] == v, metric]) for v in values]
        xs = [v if v > 0 else zero_at for v in values]
        ax.errorbar(xs, [s[0] for s in stats], yerr=[s[1] for s in stats], fmt="o-", color=color, capsize=3,
                    label=(labels or {}).get(metric, axis_label(metric)))
    ax.set_xscale("log")
    ax.set_xticks([v if v > 0 else zero_at for v in values], [format_value(v) for v in values], fontsize="small")
    ax.set_xlabel(f"{axis_label(param)} (log scale)")
    ax.set_ylabel("accuracy (%), mean ± std error")
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(title or f"Training and validation accuracy against the {axis_label(param)}")
    return fig
