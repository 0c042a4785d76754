"""The L2 study: alphas ranked by cross-validated accuracy (a best only when it replicates, else a tie), the gap
between training and cross-validated accuracy at the smallest alpha, and the alphas that underfit. Made-up results:
a clear winner, a tie, a flipped replication."""

from digitnet.studies import get
from digitnet.studies.effects import LOWERS, RAISES, SAME

from .helpers import sweep_result


def _result(scores, seeds=(0, 1, 2)):
    """``alpha -> (training accuracy, [cross-validated accuracy per seed])``."""
    rows = [
        {"config": c, "seed": s, "alpha": alpha, "train_accuracy": train, "val_accuracy": val[i]}
        for c, (alpha, (train, val)) in enumerate(scores.items())
        for i, s in enumerate(seeds)
    ]
    return sweep_result(rows, seeds=seeds)


def _read(result):
    study = get("regularization")
    reading = study.read(result, None)
    return study, reading, study.conclusion(reading)


def _claims(study, reading, kind):
    return [c for c in study.claims(reading) if c.kind == kind]


CLEAR = {
    0.0: (1.0, [0.970, 0.971, 0.969]),
    0.01: (1.0, [0.972, 0.973, 0.971]),
    1.0: (0.998, [0.990, 0.991, 0.989]),
    100.0: (0.60, [0.58, 0.59, 0.57]),
}


def test_a_clear_winner_is_named_with_the_gap_and_the_underfit():
    study, reading, text = _read(_result(CLEAR))
    best = _claims(study, reading, "best")
    assert [(c.about, c.values, c.supported) for c in best] == [("alpha", [1.0], True)]
    assert "The best alpha by cross-validated accuracy is 1 (99.0%), ahead of every other on every replication." in text
    assert (
        "Without penalty (alpha 0) the network fits its training digits at 100.0% and the held-out digits at"
        " 97.0%: a gap of 3.0 points (overfitting)." in text
    )
    effects = {c.about: (c.values, c.supported) for c in _claims(study, reading, "effect")}
    assert effects["training against cross-validated accuracy at the smallest alpha"] == ([RAISES], True)
    assert effects["alpha 100 against the smallest alpha"] == ([LOWERS], True)
    assert effects["alpha 1 against the smallest alpha"] == ([SAME], True)
    assert "From alpha 100 on, the penalty lowers even the training accuracy (on every replication: 100)" in text
    assert "fits only 60.0% of its training digits and 58.0% of the held-out ones (underfitting)" in text
    table = study.table(reading)
    assert list(table["underfits"]) == ["", "no", "no", "yes"]


def test_alphas_within_the_margin_are_a_tie_not_a_best():
    tie = {**CLEAR, 1.0: (1.0, [0.973, 0.974, 0.972])}  # 0.2 points above 0.01, 0.3 above 0: within half a point
    study, reading, text = _read(_result(tie))
    assert not _claims(study, reading, "best")
    assert [c.values for c in _claims(study, reading, "tie")] == [[1.0, 0.01, 0.0]]
    assert (
        "By cross-validated accuracy, alphas 0, 0.01, 1 cannot be told apart (the best mean, 97.3%, came at 1" in text
    )


def test_a_winner_that_flips_on_one_seed_is_not_claimed():
    flipped = {**CLEAR, 0.01: (1.0, [0.995, 0.996, 0.975])}  # ahead of alpha 1 on seeds 0 and 1, behind on seed 2
    study, reading, text = _read(_result(flipped))
    assert not [c for c in _claims(study, reading, "best") if c.supported]
    assert "cannot be told apart" in text and "The best alpha" not in text
    # a gap that only some seeds show is said to be uncertain
    shaky = {0.0: (0.975, [0.960, 0.972, 0.973]), **{a: v for a, v in CLEAR.items() if a}}
    study, reading, text = _read(_result(shaky))
    gap = [c for c in _claims(study, reading, "effect") if c.about.startswith("training against")]
    assert not gap[0].supported and "not every replication" in text


def test_alpha_goes_from_none_to_underfitting_on_a_wide_network():
    study = get("regularization")
    alphas = study.grid["alpha"]
    assert alphas[0] == 0 and alphas[-1] >= 10 and study.base_params["hidden_layer_sizes"][0] >= 256
    assert study.cv == 3 and study.metric == "cross-validated accuracy"
