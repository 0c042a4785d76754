"""Sweeps: tables and curves, reproducible whatever the number of workers, max_iter read off, cv, divergence."""

import math

import numpy as np
import pandas as pd
import pytest

from digitnet.errors import UsageError
from digitnet.experiments import sweep


def test_sweep_table_and_curves(split):
    result = sweep(
        {"hidden_layer_sizes": [(8,), (8, 4)], "learning_rate_init": [0.01, 0.1]},
        split,
        seeds=2,
        progress=False,
        base_params={"max_iter": 4},
    )
    runs = result.runs
    assert len(runs) == 8
    assert list(runs.columns[:4]) == ["hidden_layer_sizes", "learning_rate_init", "seed", "run_id"]
    assert set(runs.hidden_layer_sizes) == {"8", "8-4"}
    for column in ("val_accuracy", "test_accuracy", "test_f1", "train_loss", "fit_seconds", "n_iter"):
        assert column in runs
    assert runs.val_accuracy.between(0, 1).all() and runs.test_accuracy.between(0, 1).all()
    assert (runs.n_iter == 4).all()
    assert set(result.curves) == set(runs.run_id)
    curve = result.curves[runs.run_id[0]]
    assert set(curve) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 4 for v in curve.values())
    assert result.params[0]["max_iter"] == 4 and result.config.seeds == [0, 1]


def test_sweep_is_reproducible_and_independent_of_n_jobs(split):
    grid = {"hidden_layer_sizes": [(6,), (10,)], "max_iter": [2, 3]}
    kwargs = dict(seeds=2, progress=False, base_params={"solver": "sgd", "batch_size": 64})
    first = sweep(grid, split, **kwargs).runs.drop(columns="fit_seconds")
    again = sweep(grid, split, **kwargs).runs.drop(columns="fit_seconds")
    parallel = sweep(grid, split, n_jobs=2, **kwargs).runs.drop(columns="fit_seconds")
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, parallel, check_exact=False, rtol=1e-12)


def test_max_iter_axis_is_trained_once(split):
    result = sweep(
        {"max_iter": [2, 4, 6]},
        split,
        seeds=(0, 3),
        progress=False,
        base_params={"hidden_layer_sizes": (8,), "solver": "sgd"},
    )
    assert result.config.n_trainings == 2  # one per seed, not one per epoch count
    assert list(result.runs.n_iter) == [2, 2, 4, 4, 6, 6]
    # lbfgs (iterations, not epochs) and early stopping are trained separately
    lbfgs = sweep(
        {"max_iter": [2, 4]}, split, progress=False, base_params={"hidden_layer_sizes": (8,), "solver": "lbfgs"}
    )
    assert lbfgs.config.n_trainings == 2


def test_sweep_cross_validation(split):
    result = sweep({"hidden_layer_sizes": [(8,)], "max_iter": [2, 3]}, split, cv=3, progress=False)
    runs = result.runs
    assert list(runs.n_folds) == [3, 3]
    assert runs.val_accuracy_std.notna().all() and (runs.val_accuracy_std >= 0).all()
    assert result.config.n_trainings == 3
    assert len(result.curves[runs.run_id[1]]["val_accuracy"]) == 3
    with pytest.raises(UsageError, match="at least 2 folds"):
        sweep({"max_iter": [2]}, split, cv=1, progress=False)


def test_sweep_records_a_diverging_run_as_a_result(split):
    """Divergence is a result: the epoch it happened, the curve up to there, no score (and no crash)."""
    result = sweep(
        {"learning_rate_init": [0.01, 1e100, 3.0]},
        split,
        progress=False,
        base_params={
            "hidden_layer_sizes": (8,),
            "solver": "sgd",
            "max_iter": 30,
            "momentum": 0.0,
            "batch_size": "full",
            "shuffle": False,
            "tol": 0.0,
        },
    )
    runs = result.runs
    assert "error" not in runs and pd.isna(runs.diverged_at[0]) and runs.test_accuracy[0] > 0
    assert runs.diverged_at[1] == 2 and runs.n_iter[1] == 1  # the first epoch is fine, the second explodes
    assert math.isnan(runs.test_accuracy[1]) and math.isnan(runs.val_accuracy[1])
    curve = result.curves[runs.run_id[1]]["loss"]
    assert len(curve) == 1 and np.isfinite(curve).all()


def test_a_configuration_too_large_for_the_machine_is_a_failed_run_and_the_others_go_on(split):
    result = sweep({"hidden_layer_sizes": [(8,), (100000, 100000)]}, split, progress=False, base_params={"max_iter": 2})
    runs = result.runs.set_index("hidden_layer_sizes")
    assert runs.loc["8", "error"] == "" and runs.loc["8", "val_accuracy"] > 0
    assert (
        "needs about" in runs.loc["100000-100000", "error"]
        and "use smaller hidden_layer_sizes" in runs.loc["100000-100000", "error"]
    )


def test_seeds_are_bounded(split):
    with pytest.raises(UsageError, match="the number of seeds must be from 1 to 10,000, got 1000000000"):
        sweep({"max_iter": [2]}, split, seeds=10**9, progress=False)
