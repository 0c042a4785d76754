"""Paired effects: a direction claimed only when every replication gives it; "no difference" only well within the
margin, so that an effect near the margin is never claimed both ways by two sets of seeds."""

import numpy as np
import pandas as pd

from digitnet.studies.claims import contradictions
from digitnet.studies.effects import LOWERS, RAISES, SAME, UNDECIDED, direction, effect_claim, paired_effects


def test_direction_has_a_dead_zone_between_half_the_margin_and_the_margin():
    assert [direction(d, 0.01) for d in (0.02, 0.01, 0.007, 0.005, 0.0, -0.005, -0.007, -0.01)] == [
        RAISES,
        RAISES,
        UNDECIDED,
        SAME,
        SAME,
        SAME,
        UNDECIDED,
        LOWERS,
    ]
    assert direction(np.nan, 0.01) is None


def _table(rows):
    return pd.DataFrame.from_dict(rows, orient="index", columns=[0, 1, 2, 3])


def test_a_clear_effect_a_tie_and_a_flipped_one():
    table = _table(
        {
            "base": [0.90, 0.91, 0.92, 0.90],
            "better": [0.95, 0.96, 0.97, 0.95],
            "same": [0.901, 0.911, 0.919, 0.901],
            "flips": [0.95, 0.96, 0.90, 0.88],
        }
    )
    effects = paired_effects(table, {k: (k, "base") for k in ("better", "same", "flips")}, margin=0.01)
    assert (effects["better"].direction, effects["better"].supported) == (RAISES, True)
    assert abs(effects["better"].mean - 0.05) < 1e-12 and effects["better"].error == 0.0
    assert (effects["same"].direction, effects["same"].supported) == (SAME, True)
    assert not effects["flips"].supported  # up on two seeds, down on two


def test_an_effect_near_the_margin_is_never_claimed():
    near = _table({"base": [0.90] * 4, "near": [0.9075, 0.9080, 0.9070, 0.9078]})  # +0.75 points, margin 1 point
    effect = paired_effects(near, {"near": ("near", "base")}, margin=0.01)["near"]
    assert effect.direction == UNDECIDED and not effect.supported
    claim = effect_claim("s", "near", effect, "accuracy", "note")
    assert not claim.supported and claim.extra["difference"] == round(effect.mean, 6)
    # so two seed sets, one just under and one just over the margin, cannot contradict each other as sure claims
    over = paired_effects(_table({"base": [0.90] * 4, "near": [0.911] * 4}), {"near": ("near", "base")}, 0.01)
    under = paired_effects(_table({"base": [0.90] * 4, "near": [0.906] * 4}), {"near": ("near", "base")}, 0.01)
    claims = [[effect_claim("s", "near", e["near"], "accuracy", "")] for e in (over, under)]
    assert claims[0][0].supported and not claims[1][0].supported and not contradictions(*claims)
