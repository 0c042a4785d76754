"""The fit option ``augment``: each epoch trains on the rows and new copies of them, drawn from the estimator's
stream; without it nothing changes (``benchmarks/same_numbers.py`` proves that for the reference arrays)."""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from digitnet import DigitJitter, NumpyMLPClassifier, NumpyMLPRegressor


@pytest.fixture(scope="module")
def pixels():
    """300 digits, pixels divided by 16 (a background of 0, as a jitter needs)."""
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16, y[:300]


class Rolled:
    """An augmentation that draws nothing: each copy is the rows rolled by one pixel, halved."""

    copies = 2

    def jitter(self, X, random_state):
        return np.roll(X, 1, axis=1) * 0.5


class Recorded:
    """A DigitJitter that keeps what it was given and what it drew, call by call."""

    def __init__(self, copies):
        self.inner, self.copies, self.given, self.drawn = DigitJitter(copies=copies), copies, [], []

    def jitter(self, X, random_state):
        self.given.append(X.copy())
        self.drawn.append(self.inner.jitter(X, random_state))
        return self.drawn[-1]


def fit(X, y, augment=None, model=NumpyMLPClassifier, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model(**{"hidden_layer_sizes": (16,), "max_iter": 4, "random_state": 0, **params}).fit(
            X, y, augment=augment
        )


def same(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_))


@pytest.mark.parametrize("params", [{}, {"solver": "sgd", "dropout": 0.2}, {"batch_size": 64, "shuffle": False}])
def test_each_epoch_trains_on_the_rows_then_their_copies(pixels, params):
    X, y = pixels
    augmented = fit(X, y, Rolled(), **params)
    copy = np.roll(X, 1, axis=1) * 0.5
    fixed = fit(np.vstack([X, copy, copy]), np.tile(y, 3), **params)  # the same rows, in the same order
    assert same(augmented, fixed) and augmented.loss_curve_ == fixed.loss_curve_ and augmented.t_ == 3 * 4 * len(X)


def test_sample_weights_and_targets_go_with_their_copies(pixels):
    X, y = pixels
    weights = np.linspace(0.5, 2, len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = NumpyMLPClassifier((16,), max_iter=3, random_state=0).fit(X, y, weights, augment=Rolled())
        copy = np.roll(X, 1, axis=1) * 0.5
        b = NumpyMLPClassifier((16,), max_iter=3, random_state=0).fit(
            np.vstack([X, copy, copy]), np.tile(y, 3), np.tile(weights, 3)
        )
    assert same(a, b)
    regressor = fit(X, y.astype(float), Rolled(), model=NumpyMLPRegressor)
    assert same(regressor, fit(np.vstack([X, copy, copy]), np.tile(y, 3).astype(float), model=NumpyMLPRegressor))


def test_new_copies_are_drawn_every_epoch(pixels):
    X, y = pixels
    augment = Recorded(copies=3)
    model = fit(X, y, augment, max_iter=5)
    assert len(augment.drawn) == model.n_iter_ == 5  # once per epoch (the first before training starts)
    for given in augment.given:
        np.testing.assert_array_equal(given, np.tile(X, (3, 1)))  # always from the real rows
    flat = [d.ravel() for d in augment.drawn]
    assert all(not np.array_equal(a, b) for i, a in enumerate(flat) for b in flat[i + 1 :])  # new ones each epoch


def test_the_copies_come_from_the_estimators_stream(pixels):
    X, y = pixels
    a = fit(X, y, DigitJitter(copies=2, random_state=1))
    assert same(a, fit(X, y, DigitJitter(copies=2, random_state=2)))  # the jitter's own seed is not used
    assert same(a, fit(X, y, DigitJitter(copies=2)))
    assert not same(a, fit(X, y, DigitJitter(copies=2), random_state=1))


def test_early_stopping_holds_out_real_rows_and_jitters_only_the_others(pixels):
    X, y = pixels
    augment = Recorded(copies=2)
    model = fit(X, y, augment, early_stopping=True, max_iter=3)
    n_train = len(augment.given[0]) // 2
    assert n_train == len(X) - int(np.ceil(0.1 * len(X)))  # the 30 held-out rows are not among those jittered
    assert model.t_ == 3 * 3 * n_train and len(model.validation_scores_) == 3


def test_what_cannot_be_augmented_is_refused(pixels):
    X, y = pixels
    with pytest.raises(
        ValueError,
        match="augment draws new copies every epoch, which needs a stochastic solver"
        r" \(sgd, adam, .*\), not solver='lbfgs'",
    ):
        fit(X, y, DigitJitter(), solver="lbfgs")
    with pytest.raises(ValueError, match="augment jitters images: it needs dense rows, not a sparse matrix"):
        fit(sparse.csr_matrix(X), y, DigitJitter())
    with pytest.raises(
        TypeError,
        match="is not an augmentation: it needs an int attribute copies >= 1 and a method"
        r" jitter\(X, random_state\)",
    ):
        fit(X, y, object())
    with pytest.raises(ValueError, match="DigitJitter takes rows of 8 x 8 = 64 pixels"):
        fit(X[:, :30], y, DigitJitter())


def test_augmented_training_reads_jittered_digits_better(pixels):
    """What it is for: a network trained with jittered copies reads jittered test digits better than one without."""
    X, y = load_digits(return_X_y=True)
    X_train, y_train, X_test, y_test = X[:1200] / 16, y[:1200], X[1200:] / 16, y[1200:]
    shaken = DigitJitter(random_state=0).jitter(X_test)
    plain = fit(X_train, y_train, None, hidden_layer_sizes=(64,), max_iter=40)
    augmented = fit(X_train, y_train, DigitJitter(copies=2), hidden_layer_sizes=(64,), max_iter=40)
    assert augmented.score(shaken, y_test) > plain.score(shaken, y_test) + 0.01
