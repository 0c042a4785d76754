"""Pictures of digits to the Digits data's 8x8 input, as optdigits was made (the page's twin is tested in a browser)."""

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from digitnet.digit_image import (
    ALL_INK,
    FORMAT_NAMES,
    MAX_SIDE,
    NO_INK,
    TOO_THIN,
    image_to_input,
    ink_of_deep,
    ink_of_rgba,
    read_ink,
    reading_problem,
    to_digits_input,
)
from digitnet.errors import UsageError


def _picture(image, cell=12, dark_on_light=True):
    """An 8x8 Digits image (0..16) drawn as a grey picture, ``cell`` pixels per value, as 0..255 bytes."""
    ink = np.kron(image / 16, np.ones((cell, cell)))
    return np.round(255 * (1 - ink if dark_on_light else ink)).astype(np.uint8)


def test_ink_is_one_minus_grey_over_white_paper():
    rgba = np.array([[[0, 0, 0, 255], [255, 255, 255, 255], [0, 0, 0, 0], [255, 0, 0, 255]]], dtype=float)
    np.testing.assert_allclose(ink_of_rgba(rgba)[0], [1, 0, 0, 1 - 0.299])  # a transparent pixel is paper


def test_blank_picture_and_solid_block():
    assert to_digits_input(np.zeros((10, 10))).tolist() == [0] * 64
    assert to_digits_input(np.ones((5, 5))).tolist() == [0] * 64  # all "ink": read as light ink on dark, blank
    block = np.zeros((40, 40))
    block[10:30, 10:30] = 1
    grid = to_digits_input(block).reshape(8, 8)  # a square fills the whole bitmap, read as one 32-pixel-wide
    assert (grid == grid[::-1]).all() and (grid == grid.T).all()  # stroke, thinned (even_strokes) about its centre
    assert grid[3:5, 3:5].min() == 16 and 0 < grid.sum() < 16 * 64


def test_a_tall_stroke_keeps_its_proportions_and_is_centred():
    stroke = np.zeros((100, 100))
    stroke[10:90, 45:55] = 1  # 80 tall, 10 wide: fills 32 rows and 4 columns, in the middle
    grid = to_digits_input(stroke).reshape(8, 8)
    assert (grid[:, 3:5].sum(axis=1) == 16).all() and grid[:, :3].sum() == grid[:, 5:].sum() == 0


def test_digits_survive_the_round_trip_and_either_ink():
    digits = load_digits()
    likeness = []
    for k in range(100):
        dark = to_digits_input(ink_of_rgba(np.dstack([_picture(digits.images[k])] * 3 + [np.full((96, 96), 255)])))
        light = to_digits_input(1 - ink_of_rgba(np.dstack([_picture(digits.images[k])] * 3 + [np.full((96, 96), 255)])))
        assert dark.tolist() == light.tolist()  # light ink on dark paper reads the same
        assert dark.min() >= 0 and dark.max() <= 16
        likeness.append(np.corrcoef(dark, digits.images[k].ravel())[0, 1])
    assert np.mean(likeness) > 0.8


def test_ink_of_8_bit_pictures_is_bit_for_bit_the_formula():
    """Computed a channel at a time and in place, the ink is exactly 1 - (grey * opacity + (1 - opacity))."""
    rgba = np.random.default_rng(0).integers(0, 256, size=(50, 70, 4)).astype(np.uint8)
    as_float = rgba.astype(np.float64)
    grey = (0.299 * as_float[..., 0] + 0.587 * as_float[..., 1] + 0.114 * as_float[..., 2]) / 255
    opacity = as_float[..., 3] / 255
    np.testing.assert_array_equal(ink_of_rgba(rgba), 1 - (grey * opacity + (1 - opacity)))
    np.testing.assert_array_equal(ink_of_rgba(as_float), ink_of_rgba(rgba))


def test_deep_pictures_are_read_by_their_real_range():
    v8 = np.arange(256, dtype=np.float64).reshape(16, 16)
    np.testing.assert_array_equal(ink_of_deep(v8 * 257), 1 - v8 / 255)  # the whole 16-bit range: exactly v / 255
    np.testing.assert_allclose(ink_of_deep(v8 * 8000 / 255), 1 - v8 / 255, atol=1e-12)  # a dim scan, 0..8000
    np.testing.assert_allclose(ink_of_deep(v8 / 255 * 7 - 3), 1 - v8 / 255, atol=1e-12)  # floats, any range
    assert ink_of_deep(np.full((4, 4), 1234.0)).tolist() == np.zeros((4, 4)).tolist()  # uniform: no ink


def test_why_a_picture_gives_no_digit():
    stroke = np.zeros((40, 40))
    stroke[5:35, 18:22] = 1
    assert reading_problem(stroke, to_digits_input(stroke)) is None
    assert reading_problem(1 - stroke, to_digits_input(1 - stroke)) is None  # light ink on dark paper
    for blank in (np.zeros((10, 10)), np.full((10, 10), 0.49), np.zeros((1, 1)), np.zeros((0, 0))):
        assert reading_problem(blank, to_digits_input(blank)) == NO_INK
    for dark in (np.ones((10, 10)), np.full((10, 10), 0.5), np.ones((1, 1)), np.full((9, 9), 0.8) + np.eye(9) * 0.1):
        assert reading_problem(dark, to_digits_input(dark)) == ALL_INK
    thin = np.eye(200)  # ink, but every 32x32 cell mostly paper
    assert to_digits_input(thin).tolist() == [0] * 64
    assert reading_problem(thin, to_digits_input(thin)) == TOO_THIN


def test_read_image_files(tmp_path):
    digits = load_digits()
    Image.fromarray(_picture(digits.images[3])).save(tmp_path / "three.png")
    Image.fromarray(_picture(digits.images[3])).convert("RGB").save(tmp_path / "three.jpg", quality=95)
    png = image_to_input(tmp_path / "three.png")
    assert png.tolist() == to_digits_input(1 - _picture(digits.images[3]) / 255).tolist()
    # JPEG's artefacts move the edges by a pixel, and with them the block borders: alike, not equal
    assert np.corrcoef(image_to_input(tmp_path / "three.jpg"), png)[0, 1] > 0.7
    (tmp_path / "text.png").write_text("not a picture")
    with pytest.raises(UsageError, match=f"cannot read .*text.png as a picture: it is not a {FORMAT_NAMES} file"):
        read_ink(tmp_path / "text.png")
    Image.new("L", (MAX_SIDE + 1, 2)).save(tmp_path / "wide.png")
    with pytest.raises(UsageError, match="too large for a digit"):
        read_ink(tmp_path / "wide.png")
    with pytest.raises(UsageError, match="no such file"):
        read_ink(tmp_path / "missing.png")


def test_every_accepted_format_reads_the_same_drawing(tmp_path):
    """PNG, BMP, GIF (its first frame), TIFF (its first page) and lossless WebP give the PNG's 64 values."""
    digits = load_digits()
    first, second = Image.fromarray(_picture(digits.images[5])), Image.fromarray(_picture(digits.images[6]))
    expected = to_digits_input(1 - _picture(digits.images[5]) / 255).tolist()
    assert expected != to_digits_input(1 - _picture(digits.images[6]) / 255).tolist()
    first.save(tmp_path / "five.bmp")
    first.convert("RGBA").save(tmp_path / "five.webp", lossless=True)
    first.save(tmp_path / "five.gif", save_all=True, append_images=[second])  # animated: a 5, then a 6
    first.save(tmp_path / "five.tiff", save_all=True, append_images=[second])  # two pages
    for name in ("five.bmp", "five.webp", "five.gif", "five.tiff"):
        with Image.open(tmp_path / name) as opened:
            assert opened.format in ("BMP", "WEBP", "GIF", "TIFF")
            assert getattr(opened, "n_frames", 1) == (2 if name.endswith(("gif", "tiff")) else 1)
        assert image_to_input(tmp_path / name).tolist() == expected, name
