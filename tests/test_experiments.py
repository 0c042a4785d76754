"""compare, sweep, presets and result files (tiny grids, few epochs: the whole file runs in seconds)."""

import dataclasses
import json
import math
import os
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from digitnet import NumpyMLPClassifier
from digitnet.data import load_split
from digitnet.errors import UsageError
from digitnet.experiments import (
    PRESETS, Task, _paired_test, _Resumable, check_params, compare, expand_grid, format_layers, run_preset,
    run_task, save_results, sweep,
)


@pytest.fixture(scope="module")
def split():
    """The standard digits split with a validation part, cut to 300 training rows (quick to fit)."""
    full = load_split("digits", validation_size=0.2)
    return dataclasses.replace(full, X_train=full.X_train[:300], y_train=full.y_train[:300])


def _fresh(params, max_iter, seed, split):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return NumpyMLPClassifier(**params, max_iter=max_iter, random_state=seed).fit(
            split.X_train, split.y_train, validation_data=(split.X_val, split.y_val))


READ_OFF_CASES = {
    "full-batch-gd": dict(solver="sgd", batch_size=300, momentum=0.0, shuffle=False, tol=0.0,
                          n_iter_no_change=np.inf, learning_rate_init=0.1),
    "adam-shuffled-minibatches": dict(solver="adam", batch_size=64, learning_rate_init=0.01),
    "sgd-nesterov-invscaling": dict(solver="sgd", batch_size=50, momentum=0.9, learning_rate="invscaling",
                                    power_t=0.3, learning_rate_init=0.2),
    "sgd-adaptive-stalls": dict(solver="sgd", batch_size=100, learning_rate="adaptive", tol=0.05,
                                n_iter_no_change=2, learning_rate_init=0.05),
}


@pytest.mark.parametrize("params", READ_OFF_CASES.values(), ids=READ_OFF_CASES.keys())
def test_read_off_at_each_epoch_count_equals_a_fresh_fit(split, params):
    """One training read off at 3, 7 and 12 epochs gives, bit for bit, what fits with max_iter=3, 7, 12 give."""
    params = {"hidden_layer_sizes": (16,), **params}
    task = Task(params=params, checkpoints=(3, 7, 12), config_ids=(0, 1, 2), seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        records = run_task(task, (split, None))
    for record, k in zip(records, (3, 7, 12)):
        fresh = _fresh(params, k, 5, split)
        assert record["error"] is None
        assert record["n_iter"] == fresh.n_iter_
        assert record["curve"] == fresh.history_  # every epoch's loss, accuracy, val_loss, val_accuracy: exactly
        assert record["train_loss"] == fresh.loss_
        assert record["test_accuracy"] == fresh.score(split.X_test, split.y_test)
        assert record["val_accuracy"] == fresh.score(split.X_val, split.y_val)


def test_resumable_fits_continue_the_optimizer_exactly(split):
    params = dict(hidden_layer_sizes=(12,), solver="adam", batch_size=64, learning_rate_init=0.01)
    model = _Resumable(**params, max_iter=4, warm_start=True, random_state=np.random.default_rng(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(split.X_train, split.y_train)
        model.set_params(max_iter=5)
        model.fit(split.X_train, split.y_train)
    fresh = _fresh(params, 9, 2, split)
    for a, b in zip(model.coefs_ + model.intercepts_, fresh.coefs_ + fresh.intercepts_):
        np.testing.assert_array_equal(a, b)
    # a plain warm start would not do: it restarts Adam's moments
    plain = NumpyMLPClassifier(**params, max_iter=4, warm_start=True, random_state=np.random.default_rng(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain.fit(split.X_train, split.y_train)
        plain.set_params(max_iter=5)
        plain.fit(split.X_train, split.y_train)
    assert not np.array_equal(plain.coefs_[0], fresh.coefs_[0])


def test_read_off_after_an_early_stop_on_a_checkpoint(split):
    """If the stopping rule fires exactly at a checkpoint, later checkpoints keep that state, as fresh fits do."""
    params = dict(hidden_layer_sizes=(16,), solver="adam", batch_size=100, learning_rate_init=0.01, tol=0.05,
                  n_iter_no_change=2)
    stop = _fresh(params, 500, 1, split).n_iter_
    assert stop < 500
    task = Task(params=params, checkpoints=(stop - 1, stop, stop + 4), config_ids=(0, 1, 2), seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        records = run_task(task, (split, None))
    for record, k in zip(records, task.checkpoints):
        fresh = _fresh(params, k, 1, split)
        assert record["n_iter"] == fresh.n_iter_ == min(k, stop)
        assert record["curve"] == fresh.history_


def test_sweep_table_and_curves(split):
    result = sweep({"hidden_layer_sizes": [(8,), (8, 4)], "learning_rate_init": [0.01, 0.1]}, split, seeds=2,
                   progress=False, base_params={"max_iter": 4})
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
    assert result.params[0]["max_iter"] == 4 and result.config["seeds"] == [0, 1]


def test_sweep_is_reproducible_and_independent_of_n_jobs(split):
    grid = {"hidden_layer_sizes": [(6,), (10,)], "max_iter": [2, 3]}
    kwargs = dict(seeds=2, progress=False, base_params={"solver": "sgd", "batch_size": 64})
    first = sweep(grid, split, **kwargs).runs.drop(columns="fit_seconds")
    again = sweep(grid, split, **kwargs).runs.drop(columns="fit_seconds")
    parallel = sweep(grid, split, n_jobs=2, **kwargs).runs.drop(columns="fit_seconds")
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, parallel, check_exact=False, rtol=1e-12)


def test_max_iter_axis_is_trained_once(split):
    result = sweep({"max_iter": [2, 4, 6]}, split, seeds=(0, 3), progress=False,
                   base_params={"hidden_layer_sizes": (8,), "solver": "sgd"})
    assert result.config["n_trainings"] == 2  # one per seed, not one per epoch count
    assert list(result.runs.n_iter) == [2, 2, 4, 4, 6, 6]
    # lbfgs (iterations, not epochs) and early stopping are trained separately
    lbfgs = sweep({"max_iter": [2, 4]}, split, progress=False, base_params={"hidden_layer_sizes": (8,),
                                                                           "solver": "lbfgs"})
    assert lbfgs.config["n_trainings"] == 2


def test_sweep_cross_validation(split):
    result = sweep({"hidden_layer_sizes": [(8,)], "max_iter": [2, 3]}, split, cv=3, progress=False)
    runs = result.runs
    assert list(runs.n_folds) == [3, 3]
    assert runs.val_accuracy_std.notna().all() and (runs.val_accuracy_std >= 0).all()
    assert result.config["n_trainings"] == 3
    assert len(result.curves[runs.run_id[1]]["val_accuracy"]) == 3
    with pytest.raises(UsageError, match="at least 2 folds"):
        sweep({"max_iter": [2]}, split, cv=1, progress=False)


def test_sweep_records_a_diverging_run_instead_of_crashing(split):
    result = sweep({"learning_rate_init": [0.01, 1e100]}, split, progress=False,
                   base_params={"hidden_layer_sizes": (8,), "solver": "sgd", "max_iter": 5, "momentum": 0.0})
    runs = result.runs
    assert runs.error[0] == "" and "diverged" in runs.error[1]
    assert math.isnan(runs.test_accuracy[1]) and runs.test_accuracy[0] > 0


def test_expand_grid_and_labels():
    assert expand_grid({"a": [1, 2], "b": "x"}) == [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}]
    assert expand_grid([{"a": [1]}, {"b": [2, 3]}]) == [{"a": 1}, {"b": 2}, {"b": 3}]
    assert format_layers((64, 32)) == "64-32" and format_layers(10) == "10"


@pytest.mark.parametrize("params, message", [
    ({"hiden_layer_sizes": (8,)}, "unknown parameter 'hiden_layer_sizes'; did you mean 'hidden_layer_sizes'"),
    ({"activation": "swish"}, "The 'activation' parameter of NumpyMLPClassifier must be a str among"),
    ({"learning_rate_init": -1.0}, "The 'learning_rate_init' parameter"),
    ({"batch_size": "half"}, "'full' for the whole training set"),
    ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes must be positive integers"),
    ({"random_state": 3}, "set by the experiment itself"),
])
def test_check_params_rejects_bad_names_and_values(params, message):
    with pytest.raises(UsageError) as info:
        check_params(params)
    assert message in str(info.value)


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
    original = PRESETS["seed"].grid[0]
    assert original["activation"] == ["logistic"] and original["weight_init"] == ["small_normal"]


def test_learning_rate_preset_uses_the_learning_rate(split):
    """The original bug: the loop ignored the learning rate. Here each rate gives its own full-batch run."""
    result = run_preset("learning-rate", split, params={"max_iter": 3}, progress=False)
    runs = result.runs
    assert list(runs.learning_rate_init) == [0.1, 0.01, 0.001, 0.0001]
    assert runs.train_loss.is_monotonic_increasing  # bigger steps, lower loss after 3 epochs
    # full batch = the whole training part in one step per epoch, from the same start for every rate
    fresh = _fresh(dict(hidden_layer_sizes=(64,), solver="sgd", batch_size=len(split.y_train), momentum=0.0,
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


def test_compare_ours_with_mlpclassifier(split):
    result = compare(split, seeds=3, per_class=True, hidden_layer_sizes=(16,), max_iter=5, batch_size=100)
    runs = result.runs
    assert list(runs.columns) == ["model", "seed", "accuracy", "precision", "recall", "f1", "fit_seconds", "n_iter"]
    assert sorted(runs.model.unique()) == ["digitnet", "sklearn"] and len(runs) == 6
    assert (runs.n_iter == 5).all()
    assert list(result.summary.index) == ["digitnet", "sklearn"]
    assert {"accuracy_mean", "accuracy_std", "f1_mean", "fit_seconds_mean"} <= set(result.summary.columns)
    assert result.test.n == 3 and 0 <= result.test.pvalue <= 1
    assert isinstance(result.test.significant, (bool, np.bool_))
    for matrix in result.confusion.values():
        assert matrix.shape == (10, 10) and matrix.sum() == 3 * len(split.y_test)
    assert len(result.report) == 20
    table = result.table()
    assert list(table.columns) == ["digitnet", "sklearn"] and "±" in table.loc["accuracy", "digitnet"]


def test_compare_needs_an_activation_both_have(split):
    with pytest.raises(UsageError, match="MLPClassifier has no activation 'elu'"):
        compare(split, seeds=1, activation="elu")


def test_paired_test_edge_cases():
    single = _paired_test([0.9], [0.8], "accuracy")
    assert math.isnan(single.pvalue) and not single.significant
    same = _paired_test([0.9, 0.8], [0.9, 0.8], "accuracy")
    assert same.pvalue == 1.0 and not same.significant
    clear = _paired_test([0.9, 0.91, 0.92, 0.93], [0.5, 0.52, 0.5, 0.51], "accuracy")
    assert clear.significant and clear.mean_difference > 0.3


def test_save_results_writes_csv_and_json(split, tmp_path):
    result = sweep({"max_iter": [2, 3]}, split, progress=False, base_params={"hidden_layer_sizes": (6,)})
    paths = save_results(result, tmp_path / "out")
    assert sorted(os.path.basename(p) for p in paths) == ["curves.json", "results.json", "sweep.csv"]
    table = pd.read_csv(tmp_path / "out" / "sweep.csv")
    assert list(table.run_id) == list(result.runs.run_id)
    curves = json.loads((tmp_path / "out" / "curves.json").read_text())
    assert curves == json.loads(json.dumps(result.curves))
    meta = json.loads((tmp_path / "out" / "results.json").read_text())
    assert meta["config"]["seeds"] == [0] and meta["config"]["grid"] == {"max_iter": [2, 3]}
    assert {"numpy", "scikit-learn", "python", "digitnet"} <= set(meta["versions"])
    assert meta["elapsed_seconds"] > 0 and meta["configurations"][1]["max_iter"] == 3
    assert not [p for p in os.listdir(tmp_path / "out") if p.endswith(".tmp")]
    assert {oct(os.stat(p).st_mode & 0o777) for p in paths} == {oct(0o644)}  # not private like a temporary file

    compared = compare(split, seeds=2, hidden_layer_sizes=(6,), max_iter=2)
    save_results(compared, tmp_path / "cmp")
    table = pd.read_csv(tmp_path / "cmp" / "compare.csv")
    assert list(table.columns) == ["model", "seed", "accuracy", "precision", "recall", "f1", "fit_seconds",
                                   "n_iter"]
    meta = json.loads((tmp_path / "cmp" / "results.json").read_text())
    assert meta["test"]["method"] == "paired t-test"


def test_save_results_keeps_old_files_when_writing_fails(split, tmp_path, monkeypatch):
    result = sweep({"max_iter": [2]}, split, progress=False, base_params={"hidden_layer_sizes": (6,)})
    out = tmp_path / "out"
    save_results(result, out)
    before = {name: (out / name).read_bytes() for name in os.listdir(out)}
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(UsageError, match="cannot write results to .*No space left on device"):
        save_results(result, out)
    monkeypatch.undo()
    # no temporary file left behind, and every file is complete (old or new, never half-written)
    assert sorted(os.listdir(out)) == sorted(before)
    json.loads((out / "results.json").read_text())
    pd.read_csv(out / "sweep.csv")


def test_save_results_to_an_unwritable_place(split, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = sweep({"max_iter": [2]}, split, progress=False, base_params={"hidden_layer_sizes": (6,)})
    with pytest.raises(UsageError, match="cannot write to output directory"):
        save_results(result, blocker)
    with pytest.raises(UsageError, match="cannot write to output directory"):
        save_results(result, blocker / "sub")
