"""Reading sweeps: intervals, curves, early stopping (the studies' own readings are tested in tests/studies/)."""

import math

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

from digitnet.data import load_split
from digitnet.experiments import analysis


def test_mean_and_error_and_intervals():
    assert analysis.mean_and_error([1.0, 2.0, 3.0, np.nan]) == pytest.approx((2.0, 1 / math.sqrt(3), 3))
    assert analysis.mean_and_error([5.0]) == (5.0, 0.0, 1)
    assert math.isnan(analysis.mean_and_error([])[0])
    # Wilson's interval for 50 of 100: 0.404 to 0.596 (the textbook value)
    low, high = analysis.accuracy_interval(0.5, 100)
    assert (round(low, 3), round(high, 3)) == (0.404, 0.596)
    low, high = analysis.accuracy_interval(1.0, 360)  # never beyond 1, never a zero-width interval
    assert high == pytest.approx(1.0) and low < 1.0
    low, high = analysis.paired_interval([0.01, 0.02, 0.03])
    assert low < 0.02 < high and (high - low) / 2 == pytest.approx(4.303 * 0.01 / math.sqrt(3), rel=1e-3)
    assert all(math.isnan(v) for v in analysis.paired_interval([0.01]))


def test_mean_curve_averages_the_runs_that_reached_each_epoch():
    summary = analysis.mean_curve([{"loss": [3.0, 2.0, 1.0]}, {"loss": [1.0, 2.0]}, {"accuracy": [1]}], "loss")
    mean, std, n = summary.mean, summary.std, summary.n
    np.testing.assert_allclose(mean, [2.0, 2.0, 1.0])
    np.testing.assert_allclose(std, [math.sqrt(2), 0.0, 0.0])
    assert n == 2
    assert analysis.mean_curve([{"loss": []}], "loss") is None
    assert np.isnan(analysis.finite_or_nan([1, np.inf])[1])


def test_curve_readings():
    assert analysis.rises([3, 2, 2.5, 1]) == pytest.approx(1 / 3)
    assert analysis.overshoot([3, 2, 1]) == 1.0
    assert analysis.overshoot([2.7, 0.74, 4.0, 0.5]) == pytest.approx(4.0 / 0.74)
    assert analysis.overshoot([1.0, np.inf]) == 1.0
    assert analysis.lowest([3, 1, 2]) == (2, 1.0)
    assert analysis.last_finite([1, 2, np.nan]) == 2 and math.isnan(analysis.last_finite([np.inf]))


@pytest.mark.parametrize("seed", [0, 1])
def test_early_stopping_is_mlpclassifiers_rule(seed):
    """MLPClassifier with early_stopping records its validation scores; our reading stops where it stopped."""
    split = load_split("digits")
    model = MLPClassifier(hidden_layer_sizes=(16,), early_stopping=True, max_iter=300, random_state=seed)
    model.fit(split.X_train, split.y_train)
    stop, kept = analysis.early_stopping(model.validation_scores_)
    assert stop == model.n_iter_ == len(model.validation_scores_)
    assert model.validation_scores_[kept - 1] == model.best_validation_score_
    assert analysis.early_stopping([0.1, 0.2, 0.3]) == (3, 3)  # still improving: runs to the end
