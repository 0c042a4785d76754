"""The conclusions on the page say what the result files next to it say (checked from the files, not the code)."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from digitnet import report
from digitnet.studies.learning_rate import ORIGINAL_RATES

from .helpers import conclusions_of, pct


def test_comparison_conclusion_matches_the_csvs(built):
    out, _, page, _ = built
    sentence = conclusions_of(page)["Comparison"]
    models = pd.read_csv(out / "baselines" / "summary.csv").set_index("model")
    ours, mlp = models.loc["digitnet, carried forward"], models.loc[models.estimator == "MLPClassifier"].iloc[0]
    assert f"the network the architecture study carried forward ({_settings(out)}" in sentence
    assert (
        f"reached {pct(ours.accuracy_mean)} ± {pct(ours.accuracy_std)} (mean ± std over"
        f" {int(ours.n_seeds)} seeds) against {pct(mlp.accuracy_mean)} ± {pct(mlp.accuracy_std)}"
    ) in sentence
    assert f"{100 * (ours.accuracy_mean - mlp.accuracy_mean):+.1f} points" in sentence
    for name in ("logistic regression", "k-nearest neighbours", "RBF SVC"):
        assert f"{name} {pct(models.loc[name, 'accuracy_mean'])} (" in sentence
    summary = pd.read_csv(out / "compare" / "summary.csv").set_index("model")
    ours, theirs = summary.loc["digitnet"], summary.loc["sklearn"]
    assert (
        f"digitnet reached {pct(ours.accuracy_mean)} ± {pct(ours.accuracy_std)} test accuracy vs scikit-learn's"
        f" {pct(theirs.accuracy_mean)} ± {pct(theirs.accuracy_std)} (mean ± std over {int(ours.n_runs)} seeds"
    ) in sentence
    test = json.loads((out / "compare" / "results.json").read_text())["test"]
    runs = pd.read_csv(out / "compare" / "compare.csv").sort_values("seed")
    same = runs[runs.model == "digitnet"].accuracy.to_numpy() == runs[runs.model == "sklearn"].accuracy.to_numpy()
    if same.all():  # the same random_state gives the same model: said so, with no test of a difference of 0
        assert f"every one of the {len(same)} seeds gave both the same test accuracy" in sentence
    else:
        assert (
            f"{100 * test['mean_difference']:+.1f} points (95% interval {100 * test['ci_low']:+.1f} points" in sentence
        )
        verdict = "significant" if test["pvalue"] < 0.05 else "not significant"
        assert f"is {verdict} (paired t-test p={test['pvalue']:.2g})" in sentence
    ratio = theirs.fit_seconds_mean / ours.fit_seconds_mean
    faster = f"digitnet fitted {ratio:.1f}x faster" if ratio >= 1 else f"scikit-learn fitted {1 / ratio:.1f}x faster"
    assert faster in sentence


def test_architecture_conclusion_matches_the_csvs(built):
    out, _, page, _ = built
    sentence = conclusions_of(page)["Architecture"]
    runs = pd.read_csv(out / "architecture" / "sweep.csv", dtype={"hidden_layer_sizes": str})
    means = runs.groupby("config")["val_accuracy"].mean()
    best = json.loads((out / "architecture" / "results.json").read_text())["best"]
    assert best["config"] == means.idxmax()  # the highest mean cross-validated accuracy is carried forward
    first = runs[runs.config == best["config"]].iloc[0]
    assert (
        f"Carried forward: {first.hidden_layer_sizes} {first.activation} ({first.scaling}), the highest mean"
        f" cross-validated accuracy of the {len(means)} configurations, {pct(means.max())} over"
        f" {runs.seed.nunique()} seeds × 3 folds"
    ) in sentence
    chosen = runs[runs.config == best["config"]]
    assert f"it scored {pct(chosen.test_accuracy.mean())} on the test set" in sentence
    assert runs[runs.config != best["config"]].test_accuracy.isna().all()  # the test set looked at once


def _settings(out):
    """The carried-forward network in the words of the comparison, from its parameters in results.json."""
    chosen = json.loads((out / "baselines" / "results.json").read_text())["models"][0]["params"]
    layers = "-".join(map(str, chosen["hidden_layer_sizes"]))
    return f"{layers} {chosen['activation']}, {chosen['scaling']} scaling"


def test_learning_rate_conclusion_matches_the_csvs(built):
    """The regions, recomputed by hand from sweep.csv (a diverged seed makes its rate diverge; good: within half a
    point of the best mean), are the page's; claims.json holds the same regions, each marked as it replicates."""
    out, _, page, data = built
    sentence = conclusions_of(page)["Learning rate"]
    runs = pd.read_csv(out / "learning-rate" / "sweep.csv")
    diverged = runs.groupby("learning_rate_init")["diverged_at"].min().dropna()
    for value, epoch in diverged.items():
        assert f"{value:g} (at epoch {int(epoch)})" in sentence
    means = runs[~runs.learning_rate_init.isin(diverged.index)].groupby("learning_rate_init")["val_accuracy"].mean()
    best = means.idxmax()
    good = means[means >= means[best] - 0.005].index
    claims = json.loads((out / "learning-rate" / "claims.json").read_text())
    regions = {v: c["region"] for c in claims if c["kind"] == "region" for v in c["values"]}
    assert {v for v, r in regions.items() if r == "good"} == set(good)
    assert {v for v, r in regions.items() if r == "diverges"} == set(diverged.index)
    assert all(r == "too small" for v, r in regions.items() if v < good.min())
    assert (
        f"(the best mean, {pct(means[best])}, came at {best:g}" in sentence
        or f"The best, {pct(means[best])}, came at {best:g}" in sentence
    )
    uncertain = [v for c in claims if c["kind"] == "region" and not c["supported"] for v in c["values"]]
    for value in uncertain:  # said to be uncertain, by name
        assert f"{value:g} (" in sentence.split("Not every replication agrees on")[1]
    for value in ORIGINAL_RATES:
        assert f"{value:g} (" in sentence.split("The original project's rates:")[1]


def test_epochs_conclusion_matches_the_curves(built):
    out, _, page, _ = built
    sentence = conclusions_of(page)["Epochs"]
    curves = json.loads((out / "epochs" / "curves.json").read_text())
    val = np.mean(
        [
            c["val_loss"]
            for c in curves.values()
            if len(c["val_loss"]) == max(len(d["val_loss"]) for d in curves.values())
        ],
        axis=0,
    )
    assert f"the cross-validated loss was lowest at epoch {int(np.argmin(val)) + 1} ({val.min():.3f} nats)" in sentence
    assert "the test set is not used" in sentence


def test_original_and_error_conclusions_match_the_csvs(built):
    out, _, page, data = built
    found = conclusions_of(page)
    runs = pd.read_csv(out / "original-to-ours" / "sweep.csv", dtype={"hidden_layer_sizes": str})
    means = runs.groupby("config")["val_accuracy"].mean()
    original = runs.loc[runs.label == "original", "config"].iloc[0]
    ours = runs.loc[
        (runs.weight_init == "glorot")
        & (runs.activation == "relu")
        & (runs.hidden_layer_sizes == "100")
        & (runs.batch_size == "auto")
        & runs.shuffle
        & (runs.learning_rate_init == 0.001)
        & (runs.solver == "adam")
        & (runs.n_iter_no_change == 10)
        & (runs.tol == 1e-4)
        & runs.label.str.startswith("+ "),
        "config",
    ].unique()
    assert len(ours) == 1  # MLPClassifier's defaults, the chain's last step
    assert (
        f"the original setting reached {pct(means[original])} and ours {pct(means[ours[0]])}"
        in found["Original vs ours"]
    )
    for label in runs.label[runs.label.str.startswith("original + ")]:  # every change is named
        assert label.removeprefix("original + ") in found["Original vs ours"]
    predictions = pd.read_csv(out / "errors" / "predictions.csv")
    wrong = int((predictions.true != predictions.predicted).sum())
    accuracy = 1 - wrong / len(predictions)
    assert f"misclassified {wrong} of {len(predictions)} test digits ({pct(accuracy)} accuracy)" in found["Errors"]
    # the error analysis refits the selected configuration with the first seed: that run's test score
    best = json.loads((out / "architecture" / "results.json").read_text())["best"]
    arch = pd.read_csv(out / "architecture" / "sweep.csv")
    run = arch[(arch.config == best["config"]) & (arch.seed == data.errors.seed)]
    assert accuracy == pytest.approx(run.test_accuracy.iloc[0])


def test_trust_note_states_the_interval(built):
    _, _, page, data = built
    sentence = conclusions_of(page)["How far to trust these numbers"]
    n = len(data.errors.y_true)
    assert f"The test set holds {n} digits, so one digit is {100 / n:.2f} points" in sentence
    low, high = re.search(r"within ([\d.]+)% to ([\d.]+)%", sentence).groups()
    assert float(low) < 100 * data.errors.accuracy < float(high)
    assert "13 people" in sentence and "optimistic" in sentence


def test_conclusions_are_the_public_function(built):
    _, _, page, data = built
    shown = list(conclusions_of(page).values())
    expected = [f"{topic}. {text}" for topic, text in report.conclusions(data)]
    assert shown == expected
    said = dict(report.conclusions(data))
    for outcome in data.studies.values():  # each study's own sentence, under its title
        assert said[outcome.study.title] == outcome.study.conclusion(outcome.reading)
