"""Choosing honestly: which configurations the seeds cannot tell apart from the best, and the simplest of them."""

import math

import pandas as pd
import pytest
from scipy import stats

from digitnet.errors import UsageError
from digitnet.experiments.selection import ALPHA, indistinguishable, rule_text


def _runs(scores):
    return pd.DataFrame([{"config": c, "seed": s, "val_accuracy": v} for c, values in enumerate(scores)
                         for s, v in enumerate(values)])


def test_paired_test_with_three_seeds_or_more():
    scores = [[0.97, 0.98, 0.975, 0.972], [0.968, 0.979, 0.976, 0.97], [0.90, 0.91, 0.905, 0.902]]
    standings = indistinguishable(_runs(scores), n_weights=lambda c: 100 * (c + 1))
    assert [s.config for s in standings] == [0, 1, 2]
    best, close, far = standings
    assert best.indistinguishable and math.isnan(best.pvalue)
    assert close.pvalue == pytest.approx(stats.ttest_rel(scores[0], scores[1]).pvalue)
    assert close.indistinguishable == (close.pvalue >= ALPHA) is True
    assert not far.indistinguishable and far.pvalue < ALPHA


def test_a_constant_lead_is_a_difference_and_equal_scores_are_a_tie():
    standings = indistinguishable(_runs([[0.9, 0.8, 0.7], [0.89, 0.79, 0.69], [0.9, 0.8, 0.7]]),
                                  n_weights=lambda c: [10, 10, 20][c])
    by_config = {s.config: s for s in standings}
    assert not by_config[1].indistinguishable  # one sample behind at every seed: always worse
    assert by_config[2].indistinguishable and by_config[2].pvalue == 1.0
    assert standings[0].config == 0  # equal means: the fewer weights first


def test_two_seeds_use_one_standard_error_and_one_seed_an_exact_tie():
    two = indistinguishable(_runs([[0.96, 0.98], [0.965, 0.968], [0.9, 0.91]]), n_weights=lambda c: c)
    assert [s.indistinguishable for s in two] == [True, True, False]
    one = indistinguishable(_runs([[0.97], [0.97], [0.96]]), n_weights=lambda c: c)
    assert [s.indistinguishable for s in one] == [True, True, False]
    assert "paired t-test over the 3 seeds" in rule_text(3)
    assert "one standard error" in rule_text(2) and "one seed" in rule_text(1)


def test_failed_runs_are_left_out_and_all_failed_is_a_usage_error():
    runs = _runs([[0.9, 0.91, 0.92], [float("nan")] * 3])
    assert [s.config for s in indistinguishable(runs, n_weights=lambda c: c)] == [0]
    with pytest.raises(UsageError, match="every run of the sweep failed or diverged"):
        indistinguishable(_runs([[float("nan")]]), n_weights=lambda c: c)
