"""Why gradient descent does what it does: the sharpness against 2/eta, the gradient per layer, the range test.

The numbers come from :mod:`digitnet.nn.curvature`, :mod:`digitnet.nn.tracking` (a fit's ``history_`` with
``track=``) and :mod:`digitnet.nn.lr_range`; each function returns a Figure (object-oriented API).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .style import format_value, mpl_lines, mpl_ticker, new_figure, ordered_colors

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..nn.lr_range import RangeTest


def _measured(history, key):
    """``(epochs, values)`` of a tracked key: the entries that were measured (entry i: after i epochs)."""
    values = np.asarray(history.get(key, []), dtype=float)
    epochs = np.flatnonzero(~np.isnan(values))
    return epochs, values[epochs]


def sharpness_figure(
    histories: Mapping[float, Mapping[str, Sequence[float]]], title: str = "Sharpness against the stability limit 2/η"
) -> Figure:
    """The sharpness lambda_max of each run over its epochs, beside its rate's limit 2/eta (dashed, same colour).

    Gradient descent at rate eta is stable on the local quadratic while lambda_max < 2/eta: a run whose sharpness
    crosses its line overshoots, and either flattens back below it (a catapult) or diverges.

    Parameters
    ----------
    histories : dict
        ``learning rate -> history`` (a fit's ``history_`` with ``track=("sharpness",)``).
    title : str
    """
    fig = new_figure(8.0, 4.6)
    ax = fig.add_subplot()
    rates = sorted(histories)
    colors = ordered_colors(rates)
    handles = []
    for rate in rates:
        epochs, values = _measured(histories[rate], "sharpness")
        ax.plot(epochs, values, "-o", color=colors[rate], ms=3.5, lw=1.6)
        ax.axhline(2 / rate, color=colors[rate], ls="--", lw=1.1)
        handles.append(
            mpl_lines.Line2D([], [], color=colors[rate], marker="o", ms=3.5, label=f"η = {format_value(rate)}")
        )
    handles.append(mpl_lines.Line2D([], [], color="0.3", ls="--", label="2/η, its stability limit"))
    ax.set_yscale("log")
    ax.set_xlabel("epochs trained")
    ax.set_ylabel("sharpness λ_max, the Hessian's top eigenvalue\n(nats per squared unit of weight, log scale)")
    ax.xaxis.set_major_locator(mpl_ticker.MaxNLocator(integer=True))
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(handles=handles, loc="best", frameon=False, fontsize="small")
    return fig


def gradient_flow_figure(
    history: Mapping[str, Sequence[float]], key: str = "grad_norm", title: str = "The gradient's norm, layer by layer"
) -> Figure:
    """Each layer's tracked number over the epochs (log scale): ``grad_norm`` (default), ``update_ratio`` or
    ``activation_std``, from a fit's ``history_`` with ``track=``."""
    names = {
        "grad_norm": "‖∂loss/∂(W_l, b_l)‖, the layer's gradient norm (log scale)",
        "update_ratio": "update-to-weight ratio ‖Δθ_l‖ / ‖θ_l‖ (dimensionless, log scale)",
        "activation_std": "standard deviation of the layer's activations (log scale)",
    }
    layers = sorted(int(k.rsplit("_", 1)[1]) for k in history if k.rsplit("_", 1)[0] == key)
    fig = new_figure(8.0, 4.6)
    ax = fig.add_subplot()
    colors = ordered_colors(layers, cmap="plasma")
    for layer in layers:
        epochs, values = _measured(history, f"{key}_{layer}")
        label = f"layer {layer}" + (" (output)" if layer == layers[-1] else "")
        ax.plot(epochs, values, "-o", ms=3, lw=1.6, color=colors[layer], label=label)
    ax.set_yscale("log")
    ax.set_xlabel("epochs trained")
    ax.set_ylabel(names.get(key, key))
    ax.xaxis.set_major_locator(mpl_ticker.MaxNLocator(integer=True))
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best", frameon=False)
    return fig


def lr_range_figure(
    test: RangeTest,
    title: str = "Learning-rate range test",
    loss_label: str = "training loss of the step's batch (nats)",
) -> Figure:
    """The loss of each step against its rate (log scale), the smoothed curve, and the rates read off it.

    Parameters
    ----------
    test : digitnet.nn.lr_range.RangeTest
    title, loss_label : str
    """
    fig = new_figure(8.0, 4.6)
    ax = fig.add_subplot()
    ax.plot(test.rates, test.losses, ".", color="0.6", ms=3, label="loss before the step")
    ax.plot(test.rates, test.smoothed, "-", color="#0072B2", lw=1.8, label="smoothed (Savitzky–Golay)")
    for rate, color, name in (
        (test.suggested, "#D55E00", "suggested: steepest descent"),
        (test.minimum_over_10, "#009E73", "lowest point / 10"),
    ):
        if np.isfinite(rate):
            ax.axvline(rate, color=color, ls="--", lw=1.3, label=f"{name}, η = {rate:.3g}")
    ax.set_xscale("log")
    finite = test.losses[np.isfinite(test.losses)]
    if finite.size:
        ax.set_ylim(0, min(float(finite.max()), 2.5 * float(finite[0])) * 1.05)
    ax.set_xlabel("learning rate η of the step (log scale)")
    ax.set_ylabel(loss_label)
    ax.set_title(title + (f" (stopped: {test.stopped})" if test.stopped else ""))
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(loc="lower left", frameon=False, fontsize="small")
    return fig
