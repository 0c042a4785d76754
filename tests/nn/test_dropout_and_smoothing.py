"""Dropout and label smoothing in the network: backpropagation with a fixed dropout mask (and with smoothed targets)
passes the finite-difference check and fails it when the mask is left out of delta; the fast path gives the readable
path's numbers with both (1e-12), drawing the same masks from the same stream."""

import numpy as np
import pytest

from digitnet import functional as F
from digitnet.nn import _fast, activations, network
from digitnet.nn.gradcheck import TOLERANCE, gradient_check
from digitnet.nn.optimizers import SGD, Adam

HIDDEN = list(activations.HIDDEN_ACTIVATIONS)


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("hidden, n_classes", [((5,), 3), ((6, 5), 2), ((8, 8, 8), 4)])
def test_dropout_with_a_fixed_mask_passes_the_gradient_check(activation, hidden, n_classes):
    assert gradient_check(activation, hidden, alpha=0.01, n_samples=20, n_classes=n_classes, dropout=0.4) < TOLERANCE


@pytest.mark.parametrize("n_classes", [2, 3])
def test_label_smoothing_passes_the_gradient_check(n_classes):
    assert gradient_check("tanh", (5, 4), alpha=0.01, n_classes=n_classes, label_smoothing=0.2, dropout=0.3) < TOLERANCE


def test_a_backward_pass_that_forgets_the_mask_fails_the_check(monkeypatch):
    """The check sees the mask: delta without it (the masks hidden from backward_pass) is far off."""
    real = network.backward_pass

    def maskless(activations_, *args, **kwargs):
        activations_.masks = None
        activations_[1:-1] = activations_.outputs  # as if no mask had been applied
        return real(activations_, *args, **kwargs)

    monkeypatch.setattr("digitnet.nn.gradcheck.backward_pass", maskless)
    assert gradient_check("tanh", (5, 4), dropout=0.5) > 1e-2
    assert gradient_check("tanh", (5, 4), dropout=0.0) < TOLERANCE  # no mask, nothing forgotten


def test_label_smoothing_rejects_a_regression_loss():
    with pytest.raises(ValueError, match="label_smoothing smooths class targets; the squared_error loss has none"):
        gradient_check("relu", loss="squared_error", label_smoothing=0.1)


def test_smoothed_targets_are_torchs_definition():
    Y = np.eye(4)[[0, 3, 1]]
    np.testing.assert_allclose(network.smooth_labels(Y, 0.2), 0.8 * Y + 0.05)
    np.testing.assert_allclose(network.smooth_labels(np.array([[1.0], [0.0]]), 0.2, "logistic"), [[0.9], [0.1]])
    assert network.smooth_labels(Y, 0.0) is Y


def _close(fast, readable):
    fast, readable = np.asarray(fast, dtype=float), np.asarray(readable, dtype=float)
    np.testing.assert_allclose(fast, readable, rtol=1e-12, atol=1e-12 * max(np.abs(readable).max(), 1e-300))


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("optimizer", [SGD, Adam])
@pytest.mark.parametrize("rates", [(0.3, 0.0), (0.5, 0.2)])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_fast_epochs_with_dropout_and_smoothing_give_the_readable_epochs_numbers(
    activation, optimizer, rates, smoothing
):
    """Three shuffled epochs with dropout (masks drawn from one seeded stream per path) and smoothed targets:
    the same losses, accuracies and weights to 1e-12."""
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(53, 7)), rng.integers(0, 4, 53)
    Y = network.smooth_labels(np.eye(4)[y], smoothing)
    runs = []
    for train_epoch, extra in ((F.train_epoch, {}), (_fast.train_epoch, {"soft": bool(smoothing)})):
        flat, weights, biases = F.initialize_weights([7, 8, 6, 4], activation, rng=1)
        opt, stream, order_rng = optimizer(flat, 0.05), np.random.RandomState(9), np.random.default_rng(2)
        curve = [
            train_epoch(
                X,
                Y,
                weights,
                biases,
                opt,
                activation=activation,
                out_activation="softmax",
                alpha=0.1,
                batch_size=20,
                order=order_rng.permutation(53),
                dropout=rates,
                rng=stream,
                **extra,
            )
            for _ in range(3)
        ]
        runs.append((np.array(curve), flat.copy()))
    (curve, params), (fast_curve, fast_params) = runs
    _close(fast_curve[:, 0], curve[:, 0])
    assert list(fast_curve[:, 1]) == list(curve[:, 1])
    _close(fast_params, params)


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_fast_forward_and_backward_with_masks_are_the_readable_ones(activation):
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(20, 5)), np.eye(3)[rng.integers(0, 3, 20)]
    flat, weights, biases = F.initialize_weights([5, 6, 4, 3], activation, rng=0)
    masks = network.dropout_masks(rng, (0.5, 0.25), 20, (6, 4))
    workspace = _fast.Workspace([5, 6, 4, 3], 20, np.float64, activation=activation, dropout=(0.5, 0.25))
    for buffer, mask in zip(workspace.masks, masks):
        buffer[...] = mask
    fast = _fast.forward_into(
        X, weights, biases, activation, "softmax", workspace.activations, workspace.pre_activations, workspace
    )
    readable = network.forward_pass(X, weights, biases, activation, masks=masks)
    for mine, theirs in zip(fast, readable):
        _close(mine, theirs)
    grad = _fast.backward_into(fast, Y, weights, activation, 0.1, None, workspace, flat, workspace.masks)
    _close(grad, F.pack(*network.backward_pass(readable, Y, weights, activation, 0.1)))
