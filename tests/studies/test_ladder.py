"""The accuracy ladder: its rule on made-up seed tables, its models the DigitsClassifier a refit gives, a small run."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from digitnet import DigitsClassifier
from digitnet.data import load_split
from digitnet.experiments.results import load_sweep, save_results
from digitnet.jsonify import dumps
from digitnet.studies import run_preset
from digitnet.studies.claims import sentence
from digitnet.studies.effects import LOWERS, RAISES, SAME
from digitnet.studies.ladder import MARGIN, Ladder, decide_rung, ladder_claims, read_rungs, recipe, verdict_of
from digitnet.studies.ladder_fits import Arm, Rows, Rung, assemble, fit_member, member_seeds, score_rung


def _table(rows, seeds=6):
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(range(seeds)))


def test_a_clear_winner_replaces_the_incumbent():
    table = _table(
        {"inc": [0.970, 0.972, 0.968, 0.971, 0.969, 0.970], "better": [0.980, 0.981, 0.979, 0.982, 0.978, 0.980]}
    )
    effects, adopted = decide_rung(table, "inc", MARGIN)
    assert adopted == "better"
    assert effects["better"].direction == RAISES and effects["better"].supported
    assert verdict_of(effects["better"]) == "adopted"


def test_of_two_winners_the_higher_mean_is_adopted():
    table = _table(
        {
            "inc": [0.97] * 6,
            "good": [0.980, 0.981, 0.979, 0.980, 0.981, 0.979],
            "best": [0.990, 0.991, 0.989, 0.990, 0.991, 0.989],
        }
    )
    assert decide_rung(table, "inc", MARGIN)[1] == "best"


def test_a_tie_keeps_the_incumbent_and_says_it_did_not_help():
    table = _table(
        {"inc": [0.970, 0.972, 0.968, 0.971, 0.969, 0.970], "same": [0.9702, 0.9718, 0.9681, 0.9712, 0.9689, 0.9701]}
    )
    effects, adopted = decide_rung(table, "inc", MARGIN)
    assert adopted is None
    assert effects["same"].direction == SAME and effects["same"].supported
    assert verdict_of(effects["same"]) == "did not help"


def test_a_gain_that_flips_between_the_halves_of_the_seeds_is_not_adopted():
    # every other seed (one half) gains a point, the other half loses one: overall +0.33 points, above the margin
    table = _table({"inc": [0.970] * 6, "flips": [0.985, 0.965, 0.985, 0.965, 0.985, 0.965]})
    effects, adopted = decide_rung(table, "inc", MARGIN)
    assert effects["flips"].direction == RAISES  # on all the seeds, taken alone, it would be adopted
    assert not effects["flips"].supported and adopted is None
    assert verdict_of(effects["flips"]) == "the data cannot tell"


def test_a_loss_that_replicates_is_said_to_hurt():
    table = _table({"inc": [0.97] * 6, "worse": [0.95, 0.951, 0.949, 0.95, 0.952, 0.948]})
    effects, adopted = decide_rung(table, "inc", MARGIN)
    assert adopted is None and effects["worse"].direction == LOWERS and verdict_of(effects["worse"]) == "hurt"


def _measured(rows_by_rung, seeds):
    """A ladder's stored scores (one fold) from ``{rung: (incumbent, {label: scores})}``."""
    return {
        "seeds": seeds,
        "rungs": [
            {
                "name": name,
                "folds": 1,
                "kind": "fit",
                "incumbent": inc,
                "incumbent_scores": [[v] for v in arms.pop(inc)],
                "arms": [
                    {"label": label, "changes": {}, "scores": [[v] for v in scores]} for label, scores in arms.items()
                ],
            }
            for name, (inc, arms) in rows_by_rung.items()
        ],
    }


def test_the_claims_say_each_rung_and_the_chosen_model_refits_from_its_json():
    seeds = list(range(6))
    measured = _measured(
        {
            "scaling": ("start", {"start": [0.97] * 6, "max": [0.98, 0.981, 0.979, 0.98, 0.981, 0.98]}),
            "dropout": ("max", {"max": [0.98] * 6, "drop": [0.985, 0.975] * 3}),
        },
        seeds,
    )
    rungs = read_rungs(measured, MARGIN)
    assert [r.adopted for r in rungs] == ["max", None]
    params = recipe({"scaling": "max", "hidden_layer_sizes": (16,), "max_iter": 3})
    claims = ladder_claims(rungs, ["max"], params)
    effects = [c for c in claims if c.kind == "effect"]
    assert [(c.about, c.values, c.supported) for c in effects] == [
        ("scaling: max", [RAISES], True),
        ("dropout: drop", [effects[1].values[0]], False),
    ]
    assert effects[0].note.endswith("adopted") and effects[1].note.endswith("kept the incumbent")
    assert "the data cannot tell" in sentence(effects[1]) and "cannot tell" not in sentence(effects[0])
    chosen = claims[-1]
    assert chosen.kind == "chosen" and chosen.estimator == "DigitsClassifier" and not chosen.supported
    again = json.loads(dumps(chosen.to_json()))["params"]  # as claims.json keeps it
    assert set(again) == set(DigitsClassifier().get_params()) - {"random_state", "n_jobs"}
    split = load_split("digits", validation_size=0)
    model = DigitsClassifier(**again, random_state=0).fit(split.X_dev_raw[:120], split.y_dev[:120])
    assert model.predict(split.X_test_raw[:5]).shape == (5,) and model.scaling == "max"


def test_members_trained_apart_make_the_model_a_refit_makes():
    split = load_split("digits", validation_size=0)
    X, y, X_test = split.X_dev_raw[:150].astype(np.float32), split.y_dev[:150], split.X_test_raw[:40]
    params = {"hidden_layer_sizes": (16,), "max_iter": 3, "augment_copies": 1, "label_smoothing": 0.1}
    reference = DigitsClassifier(**params, n_members=2, random_state=5).fit(X, y)
    assert member_seeds(5, 1) == member_seeds(5, 2)[:1] == reference.member_seeds_[:1]
    members = [fit_member(params, s, X, y) for s in member_seeds(5, 2)]
    model = assemble(params, 5, members, X, y)
    assert np.array_equal(
        model.predict_proba(X_test.astype(np.float32)), reference.predict_proba(X_test.astype(np.float32))
    )
    rows = Rows(X, y, {0: [(np.arange(100), np.arange(100, 150))] * 3})
    with pytest.raises(ValueError, match="incumbent has none on fold 1 of seed 0"):  # fitted on one fold only
        score_rung(
            Rung("tta", (("tta", {"tta": 2}),), folds=3, kind="predict"),
            Arm("incumbent", params, models={(0, 0): model}),
            rows,
        )
    with pytest.raises(ValueError, match="1 to 3 folds"):
        Rung("scaling", (("max", {"scaling": "max"}),), folds=4)


class SmallLadder(Ladder):
    """Three rungs, one of each kind: fitted, an ensemble grown from the incumbent, a prediction option."""

    rungs = (
        Rung("input scaling", (("pixels divided by 16", {"scaling": "max"}),)),
        Rung("test-time augmentation", (("2 test-time copies", {"tta": 2}),), kind="predict"),
        Rung("ensemble", (("ensemble of 2", {"n_members": 2}),), folds=1, kind="ensemble"),
    )


def test_a_small_ladder_runs_end_to_end_and_reads_back_from_its_files(tmp_path):
    full = load_split("digits", validation_size=0.2)
    split = dataclasses.replace(
        full,
        X_dev_raw=full.X_dev_raw[:240],
        y_dev=full.y_dev[:240],
        X_test_raw=full.X_test_raw[:90],
        y_test=full.y_test[:90],
    )
    study = SmallLadder()
    result = run_preset(
        study, split, seeds=[0, 1], n_jobs=1, progress=False, params={"max_iter": 3, "hidden_layer_sizes": (16,)}
    )
    reading = study.read(result, split)
    assert [r.name for r in reading.rungs] == ["input scaling", "test-time augmentation", "ensemble"]
    assert [r.folds for r in reading.rungs] == [3, 3, 1]
    assert len(reading.test.accuracies) == 2 and len(reading.baselines) == 4
    assert {b.name for b in reading.baselines} >= {"RBF SVC", "1-nearest neighbour", "logistic regression"}
    best = reading.best  # the first seed's top model: its test accuracy is the first one reported
    assert isinstance(best, DigitsClassifier) and best.random_state == 0
    X_test = np.asarray(split.X_test_raw, dtype=np.float32)
    assert np.mean(best.predict(X_test) == split.y_test) == reading.test.accuracies[0]
    assert best.get_params()["max_iter"] == 3 == reading.top_params["max_iter"]
    text = study.conclusion(reading)
    assert "RBF SVC" in text and "99.20% target" in text and "MLPClassifier's defaults" in text
    assert list(study.figures(reading)) == [key for key, _ in study.captions]
    assert len(study.table(reading)) == 3
    save_results(result, tmp_path / "ladder")
    again = study.read(load_sweep(tmp_path / "ladder"), split)  # no training: the scores come from the files
    assert again.best is None
    assert study.conclusion(again) == text and study.page(again) == study.page(reading)
    assert [c.to_json() for c in study.claims(again)] == [c.to_json() for c in study.claims(reading)]
