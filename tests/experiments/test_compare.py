"""The comparison with MLPClassifier, and its paired test over seeds."""

import dataclasses
import math

import numpy as np
import pytest

from digitnet.errors import UsageError
from digitnet.experiments import compare
from digitnet.experiments.compare import _paired_test


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
    assert table.loc["n_iter", "digitnet"] == "5 ± 0"  # epochs are counted: not "5.0000 ± 0.0000"
    uneven = result.summary.assign(n_iter_mean=187.5, n_iter_std=12.25)
    assert dataclasses.replace(result, summary=uneven).table().loc["n_iter", "sklearn"] == "187.5 ± 12.2"


def test_compare_needs_an_activation_both_have(split):
    with pytest.raises(UsageError, match="MLPClassifier has no activation 'elu'"):
        compare(split, seeds=1, activation="elu")


def test_paired_test_edge_cases():
    single = _paired_test([0.9], [0.8], "accuracy")
    assert math.isnan(single.pvalue) and not single.significant
    same = _paired_test([0.9, 0.8], [0.9, 0.8], "accuracy")
    assert same.pvalue == 1.0 and not same.significant and same.identical
    assert "every seed gave both models the same accuracy" in same.describe() and "t = " not in same.describe()
    offset = _paired_test([0.9, 0.8], [0.89, 0.79], "accuracy")  # no spread, but a difference: not identical
    assert not offset.identical and "t = inf" in offset.describe()
    balanced = _paired_test([0.9, 0.8], [0.89, 0.81], "accuracy")  # differences that cancel out: not identical
    assert balanced.mean_difference == 0 and not balanced.identical
    clear = _paired_test([0.9, 0.91, 0.92, 0.93], [0.5, 0.52, 0.5, 0.51], "accuracy")
    assert clear.significant and clear.mean_difference > 0.3
