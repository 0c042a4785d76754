"""Figures drawn for where the page shows them (plots.saving.save_picture): text raised to 11 screen pixels on a
desktop and on a phone, the phone's picture re-laid for its width, and the smallest text each picture states is the
one it draws."""

import io

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from digitnet.plots.saving import DESKTOP_PX, MIN_TEXT_PX, PHONE_PX, save_picture, texts

from .helpers import PNG_SIGNATURE


def _three_panels():
    """Three panels side by side, a legend beside the figure and one inside a panel, small annotations, a long title."""
    fig = Figure(figsize=(12, 4), layout="constrained")
    axes = fig.subplots(1, 3)
    for k, ax in enumerate(axes):
        ax.plot([0, 1, 2], [k, k + 1, k * 2], label=f"line {k}")
        ax.annotate("97.1%", (1, k + 1), fontsize="x-small")
        ax.set_title(f"panel {k}: what it shows, at some length")
    axes[0].legend(fontsize="small")
    fig.legend(handles=axes[1].get_lines(), labels=["the middle panel's line"], loc="outside right upper")
    fig.suptitle("A long title that a phone cannot hold on one line at this size, so it is wrapped")
    return fig


def _shown_px(picture, shown):
    return picture.font_px * min(1.0, shown / picture.width_px)


def test_every_text_is_readable_where_the_page_shows_the_picture(tmp_path):
    fig = _three_panels()
    before = min(t.get_fontsize() for t in texts(fig))
    picture = save_picture(fig, tmp_path / "three.png", dpi=110)
    assert (tmp_path / "three.png").read_bytes() == picture.png and picture.png[:8] == PNG_SIGNATURE
    assert Image.open(io.BytesIO(picture.png)).size[0] == picture.width_px == 1320
    assert before * 110 / 72 * DESKTOP_PX / 1320 < MIN_TEXT_PX  # it would have been too small on the page
    assert _shown_px(picture, DESKTOP_PX) >= MIN_TEXT_PX
    phone = picture.phone
    assert (
        phone.png[:8] == PNG_SIGNATURE and Image.open(io.BytesIO(phone.png)).size[0] == phone.width_px == 2 * PHONE_PX
    )
    assert _shown_px(phone, PHONE_PX) >= MIN_TEXT_PX
    assert min(t.get_fontsize() for t in texts(fig)) * 2 * PHONE_PX / 4.0 / 72 == phone.font_px  # as drawn last


def test_the_phones_picture_stacks_the_panels_and_puts_the_legends_below(tmp_path):
    fig = _three_panels()
    save_picture(fig, tmp_path / "three.png", dpi=110)
    boxes = [ax.get_position() for ax in fig.axes]
    assert len({round(b.x0, 3) for b in boxes}) == 1  # one column
    assert boxes[0].y0 > boxes[1].y0 > boxes[2].y0  # in reading order, top to bottom
    assert all(ax.get_legend() is None for ax in fig.axes) and len(fig.legends) == 1
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["the middle panel's line", "line 0"]  # the figure's first
    assert legend.get_window_extent().y1 < min(b.y0 for b in boxes) * fig.bbox.height  # below the panels
    assert fig.get_size_inches()[0] == 4.0 and fig.get_size_inches()[1] > 3 * 2.4
    assert "\n" in fig.get_suptitle()  # wrapped to the phone's width


def test_a_gallery_keeps_small_panels_side_by_side(tmp_path):
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    for k, ax in enumerate(fig.subplots(3, 8).ravel()):
        ax.imshow(np.arange(64).reshape(8, 8) % (k + 2), cmap="gray_r")
        ax.set_title(f"{k} → {k % 10}", fontsize="small")
        ax.set_axis_off()
    picture = save_picture(fig, tmp_path / "gallery.png", dpi=110)
    columns = {round(ax.get_position().x0, 3) for ax in fig.axes}
    assert len(columns) == 3  # 4 in / 1.25 in a panel
    assert _shown_px(picture.phone, PHONE_PX) >= MIN_TEXT_PX


def test_the_stated_smallest_text_is_the_one_drawn(tmp_path):
    """One capital H, 5 points on a 9-inch figure: in the phone's picture its ink is as tall as DejaVu Sans draws a
    capital (0.729 of the font size) at the size the picture states."""
    fig = Figure(figsize=(9, 3), layout="constrained")
    fig.text(0.5, 0.5, "H", fontsize=5, family="DejaVu Sans")
    picture = save_picture(fig, tmp_path / "h.png", dpi=110)
    for drawn in (picture, picture.phone):
        ink = np.asarray(Image.open(io.BytesIO(drawn.png)).convert("L")) < 128
        rows = np.flatnonzero(ink.any(axis=1))
        assert abs((rows[-1] - rows[0] + 1) - 0.729 * drawn.font_px) <= 1.5, (rows, drawn.font_px)
