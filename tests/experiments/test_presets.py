"""The presets: the original project's studies, done right."""

import numpy as np
import pytest

from digitnet.errors import UsageError
from digitnet.experiments import PRESETS, run_preset


def test_presets_are_the_studies_asked_for():
    lr = PRESETS["learning-rate"]
    assert lr.grid == {"learning_rate_init": [0.1, 0.01, 0.001, 0.0001]}
    assert lr.base_params["max_iter"] == 1000
    epochs = PRESETS["epochs"]
    assert epochs.grid == {"max_iter": [1000, 2000, 3000, 4000, 5000]}
    for preset in (lr, epochs):  # full-batch gradient descent
        p = preset.base_params
        assert (p["solver"], p["momentum"], p["batch_size"], p["learning_rate"]) == ("sgd", 0.0, "full", "constant")
    arch = PRESETS["architecture"]
    shapes = arch.grid["hidden_layer_sizes"]
    assert {len(s) for s in shapes} == {1, 2, 3} and min(map(min, shapes)) == 16 and max(map(max, shapes)) == 256
    assert set(arch.grid["activation"]) == {"logistic", "tanh", "relu", "leaky_relu", "elu"}
    original = PRESETS["original-to-ours"].grid[0]
    assert original["activation"] == ["logistic"] and original["weight_init"] == ["small_normal"]


def test_learning_rate_preset_uses_the_learning_rate(split, fit_fresh):
    """The original bug: the loop ignored the learning rate. Here each rate gives its own full-batch run."""
    result = run_preset("learning-rate", split, params={"max_iter": 3}, progress=False)
    runs = result.runs
    assert list(runs.learning_rate_init) == [0.1, 0.01, 0.001, 0.0001]
    assert runs.train_loss.is_monotonic_increasing  # bigger steps, lower loss after 3 epochs
    # full batch = the whole training part in one step per epoch, from the same start for every rate
    fresh = fit_fresh(dict(hidden_layer_sizes=(64,), solver="sgd", batch_size=len(split.y_train), momentum=0.0,
                        shuffle=False, tol=0.0, n_iter_no_change=np.inf, learning_rate_init=0.001), 3, 0, split)
    assert result.curves[runs.run_id[2]] == fresh.history_


def test_epochs_preset_trains_once(split):
    result = run_preset("epochs", split, grid={"max_iter": [2, 4, 6]}, progress=False)
    assert result.config["n_trainings"] == 1
    assert list(result.runs.n_iter) == [2, 4, 6]
    assert result.config["preset"] == "epochs"


def test_architecture_preset_selects_on_validation_and_tests_once(split):
    result = run_preset("architecture", split, grid={"hidden_layer_sizes": [(8,), (16, 8)],
                                                     "activation": ["relu", "elu"]},
                        params={"max_iter": 5}, progress=False)
    runs, best = result.runs, result.best
    assert len(runs) == 4
    chosen = runs[runs.config == best["config"]]
    assert best["val_accuracy"] == runs.val_accuracy.max() == chosen.val_accuracy.iloc[0]
    assert runs.test_accuracy.notna().sum() == 1  # only the chosen configuration saw the test set
    assert 0 <= best["test_accuracy"] <= 1 and best["test_accuracy"] == chosen.test_accuracy.iloc[0]


def test_seed_preset_reports_accuracies_as_fractions(split):
    result = run_preset("seed", split, grid={"max_iter": [3]}, progress=False)
    runs = result.runs
    assert list(runs.label) == ["original", "original + glorot init", "ours (relu, adam, glorot)"]
    assert runs.test_accuracy.between(0, 1).all() and runs.val_accuracy.between(0, 1).all()


def test_unknown_preset():
    with pytest.raises(UsageError, match="unknown preset 'lr'"):
        run_preset("lr", progress=False)
