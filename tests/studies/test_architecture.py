"""The architecture study's conclusion on made-up results (a clear winner, ties, two seeds): it claims no winner
the seeds do not support."""

import pytest

from digitnet.experiments.selection import Selection, choose_simplest
from digitnet.studies import get, run_preset

from .helpers import conclude, sweep_result

ARCH_PARAMS = [{"hidden_layer_sizes": (32,), "activation": "relu"}, {"hidden_layer_sizes": (64,), "activation": "relu"},
               {"hidden_layer_sizes": (128,), "activation": "relu"}]


def _architecture(scores):
    """``scores[config] = [val accuracy per seed]``; the chosen configuration's test score 0.9."""
    rows = [{"config": c, "seed": s, "val_accuracy": v, "hidden_layer_sizes": ["32", "64", "128"][c],
             "activation": "relu"} for c, values in enumerate(scores) for s, v in enumerate(values)]
    result = sweep_result(rows, params=ARCH_PARAMS)
    result.best = choose_simplest(result, 64, 10)
    result.best.test_accuracy = 0.9
    return result


def test_architecture_with_a_clear_winner_chooses_it():
    result = _architecture([[0.90, 0.91, 0.905], [0.93, 0.935, 0.94], [0.97, 0.975, 0.972]])
    sentence = conclude("architecture", result)
    assert result.best.config == result.best.best_config == 2
    assert "128 relu had the best mean validation accuracy" in sentence
    assert "no other configuration is tied with it" in sentence
    assert "Chosen: it, which scored 90.0% on the test set (mean over the 3 seeds)" in sentence


def test_architecture_with_ties_chooses_the_simplest_and_says_so():
    # 128 is one image ahead on average, with seeds that disagree: the paired test cannot separate them
    result = _architecture([[0.965, 0.975, 0.970], [0.972, 0.962, 0.971], [0.976, 0.969, 0.973]])
    sentence = conclude("architecture", result)
    assert result.best.best_config == 2 and result.best.config == 0
    assert sorted(result.best.tied) == [0, 1, 2]
    assert "2 others (32 relu, 64 relu) cannot be told apart from it" in sentence
    assert "the simplest of them, 32 relu (2,368 weights)" in sentence


def test_architecture_with_two_seeds_uses_one_standard_error():
    rows = [{"config": c, "seed": s, "val_accuracy": v, "hidden_layer_sizes": ["32", "64", "128"][c],
             "activation": "relu"} for c, values in enumerate([[0.96, 0.97], [0.965, 0.975], [0.90, 0.91]])
            for s, v in enumerate(values)]
    result = sweep_result(rows, params=ARCH_PARAMS, seeds=(0, 1))
    result.best = choose_simplest(result, 64, 10)
    result.best.test_accuracy = 0.9
    assert sorted(result.best.tied) == [0, 1]
    assert "within one standard error" in conclude("architecture", result)


def test_the_grid_spans_depth_width_and_activation():
    study = get("architecture")
    shapes = study.grid["hidden_layer_sizes"]
    assert {len(s) for s in shapes} == {1, 2, 3} and min(map(min, shapes)) == 16 and max(map(max, shapes)) == 256
    assert set(study.grid["activation"]) == {"logistic", "tanh", "relu", "leaky_relu", "elu"}
    assert study.select


def test_the_study_selects_on_validation_and_tests_once(split):
    result = run_preset("architecture", split, grid={"hidden_layer_sizes": [(8,), (16, 8)],
                                                     "activation": ["relu", "elu"]},
                        params={"max_iter": 5}, progress=False)
    runs, best = result.runs, result.best
    assert len(runs) == 4 * 3  # every configuration over the study's 3 seeds
    means = runs.groupby("config").val_accuracy.mean()
    assert best.best_config == means.idxmax() and best.best_val_accuracy == means.max()
    assert best.config in best.tied and best.best_config in best.tied
    assert best.n_weights == min(s.n_weights for s in best.standings if s.indistinguishable)
    chosen = runs[runs.config == best.config]
    assert runs.test_accuracy.notna().sum() == 3  # only the chosen configuration saw the test set, once per seed
    assert best.test_accuracy == pytest.approx(chosen.test_accuracy.mean())
    assert Selection.from_json(best.to_json()) == best  # as results.json keeps it
