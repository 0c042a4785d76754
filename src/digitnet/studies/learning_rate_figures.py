"""The learning-rate study's figures: the landscape (final loss and cross-validated accuracy against the rate, the
regions shaded), the loss at a few rates, the range test beside the study's good region.

Drawn from :class:`~digitnet.studies.learning_rate.LearningRate`'s reading (:class:`RateReading` per rate).
"""

from __future__ import annotations

import numpy as np

from ..experiments.analysis import histories_of, last_finite
from ..nn.lr_range import RangeTest
from ..plots import mean_band
from ..plots.curvature import lr_range_figure
from ..plots.style import format_value, mpl_patches, mpl_ticker, new_figure, ordered_colors, percent_formatter
from ..words import rate

#: The shade of each region of rates.
REGION_COLORS = {"too small": "#DDDDDD", "good": "#CCEBC5", "too large": "#FDDBC7", "diverges": "#F4A582"}


def _shade_regions(axes, readings):
    rates = np.array([r.rate for r in readings])
    edges = np.sqrt(rates[1:] * rates[:-1]) if len(rates) > 1 else np.array([])
    bounds = np.concatenate([[rates[0] / 1.5], edges, [rates[-1] * 1.5]])
    for ax in axes:
        for r, low, high in zip(readings, bounds[:-1], bounds[1:]):  # an uncertain rate: its region's shade, hatched
            ax.axvspan(
                low,
                high,
                facecolor=REGION_COLORS.get(r.region, "white"),
                lw=0,
                zorder=0,
                hatch=None if r.supported else "///",
                edgecolor="#888888" if not r.supported else None,
            )
        ax.set_xscale("log")
        ax.grid(True, which="major", alpha=0.3)


def range_test_figure(measured, readings):
    """:func:`digitnet.plots.curvature.lr_range_figure` of one seed's test, the study's good region shaded."""
    test = RangeTest(
        np.asarray(measured["rates"]),
        np.asarray(measured["losses"]),
        np.asarray(measured["smoothed"]),
        measured["suggested"],
        measured["minimum"],
        measured.get("stopped"),
    )
    fig = lr_range_figure(
        test,
        title="Learning-rate range test beside the study's good region",
        loss_label="training loss before the step (nats)",
    )
    good = [r.rate for r in readings if r.region == "good"]
    if good:
        fig.axes[0].axvspan(
            min(good) / 1.2,
            max(good) * 1.2,
            color=REGION_COLORS["good"],
            zorder=0,
            label=f"good rates of the study ({rate(min(good))} to {rate(max(good))})",
        )
        fig.axes[0].legend(loc="lower left", frameon=False, fontsize="small")
    return fig


def epochs_array(epochs, values):
    """A tracked history's list again: ``values`` at ``epochs``, NaN elsewhere."""
    out = np.full(int(max(epochs)) + 1 if len(epochs) else 0, np.nan)
    out[np.asarray(epochs, dtype=int)] = values
    return list(out)


def _mark_diverged(ax, readings, top):
    """A cross at the top of the loss panel for each rate that diverged, and the epoch it diverged at."""
    for r in readings:
        if r.diverged_at is not None:
            ax.plot(r.rate, top, "X", color="#B2182B", ms=10)
            ax.annotate(
                f"diverged at epoch {r.diverged_at}",
                (r.rate, top),
                xytext=(0, -9),
                rotation=90,
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize="x-small",
                color="#B2182B",
            )


def landscape_figure(readings, highlight=(), title=None, limit=None):
    """Final training loss and validation accuracy against the learning rate (log axis), with the regions.

    Parameters
    ----------
    readings : list of RateReading
        :func:`landscape`.
    highlight : sequence of float
        Rates to circle (the original project's).
    limit : float, optional
        2/lambda_0, drawn as a dotted line: the largest stable rate of a quadratic model of the loss at the start.

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
    acc_ax.errorbar(
        [r.rate for r in sound],
        [r.val_accuracy for r in sound],
        yerr=[r.val_error for r in sound],
        fmt="o-",
        color="#117733",
        ms=5,
        capsize=3,
    )
    _mark_diverged(loss_ax, readings, top=max([r.final_loss for r in sound] or [1.0]))
    marked = [r for r in sound if r.rate in set(highlight)]
    loss_ax.plot(
        [r.rate for r in marked],
        [r.final_loss for r in marked],
        "o",
        ms=11,
        mfc="none",
        mec="black",
        label="the original project's rates",
    )
    acc_ax.plot([r.rate for r in marked], [r.val_accuracy for r in marked], "o", ms=11, mfc="none", mec="black")
    loss_ax.set_yscale("log")
    loss_ax.set_ylabel("final training loss\n(nats, log scale)")
    acc_ax.set_ylabel("cross-validated accuracy (%)\nmean ± std error")
    acc_ax.yaxis.set_major_formatter(percent_formatter())
    acc_ax.set_xlabel("learning rate η (log scale)")
    if limit is not None:
        for ax in (loss_ax, acc_ax):
            ax.axvline(limit, color="0.2", ls=":", lw=1.4)
        loss_ax.plot([], [], ls=":", color="0.2", label=f"2/λ₀ = {limit:.2g}")
    patches = [mpl_patches.Patch(color=c, label=name) for name, c in REGION_COLORS.items()]
    patches.append(
        mpl_patches.Patch(
            facecolor="white", edgecolor="#888888", hatch="///", label="uncertain (not every\nreplication agrees)"
        )
    )
    fig.legend(
        handles=patches + loss_ax.get_legend_handles_labels()[0],
        loc="outside right center",
        fontsize="small",
        frameon=False,
    )
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
        end = mean_band(
            ax, lambda e: e, histories_of(runs[runs[column] == value], curves), "loss", colors[value], label=label
        )
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
