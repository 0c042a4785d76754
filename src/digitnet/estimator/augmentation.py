"""The fit option ``augment``: every epoch trains on the rows and new jittered copies of them.

``NumpyMLPClassifier().fit(X, y, augment=DigitJitter(copies=4))`` (and the regressor's ``fit``) trains,
each epoch, on the n training rows followed by ``copies`` x n jittered copies of them, drawn anew for
that epoch (:class:`~digitnet.augment.DigitJitter`, or any object with an int ``copies`` and a method
``jitter(X, random_state)`` returning one new copy of each row). The copies are drawn from the fit's
own stream (``random_state``, as the weights and shuffles are), after scikit-learn's draws: the initial
weights, the early-stopping split (whose held-out rows are the real rows, never jittered), then the
first epoch's copies (before the divergence rule's starting loss is taken on the whole set), and at
each later epoch its copies before its shuffle (then dropout's masks). Without ``augment`` nothing is
drawn and nothing changes. Sample weights and targets go with their row's copies; ``t_`` counts every
row trained on. A stochastic solver, dense rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from .solvers import STOCHASTIC_SOLVERS

if TYPE_CHECKING:
    from ..augment import DigitJitter, ScaledJitter


def check_augment(
    augment: DigitJitter | ScaledJitter | None, solver: str, X: np.ndarray | sparse.spmatrix
) -> DigitJitter | ScaledJitter | None:
    """``augment`` after checking it can be used for this fit (None stays None); a ValueError saying why not."""
    if augment is None:
        return None
    copies = getattr(augment, "copies", None)
    if (
        not callable(getattr(augment, "jitter", None))
        or not isinstance(copies, Integral)
        or isinstance(copies, bool)
        or copies < 1
    ):
        raise TypeError(
            f"augment={augment!r} is not an augmentation: it needs an int attribute copies >= 1 and a"
            " method jitter(X, random_state) (e.g. digitnet.augment.DigitJitter(copies=4))"
        )
    if solver not in STOCHASTIC_SOLVERS:
        raise ValueError(
            f"augment draws new copies every epoch, which needs a stochastic solver"
            f" ({', '.join(STOCHASTIC_SOLVERS)}), not solver={solver!r}"
        )
    if sparse.issparse(X):
        raise ValueError("augment jitters images: it needs dense rows, not a sparse matrix")
    return augment


def rows_per_epoch(augment: DigitJitter | ScaledJitter | None, n_rows: int) -> int:
    """How many rows an epoch trains on: the rows and their copies."""
    return n_rows * (1 + (augment.copies if augment is not None else 0))


@dataclass
class EpochCopies:
    """The training set of an augmented fit: the real rows first, then the copies, redrawn in place each epoch.

    Attributes
    ----------
    X : ndarray of shape ((copies + 1) n, n_features)
        What every epoch trains on; rows n onwards are that epoch's copies.
    originals : ndarray of shape (copies n, n_features)
        The real rows repeated ``copies`` times, which each epoch's copies are drawn from.
    augment : the fit option
    rng : the fit's random stream
    """

    X: np.ndarray
    originals: np.ndarray
    augment: object
    rng: object

    def redraw(self) -> None:
        """New copies for the next epoch (in place: the epoch's buffers keep pointing at the same rows)."""
        n = len(self.X) - len(self.originals)
        self.X[n:] = self.augment.jitter(self.originals, self.rng)


def with_copies(
    augment: DigitJitter | ScaledJitter | None,
    X: np.ndarray,
    Y: np.ndarray,
    sample_weight: np.ndarray | None,
    rng: np.random.RandomState | np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, EpochCopies | None]:
    """``(X, Y, sample_weight, copies)``: the first epoch's training set and what redraws it (None, unchanged
    arrays, without ``augment``)."""
    if augment is None:
        return X, Y, sample_weight, None
    reps = augment.copies + 1
    originals = np.tile(X, (augment.copies, 1))
    drawn = np.asarray(augment.jitter(originals, rng), dtype=X.dtype)
    if drawn.shape != originals.shape:
        raise ValueError(f"augment.jitter returned an array of shape {drawn.shape} for rows of shape {originals.shape}")
    copies = EpochCopies(np.ascontiguousarray(np.vstack([X, drawn])), originals, augment, rng)
    weights = None if sample_weight is None else np.tile(sample_weight, reps)
    return copies.X, np.tile(Y, (reps, 1)), weights, copies
