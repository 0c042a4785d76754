"""Activations as objects: f, f' and f'' of every registered activation checked by finite differences, the formulas
against the speed path's in-place functions, and the registry (its live views, what it refuses)."""

import warnings

import numpy as np
import pytest

from digitnet import NumpyMLPClassifier
from digitnet import functional as F
from digitnet.nn import activations
from digitnet.nn.activations import Activation

EVERY = list(activations.BUILT_IN)  # hidden activations and outputs
ELEMENTWISE = [name for name in EVERY if activations.get(name).elementwise]
H = 1e-6


def _points():
    z = np.linspace(-4, 4, 81)
    return z[np.abs(z) > 1e-3].reshape(-1, 4)  # away from the kinks of relu, leaky_relu and elu (f'' of elu jumps)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_first_and_second_derivatives_match_finite_differences(name):
    """f' against central differences of f, f'' against central differences of f', each from what it needs."""
    f, z = activations.get(name), _points()

    def slope(x):
        return f.df(z=x, a=f(x))

    np.testing.assert_allclose(slope(z), (f(z + H) - f(z - H)) / (2 * H), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(f.d2f(z=z, a=f(z)), (slope(z + H) - slope(z - H)) / (2 * H), rtol=1e-6, atol=1e-8)
    v = np.random.default_rng(0).normal(size=z.shape)
    np.testing.assert_allclose(f.jvp(v, z=z, a=f(z)), (f(z + H * v) - f(z - H * v)) / (2 * H), rtol=1e-6, atol=1e-8)


def test_softmax_jacobian_and_its_derivative_match_finite_differences():
    f = activations.get("softmax")
    z = np.random.default_rng(1).normal(size=(5, 4)) * 2
    J, T = f.df(a=f(z)), f.d2f(a=f(z))
    assert J.shape == (5, 4, 4) and T.shape == (5, 4, 4, 4)
    for k in range(4):
        step = np.zeros_like(z)
        step[:, k] = H
        np.testing.assert_allclose(J[:, :, k], (f(z + step) - f(z - step)) / (2 * H), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(
            T[:, :, :, k], (f.df(a=f(z + step)) - f.df(a=f(z - step))) / (2 * H), rtol=1e-6, atol=1e-9
        )
    v = np.random.default_rng(2).normal(size=z.shape)
    np.testing.assert_allclose(f.jvp(v, a=f(z)), (f(z + H * v) - f(z - H * v)) / (2 * H), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", EVERY)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_formula_and_the_speed_paths_function_agree(name, dtype):
    """``f(z)`` (the readable path's formula) and ``f.apply(Z, out=Z)`` (the speed path, in place) to a few units in
    the last place, in the input's dtype; and f' likewise, read from what it reads (the output, or z for gelu
    and silu)."""
    f = activations.get(name)
    Z = (np.random.default_rng(3).normal(size=(50, 6)) * 4).astype(dtype)
    A = f(Z)
    assert A.dtype == dtype and A.shape == Z.shape
    fast = f.apply(Z.copy(), out=None)
    in_place = Z.copy()
    assert f.apply(in_place, out=in_place) is in_place
    tolerance = 8 * np.finfo(dtype).eps
    np.testing.assert_allclose(fast, A, rtol=tolerance, atol=tolerance)
    np.testing.assert_array_equal(in_place, fast)
    if f.hidden:
        slope = f.df(z=Z, a=A)
        assert slope.dtype == dtype
        kept = Z if f.needs == "z" else fast
        np.testing.assert_allclose(f.apply_derivative(kept), slope, rtol=tolerance, atol=tolerance)
        delta = np.full_like(Z, 3)
        assert f.apply_derivative(kept, delta) is delta
        np.testing.assert_allclose(delta, 3 * slope, rtol=tolerance, atol=3 * tolerance)


def test_the_formulas_give_the_limits_of_saturated_inputs_without_a_warning():
    z = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ELEMENTWISE:
            values = activations.get(name)(z)
            assert np.isfinite(values).all() or name == "exp", name
        np.testing.assert_array_equal(activations.get("logistic")(z), [[0, 0, 0.5, 1, 1]])
        np.testing.assert_array_equal(activations.get("elu")(z), [[-1, -1, 0, 800, 1e4]])
        assert np.isfinite(activations.get("softmax")(z)).all()


def test_the_original_vocabulary_reads_the_registry():
    assert F.ACTIVATIONS["logistic"](np.array([0.0]))[0] == 0.5
    assert F.DERIVATIVES["tanh"](np.array([0.5]))[0] == 0.75
    assert set(F.ACTIVATIONS) == set(EVERY) and set(F.DERIVATIVES) == set(F.HIDDEN_ACTIVATIONS)
    assert tuple(F.HIDDEN_ACTIVATIONS) == ("identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu")
    assert "softmax" not in F.HIDDEN_ACTIVATIONS and "softmax" not in F.DERIVATIVES


def test_a_registered_activation_appears_everywhere_and_leaves_when_removed():
    square = Activation("square_", lambda z: z**2, lambda z: 2 * z, lambda z: np.full_like(z, 2))
    activations.register(square)
    try:
        assert activations.get("square_") is square
        assert "square_" in F.HIDDEN_ACTIVATIONS and "square_" in F.ACTIVATIONS and "square_" in F.DERIVATIVES
        NumpyMLPClassifier(activation="square_")._validate_params()  # the estimators' check reads the registry
        with pytest.raises(ValueError, match="already registered; pass replace=True"):
            activations.register(square)
        assert activations.register(square, replace=True) is square
    finally:
        activations.unregister("square_")
    assert "square_" not in F.HIDDEN_ACTIVATIONS
    with pytest.raises(
        ValueError,
        match="must be a str among {'identity', 'logistic', 'tanh', 'relu', 'leaky_relu',"
        " 'elu', 'gelu', 'silu'}, an instance of 'digitnet.nn.activations.Activation'"
        " or an instance of 'tuple'. Got 'square_' instead",
    ):
        NumpyMLPClassifier(activation="square_")._validate_params()
    with pytest.raises(ValueError, match=r"^unknown activation 'square_': the registered ones are identity, logistic,"):
        activations.get("square_")


@pytest.mark.parametrize(
    "activation, message",
    [
        (Activation("relu", np.abs, np.sign), "activation 'relu' is already registered$"),
        (Activation("two words", np.abs, np.sign), "a word of letters, digits and _"),
        (
            Activation("half", lambda z: z[:, :2], np.sign),
            r"f of activation 'half' turns an array of shape \(3, 4\) into"
            r" shape \(3, 2\): it must act element by element",
        ),
        (Activation("flat", np.abs, lambda z: np.sign(z).sum()), "f' of activation 'flat' turns an array"),
        (Activation("where", np.abs, np.sign, needs="x"), "needs must be 'z' or 'a'"),
        (Activation("rows", np.abs, np.sign, elementwise=False), "a hidden activation acts element by element"),
    ],
)
def test_the_registry_refuses_what_cannot_train(activation, message):
    with pytest.raises(ValueError, match=message):
        activations.register(activation)
    assert activation.name == "relu" or activation.name not in F.ACTIVATIONS


def test_the_built_in_activations_cannot_be_removed_and_derivatives_say_what_they_need():
    with pytest.raises(ValueError, match="'tanh' is built in and cannot be removed"):
        activations.unregister("tanh")
    with pytest.raises(ValueError, match=r"derivatives of activation 'tanh' read a \(the output A = f\(Z\)\): pass it"):
        activations.get("tanh").df(z=np.zeros(3))
    with pytest.raises(ValueError, match="activation 'x' has no second derivative"):
        Activation("x", np.abs, np.sign).d2f(z=np.zeros(3))
