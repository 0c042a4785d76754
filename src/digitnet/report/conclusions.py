"""The report's conclusions: sentences computed from the results just measured.

Each ``*_conclusion`` function takes one study's result and returns a sentence; :func:`conclusions`
gathers them in the order of the page. No sentence states a number that is not in the results.
The small number formats (:func:`pct`, :func:`num`) are shared with the page's tables.
"""

from __future__ import annotations

import numpy as np

from ..experiments.runs import METRICS
from ..plots import confused_pairs

def pct(x):
    """A fraction as a percentage with one decimal: 0.9743 -> "97.4%"."""
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def num(x, digits=2):
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def rate(value):
    return f"{float(value):g}"


def finished(runs):
    """The runs that finished (a diverged run has an ``error``)."""
    return runs[runs["error"] == ""] if "error" in runs else runs


def compare_conclusion(result):
    """One sentence on digitnet against MLPClassifier: accuracy, the paired test, and speed.

    Parameters
    ----------
    result : CompareResult

    Returns
    -------
    str
    """
    s = result.summary
    ours, theirs = s.loc["digitnet"], s.loc["sklearn"]
    n = int(ours["n_runs"])
    if n > 1:
        text = (f"digitnet reached {pct(ours['accuracy_mean'])} ± {pct(ours['accuracy_std'])} test accuracy vs"
                f" scikit-learn's {pct(theirs['accuracy_mean'])} ± {pct(theirs['accuracy_std'])} (mean ± std over"
                f" {n} seeds, same parameters and split); the difference is"
                f" {'significant' if result.test.significant else 'not significant'}"
                f" (paired t-test p={result.test.pvalue:.2g})")
    else:
        text = (f"digitnet reached {pct(ours['accuracy_mean'])} test accuracy vs scikit-learn's"
                f" {pct(theirs['accuracy_mean'])} (one seed: no significance test)")
    t_ours, t_theirs = ours["fit_seconds_mean"], theirs["fit_seconds_mean"]
    if t_ours <= t_theirs:
        speed = f"digitnet fitted {t_theirs / t_ours:.1f}x faster"
    else:
        speed = f"scikit-learn fitted {t_ours / t_theirs:.1f}x faster"
    return (f"{text}; {speed} ({num(t_ours)} s vs {num(t_theirs)} s per fit on average, one BLAS thread each,"
            f" {num(ours['n_iter_mean'], 0)} vs {num(theirs['n_iter_mean'], 0)} epochs).")


def by_config(runs):
    """One row per configuration: its parameters, and the mean over seeds of every metric."""
    runs = finished(runs)
    metrics = [c for c in (*METRICS, "fit_seconds", "n_iter") if c in runs]
    table = runs.groupby("config").first()
    table[metrics] = runs.groupby("config")[metrics].mean()
    return table


def architecture_conclusion(result):
    """The selected architecture, its validation and test accuracy, and the range over the grid.

    Parameters
    ----------
    result : SweepResult
        Of the architecture preset (``best`` set).

    Returns
    -------
    str
    """
    best = result.best
    table = by_config(result.runs)
    worst = table.loc[table["val_accuracy"].idxmin()]
    n_seeds = len(result.config["seeds"])
    over = f"mean of {n_seeds} seeds" if n_seeds > 1 else "one seed"
    by_activation = table.groupby("activation")["val_accuracy"].max().sort_values(ascending=False)
    activations = ", ".join(f"{name} {pct(v)}" for name, v in by_activation.items())
    return (f"Of the {len(table)} configurations tried, the best architecture by validation accuracy was"
            f" {best['hidden_layer_sizes']} {best['activation']} with {pct(best['val_accuracy'])} ({over}),"
            f" {pct(best['test_accuracy'])} on the test set (checked once, for this configuration only); the"
            f" worst was {worst['hidden_layer_sizes']} {worst['activation']} with {pct(worst['val_accuracy'])}."
            f" Best validation accuracy per activation: {activations}.")


def curve_ends(result, key="loss"):
    """Per run: the first and last value of its ``key`` curve."""
    ends = {}
    for run_id, curve in result.curves.items():
        values = curve.get(key) or []
        if values:
            ends[run_id] = (float(values[0]), float(values[-1]), len(values))
    return ends


def learning_rate_conclusion(result):
    """How far each learning rate moved the loss, and which one ended with the best validation accuracy.

    Returns
    -------
    str
    """
    runs = result.runs
    ends = curve_ends(result)
    sentences, best = [], None
    for lr, group in sorted(runs.groupby("learning_rate_init"), key=lambda item: -float(item[0])):
        if "error" in group and (group["error"] != "").any():
            sentences.append(f"learning rate {rate(lr)} diverged ({group['error'][group['error'] != ''].iloc[0]})")
            continue
        first = np.mean([ends[r][0] for r in group["run_id"] if r in ends])
        last = np.mean([ends[r][1] for r in group["run_id"] if r in ends])
        epochs = int(group["n_iter"].max())
        val = float(group["val_accuracy"].mean())
        if best is None or val > best[1]:
            best = (lr, val, first, last)
        drop = 1 - last / first if first > 0 else 0.0
        if drop < 0.25:
            verb = f"barely moved the loss in {epochs} epochs ({num(first)} → {num(last)})"
        else:
            verb = f"lowered the loss from {num(first)} to {num(last)} in {epochs} epochs"
        sentences.append(f"learning rate {rate(lr)} {verb}, ending at {pct(val)} validation accuracy")
    text = "; ".join(sentences) + "."
    if best is not None:
        text += (f" The best validation accuracy after full-batch gradient descent came from learning rate"
                 f" {rate(best[0])} ({pct(best[1])}).")
    return text[0].upper() + text[1:]


def epochs_conclusion(result):
    """What training longer bought: loss and validation accuracy at the shortest and longest budgets.

    Returns
    -------
    str
    """
    table = finished(result.runs).groupby("max_iter")[["train_loss", "val_accuracy", "test_accuracy"]].mean()
    table = table.sort_index()
    if table.empty:
        return "Every run of the epochs study failed."
    short, long = table.index[0], table.index[-1]
    best = table["val_accuracy"].idxmax()
    lr = result.params[0].get("learning_rate_init")
    text = (f"At learning rate {rate(lr)}, training for {long} instead of {short} epochs took the training loss from"
            f" {num(table.loc[short, 'train_loss'], 3)} to {num(table.loc[long, 'train_loss'], 3)} and the"
            f" validation accuracy from {pct(table.loc[short, 'val_accuracy'])} to"
            f" {pct(table.loc[long, 'val_accuracy'])} (test: {pct(table.loc[short, 'test_accuracy'])} →"
            f" {pct(table.loc[long, 'test_accuracy'])}).")
    if best != long:
        text += (f" Validation accuracy first reached its highest value, {pct(table.loc[best, 'val_accuracy'])}, at"
                 f" {best} epochs.")
    return text


def original_conclusion(result):
    """The original project's setting against ours, step by step.

    Returns
    -------
    str
    """
    rows = finished(result.runs).groupby("label", sort=False)[["test_accuracy", "train_loss", "n_iter"]].mean()
    parts = [f"{label}: {pct(row['test_accuracy'])} test accuracy after {row['n_iter']:.0f} epochs (training loss"
             f" {num(row['train_loss'], 3)})" for label, row in rows.iterrows()]
    return "From the original project's setting to ours — " + "; ".join(parts) + "."


def error_conclusion(errors):
    """How many test digits the selected model got wrong, the most frequent mistake, and its confidence.

    Parameters
    ----------
    errors : ErrorAnalysis

    Returns
    -------
    str
    """
    wrong = errors.y_true != errors.y_pred
    n, k = len(errors.y_true), int(wrong.sum())
    text = (f"The selected model ({errors.name}, seed {errors.seed}) misclassified {k} of {n} test digits"
            f" ({pct(errors.accuracy)} accuracy)")
    if k:
        t, p, count, _ = confused_pairs(errors.y_true, errors.y_pred, errors.classes)[0]  # as the figure ranks them
        confidence = errors.proba.max(axis=1)
        text += (f"; the most frequent mistake was {t} → {p} ({count} time{'s' if count != 1 else ''}). Its mean"
                 f" confidence was {pct(confidence[~wrong].mean())} on right predictions and"
                 f" {pct(confidence[wrong].mean())} on wrong ones")
    return text + "."


def conclusions(data):
    """Every conclusion of the report, computed from its results.

    Parameters
    ----------
    data : ReportData

    Returns
    -------
    list of (str, str)
        ``(topic, sentence)`` pairs, in the order of the page's sections.
    """
    return [
        ("Comparison", compare_conclusion(data.compare)),
        ("Original vs ours", original_conclusion(data.original)),
        ("Architecture", architecture_conclusion(data.architecture)),
        ("Learning rate", learning_rate_conclusion(data.learning_rate)),
        ("Epochs", epochs_conclusion(data.epochs)),
        ("Errors", error_conclusion(data.errors)),
    ]
