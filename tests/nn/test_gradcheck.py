"""The finite-difference check itself: below its tolerance for every correct gradient, far above it for a wrong one."""

import numpy as np
import pytest

from digitnet.nn import activations, network
from digitnet.nn.gradcheck import TOLERANCE, gradient_check, relative_error

HIDDEN = list(activations.HIDDEN_ACTIVATIONS)  # the registry: every hidden activation digitnet has


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("hidden, n_classes", [((5,), 3), ((5, 4), 2), ((8, 8, 8), 4)])
def test_correct_gradients_are_within_the_tolerance(activation, hidden, n_classes):
    assert gradient_check(activation, hidden, alpha=0.01, n_samples=20, n_classes=n_classes) < TOLERANCE


def test_wrong_gradients_are_far_above_it(monkeypatch):
    tanh = activations.get("tanh")
    forgotten = activations.Activation("tanh_without_slope", tanh.function, lambda a: np.ones_like(a), needs="a")
    activations.register(forgotten)  # f' forgotten
    try:
        assert gradient_check("tanh_without_slope", (5, 4)) > 1e-2
    finally:
        activations.unregister("tanh_without_slope")
    real = network.backward_pass

    def no_penalty(activations_, Y, weights, activation, alpha=0.0, sample_weight=None):
        return real(activations_, Y, weights, activation, 0.0, sample_weight)  # the L2 term forgotten

    monkeypatch.setattr("digitnet.nn.gradcheck.backward_pass", no_penalty)
    assert gradient_check("relu", (5,), alpha=1.0) > 1e-2


def test_relative_error_of_arrays():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1e-7, 2e-7]), np.array([1e-7, 2e-7])) == 0.0
    assert relative_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(2**0.5 / 2)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("activation", HIDDEN)
def test_regression_gradients_are_right(loss, activation):
    """The regressor's losses (half squared error with an identity output, half Poisson deviance with e^z):
    backpropagation's A - Y at the output is their exact gradient, with one output and with several."""
    for n_outputs in (1, 3):
        error = gradient_check(activation, hidden_layer_sizes=(5, 4), alpha=0.0, n_classes=n_outputs, loss=loss)
        if loss == "squared_error" and n_outputs > 1:
            # scikit-learn's gradient, kept for the same numbers, is that of the sum over the K outputs while
            # its loss is their mean: g = K * g_num exactly, so the error is (K - 1) / (K + 1)
            assert error == pytest.approx((n_outputs - 1) / (n_outputs + 1), rel=1e-6)
        else:
            assert error < TOLERANCE, (loss, activation, n_outputs, error)
