"""The conclusion functions, fed made-up results with ties and with clear winners: no sentence claims a winner,
a number or an effect the data do not support."""

import math

import numpy as np
import pandas as pd
import pytest

from digitnet import report
from digitnet.experiments.compare import CompareResult, summarize_comparison
from digitnet.experiments.results import SweepResult
from digitnet.experiments.selection import choose_simplest

N_VAL = 288


def sweep_result(rows, curves=None, params=None, seeds=(0, 1, 2)):
    """A SweepResult from rows of ``config, seed`` and metrics (run ids and missing columns filled in)."""
    runs = pd.DataFrame(rows)
    runs["run_id"] = [f"c{c:02d}-s{s}" for c, s in zip(runs.config, runs.seed)]
    for column in ("diverged_at", "test_accuracy"):
        if column not in runs:
            runs[column] = pd.NA if column == "diverged_at" else np.nan
    runs["diverged_at"] = runs["diverged_at"].astype("Int64")
    n_configs = int(runs.config.max()) + 1
    config = {"seeds": list(seeds), "split": {"n_val": N_VAL, "n_train": 1149}, "cv": None, "grid": {}}
    return SweepResult(runs=runs, curves=curves or {}, params=params or [{}] * n_configs, config=config, elapsed=0.0)


# ---------------------------------------------------------------------------------------------- comparison

def _comparison(ours, theirs):
    rows = [{"model": model, "seed": seed, "accuracy": acc, "precision": acc, "recall": acc, "f1": acc,
             "fit_seconds": 0.1 if model == "digitnet" else 0.3, "n_iter": 100}
            for seed, (a, b) in enumerate(zip(ours, theirs)) for model, acc in (("digitnet", a), ("sklearn", b))]
    runs = pd.DataFrame(rows)
    summary, test = summarize_comparison(runs)
    return CompareResult(runs=runs, summary=summary, test=test, confusion=None, report=None,
                         classes=np.arange(10), config={}, elapsed=0.0)


def test_a_clear_difference_is_called_significant_and_names_the_better_model():
    sentence = report.compare_conclusion(_comparison([0.98, 0.981, 0.979, 0.982, 0.98],
                                                     [0.95, 0.952, 0.949, 0.951, 0.95]))
    assert "is significant" in sentence and "digitnet is more accurate here" in sentence
    assert "+3.0 points" in sentence
    sentence = report.compare_conclusion(_comparison([0.95, 0.952, 0.949, 0.951, 0.95],
                                                     [0.98, 0.981, 0.979, 0.982, 0.98]))
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


# ---------------------------------------------------------------------------------------------- architecture

ARCH_PARAMS = [{"hidden_layer_sizes": (32,), "activation": "relu"}, {"hidden_layer_sizes": (64,), "activation": "relu"},
               {"hidden_layer_sizes": (128,), "activation": "relu"}]


def _architecture(scores):
    """``scores[config] = [val accuracy per seed]``; the chosen configuration's test score 0.9."""
    rows = [{"config": c, "seed": s, "val_accuracy": v, "hidden_layer_sizes": ["32", "64", "128"][c],
             "activation": "relu"} for c, values in enumerate(scores) for s, v in enumerate(values)]
    result = sweep_result(rows, params=ARCH_PARAMS)
    result.best = {**choose_simplest(result, 64, 10), "test_accuracy": 0.9}
    return result


def test_architecture_with_a_clear_winner_chooses_it():
    result = _architecture([[0.90, 0.91, 0.905], [0.93, 0.935, 0.94], [0.97, 0.975, 0.972]])
    sentence = report.architecture_conclusion(result)
    assert result.best["config"] == result.best["best_config"] == 2
    assert "128 relu had the best mean validation accuracy" in sentence
    assert "no other configuration is tied with it" in sentence
    assert "Chosen: it, which scored 90.0% on the test set (mean over the 3 seeds)" in sentence


def test_architecture_with_ties_chooses_the_simplest_and_says_so():
    # 128 is one image ahead on average, with seeds that disagree: the paired test cannot separate them
    result = _architecture([[0.965, 0.975, 0.970], [0.972, 0.962, 0.971], [0.976, 0.969, 0.973]])
    sentence = report.architecture_conclusion(result)
    assert result.best["best_config"] == 2 and result.best["config"] == 0
    assert sorted(result.best["tied"]) == [0, 1, 2]
    assert "2 others (32 relu, 64 relu) cannot be told apart from it" in sentence
    assert "the simplest of them, 32 relu (2,368 weights)" in sentence


def test_architecture_with_two_seeds_uses_one_standard_error():
    rows = [{"config": c, "seed": s, "val_accuracy": v, "hidden_layer_sizes": ["32", "64", "128"][c],
             "activation": "relu"} for c, values in enumerate([[0.96, 0.97], [0.965, 0.975], [0.90, 0.91]])
            for s, v in enumerate(values)]
    result = sweep_result(rows, params=ARCH_PARAMS, seeds=(0, 1))
    result.best = {**choose_simplest(result, 64, 10), "test_accuracy": 0.9}
    assert sorted(result.best["tied"]) == [0, 1]
    assert "within one standard error" in report.architecture_conclusion(result)


# ---------------------------------------------------------------------------------------------- learning rate

def _landscape(val_by_rate, diverged=(), epochs=50):
    """One run per seed and rate; ``diverged`` rates diverge at epoch 5; losses fall faster at larger rates."""
    rows, curves = [], {}
    for c, (lr, values) in enumerate(val_by_rate.items()):
        for s, v in enumerate(values):
            run_id = f"c{c:02d}-s{s}"
            if lr in diverged:
                rows.append({"config": c, "seed": s, "learning_rate_init": lr, "val_accuracy": np.nan,
                             "diverged_at": 5, "n_iter": 4})
                curves[run_id] = {"loss": [2.3, 3.0, 8.0, 15.0]}
            else:
                rows.append({"config": c, "seed": s, "learning_rate_init": lr, "val_accuracy": v, "n_iter": epochs})
                curves[run_id] = {"loss": list(2.3 * np.exp(-min(lr, 1.0) * np.arange(1, epochs + 1) / 5))}
    return sweep_result(rows, curves)


def test_learning_rate_best_inside_the_grid_with_divergence():
    result = _landscape({0.001: [0.2, 0.21, 0.19], 0.01: [0.80, 0.81, 0.79], 0.1: [0.96, 0.965, 0.962],
                         1.0: [0.97, 0.968, 0.972], 3.0: [0.93, 0.935, 0.93], 10.0: [0, 0, 0]}, diverged=(10.0,))
    sentence = report.learning_rate_conclusion(result)
    assert "came at rate 1, inside the grid." in sentence  # alone in the good region: no tie to mention
    assert "too small: 0.001 to 0.1" in sentence  # 0.1 is 0.8 points below: more than the noise
    assert "good: 1;" in sentence and "too large: 3;" in sentence and "diverges: 10 (at epoch 5)" in sentence
    assert "training diverges" in sentence


def test_learning_rate_best_at_the_edge_is_called_that():
    result = _landscape({0.001: [0.5, 0.52, 0.51], 0.01: [0.8, 0.81, 0.79], 0.1: [0.95, 0.951, 0.949]})
    sentence = report.learning_rate_conclusion(result)
    assert "came at rate 0.1, at the top of the grid (larger rates were not tried)" in sentence
    assert "no rate of the grid diverged" in sentence and "diverges: none" in sentence


def test_learning_rates_within_the_noise_are_all_good():
    result = _landscape({0.01: [0.90, 0.91, 0.90], 0.1: [0.970, 0.975, 0.965], 1.0: [0.972, 0.966, 0.974]})
    sentence = report.learning_rate_conclusion(result)
    assert "good: 0.1 to 1" in sentence  # one image of 288 apart: the data cannot rank them
    assert "came at rate 1, at the top of the grid (larger rates were not tried); the other good rates are within" \
           " the noise of it" in sentence and "cannot rank it." in sentence


def test_learning_rate_everything_diverged():
    result = _landscape({1.0: [0, 0, 0], 10.0: [0, 0, 0]}, diverged=(1.0, 10.0))
    assert report.learning_rate_conclusion(result) == \
        "Every learning rate of the grid diverged: the grid needs smaller rates."


# ---------------------------------------------------------------------------------------------- optimizer, momentum

def _tuned(groups, column):
    """``groups[value] = {rate: (val accuracy, loss at the end)}``, 3 seeds alike."""
    rows, curves, c = [], {}, 0
    for value, rates in groups.items():
        for lr, (val, loss) in rates.items():
            for s in range(3):
                rows.append({"config": c, "seed": s, column: value, "learning_rate_init": lr, "val_accuracy": val,
                             "n_iter": 3, "fit_seconds": 0.03})
                curves[f"c{c:02d}-s{s}"] = {"loss": [2.0, 1.0, loss]}
            c += 1
    return sweep_result(rows, curves)


def test_optimizers_close_together_are_called_close_to_the_noise():
    result = _tuned({"gradient descent": {0.1: (0.970, 0.05), 1.0: (0.972, 0.02), 3.0: (0.96, 0.03)},
                     "Adam": {0.0001: (0.95, 0.1), 0.001: (0.975, 0.01), 0.01: (0.974, 0.005)}}, "label")
    sentence = report.optimizer_conclusion(result)
    assert "Adam at 0.001" in sentence and "gradient descent at 1" in sentence
    assert "close to the noise" in sentence and "(at the edge" not in sentence


def test_optimizer_tuned_at_the_edge_of_its_grid_says_so():
    result = _tuned({"gradient descent": {0.1: (0.90, 0.3), 1.0: (0.95, 0.05)},
                     "Adam": {0.001: (0.975, 0.01), 0.01: (0.96, 0.02), 0.1: (0.95, 0.1)}}, "label")
    sentence = report.optimizer_conclusion(result)
    assert "gradient descent at 1 (at the edge of its grid)" in sentence
    assert "span 2.5 points" in sentence


def _momentum(curves_by_beta):
    rows, curves = [], {}
    for c, (beta, curve) in enumerate(curves_by_beta.items()):
        for s in range(3):
            rows.append({"config": c, "seed": s, "momentum": beta, "val_accuracy": 0.9, "n_iter": len(curve)})
            curves[f"c{c:02d}-s{s}"] = {"loss": list(curve)}
    return sweep_result(rows, curves)


def test_momentum_that_oscillates_is_called_overshoot_and_smooth_one_is_not():
    steady = np.linspace(2, 0.5, 20)
    oscillating = 0.3 + 0.2 * np.abs(np.sin(np.arange(20)))
    sentence = report.momentum_conclusion(_momentum({0.0: steady, 0.9: steady / 2, 0.99: oscillating}))
    assert "The loss went lowest with β 0.9" in sentence
    assert "from β 0.99 on" in sentence and "overshoot" in sentence and "still ends lowest" not in sentence
    calm = report.momentum_conclusion(_momentum({0.0: steady, 0.5: steady / 2}))
    assert "no β made the loss oscillate" in calm and "overshoot" not in calm


# ---------------------------------------------------------------------------------------------- regularization

def test_regularization_names_the_range_within_the_noise_and_the_underfit():
    rows, c = [], 0
    for alpha, train, val in [(0.0, 1.0, 0.970), (0.01, 1.0, 0.972), (1.0, 0.99, 0.975), (100.0, 0.6, 0.58)]:
        for s in range(3):
            rows.append({"config": c, "seed": s, "alpha": alpha, "train_accuracy": train, "val_accuracy": val})
        c += 1
    sentence = report.regularization_conclusion(sweep_result(rows))
    assert "Without penalty (alpha 0)" in sentence and "a gap of 3.0 points" in sentence
    assert "came at alpha 1" in sentence and "every alpha from 0.01 to 1 is within the noise of it" in sentence
    assert "At alpha 100 the penalty wins over the data: training 60.0%, validation 58.0% (underfitting)" in sentence


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
