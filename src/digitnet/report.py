"""``digitnet report``: run every study of the project and write one self-contained HTML page.

The page follows the original project's sections (data, the network, comparison
with MLPClassifier, architecture, training parameters, error analysis,
conclusions). Every number on it, the conclusions included, is computed from
the runs just made; every figure is embedded as a base64 PNG ``data:`` URI, so
``index.html`` can be opened anywhere without network access. Next to it the
output directory holds each figure as a PNG and each study's results as CSV
(plus JSON) in a folder of its own, written by :func:`digitnet.experiments.save_results`.

The work is split so that the notebook shares it:

- :func:`study_settings` says what each study runs (quick or full);
- :func:`run_studies` runs them and returns a :class:`ReportData`;
- :func:`error_analysis` refits the selected architecture and predicts the test set;
- the ``*_conclusion`` functions and :func:`conclusions` turn results into sentences;
- :func:`make_figures`, :func:`render_html` and :func:`build_report` present them.

This module imports only the standard library and NumPy at import time, so the
command line stays quick to start; the heavy modules load when a report is built.
"""

from __future__ import annotations

import base64
import html
import math
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import UsageError

__all__ = [
    "SECTIONS", "ErrorAnalysis", "ReportData", "add_report_command", "architecture_conclusion", "build_report",
    "cmd_report", "compare_conclusion", "compare_one_blas_thread", "conclusions", "digit_samples_figure", "epochs_conclusion",
    "error_analysis", "error_conclusion", "html_table", "learning_rate_conclusion", "make_figures",
    "render_html", "run_studies", "seed_conclusion", "study_settings",
]

#: The page's sections, in order: (anchor id, heading). Training parameters has two subsections.
SECTIONS = [
    ("data", "Data"),
    ("network", "The network"),
    ("comparison", "Comparison with scikit-learn's MLPClassifier"),
    ("architecture", "Architecture"),
    ("training", "Training parameters"),
    ("errors", "Error analysis"),
    ("conclusions", "Conclusions"),
]
TRAINING_SUBSECTIONS = [("learning-rate", "Learning rate"), ("epochs", "Epochs")]

#: The architectures of the full report: a reduced version of the ``architecture`` preset's grid
#: (110 configurations, several minutes), still covering depth 1-3, widths 32-128 and the three classic activations.
REPORT_ARCHITECTURES = [(32,), (64,), (128,), (64, 32), (128, 64), (128, 64, 32)]
REPORT_ACTIVATIONS = ["logistic", "tanh", "relu"]


# ----------------------------------------------------------------------------------------------
# What runs
# ----------------------------------------------------------------------------------------------


def study_settings(quick=False, seeds=None):
    """The settings of every study, for the report and the notebook alike.

    Parameters
    ----------
    quick : bool
        Few seeds and epochs: the whole report in well under a minute (numbers
        are then illustrative, not converged).
    seeds : int, optional
        Use this many seeds (0..N-1) in every study instead of the defaults
        (full: 5 for the comparison, 1 for each preset; quick: 2 and 1).

    Returns
    -------
    dict
        ``study -> {"seeds": int, "grid": dict or None, "params": dict}``; ``grid``
        replaces axes of the preset's grid and ``params`` its shared parameters
        (see :func:`digitnet.experiments.run_preset`); for ``compare``, ``params``
        are the model parameters of both models.
    """
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer)) or seeds < 1):
        raise UsageError(f"the number of seeds must be a positive integer, got {seeds!r}")
    if quick:
        settings = {
            "compare": {"seeds": 2, "grid": None, "params": {"max_iter": 20}},
            "learning-rate": {"seeds": 1, "grid": None, "params": {"max_iter": 60}},
            "epochs": {"seeds": 1, "grid": {"max_iter": [40, 80, 120]}, "params": {}},
            "architecture": {"seeds": 1, "grid": {"hidden_layer_sizes": [(32,), (64,), (64, 32)],
                                                  "activation": ["tanh", "relu"]}, "params": {"max_iter": 20}},
            "seed": {"seeds": 1, "grid": {"max_iter": [60]}, "params": {}},
        }
    else:
        settings = {
            "compare": {"seeds": 5, "grid": None, "params": {}},
            "learning-rate": {"seeds": 1, "grid": None, "params": {}},
            "epochs": {"seeds": 1, "grid": None, "params": {}},
            "architecture": {"seeds": 1, "grid": {"hidden_layer_sizes": list(REPORT_ARCHITECTURES),
                                                  "activation": list(REPORT_ACTIVATIONS)}, "params": {}},
            "seed": {"seeds": 1, "grid": None, "params": {}},
        }
    if seeds is not None:
        for study in settings.values():
            study["seeds"] = int(seeds)
    return settings


@dataclass
class ErrorAnalysis:
    """A fitted model's predictions on the test set, for the error-analysis figures.

    Attributes
    ----------
    model : NumpyMLPClassifier
        Fitted on the split's training rows (validation curves in ``history_``).
    params : dict
        Its parameters (the selected configuration).
    seed : int
    y_true, y_pred : ndarray of shape (n_test,)
    proba : ndarray of shape (n_test, n_classes)
    images : ndarray of shape (n_test, 8, 8) or None
        The unscaled test images.
    classes : ndarray
    accuracy : float
    """

    model: object
    params: dict
    seed: int
    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray
    images: np.ndarray | None
    classes: np.ndarray
    accuracy: float

    @property
    def name(self):
        """The selected configuration in words, e.g. ``"64-32 relu"``."""
        from .experiments import format_layers

        return f"{format_layers(self.params.get('hidden_layer_sizes', (100,)))} {self.params.get('activation', 'relu')}"


def error_analysis(architecture, split, seed=None):
    """Refit the configuration the architecture study selected, and predict the test set.

    The model is the one the study scored on the test set for ``seed``: the same
    parameters, seed and training rows, so its accuracy is that run's ``test_accuracy``.

    Parameters
    ----------
    architecture : SweepResult
        From ``run_preset("architecture", split, ...)``, with ``best`` set.
    split : Split
        The split the study ran on (with a validation part).
    seed : int, optional
        Default: the study's first seed.

    Returns
    -------
    ErrorAnalysis
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from .estimator import NumpyMLPClassifier
    from .experiments import LABEL, _resolve

    if architecture.best is None:
        raise UsageError("error analysis needs a selecting sweep (the architecture preset); this one chose nothing")
    params = {k: v for k, v in architecture.best["params"].items() if k != LABEL}
    seed = architecture.config["seeds"][0] if seed is None else seed
    model = NumpyMLPClassifier(**_resolve(params, len(split.y_train)), random_state=seed)
    validation = None if split.X_val is None else (split.X_val, split.y_val)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(split.X_train, split.y_train, validation_data=validation)
    proba = model.predict_proba(split.X_test)
    y_pred = model.classes_[proba.argmax(axis=1)]
    return ErrorAnalysis(model=model, params=params, seed=seed, y_true=np.asarray(split.y_test), y_pred=y_pred,
                         proba=proba, images=split.images_test, classes=model.classes_,
                         accuracy=float(np.mean(y_pred == split.y_test)))


@dataclass
class ReportData:
    """Everything the report shows: the results of each study and how they were run."""

    quick: bool
    settings: dict
    dataset: object            # digitnet.data.Dataset
    split: object              # the split of the presets (train / validation / test)
    compare_split: object      # the split of the comparison (train / test)
    compare: object            # CompareResult
    learning_rate: object      # SweepResult
    epochs: object             # SweepResult
    architecture: object       # SweepResult (with best)
    seed: object               # SweepResult
    errors: ErrorAnalysis
    gradcheck: dict            # activation -> largest relative error
    timings: dict = field(default_factory=dict)  # step -> seconds
    elapsed: float = 0.0


class _Steps:
    """One line per step on stderr: ``digitnet report [3/8] epochs study ... done in 41.2 s``."""

    def __init__(self, total, enabled):
        self.total, self.enabled, self.done, self.timings = total, enabled, 0, {}

    def run(self, name, what, function):
        self.done += 1
        if self.enabled:
            print(f"digitnet report [{self.done}/{self.total}] {what} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        value = function()
        self.timings[name] = seconds = time.perf_counter() - start
        if self.enabled:
            print(f"digitnet report [{self.done}/{self.total}] {what}: done in {seconds:.1f} s", file=sys.stderr,
                  flush=True)
        return value


def compare_one_blas_thread(split, *, seeds=5, params=None, per_class=True):
    """:func:`digitnet.experiments.compare` with BLAS limited to one thread for both models.

    digitnet already runs its small matrix products on one thread
    (``functional.blas_threads``), which is fastest for them; MLPClassifier uses
    every BLAS thread, which on a busy machine can make it several times slower
    for reasons that have nothing to do with either implementation. With the
    same single thread for both, fit times compare the code.

    Parameters
    ----------
    split : Split
    seeds : int or sequence of int
    params : dict, optional
        Model parameters for both (default: MLPClassifier's defaults).
    per_class : bool

    Returns
    -------
    CompareResult
    """
    from threadpoolctl import threadpool_limits

    from .experiments import compare

    with threadpool_limits(limits=1, user_api="blas"):
        return compare(split, seeds=seeds, per_class=per_class, n_jobs=1, **(params or {}))


def _gradient_checks():
    from .functional import HIDDEN_ACTIVATIONS
    from .gradcheck import gradient_check

    return {a: gradient_check(a, hidden_layer_sizes=(5, 4), alpha=0.01) for a in HIDDEN_ACTIVATIONS}


def run_studies(*, quick=False, seeds=None, n_jobs=1, progress=True, steps=None):
    """Run the comparison, the four presets, the error analysis and the gradient check.

    Parameters
    ----------
    quick : bool
    seeds : int, optional
        See :func:`study_settings`.
    n_jobs : int
        Processes for the sweeps (the comparison stays in this process: its fit
        times are a result).
    progress : bool
        One line per step on stderr, and the sweeps' progress bars.

    Returns
    -------
    ReportData
    """
    from .data import load_dataset, load_split
    from .experiments import run_preset

    settings = study_settings(quick, seeds)
    steps = steps or _Steps(8, progress)
    start = time.perf_counter()
    dataset = steps.run("data", "loading the digits", lambda: load_dataset("digits"))
    split = load_split("digits", validation_size=0.2)
    compare_split = load_split("digits")
    gradcheck = steps.run("gradcheck", "checking gradients by finite differences", _gradient_checks)
    comparison = steps.run("compare", f"comparing with MLPClassifier ({settings['compare']['seeds']} seeds)",
                           lambda: compare_one_blas_thread(compare_split, seeds=settings["compare"]["seeds"],
                                                           params=settings["compare"]["params"]))

    def preset(name):
        s = settings[name]
        return steps.run(name, f"{name} study", lambda: run_preset(
            name, split, seeds=s["seeds"], n_jobs=n_jobs, progress=progress, grid=s["grid"], params=s["params"]))

    learning_rate = preset("learning-rate")
    epochs = preset("epochs")
    architecture = preset("architecture")
    seed = preset("seed")
    errors = steps.run("errors", "error analysis of the selected architecture",
                       lambda: error_analysis(architecture, split))
    return ReportData(quick=quick, settings=settings, dataset=dataset, split=split, compare_split=compare_split,
                      compare=comparison, learning_rate=learning_rate, epochs=epochs, architecture=architecture,
                      seed=seed, errors=errors, gradcheck=gradcheck, timings=steps.timings,
                      elapsed=time.perf_counter() - start)


# ----------------------------------------------------------------------------------------------
# Conclusions: sentences computed from the results
# ----------------------------------------------------------------------------------------------


def _pct(x):
    """A fraction as a percentage with one decimal: 0.9743 -> "97.4%"."""
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def _num(x, digits=2):
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def _lr(value):
    return f"{float(value):g}"


def _ok(runs):
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
        text = (f"digitnet reached {_pct(ours['accuracy_mean'])} ± {_pct(ours['accuracy_std'])} test accuracy vs"
                f" scikit-learn's {_pct(theirs['accuracy_mean'])} ± {_pct(theirs['accuracy_std'])} (mean ± std over"
                f" {n} seeds, same parameters and split); the difference is"
                f" {'significant' if result.test.significant else 'not significant'}"
                f" (paired t-test p={result.test.pvalue:.2g})")
    else:
        text = (f"digitnet reached {_pct(ours['accuracy_mean'])} test accuracy vs scikit-learn's"
                f" {_pct(theirs['accuracy_mean'])} (one seed: no significance test)")
    t_ours, t_theirs = ours["fit_seconds_mean"], theirs["fit_seconds_mean"]
    if t_ours <= t_theirs:
        speed = f"digitnet fitted {t_theirs / t_ours:.1f}x faster"
    else:
        speed = f"scikit-learn fitted {t_ours / t_theirs:.1f}x faster"
    return (f"{text}; {speed} ({_num(t_ours)} s vs {_num(t_theirs)} s per fit on average, one BLAS thread each,"
            f" {_num(ours['n_iter_mean'], 0)} vs {_num(theirs['n_iter_mean'], 0)} epochs).")


def _by_config(runs):
    """One row per configuration: its parameters, and the mean over seeds of every metric."""
    runs = _ok(runs)
    metrics = [c for c in ("val_accuracy", "test_accuracy", "test_f1", "train_loss", "train_accuracy", "fit_seconds",
                           "n_iter") if c in runs]
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
    table = _by_config(result.runs)
    worst = table.loc[table["val_accuracy"].idxmin()]
    n_seeds = len(result.config["seeds"])
    over = f"mean of {n_seeds} seeds" if n_seeds > 1 else "one seed"
    by_activation = table.groupby("activation")["val_accuracy"].max().sort_values(ascending=False)
    activations = ", ".join(f"{name} {_pct(v)}" for name, v in by_activation.items())
    return (f"Of the {len(table)} configurations tried, the best architecture by validation accuracy was"
            f" {best['hidden_layer_sizes']} {best['activation']} with {_pct(best['val_accuracy'])} ({over}),"
            f" {_pct(best['test_accuracy'])} on the test set (checked once, for this configuration only); the"
            f" worst was {worst['hidden_layer_sizes']} {worst['activation']} with {_pct(worst['val_accuracy'])}."
            f" Best validation accuracy per activation: {activations}.")


def _curve_ends(result, key="loss"):
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
    ends = _curve_ends(result)
    sentences, best = [], None
    for lr, group in sorted(runs.groupby("learning_rate_init"), key=lambda item: -float(item[0])):
        if "error" in group and (group["error"] != "").any():
            sentences.append(f"learning rate {_lr(lr)} diverged ({group['error'][group['error'] != ''].iloc[0]})")
            continue
        first = np.mean([ends[r][0] for r in group["run_id"] if r in ends])
        last = np.mean([ends[r][1] for r in group["run_id"] if r in ends])
        epochs = int(group["n_iter"].max())
        val = float(group["val_accuracy"].mean())
        if best is None or val > best[1]:
            best = (lr, val, first, last)
        drop = 1 - last / first if first > 0 else 0.0
        if drop < 0.25:
            verb = f"barely moved the loss in {epochs} epochs ({_num(first)} → {_num(last)})"
        else:
            verb = f"lowered the loss from {_num(first)} to {_num(last)} in {epochs} epochs"
        sentences.append(f"learning rate {_lr(lr)} {verb}, ending at {_pct(val)} validation accuracy")
    text = "; ".join(sentences) + "."
    if best is not None:
        text += (f" The best validation accuracy after full-batch gradient descent came from learning rate"
                 f" {_lr(best[0])} ({_pct(best[1])}).")
    return text[0].upper() + text[1:]


def epochs_conclusion(result):
    """What training longer bought: loss and validation accuracy at the shortest and longest budgets.

    Returns
    -------
    str
    """
    table = _ok(result.runs).groupby("max_iter")[["train_loss", "val_accuracy", "test_accuracy"]].mean()
    table = table.sort_index()
    if table.empty:
        return "Every run of the epochs study failed."
    short, long = table.index[0], table.index[-1]
    best = table["val_accuracy"].idxmax()
    lr = result.params[0].get("learning_rate_init")
    text = (f"At learning rate {_lr(lr)}, training for {long} instead of {short} epochs took the training loss from"
            f" {_num(table.loc[short, 'train_loss'], 3)} to {_num(table.loc[long, 'train_loss'], 3)} and the"
            f" validation accuracy from {_pct(table.loc[short, 'val_accuracy'])} to"
            f" {_pct(table.loc[long, 'val_accuracy'])} (test: {_pct(table.loc[short, 'test_accuracy'])} →"
            f" {_pct(table.loc[long, 'test_accuracy'])}).")
    if best != long:
        text += (f" Validation accuracy first reached its highest value, {_pct(table.loc[best, 'val_accuracy'])}, at"
                 f" {best} epochs.")
    return text


def seed_conclusion(result):
    """The original project's setting against ours, step by step.

    Returns
    -------
    str
    """
    rows = _ok(result.runs).groupby("label", sort=False)[["test_accuracy", "train_loss", "n_iter"]].mean()
    parts = [f"{label}: {_pct(row['test_accuracy'])} test accuracy after {row['n_iter']:.0f} epochs (training loss"
             f" {_num(row['train_loss'], 3)})" for label, row in rows.iterrows()]
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
    from .plots import confused_pairs

    wrong = errors.y_true != errors.y_pred
    n, k = len(errors.y_true), int(wrong.sum())
    text = (f"The selected model ({errors.name}, seed {errors.seed}) misclassified {k} of {n} test digits"
            f" ({_pct(errors.accuracy)} accuracy)")
    if k:
        t, p, count, _ = confused_pairs(errors.y_true, errors.y_pred, errors.classes)[0]  # as the figure ranks them
        confidence = errors.proba.max(axis=1)
        text += (f"; the most frequent mistake was {t} → {p} ({count} time{'s' if count != 1 else ''}). Its mean"
                 f" confidence was {_pct(confidence[~wrong].mean())} on right predictions and"
                 f" {_pct(confidence[wrong].mean())} on wrong ones")
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
        ("Original vs ours", seed_conclusion(data.seed)),
        ("Architecture", architecture_conclusion(data.architecture)),
        ("Learning rate", learning_rate_conclusion(data.learning_rate)),
        ("Epochs", epochs_conclusion(data.epochs)),
        ("Errors", error_conclusion(data.errors)),
    ]


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------


def digit_samples_figure(images, labels, per_class=8, title=None):
    """The first ``per_class`` images of every class, one row per class, as one mosaic.

    Parameters
    ----------
    images : array-like of shape (n_samples, h, w)
    labels : array-like of shape (n_samples,)
    per_class : int
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes (a single image: quick to draw however many digits it shows).
    """
    from matplotlib.figure import Figure

    images, labels = np.asarray(images, dtype=float), np.asarray(labels)
    classes = np.unique(labels)
    h, w = images.shape[1:3]
    gap = 2
    mosaic = np.full((len(classes) * (h + gap) - gap, per_class * (w + gap) - gap), np.nan)
    for i, c in enumerate(classes):
        for j, index in enumerate(np.flatnonzero(labels == c)[:per_class]):
            mosaic[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = images[index]
    fig = Figure(figsize=(0.62 * per_class + 1.2, 0.62 * len(classes) + 0.9), layout="constrained")
    ax = fig.add_subplot()
    from matplotlib import colormaps

    ax.imshow(mosaic, cmap=colormaps["gray_r"].with_extremes(bad="white"), interpolation="nearest",
              vmin=0, vmax=float(np.nanmax(mosaic)) or 1.0)
    ax.set_yticks([i * (h + gap) + (h - 1) / 2 for i in range(len(classes))], [str(c) for c in classes])
    ax.set_xticks([])
    ax.tick_params(length=0, labelsize="large")
    ax.set_ylabel("digit")
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title or f"The first {per_class} images of each digit\n({h}×{w} pixels, darker = more ink)")
    return fig


def make_figures(data):
    """Every figure of the report, by file stem, in page order.

    Returns
    -------
    dict of str -> matplotlib.figure.Figure
    """
    from . import plots

    lr, ep, arch, seed, err = data.learning_rate, data.epochs, data.architecture, data.seed, data.errors
    return {
        "data_samples": digit_samples_figure(data.dataset.images, data.dataset.y),
        "network_original_vs_ours": plots.loss_curves(seed.runs, seed.curves, label_by="label",
                                                      title="Loss per epoch: the original setting, step by step"
                                                      " to ours"),
        "network_original_vs_ours_accuracy": plots.loss_curves(seed.runs, seed.curves, label_by="label",
                                                               metric="accuracy",
                                                               title="Accuracy per epoch: the original setting,"
                                                               " step by step to ours"),
        "compare_bars": plots.comparison_bars(data.compare.runs),
        "compare_time": plots.accuracy_vs_time(data.compare.runs),
        "architecture": plots.architecture_plot(arch.runs),
        "learning_rate_loss": plots.learning_rate_panels(lr.runs, lr.curves),
        "learning_rate_accuracy": plots.loss_curves(lr.runs, lr.curves, metric="accuracy"),
        "epochs_loss": plots.epochs_chart(ep.runs, ep.curves),
        "epochs_accuracy": plots.epochs_chart(ep.runs, ep.curves, metric="accuracy"),
        "errors_confusion": plots.confusion_matrices(err.y_true, err.y_pred, labels=err.classes),
        "errors_pairs": plots.most_confused_pairs(err.y_true, err.y_pred, labels=err.classes),
        "errors_gallery": plots.misclassified_gallery(err.images, err.y_true, err.y_pred, err.proba,
                                                      classes=err.classes),
        "errors_per_class": plots.per_class_metrics(err.y_true, err.y_pred, labels=err.classes),
        "errors_confidence": plots.confidence_histogram(err.y_true, err.y_pred, err.proba, classes=err.classes),
        "errors_weights": plots.first_layer_weights(err.model, max_units=16 if data.quick else 32),
    }


# ----------------------------------------------------------------------------------------------
# HTML
# ----------------------------------------------------------------------------------------------

_e = html.escape

_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       margin: 0; color: #1d2329; background: #fafafa; line-height: 1.5; }
header, main, footer { max-width: 1080px; margin: 0 auto; padding: 0 28px; }
header { padding-top: 28px; }
h1 { font-size: 1.9em; margin: 0 0 0.2em; }
h2 { font-size: 1.45em; margin: 2.2em 0 0.6em; padding-bottom: 0.2em; border-bottom: 2px solid #0072B2; }
h3 { font-size: 1.15em; margin: 1.6em 0 0.5em; }
p.lead { color: #4a5560; margin-top: 0; }
nav { background: #fff; border: 1px solid #dde2e6; border-radius: 6px; padding: 10px 16px; margin: 16px 0; }
nav ol { margin: 0; padding-left: 1.4em; columns: 2; }
nav a, footer a, main a { color: #005a8c; }
figure { margin: 18px 0 26px; background: #fff; border: 1px solid #dde2e6; border-radius: 6px; padding: 12px; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figure.narrow img { max-width: 520px; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 4px; }
figcaption { font-size: 0.92em; color: #4a5560; margin-top: 8px; }
table { border-collapse: collapse; margin: 12px 0 20px; background: #fff; font-size: 0.92em; }
th, td { border: 1px solid #dde2e6; padding: 4px 10px; text-align: right; vertical-align: top; }
th { background: #eef2f5; }
td.text, th.text { text-align: left; }
tr.best td { background: #e6f3ea; font-weight: 600; }
.formula { font-family: "DejaVu Serif", Georgia, "Times New Roman", serif; background: #fff;
           border-left: 3px solid #0072B2; padding: 8px 14px; margin: 10px 0; }
.settings { font-size: 0.92em; color: #4a5560; }
ul.conclusions li { margin-bottom: 0.6em; }
.note { font-size: 0.92em; color: #4a5560; }
code { background: #eef2f5; padding: 0 3px; border-radius: 3px; font-size: 0.92em; }
footer { margin: 40px auto; font-size: 0.88em; color: #4a5560; }
"""


def _cell(value, digits):
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return ""
        return f"{value:.{digits}f}"
    return str(value)


def html_table(frame, digits=4, best_row=None, caption=None, formats=None):
    """A DataFrame as an HTML table; every header and cell is escaped.

    Parameters
    ----------
    frame : DataFrame
        Shown with its columns (not its index).
    digits : int
        Decimals of float cells.
    best_row : int, optional
        Position of a row to highlight.
    caption : str, optional
    formats : dict of column -> format string, optional
        E.g. ``{"error": "{:.1e}"}`` for that column's numbers.

    Returns
    -------
    str
    """
    formats = formats or {}
    align = {c: "" if _numeric_column(frame[c]) else ' class="text"' for c in frame.columns}
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{_e(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th{align[c]}>{_e(str(c))}</th>" for c in frame.columns) + "</tr></thead>")
    out.append("<tbody>")
    for i, row in enumerate(frame.itertuples(index=False)):
        cls = ' class="best"' if best_row is not None and i == best_row else ""
        cells = []
        for c, v in zip(frame.columns, row):
            text = formats[c].format(v) if c in formats and isinstance(v, (int, float, np.number)) else _cell(v, digits)
            cells.append(f"<td{align[c]}>{_e(text)}</td>")
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


_NUMBER = re.compile(r"^[-+−]?[\d.,]+(e[-+]?\d+)?(%| s)?( ± [\d.,]+(e[-+]?\d+)?(%| s)?)?$|^(n/a)?$")


def _numeric_column(column):
    """Right-align numbers, also when they are written as text ("97.4%", "0.12 s ± 0.01 s")."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column):
        return True
    return all(_NUMBER.match(str(v)) for v in column)


#: Readable names of the result columns shown in the page's tables.
_COLUMN_NAMES = {"n_iter": "epochs", "train_accuracy": "training accuracy", "fit_seconds": "fit time (s)",
                 "train_loss": "training loss"}


def _readable(frame):
    from .plots import PARAM_LABELS

    return frame.rename(columns={c: _COLUMN_NAMES.get(c, PARAM_LABELS.get(c, c)) for c in frame.columns})


def _figure_html(images, name, caption, narrow=False):
    png = images.get(name)
    if png is None:
        return ""
    data = base64.b64encode(png).decode("ascii")
    cls = ' class="narrow"' if narrow else ""
    return (f'<figure id="fig-{_e(name)}"{cls}><img src="data:image/png;base64,{data}" alt="{_e(caption)}">'
            f'<figcaption>{_e(caption)} <a href="{_e(name)}.png">{_e(name)}.png</a></figcaption></figure>')


def _percent_columns(frame, columns):
    frame = frame.copy()
    for c in columns:
        if c in frame:
            frame[c] = [_pct(v) for v in frame[c]]
    return frame


def _describe_grid(settings, result):
    """The axes a sweep actually varied, as text."""
    from .experiments import format_layers

    parts = []
    for key in [k for k in result.runs.columns if k in ("hidden_layer_sizes", "activation", "learning_rate_init",
                                                         "max_iter", "label")]:
        values = list(dict.fromkeys(result.runs[key].tolist()))
        if key == "hidden_layer_sizes":
            values = [format_layers(v) if not isinstance(v, str) else v for v in values]
        parts.append(f"{key} ∈ {{{', '.join(str(v) for v in values)}}}")
    seeds = result.config["seeds"]
    return "; ".join(parts) + f"; seeds {', '.join(map(str, seeds))}"


def _params_text(params):
    from .experiments import format_layers

    shown = []
    for k, v in params.items():
        if k == "hidden_layer_sizes":
            v = format_layers(v)
        shown.append(f"{k}={v}")
    return ", ".join(shown) if shown else "the defaults"


def _section_data(data, images):
    d, split = data.dataset, data.split
    classes, counts = np.unique(d.y, return_counts=True)
    import pandas as pd

    parts = {name: np.unique(y, return_counts=True)[1] for name, y in
             (("training", split.y_train), ("validation", split.y_val), ("test", split.y_test))}
    table = pd.DataFrame({"digit": [str(c) for c in classes], "all rows": counts,
                          **{f"{name} rows": values for name, values in parts.items()}})
    total = pd.DataFrame({"digit": ["all"], "all rows": [counts.sum()],
                          **{f"{name} rows": [values.sum()] for name, values in parts.items()}})
    table = pd.concat([table, total], ignore_index=True)
    return f"""
<p>{len(d.y)} images of handwritten digits (scikit-learn's <code>load_digits</code>), each {d.images.shape[1]}×{d.images.shape[2]}
pixels with values 0–{int(d.X.max())}, so {d.X.shape[1]} features per image, and {len(classes)} classes (the digits
{_e(', '.join(str(c) for c in classes))}). Every study uses the project's standard split: a stratified 80/20
train/test split (<code>random_state=42</code>); the presets also hold out 20% of the training part for validation
(model choice looks only at it), the comparison trains on the whole training part. Features are standardised with a
scaler fitted on the training rows only.</p>
{html_table(table)}
{_figure_html(images, "data_samples", "Sample images: the first images of each digit in the dataset.", narrow=True)}
"""


def _section_network(data, images):
    from .functional import n_parameters

    params = data.compare.config["params"]
    from .estimator import NumpyMLPClassifier

    model = NumpyMLPClassifier(**params)
    layers = [data.split.X_train.shape[1], *model.get_params()["hidden_layer_sizes"], len(data.split.classes)]
    import pandas as pd

    grad = pd.DataFrame({"activation": list(data.gradcheck), "largest relative error": list(data.gradcheck.values())})
    seed = data.seed
    rows = _ok(seed.runs).groupby("label", sort=False)[["test_accuracy", "val_accuracy", "train_loss",
                                                         "n_iter", "fit_seconds"]].mean().reset_index()
    rows["n_iter"] = rows["n_iter"].round().astype(int)
    rows = _readable(_percent_columns(rows, ["test_accuracy", "val_accuracy"]))
    settings = [f"<li><b>{_e(str(p.get('label', '')))}</b>: {_e(_params_text({k: v for k, v in p.items() if k != 'label'}))}</li>"
                for p in seed.params]
    return f"""
<p>The network is a multi-layer perceptron written with NumPy alone (<code>digitnet.functional</code>), wrapped in
<code>NumpyMLPClassifier</code>, a drop-in for scikit-learn's <code>MLPClassifier</code>. Its layers are
{_e(' → '.join(map(str, layers)))} units ({n_parameters(layers):,} weights and biases) with
{_e(model.activation)} hidden units and a softmax output, one probability per digit; the original project had a
single sigmoid output for ten classes, which cannot work.</p>
<div class="formula">
forward: A<sup>[0]</sup> = X, &nbsp; Z<sup>[l]</sup> = A<sup>[l−1]</sup> W<sup>[l]</sup> + b<sup>[l]</sup>, &nbsp;
A<sup>[l]</sup> = f(Z<sup>[l]</sup>), &nbsp; A<sup>[L]</sup> = softmax(Z<sup>[L]</sup>), &nbsp;
softmax(z)<sub>k</sub> = e<sup>z<sub>k</sub></sup> / Σ<sub>j</sub> e<sup>z<sub>j</sub></sup><br>
loss: J = −(1/n) Σ<sub>i</sub> Σ<sub>k</sub> Y<sub>ik</sub> log A<sup>[L]</sup><sub>ik</sub> + (α/2n) Σ<sub>l</sub> ‖W<sup>[l]</sup>‖²<br>
backward: δ<sup>[L]</sup> = A<sup>[L]</sup> − Y, &nbsp; ∂J/∂W<sup>[l]</sup> = (A<sup>[l−1]ᵀ</sup> δ<sup>[l]</sup> + α W<sup>[l]</sup>) / n, &nbsp;
∂J/∂b<sup>[l]</sup> = (1/n) Σ<sub>i</sub> δ<sup>[l]</sup><sub>i</sub>, &nbsp;
δ<sup>[l−1]</sup> = (δ<sup>[l]</sup> W<sup>[l]ᵀ</sup>) ⊙ f′(Z<sup>[l−1]</sup>)<br>
gradient descent: θ ← θ − η ∂J/∂θ for every weight and bias θ (η: the learning rate)
</div>
<h3>Gradient check</h3>
<p>Backpropagation agrees with central finite differences, (J(θ+ε) − J(θ−ε)) / 2ε with ε = 10<sup>−6</sup>, on a
small random network (4 → 5 → 4 → 3, α = 0.01) for every hidden activation: a wrong gradient shows errors of
10<sup>−2</sup> or more.</p>
{html_table(grad, formats={"largest relative error": "{:.1e}"})}
<h3>The original project's setting, step by step to ours</h3>
<p>The <code>seed</code> preset trains the original project's network (32 sigmoid units, weights N(0, 0.01²),
full-batch gradient descent) with a correct softmax output, then changes one thing at a time:</p>
<ul class="settings">{''.join(settings)}</ul>
{html_table(rows, digits=3, formats={"fit time (s)": "{:.1f}"})}
{_figure_html(images, "network_original_vs_ours", "Training (solid) and validation (dashed) loss per epoch for each setting.")}
{_figure_html(images, "network_original_vs_ours_accuracy", "Training and validation accuracy per epoch for each setting.")}
"""


def _compare_table(result):
    """The comparison summary, one row per metric: mean ± std over seeds of each model, in readable units."""
    import pandas as pd

    from .plots import LABELS

    rows = []
    units = [("accuracy", "test accuracy", _pct), ("precision", "test precision (macro)", _pct),
             ("recall", "test recall (macro)", _pct), ("f1", "test F1 (macro)", _pct),
             ("fit_seconds", "fit time", lambda v: f"{_num(v)} s"), ("n_iter", "epochs", lambda v: _num(v, 0))]
    for metric, name, fmt in units:
        row = {"metric": name}
        for model, values in result.summary.iterrows():
            mean, std = values[f"{metric}_mean"], values[f"{metric}_std"]
            row[f"{LABELS.get(model, model)} (mean ± std)"] = fmt(mean) + ("" if not np.isfinite(std) else f" ± {fmt(std)}")
        rows.append(row)
    return pd.DataFrame(rows)


def _section_comparison(data, images):
    result = data.compare
    table = _compare_table(result)
    from .estimator import NumpyMLPClassifier

    params = result.config["params"]
    shown = {k: v for k, v in NumpyMLPClassifier(**params).get_params().items()
             if k in ("hidden_layer_sizes", "activation", "solver", "alpha", "batch_size", "learning_rate_init",
                      "max_iter", "tol", "n_iter_no_change") or k in params}
    rest = "MLPClassifier's defaults" if not params else "everything else at MLPClassifier's defaults"
    return f"""
<p>Both models get the same parameters ({_e(_params_text(shown))}; {rest})
and the same split ({len(data.compare_split.y_train)} training and {len(data.compare_split.y_test)} test digits), and
are fitted once per seed ({_e(', '.join(map(str, result.config['seeds'])))}); seed s is <code>random_state=s</code>
for both, so runs are paired by seed. Fits alternate between the two models and run with one BLAS thread each, so
that the fit times compare the code rather than thread contention on a shared machine.</p>
{html_table(table)}
<p>{_e(result.test.describe())}.</p>
{_figure_html(images, "compare_bars", "Test metrics of both models (macro averages over the digits).")}
{_figure_html(images, "compare_time", "Test accuracy against fit time, one dot per seed.")}
"""


def _section_architecture(data, images):
    result = data.architecture
    best = result.best
    table = _by_config(result.runs).reset_index()
    table = table.sort_values(["val_accuracy", "config"], ascending=[False, True])
    shown = table[["hidden_layer_sizes", "activation", "val_accuracy", "train_loss", "n_iter", "fit_seconds"]].copy()
    shown["n_iter"] = shown["n_iter"].round().astype(int)
    shown = _readable(_percent_columns(shown, ["val_accuracy"]))
    top = min(len(shown), 10)
    base = {k: v for k, v in data.settings["architecture"]["params"].items()}
    preset_note = ("" if data.quick else " The preset's full grid (depth 1–3, widths 16–256, five activations: 110"
                   " configurations) is <code>digitnet sweep --preset architecture</code>.")
    return f"""
<p>Grid run: {_e(_describe_grid(data.settings['architecture'], result))}; adam, up to
{_e(str(result.params[0].get('max_iter', 200)))} epochs{_e(' (' + _params_text(base) + ')' if base else '')}.
Configurations are ranked by validation accuracy; the test set is looked at once, for the selected configuration
only, with models trained on the {_e(best['refit_on'])}.{preset_note}</p>
{html_table(shown.head(top), digits=3, best_row=0, formats={"fit time (s)": "{:.1f}"}, caption=(f"The {top} best of {len(shown)} configurations" if top < len(shown) else f"All {top} configurations") + ", by validation accuracy")}
<p>Selected: <b>{_e(best['hidden_layer_sizes'])} {_e(best['activation'])}</b>, validation accuracy
{_pct(best['val_accuracy'])}, test accuracy {_pct(best['test_accuracy'])}, test macro F1 {_num(best['test_f1'], 3)}.</p>
{_figure_html(images, "architecture", "Validation accuracy of every architecture: one panel per depth, one line per activation.")}
"""


def _section_training(data, images):
    lr, ep = data.learning_rate, data.epochs
    ends = _curve_ends(lr)
    rows = []
    for _, r in lr.runs.iterrows():
        first, last, _ = ends.get(r["run_id"], (math.nan, math.nan, 0))
        rows.append({"learning rate": _lr(r["learning_rate_init"]), "seed": r["seed"], "first loss": first,
                     "final loss": last, "epochs": r["n_iter"], "training accuracy": _pct(r["train_accuracy"]),
                     "validation accuracy": _pct(r["val_accuracy"]), "test accuracy": _pct(r["test_accuracy"]),
                     **({"error": r["error"]} if "error" in lr.runs else {})})
    import pandas as pd

    lr_table = pd.DataFrame(rows)
    ep_table = _ok(ep.runs).groupby("max_iter")[["train_loss", "train_accuracy", "val_accuracy", "test_accuracy",
                                                 "fit_seconds"]].mean().reset_index()
    ep_table = _percent_columns(ep_table, ["train_accuracy", "val_accuracy", "test_accuracy"])
    ep_table = _readable(ep_table.rename(columns={"fit_seconds": "seconds to train this far"}))
    lr_settings = _params_text({k: v for k, v in lr.params[0].items() if k != "learning_rate_init"})
    ep_settings = _params_text({k: v for k, v in ep.params[0].items() if k != "max_iter"})
    return f"""
<p>Both studies use plain full-batch gradient descent, as the original project did: one step per epoch on all
{len(data.split.y_train)} training digits, θ ← θ − η ∂J/∂θ, no momentum and no early stopping.</p>
<h3 id="learning-rate">Learning rate</h3>
<p>Grid run: {_e(_describe_grid(data.settings['learning-rate'], lr))}. Shared settings: {_e(lr_settings)}.
(The original notebook's loop over learning rates never passed the rate to the training function, so all its
curves were the same run.)</p>
{html_table(lr_table, digits=3)}
{_figure_html(images, "learning_rate_loss", "Loss per epoch, one panel per learning rate (training solid, validation dashed; log scale).")}
{_figure_html(images, "learning_rate_accuracy", "Accuracy per epoch for every learning rate.")}
<h3 id="epochs">Epochs</h3>
<p>Grid run: {_e(_describe_grid(data.settings['epochs'], ep))}. Shared settings: {_e(ep_settings)}. One training
run per seed, read off at each epoch count (exactly what separate fits of that length would give).</p>
{html_table(ep_table, digits=3, formats={"seconds to train this far": "{:.1f}"})}
{_figure_html(images, "epochs_loss", "Loss per epoch; each marker is where a training budget ends.")}
{_figure_html(images, "epochs_accuracy", "Accuracy per epoch for each training budget.")}
"""


def _section_errors(data, images):
    err = data.errors
    return f"""
<p>The configuration selected by the architecture study ({_e(err.name)}), refitted with seed {err.seed} on the
training digits: {int((err.y_true != err.y_pred).sum())} of {len(err.y_true)} test digits misclassified
({_pct(err.accuracy)} accuracy). Its predictions are in <a href="errors/predictions.csv">errors/predictions.csv</a>.</p>
{_figure_html(images, "errors_confusion", "Confusion matrix on the test set.")}
{_figure_html(images, "errors_pairs", "The most frequent mistakes.")}
{_figure_html(images, "errors_gallery", "Misclassified test digits, the most confident mistakes first.")}
{_figure_html(images, "errors_per_class", "Precision, recall and F1 of each digit.")}
{_figure_html(images, "errors_confidence", "Confidence of right and wrong predictions.")}
{_figure_html(images, "errors_weights", "What the first hidden layer learned: each unit's weights from the 64 pixels.")}
"""


def _section_conclusions(data):
    items = "\n".join(f"<li><b>{_e(topic)}.</b> {_e(text)}</li>" for topic, text in conclusions(data))
    return f"""
<p>Computed from the numbers above, for this run{' (quick mode: few seeds and epochs, so numbers are only indicative)' if data.quick else ''}:</p>
<ul class="conclusions">
{items}
</ul>
"""


_RESULT_DIRS = {"compare": "compare", "learning_rate": "learning-rate", "epochs": "epochs",
                "architecture": "architecture", "seed": "seed"}


def render_html(data, images, files=()):
    """The report page as a string.

    Parameters
    ----------
    data : ReportData
    images : dict of str -> bytes
        PNG bytes of each figure by name (see :func:`make_figures`), embedded as data URIs.
    files : sequence of str
        Result files written next to the page (paths relative to it), listed at the end.

    Returns
    -------
    str
    """
    from .experiments import package_versions

    bodies = {
        "data": _section_data(data, images),
        "network": _section_network(data, images),
        "comparison": _section_comparison(data, images),
        "architecture": _section_architecture(data, images),
        "training": _section_training(data, images),
        "errors": _section_errors(data, images),
        "conclusions": _section_conclusions(data),
    }
    nav = "".join(f'<li><a href="#{key}">{_e(title)}</a></li>' for key, title in SECTIONS)
    sections = "\n".join(f'<section id="{key}">\n<h2>{_e(title)}</h2>\n{bodies[key]}\n</section>'
                         for key, title in SECTIONS)
    versions = package_versions()
    timing = ", ".join(f"{_e(name)} {seconds:.1f} s" for name, seconds in data.timings.items())
    file_list = "".join(f'<li><a href="{_e(f)}">{_e(f)}</a></li>' for f in files)
    mode = "in quick mode: few seeds and epochs" if data.quick else "full run"
    written = time.strftime("%Y-%m-%d %H:%M")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>digitnet report: a NumPy MLP on the Digits dataset</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>digitnet: gradient descent on the Digits dataset</h1>
<p class="lead">A multi-layer perceptron written from scratch in NumPy, trained by gradient descent and compared
with scikit-learn's MLPClassifier. Every number and figure below was computed by <code>digitnet report</code>
({_e(mode)}) on {_e(written)}, in {data.elapsed:.0f} s.</p>
<nav><ol>{nav}</ol></nav>
</header>
<main>
{sections}
</main>
<footer>
<p>Step times: {timing}.</p>
<p>Versions: {_e(', '.join(f'{k} {v}' for k, v in versions.items()))}.</p>
<p>Result files next to this page (CSV tables, JSON with the exact configuration, PNG figures):</p>
<ul>{file_list}</ul>
</footer>
</body>
</html>
"""


# ----------------------------------------------------------------------------------------------
# Writing it all
# ----------------------------------------------------------------------------------------------

#: Resolution of the PNG figures (the page scales them to its width).
REPORT_DPI = 110


def _write_predictions(errors, path):
    import pandas as pd

    from .io import atomic_write

    table = pd.DataFrame({"true": errors.y_true, "predicted": errors.y_pred})
    for i, c in enumerate(errors.classes):
        table[f"probability_{c}"] = errors.proba[:, i]
    text = table.to_csv(index=False, float_format="%.6g")
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def build_report(out_dir, *, quick=False, seeds=None, n_jobs=1, progress=True):
    """Run every study and write the report to ``out_dir``.

    Writes ``index.html`` (self-contained: figures embedded as data URIs), each
    figure as ``<name>.png``, each study's results in a folder of its own
    (``compare/``, ``learning-rate/``, ``epochs/``, ``architecture/``, ``seed/``:
    CSV tables plus ``results.json``, by :func:`digitnet.experiments.save_results`)
    and ``errors/predictions.csv``. Every file is written to a temporary name and
    renamed into place.

    Parameters
    ----------
    out_dir : str or Path
        Created if needed.
    quick : bool, default=False
        Few seeds and epochs (see :func:`study_settings`): a smoke run in well under a minute.
    seeds : int, optional
        Seeds per study, instead of the defaults.
    n_jobs : int, default=1
        Processes for the sweeps.
    progress : bool, default=True
        One line per step (and the sweeps' progress bars) on stderr.

    Returns
    -------
    Path
        The path of ``index.html``.

    Raises
    ------
    UsageError
        If ``out_dir`` cannot be written (checked before any training), or ``seeds`` is not a positive integer.
    """
    from . import plots
    from .experiments import prepare_out_dir, save_results
    from .io import atomic_write

    study_settings(quick, seeds)  # bad seeds: fail before any work
    out = Path(prepare_out_dir(out_dir))
    steps = _Steps(10, progress)
    data = run_studies(quick=quick, seeds=seeds, n_jobs=n_jobs, progress=progress, steps=steps)

    def write_results():
        written = []
        for attr, folder in _RESULT_DIRS.items():
            written += save_results(getattr(data, attr), out / folder)
        (out / "errors").mkdir(exist_ok=True)
        _write_predictions(data.errors, out / "errors" / "predictions.csv")
        written.append(str(out / "errors" / "predictions.csv"))
        return written

    def write_figures():
        images = {}
        for name, fig in make_figures(data).items():
            path = plots.save_figure(fig, out / f"{name}.png", dpi=REPORT_DPI)
            images[name] = path.read_bytes()
        return images

    try:
        written = steps.run("results", "writing result tables", write_results)
        images = steps.run("figures", "drawing figures", write_figures)
    except OSError as exc:
        raise UsageError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    data.elapsed = sum(steps.timings.values())
    files = sorted(os.path.relpath(p, out) for p in written) + [f"{name}.png" for name in images]
    page = render_html(data, images, files)
    index = out / "index.html"
    try:
        atomic_write(index, lambda f: f.write(page.encode("utf-8")))
    except OSError as exc:
        raise UsageError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    if progress:
        print(f"digitnet report: wrote {index} in {data.elapsed:.0f} s", file=sys.stderr, flush=True)
    return index


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------


def add_report_command(subparsers):
    """Add ``digitnet report`` to the ``digitnet`` command's subparsers (``cli.build_parser``)."""
    from .cli import _argtype, _Formatter, _number

    p = subparsers.add_parser(
        "report", formatter_class=_Formatter, help="run every study and write an HTML report",
        description="Run the comparison with MLPClassifier and every preset study (learning rate, epochs,"
        " architecture, seed), then write DIR/index.html: one self-contained page (figures embedded) with a section"
        " per part of the project and conclusions computed from the numbers just measured. DIR also gets every"
        " figure as PNG and every study's results as CSV and JSON.")
    p.add_argument("--out", metavar="DIR", required=True, help="output directory (required; created if needed)")
    p.add_argument("--quick", action="store_true", help="few seeds and epochs: a smoke run in under a minute"
                   " (default: the full report, a few minutes)")
    p.add_argument("--seeds", type=_argtype(_number(int)), default=None,
                   help="seeds per study (default: 5 for the comparison and 1 per preset; quick: 2 and 1)")
    p.add_argument("--jobs", type=_argtype(_number(int)), default=1,
                   help="parallel processes for the sweeps; -1 = all cores (default: 1)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress lines (default: shown)")
    return p


def cmd_report(args):
    """``digitnet report``: build the report, print where it is; 0 on success."""
    index = build_report(args.out, quick=args.quick, seeds=args.seeds, n_jobs=args.jobs,
                         progress=not args.no_progress)
    print(f"wrote {index}")
    return 0
