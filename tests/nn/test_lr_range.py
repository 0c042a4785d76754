"""The learning-rate range test: its ramp, its stop, its reading, and its starting weights (the estimators')."""

import warnings

import numpy as np
import pytest
from sklearn.preprocessing import LabelBinarizer

import digitnet.functional as F
from digitnet import NumpyMLPClassifier
from digitnet.nn.lr_range import explosion, lr_range_test, read_rates, smooth


def linear_regression(seed=0, n=200):
    """A network with no hidden layer and an identity output: a quadratic loss, whose Hessian is X'X / n."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) * np.array([3.0, 1.0, 0.5, 0.2])
    Y = X @ rng.normal(size=(4, 1)) + 0.1 * rng.normal(size=(n, 1))
    params = F.initialize_weights([4, 1], "identity", rng=seed)
    return X, Y, params.weights, params.biases


def test_the_ramp_is_exponential_and_the_weights_are_left_alone(small_digits):
    X, y = small_digits
    Y = LabelBinarizer().fit_transform(y).astype(float)
    params = F.initialize_weights([64, 16, 10], "relu", rng=0)
    before = params.flat.copy()
    test = lr_range_test(X, Y, params.weights, params.biases, min_rate=1e-4, max_rate=1e-1, steps=50)
    assert np.array_equal(params.flat, before)
    assert len(test.rates) == len(test.losses) == len(test.smoothed) == 50 and test.stopped is None
    assert test.rates[0] == pytest.approx(1e-4) and test.rates[-1] == pytest.approx(1e-1)
    assert np.allclose(np.diff(np.log(test.rates)), np.log(1e3) / 49)
    assert test.losses[-1] < test.losses[0]  # it trained
    assert test.rates[0] <= test.suggested <= test.rates[-1]


def test_the_loss_explodes_only_past_the_stability_limit():
    """On a quadratic, gradient descent diverges exactly above 2 / lambda_max: the test may stop only there."""
    X, Y, weights, biases = linear_regression()
    lam = F.sharpness(X, Y, weights, biases, "identity", out_activation="identity")[0]
    test = lr_range_test(
        X,
        Y,
        weights,
        biases,
        activation="identity",
        out_activation="identity",
        batch_size=len(X),
        min_rate=1e-3,
        max_rate=100.0,
        steps=300,
        alpha=0.0,
    )
    assert test.stopped == "the loss exploded (4 times its lowest)" and test.rates[-1] < 100
    onset = explosion(test.losses)
    assert test.rates[onset] > 2 / lam  # the losses explode past the limit, never below it
    assert np.all(np.isnan(test.smoothed[onset:])) and np.all(np.isfinite(test.smoothed[:onset]))
    assert test.suggested < 2 / lam


def test_a_loss_that_is_not_finite_stops_it():
    X, Y, weights, biases = linear_regression()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning escapes
        test = lr_range_test(
            X * 1e200, Y, weights, biases, activation="identity", out_activation="identity", batch_size=len(X), steps=20
        )
    assert test.stopped == "the loss is not finite" and len(test.losses) == 1 and np.isnan(test.suggested)


def test_the_smoothing_has_no_lag():
    """Savitzky-Golay fits a quadratic over a centred window: a quadratic sequence comes back exactly."""
    i = np.arange(400.0)
    curve = 3.0 - 0.005 * i + 6e-6 * i**2
    assert np.allclose(smooth(curve), curve, rtol=0, atol=1e-12)
    noisy = curve + np.random.default_rng(0).normal(0, 0.05, size=400)
    assert np.abs(smooth(noisy) - curve).mean() < np.abs(noisy - curve).mean() / 2


def test_the_rates_read_off_a_known_curve():
    """A loss falling as a logistic in log(rate), steepest at 0.1, lowest at 3: the reading finds both."""
    rates = np.geomspace(1e-5, 10, 241)
    x = np.log10(rates)
    loss = 2.5 - 2 / (1 + np.exp(-4 * (x + 1))) + 5 * np.maximum(x - np.log10(3), 0) ** 2
    steepest, minimum = read_rates(rates, loss)
    assert steepest == pytest.approx(0.1, rel=0.03) and minimum == pytest.approx(3, rel=0.03)


def test_explosion_is_the_first_loss_four_times_the_lowest_before_it():
    assert explosion([3.0, 2.0, 1.0, 3.9, 4.1, 50.0]) == 4
    assert explosion([3.0, 2.0, np.inf, 1.0]) == 2
    assert explosion([3.0, 2.0, 1.0]) == 3


def test_lr_find_starts_from_the_estimators_weights(small_digits):
    """The first loss, before any step, is the loss of NumpyMLPClassifier(random_state=s)'s starting weights."""
    X, y = small_digits
    test = F.lr_find(X, y, hidden_layer_sizes=(16,), batch_size="full", steps=5, random_state=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = NumpyMLPClassifier(
            (16,), solver="sgd", batch_size=len(X), shuffle=False, max_iter=1, random_state=7
        ).fit(X, y)
    assert test.losses[0] == pytest.approx(model.loss_curve_[0], rel=1e-12)


def test_lr_find_two_classes_multilabel_and_regression(small_digits):
    X, y = small_digits
    assert len(F.lr_find(X, y % 2, hidden_layer_sizes=(8,), steps=10).losses) == 10  # one logistic unit
    labels = np.column_stack([y % 2, y > 4]).astype(int)
    assert len(F.lr_find(X, labels, hidden_layer_sizes=(8,), steps=10).losses) == 10  # logistic units
    assert len(F.lr_find(X, y / 9, hidden_layer_sizes=(8,), steps=10, task="regression").losses) == 10


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(min_rate=0.0), "the rates must satisfy 0 < min_rate < max_rate"),
        (dict(min_rate=1.0, max_rate=0.5), "the rates must satisfy 0 < min_rate < max_rate"),
        (dict(max_rate=np.inf), "the rates must satisfy 0 < min_rate < max_rate"),
        (dict(steps=1), "steps must be at least 2, got 1"),
        (dict(batch_size=0), "batch_size must be at least 1, got 0"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    X, Y, weights, biases = linear_regression()
    with pytest.raises(ValueError, match=message):
        lr_range_test(X, Y, weights, biases, activation="identity", out_activation="identity", **kwargs)


def test_lr_find_refuses_one_class_and_unknown_settings(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="the range test needs at least two classes; the labels hold 1"):
        F.lr_find(X, np.zeros(len(X)), steps=3)
    with pytest.raises(ValueError, match="ramps the rate of sgd or adam, got solver='lbfgs'"):
        F.lr_find(X, y, solver="lbfgs")
    with pytest.raises(ValueError, match="task must be one of"):
        F.lr_find(X, y, task="ranking")
