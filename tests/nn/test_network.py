"""The network: backpropagation proved by finite differences, parameters in one flat buffer, initialisation."""

import numpy as np
import pytest

from digitnet import functional as F

HIDDEN = list(F.HIDDEN_ACTIVATIONS)  # the registry: every hidden activation digitnet has


def _loss_at(flat, sizes, X, Y, activation, out_activation, alpha, sw):
    weights, biases = F.unpack(flat, sizes)
    P = F.forward_pass(X, weights, biases, activation, out_activation)[-1]
    return F.compute_loss(Y, P, weights, alpha, sw, out_activation)


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("hidden", [(6,), (6, 5), (5, 4, 6)], ids=["depth1", "depth2", "depth3"])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("n_classes", [2, 4], ids=["binary-logistic", "softmax"])
def test_backward_pass_matches_finite_differences(activation, hidden, alpha, n_classes):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(9, 5))
    labels = np.arange(9) % n_classes
    if n_classes == 2:  # one logistic output unit, as MLPClassifier uses for two classes
        Y, out_activation = labels.reshape(-1, 1).astype(float), "logistic"
    else:
        Y, out_activation = np.eye(n_classes)[labels], "softmax"
    sizes = [5, *hidden, Y.shape[1]]
    flat = F.initialize_weights(sizes, activation, "glorot", rng).flat.copy()
    sw = rng.uniform(0.5, 2.0, 9)

    activations = F.forward_pass(X, *F.unpack(flat.copy(), sizes), activation, out_activation)
    weight_grads, bias_grads = F.backward_pass(activations, Y, F.unpack(flat, sizes)[0], activation, alpha, sw)
    analytic = np.concatenate([g.ravel() for g in weight_grads + bias_grads])

    h = 1e-5  # central differences: truncation O(h^2), round-off O(1e-16 / h)
    numeric = np.empty_like(flat)
    for i in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (
            _loss_at(up, sizes, X, Y, activation, out_activation, alpha, sw)
            - _loss_at(down, sizes, X, Y, activation, out_activation, alpha, sw)
        ) / (2 * h)
    relative = np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), 1e-8)
    assert relative.max() < 1e-5, f"worst relative error {relative.max():.2e}"


def test_parameters_live_in_one_flat_buffer():
    sizes = [64, 32, 16, 10]
    flat, weights, biases = F.initialize_weights(sizes, rng=0)
    assert flat.size == F.n_parameters(sizes) == 64 * 32 + 32 * 16 + 16 * 10 + 32 + 16 + 10
    assert all(a.base is flat for a in weights + biases)
    flat[:] = 0
    assert all(not a.any() for a in weights + biases)
    assert [w.shape for w in weights] == [(64, 32), (32, 16), (16, 10)]


@pytest.mark.parametrize("activation, factor", [("relu", 6.0), ("logistic", 2.0)])
def test_glorot_init_range_matches_mlpclassifier(activation, factor):
    _, weights, biases = F.initialize_weights([64, 100, 10], activation, "glorot", rng=1)
    for W, b in zip(weights, biases):
        bound = np.sqrt(factor / sum(W.shape))
        assert np.abs(W).max() <= bound and np.abs(W).max() > 0.9 * bound
        assert np.abs(b).max() <= bound


def test_he_and_small_normal_init():
    _, weights, biases = F.initialize_weights([400, 300, 10], "relu", "he", rng=2)
    assert abs(weights[0].std() - np.sqrt(2 / 400)) < 0.05 * np.sqrt(2 / 400)
    assert not any(b.any() for b in biases)
    _, weights, _ = F.initialize_weights([400, 300, 10], "logistic", "small_normal", rng=2)
    assert abs(weights[0].std() - 0.01) < 0.0005
    with pytest.raises(ValueError, match="weight_init must be one of"):
        F.initialize_weights([4, 2], method="zeros")


def test_pack_is_the_inverse_of_unpack():
    sizes = [5, 4, 3]
    flat = np.arange(F.n_parameters(sizes), dtype=float)
    np.testing.assert_array_equal(F.pack(*F.unpack(flat, sizes)), flat)
    assert F.n_weights(sizes) == 5 * 4 + 4 * 3


def test_default_activations_agree():
    """Calling the functions with their defaults trains and predicts with the same activation."""
    import inspect

    defaults = {
        name: inspect.signature(getattr(F, name)).parameters["activation"].default
        for name in ("initialize_weights", "forward_pass", "backward_pass", "predict", "train_model", "train_epoch")
    }
    assert set(defaults.values()) == {F.DEFAULT_ACTIVATION}, defaults
