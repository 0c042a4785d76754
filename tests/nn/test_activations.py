"""Activations: values, derivatives read from the output (checked against numeric slopes), no overflow."""

import warnings

import numpy as np
import pytest

from digitnet import functional as F
from digitnet.nn import activations as act

HIDDEN = list(F.HIDDEN_ACTIVATIONS)  # the registry: every hidden activation digitnet has


@pytest.mark.parametrize("activation", HIDDEN)
def test_derivative_from_output_matches_numeric_slope(activation):
    z = np.linspace(-3, 3, 61)
    z = z[np.abs(z) > 1e-3]  # away from the kink of relu-like units
    f, df = F.ACTIVATIONS[activation], F.DERIVATIVES[activation]
    kept = (lambda z: z) if F.activation(activation).needs == "z" else f  # f' read from z (gelu, silu) or f(z)
    numeric = (f(z + 1e-6) - f(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(df(kept(z)), numeric, rtol=1e-6, atol=1e-8)
    delta = np.full_like(z, 2.0)
    np.testing.assert_allclose(df(kept(z), delta), 2 * numeric, rtol=1e-6, atol=1e-8)  # in place
    np.testing.assert_allclose(delta, 2 * numeric, rtol=1e-6, atol=1e-8)


def test_activation_values():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(F.sigmoid(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(F.relu(z), [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(F.leaky_relu(z), [-0.02, -0.005, 0, 0.5, 2])
    np.testing.assert_allclose(F.elu(z), [np.exp(-2) - 1, np.exp(-0.5) - 1, 0, 0.5, 2])
    np.testing.assert_allclose(F.tanh(z), np.tanh(z))
    Z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(F.softmax(Z), np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(F.log_softmax(Z), np.log(F.softmax(Z)))
    buf = Z.copy()
    assert F.softmax(buf, out=buf) is buf  # in place


def test_saturated_inputs_raise_no_warnings_and_give_finite_loss():
    Z = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow / invalid-value RuntimeWarning fails the test
        for name, f in F.ACTIVATIONS.items():
            if name != "exp":  # Poisson's output e^z is infinite for z = 1e4: that is its value
                assert np.isfinite(f(Z.copy())).all(), name
        assert np.isposinf(F.ACTIVATIONS["exp"](Z.copy())).sum() == 3
        P = F.softmax(Z.copy())
        assert np.isfinite(F.log_softmax(Z)).all()
        assert np.isfinite(F.log_sigmoid(Z)).all()
        Y = np.array([[1.0, 0, 0], [0, 0, 1.0]])  # both rows confidently wrong
        loss = F.compute_loss(Y, P)
        assert np.isfinite(loss) and loss > 30
        s = F.sigmoid(np.array([[-1e4], [1e4]]))
        assert np.isfinite(F.compute_loss(np.array([[1.0], [0.0]]), s, out_activation="logistic"))
    np.testing.assert_array_equal(F.sigmoid(np.array([-1e4, 1e4])), [0.0, 1.0])


def _extreme_inputs(dtype):
    rng = np.random.default_rng(1)
    Z = rng.standard_normal(20_000) * 5
    big = 700.0 if dtype == np.float64 else 80.0
    return np.concatenate([Z, [0.0, -0.0, 1e-30, -1e-30, big, -big, 1e4, -1e4]]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("out", ["new", "Z itself", "another buffer"])
def test_sigmoid_is_the_where_form_bit_for_bit(dtype, out):
    """The numerator max(e, [z >= 0]) is e / 1 exactly as np.where(z < 0, e, 1) picks them, whatever the buffer."""
    Z = _extreme_inputs(dtype)
    E = np.exp(-np.abs(Z))
    expected = np.where(Z < 0, E, 1).astype(dtype) / (1 + E)
    z = Z.copy()
    buffer = {"new": None, "Z itself": z, "another buffer": np.empty_like(z)}[out]
    result = act.sigmoid(z, out=buffer)
    assert result.dtype == dtype and np.array_equal(result, expected)
    assert buffer is None or result is buffer


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_leaky_relu_and_elu_slopes_are_the_where_forms_bit_for_bit(dtype):
    Z = _extreme_inputs(dtype)
    A = act.leaky_relu(Z)
    assert np.array_equal(act.leaky_relu_derivative(A), np.where(A > 0, 1, act.LEAKY_SLOPE).astype(dtype))
    A = act.elu(Z)
    assert np.array_equal(act.elu_derivative(A), np.where(A > 0, 1, A + act.ELU_ALPHA).astype(dtype))
    delta = np.ones_like(A) * 3
    assert np.array_equal(act.elu_derivative(A, delta), 3 * np.where(A > 0, 1, A + act.ELU_ALPHA).astype(dtype))
