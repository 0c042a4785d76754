"""The divergence rule (digitnet.nn.divergence): its reference, computed before the first update, its ceiling,
and the readable and fast starting losses."""

import math

import numpy as np
import pytest
from scipy.stats import entropy
from sklearn.metrics import mean_poisson_deviance

from digitnet import functional as F
from digitnet.nn import _fast, network
from digitnet.nn.divergence import DIVERGENCE_FACTOR, DivergenceRule, baseline_loss, divergence_epoch
from digitnet.nn.optimizers import SGD
from digitnet.nn.training import starting_loss, train_epoch


def _problem(out_activation, n=53, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    if out_activation == "softmax":
        Y = np.eye(4)[rng.integers(0, 4, n)]
    elif out_activation == "logistic":
        Y = (rng.random((n, 3)) < 0.3).astype(float)
    elif out_activation == "exp":
        Y = rng.poisson(2.0, size=(n, 2)).astype(float)
    else:
        Y = rng.normal(3.0, 2.0, size=(n, 2))
    flat, weights, biases = network.initialize_weights([6, 9, 7, Y.shape[1]], "tanh", rng=seed)
    return X, Y, flat, weights, biases


@pytest.mark.parametrize("out_activation", ["softmax", "logistic", "identity", "exp"])
@pytest.mark.parametrize("batch_size, weighted", [(53, False), (10, True), (1, False)])
def test_the_fast_starting_loss_is_the_readable_one_to_1e_12(out_activation, batch_size, weighted):
    """The readable path reads like the formulas, the fast one sums as scikit-learn does: equal to 1e-12 (the
    fast path's own numbers are guarded bit for bit by tests/test_drop_in.py and benchmarks/same_numbers.py)."""
    X, Y, flat, weights, biases = _problem(out_activation)
    sw = np.random.default_rng(1).random(len(X)) + 0.5 if weighted else None
    args = dict(activation="tanh", out_activation=out_activation, alpha=0.3, batch_size=batch_size, sample_weight=sw)
    readable = starting_loss(X, Y, weights, biases, **args)
    workspace = _fast.Workspace([6, 9, 7, Y.shape[1]], batch_size, X.dtype, len(X))
    before = flat.copy()
    assert _fast.starting_loss(X, Y, weights, biases, workspace=workspace, **args) == pytest.approx(readable, rel=1e-12)
    np.testing.assert_array_equal(flat, before)  # a forward pass only: no weight moved
    assert np.isfinite(readable) and readable > 0


@pytest.mark.parametrize("batch_size", [53, 10])
def test_the_starting_loss_is_what_an_epoch_records_when_no_step_changes_the_weights(batch_size):
    """Full batch: the first epoch's loss is taken before its only step, so it is the starting loss exactly; with
    mini-batches and a learning rate of nearly 0, the same number up to rounding."""
    X, Y, flat, weights, biases = _problem("softmax")
    start = starting_loss(X, Y, weights, biases, activation="tanh", alpha=0.3, batch_size=batch_size)
    rate = 1.0 if batch_size == 53 else 1e-300
    epoch_loss = train_epoch(
        X, Y, weights, biases, SGD(flat, rate), activation="tanh", alpha=0.3, batch_size=batch_size
    )[0]
    if batch_size == 53:
        assert epoch_loss == start
    else:
        assert epoch_loss == pytest.approx(start, rel=1e-14)


def test_the_baseline_is_the_loss_of_the_best_constant_prediction():
    X, Y, *_ = _problem("softmax")
    assert baseline_loss(Y) == pytest.approx(entropy(Y.sum(axis=0)), rel=1e-14)  # the labels' entropy
    balanced = np.eye(10)[np.arange(100) % 10]
    assert baseline_loss(balanced) == pytest.approx(math.log(10), rel=1e-14)
    _, Y, *_ = _problem("logistic")
    p = Y.mean(axis=0)
    assert baseline_loss(Y, "logistic") == pytest.approx(sum(entropy([q, 1 - q]) for q in p), rel=1e-14)
    _, Y, *_ = _problem("identity")
    assert baseline_loss(Y, "identity") == pytest.approx(0.5 * Y.var(axis=0).mean(), rel=1e-12)
    _, Y, *_ = _problem("exp")
    half_deviance = sum(mean_poisson_deviance(Y[:, k], np.full(len(Y), Y[:, k].mean())) / 2 for k in range(2))
    assert baseline_loss(Y, "exp") == pytest.approx(half_deviance, rel=1e-12)
    with np.errstate(all="raise"):  # no warning leaks out of it
        assert math.isnan(baseline_loss(np.zeros((5, 1)), "exp"))  # a Poisson target of zeros: no constant rate


def test_the_rule_compares_with_ten_times_the_larger_reference():
    rule = DivergenceRule(2.5, 2.3)
    assert DIVERGENCE_FACTOR == 10 and rule.reference == 2.5 and rule.ceiling == 25.0
    assert not rule.diverged(25.0) and rule.diverged(np.nextafter(25.0, 30)) and rule.diverged(np.float32("nan"))
    assert rule.epoch([2.0, 1.0, 24.0, 26.0, 0.1]) == 4
    warm = DivergenceRule(0.001, 2.3)  # a warm start from trained weights: the constant prediction is the floor
    assert warm.ceiling == 23.0 and warm.epoch([0.002, 0.05, 3.0]) is None
    assert DivergenceRule(0.5, math.nan).ceiling == 5.0
    for start in (math.inf, math.nan):  # the data already overflow: every epoch has diverged
        assert DivergenceRule(start, 2.3).epoch([0.1]) == 1
    assert divergence_epoch([1.0, math.inf], 1.0) == 2 and divergence_epoch([], 1.0) is None


def test_the_rule_says_where_and_how():
    rule = DivergenceRule(2.514, 2.302)
    assert rule.describe(1, 2.173e121) == (
        "diverged at epoch 1: the loss rose from 2.514 with the starting weights"
        " to 2.173e+121, more than 10 times as much"
    )
    assert DivergenceRule(0.01, 2.302).describe(4, 30.0) == (
        "diverged at epoch 4: the loss rose from 0.01 with the starting weights to 30, more than 10 times 2.302,"
        " the loss of a constant prediction"
    )
    assert rule.describe(7, math.nan, "iteration") == (
        "diverged at iteration 7: the loss became nan (from 2.514 with the starting weights)"
    )
    assert DivergenceRule(math.inf).describe(1, math.inf) == (
        "diverged at epoch 1: the loss of the starting weights is already inf, before any update"
    )


def test_train_model_stops_at_a_blow_up_within_the_first_epoch(digits_split):
    """One row a step at rate 10: the first epoch's mean loss is already huge (compared with it, nothing diverged)."""
    X_train, _, y_train, _ = digits_split
    with (
        np.errstate(all="ignore"),
        pytest.raises(
            FloatingPointError,
            match=r"^training diverged at epoch 1: the loss"
            r" rose from [0-9.]+ with the starting weights to [0-9.e+]+, more"
            r" than 10 times as much; use a smaller learning_rate$",
        ),
    ):
        F.train_model(
            X_train[:300],
            y_train[:300],
            (128, 64),
            "relu",
            epochs=3,
            learning_rate=10.0,
            batch_size=1,
            alpha=1e-4,
            random_state=0,
        )
