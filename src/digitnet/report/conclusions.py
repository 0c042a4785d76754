"""The report's conclusions: sentences computed from the results just measured.

Each ``*_conclusion`` function takes one study's result and returns a sentence; :func:`conclusions`
gathers them in the order of the page. No sentence states a number that is not in the results.
The small number formats (:func:`pct`, :func:`num`) are shared with the page's tables.
"""

from __future__ import annotations


from ..experiments.analysis import accuracy_interval
from ..experiments.runs import METRICS
from ..plots import confused_pairs
from . import training_conclusions as training
from .words import finished, num, pct, points, rate  # noqa: F401 (rate: the tables' too)

def compare_conclusion(result):
    """digitnet against MLPClassifier: accuracy, the interval on the difference, in plain words, and speed.

    Parameters
    ----------
    result : CompareResult

    Returns
    -------
    str
    """
    s, test = result.summary, result.test
    ours, theirs = s.loc["digitnet"], s.loc["sklearn"]
    n = int(ours["n_runs"])
    text = (f"digitnet reached {pct(ours['accuracy_mean'])} ± {pct(ours['accuracy_std'])} test accuracy vs"
            f" scikit-learn's {pct(theirs['accuracy_mean'])} ± {pct(theirs['accuracy_std'])} (mean ± std over {n}"
            f" seeds, same parameters and split)")
    if test.identical:
        text += (f"; the two fitted the same models: the same random_state gives the same initial weights and"
                 f" shuffles, and every one of the {n} seeds gave both the same test accuracy")
    elif n > 1:
        text += (f"; the difference, {points(test.mean_difference)} (95% interval {points(test.ci_low)} to"
                 f" {points(test.ci_high)}), is")
        text += (f" significant (paired t-test p={test.pvalue:.2g}): {'digitnet' if test.mean_difference > 0 else 'scikit-learn'}"
                 " is more accurate here" if test.significant else
                 f" not significant (paired t-test p={test.pvalue:.2g}): with {n} seeds the two cannot be told apart")
    else:
        text += " (one seed: no test of the difference)"
    t_ours, t_theirs = ours["fit_seconds_mean"], theirs["fit_seconds_mean"]
    speed = (f"digitnet fitted {t_theirs / t_ours:.1f}x faster" if t_ours <= t_theirs else
             f"scikit-learn fitted {t_ours / t_theirs:.1f}x faster")
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
    """Which configurations the seeds cannot tell apart from the best, the simplest of them, and its test score.

    Parameters
    ----------
    result : SweepResult
        Of the architecture preset (``best`` set by :func:`~digitnet.experiments.selection.select_and_test`).

    Returns
    -------
    str
    """
    best, table = result.best, by_config(result.runs)

    def name(config):
        row = table.loc[config]
        return f"{row['hidden_layer_sizes']} {row['activation']}"

    n_seeds = len(result.config["seeds"])
    top = best["best_config"]
    text = (f"Of the {len(table)} configurations tried, {name(top)} had the best mean validation accuracy,"
            f" {pct(best['best_val_accuracy'])} over {n_seeds} seed{'s' if n_seeds != 1 else ''}")
    others = [c for c in best["tied"] if c != top]
    if others:
        shown = ", ".join(name(c) for c in others[:6]) + (f" and {len(others) - 6} more" if len(others) > 6 else "")
        text += (f"; {len(others)} other{'s' if len(others) != 1 else ''} ({shown}) cannot be told apart from it"
                 f" (tied: {best['rule']})")
    else:
        text += f"; no other configuration is tied with it (tied would mean: {best['rule']})"
    chosen = ("it," if best["config"] == top and not others else
              f"the simplest of {'them' if others else 'it'}, {name(best['config'])} ({best['n_weights']:,} weights),")
    over = f"mean over the {n_seeds} seeds" if n_seeds > 1 else "one seed"
    return (f"{text}. Chosen: {chosen} which scored {pct(best['test_accuracy'])} on the test set ({over}), looked at"
            f" once for this configuration only.")


def curve_ends(result, key="loss"):
    """Per run: the first and last value of its ``key`` curve."""
    ends = {}
    for run_id, curve in result.curves.items():
        values = curve.get(key) or []
        if values:
            ends[run_id] = (float(values[0]), float(values[-1]), len(values))
    return ends


def original_conclusion(result):
    """The original project's setting turned into ours one setting at a time: what each change did.

    Returns
    -------
    str
    """
    rows = finished(result.runs).groupby("label", sort=False)["test_accuracy"].mean()
    labels = list(rows.index)
    if len(labels) < 2:
        return f"The original setting reached {pct(rows.iloc[0]) if len(rows) else 'n/a'} test accuracy."
    gains = {labels[i]: rows.iloc[i] - rows.iloc[i - 1] for i in range(1, len(labels))}
    biggest = max(gains, key=gains.get)
    hurt = [label for label, gain in gains.items() if gain < 0]
    text = (f"The original setting reached {pct(rows.iloc[0])} test accuracy and ours {pct(rows.iloc[-1])}, changing"
            f" one setting at a time over {len(gains)} steps; the largest gain came from \"{biggest.lstrip('+ ')}\""
            f" ({points(gains[biggest])})")
    if hurt:
        worst = min(hurt, key=gains.get)
        which = "1 step lowered it," if len(hurt) == 1 else f"{len(hurt)} steps lowered it, most of all"
        text += f", and {which} \"{worst.lstrip('+ ')}\" ({points(gains[worst])}): a change that only pays with another"
    return text + "."


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


def trust_conclusion(accuracy, n_test, n_writers=13):
    """How far to trust an accuracy measured on ``n_test`` digits of Digits: its interval, and the writers.

    Returns
    -------
    str
    """
    low, high = accuracy_interval(accuracy, n_test)
    return (f"The test set holds {n_test} digits, so one digit is {100 / n_test:.2f} points and an accuracy of"
            f" {pct(accuracy)} is known to within {pct(low)} to {pct(high)} (a 95% interval). Differences smaller"
            f" than that between two models measured once are noise. And these scores are optimistic: scikit-learn's"
            f" Digits is the test set of UCI's optdigits, written by {n_writers} people, so a random split puts the"
            f" same writers' digits on both sides; on digits of new writers expect lower accuracy.")


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
    studies = data.studies
    return [
        ("Comparison", compare_conclusion(data.compare)),
        ("Original vs ours", original_conclusion(studies["original-to-ours"])),
        ("Architecture", architecture_conclusion(studies["architecture"])),
        *((training.TRAINING_TITLES[name], training.training_conclusion(name, studies[name], data.spreads))
          for name in training.TRAINING_STUDIES),
        ("Errors", error_conclusion(data.errors)),
        ("How far to trust these numbers", trust_conclusion(data.errors.accuracy, len(data.errors.y_true))),
    ]
