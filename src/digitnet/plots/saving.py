"""Writing a figure to disk atomically, and drawing it for the width it is shown at (a desktop's page, a phone's).

:func:`save_figure` writes one file. For the report's page, :func:`save_picture` draws a figure twice, each time
with every text at least :data:`MIN_TEXT_PX` screen pixels high where the page shows it: once for a desktop's
page (:data:`DESKTOP_PX` wide at most), where only text that would fall short is raised (:func:`raise_text`: the
annotations of a figure at its natural size, the tick labels of a figure wider than the page), and once for a
phone (:data:`PHONE_PX`), re-laid for that width by :func:`reflow`: side-by-side panels stacked in one column (a
gallery of small panels in as many columns as fit), the legends moved below, long titles and labels wrapped,
small text raised. The page serves the phone's picture where the desktop's would be scaled down too far
(``<picture>``), and states each picture's smallest text in its own pixels (:class:`Picture`), which the browser
tests multiply by the scale it is shown at.
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .._lazy import lazy
from ..files import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

mpl_gridspec = lazy("matplotlib.gridspec")
mpl_text = lazy("matplotlib.text")
PIL_Image = lazy("PIL.Image")

#: The smallest text the page shows, in screen (CSS) pixels.
MIN_TEXT_PX = 11.0
#: The widest a figure is shown on a desktop (the page's 1080-px column less its margins), and on a phone (a 370-px
#: screen, or a 390-px one that keeps 15 px for a scroll bar, less the page's margins).
DESKTOP_PX = 998
PHONE_PX = 320
#: A phone's picture: this wide (inches, at the same point sizes as on a desktop), drawn at twice the pixels it is
#: shown at (sharp on a phone's dense screen).
PHONE_WIDTH_IN = 4.0
PHONE_DENSITY = 2.0
_MARGIN = 1.04  # a little above the limit, against rounding in the browser's scaling


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
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


@dataclass(frozen=True)
class Picture:
    """A figure as a PNG, the height of its smallest text in the image's own pixels (its font size), and its width
    in pixels; ``phone``: the same figure drawn for a phone (a Picture too), or None."""

    png: bytes
    font_px: float
    width_px: int
    phone: Picture | None = None


def _tick_labels(fig):
    """The tick labels of every axis: (Text, whether it is drawn), the axes' drawn or not."""
    found = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            drawn = ax.axison and ax.get_visible() and axis.get_visible()
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                found += [
                    (tick.label1, drawn and tick.label1.get_visible()),
                    (tick.label2, drawn and tick.label2.get_visible()),
                ]
    return found


def texts(fig: Figure) -> list[Text]:
    """Every text the figure draws (titles, labels, tick labels, legends, annotations). Asking an axis for its ticks
    makes them as drawing would, so the figure need not be drawn (tests/plots/test_saving_picture.py checks the
    sizes against a drawn picture's)."""
    ticks = _tick_labels(fig)
    hidden = {id(t) for t, drawn in ticks if not drawn}
    return [
        t
        for t in fig.findobj(mpl_text.Text)
        if id(t) not in hidden
        and t.get_visible()
        and t.get_text().strip()
        and (t.get_alpha() is None or t.get_alpha() > 0)
        and (t.axes is None or t.axes.get_visible())
    ]


def smallest_text_pt(fig: Figure) -> float:
    """The font size (points) of the smallest text the figure draws (inf if it draws none)."""
    return min((t.get_fontsize() for t in texts(fig)), default=math.inf)


def text_floor(width_in: float, shown_px: float, dpi: float, min_px: float = MIN_TEXT_PX) -> float:
    """The smallest font size (points) that is at least ``min_px`` high on a figure ``width_in`` inches wide shown at
    most ``shown_px`` pixels wide (at ``dpi``, it is ``dpi`` pixels an inch, or fewer when scaled down to fit)."""
    return min_px * _MARGIN * 72 / min(dpi, shown_px / width_in)


def raise_text(fig: Figure, floor_pt: float) -> bool:
    """Every text smaller than ``floor_pt`` points made that size (tick labels through their axes, so that new ticks
    follow); the rest, titles and labels, keep theirs. Whether anything changed."""
    ticks = {id(t) for t, _ in _tick_labels(fig)}
    changed = False
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            for which, ticks_of in (("major", axis.get_major_ticks), ("minor", axis.get_minor_ticks)):
                found = ticks_of()
                if found and found[0].label1.get_fontsize() < floor_pt:
                    ax.tick_params(axis=name, which=which, labelsize=floor_pt)
                    changed = True
    for t in fig.findobj(mpl_text.Text):
        if id(t) not in ticks and t.get_fontsize() < floor_pt:
            t.set_fontsize(floor_pt)
            changed = True
    return changed


def _panels(fig):
    """The figure's panels (axes in its grid; twins share a panel), in reading order, or None when its axes are not
    all in one grid (nested grids, free axes): then it is not re-laid."""
    placed = [ax for ax in fig.axes if ax.get_subplotspec() is not None]  # a colorbar follows its axes
    grids = {id(ax.get_subplotspec().get_gridspec()) for ax in placed}
    if len(grids) != 1 or isinstance(placed[0].get_subplotspec().get_gridspec(), mpl_gridspec.GridSpecFromSubplotSpec):
        return None
    panels = {}
    for ax in placed:
        spec = ax.get_subplotspec()
        panels.setdefault((spec.rowspan.start, spec.colspan.start, spec.rowspan.stop, spec.colspan.stop), []).append(ax)
    return [panels[key] for key in sorted(panels)], placed[0].get_subplotspec().get_gridspec()


def _legends_below(fig):
    """Every legend (the figure's, beside it, and each panel's, over its lines) moved below the figure, their entries
    together (once each), two a row: on a phone a legend has no width to spare beside a panel, nor room inside it.
    The number of rows the legend takes."""
    handles, labels, size = [], [], None
    for legend in list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]:
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            if text.get_text() not in labels:
                handles.append(handle)
                labels.append(text.get_text())
                size = max(size or 0, text.get_fontsize())
        legend.remove()
    if not labels:
        return 0
    # two a row when two fit side by side (an entry: its marker, about 0.45 in, and its words)
    widest = max(len(label) for label in labels) * 0.6 * size / 72 + 0.45
    columns = 2 if len(labels) > 1 and 2 * widest <= 0.95 * fig.get_size_inches()[0] else 1
    fig.legend(handles=handles, labels=labels, loc="outside lower center", ncols=columns, fontsize=size, frameon=False)
    return math.ceil(len(labels) / columns)


def _wrap(fig, panel_width_in, panel_height_in):
    """Titles and axis labels wrapped to the room they have (matplotlib does not wrap them itself)."""
    for ax in fig.axes:
        for t in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label):  # (no public handle on two of them)
            _wrap_text(t, panel_width_in)
        _wrap_text(ax.yaxis.label, panel_height_in)
    for t, room in ((fig._suptitle, fig.get_size_inches()[0]), (fig._supylabel, fig.get_size_inches()[1])):
        if t is not None:  # (nor on the figure's title and label)
            _wrap_text(t, room)


def _wrap_text(t, width_in):
    text = t.get_text()
    if not text:
        return
    per_line = max(10, int(width_in * 72 / (0.6 * t.get_fontsize())))
    t.set_text("\n".join(textwrap.fill(line, per_line) for line in text.split("\n")))


def reflow(fig: Figure, width_in: float = PHONE_WIDTH_IN) -> None:
    """Re-lay the figure for a narrow screen, ``width_in`` inches wide: panels side by side stacked in one column (a
    gallery of more than three columns in as many as fit, its panels keeping their shape), the legends below it,
    long titles and labels wrapped. The figure is changed in place (draw it for a desktop first)."""
    width0, height0 = fig.get_size_inches()
    found = _panels(fig)
    rows, columns, panel_height = 1, 1, min(height0, 0.75 * width_in)
    if found:
        panels, grid = found
        nrows, ncols = grid.get_geometry()
        gallery = ncols > 3
        columns = max(1, min(ncols, int(width_in / (width0 / ncols)))) if gallery else 1
        rows = _regrid(fig, panels, ncols, columns) if (columns < ncols or nrows > 1) else nrows
        if gallery:  # small panels keep their shape
            panel_height = max(1.0, (height0 / nrows) * (width_in / columns) / (width0 / ncols))
        else:
            panel_height = max(2.4, min(height0 / nrows, 0.75 * width_in))
    fig.set_size_inches(width_in, rows * panel_height + 0.3)
    legend_rows = _legends_below(fig)
    fig.set_size_inches(width_in, rows * panel_height + 0.25 * legend_rows + 0.3)
    _title_across(fig)
    if columns == 1:  # stacked, a panel that shared its row's y axis needs its own tick labels back
        for ax in fig.axes:
            if ax.yaxis.get_ticks_position() in ("left", "default", "unknown") and ax.get_label() != "<colorbar>":
                ax.tick_params(labelleft=True)
    _wrap(fig, 0.85 * width_in / columns, 0.8 * panel_height)


def _title_across(fig):
    """A lone panel's title made the figure's: centred on the whole width, not on a panel pushed right by its long
    tick labels (where its end would fall off a phone's picture)."""
    if len(fig.axes) != 1 or fig._suptitle is not None or not fig.axes[0].get_title():
        return
    ax = fig.axes[0]
    fig.suptitle(ax.get_title(), fontsize=ax.title.get_fontsize())
    ax.set_title("")


def _regrid(fig, panels, ncols, columns):
    """The panels, in reading order, in a grid ``columns`` wide (a panel across the old grid across the new one);
    the number of rows."""
    place, row, col = [], 0, 0
    for group in panels:
        if len(group[0].get_subplotspec().colspan) == ncols and ncols > 1:  # across: a row of its own
            row, col = (row + 1, 0) if col else (row, 0)
            place.append((group, row, None))
            row += 1
            continue
        place.append((group, row, col))
        col += 1
        if col == columns:
            row, col = row + 1, 0
    rows = row + (1 if col else 0)
    new = mpl_gridspec.GridSpec(rows, columns, figure=fig)
    for group, r, c in place:
        for ax in group:
            ax.set_subplotspec(new[r, :] if c is None else new[r, c])
    return rows


def _png_width(png):
    """A PNG's width in pixels (its header's first field)."""
    return int.from_bytes(png[16:20], "big")


def _png(fig, dpi):
    """The figure as a PNG of 256 colours at most (Pillow's fast octree): a third of the bytes, the same to the eye
    (a figure has few colours besides the shades its edges are smoothed with)."""
    drawn = io.BytesIO()
    fig.savefig(drawn, format="png", dpi=dpi)
    drawn.seek(0)
    with PIL_Image.open(drawn) as image:
        small = io.BytesIO()
        image.convert("RGB").quantize(colors=256, method=PIL_Image.Quantize.FASTOCTREE).save(small, format="PNG")
    return small.getvalue()


def save_picture(fig: Figure, path: str | Path, dpi: int, phone: bool = True) -> Picture:
    """Save ``fig`` as the page shows it: its desktop picture to ``path`` (atomically, as :func:`save_figure`), every
    text under :data:`MIN_TEXT_PX` on the page raised to it (:func:`raise_text`), and, if ``phone``, a phone's
    picture (the same for :data:`PHONE_PX`, then :func:`reflow`) kept in memory: the page embeds it. The figure is
    changed. Each picture costs one drawing.

    Returns
    -------
    Picture
    """
    smallest = smallest_text_pt(fig)
    floor = text_floor(fig.get_size_inches()[0], DESKTOP_PX, dpi)
    if smallest < floor and raise_text(fig, floor):
        smallest = floor
    save_figure(fig, path, dpi=dpi)
    png = Path(path).read_bytes()
    desktop = Picture(png, smallest * dpi / 72, _png_width(png))
    if not phone:
        return desktop
    phone_dpi = PHONE_DENSITY * PHONE_PX / PHONE_WIDTH_IN
    floor = text_floor(PHONE_WIDTH_IN, PHONE_PX, phone_dpi)
    raise_text(fig, floor)
    reflow(fig)  # with the fonts it will have: it wraps the text to fit
    png = _png(fig, phone_dpi)
    return Picture(
        desktop.png,
        desktop.font_px,
        desktop.width_px,
        Picture(png, max(smallest, floor) * phone_dpi / 72, _png_width(png)),
    )
