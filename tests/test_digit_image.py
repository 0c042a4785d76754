"""Pictures of digits to the Digits data's 8x8 input, as optdigits was made (the page's twin is tested in a browser)."""

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from digitnet.digit_image import MAX_SIDE, image_to_input, ink_of_rgba, read_image, to_digits_input
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
    assert to_digits_input(block).tolist() == [16] * 64  # a square fills the whole bitmap


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


def test_read_image_files(tmp_path):
    digits = load_digits()
    Image.fromarray(_picture(digits.images[3])).save(tmp_path / "three.png")
    Image.fromarray(_picture(digits.images[3])).convert("RGB").save(tmp_path / "three.jpg", quality=95)
    png = image_to_input(tmp_path / "three.png")
    assert png.tolist() == to_digits_input(1 - _picture(digits.images[3]) / 255).tolist()
    # JPEG's artefacts move the edges by a pixel, and with them the block borders: alike, not equal
    assert np.corrcoef(image_to_input(tmp_path / "three.jpg"), png)[0, 1] > 0.7
    (tmp_path / "text.png").write_text("not a picture")
    with pytest.raises(UsageError, match="cannot read .*text.png as a picture"):
        read_image(tmp_path / "text.png")
    Image.new("L", (MAX_SIDE + 1, 2)).save(tmp_path / "wide.png")
    with pytest.raises(UsageError, match="too large for a digit"):
        read_image(tmp_path / "wide.png")
    with pytest.raises(UsageError, match="no such file"):
        read_image(tmp_path / "missing.png")
