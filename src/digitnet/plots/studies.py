"""The training-parameter studies: the learning-rate landscape, curves at each setting's best rate,
overfitting over epochs, scores against a parameter, the spread of activations at initialization,
and the chain of single changes from the original setting to ours.

Each takes the study's tables and, where there is something to read off (regions, best rates,
the epoch of lowest validation loss), the reading computed by :mod:`digitnet.experiments.analysis`,
so that a figure shows what its conclusion says.
"""

from __future__ import annotations

import numpy as np

from ..experiments.analysis import early_stopping, histories_of, last_finite, lowest, mean_and_error, mean_curve
from .style import (
    FALLBACK_COLORS, axis_label, format_value, mpl_patches, mpl_ticker, new_figure, ordered_colors, percent_formatter,
    show_message,
)

#: Shades of the learning-rate regions.
REGION_COLORS = {"too small": "#DDDDDD", "good": "#CCEBC5", "too large": "#FDDBC7", "diverges": "#F4A582"}


def _band(ax, x, histories, key, color, style="-", label=None, seconds_per_epoch=1.0):
    """One mean curve over seeds with a ±1 std band; returns its last x (None if there is no curve)."""
    summary = mean_curve(histories, key)
    if summary is None:
        return None
    mean, std, n = summary
    xs = x(np.arange(1, len(mean) + 1)) * seconds_per_epoch
    ax.plot(xs, mean, style, color=color, lw=1.6, label=label)
    if n > 1 and np.any(std > 0):
        ax.fill_between(xs, np.where(mean - std > 0, mean - std, mean), mean + std, color=color, alpha=0.15, lw=0)
    return xs[np.flatnonzero(np.isfinite(mean))[-1]] if np.isfinite(mean).any() else None


def learning_rate_landscape(readings, highlight=(), title=None):
    """Final training loss and validation accuracy against the learning rate (log axis), with the regions.

    Parameters
    ----------
    readings : list of RateReading
        :func:`digitnet.experiments.analysis.learning_rate_landscape`.
    highlight : sequence of float
        Rates to circle (the original project's).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes sharing the learning-rate axis.
    """
    fig = new_figure(9.0, 6.2)
    loss_ax, acc_ax = fig.subplots(2, 1, sharex=True)
    rates = np.array([r.rate for r in readings])
    edges = np.sqrt(rates[1:] * rates[:-1]) if len(rates) > 1 else np.array([])
    bounds = np.concatenate([[rates[0] / 1.5], edges, [rates[-1] * 1.5]])
    for ax in (loss_ax, acc_ax):
        for r, low, high in zip(readings, bounds[:-1], bounds[1:]):
            ax.axvspan(low, high, color=REGION_COLORS.get(r.region, "white"), lw=0, zorder=0)
        ax.set_xscale("log")
        ax.grid(True, which="major", alpha=0.3)
    sound = [r for r in readings if r.diverged_at is None]
    loss_ax.plot([r.rate for r in sound], [r.final_loss for r in sound], "o-", color="#332288", ms=5)
    acc_ax.errorbar([r.rate for r in sound], [r.val_accuracy for r in sound], yerr=[r.val_error for r in sound],
                    fmt="o-", color="#117733", ms=5, capsize=3)
    top = max([r.final_loss for r in sound] or [1.0])
    for r in readings:
        if r.diverged_at is not None:
            loss_ax.plot(r.rate, top, "X", color="#B2182B", ms=10)
            loss_ax.annotate(f"diverged at epoch {r.diverged_at}", (r.rate, top), xytext=(0, -9), rotation=90,
                             textcoords="offset points", ha="center", va="top", fontsize="x-small", color="#B2182B")
    marked = [r for r in sound if r.rate in set(highlight)]
    loss_ax.plot([r.rate for r in marked], [r.final_loss for r in marked], "o", ms=11, mfc="none", mec="black",
                 label="the original project's rates")
    acc_ax.plot([r.rate for r in marked], [r.val_accuracy for r in marked], "o", ms=11, mfc="none", mec="black")
    loss_ax.set_yscale("log")
    loss_ax.set_ylabel("final training loss\n(nats, log scale)")
    acc_ax.set_ylabel("validation accuracy (%)\nmean ± std error")
    acc_ax.yaxis.set_major_formatter(percent_formatter())
    acc_ax.set_xlabel("learning rate η (log scale)")
    patches = [mpl_patches.Patch(color=c, label=name) for name, c in REGION_COLORS.items()]
    fig.legend(handles=patches + loss_ax.get_legend_handles_labels()[0], loc="outside right center",
               fontsize="small", frameon=False)
    fig.suptitle(title or "The learning-rate landscape of full-batch gradient descent")
    return fig


def rate_curves(runs, curves, rates, readings, column="learning_rate_init", title=None):
    """The training loss per epoch at a few learning rates; a diverged one ends in a cross where it diverged."""
    fig = new_figure(8.5, 4.8)
    ax = fig.add_subplot()
    by_rate = {r.rate: r for r in readings}
    colors = ordered_colors(list(rates), cmap="plasma")
    for rate in rates:
        histories = histories_of(runs[runs[column] == rate], curves)
        reading = by_rate.get(rate)
        label = f"η = {format_value(rate)}" + (f" ({reading.region})" if reading else "")
        end = _band(ax, lambda e: e, histories, "loss", colors[rate], label=label)
        if reading is not None and reading.diverged_at is not None and end is not None:
            summary = mean_curve(histories, "loss")
            ax.plot(end, last_finite(summary[0]), "X", color=colors[rate], ms=11, mec="black")
    ax.set_xscale("log")  # the overshooting and diverging happen in the first epochs, the crawling over all of them
    ax.set_yscale("log")
    ax.set_xlabel("epoch (log scale)")
    ax.set_ylabel("training loss (nats, log scale)")
    ax.xaxis.set_major_formatter(mpl_ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", title="✕: diverged", title_fontsize="x-small")
    ax.set_title(title or "The training loss at a few learning rates (their regions in the legend)")
    return fig


def overfitting_chart(runs, curves, title=None):
    """Training and validation loss over the epochs of the longest runs, the epoch of lowest validation
    loss and the epoch early stopping would keep marked."""
    longest = runs[runs["n_iter"] == runs["n_iter"].max()] if "n_iter" in runs else runs
    histories = histories_of(longest.drop_duplicates("seed"), curves)
    fig = new_figure(8.5, 4.8)
    ax = fig.add_subplot()
    if not histories:
        show_message(ax, "no curves to show")
        return fig
    _band(ax, lambda e: e, histories, "loss", "#332288", label="training loss")
    _band(ax, lambda e: e, histories, "val_loss", "#CC3311", "--", label="validation loss")
    val_loss = mean_curve(histories, "val_loss")[0]
    epoch, value = lowest(val_loss)
    ax.axvline(epoch, color="#CC3311", lw=1, ls=":")
    ax.annotate(f"lowest validation loss\n(epoch {epoch}, {value:.3f})", (epoch, value), xytext=(8, 22),
                textcoords="offset points", fontsize="small", color="#CC3311")
    val_accuracy = mean_curve(histories, "val_accuracy")[0]
    stop, kept = early_stopping(val_accuracy)
    ax.axvline(kept, color="0.3", lw=1, ls="-.")
    ax.annotate(f"early stopping keeps epoch {kept}\n(stops at {stop})", (kept, val_loss[kept - 1]), xytext=(8, -30),
                textcoords="offset points", fontsize="small", color="0.3")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy loss (nats, log scale)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(title or "Training and validation loss over the epochs")
    return fig


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
        _band(axes[0], lambda e: e, histories, "loss", colors[value], label=label)
        if seconds:
            per_epoch = float(np.mean(mine["fit_seconds"] / mine["n_iter"].clip(lower=1)))
            _band(axes[1], lambda e: e, histories, "loss", colors[value], seconds_per_epoch=per_epoch)
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


def against_parameter(runs, param, metrics=("train_accuracy", "val_accuracy"), title=None):
    """Scores against one parameter (mean ± standard error over seeds); a 0 gets its own tick on a log axis."""
    values = sorted(set(runs[param]))
    positive = [v for v in values if v > 0]
    zero_at = min(positive) / 10 if positive else 1.0
    fig = new_figure(8.0, 4.6)
    ax = fig.add_subplot()
    for metric, color in zip(metrics, ("#332288", "#117733", "#CC6677")):
        stats = [mean_and_error(runs.loc[runs[param] == v, metric]) for v in values]
        xs = [v if v > 0 else zero_at for v in values]
        ax.errorbar(xs, [s[0] for s in stats], yerr=[s[1] for s in stats], fmt="o-", color=color, capsize=3,
                    label=axis_label(metric))
    ax.set_xscale("log")
    ax.set_xticks([v if v > 0 else zero_at for v in values], [format_value(v) for v in values], fontsize="small")
    ax.set_xlabel(f"{axis_label(param)} (log scale)")
    ax.set_ylabel("accuracy (%), mean ± std error")
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(title or f"Training and validation accuracy against the {axis_label(param)}")
    return fig


def initialization_chart(spreads, runs, curves, title=None):
    """Left: how spread each hidden layer's activations are at the start, per initialization; right: the
    training loss of the 3-layer networks over the epochs, per initialization.

    Parameters
    ----------
    spreads : dict of (weight_init, activation) -> list of float
        :func:`digitnet.experiments.analysis.activation_spread` of the deep networks.
    """
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
    left.grid(True, alpha=0.3)
    left.legend(fontsize="x-small")
    deep = runs[runs["hidden_layer_sizes"].astype(str).str.count("-") >= 2]
    for (init, activation), mine in deep.groupby(["weight_init", "activation"], sort=False):
        _band(right, lambda e: e, histories_of(mine, curves), "loss", colors.get(init, "0.5"),
              styles.get(activation, ":"), label=f"{init}, {activation}")
    right.set_yscale("log")
    right.set_xlabel("epoch")
    right.set_ylabel("training loss (nats, log scale)")
    right.grid(True, alpha=0.3)
    right.legend(fontsize="x-small")
    left.set_title("at the start", fontsize="medium")
    right.set_title("training", fontsize="medium")
    fig.suptitle(title or "Initial weights of a network of 3 hidden layers of 32 units: the activations' spread"
                 " at the start, and the training loss")
    return fig


def steps_chart(runs, metric="test_accuracy", label="label", title=None):
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
