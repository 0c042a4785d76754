import dataclasses
import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning

from digitnet import NumpyMLPClassifier
from digitnet.data import load_split


@pytest.fixture(scope="session")
def split():
    """The standard digits split with a validation part, cut to 300 training rows (quick to fit)."""
    full = load_split("digits", validation_size=0.2)
    return dataclasses.replace(full, X_train=full.X_train[:300], y_train=full.y_train[:300])


def fresh_fit(params, max_iter, seed, split):
    """A fresh NumpyMLPClassifier fit, with validation curves, of what a sweep's run trains."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return NumpyMLPClassifier(**params, max_iter=max_iter, random_state=seed).fit(
            split.X_train, split.y_train, X_val=split.X_val, y_val=split.y_val
        )


@pytest.fixture(scope="session")
def fit_fresh():
    return fresh_fit
