"""scikit-learn's private ``_loss_grad_lbfgs`` hook (its test_mlp.py's gradient test calls it) gives scikit-learn's own
loss and gradient at the same packed parameters, and the gradient is the loss's (central differences)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import LabelBinarizer

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor


def _fitted(cls, X, y, activation):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cls(
            hidden_layer_sizes=(7, 5), activation=activation, solver="lbfgs", alpha=1e-3, max_iter=2, random_state=0
        ).fit(X, y)


def _sklearn_buffers(model, X):
    sizes = [X.shape[1]] + [W.shape[1] for W in model.coefs_]
    acts = [X] + [np.empty((X.shape[0], n)) for n in sizes[1:]]
    deltas = [np.empty((X.shape[0], n)) for n in sizes[1:]]
    return acts, deltas, [np.empty((a, b)) for a, b in zip(sizes, sizes[1:])], [np.empty(n) for n in sizes[1:]]


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_the_hook_gives_scikit_learns_loss_and_gradient(activation, n_classes):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 4))
    y = np.arange(12) % n_classes
    Y = LabelBinarizer().fit_transform(y).astype(float)
    ours, theirs = _fitted(NumpyMLPClassifier, X, y, activation), _fitted(MLPClassifier, X, y, activation)
    theta = rng.normal(scale=0.5, size=sum(W.size + b.size for W, b in zip(ours.coefs_, ours.intercepts_)))
    weight = rng.uniform(0.5, 2.0, size=12)
    for sample_weight in (None, weight):
        loss, grad = ours._loss_grad_lbfgs(theta, X, Y, sample_weight, None, None, None, None)
        ref_loss, ref_grad = theirs._loss_grad_lbfgs(theta.copy(), X, Y, sample_weight, *_sklearn_buffers(theirs, X))
        assert loss == pytest.approx(ref_loss, rel=1e-12)
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12)
    eps, numeric = 1e-6, np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        plus = ours._loss_grad_lbfgs(theta + step, X, Y, None)[0]
        minus = ours._loss_grad_lbfgs(theta - step, X, Y, None)[0]
        numeric[i] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(ours._loss_grad_lbfgs(theta, X, Y, None)[1], numeric, rtol=1e-5, atol=1e-8)


def test_the_hook_of_a_regressor_is_scikit_learns():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=10)
    ours, theirs = _fitted(NumpyMLPRegressor, X, y, "tanh"), _fitted(MLPRegressor, X, y, "tanh")
    theta = rng.normal(scale=0.5, size=sum(W.size + b.size for W, b in zip(ours.coefs_, ours.intercepts_)))
    loss, grad = ours._loss_grad_lbfgs(theta, X, y.reshape(-1, 1), None)
    ref_loss, ref_grad = theirs._loss_grad_lbfgs(theta.copy(), X, y.reshape(-1, 1), None, *_sklearn_buffers(theirs, X))
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12)
