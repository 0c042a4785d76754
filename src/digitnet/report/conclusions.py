"""The report's conclusions: sentences computed from the results just measured.

The comparison, the error analysis and how far to trust the numbers have their ``*_conclusion``
function here; every study says its own (:meth:`digitnet.studies.Study.conclusion`).
:func:`conclusions` gathers them in the order of the page. No sentence states a number that is
not in the results.
"""

from __future__ import annotations

from ..experiments.analysis import accuracy_interval
from ..experiments.baselines import CHOSEN, MLP_DEFAULTS
from ..plots import confused_pairs
from ..words import num, pct, points


def baselines_conclusion(baselines):
    """The carried-forward network against MLPClassifier's defaults and the tuned baselines, on the same test digits.

    Parameters
    ----------
    baselines : BaselinesResult

    Returns
    -------
    str
    """
    ours = next((m for m in baselines.models if m.name == CHOSEN), None)
    theirs = next((m for m in baselines.models if m.estimator == "MLPClassifier"), None)
    text = ""
    if ours is not None and theirs is not None:
        ahead = ours.mean >= theirs.mean
        what = "MLPClassifier's defaults" if theirs.name == MLP_DEFAULTS else f"MLPClassifier ({theirs.settings})"
        text = (
            f"On the same {ours.n_test} test digits, the network the architecture study carried forward"
            f" ({ours.settings}) reached {pct(ours.mean)} ± {pct(ours.std)} (mean ± std over {len(ours.seeds)}"
            f" seeds) against {pct(theirs.mean)} ± {pct(theirs.std)} for {what}"
            f" ({len(theirs.seeds)} seeds), {points(ours.mean - theirs.mean)}: "
            + (
                "at least as accurate on average."
                if ahead
                else "less accurate on average: the study's choice did not pay off here."
            )
            + " "
        )
    tuned = [m for m in baselines.models if not m.network]
    if tuned:
        low, high = tuned[0].interval
        text += (
            "Tuned by cross-validation on the development rows only, then scored once: "
            + ", ".join(f"{m.name} {pct(m.mean)} ({m.settings})" for m in tuned)
            + f". With {tuned[0].n_test} test digits, one digit is {100 / tuned[0].n_test:.2f} points and a"
            f" single score of {pct(tuned[0].mean)} is known to within {pct(low)} to {pct(high)} (Wilson's 95%"
            " interval): differences smaller than that between models scored once are noise."
        )
    return text.strip()


def compare_conclusion(result, baselines=None):
    """The carried-forward network against MLPClassifier's defaults and the baselines (:func:`baselines_conclusion`),
    then the drop-in: digitnet against MLPClassifier with the same parameters, accuracy, the interval on the
    difference, in plain words, and speed.

    Parameters
    ----------
    result : CompareResult
    baselines : BaselinesResult, optional

    Returns
    -------
    str
    """
    s, test = result.summary, result.test
    ours, theirs = s.loc["digitnet"], s.loc["sklearn"]
    n = int(ours["n_runs"])
    head = (
        (baselines_conclusion(baselines) + " As a drop-in, with the same parameters and seeds, ") if baselines else ""
    )
    text = (
        f"{head}digitnet reached {pct(ours['accuracy_mean'])} ± {pct(ours['accuracy_std'])} test accuracy vs"
        f" scikit-learn's {pct(theirs['accuracy_mean'])} ± {pct(theirs['accuracy_std'])} (mean ± std over {n}"
        f" seeds, same parameters and split)"
    )
    if test.identical:
        text += (
            f"; the two fitted the same models: the same random_state gives the same initial weights and"
            f" shuffles, and every one of the {n} seeds gave both the same test accuracy"
        )
    elif n > 1:
        text += (
            f"; the difference, {points(test.mean_difference)} (95% interval {points(test.ci_low)} to"
            f" {points(test.ci_high)}), is"
        )
        text += (
            f" significant (paired t-test p={test.pvalue:.2g}): {'digitnet' if test.mean_difference > 0 else 'scikit-learn'}"
            " is more accurate here"
            if test.significant
            else f" not significant (paired t-test p={test.pvalue:.2g}): with {n} seeds the two cannot be told apart"
        )
    else:
        text += " (one seed: no test of the difference)"
    t_ours, t_theirs = ours["fit_seconds_mean"], theirs["fit_seconds_mean"]
    speed = (
        f"digitnet fitted {t_theirs / t_ours:.1f}x faster"
        if t_ours <= t_theirs
        else f"scikit-learn fitted {t_ours / t_theirs:.1f}x faster"
    )
    return (
        f"{text}; {speed} ({num(t_ours)} s vs {num(t_theirs)} s per fit on average, one BLAS thread each,"
        f" {num(ours['n_iter_mean'], 0)} vs {num(theirs['n_iter_mean'], 0)} epochs)."
    )


def error_conclusion(errors):
    """How many test digits the carried-forward model got wrong, the most frequent mistake, and its confidence.

    Parameters
    ----------
    errors : ErrorAnalysis

    Returns
    -------
    str
    """
    wrong = errors.y_true != errors.y_pred
    n, k = len(errors.y_true), int(wrong.sum())
    text = (
        f"The carried-forward model ({errors.name}, seed {errors.seed}) misclassified {k} of {n} test digits"
        f" ({pct(errors.accuracy)} accuracy)"
    )
    if k:
        t, p, count, _ = confused_pairs(errors.y_true, errors.y_pred, errors.classes)[0]  # as the figure ranks them
        confidence = errors.proba.max(axis=1)
        text += (
            f"; the most frequent mistake was {t} → {p} ({count} time{'s' if count != 1 else ''}). Its mean"
            f" confidence was {pct(confidence[~wrong].mean())} on right predictions and"
            f" {pct(confidence[wrong].mean())} on wrong ones"
        )
    return text + "."


def trust_conclusion(accuracy, n_test, n_writers=13):
    """How far to trust an accuracy measured on ``n_test`` digits of Digits: its interval, and the writers.

    Returns
    -------
    str
    """
    low, high = accuracy_interval(accuracy, n_test)
    return (
        f"The test set holds {n_test} digits, so one digit is {100 / n_test:.2f} points and an accuracy of"
        f" {pct(accuracy)} is known to within {pct(low)} to {pct(high)} (a 95% interval). Differences smaller"
        f" than that between two models measured once are noise. And these scores are optimistic: scikit-learn's"
        f" Digits is the test set of UCI's optdigits, written by {n_writers} people, so a random split puts the"
        f" same writers' digits on both sides; on digits of new writers expect lower accuracy."
    )


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
        ("Comparison", compare_conclusion(data.compare, data.baselines)),
        *((o.study.title, o.study.conclusion(o.reading)) for o in data.studies.values()),
        ("Errors", error_conclusion(data.errors)),
        ("How far to trust these numbers", trust_conclusion(data.errors.accuracy, len(data.errors.y_true))),
    ]
