"""The report's own conclusions (the comparison, how far to trust the numbers), fed made-up results with ties and
with clear winners: no sentence claims a winner, a number or an effect the data do not support. (Each study's
conclusion is tested in tests/studies/.)"""

import math

import numpy as np
import pandas as pd
import pytest

from digitnet import report
from digitnet.experiments.compare import CompareResult, summarize_comparison

# ---------------------------------------------------------------------------------------------- comparison


def _comparison(ours, theirs):
    rows = [
        {
            "model": model,
            "seed": seed,
            "accuracy": acc,
            "precision": acc,
            "recall": acc,
            "f1": acc,
            "fit_seconds": 0.1 if model == "digitnet" else 0.3,
            "n_iter": 100,
        }
        for seed, (a, b) in enumerate(zip(ours, theirs))
        for model, acc in (("digitnet", a), ("sklearn", b))
    ]
    runs = pd.DataFrame(rows)
    summary, test = summarize_comparison(runs)
    return CompareResult(
        runs=runs,
        summary=summary,
        test=test,
        confusion=None,
        report=None,
        classes=np.arange(10),
        config={},
        elapsed=0.0,
    )


def test_a_clear_difference_is_called_significant_and_names_the_better_model():
    sentence = report.compare_conclusion(
        _comparison([0.98, 0.981, 0.979, 0.982, 0.98], [0.95, 0.952, 0.949, 0.951, 0.95])
    )
    assert "is significant" in sentence and "digitnet is more accurate here" in sentence
    assert "+3.0 points" in sentence
    sentence = report.compare_conclusion(
        _comparison([0.95, 0.952, 0.949, 0.951, 0.95], [0.98, 0.981, 0.979, 0.982, 0.98])
    )
    assert "scikit-learn is more accurate here" in sentence


def test_the_same_models_are_said_to_be_the_same():
    sentence = report.compare_conclusion(_comparison([0.97, 0.96, 0.98], [0.97, 0.96, 0.98]))
    assert "the two fitted the same models" in sentence and "every one of the 3 seeds" in sentence
    assert "significant" not in sentence and "more accurate" not in sentence


def test_a_difference_within_the_noise_is_said_to_be_none():
    sentence = report.compare_conclusion(_comparison([0.97, 0.96, 0.98, 0.97], [0.96, 0.98, 0.97, 0.97]))
    assert "not significant" in sentence and "cannot be told apart" in sentence
    assert "more accurate here" not in sentence
    one = report.compare_conclusion(_comparison([0.97], [0.96]))
    assert "one seed: no test of the difference" in one and "significant" not in one


# ---------------------------------------------------------------------------------------------- trust


@pytest.mark.parametrize("accuracy, n", [(0.97, 360), (0.5, 100), (1.0, 50)])
def test_trust_interval_contains_the_accuracy_and_narrows_with_more_digits(accuracy, n):
    sentence = report.trust_conclusion(accuracy, n)
    low, high = (float(x.rstrip("%")) / 100 for x in sentence.split("within ")[1].split(" (")[0].split(" to "))
    assert low <= accuracy <= high
    wider = report.trust_conclusion(accuracy, n // 4)
    low4, high4 = (float(x.rstrip("%")) / 100 for x in wider.split("within ")[1].split(" (")[0].split(" to "))
    assert high4 - low4 > high - low
    assert math.isclose(float(sentence.split("one digit is ")[1].split(" points")[0]), 100 / n, rel_tol=0.01)
