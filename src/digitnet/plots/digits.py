"""The data itself: sample images of every digit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .style import matplotlib, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def digit_samples_figure(images: ArrayLike, labels: ArrayLike, per_class: int = 8, title: str | None = None) -> Figure:
    """The first ``per_class`` images of every class, one row per class, as one mosaic.

    Parameters
    ----------
    images : array-like of shape (n_samples, h, w)
    labels : array-like of shape (n_samples,)
    per_class : int
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes (a single image: quick to draw however many digits it shows).
    """
    images, labels = np.asarray(images, dtype=float), np.asarray(labels)
    classes = np.unique(labels)
    h, w = images.shape[1:3]
    gap = 2
    mosaic = np.full((len(classes) * (h + gap) - gap, per_class * (w + gap) - gap), np.nan)
    for i, c in enumerate(classes):
        for j, index in enumerate(np.flatnonzero(labels == c)[:per_class]):
            mosaic[i * (h + gap) : i * (h + gap) + h, j * (w + gap) : j * (w + gap) + w] = images[index]
    fig = new_figure(0.62 * per_class + 1.2, 0.62 * len(classes) + 0.9)
    ax = fig.add_subplot()
    ax.imshow(
        mosaic,
        cmap=matplotlib.colormaps["gray_r"].with_extremes(bad="white"),
        interpolation="nearest",
        vmin=0,
        vmax=float(np.nanmax(mosaic)) or 1.0,
    )
    ax.set_yticks([i * (h + gap) + (h - 1) / 2 for i in range(len(classes))], [str(c) for c in classes])
    ax.set_xticks([])
    ax.tick_params(length=0, labelsize="large")
    ax.set_ylabel("digit")
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title or f"The first {per_class} images of each digit\n({h}×{w} pixels, darker = more ink)")
    return fig
