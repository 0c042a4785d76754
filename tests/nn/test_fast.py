"""The speed path gives the readable path's numbers, bit for bit."""

import numpy as np
import pytest

from digitnet import functional as F
from digitnet.nn import _fast
from digitnet.nn.optimizers import SGD, Adam


def test_train_epoch_given_labels_follow_the_shuffled_rows(digits_split):
    """Labels passed in (to skip an argmax every epoch) are permuted with the rows: same epoch as without them."""
    X, _, y, _ = digits_split
    Y = np.eye(10)[y]
    order = np.random.default_rng(1).permutation(len(y))
    results = []
    for labels in (None, y):
        flat, weights, biases = F.initialize_weights([64, 16, 10], "relu", rng=0)
        optimizer = SGD(flat, 0.1)
        loss, accuracy = _fast.train_epoch(X, Y, weights, biases, optimizer, activation="relu",
                                           out_activation="softmax", alpha=0.0, batch_size=len(y), order=order,
                                           labels=labels)
        results.append((loss, accuracy, flat.copy()))
    (loss, accuracy, params), (loss_l, accuracy_l, params_l) = results
    assert (loss_l, accuracy_l) == (loss, accuracy)
    np.testing.assert_array_equal(params_l, params)
    # one full batch: the accuracy is that of the starting weights on every row
    _, start_weights, start_biases = F.initialize_weights([64, 16, 10], "relu", rng=0)
    assert accuracy_l == np.mean(F.predict(X, start_weights, start_biases) == y)


HIDDEN = ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu"]


def _problem(seed, n=30, n_features=7, n_classes=4):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, n_features)), rng.integers(0, n_classes, n)
    Y = (y % 2).reshape(-1, 1).astype(float) if n_classes == 2 else np.eye(n_classes)[y]
    return X, y, Y, rng.uniform(0.5, 2.0, n), "logistic" if n_classes == 2 else "softmax"


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("n_classes", [2, 4], ids=["logistic", "softmax"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample-weights"])
def test_forward_and_backward_into_buffers_give_the_readable_numbers(activation, n_classes, weighted):
    """forward_into / backward_into (buffers; the penalty and 1/S on the flat gradient at once) = the readable
    forward_pass / backward_pass, bit for bit."""
    X, _, Y, sw, out = _problem(3, n_classes=n_classes)
    sw = sw if weighted else None
    sizes = [7, 6, 5, Y.shape[1]]
    flat, weights, biases = F.initialize_weights(sizes, activation, rng=0)
    expected = F.forward_pass(X, weights, biases, activation, out)
    workspace = _fast.Workspace(sizes, 40, X.dtype)  # buffers larger than the batch, as for a last short batch
    got = _fast.forward_into(X, weights, biases, activation, out, workspace.activations)
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(g, e)
    expected_grad = F.pack(*F.backward_pass(expected, Y, weights, activation, alpha=0.3, sample_weight=sw))
    got_grad = _fast.backward_into(got, Y, weights, activation, 0.3, sw, workspace, flat)
    np.testing.assert_array_equal(got_grad, expected_grad)


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("n_classes", [2, 4], ids=["logistic", "softmax"])
@pytest.mark.parametrize("optimizer", [SGD, Adam])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample-weights"])
def test_fast_epochs_give_the_readable_epochs_numbers(activation, n_classes, optimizer, weighted):
    """Three shuffled epochs of mini-batches with an L2 penalty: the same losses, accuracies and weights, bit for bit."""
    X, y, Y, sw, out = _problem(5, n=53, n_classes=n_classes)
    sw = sw if weighted else None
    sizes = [7, 8, 6, Y.shape[1]]
    runs = []
    for train_epoch, extra in ((F.train_epoch, {}), (_fast.train_epoch, {"workspace": None})):
        flat, weights, biases = F.initialize_weights(sizes, activation, rng=1)
        opt = optimizer(flat, 0.05)
        rng = np.random.default_rng(2)
        curve = [train_epoch(X, Y, weights, biases, opt, activation=activation, out_activation=out, alpha=0.1,
                             batch_size=20, sample_weight=sw, order=rng.permutation(len(X)), **extra)
                 for _ in range(3)]
        runs.append((curve, flat.copy()))
    (curve, params), (fast_curve, fast_params) = runs
    assert fast_curve == curve
    np.testing.assert_array_equal(fast_params, params)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample-weights"])
@pytest.mark.parametrize("workspace_rows", [None, 20], ids=["own-workspace", "workspace-for-one-batch"])
def test_train_epoch_loss_and_accuracy_are_those_of_each_batch_before_its_step(weighted, workspace_rows):
    """The epoch's loss and accuracy, computed at the end from the stored outputs, equal a plain loop's:
    each batch's loss (penalty at that step's weights) weighted by its size, and its right predictions."""
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(53, 6)), rng.integers(0, 3, 53)
    Y = np.eye(3)[y]
    sw = rng.uniform(0.5, 2.0, 53) if weighted else None
    sizes = [6, 8, 3]
    flat, weights, biases = F.initialize_weights(sizes, "relu", rng=0)
    optimizer = SGD(flat, 0.5)
    workspace = None if workspace_rows is None else _fast.Workspace(sizes, workspace_rows, X.dtype)  # outputs: 20 rows
    loss, accuracy = _fast.train_epoch(X, Y, weights, biases, optimizer, activation="relu", out_activation="softmax",
                                       alpha=0.2, batch_size=20, sample_weight=sw, workspace=workspace)

    flat, weights, biases = F.initialize_weights(sizes, "relu", rng=0)
    optimizer = SGD(flat, 0.5)
    total, correct = 0.0, 0
    for batch in (slice(0, 20), slice(20, 40), slice(40, 53)):
        swb = None if sw is None else sw[batch]
        activations = F.forward_pass(X[batch], weights, biases)
        total += F.compute_loss(Y[batch], activations[-1], weights, 0.2, swb) * len(X[batch])
        correct += np.sum(activations[-1].argmax(axis=1) == y[batch])
        weight_grads, bias_grads = F.backward_pass(activations, Y[batch], weights, alpha=0.2, sample_weight=swb)
        optimizer.step(np.concatenate([g.ravel() for g in weight_grads + bias_grads]))
    assert loss == total / 53
    assert accuracy == correct / 53


@pytest.mark.parametrize("n_classes", [2, 4], ids=["logistic", "softmax"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample-weights"])
def test_held_out_scores_are_the_readable_loss_and_accuracy(n_classes, weighted):
    X, _, Y, sw, out = _problem(5, n=33, n_classes=n_classes)
    sw = sw if weighted else None
    sizes = [7, 6, Y.shape[1]]
    _, weights, biases = F.initialize_weights(sizes, "tanh", rng=1)
    P = F.forward_pass(X, weights, biases, "tanh", out)[-1]
    expected_loss = F.compute_loss(Y, P, weights, 0.2, sw, out)
    expected_accuracy = float(np.average(F.correct_mask(Y, P, out), weights=sw))
    held_out = _fast.HeldOut(X, Y, sw, sizes, out)
    for _ in range(2):  # the buffers are reused
        assert held_out.scores(weights, biases, "tanh", 0.2) == (expected_loss, expected_accuracy)
