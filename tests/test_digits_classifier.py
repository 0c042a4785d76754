"""DigitsClassifier: raw pixels in; its members are NumpyMLPClassifier fits; the ensemble is their mean, the same
on worker processes as here; test-time augmentation averages over jittered copies; scikit-learn's checks."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from digitnet import DigitsClassifier, NumpyMLPClassifier
from digitnet.augment import ScaledJitter
from digitnet.data import MaxScaler
from digitnet.ensemble.classifier import NOT_MEMBER_PARAMS, OWN_PARAMS

QUICK = dict(hidden_layer_sizes=(16,), max_iter=8, learning_rate_init=0.01)


@pytest.fixture(scope="module")
def raw():
    """400 digits' raw pixels (0..16) to train on, 200 to predict."""
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400], X[400:600], y[400:600]


def fitted(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return DigitsClassifier(**{**QUICK, "random_state": 0, **params}).fit(X, y)


def same_members(a, b):
    return all(
        np.array_equal(u, v)
        for m, n in zip(a.estimators_, b.estimators_)
        for u, v in zip(m.coefs_ + m.intercepts_, n.coefs_ + n.intercepts_)
    )


def test_its_member_parameters_are_numpy_mlp_classifiers_with_its_defaults():
    ours, theirs = DigitsClassifier().get_params(), NumpyMLPClassifier().get_params()
    members = {k: v for k, v in ours.items() if k not in OWN_PARAMS}
    assert members == {k: v for k, v in theirs.items() if k not in NOT_MEMBER_PARAMS}
    assert set(ours) == set(members) | set(OWN_PARAMS)
    assert DigitsClassifier(alpha=3.0, max_iter=7).member_params()["alpha"] == 3.0


@pytest.mark.parametrize("scaling, scaler", [("standard", StandardScaler), ("max", MaxScaler)])
def test_one_member_without_augmentation_is_a_network_on_the_scaled_pixels(raw, scaling, scaler):
    X, y, X_test, _ = raw
    model = fitted(X, y, scaling=scaling, dropout=0.1)
    fit_scaler = scaler().fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        alone = NumpyMLPClassifier(**QUICK, dropout=0.1, random_state=model.member_seeds_[0]).fit(
            fit_scaler.transform(X), y
        )
    np.testing.assert_array_equal(model.predict_proba(X_test), alone.predict_proba(fit_scaler.transform(X_test)))
    assert type(model.scaler_) is scaler


def test_the_ensemble_is_the_mean_of_its_members_probabilities(raw):
    X, y, X_test, y_test = raw
    model = fitted(X, y, n_members=3, augment_copies=1)
    scaled = model.scaler_.transform(X_test)
    members = [m.predict_proba(scaled) for m in model.estimators_]
    np.testing.assert_array_equal(model.predict_proba(X_test), np.mean(members, axis=0))
    np.testing.assert_array_equal(model.predict(X_test), model.classes_[np.argmax(np.mean(members, axis=0), axis=1)])
    assert len(set(model.member_seeds_)) == 3
    assert not np.array_equal(model.estimators_[0].coefs_[0], model.estimators_[1].coefs_[0])  # each its own seed
    assert model.score(X_test, y_test) > 0.8


def test_members_on_worker_processes_are_the_members_trained_here(raw):
    X, y, X_test, _ = raw
    here = fitted(X, y, n_members=3, augment_copies=1, n_jobs=1)
    workers = fitted(X, y, n_members=3, augment_copies=1, n_jobs=2)
    assert same_members(here, workers) and here.member_seeds_ == workers.member_seeds_
    np.testing.assert_array_equal(here.predict_proba(X_test), workers.predict_proba(X_test))


def test_the_same_random_state_gives_the_same_model(raw):
    X, y, _, _ = raw
    a = fitted(X, y, n_members=2, augment_copies=2)
    assert same_members(a, fitted(X, y, n_members=2, augment_copies=2))
    b = fitted(X, y, n_members=2, augment_copies=2, random_state=1)
    assert not same_members(a, b) and a.member_seeds_ != b.member_seeds_
    seeds = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=2)
    assert a.member_seeds_ == list(seeds)  # drawn as scikit-learn's ensembles draw their members' seeds
    generator = fitted(X, y, n_members=2, random_state=np.random.default_rng(0))
    assert generator.member_seeds_ == list(np.random.default_rng(0).integers(np.iinfo(np.int32).max, size=2))


def test_augmentation_trains_each_member_on_new_jittered_copies_of_the_raw_images(raw):
    X, y, _, _ = raw
    model = fitted(X, y, augment_copies=2, scaling="standard", shift=0.3, rotation=5.0, zoom=0.05)
    scaler = StandardScaler().fit(X)
    jitter = ScaledJitter(model.jitter(), scaler)
    assert (jitter.jitter_.shift, jitter.jitter_.rotation, jitter.jitter_.zoom, jitter.copies) == (0.3, 5.0, 0.05, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        alone = NumpyMLPClassifier(**QUICK, random_state=model.member_seeds_[0]).fit(
            scaler.transform(X), y, augment=jitter
        )
    member = model.estimators_[0]
    assert all(
        np.array_equal(u, v) for u, v in zip(member.coefs_ + member.intercepts_, alone.coefs_ + alone.intercepts_)
    )
    assert model.estimators_[0].t_ == 3 * len(X) * model.estimators_[0].n_iter_


def test_test_time_augmentation_averages_over_copies_drawn_from_random_state(raw):
    X, y, X_test, y_test = raw
    model = fitted(X, y, n_members=2, augment_copies=1, random_state=3)
    plain = model.predict_proba(X_test)
    model.set_params(tta=4)  # an option of prediction: no refit
    copies = model.jitter().jitter(np.tile(X_test, (4, 1)), np.random.RandomState(3))
    rows = np.vstack([X_test, copies])
    members = np.mean([m.predict_proba(model.scaler_.transform(rows)) for m in model.estimators_], axis=0)
    expected = members.reshape(5, len(X_test), -1).mean(axis=0)
    np.testing.assert_array_equal(model.predict_proba(X_test), expected)
    np.testing.assert_array_equal(model.predict_proba(X_test), expected)  # an int seed: the same copies every time
    assert not np.array_equal(plain, expected)
    np.testing.assert_array_equal(model.predict(X_test), model.classes_[expected.argmax(axis=1)])


def test_members_warnings_are_said_once(raw):
    X, y, _, _ = raw
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        DigitsClassifier(**QUICK, n_members=3, random_state=0).fit(X, y)
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert messages == [
        "Stochastic Optimizer: Maximum iterations (8) reached and the optimization hasn't converged yet."
    ]


def test_what_it_cannot_do_is_refused(raw):
    X, y, _, _ = raw
    with pytest.raises(
        ValueError, match=r"DigitJitter takes rows of 8 x 8 = 64 pixels \(image_shape=\(8, 8\)\), got 10"
    ):
        fitted(X[:, :10], y, augment_copies=1)
    with pytest.raises(ValueError, match="DigitJitter takes rows of 8 x 8 = 64 pixels"):
        fitted(X[:, :10], y, tta=2)
    assert fitted(X[:, :10], y).n_features_in_ == 10  # without augmentation: any features
    with pytest.raises(ValueError, match="augment draws new copies every epoch, which needs a stochastic solver"):
        fitted(X, y, augment_copies=1, solver="lbfgs")
    with pytest.raises(ValueError, match="The 'scaling' parameter of DigitsClassifier must be a str among"):
        fitted(X, y, scaling="none")
    with pytest.raises(ValueError, match="y should be a 1d array"):
        fitted(X, np.eye(10)[y])


def test_clone_keeps_every_parameter():
    model = DigitsClassifier(
        (64, 32), augment_copies=3, tta=2, n_members=4, dropout=0.2, elastic=0.5, image_shape=(8, 8), random_state=5
    )
    assert clone(model).get_params() == model.get_params()


@parametrize_with_checks(
    [DigitsClassifier(random_state=0), DigitsClassifier(n_members=2, scaling="standard", random_state=0)]
)
def test_scikit_learn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
