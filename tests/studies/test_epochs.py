"""The epochs study: the epochs of lowest cross-validated loss (a region, not one epoch), whether the loss rises after
them (overfitting), and where early stopping keeps its weights; the test set not used. Made-up curves: a clear rise,
a flat tie, a rise on one seed only."""

import numpy as np
import pytest

from digitnet.studies import get
from digitnet.studies.effects import RAISES, SAME

from .helpers import sweep_result

EPOCHS = 30


def _result(val_loss, seeds=(0, 1, 2)):
    """One run per seed of 30 epochs; ``val_loss(epochs, seed)`` its cross-validated loss. The accuracy climbs to
    epoch 12 and stays: early stopping (patience 10) stops at epoch 23 and keeps epoch 12."""
    e = np.arange(1, EPOCHS + 1)
    rows, curves = [], {}
    for s in seeds:
        rows.append(
            {
                "config": 0,
                "seed": s,
                "max_iter": EPOCHS,
                "n_iter": EPOCHS,
                "train_loss": 0.001,
                "val_accuracy": 0.962,
                "train_accuracy": 1.0,
            }
        )
        curves[f"c00-s{s}"] = {
            "loss": list(2.0 * np.exp(-e / 3)),
            "val_loss": list(val_loss(e, s)),
            "val_accuracy": list(0.95 + 0.001 * np.minimum(e, 12)),
        }
    return sweep_result(rows, curves, seeds=seeds)


def _read(result):
    study = get("epochs")
    reading = study.read(result, None)
    return study, reading, {(c.kind, c.about, c.metric, c.supported): c for c in study.claims(reading)}


def u_shaped(e, seed):
    return 0.10 + 0.0005 * (e - 10) ** 2 + 0.0002 * seed


def test_a_clear_rise_is_overfitting_and_the_lowest_epochs_are_a_region():
    study, reading, claims = _read(_result(u_shaped))
    region = claims["tie", "epoch", "cross-validated loss (nats)", True]
    assert region.values == list(range(7, 14))  # within 0.005 nats of the lowest: |e - 10| <= 3
    rises = claims["effect", "training past the epoch of lowest loss", "cross-validated loss (nats)", True]
    assert rises.values == [RAISES]
    accuracy = claims["effect", "training past the epoch of lowest loss", "cross-validated accuracy", True]
    assert accuracy.values == [SAME]
    kept = claims[
        "effect", "early stopping (MLPClassifier's rule on validation accuracy)", "cross-validated loss (nats)", True
    ]
    assert kept.values == ["among the epochs of lowest loss"]
    text = study.conclusion(reading)
    assert "the cross-validated loss was lowest at epoch 10 (0.100 nats)" in text
    assert (
        "every replication puts epochs 7–13 within 0.005 nats of the lowest: the data cannot tell them apart." in text
    )
    assert "rises by 0.200 nats to 0.300 at epoch 30" in text and "(overfitting)" in text
    assert "the mistakes grew more confident rather than more numerous" in text
    assert "would stop at epoch 23 and keep the weights of epoch 12 (96.2%), among the epochs of lowest loss." in text


def test_a_flat_tail_is_a_tie_of_many_epochs_and_no_overfitting():
    def flat(e, seed):
        return np.where(e < 5, 0.3, 0.10 + 0.00001 * e) + 0.0002 * seed

    study, reading, claims = _read(_result(flat))
    assert claims["tie", "epoch", "cross-validated loss (nats)", True].values == list(range(5, EPOCHS + 1))
    assert claims["effect", "training past the epoch of lowest loss", "cross-validated loss (nats)", True].values == [
        SAME
    ]
    text = study.conclusion(reading)
    assert "every replication puts epochs 5–30 within 0.005 nats" in text
    assert "no sign of overfitting within 30 epochs" in text and "(overfitting)" not in text


def test_a_rise_on_one_seed_only_is_not_claimed():
    def flat_after(e, seed):  # seeds 0 and 1 stay at their lowest after epoch 10; seed 2 rises
        return u_shaped(e, seed) if seed == 2 else np.where(e <= 10, u_shaped(e, seed), 0.10 + 0.0002 * seed)

    study, reading, _ = _read(_result(flat_after))
    rises = [
        c
        for c in study.claims(reading)
        if c.about == "training past the epoch of lowest loss" and c.metric.startswith("cross-validated loss")
    ]
    assert len(rises) == 1 and not rises[0].supported
    assert reading.uncertain and max(reading.uncertain) > max(reading.region)  # the region's far edge moves
    text = study.conclusion(reading)
    assert "not every replication agrees that it rises by more than the margin" in text
    assert "(on some replications only: " in text


def test_the_test_set_is_not_used_and_the_words_say_so():
    study, reading, _ = _read(_result(u_shaped))
    table = study.table(reading)
    assert not [c for c in table.columns if "test" in c]
    assert "the test set is not used here" in study.question
    assert "the test set is not used" in study.conclusion(reading)
    assert list(table["epoch"]) == sorted(set(table["epoch"])) and {10, 12, EPOCHS} <= set(table["epoch"])
    row = table.set_index("epoch").loc[10]
    assert row["cross-validated loss"] == pytest.approx(0.1002) and row["note"] == "lowest cross-validated loss"
    assert row["within 0.005 nats of the lowest on"] == "every replication"
    assert table.set_index("epoch").loc[12, "note"] == "early stopping keeps"


def test_the_lowest_epoch_and_the_kept_one_can_be_the_same_row():
    def lowest_at_12(e, seed):
        return 0.10 + 0.0005 * (e - 12) ** 2 + 0.0002 * seed

    study, reading, _ = _read(_result(lowest_at_12))
    assert reading.lowest == reading.kept == 12
    assert (
        study.table(reading).set_index("epoch").loc[12, "note"] == "lowest cross-validated loss; early stopping keeps"
    )
