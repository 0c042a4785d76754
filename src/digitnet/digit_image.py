"""A picture of a digit turned into the 8×8 input of the Digits data, the way those data were made.

UCI's optdigits (scikit-learn's ``load_digits``) was made from scanned forms: each digit's
normalised 32×32 bitmap was cut into 4×4 blocks and the ink pixels of each block counted, giving
8×8 values from 0 to 16. :func:`to_digits_input` does the same to any picture:

1. ink: 1 - grey level, grey = (0.299 R + 0.587 G + 0.114 B) / 255 over white paper (transparent
   pixels are paper); a pixel is *on* when its ink is at least one half. When most pixels are on,
   the picture is light ink on dark paper, and ink is taken as 1 - ink;
2. the on pixels' bounding box is scaled, keeping its proportions, so that its longer side fills
   the 32×32 bitmap, and centred in it; a bitmap pixel is on when most of the picture's pixels
   whose centres fall in it are on (or, if none does, the pixel under its centre);
3. the on pixels of each 4×4 block are counted.

The interactive report does exactly this in JavaScript (``report/assets/digit_image.js``, the same
names in camelCase), on the drawing pad; the test suite checks that both give the same 64 numbers.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import UsageError
from .files import check_regular_file

#: The normalised bitmap's side and the block side: 32 / 4 = 8 values a side, each 0..16.
BITMAP, BLOCK = 32, 4


def ink_of_rgba(rgba):
    """Ink of each pixel, 0 (paper) to 1, from an (H, W, 4) array of 0..255 RGBA values over white paper."""
    rgba = np.asarray(rgba, dtype=np.float64)
    grey = (0.299 * rgba[..., 0] + 0.587 * rgba[..., 1] + 0.114 * rgba[..., 2]) / 255
    opacity = rgba[..., 3] / 255
    return 1 - (grey * opacity + (1 - opacity))


def _cell_ranges(low, high, offset, scale):
    """For each of the BITMAP cells along one axis, the picture pixels [lo, hi] whose centres fall in it
    (the pixel under the cell's centre if none does; (1, 0), empty, outside the box)."""
    ranges = []
    for i in range(BITMAP):
        start, stop = low + (i - offset) / scale, low + (i + 1 - offset) / scale
        lo, hi = max(low, math.ceil(start - 0.5)), min(high, math.ceil(stop - 0.5) - 1)
        if lo > hi:
            centre = math.floor(low + (i + 0.5 - offset) / scale)
            lo, hi = (centre, centre) if low <= centre <= high else (1, 0)
        ranges.append((lo, hi))
    return ranges


def to_digits_input(ink):
    """The 64 values (0..16) of a picture, as in the Digits data (see the module docstring).

    Parameters
    ----------
    ink : array-like of shape (height, width)
        Ink of each pixel from 0 to 1 (:func:`ink_of_rgba`).

    Returns
    -------
    ndarray of shape (64,), int
        Row by row, like a row of ``load_digits().data``; all zeros for a blank picture.
    """
    ink = np.asarray(ink, dtype=np.float64)
    on = ink >= 0.5
    if 2 * int(np.count_nonzero(on)) > on.size:  # mostly "ink": light ink on dark paper
        on = (1 - ink) >= 0.5
    rows, cols = np.flatnonzero(on.any(axis=1)), np.flatnonzero(on.any(axis=0))
    if rows.size == 0:
        return np.zeros(BITMAP // BLOCK * (BITMAP // BLOCK), dtype=int)
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
    scale = BITMAP / max(r1 - r0 + 1, c1 - c0 + 1)
    top, left = (BITMAP - (r1 - r0 + 1) * scale) / 2, (BITMAP - (c1 - c0 + 1) * scale) / 2
    counts = np.zeros((on.shape[0] + 1, on.shape[1] + 1), dtype=np.int64)  # counts[r, c] = on pixels above-left
    counts[1:, 1:] = on.cumsum(axis=0).cumsum(axis=1)
    bitmap = np.zeros((BITMAP, BITMAP), dtype=int)
    for i, (ra, rb) in enumerate(_cell_ranges(r0, r1, top, scale)):
        for j, (ca, cb) in enumerate(_cell_ranges(c0, c1, left, scale)):
            if ra <= rb and ca <= cb:
                n_on = counts[rb + 1, cb + 1] - counts[ra, cb + 1] - counts[rb + 1, ca] + counts[ra, ca]
                bitmap[i, j] = 2 * n_on > (rb - ra + 1) * (cb - ca + 1)
    blocks = bitmap.reshape(BITMAP // BLOCK, BLOCK, BITMAP // BLOCK, BLOCK).sum(axis=(1, 3))
    return blocks.ravel()


#: The largest picture read (pixels a side): a digit needs far fewer, and a bigger file may be a decompression bomb.
MAX_SIDE = 4096


def read_image(path):
    """The RGBA pixels (H, W, 4) of a picture file (PNG, JPEG, or any format Pillow reads), as 0..255 values."""
    from PIL import Image, UnidentifiedImageError

    path = check_regular_file(path, "picture")
    try:
        with Image.open(path) as picture:  # reads the header only: the size is checked before any decoding
            width, height = picture.size
            if max(width, height) > MAX_SIDE:
                raise UsageError(f"{path}: a picture of {width}×{height} pixels is too large for a digit (at most"
                                 f" {MAX_SIDE} a side); scale it down")
            return np.asarray(picture.convert("RGBA"), dtype=np.float64)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UsageError(f"cannot read {path} as a picture: {' '.join(str(exc).split()) or type(exc).__name__}"
                         " (give a PNG or JPEG file)") from None


def image_to_input(path):
    """A picture file's 64 Digits values (:func:`read_image`, :func:`ink_of_rgba`, :func:`to_digits_input`)."""
    return to_digits_input(ink_of_rgba(read_image(path)))
