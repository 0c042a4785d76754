"""digitnet against scikit-learn's MLPClassifier: test metrics side by side, accuracy against fit time; and every
model of the comparison, baselines included, on the same test digits."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .style import (
    as_frame,
    axis_label,
    model_color,
    model_label,
    model_order,
    mpl_lines,
    mpl_ticker,
    new_figure,
    percent_formatter,
    require_columns,
    seed_std,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..experiments.baselines import Baseline


def comparison_bars(
    compare_runs: pd.DataFrame,
    metrics: Sequence[str] = ("accuracy", "precision", "recall", "f1"),
    title: str | None = None,
) -> Figure:
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
    runs = as_frame(compare_runs)
    metrics = [m for m in metrics if m in runs.columns]
    require_columns(runs, ["model"], "comparison_bars")
    if not metrics:
        raise KeyError(f"comparison_bars found none of the metric columns in {list(runs.columns)}.")
    models = model_order(runs["model"])
    fig = new_figure(max(6.0, 1.6 * len(metrics) + 2.5), 4.6)
    ax = fig.add_subplot()
    width = 0.8 / len(models)
    lows, highs, n_seeds = [], [], 1
    for i, model in enumerate(models):
        rows = runs[runs["model"] == model]
        n_seeds = max(n_seeds, len(rows))
        means = np.array([pd.to_numeric(rows[m], errors="coerce").mean() for m in metrics])
        stds = np.array([seed_std(pd.to_numeric(rows[m], errors="coerce")) for m in metrics])
        xs = np.arange(len(metrics)) + (i - (len(models) - 1) / 2) * width
        color = model_color(model, i)
        ax.bar(
            xs,
            means,
            width * 0.92,
            color=color,
            label=model_label(model),
            yerr=stds if np.any(stds > 0) else None,
            capsize=4,
            error_kw={"lw": 1.2, "ecolor": "0.15"},
        )
        for x, m in zip(xs, metrics):
            seeds = pd.to_numeric(rows[m], errors="coerce").dropna().to_numpy()
            if len(seeds) > 1:
                jitter = np.linspace(-width * 0.25, width * 0.25, len(seeds))
                ax.scatter(x + jitter, seeds, s=9, color="black", alpha=0.55, zorder=3, lw=0)
            lows.append(seeds.min() if len(seeds) else np.nan)
            highs.append(seeds.max() if len(seeds) else np.nan)
        highs.extend(means + stds)  # the error bar tips, which the labels sit on
        for x, mean, std in zip(xs, means, stds):
            # upright: side by side bars leave a label no more room across than the bar (a phone's even less)
            ax.annotate(
                f"{mean:.1%}",
                (x, mean + std),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize="x-small",
                rotation=90,
            )
    low, high = np.nanmin(lows), np.nanmax(highs)
    span = max(high - low, 0.01)
    bottom = max(0.0, math.floor((low - 0.6 * span) * 100) / 100)
    ax.set_ylim(bottom, min(1.0, high + 0.6 * span) if high < 1 else 1.0 + 0.4 * span)
    ax.yaxis.set_major_locator(mpl_ticker.MaxNLocator(nbins=8, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xticks(range(len(metrics)), [axis_label(m) for m in metrics])
    ax.set_ylabel(f"score on the test set (%; axis starts at {bottom:.0%})")
    ax.grid(True, axis="y", alpha=0.3)
    seeds_note = f"mean ± std over {n_seeds} seeds; dots are single seeds" if n_seeds > 1 else "one seed"
    fig.suptitle(title or f"digitnet vs scikit-learn MLPClassifier\n{seeds_note}")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=len(models), frameon=False)
    return fig


def accuracy_vs_time(
    compare_runs: pd.DataFrame,
    x: str = "fit_seconds",
    y: str = "accuracy",
    log_x: bool | None = None,
    title: str | None = None,
) -> Figure:
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
    runs = as_frame(compare_runs)
    require_columns(runs, ["model", x, y], "accuracy_vs_time")
    fig = new_figure(7.0, 4.6)
    ax = fig.add_subplot()
    times = pd.to_numeric(runs[x], errors="coerce")
    for i, model in enumerate(model_order(runs["model"])):
        rows = runs[runs["model"] == model]
        t = pd.to_numeric(rows[x], errors="coerce").to_numpy()
        a = pd.to_numeric(rows[y], errors="coerce").to_numpy()
        color = model_color(model, i)
        ax.scatter(
            t,
            a,
            s=28,
            color=color,
            alpha=0.6,
            lw=0,
            label=f"{model_label(model)} (one seed each)" if len(rows) > 1 else model_label(model),
        )
        if len(rows) > 1:
            a_std = seed_std(a)
            ax.errorbar(
                np.nanmean(t),
                np.nanmean(a),
                yerr=a_std or None,
                fmt="X",
                ms=10,
                color=color,
                mec="black",
                mew=0.8,
                capsize=4,
                ecolor=color,
                lw=1.5,
                label=f"{model_label(model)} mean (bar: ± std of {axis_label(y)})",
            )
    positive = times[times > 0]
    if log_x is None:
        log_x = len(positive) > 1 and positive.max() / positive.min() > 10
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel("fit time (seconds" + (", log scale)" if log_x else ")"))
    ax.set_ylabel(f"{axis_label(y)} on the test set (%)")
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title(title or f"{axis_label(y).capitalize()} against training time")
    ax.legend(fontsize="small", loc="best", framealpha=0.9)
    return fig


def baselines_figure(models: Sequence[Baseline], title: str | None = None) -> Figure:
    """Every model's test accuracy on the same test digits: its mean, Wilson's 95% interval, and its seeds.

    Parameters
    ----------
    models : sequence of Baseline
        :class:`digitnet.experiments.baselines.Baseline` records (``name``, ``accuracies``, ``stochastic``,
        ``mean``, ``std``, ``interval``, ``n_test``), drawn top to bottom in this order.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes: a row per model.
    """
    models = list(models)
    if not models:
        raise ValueError("baselines_figure needs at least one model")
    fig = new_figure(8.0, 1.6 + 0.55 * len(models))
    ax = fig.add_subplot()
    colors = {True: "#0072B2", False: "#555555"}  # fitted over seeds / fitted once
    for y, m in zip(np.arange(len(models))[::-1], models):
        low, high = m.interval
        color = colors[m.stochastic]
        ax.plot([low, high], [y, y], color=color, lw=5, alpha=0.35, solid_capstyle="butt")
        if m.stochastic:
            ax.scatter(m.accuracies, np.full(len(m.accuracies), y + 0.2), s=12, color=color, alpha=0.6, lw=0)
        ax.plot(m.mean, y, "D", color=color, ms=7, mec="black", mew=0.6)
        ax.annotate(
            f"{m.mean:.1%}" + (f" ± {100 * m.std:.1f}" if m.stochastic and np.isfinite(m.std) else ""),
            (m.mean, y),
            xytext=(0, -7),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize="small",
        )  # under its marker: beside the interval it would leave a phone's picture
    ax.set_yticks(np.arange(len(models))[::-1], [m.name for m in models])
    ax.set_ylim(-0.8, len(models) - 0.5)  # room for the lowest row's label, under its marker
    ax.xaxis.set_major_locator(mpl_ticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    lows = [min(m.interval[0], min(m.accuracies)) for m in models]
    ax.set_xlim(math.floor(min(lows) * 100 - 0.5) / 100, 1.015)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("accuracy on the test set (%)")
    ax.set_ylabel("model")
    ax.grid(True, axis="x", alpha=0.3)
    handles = [
        mpl_lines.Line2D(
            [], [], color="0.5", lw=5, alpha=0.35, label=f"Wilson's 95% interval ({models[0].n_test} test digits)"
        ),
        mpl_lines.Line2D(
            [], [], ls="", marker="D", color=colors[True], mec="black", label="network: mean over the seeds"
        ),
        mpl_lines.Line2D([], [], ls="", marker="o", ms=4, color=colors[True], alpha=0.6, label="one seed"),
        mpl_lines.Line2D(
            [],
            [],
            ls="",
            marker="D",
            color=colors[False],
            mec="black",
            label="baseline: tuned by cross-validation, fitted once",
        ),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    ax.set_title(title or "Every model on the same test digits")
    return fig
