"""The momentum study on made-up results: equal η beside equal effective step η/(1 − β), each grid ranked by
cross-validated accuracy and, apart, by training loss (a clear order, a tie, a replication that flips), what the
equal step shows that equal η hides, overshoot as a described effect; and its grids."""

import dataclasses

import numpy as np

from digitnet.studies import get
from digitnet.studies.momentum import effective_step

from .helpers import sweep_result
from .tuned_helpers import SEEDS, find, per_seed

STEADY, CLIMBS = "steady", "climbs"
#: Scores like the real study's (300 epochs): (β, η) -> (accuracy, final loss, shape of the loss curve).
REAL = {
    (0.0, 0.1): (0.964, 0.064, STEADY),
    (0.5, 0.1): (0.968, 0.028, STEADY),
    (0.9, 0.1): (0.967, 0.0029, STEADY),
    (0.99, 0.1): (0.947, 0.00025, CLIMBS),
    (0.0, 1.0): (0.971, 0.0035, STEADY),
    (0.5, 0.5): (0.970, 0.0035, STEADY),
    (0.99, 0.01): (0.954, 0.00044, STEADY),
}
RATE, STEP = "momentum at learning rate η = 0.1", "momentum at effective step η/(1 − β) = 1"


def _curve(loss, shape):
    """20 epochs ending at ``loss``: falling all the way, or (overshoot) down to half of it and back up."""
    if shape == CLIMBS:
        return list(np.geomspace(2.5, loss / 2, 16)) + [loss * 0.6, loss * 0.75, loss * 0.9, loss]
    return list(np.geomspace(2.5, loss, 20))


def _runs(arms):
    """``arms[(β, η)] = (accuracy, loss, shape)``, each a number or a list per seed (shape: one per seed too)."""
    rows, curves = [], {}
    for c, ((beta, lr), (accuracy, loss, shape)) in enumerate(arms.items()):
        shapes = shape if isinstance(shape, list) else [shape] * len(SEEDS)
        for s, (a, l, kind) in enumerate(zip(per_seed(accuracy), per_seed(loss), shapes)):
            rows.append(
                {
                    "config": c,
                    "seed": SEEDS[s],
                    "momentum": beta,
                    "learning_rate_init": lr,
                    "val_accuracy": a,
                    "train_loss": l,
                    "n_iter": 20,
                }
            )
            curves[f"c{c:02d}-s{SEEDS[s]}"] = {"loss": _curve(l, kind)}
    result = sweep_result(rows, curves)
    result.config = dataclasses.replace(result.config, cv=3)
    return result


def _read(arms):
    study = get("momentum")
    reading = study.read(_runs(arms), None)
    return study, reading, study.claims(reading)


def test_equal_step_shows_what_equal_rate_hides():
    study, reading, claims = _read(REAL)
    assert find(claims, "order", RATE, "training loss")[0].values == [[0.99], [0.9], [0.5], [0.0]]
    assert find(claims, "order", STEP, "training loss")[0].values == [[0.99], [0.9, 0.0, 0.5]]
    assert find(claims, "order", RATE, "cross-validated")[0].values == [[0.5, 0.9, 0.0], [0.99]]
    assert find(claims, "effect", "overshoot at learning rate η = 0.1")[0].values == [0.99]
    assert find(claims, "effect", "overshoot at effective step η/(1 − β) = 1")[0].values == []
    assert all(c.supported for c in find(claims, "effect"))
    sentence = study.conclusion(reading)
    assert (
        "What equal η hides: at η = 0.1, β 0.5, 0.9 and 0.99 end with a training loss 2.29, 22.1 and 256 times"
        " lower than β 0, but their effective steps are 0.2, 1 and 10, not 0.1."
    ) in sentence
    assert (
        "At equal effective step 1 the data cannot tell β 0.5 and 0.9 from β 0 (a factor of 1.00 and 1.21): for"
        " them the gain was the larger step, not the velocity."
    ) in sentence
    assert (
        "At equal step 1, β 0.99 still ends 7.95 times lower than β 0: that part of the gain is momentum's own"
        in sentence
    )
    assert "The overshoot of β 0.99 at η = 0.1 (effective step 10) is gone at equal step 1" in sentence
    assert (
        "At learning rate η = 0.1, β 0.99 reaches the lowest training loss and the lowest accuracy (94.7% against"
        " 96.8% at β 0.5)"
    ) in sentence
    table = study.table(reading)
    assert list(table["η/(1 − β)"]) == ["0.1", "0.2", "1", "10", "1", "1", "1", "1"]
    assert table["loss climbed back to"].iloc[3] == "2.00× its lowest"  # back up from half its end to its end
    assert table["loss went up at"].iloc[3] == "21% of epochs" and table["loss went up at"].iloc[2] == "0% of epochs"


def test_betas_within_half_a_point_are_a_tie():
    tied = {key: (0.970, loss, shape) for key, (_, loss, shape) in REAL.items()}
    study, reading, claims = _read(tied)
    assert find(claims, "tie", RATE, "cross-validated")[0].values and not find(claims, "best", RATE, "cross-val")
    assert (
        "Which generalises, by cross-validated accuracy after 20 epochs: β 0, 0.5, 0.9 and 0.99 cannot be told"
        " apart" in study.conclusion(reading)
    )


def test_an_overshoot_some_seeds_show_and_others_not_is_uncertain():
    flipped = {**REAL, (0.99, 0.1): (0.947, 0.00025, [CLIMBS, STEADY, CLIMBS])}
    study, reading, claims = _read(flipped)
    effect = find(claims, "effect", "overshoot at learning rate η = 0.1")[0]
    assert effect.values == [0.99] and not effect.supported
    sentence = study.conclusion(reading)
    assert "(not every replication agrees on which βs)" in sentence and "is gone at equal step" not in sentence


def test_a_heavy_momentum_that_ends_behind_at_equal_step_is_said_to_lag():
    short = {**REAL, (0.99, 0.01): (0.92, 0.02, STEADY)}  # as in a short run: its velocity has not built up
    study, reading, _ = _read(short)
    assert (
        "At equal step 1, β 0.99 ends behind β 0 (a loss 5.71 times higher): a velocity needs about 1/(1 − β) ="
        " 100 steps to build up to the effective step."
    ) in study.conclusion(reading)


def test_the_grids_are_equal_rate_and_equal_effective_step():
    study = get("momentum")
    configs = {(b, lr) for g in study.grid for b in g["momentum"] for lr in g["learning_rate_init"]}
    betas = (0.0, 0.5, 0.9, 0.99)
    assert {(b, 0.1) for b in betas} <= configs  # the original setting: every β at η = 0.1
    assert sorted(effective_step(lr, b) for b, lr in configs if (b, lr) not in {(b, 0.1) for b in betas}) == [1.0] * 3
    assert len(configs) == 7  # β 0.9 at η 0.1 has effective step 1: one run in both grids
    p = study.base_params
    assert (p["solver"], p["batch_size"], p["nesterovs_momentum"], study.cv) == ("sgd", "full", False, 3)
