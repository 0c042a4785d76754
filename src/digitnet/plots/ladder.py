"""The accuracy ladder in one figure: every rung's candidates (cross-validated), then the test accuracies.

The rows come from :func:`digitnet.studies.ladder.figure_rows` and :func:`~digitnet.studies.ladder.figure_tests`;
the function returns a Figure (object-oriented API).
"""

from __future__ import annotations

import numpy as np

from .style import mpl_lines, mpl_ticker, new_figure

STATUS_COLORS = {"start": "#555555", "adopted": "#009E73", "not adopted": "#BBBBBB"}
TOP_COLOR, BASELINE_COLOR, TARGET_COLOR = "#009E73", "#0072B2", "#D55E00"


def _rungs_panel(ax, rows):
    """Each row's mean and 95% interval (horizontal), coloured by what the ladder did with it; a grey tick at the
    incumbent's mean on the same folds."""
    for i, (_label, mean, half, status, incumbent) in enumerate(rows):
        filled = status != "not adopted"
        ax.errorbar(
            100 * mean,
            i,
            xerr=100 * half,
            fmt="o",
            color=STATUS_COLORS[status],
            capsize=3,
            markerfacecolor=STATUS_COLORS[status] if filled else "white",
            ms=7,
        )
        if incumbent is not None:
            ax.plot([100 * incumbent], [i], "|", color="0.35", ms=14, mew=2)
        ax.annotate(
            f"{100 * mean:.2f}",
            (100 * mean, i),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            fontsize="x-small",
        )
    ax.set_yticks(range(len(rows)), [r[0].split(": ", 1)[-1] for r in rows], fontsize="small")
    ax.set_ylim(len(rows) - 0.5, -0.9)  # top to bottom, room for the first value
    ax.set_ylabel("candidate, rung by rung (mean %)")
    ax.set_title("Each rung's candidates, cross-validated\n(mean and 95% interval over the seeds)", fontsize="medium")
    handles = [
        mpl_lines.Line2D(
            [],
            [],
            marker="o",
            ls="none",
            color=STATUS_COLORS[s],
            markerfacecolor=STATUS_COLORS[s] if s != "not adopted" else "white",
            label=s,
        )
        for s in STATUS_COLORS
    ]
    handles.append(
        mpl_lines.Line2D(
            [], [], marker="|", ls="none", color="0.35", ms=12, mew=2, label="the incumbent on the same folds"
        )
    )
    ax.legend(handles=handles, fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _tests_panel(ax, tests, target):
    """The top rung's and the baselines' test accuracies (mean ± std over seeds where they have several), and the
    target."""
    names = [t[0] for t in tests]
    y = np.arange(len(tests))
    for i, (_name, mean, std) in enumerate(tests):
        ax.barh(
            i,
            100 * mean,
            xerr=100 * std if std else None,
            color=TOP_COLOR if i == 0 else BASELINE_COLOR,
            alpha=0.85,
            capsize=3,
            height=0.6,
        )
        ax.annotate(
            f"{100 * mean:.2f}", (100 * (mean + std), i), xytext=(4, -3), textcoords="offset points", fontsize="x-small"
        )
    ax.axvline(100 * target, color=TARGET_COLOR, ls="--", lw=1.2, label=f"target: {100 * target:g}%")
    ax.set_yticks(y, names, fontsize="small")
    ax.set_ylabel("model (test accuracy, %)")
    ax.set_title(
        "Once, on the test digits: the top rung beside the baselines\n(mean ± std over the seeds)", fontsize="medium"
    )
    ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0))


def ladder_figure(rows, tests, target, title="The accuracy ladder, one rung at a time"):
    """Two stacked panels on one accuracy axis (%): the rungs (top to bottom, in the ladder's order), then the test
    accuracies.

    Parameters
    ----------
    rows : list of (label, mean, half-width, status, incumbent mean or None)
        Fractions; status ``"start"``, ``"adopted"`` or ``"not adopted"``; a label ``"rung: candidate"`` is shown
        as its candidate (each candidate's words name what it changes).
    tests : list of (name, mean, std)
        The top rung first.
    target : float
        The target test accuracy (a fraction).
    """
    fig = new_figure(11.0, 0.42 * (len(rows) + len(tests)) + 2.8)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[len(rows) + 1, len(tests) + 1])
    _rungs_panel(top, rows)
    _tests_panel(bottom, tests, target)
    bottom.invert_yaxis()
    for ax in (top, bottom):
        ax.grid(True, axis="x", alpha=0.3)
    lows = [100 * (m - h) for _, m, h, *_ in rows] + [100 * (m - s) for _, m, s in tests]
    bottom.set_xlim(max(0.0, min(lows) - 1.0), 100.5)
    bottom.set_xlabel("accuracy (%)")
    bottom.xaxis.set_major_locator(mpl_ticker.MaxNLocator(4))
    fig.suptitle(title)
    return fig
