"""Digits drawn as people draw them on a pad: thick dark strokes on white paper, made with PIL.

Each digit has a few stroke templates (the shapes people use: a round zero and an oval one, an open
four and a closed one, a one with and without its flag, a seven with and without its bar, ...), written
as polylines, arcs and ellipses in a unit box (x to the right, y down, both 0..1). :func:`drawn_digits`
draws each template with a random size (from a small digit in a corner to one filling the pad), slant
(up to ±15°), position and pen width (8–14% of the picture's side), all drawn from a seeded
``np.random.default_rng``.

The templates are the digits' usual shapes, written once; they were not tuned to any model. The pad's
preprocessing and the pad's model (:data:`digitnet.report.pad_model.PAD_PARAMS`) were chosen on the pictures of seeds 0 to 7; the tests read those of
seed :data:`TEST_SEED`, drawn once those choices were made.

:func:`pad_model` fits the pad's model once per test session.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from PIL import Image, ImageDraw

#: The seed of the tests' pictures (not among those the choices were made on).
TEST_SEED = 21
#: The pictures' side, in pixels (the page's pad is 280).
SIDE = 280
#: A digit's width as a share of its height, as the templates are drawn (their unit box is squeezed so).
WIDTH = 0.7


def _arc(cx, cy, rx, ry, start, stop, n=24):
    """Points of an elliptic arc from angle ``start`` to ``stop`` (degrees, 0 = right, 90 = down)."""
    angles = np.radians(np.linspace(start, stop, n))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


#: Each digit's templates: a list of strokes, each a list of (x, y) points in the unit box.
TEMPLATES = {
    0: [
        [_arc(0.5, 0.5, 0.5 / WIDTH, 0.5, 0, 360, 48)],  # round (a circle once drawn)
        [_arc(0.5, 0.5, 0.3, 0.5, 0, 360, 48)],  # oval
        [_arc(0.5, 0.5, 0.38, 0.5, -80, 275, 48)],
    ],  # oval, its ends not quite met
    1: [
        [[(0.5, 0.0), (0.5, 1.0)]],  # a bare stroke
        [[(0.2, 0.25), (0.55, 0.0), (0.55, 1.0)]],  # with a flag
        [[(0.25, 0.2), (0.55, 0.0), (0.55, 1.0)], [(0.3, 1.0), (0.8, 1.0)]],
    ],  # flag and foot
    2: [
        [_arc(0.5, 0.3, 0.4, 0.3, 190, 380) + [(0.05, 1.0), (0.95, 1.0)]],
        [_arc(0.5, 0.28, 0.38, 0.28, 160, 370) + [(0.1, 1.0), (0.9, 0.97)]],
    ],
    3: [
        [_arc(0.45, 0.25, 0.4, 0.25, 200, 450) + _arc(0.45, 0.73, 0.45, 0.27, 270, 520)],
        [[(0.1, 0.0), (0.85, 0.0), (0.4, 0.42)] + _arc(0.45, 0.7, 0.45, 0.3, 280, 510)],
    ],
    4: [
        [[(0.6, 0.0), (0.05, 0.68), (0.95, 0.68)], [(0.7, 0.3), (0.7, 1.0)]],  # closed
        [[(0.2, 0.0), (0.1, 0.62), (0.95, 0.62)], [(0.72, 0.0), (0.72, 1.0)]],
    ],  # open at the top
    5: [
        [[(0.9, 0.0), (0.2, 0.0), (0.12, 0.45)] + _arc(0.48, 0.68, 0.42, 0.32, 235, 500)],
        [[(0.15, 0.02), (0.1, 0.45)] + _arc(0.5, 0.68, 0.4, 0.32, 230, 490), [(0.15, 0.02), (0.9, 0.0)]],
    ],
    6: [
        [_arc(0.9, 0.55, 0.75, 0.55, 250, 180, 16) + _arc(0.5, 0.7, 0.38, 0.3, 180, 540)],
        [[(0.7, 0.0), (0.15, 0.6)] + _arc(0.5, 0.7, 0.35, 0.3, 180, 540)],
    ],
    7: [
        [[(0.05, 0.0), (0.95, 0.0), (0.35, 1.0)]],  # without a bar
        [[(0.05, 0.0), (0.95, 0.0), (0.35, 1.0)], [(0.3, 0.5), (0.8, 0.5)]],
    ],  # with a bar
    8: [
        [_arc(0.5, 0.25, 0.32, 0.25, 0, 360, 36), _arc(0.5, 0.73, 0.42, 0.27, 0, 360, 36)],
        [_arc(0.5, 0.25, 0.35, 0.25, 90, 450, 36)[:30] + _arc(0.5, 0.73, 0.42, 0.27, 270, -90, 36)],
    ],
    9: [
        [_arc(0.5, 0.3, 0.38, 0.3, 0, 360, 40), [(0.88, 0.3), (0.85, 1.0)]],  # straight tail
        [_arc(0.5, 0.3, 0.38, 0.3, 0, 360, 40), [(0.88, 0.3)] + _arc(0.4, 0.55, 0.48, 0.45, 0, 100, 12)],
    ],
}


def _placed(strokes, rng):
    """The strokes moved onto the picture: a random height (25%–85% of the side), aspect kept, slant up to
    ±15°, and a random place on the paper (the pen's width kept inside it)."""
    height = rng.uniform(0.25, 0.85) * SIDE
    pen = rng.uniform(0.08, 0.14) * SIDE
    slant = math.tan(math.radians(rng.uniform(-15, 15)))
    points = [np.array(stroke, dtype=float) for stroke in strokes]
    for p in points:
        p[:, 0] = (p[:, 0] - 0.5) * height * WIDTH + slant * (0.5 - p[:, 1]) * height
        p[:, 1] = (p[:, 1] - 0.5) * height
    every = np.concatenate(points)
    low, high = every.min(axis=0) - pen / 2, every.max(axis=0) + pen / 2
    room = np.maximum(SIDE - (high - low), 0)
    offset = rng.uniform(0, 1, size=2) * room - low
    return [p + offset for p in points], pen


def draw(strokes, pen):
    """A white picture (RGB, :data:`SIDE` a side) with the strokes drawn in dark ink, round ends and joints."""
    picture = Image.new("RGB", (SIDE, SIDE), "white")
    canvas = ImageDraw.Draw(picture)
    width, r = int(round(pen)), pen / 2
    for stroke in strokes:
        points = [tuple(p) for p in stroke]
        canvas.line(points, fill=(20, 20, 30), width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round pen ends
            canvas.ellipse([x - r, y - r, x + r, y + r], fill=(20, 20, 30))
    return picture


def drawn_digits(seed, per_digit=4):
    """``per_digit`` drawn pictures of each digit 0–9, as ``(PIL picture, label)`` pairs.

    Each digit's templates are used in turn (so every kind appears), each drawn with its own size, slant,
    position and pen width from ``np.random.default_rng(seed)``.
    """
    rng = np.random.default_rng(seed)
    pictures = []
    for label, templates in TEMPLATES.items():
        for k in range(per_digit):
            strokes, pen = _placed(templates[k % len(templates)], rng)
            pictures.append((draw(strokes, pen), label))
    return pictures


@functools.cache
def pad_model():
    """The page's pad model (:func:`digitnet.report.pad_model.fit_pad_model`: the report fits the same), fitted on
    the standard split's development rows."""
    from digitnet.data import load_split
    from digitnet.report.pad_model import fit_pad_model

    return fit_pad_model(load_split("digits"))
