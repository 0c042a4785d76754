"""What the network learned: each first-layer unit's incoming weights drawn as an image of the input."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .style import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from sklearn.base import BaseEstimator


def first_layer_weights(
    coefs0: ArrayLike | BaseEstimator,
    max_units: int = 32,
    ncols: int = 8,
    order: str = "norm",
    image_shape: tuple[int, int] | None = None,
    title: str | None = None,
) -> Figure:
    """Each first-layer unit's incoming weights, as an image the size of the input digit.

    Red pixels excite the unit, blue ones inhibit it; the colour scale is
    shared by all units and symmetric around 0 (white).

    Parameters
    ----------
    coefs0 : array-like of shape (n_features, n_hidden), or a fitted estimator
        ``estimator.coefs_[0]``; an estimator (anything with ``coefs_``) is accepted too.
    max_units : int, default=32
        At most this many units are shown.
    ncols : int, default=8
    order : {"norm", "index"}, default="norm"
        Show the units with the largest weight norm first, or in their order.
    image_shape : (int, int), optional
        Default: a square, (8, 8) for Digits.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes per unit shown, plus the colour bar.
    """
    if hasattr(coefs0, "coefs_"):
        coefs0 = coefs0.coefs_[0]
    W = np.asarray(coefs0, dtype=float)
    if W.ndim != 2:
        raise ValueError(f"coefs0 must be a 2-D (n_features, n_hidden) array, got shape {W.shape}.")
    n_features, n_units = W.shape
    if image_shape is None:
        side = math.isqrt(n_features)
        if side * side != n_features:
            raise ValueError(f"{n_features} input features are not a square image; pass image_shape.")
        image_shape = (side, side)
    if order == "norm":
        units = np.argsort(-np.linalg.norm(W, axis=0), kind="stable")[:max_units]
    elif order == "index":
        units = np.arange(n_units)[:max_units]
    else:
        raise ValueError(f"order must be 'norm' or 'index', got {order!r}.")
    limit = float(np.max(np.abs(W[:, units]))) or 1.0
    nrows, ncols = math.ceil(len(units) / ncols), min(ncols, len(units))
    fig = new_figure(max(5.0, 1.15 * ncols + 1.2), 1.25 * nrows + 1.0)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    image = None
    for ax, unit in zip(axes.ravel(), units):
        image = ax.imshow(
            W[:, unit].reshape(image_shape), cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest"
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"unit {unit}", fontsize="small")
    for ax in axes.ravel()[len(units) :]:
        fig.delaxes(ax)
    bar = fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, aspect=25)
    bar.set_label("weight from pixel (standardised input)")
    which = "largest weight norm first" if order == "norm" else "in index order"
    shown = f"{len(units)} of {n_units} units, {which}" if len(units) < n_units else f"all {n_units} units"
    fig.suptitle(
        title or f"First-layer weights as {image_shape[0]}×{image_shape[1]} images\n({shown})", fontsize="medium"
    )
    return fig
