"""A picture of a digit turned into the 8×8 input of the Digits data, the way those data were made.

UCI's optdigits (scikit-learn's ``load_digits``) was made from scanned forms: each digit's
normalised 32×32 bitmap was cut into 4×4 blocks and the ink pixels of each block counted, giving
8×8 values from 0 to 16. :func:`to_digits_input` does the same to any picture:

1. ink: 1 - grey level, grey = (0.299 R + 0.587 G + 0.114 B) / 255 over white paper (transparent
   pixels are paper); a pixel is *on* when its ink is at least one half. When most pixels are on,
   the picture is light ink on dark paper, and ink is taken as 1 - ink. A 16-bit, 32-bit or
   floating-point picture (a scan, a TIFF) has no fixed white: its grey is its value over its own
   range, darkest pixel 0 and lightest 1 (:func:`ink_of_deep`), so that a scan whose values span
   0..8000 of 65535 reads as the same drawing in 0..255 does;
2. the on pixels' bounding box is scaled, keeping its proportions, so that its longer side fills
   the 32×32 bitmap, and centred in it; a bitmap pixel is on when most of the picture's pixels
   whose centres fall in it are on (or, if none does, the pixel under its centre);
3. the strokes are brought to the width of the Digits' strokes (:func:`even_strokes`): a digit drawn small
   with a thick pen, scaled up to 32×32, has strokes a third of its height, and one drawn large with a fine
   pen hairlines; the Digits' strokes are about :data:`STROKE_WIDTH` bitmap pixels wide;
4. the on pixels of each 4×4 block are counted.

A picture with no digit to read (:func:`reading_problem`: no ink, all ink, or strokes too thin to
leave anything at 8×8) is refused rather than read as an empty input.

The interactive report does exactly this in JavaScript (``report/assets/digit_image.js``, the same
names in camelCase), on the drawing pad; the test suite checks that both give the same 64 numbers
and the same refusals.
"""

from __future__ import annotations

import contextlib
import math
import os
import struct
import sys
import warnings

import numpy as np
from numpy.typing import ArrayLike

from .errors import UsageError
from .files import check_regular_file

#: The normalised bitmap's side and the block side: 32 / 4 = 8 values a side, each 0..16.
BITMAP, BLOCK = 32, 4
#: The width of a stroke, in pixels of the 32×32 bitmap, that :func:`even_strokes` brings strokes to. The Digits'
#: images hold about 310 on pixels of 1,024 whatever the digit (303 to 329, the classes' means); a zero's ring,
#: 22×32 pixels with strokes 4 wide, about 290. (On the drawn test pictures' development seeds, 4 and 5 read best.)
STROKE_WIDTH = 4
#: Thinning stops before a step that would leave less than this share of the on pixels (tenths).
KEEP_TENTHS = 3

#: The picture formats read, by Pillow's names (a GIF's first frame, a TIFF's first page): raster formats whose
#: plugins only decode pixels. Any other is refused before its plugin sees the file: Pillow's PostScript plugin
#: runs Ghostscript (whatever ``gs`` is first on the PATH), and a digit has no need of PDF, DDS and the rest.
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
FORMAT_NAMES = "PNG, JPEG, BMP, GIF, TIFF or WebP"

#: Pillow's modes with more than 8 bits a pixel (one channel each): 16-bit and 32-bit integers, 32-bit floats.
DEEP_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")

#: The largest picture read (pixels a side): a digit needs far fewer, and a bigger file may be a decompression bomb.
MAX_SIDE = 4096

#: Why a picture gives no digit (:func:`reading_problem`): no pixel is ink; every pixel is; the strokes are too
#: thin to fill any cell of the 32×32 bitmap. The page's pad says the same (``readingProblem``).
NO_INK, ALL_INK, TOO_THIN = "no ink", "all ink", "too thin"

#: What ``digitnet predict --image`` says of each (after the file's name).
PROBLEM_MESSAGES = {
    NO_INK: "has no ink: it is blank, one uniform shade or fully transparent (give a picture of one digit, dark ink"
    " on light paper or light on dark)",
    ALL_INK: "is all ink: every pixel is darker than mid-grey, so no stroke stands out (give a picture of one digit,"
    " dark ink on light paper or light on dark)",
    TOO_THIN: "has strokes too thin to show in the 8x8 input (every value is 0); draw the digit with a thicker pen",
}

#: Pillow's errors for a file that its plugin cannot decode: a damaged or cut-short file, or a variant it lacks.
_UNDECODABLE = (OSError, SyntaxError, ValueError, EOFError, struct.error, NotImplementedError)


def ink_of_rgba(rgba: np.ndarray) -> np.ndarray:
    """Ink of each pixel, 0 (paper) to 1, from an (H, W, 4) array of 0..255 RGBA values over white paper."""
    rgba = np.asarray(rgba)

    def channel(k):
        return rgba[..., k].astype(np.float64)

    # one channel at a time and in place (the same operations, in the same order, as
    # 1 - (grey * opacity + (1 - opacity))): a 4096×4096 picture needs a few of its planes in float64, not ten
    grey = 0.299 * channel(0)
    grey += 0.587 * channel(1)
    grey += 0.114 * channel(2)
    grey /= 255
    opacity = channel(3)
    opacity /= 255
    grey *= opacity
    np.subtract(1, opacity, out=opacity)
    grey += opacity
    return np.subtract(1, grey, out=grey)


def ink_of_deep(values: ArrayLike) -> np.ndarray:
    """Ink of each pixel, 0 (paper) to 1, of a 16-bit, 32-bit or floating-point picture, by its real range.

    Such a picture has no fixed white (a scanner may fill 0..8000 of 65535, a float TIFF any range), so its
    lightest pixel is paper and its darkest full ink: grey = (value - min) / (max - min). A picture that uses
    the whole range reads exactly as its 8-bit version (``v * 257 / 65535`` is ``v / 255``, correctly rounded).

    Parameters
    ----------
    values : array-like of shape (height, width)
        The pixel values, finite numbers.

    Returns
    -------
    ndarray of shape (height, width)
        The ink; all 0 (no ink) for a picture of one uniform value.
    """
    values = np.asarray(values, dtype=np.float64)
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if high == low:
        return np.zeros(values.shape)
    ink = values - low  # 1 - (values - low) / (high - low), in place
    ink /= high - low
    return np.subtract(1, ink, out=ink)


def _on_pixels(ink):
    """The pixels read as strokes: ink of at least one half, or paper of at least one half when most pixels are
    ink (light ink on dark paper); and whether the picture was read that way round."""
    on = ink >= 0.5
    inverted = 2 * int(np.count_nonzero(on)) > on.size
    return ((1 - ink) >= 0.5 if inverted else on), inverted


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


def stroke_width(bitmap: ArrayLike) -> float:
    """The mean width of a bitmap's strokes, in pixels: twice its on pixels over its outline's length (the
    sides between an on and an off pixel, outside the bitmap off); a stroke of width w and length L has
    w L pixels and an outline of 2 (w + L)."""
    on = np.pad(np.asarray(bitmap, dtype=np.int64), 1)
    outline = int(np.abs(np.diff(on, axis=0)).sum() + np.abs(np.diff(on, axis=1)).sum())
    return 2 * int(on.sum()) / outline if outline else 0.0


def even_strokes(bitmap: ArrayLike) -> np.ndarray:
    """A 0/1 bitmap with its strokes brought to :data:`STROKE_WIDTH`: ``steps = floor((width - STROKE_WIDTH)
    / 2 + 0.5)`` (:func:`stroke_width`) erosions (thinner by two pixels each; a step that would leave less than
    :data:`KEEP_TENTHS` tenths of the on pixels is not taken) or ``-steps`` dilations, each by the 4-neighbour
    cross, outside the bitmap off (``scipy.ndimage``'s binary erosion and dilation)."""
    from scipy import ndimage

    on = np.asarray(bitmap, dtype=bool)
    if not on.any():
        return np.asarray(bitmap, dtype=int)
    steps = math.floor((stroke_width(on) - STROKE_WIDTH) / 2 + 0.5)
    cross = ndimage.generate_binary_structure(2, 1)
    for _ in range(max(steps, 0)):
        thinner = ndimage.binary_erosion(on, cross)
        if 10 * np.count_nonzero(thinner) < KEEP_TENTHS * np.count_nonzero(on):
            break
        on = thinner
    if steps < 0:
        on = ndimage.binary_dilation(on, cross, iterations=-steps)
    return on.astype(int)


def to_digits_input(ink: ArrayLike) -> np.ndarray:
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
    on, _ = _on_pixels(np.asarray(ink, dtype=np.float64))
    rows, cols = np.flatnonzero(on.any(axis=1)), np.flatnonzero(on.any(axis=0))
    if rows.size == 0:
        return np.zeros(BITMAP // BLOCK * (BITMAP // BLOCK), dtype=int)
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
    scale = BITMAP / max(r1 - r0 + 1, c1 - c0 + 1)
    top, left = (BITMAP - (r1 - r0 + 1) * scale) / 2, (BITMAP - (c1 - c0 + 1) * scale) / 2
    # counts[r, c] = on pixels above-left (int32: at most MAX_SIDE² of them)
    counts = np.zeros((on.shape[0] + 1, on.shape[1] + 1), dtype=np.int64 if on.size >= 2**31 else np.int32)
    np.cumsum(on, axis=0, dtype=counts.dtype, out=counts[1:, 1:])
    np.cumsum(counts[1:, 1:], axis=1, out=counts[1:, 1:])
    bitmap = np.zeros((BITMAP, BITMAP), dtype=int)
    for i, (ra, rb) in enumerate(_cell_ranges(r0, r1, top, scale)):
        for j, (ca, cb) in enumerate(_cell_ranges(c0, c1, left, scale)):
            if ra <= rb and ca <= cb:
                n_on = counts[rb + 1, cb + 1] - counts[ra, cb + 1] - counts[rb + 1, ca] + counts[ra, ca]
                bitmap[i, j] = 2 * n_on > (rb - ra + 1) * (cb - ca + 1)
    blocks = even_strokes(bitmap).reshape(BITMAP // BLOCK, BLOCK, BITMAP // BLOCK, BLOCK).sum(axis=(1, 3))
    return blocks.ravel()


def reading_problem(ink: ArrayLike, digits_input: ArrayLike) -> str | None:
    """Why a picture gives no digit to read, or None when it does.

    Parameters
    ----------
    ink : array-like of shape (height, width)
        Ink of each pixel from 0 to 1.
    digits_input : array-like of shape (64,)
        Its 8×8 input (:func:`to_digits_input`).

    Returns
    -------
    str or None
        :data:`NO_INK` (no pixel is ink: blank, one light shade, fully transparent), :data:`ALL_INK` (every
        pixel is ink, or reads as a stroke: one dark shade), :data:`TOO_THIN` (strokes, but no value of the
        input above 0), or None.
    """
    on, inverted = _on_pixels(np.asarray(ink, dtype=np.float64))
    if not on.any():
        return ALL_INK if inverted else NO_INK
    if on.all():  # strokes and no paper: one shade of exactly mid-grey, read either way round
        return ALL_INK
    return None if np.any(np.asarray(digits_input) > 0) else TOO_THIN


@contextlib.contextmanager
def _held_back():
    """Pillow's warnings and its log's last-resort lines (to ``sys.stderr``), and libtiff's messages (written
    straight to file descriptor 2), held back while a picture is decoded: what is wrong with it is said in one
    line, or, if it reads, not at all."""
    with contextlib.ExitStack() as stack:
        null = stack.enter_context(open(os.devnull, "w"))
        stack.enter_context(warnings.catch_warnings())
        warnings.simplefilter("ignore")
        if sys.stderr is not None:
            sys.stderr.flush()
        stack.enter_context(contextlib.redirect_stderr(null))
        with contextlib.suppress(OSError):  # (no descriptor 2: nothing to hold back there)
            saved = os.dup(2)
            stack.callback(os.close, saved)
            os.dup2(null.fileno(), 2)
            stack.callback(os.dup2, saved, 2)
        yield


@contextlib.contextmanager
def _one_line_errors(path):
    """Pillow's errors about ``path`` as one :class:`UsageError` line each."""
    from PIL import Image, UnidentifiedImageError

    try:
        yield
    except UsageError:
        raise
    except UnidentifiedImageError:
        kind = _kind_of(path)
        if kind is not None:
            raise UsageError(
                f"cannot read {path} as a picture: it begins as a {kind} file but is damaged or cut short"
            ) from None
        raise UsageError(
            f"cannot read {path} as a picture: it is not a {FORMAT_NAMES} file (PostScript, PDF and"
            " other formats are refused); save it as PNG"
        ) from None
    except Image.DecompressionBombError:  # beyond twice Pillow's limit, refused by Pillow as it opens
        raise UsageError(_too_large(path, f"over {2 * Image.MAX_IMAGE_PIXELS:,}")) from None
    except OSError as exc:
        if exc.errno is not None:  # the file, not the picture: permission denied, an I/O error
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
        raise UsageError(_damaged(path, exc)) from None
    except _UNDECODABLE as exc:
        raise UsageError(_damaged(path, exc)) from None


def _kind_of(path):
    """Which of :data:`FORMATS` the file's first bytes announce (by those plugins' own checks), or None."""
    from PIL import Image

    try:
        with open(path, "rb") as f:
            prefix = f.read(16)
    except OSError:
        return None
    for name in FORMATS:
        _, accept = Image.OPEN.get(name, (None, None))
        if accept is not None and accept(prefix):
            return "WebP" if name == "WEBP" else name
    return None


def _too_large(path, pixels):
    return f"{path}: a picture of {pixels} pixels is too large for a digit (at most {MAX_SIDE} a side); scale it down"


def _damaged(path, exc):
    detail = " ".join(str(exc).split()) or type(exc).__name__
    return f"cannot read {path} as a picture: it is damaged, cut short or a variant Pillow cannot decode ({detail})"


def read_ink(path: str | os.PathLike[str]) -> np.ndarray:
    """Ink of each pixel (H, W), 0 (paper) to 1, of a picture file (:data:`FORMATS` only).

    8-bit pictures (any number of channels) are read over white paper (:func:`ink_of_rgba`); 16-bit, 32-bit
    and floating-point ones by their real range (:func:`ink_of_deep`). Its size is checked from the header,
    before any pixel is decoded.

    Raises
    ------
    UsageError
        One line: the file is missing or not a regular file, in another format, damaged, too large, or has
        pixel values that are not finite numbers.
    """
    from PIL import Image

    path = check_regular_file(path, "picture")
    with _held_back(), _one_line_errors(path):
        with Image.open(path, formats=FORMATS) as picture:  # reads the header only: no other plugin is tried
            width, height = picture.size
            if max(width, height) > MAX_SIDE:
                raise UsageError(_too_large(path, f"{width}×{height}"))
            if picture.mode not in DEEP_MODES:
                return ink_of_rgba(np.asarray(picture.convert("RGBA")))
            values = np.asarray(picture)
    if not np.isfinite(values).all():
        raise UsageError(f"cannot read {path} as a picture: some of its pixels are not numbers (NaN or infinite)")
    return ink_of_deep(values)


def image_to_input(path: str | os.PathLike[str]) -> np.ndarray:
    """A picture file's 64 Digits values (:func:`read_ink`, :func:`to_digits_input`).

    Raises
    ------
    UsageError
        One line, as :func:`read_ink` does, or when the picture gives no digit (:func:`reading_problem`).
    """
    ink = read_ink(path)
    digits_input = to_digits_input(ink)
    problem = reading_problem(ink, digits_input)
    if problem is not None:
        raise UsageError(f"{path} {PROBLEM_MESSAGES[problem]}")
    return digits_input
