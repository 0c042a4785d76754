"""Data given to a loaded model: do they look like what it was trained on, and were they its training rows?

A model file keeps two facts about its training data (see :mod:`digitnet.model_file`):

- **each input's range**, so that ``predict`` can refuse data far outside it (raw pixels for a model
  that expects them standardised);
- **a fingerprint of the training rows**: a 64-bit BLAKE2b hash of each distinct row's raw
  features (float64, in the model's feature order, ``-0.0`` counted as ``0.0``). Up to
  :data:`FINGERPRINT_ROWS` rows every hash is kept (8 bytes a row); beyond, the
  :data:`FINGERPRINT_ROWS` smallest, which are a uniform sample of the rows (the same whatever
  their order). ``predict`` hashes the rows it is given the same way and says how many of them
  the model was trained on: its score on those rows says little about new data. Columns are
  matched to the model's features by name before hashing, so a CSV with its columns in another
  order, or its numbers written another way (``1`` or ``1.0``), has the same fingerprint.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline

__all__ = [
    "FAR_OUTSIDE_SHARE",
    "FINGERPRINT_ROWS",
    "Fingerprint",
    "compare_with_training",
    "fingerprint",
    "parts",
    "row_hashes",
    "training_rows_seen",
]

#: More than this share of values far outside the training ranges: the data are not what the model expects.
FAR_OUTSIDE_SHARE = 0.01
#: The most training-row hashes a model file keeps (800 KB).
FINGERPRINT_ROWS = 100_000


def parts(model):
    """``(scaler or None, estimator)`` of a loaded model (a Pipeline, a TransformedTargetRegressor, a DigitsClassifier
    or a bare model)."""
    if isinstance(model, TransformedTargetRegressor):
        model = model.regressor_
    if isinstance(model, Pipeline):
        return model.steps[0][1], model.steps[-1][1]
    # an estimator that scales its raw input itself (a DigitsClassifier) keeps that scaler as scaler_
    return getattr(model, "scaler_", None), model


def compare_with_training(model, X, source):
    """How far the raw features ``X`` lie outside the ranges the model saw in training.

    A value is *far outside* when it is beyond a feature's training range by more than the width
    of that range (or, for a feature that was constant in training, the median width). Returns
    ``(share of values far outside, one line saying where)``, or ``(0.0, None)`` when every value
    is within bounds or the model file records no ranges (files written before it did).
    """
    scaler, mlp = parts(model)
    if getattr(mlp, "_input_range", None) is None:
        return 0.0, None
    low, high = mlp._input_range
    if scaler is not None:  # the ranges were recorded on the model's (scaled) inputs: back to raw units
        low, high = low * scaler.scale_ + scaler.mean_, high * scaler.scale_ + scaler.mean_
    span = high - low
    margin = np.maximum(span, np.median(span) if np.median(span) > 0 else 1.0)
    outside = (X < low - margin) | (X > high + margin)
    if not outside.any():
        return 0.0, None
    j = int(outside.sum(axis=0).argmax())
    names = mlp.model_file_meta_.get("feature_names") if hasattr(mlp, "model_file_meta_") else None
    name = repr(names[j]) if names else f"number {j}"
    text = (
        f"{outside.mean():.1%} of the values in {source} lie far outside the ranges the model was trained on"
        f" (feature {name}: {X[:, j].min():.4g} to {X[:, j].max():.4g} here, {low[j]:.4g} to {high[j]:.4g} in"
        f" training)"
    )
    if scaler is None:
        text += (
            "; this model file holds no scaling, so the model expects its inputs scaled as they were in"
            " training: scale them, or save the model with its scaler (a Pipeline)"
        )
    return float(outside.mean()), text


# ----------------------------------------------------------------------------------------------
# Which rows the model was trained on
# ----------------------------------------------------------------------------------------------


@dataclass
class Fingerprint:
    """The training rows' hashes a model file keeps.

    Attributes
    ----------
    hashes : ndarray of uint64, sorted, distinct
        All the distinct rows' hashes, or the :data:`FINGERPRINT_ROWS` smallest.
    n_rows : int
        How many distinct rows there were.
    """

    hashes: np.ndarray
    n_rows: int

    @property
    def complete(self):
        return len(self.hashes) == self.n_rows


def row_hashes(X):
    """The 64-bit BLAKE2b hash of each row of ``X`` as float64 little-endian bytes (``-0.0`` as ``0.0``).

    A cryptographic hash, not a home-made one: two different rows share a hash with probability
    2^-64, and the value never depends on the NumPy or Python version that computes it.
    """
    rows = np.ascontiguousarray(np.asarray(X, dtype="<f8") + 0.0)  # + 0.0 turns -0.0 into 0.0
    digests = b"".join(hashlib.blake2b(row.tobytes(), digest_size=8).digest() for row in rows)
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


def fingerprint(X):
    """The :class:`Fingerprint` of training rows ``X`` (the smallest :data:`FINGERPRINT_ROWS` hashes if more)."""
    distinct = np.unique(row_hashes(X))
    return Fingerprint(distinct[:FINGERPRINT_ROWS], len(distinct))


def training_rows_seen(mlp, X):
    """How many rows of ``X`` (raw features, the model's order) the model was trained on.

    Returns
    -------
    (int, bool) or None
        The count and whether it is an estimate (the file kept a sample of the training rows'
        hashes: the share found among the rows whose hash falls in the sample's range, times the
        rows of ``X``); None if the model file keeps no fingerprint or no row of ``X`` could be checked.
    """
    kept = getattr(mlp, "_training_rows", None)
    if kept is None or len(X) == 0:
        return None
    hashes = row_hashes(X)
    if kept.complete:
        return int(np.isin(hashes, kept.hashes).sum()), False
    checkable = hashes[hashes <= kept.hashes[-1]]
    if len(checkable) == 0:
        return None
    found = int(np.isin(checkable, kept.hashes).sum())
    return int(round(found / len(checkable) * len(X))), True
