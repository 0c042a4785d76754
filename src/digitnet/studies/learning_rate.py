"""The learning-rate study: plain full-batch gradient descent at 13 rates, from crawling to diverging.

How big a step? The rates fall into regions read off the data (:func:`landscape`): too small (the
loss crawls), good (within the noise of the best validation accuracy), too large (the loss
overshoots and oscillates) and diverging (the loss explodes: recorded with its epoch).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..experiments.analysis import (
    CurveSummary, histories_of, last_finite, mean_and_error, mean_curve, overshoot, rises,
)
from ..experiments.results import SweepResult
from ..plots import mean_band
from ..plots.style import format_value, mpl_patches, mpl_ticker, new_figure, ordered_colors, percent_formatter
from ..words import num, pct, rate
from .base import Settings, Study
from .common import GRADIENT_DESCENT, curve_points
from .registry import register

#: From far too small to divergent, log-spaced; the original project's four rates among them.
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 2.0, 3.0, 5.0, 10.0)
ORIGINAL_RATES = (0.1, 0.01, 0.001, 0.0001)
#: A mean loss this far above its minimum counts as having risen (not round-off or noise).
RISE_FACTOR = 1.02
#: Shades of the regions.
REGION_COLORS = {"too small": "#DDDDDD", "good": "#CCEBC5", "too large": "#FDDBC7", "diverges": "#F4A582"}


@dataclass
class RateReading:
    """One learning rate of the landscape: mean scores over seeds, and what the data make of it."""

    rate: float
    val_accuracy: float
    val_error: float
    final_loss: float
    diverged_at: int | None  # the earliest epoch at which a seed diverged
    rises: float  # share of epochs at which the mean loss went up
    overshoot: float  # how far the mean loss climbed back above its lowest so far (1.0: never)
    region: str  # "too small", "good", "too large" or "diverges"
    loss: CurveSummary | None = None  # the training loss per epoch, over the seeds


@dataclass
class LearningRateReading:
    """The landscape (one :class:`RateReading` per rate, by increasing rate) and the rates worth drawing."""

    result: SweepResult
    rates: list
    shown: list
    epochs: int


def landscape(runs, curves, n_val, column="learning_rate_init") -> list[RateReading]:
    """Every rate's :class:`RateReading`, by increasing rate.

    Regions, read off the data: a rate *diverges* if a seed diverged; the *good* rates are those
    whose mean validation accuracy is within max(two standard errors, one validation sample) of
    the best rate's; rates below the good ones are *too small*, the others above them *too large*.
    """
    readings = []
    for value, group in runs.groupby(column, sort=True):
        val, se, _ = mean_and_error(group["val_accuracy"])
        diverged = group["diverged_at"].dropna() if "diverged_at" in group else []
        summary = mean_curve(histories_of(group, curves), "loss")
        curve = summary.mean if summary is not None else np.array([])
        readings.append(RateReading(float(value), val, se, last_finite(curve),
                                    int(min(diverged)) if len(diverged) else None, rises(curve[np.isfinite(curve)]),
                                    overshoot(curve), "", summary))
    sound = [r for r in readings if r.diverged_at is None and np.isfinite(r.val_accuracy)]
    if sound:
        best = max(sound, key=lambda r: r.val_accuracy)
        margin = max(2 * best.val_error, 1.0 / n_val)
        good = [r.rate for r in sound if r.val_accuracy >= best.val_accuracy - margin]
        for r in readings:
            r.region = ("diverges" if r.diverged_at is not None else "good" if r.rate in good else
                        "too small" if r.rate < min(good) else "too large")
    return readings


def illustrative_rates(readings) -> list[float]:
    """A few learning rates worth drawing: the smallest, the last too small, the best, the largest that did not
    diverge (the one likeliest to oscillate), and the first that diverged."""
    sound = [r for r in readings if r.diverged_at is None]
    picks = [readings[0].rate]
    small = [r.rate for r in readings if r.region == "too small"]
    if small:
        picks.append(small[-1])
    if sound:
        picks.append(max(sound, key=lambda r: r.val_accuracy).rate)
        picks.append(sound[-1].rate)
    diverging = [r.rate for r in readings if r.diverged_at is not None]
    if diverging:
        picks.append(diverging[0])
    return sorted(set(picks))


def best_rate(reading) -> float:
    """The rate of the best mean validation accuracy, among those that did not diverge."""
    return max((r for r in reading.rates if r.diverged_at is None), key=lambda r: r.val_accuracy).rate


def _rates(readings, region):
    return [r.rate for r in readings if r.region == region]


def _span(rates):
    return "none" if not rates else rate(rates[0]) if len(rates) == 1 else f"{rate(rates[0])} to {rate(rates[-1])}"


def _original_rates(readings, originals=ORIGINAL_RATES):
    mine = [r for r in readings if r.rate in originals]
    if not mine:
        return ""
    shown = ", ".join(f"{rate(r.rate)} ({r.region}, {pct(r.val_accuracy)})" for r in sorted(mine, key=lambda r: -r.rate))
    return f" The original project's rates: {shown}."


def _regions_text(readings, best, epochs):
    parts = [f"too small: {_span(_rates(readings, 'too small'))}", f"good: {_span(_rates(readings, 'good'))}",
             f"too large: {_span(_rates(readings, 'too large'))}"]
    diverging = [r for r in readings if r.diverged_at is not None]
    parts.append("diverges: " + (", ".join(f"{rate(r.rate)} (at epoch {r.diverged_at})" for r in diverging)
                                 or "none"))
    rates = [r.rate for r in readings]
    where = ("at the top of the grid (larger rates were not tried)" if best.rate == max(rates) else
             "at the bottom of the grid" if best.rate == min(rates) else "inside the grid")
    return (f"Over {epochs} epochs of full-batch gradient descent the rates fall into four regions — "
            + "; ".join(parts) + f". The best validation accuracy, {pct(best.val_accuracy)}, came at rate"
            f" {rate(best.rate)}, {where}")


class LearningRate(Study):
    name = "learning-rate"
    title = "Learning rate"
    order = 30
    question = ("How big a step? Plain full-batch gradient descent, θ ← θ − η ∂J/∂θ, as in the original project,"
                " at 13 learning rates η from 0.0001 to 10 (the original project tried only 0.1 to 0.0001, and"
                " its loop never passed the rate to the training function). A run whose loss becomes infinite,"
                " or ten times that of its starting weights, has diverged: it is recorded with that epoch, and"
                " drawn up to it.")
    description = ("Full-batch gradient descent (a 64-unit relu network, 1000 epochs) at 13 learning rates from 1e-4"
                   " to 10: too small, good, too large and divergent; the original project's 0.1, 0.01, 0.001,"
                   " 0.0001 among them.")
    notebook = r"""How big a step? Plain full-batch gradient descent, $\theta \leftarrow \theta - \eta\,\partial J/\partial\theta$, as
in the original project, at 13 learning rates from $10^{-4}$ to 10 (the original tried only 0.1 to 0.0001, and its
loop never passed the rate on). Too small a rate crawls; a good one converges; too large a one overshoots the
minimum and the loss oscillates; larger still, each step overshoots by more than the last and training diverges. A
run that diverges (its loss infinite or ten times that of its starting weights) is a result: recorded with the
epoch at which it diverged and drawn up to there. The regions are read off the data: *good* is within two standard errors (or one
validation image) of the best rate's validation accuracy. Circled: the original project's four rates."""
    grid = {"learning_rate_init": list(LEARNING_RATES)}
    base_params = {**GRADIENT_DESCENT, "hidden_layer_sizes": (64,), "activation": "relu", "max_iter": 1000}
    varied = ("learning_rate_init",)
    highlight = {"learning_rate_init": ORIGINAL_RATES}
    quick = Settings(seeds=2, params={"max_iter": 150})
    captions = (("learning_rate_landscape", "Final training loss and validation accuracy against the learning"
                 " rate, the regions shaded; circled: the original project's rates; ✕: diverged."),
                ("learning_rate_curves", "The training loss per epoch at a few learning rates (log scales)."))
    twin = "learning_rate.js"

    def read(self, result, split):
        rates = landscape(result.runs, result.curves, result.n_val)
        return LearningRateReading(result, rates, illustrative_rates(rates), int(result.runs["n_iter"].max()))

    def table(self, reading):
        return pd.DataFrame([{"learning rate": rate(r.rate), "region": r.region,
                              "validation accuracy": f"{pct(r.val_accuracy)} ± {100 * r.val_error:.1f}"
                              if np.isfinite(r.val_accuracy) else "n/a",
                              "final training loss": r.final_loss if r.diverged_at is None else np.nan,
                              "loss climbed back to": f"{r.overshoot:.2f}× its lowest",
                              "diverged at epoch": "" if r.diverged_at is None else r.diverged_at}
                             for r in reading.rates])

    def conclusion(self, reading):
        """The landscape in words: the regions, the best rate (inside the grid or at its edge), divergence,
        oscillation, and the original project's four rates."""
        readings, epochs = reading.rates, reading.epochs
        sound = [r for r in readings if r.region not in ("diverges", "")]
        if not sound:
            return "Every learning rate of the grid diverged: the grid needs smaller rates."
        best = max(sound, key=lambda r: r.val_accuracy)
        text = _regions_text(readings, best, epochs)
        tied = [r for r in sound if r.region == "good" and r is not best]
        # "good" means within the noise of the best: the seeds cannot rank those rates, so neither does the sentence
        text += (f"; the other good rates are within the noise of it (two standard errors over the seeds, or one"
                 f" validation digit), so the seeds cannot rank {'it' if len(tied) == 1 else 'them'}." if tied else ".")
        slow = min(sound, key=lambda r: r.rate)
        if slow.region == "too small":
            text += (f" A rate too small barely moves the loss (still {num(slow.final_loss, 3)} after {epochs} epochs"
                     f" at {rate(slow.rate)}, against {num(best.final_loss, 4)} at {rate(best.rate)});")
        worst = max(sound, key=lambda r: r.overshoot)
        if worst.overshoot > RISE_FACTOR:
            text += (f" at {rate(worst.rate)} ({worst.region}) the loss climbed back to {worst.overshoot:.1f} times"
                     f" its lowest value so far before it settled: each step overshoots the minimum, and the loss"
                     f" oscillates")
        else:
            text += " no rate that converged ever made the loss go up"
        diverging = any(r.diverged_at is not None for r in readings)
        text += ("; at larger rates each step overshoots by more than the last, and training diverges." if diverging
                 else "; no rate of the grid diverged.")
        return text + _original_rates(readings)

    def findings(self, reading):
        return {"regions": tuple(r.region for r in reading.rates)}

    def same_findings(self, a, b):
        """The same regions, and each reading's best rate a good rate of the other: the seeds cannot rank the good
        rates, so the best of them may differ in the noise."""
        good = [{r.rate for r in x.rates if r.region == "good"} for x in (a, b)]
        return self.findings(a) == self.findings(b) and best_rate(a) in good[1] and best_rate(b) in good[0]

    def quoted(self, reading):
        runs = reading.result.runs
        return list(runs.loc[runs["learning_rate_init"] == best_rate(reading), "config"].unique())

    def figures(self, reading):
        return {"learning_rate_landscape": landscape_figure(reading.rates, ORIGINAL_RATES),
                "learning_rate_curves": curves_figure(reading)}

    def page(self, reading):
        return {"rates": [{"rate": r.rate, "region": r.region, "val": r.val_accuracy, "val_se": r.val_error,
                           "final_loss": r.final_loss, "diverged_at": r.diverged_at, "curve": curve_points(r.loss)}
                          for r in reading.rates],
                "shown": reading.shown}


def _shade_regions(axes, readings):
    rates = np.array([r.rate for r in readings])
    edges = np.sqrt(rates[1:] * rates[:-1]) if len(rates) > 1 else np.array([])
    bounds = np.concatenate([[rates[0] / 1.5], edges, [rates[-1] * 1.5]])
    for ax in axes:
        for r, low, high in zip(readings, bounds[:-1], bounds[1:]):
            ax.axvspan(low, high, color=REGION_COLORS.get(r.region, "white"), lw=0, zorder=0)
        ax.set_xscale("log")
        ax.grid(True, which="major", alpha=0.3)


def landscape_figure(readings, highlight=(), title=None):
    """Final training loss and validation accuracy against the learning rate (log axis), with the regions.

    Parameters
    ----------
    readings : list of RateReading
        :func:`landscape`.
    highlight : sequence of float
        Rates to circle (the original project's).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes sharing the learning-rate axis.
    """
    fig = new_figure(9.0, 6.2)
    loss_ax, acc_ax = fig.subplots(2, 1, sharex=True)
    _shade_regions((loss_ax, acc_ax), readings)
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


def curves_figure(reading, column="learning_rate_init", title=None):
    """The training loss per epoch at the reading's illustrative rates; a diverged one ends in a cross where it
    diverged."""
    runs, curves = reading.result.runs, reading.result.curves
    fig = new_figure(8.5, 4.8)
    ax = fig.add_subplot()
    by_rate = {r.rate: r for r in reading.rates}
    colors = ordered_colors(list(reading.shown), cmap="plasma")
    for value in reading.shown:
        r = by_rate.get(value)
        label = f"η = {format_value(value)}" + (f" ({r.region})" if r else "")
        end = mean_band(ax, lambda e: e, histories_of(runs[runs[column] == value], curves), "loss", colors[value],
                        label=label)
        if r is not None and r.diverged_at is not None and end is not None:
            ax.plot(end, last_finite(r.loss.mean), "X", color=colors[value], ms=11, mec="black")
    ax.set_xscale("log")  # the overshooting and diverging happen in the first epochs, the crawling over all of them
    ax.set_yscale("log")
    ax.set_xlabel("epoch (log scale)")
    ax.set_ylabel("training loss (nats, log scale)")
    ax.xaxis.set_major_formatter(mpl_ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", title="✕: diverged", title_fontsize="x-small")
    ax.set_title(title or "The training loss at a few learning rates (their regions in the legend)")
    return fig


register(LearningRate())
