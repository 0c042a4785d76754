"""The conclusions say what the result files say."""

import json
import re

import pandas as pd
import pytest

from digitnet import report

from .helpers import conclusions_of, pct


def test_comparison_conclusion_matches_the_csvs(built):
    out, _, page, _ = built
    sentence = conclusions_of(page)["Comparison"]
    summary = pd.read_csv(out / "compare" / "summary.csv").set_index("model")
    ours, theirs = summary.loc["digitnet"], summary.loc["sklearn"]
    assert (f"digitnet reached {pct(ours.accuracy_mean)} ± {pct(ours.accuracy_std)} test accuracy vs scikit-learn's"
            f" {pct(theirs.accuracy_mean)} ± {pct(theirs.accuracy_std)}") in sentence
    test = json.loads((out / "compare" / "results.json").read_text())["test"]
    verdict = "significant" if test["pvalue"] < 0.05 else "not significant"
    assert f"the difference is {verdict} (paired t-test p={test['pvalue']:.2g})" in sentence
    ratio = theirs.fit_seconds_mean / ours.fit_seconds_mean
    faster = f"digitnet fitted {ratio:.1f}x faster" if ratio >= 1 else f"scikit-learn fitted {1 / ratio:.1f}x faster"
    assert faster in sentence
    assert f"{ours.fit_seconds_mean:.2f} s vs {theirs.fit_seconds_mean:.2f} s per fit" in sentence


def test_architecture_conclusion_matches_the_csvs(built):
    out, _, page, _ = built
    sentence = conclusions_of(page)["Architecture"]
    runs = pd.read_csv(out / "architecture" / "sweep.csv", dtype={"hidden_layer_sizes": str})
    by_config = runs.groupby(["hidden_layer_sizes", "activation"])["val_accuracy"].mean()
    (layers, activation), val = by_config.idxmax(), by_config.max()
    best = json.loads((out / "architecture" / "results.json").read_text())["best"]
    assert (best["hidden_layer_sizes"], best["activation"]) == (layers, activation)
    tested = runs[(runs.hidden_layer_sizes == layers) & (runs.activation == activation)]["test_accuracy"].mean()
    assert (f"the best architecture by validation accuracy was {layers} {activation} with {pct(val)} (one seed),"
            f" {pct(tested)} on the test set") in sentence
    (worst_layers, worst_activation), worst = by_config.idxmin(), by_config.min()
    assert f"the worst was {worst_layers} {worst_activation} with {pct(worst)}" in sentence
    assert f"Of the {len(by_config)} configurations tried" in sentence


def test_learning_rate_conclusion_matches_the_curves(built):
    out, _, page, _ = built
    sentence = conclusions_of(page)["Learning rate"]
    runs = pd.read_csv(out / "learning-rate" / "sweep.csv")
    curves = json.loads((out / "learning-rate" / "curves.json").read_text())
    parts = {}
    for part in sentence.split(";"):
        match = re.search(r"learning rate ([\d.e-]+) ", part, re.I)
        parts[float(match.group(1))] = part
    assert sorted(parts) == sorted(runs.learning_rate_init)
    for _, run in runs.iterrows():
        loss = curves[run.run_id]["loss"]
        part = parts[run.learning_rate_init]
        assert f"{loss[0]:.2f}" in part and f"{loss[-1]:.2f}" in part
        assert f"in {len(loss)} epochs" in part
        assert f"ending at {pct(run.val_accuracy)} validation accuracy" in part
        moved = 1 - loss[-1] / loss[0]
        assert ("barely moved the loss" in part) == (moved < 0.25)
    best = runs.loc[runs.val_accuracy.idxmax()]
    assert f"came from learning rate {best.learning_rate_init:g} ({pct(best.val_accuracy)})" in sentence


def test_epochs_conclusion_matches_the_csvs(built):
    out, _, page, _ = built
    sentence = conclusions_of(page)["Epochs"]
    runs = pd.read_csv(out / "epochs" / "sweep.csv").sort_values("max_iter")
    short, long = runs.iloc[0], runs.iloc[-1]
    assert f"training for {long.max_iter} instead of {short.max_iter} epochs" in sentence
    assert f"from {short.train_loss:.3f} to {long.train_loss:.3f}" in sentence
    assert f"from {pct(short.val_accuracy)} to {pct(long.val_accuracy)}" in sentence
    assert f"(test: {pct(short.test_accuracy)} → {pct(long.test_accuracy)})" in sentence


def test_seed_and_error_conclusions_match_the_csvs(built):
    out, _, page, _ = built
    found = conclusions_of(page)
    runs = pd.read_csv(out / "original-to-ours" / "sweep.csv")
    for _, run in runs.iterrows():
        assert f"{run.label}: {pct(run.test_accuracy)} test accuracy after {run.n_iter} epochs" in \
            found["Original vs ours"]
    predictions = pd.read_csv(out / "errors" / "predictions.csv")
    wrong = int((predictions.true != predictions.predicted).sum())
    accuracy = 1 - wrong / len(predictions)
    assert f"misclassified {wrong} of {len(predictions)} test digits ({pct(accuracy)} accuracy)" in \
        found["Errors"]
    # the error analysis refits the selected configuration: the same model the study scored on the test set
    best = json.loads((out / "architecture" / "results.json").read_text())["best"]
    assert accuracy == pytest.approx(best["test_accuracy"])


def test_conclusions_are_the_public_function(built):
    _, _, page, data = built
    shown = list(conclusions_of(page).values())
    expected = [f"{topic}. {text}" for topic, text in report.conclusions(data)]
    assert shown == expected
