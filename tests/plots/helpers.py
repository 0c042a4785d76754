"""Checks shared by the figure tests: a figure saves as a real PNG, its texts, its legend; synthetic histories."""

import matplotlib.image
import numpy as np
from matplotlib.figure import Figure

from digitnet import plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_png(fig, tmp_path, name="figure.png", dpi=60):
    """Save ``fig`` with save_figure and check the file is a readable, non-trivial PNG.

    A low resolution keeps the suite fast; the layout is the same at any dpi.
    """
    assert isinstance(fig, Figure)
    path = plots.save_figure(fig, tmp_path / name, dpi=dpi)
    assert path == tmp_path / name
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 2000
    image = matplotlib.image.imread(path)
    width, height = fig.get_size_inches() * dpi
    assert image.ndim == 3 and image.shape[:2] == (round(height), round(width))
    # something was drawn: not a blank canvas
    assert image[..., :3].std() > 0.01
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp file left
    return image


def texts(fig):
    """All text on the figure: titles, labels, tick labels, annotations, legend entries."""
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def legend_labels(ax_or_fig):
    legends = ax_or_fig.legends if isinstance(ax_or_fig, Figure) else [ax_or_fig.get_legend()]
    return [t.get_text() for legend in legends if legend is not None for t in legend.get_texts()]


def make_history(n_epochs, scale, seed, validation=True):
    rng = np.random.default_rng(seed)
    epochs = np.arange(1, n_epochs + 1)
    loss = scale * 2.3 / epochs**0.7 * (1 + 0.02 * rng.standard_normal(n_epochs))
    history = {"loss": list(loss), "accuracy": list(1 - 0.9 / epochs**0.5)}
    if validation:
        history["val_loss"] = list(loss * 1.2)
        history["val_accuracy"] = list(1 - 0.95 / epochs**0.5)
    return history
