"""Agreement with scikit-learn's MLPClassifier and MLPRegressor, number for number, from identical starting weights."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.neural_network import _multilayer_perceptron as sk_mlp

import digitnet.estimator.base
from digitnet import NumpyMLPClassifier, NumpyMLPRegressor
from digitnet import functional as F

RTOL = 1e-9


class _GivenStart:
    """Mixed into MLPClassifier / MLPRegressor: the first fit starts from weights we hand it (test-only)."""

    def _init_coef(self, fan_in, fan_out, dtype):
        W, b = self._given.pop(0)
        return W.copy(), b.copy()


class _GivenStartClassifier(_GivenStart, MLPClassifier):
    pass


class _GivenStartRegressor(_GivenStart, MLPRegressor):
    pass


def _pair(layer_sizes, activation, seed=0, ours_class=NumpyMLPClassifier, ref_class=_GivenStartClassifier, **params):
    """Ours and the reference, both about to start from the same glorot weights."""
    _, weights, biases = F.initialize_weights(layer_sizes, activation, "glorot", np.random.default_rng(seed))
    ref = ref_class(activation=activation, **params)
    ref._given = [(W.copy(), b.copy()) for W, b in zip(weights, biases)]
    ours = ours_class(activation=activation, warm_start=True, **params)
    ours.coefs_ = [W.copy() for W in weights]
    ours.intercepts_ = [b.copy() for b in biases]
    return ours, ref


def _assert_same(ours, ref, X):
    assert ours.n_iter_ == ref.n_iter_
    assert ours.t_ == ref.t_
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        # relative to each element, or to the layer's largest weight for elements near zero
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=RTOL * np.abs(b).max())
    if hasattr(ref, "loss_curve_"):
        np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=RTOL)
        assert (ours.best_loss_ is None) == (ref.best_loss_ is None)
        if ref.best_loss_ is not None:
            np.testing.assert_allclose(ours.best_loss_, ref.best_loss_, rtol=RTOL)
    np.testing.assert_allclose(ours.loss_, ref.loss_, rtol=RTOL)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-8, atol=1e-12)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def _fit_both(ours, ref, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y, **fit_params)
        ref.fit(X, y, **fit_params)


SOLVER_CASES = [
    dict(solver="adam", learning_rate_init=0.01),
    dict(solver="sgd", learning_rate_init=0.05, momentum=0.9, nesterovs_momentum=True),
    dict(solver="sgd", learning_rate_init=0.05, momentum=0.9, nesterovs_momentum=False),
    dict(solver="sgd", learning_rate_init=0.1, momentum=0.0),
    dict(solver="sgd", learning_rate_init=0.2, learning_rate="invscaling", power_t=0.3),
    dict(solver="sgd", learning_rate_init=0.05, learning_rate="adaptive", tol=1e-2, n_iter_no_change=2),
    dict(solver="lbfgs"),
]


@pytest.mark.parametrize("params", SOLVER_CASES, ids=lambda p: "-".join(str(v) for v in p.values()))
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("hidden", [(16,), (24, 12, 8)], ids=["shallow", "deep"])
def test_multiclass_matches_mlpclassifier(small_digits, params, activation, hidden):
    X, y = small_digits
    ours, ref = _pair(
        [X.shape[1], *hidden, 10],
        activation,
        hidden_layer_sizes=hidden,
        shuffle=False,
        batch_size=64,
        max_iter=30,
        alpha=1e-3,
        **params,
    )
    _fit_both(ours, ref, X, y)
    _assert_same(ours, ref, X)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu"])
@pytest.mark.parametrize("hidden", [(8,), (12, 6)], ids=["shallow", "deep"])
def test_binary_matches_mlpclassifier(small_digits, solver, activation, hidden):
    X, y = small_digits
    y = (y % 2).astype(str)  # odd/even, string labels: one logistic output unit
    ours, ref = _pair(
        [X.shape[1], *hidden, 1],
        activation,
        hidden_layer_sizes=hidden,
        shuffle=False,
        solver=solver,
        batch_size=50,
        max_iter=25,
        learning_rate_init=0.01,
    )
    _fit_both(ours, ref, X, y)
    assert ours.out_activation_ == ref.out_activation_ == "logistic"
    assert ours.coefs_[-1].shape[1] == 1
    _assert_same(ours, ref, X)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_sample_weight_matches_mlpclassifier(small_digits, solver):
    X, y = small_digits
    weights = np.random.default_rng(3).uniform(0.1, 3.0, len(y))
    ours, ref = _pair(
        [X.shape[1], 16, 10],
        "tanh",
        hidden_layer_sizes=(16,),
        shuffle=False,
        solver=solver,
        batch_size=64,
        max_iter=20,
        alpha=0.01,
        learning_rate_init=0.01,
    )
    _fit_both(ours, ref, X, y, sample_weight=weights)
    _assert_same(ours, ref, X)


def test_stops_on_tol_like_mlpclassifier(small_digits):
    X, y = small_digits
    ours, ref = _pair(
        [X.shape[1], 16, 10],
        "relu",
        hidden_layer_sizes=(16,),
        shuffle=False,
        solver="adam",
        learning_rate_init=0.01,
        max_iter=500,
        tol=1e-3,
        n_iter_no_change=3,
    )
    _fit_both(ours, ref, X, y)
    assert ref.n_iter_ < 500  # the rule fired
    _assert_same(ours, ref, X)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_early_stopping_matches_mlpclassifier(small_digits, monkeypatch, solver):
    """Both split the validation set with the same call; we pin its seed so the splits coincide."""
    real_split = train_test_split

    def same_split(*arrays, random_state=None, **kwargs):
        return real_split(*arrays, random_state=7, **kwargs)

    monkeypatch.setattr(sk_mlp, "train_test_split", same_split)
    monkeypatch.setattr(digitnet.estimator.base, "train_test_split", same_split)
    X, y = small_digits
    ours, ref = _pair(
        [X.shape[1], 16, 10],
        "relu",
        hidden_layer_sizes=(16,),
        shuffle=False,
        solver=solver,
        learning_rate_init=0.02,
        max_iter=300,
        early_stopping=True,
        n_iter_no_change=4,
        validation_fraction=0.2,
    )
    _fit_both(ours, ref, X, y)
    assert ref.n_iter_ < 300
    np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_)
    assert ours.best_validation_score_ == ref.best_validation_score_
    assert ours.best_loss_ is None and ref.best_loss_ is None
    _assert_same(ours, ref, X)
    assert len(ours.history_["val_accuracy"]) == ours.n_iter_


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_warm_start_continues_like_mlpclassifier(small_digits, solver):
    X, y = small_digits
    ours, ref = _pair(
        [X.shape[1], 16, 10],
        "tanh",
        hidden_layer_sizes=(16,),
        shuffle=False,
        solver=solver,
        learning_rate_init=0.01,
        max_iter=10,
    )
    ref.set_params(warm_start=True)
    for _ in range(3):  # fit, then two warm continuations of max_iter epochs each
        _fit_both(ours, ref, X, y)
    assert len(ours.loss_curve_) == 30
    _assert_same(ours, ref, X)
    # weights a user assigns between fits are where the next fit starts from
    new = [c * 0.5 for c in ref.coefs_]
    ours.coefs_, ref.coefs_ = [c.copy() for c in new], [c.copy() for c in new]
    _fit_both(ours, ref, X, y)
    _assert_same(ours, ref, X)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_is_one_epoch_like_mlpclassifier(small_digits, solver):
    X, y = small_digits
    ours, ref = _pair(
        [X.shape[1], 16, 10],
        "relu",
        hidden_layer_sizes=(16,),
        shuffle=False,
        solver=solver,
        learning_rate_init=0.01,
        batch_size=100,
    )
    ours.set_params(warm_start=False)
    for _ in range(5):
        ours.partial_fit(X, y, classes=np.arange(10))
        ref.partial_fit(X, y, classes=np.arange(10))
    assert ours.n_iter_ == 1 and len(ours.loss_curve_) == 5
    _assert_same(ours, ref, X)


# ---------------------------------------------------------------------------------------------- the regressor


def _regressor_pair(layer_sizes, activation, seed=0, **params):
    return _pair(layer_sizes, activation, seed, NumpyMLPRegressor, _GivenStartRegressor, **params)


def _regression_targets(X, n_outputs):
    targets = np.column_stack([X[:, :4].sum(axis=1), np.tanh(X[:, 20] - X[:, 30])])[:, :n_outputs]
    return targets.ravel() if n_outputs == 1 else targets


@pytest.mark.parametrize("params", SOLVER_CASES, ids=lambda p: "-".join(str(v) for v in p.values()))
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_regressor_matches_mlpregressor(small_digits, params, activation, n_outputs):
    X, _ = small_digits
    y = _regression_targets(X, n_outputs)
    params = {**params, "learning_rate_init": params.get("learning_rate_init", 0.01) / 10}
    ours, ref = _regressor_pair(
        [X.shape[1], 16, n_outputs],
        activation,
        hidden_layer_sizes=(16,),
        shuffle=False,
        batch_size=64,
        max_iter=30,
        alpha=1e-3,
        **params,
    )
    _fit_both(ours, ref, X, y)
    assert ours.n_iter_ == ref.n_iter_ and ours.out_activation_ == ref.out_activation_ == "identity"
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=RTOL * np.abs(b).max())
    if hasattr(ref, "loss_curve_"):
        np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=RTOL)
    np.testing.assert_allclose(ours.loss_, ref.loss_, rtol=RTOL)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_regressor_sample_weight_partial_fit_and_poisson_match(small_digits, solver):
    X, _ = small_digits
    y = _regression_targets(X, 2)
    weights = np.random.default_rng(3).uniform(0.1, 3.0, len(y))
    ours, ref = _regressor_pair(
        [X.shape[1], 12, 2],
        "tanh",
        hidden_layer_sizes=(12,),
        shuffle=False,
        solver=solver,
        batch_size=50,
        max_iter=15,
        learning_rate_init=0.003,
    )
    _fit_both(ours, ref, X, y, sample_weight=weights)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=RTOL)
    for _ in range(3):  # then epochs one at a time
        ours.partial_fit(X, y)
        ref.partial_fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=RTOL)
    counts = np.exp(0.5 * y)
    ours, ref = _regressor_pair(
        [X.shape[1], 12, 2],
        "relu",
        hidden_layer_sizes=(12,),
        shuffle=False,
        solver=solver,
        max_iter=15,
        learning_rate_init=0.003,
        loss="poisson",
    )
    _fit_both(ours, ref, X, counts)
    assert ours.out_activation_ == ref.out_activation_ == "exp"
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=RTOL)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-8)
