"""The math, proved: finite-difference gradients, activation derivatives, stable functions."""

import warnings

import numpy as np
import pytest

from digitnet import functional as F

HIDDEN = ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu"]


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
    weights, biases = F.initialize_weights(sizes, activation, "glorot", rng)
    flat = weights[0].base.copy()
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
        numeric[i] = (_loss_at(up, sizes, X, Y, activation, out_activation, alpha, sw)
                      - _loss_at(down, sizes, X, Y, activation, out_activation, alpha, sw)) / (2 * h)
    relative = np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), 1e-8)
    assert relative.max() < 1e-5, f"worst relative error {relative.max():.2e}"


@pytest.mark.parametrize("activation", HIDDEN)
def test_derivative_from_output_matches_numeric_slope(activation):
    z = np.linspace(-3, 3, 61)
    z = z[np.abs(z) > 1e-3]  # away from the kink of relu-like units
    f, df = F.ACTIVATIONS[activation], F.DERIVATIVES[activation]
    numeric = (f(z + 1e-6) - f(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(df(f(z)), numeric, rtol=1e-6, atol=1e-8)
    delta = np.full_like(z, 2.0)
    np.testing.assert_allclose(df(f(z), delta), 2 * numeric, rtol=1e-6, atol=1e-8)  # in place
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
            assert np.isfinite(f(Z.copy())).all(), name
        P = F.softmax(Z.copy())
        assert np.isfinite(F.log_softmax(Z)).all()
        assert np.isfinite(F.log_sigmoid(Z)).all()
        Y = np.array([[1.0, 0, 0], [0, 0, 1.0]])  # both rows confidently wrong
        loss = F.compute_loss(Y, P)
        assert np.isfinite(loss) and loss > 30
        s = F.sigmoid(np.array([[-1e4], [1e4]]))
        assert np.isfinite(F.compute_loss(np.array([[1.0], [0.0]]), s, out_activation="logistic"))
    np.testing.assert_array_equal(F.sigmoid(np.array([-1e4, 1e4])), [0.0, 1.0])


def test_parameters_live_in_one_flat_buffer():
    sizes = [64, 32, 16, 10]
    weights, biases = F.initialize_weights(sizes, rng=0)
    flat = weights[0].base
    assert flat.size == F.n_parameters(sizes) == 64 * 32 + 32 * 16 + 16 * 10 + 32 + 16 + 10
    assert all(a.base is flat for a in weights + biases)
    flat[:] = 0
    assert all(not a.any() for a in weights + biases)
    assert [w.shape for w in weights] == [(64, 32), (32, 16), (16, 10)]


@pytest.mark.parametrize("activation, factor", [("relu", 6.0), ("logistic", 2.0)])
def test_glorot_init_range_matches_mlpclassifier(activation, factor):
    weights, biases = F.initialize_weights([64, 100, 10], activation, "glorot", rng=1)
    for W, b in zip(weights, biases):
        bound = np.sqrt(factor / sum(W.shape))
        assert np.abs(W).max() <= bound and np.abs(W).max() > 0.9 * bound
        assert np.abs(b).max() <= bound


def test_he_and_small_normal_init():
    weights, biases = F.initialize_weights([400, 300, 10], "relu", "he", rng=2)
    assert abs(weights[0].std() - np.sqrt(2 / 400)) < 0.05 * np.sqrt(2 / 400)
    assert not any(b.any() for b in biases)
    weights, _ = F.initialize_weights([400, 300, 10], "logistic", "small_normal", rng=2)
    assert abs(weights[0].std() - 0.01) < 0.0005
    with pytest.raises(ValueError, match="weight_init must be one of"):
        F.initialize_weights([4, 2], method="zeros")


def test_train_model_full_batch_learns_digits(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    weights, biases, history = F.train_model(X_train, y_train, (32,), "logistic", epochs=200, learning_rate=0.5,
                                             random_state=0, X_val=X_test, y_val=y_test)
    assert len(history["loss"]) == 200 and len(history["val_accuracy"]) == 200
    assert history["loss"][-1] < history["loss"][0] / 5
    accuracy = np.mean(F.predict(X_test, weights, biases, "logistic") == y_test)
    assert 0.9 < accuracy <= 1.0
    assert history["val_accuracy"][-1] == pytest.approx(accuracy)


def test_train_model_learning_rate_changes_training(digits_split):
    """The original project's loop ignored the learning rate; here it must matter."""
    X_train, _, y_train, _ = digits_split
    losses = [F.train_model(X_train, y_train, (16,), epochs=50, learning_rate=lr, random_state=0)[2]["loss"][-1]
              for lr in (0.001, 0.1, 1.0)]
    assert losses[0] > losses[1] + 0.3 > losses[2] + 0.6


def test_train_model_reports_divergence():
    X = np.random.default_rng(0).normal(size=(50, 4)) * 1e3
    y = np.arange(50) % 3
    with pytest.raises(FloatingPointError, match="diverged at epoch .*smaller learning_rate"):
        with np.errstate(all="ignore"):
            F.train_model(X, y, (8,), "identity", epochs=50, learning_rate=1e6, random_state=0)


def test_train_epoch_given_labels_follow_the_shuffled_rows(digits_split):
    """Labels passed in (to skip an argmax every epoch) are permuted with the rows: same epoch as without them."""
    from digitnet.optimizers import SGD

    X, _, y, _ = digits_split
    Y = np.eye(10)[y]
    order = np.random.default_rng(1).permutation(len(y))
    results = []
    for labels in (None, y):
        weights, biases = F.initialize_weights([64, 16, 10], "relu", rng=0)
        optimizer = SGD(weights[0].base, 0.1)
        loss, accuracy = F.train_epoch(X, Y, weights, biases, optimizer, batch_size=len(y), order=order,
                                       labels=labels)
        results.append((loss, accuracy, weights[0].base.copy()))
    (loss, accuracy, params), (loss_l, accuracy_l, params_l) = results
    assert (loss_l, accuracy_l) == (loss, accuracy)
    np.testing.assert_array_equal(params_l, params)
    # one full batch: the accuracy is that of the starting weights on every row
    start_weights, start_biases = F.initialize_weights([64, 16, 10], "relu", rng=0)
    assert accuracy_l == np.mean(F.predict(X, start_weights, start_biases) == y)


def test_backward_pass_on_flat_buffers_gives_the_same_gradients():
    """flat=(params, grad) applies the penalty and 1/S to the whole network at once: same numbers as layer by layer."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 7)), rng.integers(0, 4, 30)
    Y, sw = np.eye(4)[y], rng.uniform(0.5, 2.0, 30)
    sizes = [7, 6, 5, 4]
    weights, biases = F.initialize_weights(sizes, "tanh", rng=0)
    activations = F.forward_pass(X, weights, biases, "tanh")
    expected = F.backward_pass(activations, Y, weights, "tanh", alpha=0.3, sample_weight=sw)
    grad = np.empty_like(weights[0].base)
    got = F.backward_pass(activations, Y, weights, "tanh", alpha=0.3, sample_weight=sw,
                          grads=F.unpack(grad, sizes), flat=(weights[0].base, grad))
    for e, g in zip(expected[0] + expected[1], got[0] + got[1]):
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample-weights"])
@pytest.mark.parametrize("workspace_rows", [None, 20], ids=["own-workspace", "workspace-for-one-batch"])
def test_train_epoch_loss_and_accuracy_are_those_of_each_batch_before_its_step(weighted, workspace_rows):
    """The epoch's loss and accuracy, computed at the end from the stored outputs, equal a plain loop's:
    each batch's loss (penalty at that step's weights) weighted by its size, and its right predictions."""
    from digitnet.optimizers import SGD

    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(53, 6)), rng.integers(0, 3, 53)
    Y = np.eye(3)[y]
    sw = rng.uniform(0.5, 2.0, 53) if weighted else None
    sizes = [6, 8, 3]
    weights, biases = F.initialize_weights(sizes, "relu", rng=0)
    optimizer = SGD(weights[0].base, 0.5)
    workspace = None if workspace_rows is None else F.Workspace(sizes, workspace_rows, X.dtype)  # outputs: 20 rows
    loss, accuracy = F.train_epoch(X, Y, weights, biases, optimizer, alpha=0.2, batch_size=20, sample_weight=sw,
                                   workspace=workspace)

    weights, biases = F.initialize_weights(sizes, "relu", rng=0)
    optimizer = SGD(weights[0].base, 0.5)
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
