"""Figures shared by several studies: a mean curve with its band, each arm at the rate each of its questions
chose (:func:`tuned_curves`) and how those rates were chosen (:func:`rate_choices`), scores against one parameter."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..experiments.analysis import mean_and_error, mean_curve
from .style import FALLBACK_COLORS, axis_label, format_value, new_figure, ordered_colors, percent_formatter

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..experiments.analysis import CurveSummary


def mean_band(
    ax: Axes,
    x: Callable[[np.ndarray], np.ndarray],
    histories: Sequence[Mapping[str, Sequence[float]]],
    key: str,
    color: str | tuple[float, ...],
    style: str = "-",
    label: str | None = None,
    seconds_per_epoch: float = 1.0,
) -> float | None:
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


def summary_band(
    ax: Axes,
    summary: CurveSummary | None,
    color: str | tuple[float, ...],
    label: str | None = None,
    scale: float = 1.0,
    style: str = "-",
) -> None:
    """A :class:`~digitnet.experiments.analysis.CurveSummary` (epochs 1, 2, ... times ``scale``) with its ±1 std
    band; nothing for None."""
    if summary is None:
        return
    mean, std = summary.mean, summary.std
    xs = np.arange(1, len(mean) + 1) * scale
    ax.plot(xs, mean, style, color=color, lw=1.6, label=label)
    if summary.n > 1 and np.any(std > 0):
        ax.fill_between(xs, np.where(mean - std > 0, mean - std, mean), mean + std, color=color, alpha=0.15, lw=0)


def _arm_colors(arms):
    values = [arm.value for arm in arms]
    if all(isinstance(v, (int, float, np.integer, np.floating)) or v == "full" for v in values):
        return dict(zip(values, ordered_colors(list(range(len(values)))).values()))
    return {v: FALLBACK_COLORS[i % len(FALLBACK_COLORS)] for i, v in enumerate(values)}


def tuned_curves(
    arms: Sequence[Any],
    name: Callable[[Any], str],
    seconds: bool = False,
    title: str | None = None,
    questions: tuple[str, str] = ("how far training gets", "which generalises"),
) -> Figure:
    """Each arm per epoch, at the rate each question chose: its training loss at the rate the loss chose (left),
    its cross-validated accuracy at the rate the accuracy chose (middle) and, with ``seconds``, its training loss
    against this machine's seconds of training (right: epochs times its median seconds per epoch).

    Parameters
    ----------
    arms : list
        Records like :class:`digitnet.studies.common.TunedArm`: ``value``, ``chosen`` (``{"loss": rate,
        "accuracy": rate}``), ``curves`` and ``val_curves`` (rate -> curve summary), ``seconds_per_epoch``.
    name : callable
        An arm's value -> its name in the legend.
    """
    fig = new_figure(14.0 if seconds else 10.5, 4.8)
    axes = fig.subplots(1, 3 if seconds else 2, squeeze=False).ravel()
    colors = _arm_colors(arms)
    for arm in arms:
        loss_rate, acc_rate = arm.chosen.get("loss"), arm.chosen.get("accuracy")
        color = colors[arm.value]
        if loss_rate is not None:
            summary_band(
                axes[0], arm.curves.get(loss_rate), color, f"{name(arm.value)} (η = {format_value(loss_rate)})"
            )
        if acc_rate is not None:
            summary_band(
                axes[1], arm.val_curves.get(acc_rate), color, f"{name(arm.value)} (η = {format_value(acc_rate)})"
            )
        if seconds and loss_rate is not None and np.isfinite(arm.seconds_per_epoch):
            summary_band(axes[2], arm.curves.get(loss_rate), color, scale=arm.seconds_per_epoch)
    axes[0].set_title(f"{questions[0]}: training loss\n(each at the rate that minimises it)", fontsize="medium")
    axes[1].set_title(
        f"{questions[1]}: cross-validated accuracy\n(each at the rate that maximises it)", fontsize="medium"
    )
    for ax in (axes[0], *axes[2:]):
        ax.set_yscale("log")
        ax.set_ylabel("training loss (nats, log scale)")
    axes[0].set_xlabel("epoch")
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("cross-validated accuracy (%)")
    axes[1].yaxis.set_major_formatter(percent_formatter())
    if seconds:
        axes[2].set_xscale("log")
        axes[2].set_xlabel("seconds of training on this machine (log scale)")
        axes[2].set_title("training loss per second (this machine's, not a claim)", fontsize="medium")
    for ax in axes:
        ax.grid(True, alpha=0.3)
        if ax.has_data() and ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="x-small")
    fig.suptitle(title or "Each arm at the learning rate its question chose")
    return fig


#: The accuracies :func:`rate_choices` shows below the best (10 points): enough for every arm near the top.
ACCURACY_SPAN = 0.10


def rate_choices(
    arms: Sequence[Any], name: Callable[[Any], str], metrics: tuple[str, str], title: str | None = None
) -> Figure:
    """How each arm's rate was chosen: its cross-validated accuracy (left) and training loss (right) at every rate
    it tried, the rate each chose circled; a rate at which a seed diverged is left out.

    Parameters
    ----------
    arms : list
        Records like :class:`digitnet.studies.common.TunedArm`: ``value``, ``rates``, ``chosen``, ``accuracy``
        (rate -> (mean, standard error)), ``loss`` (rate -> loss).
    name : callable
        An arm's value -> its name in the legend.
    metrics : (str, str)
        The two metrics in words (accuracy, loss), for the axes.
    """
    fig = new_figure(11.0, 4.6)
    acc_ax, loss_ax = fig.subplots(1, 2)
    colors = _arm_colors(arms)
    for arm in arms:
        color, rates = colors[arm.value], np.asarray(arm.rates, dtype=float)
        acc = np.array([arm.accuracy[r][0] for r in arm.rates], dtype=float)
        err = np.array([arm.accuracy[r][1] for r in arm.rates], dtype=float)
        acc_ax.errorbar(rates, acc, yerr=err, fmt="o-", ms=4, color=color, capsize=2, label=name(arm.value))
        loss_ax.plot(rates, [arm.loss[r] for r in arm.rates], "o-", ms=4, color=color, label=name(arm.value))
        for ax, key, values in ((acc_ax, "accuracy", acc), (loss_ax, "loss", [arm.loss[r] for r in arm.rates])):
            chosen = arm.chosen.get(key)
            if chosen is not None:
                ax.plot(chosen, values[arm.rates.index(chosen)], "o", ms=12, mfc="none", mec=color, mew=2)
    acc_ax.set_ylabel(f"{metrics[0]} (%)\nmean ± std error over seeds")
    acc_ax.yaxis.set_major_formatter(percent_formatter())
    acc_title = "which generalises: the rate of highest accuracy circled"
    scores = [v[0] for arm in arms for v in arm.accuracy.values() if np.isfinite(v[0])]
    if scores and min(scores) < max(scores) - ACCURACY_SPAN:  # the question is about the top: keep it readable
        acc_ax.set_ylim(max(scores) - ACCURACY_SPAN, max(scores) + 0.005)
        acc_title += f"\n(cut at {100 * (max(scores) - ACCURACY_SPAN):.0f}%: lower points run off the axis)"
    loss_ax.set_ylabel(f"{metrics[1]}\n(nats, log scale; geometric mean over seeds)")
    loss_ax.set_yscale("log")
    for ax in (acc_ax, loss_ax):
        ax.set_xscale("log")
        ax.set_xlabel("learning rate η (log scale)")
        ax.grid(True, alpha=0.3)
    acc_ax.set_title(acc_title, fontsize="medium")
    loss_ax.set_title("how far training gets: the rate of lowest loss circled", fontsize="medium")
    loss_ax.legend(fontsize="x-small", title="missing point: a seed diverged", title_fontsize="xx-small")
    fig.suptitle(title or "Each arm's learning rate, chosen by each question's own metric")
    return fig


def against_parameter(
    runs: pd.DataFrame,
    param: str,
    metrics: Sequence[str] = ("train_accuracy", "val_accuracy"),
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
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
        ax.errorbar(
            xs,
            [s[0] for s in stats],
            yerr=[s[1] for s in stats],
            fmt="o-",
            color=color,
            capsize=3,
            label=(labels or {}).get(metric, axis_label(metric)),
        )
    ax.set_xscale("log")
    ax.set_xticks([v if v > 0 else zero_at for v in values], [format_value(v) for v in values], fontsize="small")
    ax.set_xlabel(f"{axis_label(param)} (log scale)")
    ax.set_ylabel("accuracy (%), mean ± std error")
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(title or f"Training and validation accuracy against the {axis_label(param)}")
    return fig
