"""Loss landscapes: the loss along the line from the starting to the final weights, and over a plane around them.

The arrays come from :mod:`digitnet.nn.landscape`; each function returns a Figure (object-oriented API).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .style import mpl_colors, mpl_lines, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..nn.landscape import LossLine, LossSurface

#: The loss's name and unit on every axis, unless a caller says otherwise (a regression's loss is not in nats).
LOSS_LABEL = "cross-entropy loss (nats)"


def loss_line_figure(
    line: LossLine,
    title: str = "The loss on the straight line from the starting to the final weights",
    loss_label: str = LOSS_LABEL,
) -> Figure:
    """The loss at start + t (end - start) against t, with the two ends marked.

    Parameters
    ----------
    line : digitnet.nn.landscape.LossLine
    title, loss_label : str
    """
    fig = new_figure(7.5, 4.2)
    ax = fig.add_subplot()
    ax.plot(line.t, line.loss, "-", color="#0072B2", lw=1.8, label="loss along the line")
    for t, name, marker in ((0.0, "starting weights (t = 0)", "o"), (1.0, "final weights (t = 1)", "s")):
        ax.plot([t], [np.interp(t, line.t, line.loss)], marker, color="#D55E00", ms=7, ls="none", label=name)
    finite = line.loss[np.isfinite(line.loss)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 30:
        ax.set_yscale("log")
    ax.set_xlabel("t, position on the line (0: start, 1: end; dimensionless)")
    ax.set_ylabel(loss_label + (", log scale" if ax.get_yscale() == "log" else ""))
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", frameon=False)
    return fig


#: Contours stop at this many times the lowest loss (a diverging corner of a plane would flatten everything else).
CAP = 1000


def _levels(loss):
    """Contour levels spaced evenly in log(loss) from the lowest loss to the highest, or CAP times the lowest."""
    finite = loss[np.isfinite(loss) & (loss > 0)]
    if not finite.size:
        return None
    low = finite.min()
    high = min(finite.max(), CAP * low)
    return np.geomspace(low, high, 16) if high > low * 1.0001 else None


def loss_surface_figure(
    surface: LossSurface,
    path: np.ndarray | None = None,
    title: str = "The loss around the final weights",
    axis_names: tuple[str, str] = (
        "a: steps along random direction 1 (1 = each unit's own weight norm)",
        "b: steps along random direction 2 (likewise)",
    ),
    loss_label: str = LOSS_LABEL,
) -> Figure:
    """Filled contours of the loss over a plane, the centre (final weights) marked, and a path over it if given.

    Parameters
    ----------
    surface : digitnet.nn.landscape.LossSurface
    path : ndarray of shape (n_points, 2), optional
        Points of the plane (a, b) in training order, e.g. :class:`~digitnet.nn.landscape.PathPlane`'s coordinates.
    title, loss_label : str
    axis_names : (str, str)
        What a and b measure, with their unit (the defaults: filter-normalised random directions; a path's
        plane of unit principal directions is in parameter-space distance).
    """
    fig = new_figure(6.8, 5.6)
    ax = fig.add_subplot()
    loss = np.where(np.isfinite(surface.loss), surface.loss, np.nan)
    levels = _levels(loss)
    if levels is None:
        ax.text(0.5, 0.5, "the loss is not finite on this plane", ha="center", va="center", transform=ax.transAxes)
    else:
        shown = np.clip(loss, levels[0], levels[-1])
        filled = ax.contourf(
            surface.a, surface.b, shown, levels=levels, cmap="viridis", norm=mpl_colors.LogNorm(levels[0], levels[-1])
        )
        ax.contour(surface.a, surface.b, shown, levels=levels, colors="white", linewidths=0.4, alpha=0.6)
        bar = fig.colorbar(filled, ax=ax, ticks=levels[::3], format="%.3g")
        bar.set_label(
            loss_label + ", log scale" + (f" (capped at {CAP}× the lowest)" if np.nanmax(loss) > levels[-1] else "")
        )
    handles = [mpl_lines.Line2D([], [], marker="*", color="#D55E00", ms=12, ls="none", label="final weights")]
    ax.plot([0], [0], "*", color="#D55E00", ms=14, zorder=4)
    if path is not None and len(path):
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], "-o", color="white", mec="black", ms=3.5, lw=1.2, zorder=3)
        ax.plot(path[0, 0], path[0, 1], "o", color="#E69F00", mec="black", ms=8, zorder=4)
        handles += [
            mpl_lines.Line2D([], [], marker="o", color="white", mec="black", lw=1.2, label="training path"),
            mpl_lines.Line2D([], [], marker="o", color="#E69F00", mec="black", ls="none", label="starting weights"),
        ]
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    ax.set_title(title)
    ax.legend(handles=handles, loc="upper right", framealpha=0.85)
    return fig
