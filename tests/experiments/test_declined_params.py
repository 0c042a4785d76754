"""The features scikit-learn declined as sweep parameters: checked like every parameter, left out of a run's identity
at their defaults (every run stored before them keeps its id), read off at several epoch counts only where that is
exact, and refused where an experiment cannot take them (callbacks, an activation given as functions)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from digitnet.errors import UsageError
from digitnet.experiments import Task, check_params, resolved_params, run_task, sweep
from digitnet.experiments.compare import compare
from digitnet.experiments.params import DECLINED, check_combination
from digitnet.experiments.runs import reusable

#: Every parameter a run's identity named before issue 21 (resolved_params' keys then).
BEFORE = {
    "hidden_layer_sizes",
    "activation",
    "solver",
    "alpha",
    "batch_size",
    "learning_rate",
    "learning_rate_init",
    "power_t",
    "max_iter",
    "shuffle",
    "tol",
    "momentum",
    "nesterovs_momentum",
    "early_stopping",
    "validation_fraction",
    "beta_1",
    "beta_2",
    "epsilon",
    "n_iter_no_change",
    "max_fun",
    "weight_init",
}


def test_a_runs_identity_names_the_declined_features_only_when_they_are_set():
    assert set(resolved_params({})) == BEFORE
    defaults = {
        "dropout": 0,
        "class_weight": None,
        "label_smoothing": 0.0,
        "weight_decay": 0.01,
        "rho": 0.99,
        "warmup": 0,
        "step_every": 50,
        "step_factor": 0.1,
    }
    assert set(defaults) == set(DECLINED)
    assert resolved_params(defaults) == resolved_params({})
    changed = resolved_params({"dropout": 0.2, "class_weight": "balanced", "step_every": 10})
    assert set(changed) == BEFORE | {"dropout", "class_weight", "step_every"} and changed["dropout"] == 0.2
    assert resolved_params({"label_smoothing": 1})["label_smoothing"] == 1.0  # an int is the same run as the float


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"callbacks": []},
            "parameter 'callbacks' takes objects that act during one fit; an experiment's runs are named"
            " and stored by their settings",
        ),
        (
            {"activation": (np.tanh, np.cos)},
            "an experiment takes an activation by its name (the registered ones: identity,",
        ),
        ({"dropout": 0.3, "solver": "lbfgs"}, "dropout needs a stochastic solver"),
        (
            {"dropout": (0.3, 0.2), "hidden_layer_sizes": (8,)},
            "dropout has 2 rates but the network has 1 hidden layer(s)",
        ),
        (
            {"learning_rate": "cosine", "warmup": 10, "max_iter": 10},
            "the cosine schedule's warmup (10 epochs) must be shorter than max_iter (10)",
        ),
        ({"solver": "adamW"}, "did you mean solver=adamw? (choices are lower case)"),
        ({"rho": 1.0}, "The 'rho' parameter of NumpyMLPClassifier must be a float in the range [0.0, 1.0). Got 1.0"),
    ],
)
def test_bad_declined_settings_are_refused_before_any_run(params, message):
    with pytest.raises(UsageError) as error:
        check_combination(check_params(params))
    assert message in str(error.value)


def test_a_sweep_judges_combinations_on_whole_configurations(split):
    """Per-layer rates fit the shared hidden layers, and one bad configuration refuses the sweep before any run."""
    assert check_params({"dropout": (0.3, 0.2)}) == {"dropout": (0.3, 0.2)}  # alone, each setting is valid
    with pytest.raises(UsageError, match=r"dropout has 2 rates but the network has 3 hidden layer\(s\)"):
        sweep({"dropout": [0.1, (0.3, 0.2)]}, split, base_params={"hidden_layer_sizes": (8, 4, 4)}, progress=False)


def test_schedules_spread_over_max_iter_are_never_read_off_another_trainings_epochs():
    assert reusable({"solver": "nadam", "learning_rate": "step", "dropout": 0.2})
    assert not reusable({"learning_rate": "cosine"}) and not reusable(
        {"solver": "rmsprop", "learning_rate": "onecycle"}
    )


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="nadam", learning_rate="step", step_every=2, step_factor=0.5, dropout=0.2, learning_rate_init=0.01),
        dict(solver="adamw", weight_decay=0.1, label_smoothing=0.1, class_weight="balanced", activation="silu"),
        dict(solver="rmsprop", learning_rate="adaptive", tol=0.05, n_iter_no_change=2, dropout=(0.3,)),
    ],
    ids=["nadam-step-dropout", "adamw-smoothing-balanced-silu", "rmsprop-adaptive-dropout"],
)
def test_read_off_at_each_epoch_count_equals_a_fresh_fit(split, fit_fresh, params):
    """One training read off at 2 and 5 epochs gives, bit for bit, fresh fits of 2 and 5 epochs: the optimizer, its
    schedule and the stream dropout draws from go on across the segments."""
    params = {"hidden_layer_sizes": (16,), "batch_size": 64, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        records = run_task(Task(params=params, checkpoints=(2, 5), config_ids=(0, 1), seed=3), (split, None))
    for record, k in zip(records, (2, 5)):
        fresh = fit_fresh(params, k, 3, split)
        assert record.error is None and record.curve == fresh.history_
        assert record.test_accuracy == fresh.score(split.X_test, split.y_test)


def test_a_sweep_over_the_declined_features_runs_each_configuration(split):
    grid = {"dropout": [0.0, 0.3], "solver": ["adam", "adamw"], "max_iter": [3]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = sweep(grid, split, seeds=1, progress=False, base_params={"hidden_layer_sizes": (8,)})
    runs = result.runs
    assert len(runs) == 4 and runs.test_accuracy.between(0, 1).all()
    assert set(zip(runs.dropout, runs.solver)) == {(0.0, "adam"), (0.3, "adam"), (0.0, "adamw"), (0.3, "adamw")}


def test_compare_gives_the_features_to_ours_only_and_refuses_what_mlpclassifier_lacks(split):
    with pytest.raises(
        UsageError, match="MLPClassifier has no solver 'adamw'; compare needs one both support: lbfgs, sgd, adam"
    ):
        compare(split, seeds=1, solver="adamw")
    with pytest.raises(UsageError, match="MLPClassifier has no learning_rate 'cosine'"):
        compare(split, seeds=1, learning_rate="cosine")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = compare(split, seeds=1, hidden_layer_sizes=(8,), max_iter=3, dropout=0.2)
    assert result.config["params"]["dropout"] == 0.2 and "dropout" not in result.config["sklearn_params"]
