"""Writing a figure to disk atomically."""

from __future__ import annotations

from pathlib import Path

from ..files import atomic_write


def save_figure(fig, path, dpi=150):
    """Write ``fig`` to ``path`` atomically: a temporary file in the same directory, then ``os.replace``.

    A reader never sees a half-written image, and an interrupted save leaves
    any previous file intact. Missing parent directories are created.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or Path
        The format follows the suffix (".png" by default if there is none).
    dpi : int, default=150

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    fmt = path.suffix[1:].lower() or "png"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda f: fig.savefig(f, format=fmt, dpi=dpi))
    return path
