"""A true drop-in: the same model as MLPClassifier / MLPRegressor from the same random_state, sparse input,
validation data as HistGradientBoosting takes it, models fitted by hand, log-probabilities."""

import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor

RTOL = 1e-9
SOLVERS = [
    dict(solver="adam"),
    dict(solver="sgd"),
    dict(solver="sgd", nesterovs_momentum=False, momentum=0.5),
    dict(solver="lbfgs"),
    dict(solver="adam", early_stopping=True, n_iter_no_change=3),
    dict(solver="sgd", early_stopping=True, learning_rate="adaptive"),
    dict(solver="adam", shuffle=False),
]


def _fit(model, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **fit_params)


def _assert_same_model(ours, ref):
    assert ours.n_iter_ == ref.n_iter_ and ours.t_ == ref.t_
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=RTOL * np.abs(b).max())
    if hasattr(ref, "loss_curve_"):
        np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=RTOL)
    if getattr(ref, "validation_scores_", None) is not None:
        np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_, rtol=RTOL)
    np.testing.assert_allclose(ours.loss_, ref.loss_, rtol=RTOL)


@pytest.fixture(scope="module")
def regression(small_digits):
    X, y = small_digits
    rng = np.random.default_rng(0)
    targets = np.column_stack([X[:, :5].sum(axis=1), np.sin(X[:, 10]) + 0.1 * y])
    return X, targets + 0.05 * rng.standard_normal(targets.shape)


@pytest.mark.parametrize("params", SOLVERS, ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
@pytest.mark.parametrize("seed", [0, 3])
def test_the_classifier_is_mlpclassifiers_model_from_the_same_random_state(small_digits, params, seed):
    X, y = small_digits
    settings = dict(hidden_layer_sizes=(16,), max_iter=25, random_state=seed, learning_rate_init=0.01, **params)
    ours, ref = _fit(NumpyMLPClassifier(**settings), X, y), _fit(MLPClassifier(**settings), X, y)
    _assert_same_model(ours, ref)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("params", SOLVERS, ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_the_regressor_is_mlpregressors_model_from_the_same_random_state(regression, params, loss):
    X, Y = regression
    if loss == "poisson":
        Y = np.exp(0.3 * Y)
    settings = dict(
        hidden_layer_sizes=(16,), max_iter=25, random_state=1, learning_rate_init=0.003, loss=loss, **params
    )
    ours, ref = _fit(NumpyMLPRegressor(**settings), X, Y), _fit(MLPRegressor(**settings), X, Y)
    _assert_same_model(ours, ref)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-8, atol=1e-10)
    one = _fit(NumpyMLPRegressor(**settings), X, Y[:, 0])  # one output: predictions of shape (n,)
    assert one.predict(X).shape == _fit(MLPRegressor(**settings), X, Y[:, 0]).predict(X).shape == (len(X),)


def test_binary_multilabel_and_sample_weights_from_the_same_random_state(small_digits):
    X, y = small_digits
    weights = np.random.default_rng(5).uniform(0.5, 2, len(y))
    for target, fit_params in [
        (y % 2, {}),
        (np.column_stack([y % 2, y > 4, y % 3 == 0]), {}),
        (y, {"sample_weight": weights}),
    ]:
        settings = dict(hidden_layer_sizes=(12,), max_iter=15, random_state=4, early_stopping=True)
        ours = _fit(NumpyMLPClassifier(**settings), X, target, **fit_params)
        ref = _fit(MLPClassifier(**settings), X, target, **fit_params)
        _assert_same_model(ours, ref)
        np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_random_state_objects_and_generators(small_digits):
    X, y = small_digits
    settings = dict(hidden_layer_sizes=(8,), max_iter=5)
    ours = _fit(NumpyMLPClassifier(random_state=np.random.RandomState(9), **settings), X, y)
    ref = _fit(MLPClassifier(random_state=np.random.RandomState(9), **settings), X, y)
    _assert_same_model(ours, ref)
    # a Generator is ours: drawn from in the same order, reproducible from its seed
    a = _fit(NumpyMLPClassifier(random_state=np.random.default_rng(9), **settings), X, y)
    b = _fit(NumpyMLPClassifier(random_state=np.random.default_rng(9), **settings), X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    # he and small_normal keep their own formulas, drawn from the same stream
    he = NumpyMLPClassifier(weight_init="he", random_state=0, max_iter=1, **{"hidden_layer_sizes": (8,)})
    _fit(he, X, y)
    start = np.random.RandomState(0).normal(0, np.sqrt(2 / 64), (64, 8))
    assert not np.array_equal(he.coefs_[0], start)  # trained one epoch from it...
    assert np.corrcoef(he.coefs_[0].ravel(), start.ravel())[0, 1] > 0.99  # ...and barely moved


@pytest.mark.parametrize("estimator", [NumpyMLPClassifier, NumpyMLPRegressor])
@pytest.mark.parametrize("fmt", ["csr", "csc", "csr_array"])
def test_sparse_input_gives_the_dense_numbers(small_digits, estimator, fmt):
    X, y = small_digits
    X = np.where(np.abs(X) < 0.6, 0.0, X)  # mostly zeros, as sparse data are
    sparse_X = scipy.sparse.csr_array(X) if fmt == "csr_array" else scipy.sparse.csr_matrix(X).asformat(fmt)
    target = y if estimator is NumpyMLPClassifier else X[:, :3].sum(axis=1)
    for solver in ("adam", "lbfgs"):
        settings = dict(hidden_layer_sizes=(10,), max_iter=8, random_state=0, solver=solver)
        dense, sparse = _fit(estimator(**settings), X, target), _fit(estimator(**settings), sparse_X, target)
        for a, b in zip(dense.coefs_ + dense.intercepts_, sparse.coefs_ + sparse.intercepts_):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dense.predict(X), sparse.predict(sparse_X), rtol=1e-12, atol=1e-12)
    part = estimator(hidden_layer_sizes=(10,), random_state=0)
    extra = {"classes": np.unique(y)} if estimator is NumpyMLPClassifier else {}
    part.partial_fit(sparse_X, target, **extra)
    part.partial_fit(sparse_X, target)


def test_a_tfidf_pipeline_works():
    texts = ["the cat sat", "a dog ran", "the cat ran", "a dog sat", "cats and dogs", "the dog and the cat"] * 5
    labels = [0, 1, 0, 1, 1, 0] * 5
    ours = _fit(make_pipeline(TfidfVectorizer(), NumpyMLPClassifier((8,), max_iter=50, random_state=0)), texts, labels)
    ref = _fit(make_pipeline(TfidfVectorizer(), MLPClassifier((8,), max_iter=50, random_state=0)), texts, labels)
    np.testing.assert_allclose(ours.predict_proba(texts), ref.predict_proba(texts), rtol=1e-8)


def test_predict_log_proba_is_the_log_of_predict_proba_and_finite(small_digits):
    X, y = small_digits
    clf = _fit(NumpyMLPClassifier((16,), max_iter=30, random_state=0), X, y)
    huge = X * 1e3  # confident enough to underflow some probabilities
    log_p = clf.predict_log_proba(huge)
    assert np.isfinite(log_p).all()
    np.testing.assert_array_equal(log_p, np.log(clf.predict_proba(huge)))
    np.testing.assert_array_equal(log_p.argmax(axis=1), clf.predict_proba(huge).argmax(axis=1))


def test_a_model_fitted_by_hand_goes_on_with_partial_fit():
    """scikit-learn's own worked example (sklearn/neural_network/tests/test_mlp.py::test_fit): weights and fitted
    attributes set by hand, one partial_fit step, the weights it works out."""
    X, y = np.array([[0.6, 0.8, 0.7]]), np.array([0])
    mlp = NumpyMLPClassifier(
        solver="sgd",
        learning_rate_init=0.1,
        alpha=0.1,
        activation="logistic",
        random_state=1,
        max_iter=1,
        hidden_layer_sizes=2,
        momentum=0,
    )
    mlp.coefs_ = [np.array([[0.1, 0.2], [0.3, 0.1], [0.5, 0]]), np.array([[0.1], [0.2]])]
    mlp.intercepts_ = [np.array([0.1, 0.1]), np.array([1.0])]
    mlp.n_outputs_, mlp.n_features_in_, mlp.n_iter_, mlp.n_layers_, mlp.t_ = 1, 3, 0, 3, 0
    mlp.out_activation_, mlp.best_loss_, mlp.loss_curve_, mlp._no_improvement_count = "logistic", np.inf, [], 0
    mlp.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_allclose(
        mlp.coefs_[0], [[0.098, 0.195756], [0.2956664, 0.096008], [0.4939998, -0.002244]], atol=1e-3
    )
    np.testing.assert_allclose(mlp.coefs_[1], [[0.04706], [0.154089]], atol=1e-3)
    np.testing.assert_allclose(mlp.intercepts_[0], [0.098333, 0.09626], atol=1e-3)
    np.testing.assert_allclose(mlp.intercepts_[1], 0.9235, atol=1e-3)
    np.testing.assert_allclose(mlp.predict_proba(X)[0, 1], 0.739, atol=1e-3)


@pytest.mark.parametrize("estimator", [NumpyMLPClassifier, NumpyMLPRegressor])
def test_validation_data_as_histgradientboosting_takes_it(small_digits, estimator):
    X, y = small_digits
    target = y if estimator is NumpyMLPClassifier else X[:, 0]
    score = "accuracy" if estimator is NumpyMLPClassifier else "r2"
    model = _fit(
        estimator(hidden_layer_sizes=(8,), max_iter=6, random_state=0),
        X[:200],
        target[:200],
        X_val=X[200:],
        y_val=target[200:],
        sample_weight_val=np.ones(len(X) - 200),
    )
    assert len(model.history_["val_loss"]) == len(model.history_[f"val_{score}"]) == 6
    plain = _fit(estimator(hidden_layer_sizes=(8,), max_iter=6, random_state=0), X[:200], target[:200])
    np.testing.assert_array_equal(plain.coefs_[0], model.coefs_[0])  # held-out rows do not change training
    if estimator is NumpyMLPRegressor:
        from sklearn.metrics import r2_score

        assert model.history_["val_r2"][-1] == pytest.approx(r2_score(target[200:], model.predict(X[200:])))
    with pytest.raises(ValueError, match="X_val and y_val must be given together"):
        estimator(hidden_layer_sizes=(8,), max_iter=1).fit(X, target, X_val=X)
