"""Training: full-batch gradient descent learns the digits, the learning rate matters, divergence is reported."""

import numpy as np
import pytest

from digitnet import functional as F


def test_train_model_full_batch_learns_digits(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    weights, biases, history = F.train_model(
        X_train, y_train, (32,), "logistic", epochs=200, learning_rate=0.5, random_state=0, X_val=X_test, y_val=y_test
    )
    assert len(history["loss"]) == 200 and len(history["val_accuracy"]) == 200
    assert history["loss"][-1] < history["loss"][0] / 5
    accuracy = np.mean(F.predict(X_test, weights, biases, "logistic") == y_test)
    assert 0.9 < accuracy <= 1.0
    assert history["val_accuracy"][-1] == pytest.approx(accuracy)


def test_train_model_learning_rate_changes_training(digits_split):
    """The original project's loop ignored the learning rate; here it must matter."""
    X_train, _, y_train, _ = digits_split
    losses = [
        F.train_model(X_train, y_train, (16,), epochs=50, learning_rate=lr, random_state=0)[2]["loss"][-1]
        for lr in (0.001, 0.1, 1.0)
    ]
    assert losses[0] > losses[1] + 0.3 > losses[2] + 0.6


def test_train_model_reports_divergence():
    X = np.random.default_rng(0).normal(size=(50, 4)) * 1e3
    y = np.arange(50) % 3
    with pytest.raises(FloatingPointError, match="diverged at epoch .*smaller learning_rate"):
        with np.errstate(all="ignore"):
            F.train_model(X, y, (8,), "identity", epochs=50, learning_rate=1e6, random_state=0)
