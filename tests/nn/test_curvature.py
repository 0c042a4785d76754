"""Exact Hessian-vector products and the sharpness, against two independent references, for every activation,
output and loss: the dense Hessian by the complex step (exact to rounding) and central finite differences."""

import numpy as np
import pytest
from scipy import sparse

import digitnet.functional as F
from digitnet.nn import activations
from digitnet.nn.curvature import hessian_operator, hessian_vector_product, sharpness

HIDDEN = list(activations.HIDDEN_ACTIVATIONS)  # the registry: every hidden activation digitnet has
#: Every output and loss digitnet has: (output activation, number of outputs, how the targets are made).
OUTPUTS = {
    "softmax": ("softmax", 3, lambda rng, n, k: np.eye(k)[rng.integers(0, k, n)]),
    "logistic, one unit": ("logistic", 1, lambda rng, n, k: (rng.random((n, k)) < 0.5).astype(float)),
    "logistic, multilabel": ("logistic", 3, lambda rng, n, k: (rng.random((n, k)) < 0.5).astype(float)),
    "identity, one output": ("identity", 1, lambda rng, n, k: rng.normal(size=(n, k))),
    "identity, three outputs": ("identity", 3, lambda rng, n, k: rng.normal(size=(n, k))),
    "exp (Poisson)": ("exp", 2, lambda rng, n, k: rng.poisson(1.5, size=(n, k)).astype(float)),
}


def tiny_problem(activation, output, seed=0, hidden=(4, 3), n=7, weighted=True):
    """A network of (3, *hidden, K) units on n random rows: (X, Y, weights, biases, layer sizes, sample weights)."""
    out_activation, k, targets = OUTPUTS[output]
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(n, 3)), targets(rng, n, k)
    sizes = [3, *hidden, k]
    params = F.initialize_weights(sizes, activation, rng=seed + 1)
    params.flat[:] += 0.3 * rng.normal(size=params.flat.size)  # away from Glorot's symmetric start
    return X, Y, params.weights, params.biases, sizes, (rng.random(n) + 0.5) if weighted else None


def gradient(theta, X, Y, sizes, activation, out_activation, alpha, sample_weight):
    """backward_pass's gradient at the flat parameters theta (real or complex)."""
    weights, biases = F.unpack(theta, sizes)
    layers = F.forward_pass(X, weights, biases, activation, out_activation)
    return F.pack(*F.backward_pass(layers, Y, weights, activation, alpha, sample_weight))


def complex_step_hessian(theta, *args, h=1e-30):
    """The dense Hessian, column j = Im(gradient(theta + i h e_j)) / h: exact to rounding (no subtraction), and
    independent of the R-operator (it differentiates backward_pass itself)."""
    n = len(theta)
    return np.array([gradient(theta + 1j * h * np.eye(n)[j], *args).imag / h for j in range(n)]).T


def hessian_columns(X, Y, weights, biases, activation, out_activation, alpha, sw):
    n = sum(W.size for W in weights) + sum(b.size for b in biases)
    return np.array(
        [hessian_vector_product(X, Y, weights, biases, e, activation, alpha, out_activation, sw) for e in np.eye(n)]
    ).T


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample weights"])
def test_products_are_the_exact_hessian(activation, output, weighted):
    X, Y, weights, biases, sizes, sw = tiny_problem(activation, output, weighted=weighted)
    out_activation, alpha = OUTPUTS[output][0], 0.3
    exact = complex_step_hessian(F.pack(weights, biases), X, Y, sizes, activation, out_activation, alpha, sw)
    ours = hessian_columns(X, Y, weights, biases, activation, out_activation, alpha, sw)
    assert np.abs(ours - exact).max() <= 1e-10 * np.abs(exact).max()
    assert np.abs(ours - ours.T).max() <= 1e-12 * np.abs(exact).max()  # symmetric, as a Hessian is


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("activation", HIDDEN)
def test_products_equal_central_differences_of_the_gradient(activation, output):
    X, Y, weights, biases, sizes, sw = tiny_problem(activation, output, seed=3)
    out_activation, alpha = OUTPUTS[output][0], 0.1
    theta, eps = F.pack(weights, biases), 1e-5
    for v in np.random.default_rng(4).normal(size=(3, len(theta))):
        differences = (
            gradient(theta + eps * v, X, Y, sizes, activation, out_activation, alpha, sw)
            - gradient(theta - eps * v, X, Y, sizes, activation, out_activation, alpha, sw)
        ) / (2 * eps)
        ours = hessian_vector_product(X, Y, weights, biases, v, activation, alpha, out_activation, sw)
        assert np.linalg.norm(ours - differences) <= 1e-6 * np.linalg.norm(differences)


@pytest.mark.parametrize(
    "output", ["softmax", "logistic, one unit", "logistic, multilabel", "identity, one output", "exp (Poisson)"]
)
def test_the_curvature_is_that_of_compute_loss(output):
    """v'Hv is the second derivative of compute_loss along v (second central differences of the loss itself)."""
    X, Y, weights, biases, sizes, sw = tiny_problem("tanh", output, seed=5)
    out_activation, alpha = OUTPUTS[output][0], 0.2
    theta, h = F.pack(weights, biases), 1e-4

    def loss(t):
        W, b = F.unpack(t, sizes)
        return F.compute_loss(Y, F.forward_pass(X, W, b, "tanh", out_activation)[-1], W, alpha, sw, out_activation)

    v = np.random.default_rng(6).normal(size=len(theta))
    second = (loss(theta + h * v) - 2 * loss(theta) + loss(theta - h * v)) / h**2
    assert v @ hessian_vector_product(X, Y, weights, biases, v, "tanh", alpha, out_activation, sw) == pytest.approx(
        second, rel=1e-5
    )


def test_several_regression_outputs_curve_as_the_gradient_does():
    """With K > 1 identity outputs, backward_pass's gradient is K times compute_loss's (scikit-learn's choice), and
    so is H: the Hessian of the loss that training descends."""
    X, Y, weights, biases, sizes, _ = tiny_problem("relu", "identity, three outputs", seed=7, weighted=False)
    theta, h = F.pack(weights, biases), 1e-4

    def loss(t):
        W, b = F.unpack(t, sizes)
        return F.compute_loss(Y, F.forward_pass(X, W, b, "relu", "identity")[-1], W, 0.0, None, "identity")

    v = np.random.default_rng(8).normal(size=len(theta))
    second = (loss(theta + h * v) - 2 * loss(theta) + loss(theta - h * v)) / h**2
    assert v @ hessian_vector_product(X, Y, weights, biases, v, "relu", 0.0, "identity") == pytest.approx(
        3 * second, rel=1e-5
    )


@pytest.fixture
def softplus():
    """A user's activation whose derivatives read z (needs="z"): registered for the test, then removed."""

    def sigmoid(z):  # as a formula, not scipy's expit: the complex step of the reference needs complex numbers
        return 1 / (1 + np.exp(-z))

    activation = activations.Activation(
        "softplus_curv", lambda z: np.log1p(np.exp(z)), sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))
    )
    activations.register(activation)
    yield activation.name
    activations.unregister(activation.name)


def test_a_registered_activation_has_exact_products_with_no_other_change(softplus):
    X, Y, weights, biases, sizes, sw = tiny_problem(softplus, "softmax", seed=9)
    exact = complex_step_hessian(F.pack(weights, biases), X, Y, sizes, softplus, "softmax", 0.1, sw)
    ours = hessian_columns(X, Y, weights, biases, softplus, "softmax", 0.1, sw)
    assert np.abs(ours - exact).max() <= 1e-10 * np.abs(exact).max()


def test_an_activation_without_a_second_derivative_is_refused_by_name():
    tanh = activations.get("tanh")
    activations.register(activations.Activation("tanh_first_order", tanh.function, tanh.derivative, needs="a"))
    try:
        X, Y, weights, biases, _, _ = tiny_problem("tanh", "softmax")
        with pytest.raises(ValueError, match="activation 'tanh_first_order' has no second derivative"):
            hessian_vector_product(X, Y, weights, biases, np.ones(F.n_parameters([3, 4, 3, 3])), "tanh_first_order")
    finally:
        activations.unregister("tanh_first_order")


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("output", ["softmax", "logistic, multilabel", "exp (Poisson)"])
def test_sharpness_is_the_top_of_the_dense_spectrum(activation, output):
    X, Y, weights, biases, sizes, sw = tiny_problem(activation, output, seed=11, hidden=(5,))
    out_activation = OUTPUTS[output][0]
    exact = complex_step_hessian(F.pack(weights, biases), X, Y, sizes, activation, out_activation, 0.05, sw)
    spectrum = np.linalg.eigvalsh((exact + exact.T) / 2)[::-1]
    top = sharpness(X, Y, weights, biases, activation, 0.05, k=3, out_activation=out_activation, sample_weight=sw)
    assert top.shape == (3,) and np.all(np.diff(top) <= 0)  # largest first
    assert np.abs(top - spectrum[:3]).max() <= 1e-8 * abs(spectrum[0])
    one = sharpness(X, Y, weights, biases, activation, 0.05, out_activation=out_activation, sample_weight=sw)
    assert one.shape == (1,) and abs(one[0] - spectrum[0]) <= 1e-8 * abs(spectrum[0])


def test_sharpness_is_reproducible_and_leaves_the_weights_alone():
    X, Y, weights, biases, _, _ = tiny_problem("relu", "softmax", seed=12, hidden=(6,))
    before = F.pack(weights, biases)
    first = sharpness(X, Y, weights, biases, "relu", seed=3)
    assert np.array_equal(first, sharpness(X, Y, weights, biases, "relu", seed=3))
    assert np.array_equal(before, F.pack(weights, biases))


def test_k_out_of_range_is_refused():
    X, Y, weights, biases, sizes, _ = tiny_problem("relu", "softmax")
    n = F.n_parameters(sizes)
    for k in (0, n):
        with pytest.raises(ValueError, match=f"k must be from 1 to n_parameters - 1 = {n - 1}, got {k}"):
            sharpness(X, Y, weights, biases, "relu", k=k)


def test_float32_and_sparse_inputs():
    """float32 weights give float32 products close to float64's; the sharpness is computed in float64; a sparse X
    gives the dense X's numbers."""
    X, Y, weights, biases, _, sw = tiny_problem("elu", "softmax", seed=13)
    v = np.random.default_rng(14).normal(size=F.n_parameters([3, 4, 3, 3]))
    exact = hessian_vector_product(X, Y, weights, biases, v, "elu", 0.1, sample_weight=sw)
    single = [[a.astype(np.float32) for a in part] for part in (weights, biases)]
    product = hessian_vector_product(X.astype(np.float32), Y, *single, v, "elu", 0.1, sample_weight=sw)
    assert product.dtype == np.float32
    assert np.linalg.norm(product - exact) <= 1e-5 * np.linalg.norm(exact)
    assert sharpness(X, Y, *single, "elu").dtype == np.float64
    assert np.allclose(
        hessian_vector_product(sparse.csr_matrix(X), Y, weights, biases, v, "elu", 0.1, sample_weight=sw),
        exact,
        rtol=1e-12,
        atol=1e-14,
    )


def test_the_operator_reuses_one_point_for_many_products():
    X, Y, weights, biases, sizes, _ = tiny_problem("logistic", "softmax", seed=15)
    operator = hessian_operator(X, Y, weights, biases, "logistic", 0.2)
    n = F.n_parameters(sizes)
    assert operator.shape == (n, n)
    V = np.random.default_rng(16).normal(size=(n, 4))
    assert np.allclose(
        operator @ V,
        np.column_stack([hessian_vector_product(X, Y, weights, biases, v, "logistic", 0.2) for v in V.T]),
        rtol=0,
        atol=1e-14,
    )


def test_no_sharpness_where_the_loss_has_no_hessian():
    X, Y, weights, biases, _, _ = tiny_problem("relu", "identity, one output", seed=17)
    weights[0][0, 0] = np.inf
    with pytest.raises(ValueError, match="the weights are not all finite: the loss has no Hessian there"):
        sharpness(X, Y, weights, biases, "relu", out_activation="identity")
    weights[0][0, 0] = 1e200  # finite, but every product overflows
    with pytest.raises(ValueError, match="the Hessian-vector products are not finite at these weights"):
        with np.errstate(all="ignore"):
            sharpness(X, Y, weights, biases, "relu", out_activation="identity")


def test_a_direction_of_the_wrong_size_is_refused():
    X, Y, weights, biases, sizes, _ = tiny_problem("relu", "softmax")
    n = F.n_parameters(sizes)
    with pytest.raises(
        ValueError,
        match=f"v must be a flat vector of the network's {n} parameters \\(pack's order\\), got shape \\({n - 1},\\)",
    ):
        hessian_vector_product(X, Y, weights, biases, np.ones(n - 1))
