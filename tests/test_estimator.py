"""NumpyMLPClassifier behaviour beyond exact agreement: accuracy, dtypes, extras, bad input."""

import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from digitnet import NumpyMLPClassifier


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def test_default_accuracy_matches_mlpclassifier_on_digits(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    ours = np.mean([NumpyMLPClassifier(random_state=s).fit(X_train, y_train).score(X_test, y_test) for s in (0, 1)])
    ref = np.mean([MLPClassifier(random_state=s).fit(X_train, y_train).score(X_test, y_test) for s in (0, 1)])
    assert ours > 0.95
    assert abs(ours - ref) <= 0.01, (ours, ref)


@pytest.mark.parametrize("activation", ["leaky_relu", "elu"])
@pytest.mark.parametrize("weight_init", ["glorot", "he", "small_normal"])
def test_extra_activations_and_inits_learn(small_digits, digits_split, activation, weight_init):
    X, y = small_digits
    _, X_test, _, y_test = digits_split
    clf = NumpyMLPClassifier(
        (32,), activation, weight_init=weight_init, learning_rate_init=0.01, max_iter=60, random_state=0
    ).fit(X, y)
    assert clf.score(X_test, y_test) > 0.85


def test_float32_in_float32_math(small_digits):
    X, y = small_digits
    clf = NumpyMLPClassifier((16,), max_iter=5, random_state=0).fit(X.astype(np.float32), y)
    assert all(a.dtype == np.float32 for a in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    clf.fit(X.astype(int), y)  # anything else -> float64
    assert clf.coefs_[0].dtype == np.float64


def test_history_is_ready_to_plot(small_digits, digits_split):
    X, y = small_digits
    _, X_test, _, y_test = digits_split
    clf = NumpyMLPClassifier((16,), max_iter=12, tol=0, random_state=0).fit(X, y, X_val=X_test, y_val=y_test)
    h = clf.history_
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 12 for v in h.values())
    assert h["loss"] == clf.loss_curve_
    assert all(0 <= a <= 1 for a in h["accuracy"] + h["val_accuracy"])
    assert h["val_accuracy"][-1] == pytest.approx(clf.score(X_test, y_test))
    assert h["accuracy"][-1] > h["accuracy"][0]


def test_lbfgs_history_and_reproducibility(small_digits):
    X, y = small_digits
    a = NumpyMLPClassifier((16,), solver="lbfgs", max_iter=40, random_state=3).fit(X, y)
    b = NumpyMLPClassifier((16,), solver="lbfgs", max_iter=40, random_state=3).fit(X, y)
    assert len(a.history_["loss"]) == a.n_iter_
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert a.score(X, y) > 0.95


def test_same_seed_same_model_different_seed_different_model(small_digits):
    X, y = small_digits
    fit = lambda s: NumpyMLPClassifier((16,), max_iter=5, random_state=s).fit(X, y).coefs_[0]
    np.testing.assert_array_equal(fit(1), fit(1))
    assert not np.array_equal(fit(1), fit(2))


def test_verbose_prints_one_line_per_epoch(small_digits, capsys):
    X, y = small_digits
    NumpyMLPClassifier((8,), max_iter=4, tol=0, verbose=True, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert all(re.fullmatch(r"Iteration \d+, loss = \d+\.\d{8}", line) for line in lines)


def test_binary_uses_one_logistic_unit(small_digits):
    X, y = small_digits
    clf = NumpyMLPClassifier((8,), max_iter=30, random_state=0).fit(X, np.where(y < 5, "low", "high"))
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1 and clf.coefs_[-1].shape == (8, 1)
    P = clf.predict_proba(X)
    assert P.shape == (len(X), 2)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    assert set(clf.predict(X)) <= {"low", "high"}


def test_huge_inputs_give_no_warnings_and_finite_outputs(small_digits):
    X, y = small_digits
    clf = NumpyMLPClassifier((16,), "logistic", max_iter=3, random_state=0).fit(X, y)
    X_big = np.sign(X[:20] + 0.1) * 1e4
    for binary in (False, True):
        if binary:
            clf = NumpyMLPClassifier((16,), "tanh", max_iter=3, random_state=0).fit(X, y % 2)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            P, logP = clf.predict_proba(X_big), clf.predict_log_proba(X_big)
        assert np.isfinite(P).all() and np.isfinite(logP).all()
        np.testing.assert_allclose(np.exp(logP), P, atol=1e-12)


def test_fit_on_huge_inputs_stays_finite():
    rng = np.random.default_rng(0)
    X = rng.choice([-1e4, 1e4], size=(60, 5))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        clf = NumpyMLPClassifier((8,), "logistic", max_iter=5, random_state=0).fit(X, y)
    assert np.isfinite(clf.loss_)


def test_divergence_stops_at_once_and_names_the_epoch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 4))
    y = np.arange(100) % 3
    clf = NumpyMLPClassifier(
        (8,), "identity", solver="sgd", learning_rate_init=1e3, max_iter=200, n_iter_no_change=np.inf, random_state=0
    )
    with (
        np.errstate(all="ignore"),
        pytest.raises(
            ValueError,
            match=r"diverged at epoch 50: the loss became nan"
            r".*smaller learning_rate_init \(now 1000.0\)",
        ),
    ):
        clf.fit(X, y)
    assert clf.n_iter_ == 50  # stopped at once, not after max_iter


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(alpha=-1), r"'alpha' parameter .* must be a float in the range \[0.0, inf\)"),
        (dict(activation="swish"), r"'activation' parameter .* must be a str among"),
        (dict(solver="rprop"), r"'solver' parameter"),  # rmsprop is one of ours since issue 21
        (dict(learning_rate_init=0), r"'learning_rate_init' parameter .* range \(0.0, inf\)"),
        (dict(momentum=1.5), r"'momentum' parameter .* range \[0.0, 1.0\]"),
        (dict(max_iter=0), r"'max_iter' parameter .* range \[1, inf\)"),
        (dict(weight_init="zeros"), r"'weight_init' parameter"),
        (dict(hidden_layer_sizes=(16, 0)), r"hidden_layer_sizes must be > 0"),
    ],
)
def test_bad_parameters_are_named(small_digits, params, message):
    X, y = small_digits
    with pytest.raises(ValueError, match=message):
        NumpyMLPClassifier(**params).fit(X, y)


def test_bad_data_is_rejected(small_digits):
    X, y = small_digits
    clf = NumpyMLPClassifier((8,), max_iter=2)
    X_nan = X.copy()
    X_nan[3, 4] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.fit(X_nan, y)
    X_inf = X.copy()
    X_inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        clf.fit(X_inf, y)
    clf.fit(X, y)
    with pytest.raises(ValueError, match="X has 10 features, but NumpyMLPClassifier is expecting 64 features"):
        clf.predict(X[:, :10])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.fit(X, y[:-1])


def test_partial_fit_needs_classes_first_and_is_stochastic_only(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        NumpyMLPClassifier().partial_fit(X, y)
    assert not hasattr(NumpyMLPClassifier(solver="lbfgs"), "partial_fit")
    clf = NumpyMLPClassifier((8,), random_state=0).partial_fit(X[:50], y[:50], classes=np.arange(10))
    with pytest.raises(ValueError, match="not the same as on last call"):
        clf.partial_fit(X, y, classes=np.arange(5))


def test_assigned_weights_of_the_wrong_shape_are_rejected(small_digits):
    X, y = small_digits
    clf = NumpyMLPClassifier((8,), max_iter=2, warm_start=True, random_state=0).fit(X, y)
    clf.coefs_[0] = np.zeros((64, 9))
    with pytest.raises(ValueError, match=r"coefs_\[0\] has shape \(64, 9\) but this network needs \(64, 8\)"):
        clf.fit(X, y)


def test_warm_start_with_max_iter_trains_max_iter_more_epochs(small_digits):
    X, y = small_digits
    clf = NumpyMLPClassifier((8,), max_iter=3, tol=0, warm_start=True, random_state=0).fit(X, y)
    clf.fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 6 and clf.t_ == 6 * len(X)
    clf.set_params(warm_start=False).fit(X, y)
    assert len(clf.loss_curve_) == 3


def test_partial_fit_after_pickling_keeps_optimizer_state(small_digits):
    import pickle

    X, y = small_digits
    a = NumpyMLPClassifier((8,), shuffle=False, random_state=0)
    for _ in range(3):
        a.partial_fit(X, y, classes=np.arange(10))
    b = pickle.loads(pickle.dumps(a))
    a.partial_fit(X, y)
    b.partial_fit(X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])


def test_a_network_too_large_for_the_machine_is_refused_before_allocating(small_digits):
    import time

    X, y = small_digits
    start = time.perf_counter()
    with pytest.raises(
        MemoryError,
        match=r"layer sizes 64-100000-100000-10 \(10,007,600,010 weights and biases\)"
        r" needs about .* GiB of memory to train, more than the .* GiB available",
    ):
        NumpyMLPClassifier(hidden_layer_sizes=(100000, 100000)).fit(X, y)
    assert time.perf_counter() - start < 5  # nothing was allocated or trained


@pytest.mark.parametrize("sizes", [(10.5,), (10.0,), (8, 2.5)])
def test_fractional_layer_sizes_are_refused_like_mlpclassifier(small_digits, sizes):
    X, y = small_digits
    with pytest.raises(TypeError, match="hidden_layer_sizes must be integers"):
        NumpyMLPClassifier(hidden_layer_sizes=sizes, max_iter=1).fit(X, y)
    with pytest.raises(TypeError):
        MLPClassifier(hidden_layer_sizes=sizes, max_iter=1).fit(X, y)


def test_a_single_class_is_fitted_and_predicted_like_mlpclassifier(small_digits):
    """MLPClassifier accepts a target with one class (one logistic unit) and predicts it: so do we, number for number."""
    from sklearn.neural_network import MLPClassifier

    X, _ = small_digits
    y = np.full(len(X), 7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = NumpyMLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
        ref = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    assert ours.classes_.tolist() == [7] and (ours.predict(X) == 7).all()
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-9)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-9)
