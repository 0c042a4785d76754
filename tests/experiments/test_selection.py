"""Choosing the model to carry forward: the highest mean score over the seeds, tested once on the test set."""

import math

import numpy as np
import pandas as pd
import pytest

from digitnet.data import load_split
from digitnet.errors import UsageError
from digitnet.experiments.results import SweepResult, load_sweep, save_results
from digitnet.experiments.selection import Selection, choose_best, select_and_test, standings
from digitnet.studies import run_preset


def _runs(scores):
    return pd.DataFrame(
        [{"config": c, "seed": s, "val_accuracy": v} for c, values in enumerate(scores) for s, v in enumerate(values)]
    )


def test_standings_are_best_first_with_their_standard_errors():
    scores = [[0.90, 0.91, 0.92], [0.97, 0.98, 0.975], [0.96, 0.99, 0.975]]
    ranked = standings(_runs(scores), n_weights=lambda c: 100 * (c + 1))
    assert [s.config for s in ranked] == [1, 2, 0]
    assert ranked[0].mean == pytest.approx(np.mean(scores[1]))
    assert ranked[0].std_error == pytest.approx(np.std(scores[1], ddof=1) / math.sqrt(3))
    assert [s.n_weights for s in ranked] == [200, 300, 100]


def test_equal_means_put_the_fewer_weights_first_and_one_seed_has_no_spread():
    ranked = standings(_runs([[0.9], [0.9], [0.8]]), n_weights=lambda c: [20, 10, 5][c])
    assert [s.config for s in ranked] == [1, 0, 2]
    assert ranked[0].std_error == 0.0


def test_failed_runs_are_left_out_and_all_failed_is_a_usage_error():
    runs = _runs([[0.9, 0.91, 0.92], [float("nan")] * 3])
    assert [s.config for s in standings(runs, n_weights=lambda c: c)] == [0]
    with pytest.raises(UsageError, match="every run of the sweep failed or diverged"):
        standings(_runs([[float("nan")]]), n_weights=lambda c: c)


def _result(scores, params):
    runs = _runs(scores)
    return SweepResult(runs=runs, curves={}, params=params, config={"seeds": sorted(runs.seed.unique())}, elapsed=0.0)


def test_the_highest_mean_is_carried_forward_not_the_simplest_of_the_close_ones():
    # 32 units is within noise of 128, and simpler: it is still 128, the best expected accuracy, that is chosen
    params = [
        {"hidden_layer_sizes": (32,), "activation": "relu", "scaling": "max"},
        {"hidden_layer_sizes": (128,), "activation": "tanh", "scaling": "max"},
    ]
    best = choose_best(_result([[0.970, 0.975, 0.972], [0.976, 0.969, 0.975]], params), 64, 10)
    assert best.config == 1
    assert (best.hidden_layer_sizes, best.activation, best.scaling) == ("128", "tanh", "max")
    assert best.n_weights == 64 * 128 + 128 * 10
    assert best.val_accuracy == pytest.approx(np.mean([0.976, 0.969, 0.975]))
    assert math.isnan(best.test_accuracy)


def test_a_selection_round_trips_through_json_and_refuses_another_versions():
    best = choose_best(_result([[0.9, 0.8]], [{"hidden_layer_sizes": (8,)}]), 64, 10)
    assert Selection.from_json(best.to_json()) == best
    old = {**best.to_json(), "tied": [0], "rule": "a paired t-test"}  # what an earlier version wrote
    with pytest.raises(UsageError, match="not a selection this version of digitnet wrote: run the study again"):
        Selection.from_json(old)


def test_with_cv_the_chosen_configuration_is_refitted_on_the_development_rows_scaled_as_it_says(split, tmp_path):
    result = run_preset(
        "architecture",
        split,
        seeds=2,
        cv=2,
        progress=False,
        grid={"hidden_layer_sizes": [(8,)], "activation": ["relu"], "scaling": ["standard", "max"]},
        params={"max_iter": 5},
    )
    best = result.best
    means = result.runs.groupby("config").val_accuracy.mean()
    assert best.config == means.idxmax()
    assert best.refit_on == "development rows (training + validation)"
    assert result.runs.test_accuracy.notna().sum() == 2  # only the chosen configuration, once per seed
    # the same model fitted by hand: every development row, scaled on them as the configuration says
    from digitnet import NumpyMLPClassifier
    from digitnet.data import scaler_for

    scaler = scaler_for(best.scaling).fit(split.X_dev_raw)
    model = NumpyMLPClassifier(hidden_layer_sizes=(8,), activation="relu", max_iter=5, random_state=0)
    model.fit(scaler.transform(split.X_dev_raw).astype(split.X_train.dtype), split.y_dev)
    chosen = result.runs[(result.runs.config == best.config) & (result.runs.seed == 0)]
    expected = np.mean(model.predict(scaler.transform(split.X_test_raw).astype(split.X_train.dtype)) == split.y_test)
    assert chosen.test_accuracy.iloc[0] == pytest.approx(expected)
    save_results(result, tmp_path / "arch")
    assert load_sweep(tmp_path / "arch").best == best


def test_select_and_test_without_cv_repeats_the_selected_runs():
    split = load_split("digits", validation_size=0.2)
    result = run_preset(
        "architecture",
        split,
        seeds=2,
        cv=0,
        progress=False,
        grid={"hidden_layer_sizes": [(8,), (16,)], "activation": ["relu"], "scaling": ["max"]},
        params={"max_iter": 5},
    )
    assert result.best.refit_on == "training rows (the selected models)"
    assert result.best.scaling == "max"
    assert select_and_test(result, split, None).test_accuracy == result.best.test_accuracy
