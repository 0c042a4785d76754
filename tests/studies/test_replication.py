"""Claims that replicate: the machinery on made-up scores, and the acceptance point on real --quick runs (the same
study on seeds 0-2, 3-5 and 6-8: no supported claim of one run contradicts a supported claim of another)."""

import numpy as np
import pandas as pd
import pytest

from digitnet.data import load_split
from digitnet.studies import get, run_preset
from digitnet.studies.claims import Claim, contradictions, read_claims, sentence, write_claims
from digitnet.studies.ranking import rank_arms
from digitnet.studies.replication import halves, replicate


def _table(rows):
    return pd.DataFrame(rows, index=list("ABC")[: len(rows)]).rename(columns=int)


def test_halves_are_disjoint_and_cover_the_seeds():
    assert halves([0, 1, 2]) == ([0, 2], [1]) and halves([3, 4, 5, 6]) == ([3, 5], [4, 6])


def test_a_decision_every_seed_takes_is_supported_and_one_a_seed_flips_is_not():
    def best(table):
        return {"best": table.mean(axis=1).idxmax()}

    clear = _table([[0.97, 0.975, 0.972], [0.95, 0.951, 0.955]])
    assert replicate(best, clear)["best"].supported
    flipped = _table([[0.98, 0.98, 0.95], [0.96, 0.96, 0.97]])  # A ahead on two seeds, B on the third
    verdict = replicate(best, flipped)["best"]
    assert verdict.value == "A" and not verdict.supported and verdict.agreement < 0.95


def test_a_clear_winner_a_tie_and_a_flipped_order():
    claims = rank_arms(
        "s", "arm", "accuracy", _table([[0.97, 0.975, 0.972], [0.95, 0.951, 0.955], [0.90, 0.91, 0.905]]), 0.005
    ).claims
    assert [(c.kind, c.values, c.supported) for c in claims] == [
        ("order", [["A"], ["B"], ["C"]], True),
        ("best", ["A"], True),
    ]
    tie = rank_arms(
        "s", "arm", "accuracy", _table([[0.97, 0.975, 0.972], [0.972, 0.971, 0.975], [0.90, 0.91, 0.905]]), 0.005
    ).claims
    assert ("tie", ["B", "A"]) in [(c.kind, c.values) for c in tie] and not [c for c in tie if c.kind == "best"]
    flip = rank_arms("s", "arm", "accuracy", _table([[0.98, 0.98, 0.95], [0.96, 0.96, 0.97]]), 0.005).claims
    assert [c.supported for c in flip if c.kind == "order"] == [False]  # one level: no order is stated


def test_contradictions_are_a_different_best_an_opposite_order_a_value_in_two_regions():
    def claim(kind, values, supported=True, **extra):
        return Claim("s", kind, "x", values, supported, "accuracy", **extra)

    assert contradictions([claim("best", ["A"])], [claim("best", ["B"])])
    assert not contradictions([claim("best", ["A"])], [claim("best", ["B"], supported=False)])
    assert contradictions([claim("order", [["A"], ["B", "C"]])], [claim("order", [["C"], ["A"]])])
    assert not contradictions([claim("order", [["A"], ["B", "C"]])], [claim("order", [["A"], ["C"], ["B"]])])
    assert contradictions([claim("region", [0.1], region="good")], [claim("region", [0.1, 0.3], region="too small")])
    assert not contradictions([claim("region", [0.1], region="good")], [claim("tie", [0.1, 0.3])])


def test_claims_round_trip_through_claims_json(tmp_path):
    claims = [
        Claim("s", "region", "learning_rate_init", [0.1, 0.3], True, "accuracy", region="good"),
        Claim(
            "s",
            "chosen",
            "architecture",
            ["128 relu"],
            True,
            "accuracy",
            estimator="NumpyMLPClassifier",
            params={"hidden_layer_sizes": [128]},
            note="chosen",
        ),
    ]
    write_claims(claims, tmp_path)
    assert read_claims(tmp_path) == claims
    assert sentence(claims[0]) == "learning_rate_init 0.1 and 0.3: good"


@pytest.fixture(scope="module")
def dev_split():
    return load_split("digits", validation_size=0, dtype=np.float32)


@pytest.mark.parametrize("name", ["learning-rate", "optimizer", "batch-size", "architecture"])
def test_quick_runs_on_disjoint_seeds_never_contradict(name, dev_split):
    """The acceptance point of issue 20, on --quick runs: seeds 0-2, 3-5 and 6-8 state nothing opposite."""
    study = get(name)
    settings = study.settings(quick=True)
    runs = []
    for seeds in ([0, 1, 2], [3, 4, 5], [6, 7, 8]):
        result = run_preset(
            study, dev_split, seeds=seeds, grid=settings.grid, params=dict(settings.params), n_jobs=2, progress=False
        )
        runs.append(study.claims(study.read(result, dev_split)))
    assert all(runs), f"{name} makes no claims"
    for i in range(3):
        for j in range(i + 1, 3):
            assert contradictions(runs[i], runs[j]) == [], (name, i, j)
