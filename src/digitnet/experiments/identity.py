"""A run's identity: what determines its numbers, hashed into a stable id.

A run is identified by :func:`run_id`: the SHA-256 of the canonical JSON
(:func:`digitnet.jsonify.canonical_json`: sorted keys, tuples as lists, NumPy scalars as Python
numbers, infinities as strings) of everything that determines its numbers: every estimator
parameter (defaults filled in, ``max_iter`` included), the seed, a fingerprint of the data
(:func:`data_fingerprint`: the exact arrays it trains and is scored on, and the cross-validation
folds), the fold, and whether it is scored on the test part. The same run asked for again, by
the same command, an extended grid or another grid that contains it, has the same id and is not
trained again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..jsonify import canonical_json

if TYPE_CHECKING:
    from ..data import Split

#: Bumped when what goes into a run's identity, or what a run computes, changes (old runs are then simply not
#: found). 2: training stops at the epoch it diverges. 3: initial weights and shuffles drawn as MLPClassifier
#: draws them (RandomState), not from a NumPy Generator.
IDENTITY_VERSION = 3


def run_id(identity: Mapping[str, Any]) -> str:
    """The stable id of a run: the SHA-256 (hex) of the canonical JSON of its identity dict."""
    return hashlib.sha256(canonical_json(identity).encode("utf-8")).hexdigest()


def _hash_array(hasher, name, array):
    if array is None:
        hasher.update(f"{name}:none;".encode())
        return
    array = np.asarray(array)
    if array.dtype.kind in "OUS":  # labels read from a CSV: hash their text, not object pointers
        array = array.astype(str)
    array = np.ascontiguousarray(array)
    hasher.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
    hasher.update(array.tobytes())


def data_fingerprint(
    split: Split,
    folds: Sequence[tuple[np.ndarray, np.ndarray]]
    | Mapping[int, Sequence[tuple[np.ndarray, np.ndarray]]]
    | None = None,
) -> str:
    """SHA-256 (hex) of exactly the data a run sees: the split's arrays, and the cross-validation folds.

    Without folds, runs train on ``X_train`` and are scored on ``X_val`` /
    ``X_test``; with folds, they train and validate on folds of the raw
    non-test rows (``X_dev_raw``) and are scored on the raw test rows, each
    scaled on its fold's training rows. Only the arrays in use are hashed.
    """
    hasher = hashlib.sha256()
    if folds is None:
        names = ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test")
    else:
        names = ("X_dev_raw", "y_dev", "X_test_raw", "y_test")
        hasher.update(f"dtype:{np.dtype(split.X_train.dtype).str};".encode())
    for name in names:
        _hash_array(hasher, name, getattr(split, name))
    for k, (train, val) in enumerate(folds or ()):
        _hash_array(hasher, f"fold{k}.train", train)
        _hash_array(hasher, f"fold{k}.val", val)
    return hasher.hexdigest()
