"""Digits drawn as on a pad (thick strokes, several sizes, slants and places; tests/drawn_digits.py) are read
by the pad's model: the strokes brought to the Digits' width (digit_image.even_strokes), at least 95% right."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from digitnet import NumpyMLPClassifier
from digitnet.data import load_split
from digitnet.digit_image import STROKE_WIDTH, even_strokes, ink_of_rgba, reading_problem, stroke_width, to_digits_input

from .drawn_digits import SIDE, TEST_SEED, drawn_digits, pad_model


@pytest.fixture(scope="module")
def drawn():
    """The 40 test pictures as (8x8 inputs, labels), read as the pad reads them."""
    pictures = drawn_digits(TEST_SEED)
    inks = [ink_of_rgba(np.asarray(picture.convert("RGBA"))) for picture, _ in pictures]
    inputs = np.array([to_digits_input(ink) for ink in inks])
    assert all(reading_problem(ink, x) is None for ink, x in zip(inks, inputs))
    return inputs, np.array([label for _, label in pictures]), inks


def test_the_pictures_are_four_of_each_digit_drawn_thick_and_varied(drawn):
    _, labels, inks = drawn
    assert len(labels) == 40 and np.bincount(labels).tolist() == [4] * 10
    heights, widths = [], []
    for ink in inks:
        assert ink.shape == (SIDE, SIDE) and (ink < 0.05).mean() > 0.5  # white paper, mostly
        assert ink.max() > 0.85  # dark ink
        rows = np.flatnonzero((ink >= 0.5).any(axis=1))
        heights.append((rows[-1] - rows[0] + 1) / SIDE)
        widths.append(np.count_nonzero(ink[(rows[0] + rows[-1]) // 2] >= 0.5))
    assert min(heights) < 0.4 and max(heights) > 0.85  # small ones and ones filling the pad
    assert max(widths) >= 0.08 * SIDE  # a thick pen (a stroke crossed at mid-height)


def test_stroke_width_and_even_strokes():
    bar = np.zeros((32, 32), dtype=int)
    bar[:, 10:22] = 1  # 32 tall, 12 wide
    assert stroke_width(bar) == 2 * 32 * 12 / (2 * (32 + 12))
    thinned = even_strokes(bar)  # width ~8.7: two erosions, 4 pixels narrower
    assert thinned.sum(axis=1)[2:-2].tolist() == [8] * 28 and thinned[:2].sum() == thinned[-2:].sum() == 0
    line = np.zeros((32, 32), dtype=int)
    line[:, 15] = 1  # a hairline, width 64 / 66: floor(-1.52 + 0.5) = -2, two dilations
    assert even_strokes(line).sum(axis=1).tolist() == [5] * 32
    four = np.zeros((32, 32), dtype=int)
    four[:, 14:18] = 1  # already STROKE_WIDTH wide
    assert STROKE_WIDTH == 4 and (even_strokes(four) == four).all()
    dot = np.zeros((32, 32), dtype=int)
    dot[10:14, 10:14] = 1  # thinning never takes the drawing away
    assert even_strokes(dot).sum() > 0 and even_strokes(np.zeros((32, 32))).sum() == 0


def test_the_pad_model_reads_at_least_95_percent_of_drawn_digits(drawn):
    inputs, labels, _ = drawn
    right = pad_model().predict(inputs) == labels
    assert right.sum() >= 38, f"read {right.sum()} of 40: wrong on {labels[~right].tolist()}"
    # the model the page carried before (one network on standardised pixels) reads far fewer
    split = load_split("digits")
    scaler = StandardScaler().fit(split.X_train_raw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = NumpyMLPClassifier(random_state=0).fit(scaler.transform(split.X_train_raw), split.y_train)
    assert (plain.predict(scaler.transform(inputs)) == labels).sum() < right.sum()
