"""Synthetic inputs of the figure tests: a sweep, architectures, a comparison, predictions, a tiny real fit."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from digitnet import NumpyMLPClassifier

from .helpers import make_history


@pytest.fixture
def sweep():
    """A learning rate x epochs sweep, two seeds each, with its curves."""
    rows, curves = [], {}
    for lr in (1e-3, 1e-2, 1e-1):
        for epochs in (5, 20):
            for seed in (0, 1):
                run_id = f"lr={lr}-ep={epochs}-s={seed}"
                rows.append(
                    {
                        "hidden_layer_sizes": "64",
                        "activation": "relu",
                        "learning_rate_init": lr,
                        "max_iter": epochs,
                        "batch_size": 200,
                        "seed": seed,
                        "run_id": run_id,
                        "val_accuracy": 0.9 + lr / 2 + 0.001 * epochs,
                        "test_accuracy": 0.88 + lr / 2 + 0.002 * epochs + 0.01 * seed,
                        "test_f1": 0.9,
                        "train_loss": 0.1,
                        "fit_seconds": 0.5,
                        "n_iter": epochs,
                        "extra": "ignored",
                    }
                )
                curves[run_id] = make_history(epochs, 1 / (1 + 10 * lr), seed)
    return pd.DataFrame(rows), curves


@pytest.fixture
def architectures():
    rows = []
    rng = np.random.default_rng(0)
    for layers in ("16", "32", "64", "32-32", "64-64", "64-32"):
        for activation in ("relu", "tanh"):
            for seed in range(3):
                rows.append(
                    {
                        "hidden_layer_sizes": layers,
                        "activation": activation,
                        "seed": seed,
                        "run_id": f"{layers}-{activation}-{seed}",
                        "val_accuracy": 0.93 + 0.01 * len(layers) + 0.005 * rng.standard_normal(),
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture
def comparison():
    rng = np.random.default_rng(0)
    rows = []
    for model, base, seconds in (("digitnet", 0.975, 1.0), ("sklearn", 0.978, 2.0)):
        for seed in range(4):
            noise = 0.004 * rng.standard_normal(4)
            rows.append(
                {
                    "model": model,
                    "seed": seed,
                    "accuracy": base + noise[0],
                    "precision": base + noise[1],
                    "recall": base + noise[2],
                    "f1": base + noise[3],
                    "fit_seconds": seconds * (1 + 0.1 * rng.standard_normal()),
                    "n_iter": 150,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture
def predictions():
    """Labels with a few deliberate mistakes: 3 -> 8 three times, 9 -> 4 once, 1 -> 7 twice."""
    rng = np.random.default_rng(0)
    y_true = np.repeat(np.arange(10), 10)
    y_pred = y_true.copy()
    y_pred[30:33] = 8
    y_pred[90] = 4
    y_pred[10:12] = 7
    proba = np.full((100, 10), 0.01)
    proba[np.arange(100), y_pred] = rng.uniform(0.5, 0.99, 100)
    proba /= proba.sum(axis=1, keepdims=True)
    images = rng.uniform(0, 16, (100, 8, 8))
    return y_true, y_pred, proba, images


@pytest.fixture(scope="module")
def tiny_fit(request):
    """A real, quick fit: 16 hidden units, 20 epochs on 300 training digits."""
    X_train, X_test, y_train, y_test = request.getfixturevalue("digits_split")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = NumpyMLPClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0)
        model.fit(X_train[:300], y_train[:300], X_val=X_test, y_val=y_test)
    return model, X_test, y_test
