"""The speed path gives the readable path's numbers to 1e-12 (not to the bit: the readable path reads like the
formulas, the fast one computes in scikit-learn's order, and tests/test_drop_in.py, tests/test_reference.py and
benchmarks/same_numbers.py guard the fast path's numbers bit for bit)."""

import numpy as np
import pytest
from sklearn.metrics import r2_score

from digitnet import functional as F
from digitnet.nn import _fast, activations
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
        loss, accuracy = _fast.train_epoch(
            X,
            Y,
            weights,
            biases,
            optimizer,
            activation="relu",
            out_activation="softmax",
            alpha=0.0,
            batch_size=len(y),
            order=order,
            labels=labels,
        )
        results.append((loss, accuracy, flat.copy()))
    (loss, accuracy, params), (loss_l, accuracy_l, params_l) = results
    assert (loss_l, accuracy_l) == (loss, accuracy)
    np.testing.assert_array_equal(params_l, params)
    # one full batch: the accuracy is that of the starting weights on every row
    _, start_weights, start_biases = F.initialize_weights([64, 16, 10], "relu", rng=0)
    assert accuracy_l == np.mean(F.predict(X, start_weights, start_biases) == y)


HIDDEN = list(activations.HIDDEN_ACTIVATIONS)  # the registry: every hidden activation digitnet has
OUTPUTS = ["softmax", "logistic", "identity", "exp"]


def _close(fast, readable):
    """The claim: the readable path (the formulas) and the fast one (scikit-learn's order of operations) agree to
    1e-12, relative to the array's largest magnitude (an entry near 0 may differ by 1e-12 of that, not of itself)."""
    fast, readable = np.asarray(fast, dtype=float), np.asarray(readable, dtype=float)
    np.testing.assert_allclose(fast, readable, rtol=1e-12, atol=1e-12 * max(np.abs(readable).max(), 1e-300))


def _problem(seed, n=30, n_features=7, out="softmax", n_outputs=4):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, n_features)), rng.integers(0, n_outputs, n)
    if out == "softmax":
        Y = np.eye(n_outputs)[y]
    elif out == "logistic":
        Y = (rng.random((n, 2)) < 0.4).astype(float)  # two labels, 0/1 each
    elif out == "exp":
        Y = rng.poisson(1.5, (n, 2)).astype(float)
    else:
        Y = rng.normal(size=(n, 2))
    return X, y, Y, rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("out", OUTPUTS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample-weights"])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_forward_and_backward_into_buffers_give_the_readable_numbers(activation, out, weighted, alpha):
    """forward_into / backward_into (buffers; the penalty and 1/S on the flat gradient at once) = the readable
    forward_pass / backward_pass, to 1e-12."""
    X, _, Y, sw = _problem(3, out=out)
    sw = sw if weighted else None
    sizes = [7, 6, 5, Y.shape[1]]
    flat, weights, biases = F.initialize_weights(sizes, activation, rng=0)
    expected = F.forward_pass(X, weights, biases, activation, out)
    workspace = _fast.Workspace(sizes, 40, X.dtype, activation=activation)  # larger than the batch, as for a last one
    got = _fast.forward_into(X, weights, biases, activation, out, workspace.activations, workspace.pre_activations)
    for e, g in zip(expected, got):
        _close(g, e)
    expected_grad = F.pack(*F.backward_pass(expected, Y, weights, activation, alpha=alpha, sample_weight=sw))
    _close(_fast.backward_into(got, Y, weights, activation, alpha, sw, workspace, flat), expected_grad)
    P = expected[-1]
    assert _fast.compute_loss(Y, got[-1], weights, alpha, sw, out) == pytest.approx(
        F.compute_loss(Y, P, weights, alpha, sw, out), rel=1e-12
    )


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("out", OUTPUTS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample-weights"])
def test_every_step_of_a_fast_training_has_the_readable_gradient(activation, out, weighted):
    """Three shuffled epochs of mini-batches (Adam, an L2 penalty) on the fast path: at every step, the readable
    backpropagation at the same weights gives the fast gradient to 1e-12."""
    X, _, Y, sw = _problem(5, n=53, out=out)
    sw = sw if weighted else None
    sizes = [7, 8, 6, Y.shape[1]]
    flat, weights, biases = F.initialize_weights(sizes, activation, rng=1)
    optimizer, workspace, rng = (
        Adam(flat, 0.01),
        _fast.Workspace(sizes, 20, X.dtype, activation=activation),
        np.random.default_rng(2),
    )
    steps = 0
    for _ in range(3):
        order = rng.permutation(len(X))
        for batch in F.batch_slices(len(X), 20):
            rows = order[batch]
            swb = None if sw is None else sw[rows]
            fast = _fast.forward_into(
                X[rows], weights, biases, activation, out, workspace.activations, workspace.pre_activations
            )
            grad = _fast.backward_into(fast, Y[rows], weights, activation, 0.1, swb, workspace, flat)
            readable = F.backward_pass(
                F.forward_pass(X[rows], weights, biases, activation, out), Y[rows], weights, activation, 0.1, swb
            )
            _close(grad, F.pack(*readable))
            optimizer.step(grad)
            steps += 1
    assert steps == 9


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("out", ["softmax", "logistic"])
@pytest.mark.parametrize("optimizer", [SGD, Adam])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample-weights"])
def test_fast_epochs_give_the_readable_epochs_numbers(activation, out, optimizer, weighted):
    """Three shuffled epochs of mini-batches with an L2 penalty, each path on its own: the same losses, accuracies
    and weights to 1e-12."""
    X, _, Y, sw = _problem(5, n=53, out=out)
    sw = sw if weighted else None
    sizes = [7, 8, 6, Y.shape[1]]
    runs = []
    for train_epoch, extra in ((F.train_epoch, {}), (_fast.train_epoch, {"workspace": None})):
        flat, weights, biases = F.initialize_weights(sizes, activation, rng=1)
        opt = optimizer(flat, 0.05)
        rng = np.random.default_rng(2)
        curve = [
            train_epoch(
                X,
                Y,
                weights,
                biases,
                opt,
                activation=activation,
                out_activation=out,
                alpha=0.1,
                batch_size=20,
                sample_weight=sw,
                order=rng.permutation(len(X)),
                **extra,
            )
            for _ in range(3)
        ]
        runs.append((np.array(curve), flat.copy()))
    (curve, params), (fast_curve, fast_params) = runs
    _close(fast_curve[:, 0], curve[:, 0])  # losses
    assert list(fast_curve[:, 1]) == list(curve[:, 1])  # accuracies: counts of right answers
    _close(fast_params, params)


def test_a_z_buffer_is_kept_only_for_an_activation_that_needs_z():
    """Of the built-in hidden activations only gelu and silu read Z in their derivatives: the fast path keeps
    a Z buffer for them alone."""
    for name in activations.BUILT_IN:
        if activations.get(name).hidden:
            kept = _fast.Workspace([4, 5, 3, 2], 10, np.float64, activation=name).pre_activations
            assert activations.get(name).needs == ("z" if name in ("gelu", "silu") else "a"), name
            if name in ("gelu", "silu"):
                assert [z.shape for z in kept] == [(10, 5), (10, 3)], name
            else:
                assert kept == [None, None], name


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
    loss, accuracy = _fast.train_epoch(
        X,
        Y,
        weights,
        biases,
        optimizer,
        activation="relu",
        out_activation="softmax",
        alpha=0.2,
        batch_size=20,
        sample_weight=sw,
        workspace=workspace,
    )

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
    assert loss == pytest.approx(total / 53, rel=1e-12)
    assert accuracy == correct / 53


@pytest.mark.parametrize("out", OUTPUTS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample-weights"])
def test_held_out_scores_are_the_readable_loss_and_score(out, weighted):
    """HeldOut's loss is the readable one to 1e-12, its score exactly the readable accuracy (or R², to 1e-12)."""
    X, _, Y, sw = _problem(5, n=33, out=out)
    sw = sw if weighted else None
    sizes = [7, 6, Y.shape[1]]
    _, weights, biases = F.initialize_weights(sizes, "tanh", rng=1)
    P = F.forward_pass(X, weights, biases, "tanh", out)[-1]
    expected_loss = F.compute_loss(Y, P, weights, 0.2, sw, out)
    held_out = _fast.HeldOut(X, Y, sw, sizes, out)
    for _ in range(2):  # the buffers are reused
        loss, score = held_out.scores(weights, biases, "tanh", 0.2)
        assert loss == pytest.approx(expected_loss, rel=1e-12)
        if out in ("softmax", "logistic"):
            assert score == float(np.average(F.correct_mask(Y, P, out), weights=sw))
        else:
            assert score == pytest.approx(r2_score(Y, P, sample_weight=sw), rel=1e-12)
