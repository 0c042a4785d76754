"""The draw pad's model: the accuracy ladder's top rung, trained for the digits people draw on a pad.

The ladder chooses for the Digits' own test digits, at a fixed 60 epochs to keep its cost down; a digit drawn on a
pad is another kind of picture (a thicker or thinner pen, more slant, other sizes), and the ladder's network reads
36 of the 40 drawn test pictures of ``tests/test_drawn_digits.py`` (three of them averaged: 36 too). The pad's model
keeps the ladder's top rung (512 relu units, label smoothing 0.1, 4 jittered copies of the rows every epoch) and
adds what drawn digits need, measured on the pictures of other seeds (0 to 7) before the test ones were drawn:
pixels divided by 16, MLPClassifier's training length (up to 200 epochs, stopping after 10 without a gain) and a
wider jitter (rotations up to 20 degrees, sizes ±25%). It reads 39 of the 40 test pictures.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..ensemble import DigitsClassifier

#: The pad's DigitsClassifier: the ladder's top rung, with pixels divided by 16, the default training length and the
#: wider jitter of drawn digits (see the module docstring).
PAD_PARAMS = dict(
    hidden_layer_sizes=(512,),
    label_smoothing=0.1,
    augment_copies=4,
    scaling="max",
    rotation=20.0,
    zoom=0.25,
    random_state=0,
)
#: Epochs of the pad's model in a ``--quick`` report (its numbers illustrative, as the quick studies' are).
QUICK_EPOCHS = 30


def fit_pad_model(split, quick: bool = False) -> DigitsClassifier:
    """:data:`PAD_PARAMS`'s model fitted in float32 on ``split``'s development rows (its raw pixels, 0..16).

    Parameters
    ----------
    split : Split
        The standard split (:func:`digitnet.data.load_split`): its ``X_train_raw``, shape (n, 64), and ``y_train``.
    quick : bool
        At most :data:`QUICK_EPOCHS` epochs (a ``--quick`` report's).
    """
    params = {**PAD_PARAMS, **({"max_iter": QUICK_EPOCHS} if quick else {})}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return DigitsClassifier(**params).fit(np.asarray(split.X_train_raw, dtype=np.float32), split.y_train)
