"""The architecture study on made-up results (a clear winner, a tie, a flipped replication): it carries forward the
highest mean, names what the seeds cannot tell apart from it, and claims only what replicates."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from digitnet import NumpyMLPClassifier
from digitnet.experiments.selection import Selection, choose_best
from digitnet.studies import get, run_preset
from digitnet.studies.architecture import arm_name, tied_with
from digitnet.studies.claims import contradictions
from digitnet.studies.ranking import rank_arms

from .helpers import FAKE_SPLIT, sweep_result

#: (hidden layers, activation, scaling) of the made-up configurations.
CONFIGS = [
    ((32,), "relu", "standard"),
    ((128,), "relu", "max"),
    ((128,), "tanh", "standard"),
    ((512,), "relu", "standard"),
]


def _result(scores, configs=CONFIGS):
    """``scores[config] = [cross-validated accuracy per seed]``; the chosen configuration tested at 0.98."""
    rows = [
        {
            "config": c,
            "seed": s,
            "val_accuracy": v,
            "hidden_layer_sizes": "-".join(map(str, configs[c][0])),
            "activation": configs[c][1],
            "scaling": configs[c][2],
            "train_loss": 0.01,
            "n_iter": 100,
            "fit_seconds": 0.1,
        }
        for c, values in enumerate(scores)
        for s, v in enumerate(values)
    ]
    params = [
        {"solver": "adam", "max_iter": 200, "hidden_layer_sizes": h, "activation": a, "scaling": s}
        for h, a, s in configs[: len(scores)]
    ]
    result = sweep_result(rows, params=params, seeds=tuple(range(len(scores[0]))))
    result.config = dataclasses.replace(result.config, cv=3)
    result.best = choose_best(result, 64, 10)
    result.best.test_accuracy, result.best.refit_on = 0.98, "development rows (training + validation)"
    return result


def _read(result):
    study = get("architecture")
    reading = study.read(result, FAKE_SPLIT)
    return study, reading, {(c.kind, c.about): c for c in reading.claims}


def test_a_clear_winner_is_carried_forward_and_every_replication_says_so():
    result = _result(
        [
            [0.950, 0.952, 0.951, 0.949],
            [0.960, 0.962, 0.961, 0.959],
            [0.940, 0.942, 0.941, 0.939],
            [0.980, 0.982, 0.981, 0.981],
        ]
    )
    study, reading, claims = _read(result)
    chosen = claims["chosen", "model"]
    assert chosen.values == ["512 relu (standard)"] and chosen.supported and chosen.agreement == 1.0
    assert claims["best", "architecture"].values == ["512 relu (standard)"]
    assert ("tie", "architecture") not in claims and reading.tied == [3] and reading.simplest == 3
    text = study.conclusion(reading)
    assert text.startswith(
        "Carried forward: 512 relu (standard), the highest mean cross-validated accuracy of the 4"
        " configurations, 98.1% over 4 seeds × 3 folds (other seeds would carry it forward too:"
        " 100% of resamples of the seeds)"
    )
    assert "It is ahead of every other configuration by at least 0.5 points on every replication" in text
    assert "it scored 98.0% on the test set (mean over the 4 seeds)" in text
    assert "activation: relu > tanh" in text  # each axis ranked on its own


def test_a_tie_names_what_cannot_be_told_apart_and_shows_the_simplest_beside_the_choice():
    # 512 is ahead on average by a fifth of a point, with seeds that disagree; 128 tanh is far behind on every seed
    result = _result(
        [
            [0.972, 0.970, 0.975, 0.971],
            [0.975, 0.972, 0.971, 0.973],
            [0.950, 0.952, 0.951, 0.949],
            [0.976, 0.971, 0.974, 0.975],
        ]
    )
    study, reading, claims = _read(result)
    assert result.best.config == 3  # the highest mean, not the simplest
    assert claims["tie", "architecture"].values == ["512 relu (standard)", "128 relu (max)", "32 relu (standard)"]
    assert ("best", "architecture") not in claims  # no best architecture is claimed ...
    assert claims["best", "activation"].values == ["relu"]  # ... but relu is ahead of tanh on every replication
    assert claims["order", "activation"].values == [["relu"], ["tanh"]]
    assert reading.simplest == 0
    text = study.conclusion(reading)
    assert (
        "The seeds cannot tell it apart from 2 others (128 relu (max), 32 relu (standard)): none of them is behind"
        " it by 0.5 points or more on every replication"
    ) in text
    assert "the simplest of them, 32 relu (standard), has 2,368 weights against 37,888 and reached 97.2%" in text
    assert study.table(reading)["cannot be told apart from the best"].tolist() == [
        "carried forward",
        "tied",
        "tied (the simplest)",
        "",
    ]


def test_a_flipped_replication_claims_no_winner_and_says_another_seed_set_may_choose_another():
    # 512 wins on seeds 0 and 2, 128 on seeds 1 and 3, by a point each: the two halves of the seeds disagree
    result = _result(
        [
            [0.960, 0.960, 0.960, 0.960],
            [0.965, 0.985, 0.965, 0.985],
            [0.950, 0.950, 0.950, 0.950],
            [0.985, 0.966, 0.985, 0.966],
        ]
    )
    study, reading, claims = _read(result)
    chosen = claims["chosen", "model"]
    assert chosen.values == ["512 relu (standard)"] and not chosen.supported and chosen.agreement < 0.95
    assert "another set of seeds may carry forward another: it has the highest mean in" in study.conclusion(reading)
    flipped = _result(
        [
            [0.960, 0.960, 0.960, 0.960],
            [0.985, 0.965, 0.985, 0.965],
            [0.950, 0.950, 0.950, 0.950],
            [0.966, 0.985, 0.966, 0.985],
        ]
    )
    assert not contradictions(reading.claims, _read(flipped)[1].claims)  # neither run claims what does not replicate


def test_the_chosen_claim_refits_the_carried_forward_model():
    result = _result([[0.95, 0.96, 0.955], [0.97, 0.975, 0.972], [0.94, 0.945, 0.94], [0.96, 0.962, 0.961]])
    chosen = next(c for c in _read(result)[1].claims if c.kind == "chosen")
    assert chosen.estimator == "NumpyMLPClassifier"
    params = dict(chosen.params)
    assert params.pop("scaling") == "max"
    # every parameter that shapes the model; not those an experiment sets, nor those acting during one fit only
    assert set(params) == (
        set(NumpyMLPClassifier().get_params())
        - {"random_state", "warm_start", "verbose"}
        - {"callbacks", "track", "track_every"}
    )
    model = NumpyMLPClassifier(**params)
    assert model.get_params()["hidden_layer_sizes"] == [128] and model.activation == "relu"
    assert (model.solver, model.max_iter) == ("adam", 200)


def test_tied_with_is_not_the_top_level_of_a_graded_ranking():
    # each arm a fifth of a point behind the next: no level can be cut, yet the first is ahead of the last by a point
    steps = [0.980, 0.978, 0.976, 0.974, 0.972, 0.970]
    table = pd.DataFrame(
        [[s + d for d in (0.0005, -0.0005, 0.0003, -0.0003)] for s in steps],
        index=[f"arm{i}" for i in range(len(steps))],
    )
    ranking = rank_arms("architecture", "architecture", "cross-validated accuracy", table, 0.005)
    assert len(ranking.levels) == 1
    assert tied_with(ranking, "arm0") == ["arm0", "arm1", "arm2"]


def test_configurations_are_named_with_their_scaling():
    assert arm_name((256, 128), "relu", "max") == "256-128 relu (max)"
    assert arm_name("64", "tanh", "standard") == "64 tanh (standard)"


def test_the_grid_spans_width_depth_activation_and_scaling():
    study = get("architecture")
    shapes = study.grid["hidden_layer_sizes"]
    assert {len(s) for s in shapes} == {1, 2} and max(map(max, shapes)) == 512
    assert study.grid["activation"] == ["relu", "tanh"] and study.grid["scaling"] == ["standard", "max"]
    assert study.select and study.cv == 3 and study.metric == "cross-validated accuracy"


def test_the_study_selects_on_cross_validation_and_tests_once(split):
    result = run_preset(
        "architecture",
        split,
        seeds=3,
        grid={"hidden_layer_sizes": [(8,), (16, 8)], "activation": ["relu"], "scaling": ["standard", "max"]},
        params={"max_iter": 5},
        progress=False,
    )
    runs, best = result.runs, result.best
    assert len(runs) == 4 * 3  # every configuration over the 3 seeds (each the mean of its 3 folds)
    means = runs.groupby("config").val_accuracy.mean()
    assert best.config == means.idxmax() and best.val_accuracy == pytest.approx(means.max())
    assert runs.test_accuracy.notna().sum() == 3  # only the chosen configuration saw the test set, once per seed
    chosen = runs[runs.config == best.config]
    assert best.test_accuracy == pytest.approx(chosen.test_accuracy.mean())
    assert best.test_accuracy_std == pytest.approx(np.std(chosen.test_accuracy, ddof=1))
    assert Selection.from_json(best.to_json()) == best  # as results.json keeps it


def test_the_carried_forward_model_refitted_with_more_seeds_beats_the_default_it_was_chosen_over():
    """The acceptance's mechanism on a small setting: the study chooses by cross-validation (8 units against 64,
    30 epochs), its chosen claim is refitted with 4 seeds on the standard split's development rows, and beats
    MLPClassifier with the configuration it was chosen over, fitted with the same seeds on the same rows."""
    from digitnet.data import load_split
    from digitnet.experiments import compare
    from digitnet.experiments.baselines import CHOSEN, from_comparison, network

    study = get("architecture")
    cv_split = load_split("digits", validation_size=0, dtype=np.float32)
    result = run_preset(
        study,
        cv_split,
        seeds=2,
        progress=False,
        params={"max_iter": 30},
        grid={"hidden_layer_sizes": [(8,), (64,)], "activation": ["relu"], "scaling": ["standard"]},
    )
    chosen = next(c for c in study.read(result, cv_split).claims if c.kind == "chosen")
    assert chosen.values == ["64 relu (standard)"]
    split = load_split("digits")
    ours = network(CHOSEN, chosen.params, split, seeds=4)
    theirs = from_comparison(compare(split, seeds=4, hidden_layer_sizes=(8,), max_iter=30))
    assert ours.mean >= theirs.mean + 0.02  # well ahead: 64 units against 8
    assert ours.seeds == theirs.seeds == [0, 1, 2, 3] and ours.n_test == theirs.n_test == 360
