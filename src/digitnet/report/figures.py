"""Every figure of the report, drawn from its results (by :mod:`digitnet.plots`)."""

from __future__ import annotations

from .. import plots
from ..experiments.analysis import best_rate_per, learning_rate_landscape
from ..experiments.presets import ORIGINAL_RATES
from ..plots import studies
from .training_conclusions import TRAINING_STUDIES


def illustrative_rates(readings):
    """A few learning rates worth drawing: the smallest, the last too small, the best, the largest that did not
    diverge (the one likeliest to oscillate), and the first that diverged."""
    sound = [r for r in readings if r.diverged_at is None]
    picks = [readings[0].rate]
    small = [r.rate for r in readings if r.region == "too small"]
    if small:
        picks.append(small[-1])
    if sound:
        picks.append(max(sound, key=lambda r: r.val_accuracy).rate)
        picks.append(sound[-1].rate)
    diverging = [r.rate for r in readings if r.diverged_at is not None]
    if diverging:
        picks.append(diverging[0])
    return sorted(set(picks))


def _learning_rate(result, spreads):
    readings = learning_rate_landscape(result.runs, result.curves, result.n_val)
    return {"learning_rate_landscape": studies.learning_rate_landscape(readings, ORIGINAL_RATES),
            "learning_rate_curves": studies.rate_curves(result.runs, result.curves, illustrative_rates(readings),
                                                        readings)}


_STUDY_FIGURES = {
    "learning-rate": _learning_rate,
    "epochs": lambda r, _: {"epochs_overfitting": studies.overfitting_chart(r.runs, r.curves)},
    "batch-size": lambda r, _: {"batch_size": studies.tuned_curves(
        r.runs, r.curves, "batch_size", best_rate_per(r.runs, "batch_size"), seconds=True)},
    "optimizer": lambda r, _: {"optimizer": studies.tuned_curves(
        r.runs, r.curves, "label", best_rate_per(r.runs, "label"), title="Each optimizer at its own best learning rate")},
    "momentum": lambda r, _: {"momentum": plots.loss_curves(r.runs, r.curves, label_by="momentum", show_validation=False,
                                                            title="Training loss per epoch by momentum β")},
    "regularization": lambda r, _: {"regularization": studies.against_parameter(r.runs, "alpha")},
    "initialization": lambda r, spreads: {"initialization": studies.initialization_chart(spreads, r.runs, r.curves)},
}


def study_figures(name, result, spreads=None):
    """The figures of the training-parameter study ``name``, by file stem.

    Parameters
    ----------
    name : str
        One of :data:`~digitnet.report.training_conclusions.TRAINING_STUDIES`.
    result : SweepResult
    spreads : dict, optional
        For ``initialization`` (see :func:`~digitnet.report.studies.initialization_spreads`).

    Returns
    -------
    dict of str -> matplotlib.figure.Figure
    """
    return _STUDY_FIGURES[name](result, spreads or {})


def make_figures(data):
    """Every figure of the report, by file stem, in page order.

    Returns
    -------
    dict of str -> matplotlib.figure.Figure
    """
    original, arch, err = data.studies["original-to-ours"], data.studies["architecture"], data.errors
    return {
        "data_samples": plots.digit_samples_figure(data.dataset.images, data.dataset.y),
        "network_original_vs_ours": plots.loss_curves(original.runs, original.curves, label_by="label",
                                                      show_validation=False, title="Training loss per epoch: the"
                                                      " original setting, one change at a time to ours"),
        "network_original_steps": studies.steps_chart(original.runs),
        "compare_bars": plots.comparison_bars(data.compare.runs),
        "compare_time": plots.accuracy_vs_time(data.compare.runs),
        "architecture": plots.architecture_plot(arch.runs),
        **{key: figure for name in TRAINING_STUDIES
           for key, figure in study_figures(name, data.studies[name], data.spreads).items()},
        "errors_confusion": plots.confusion_matrices(err.y_true, err.y_pred, labels=err.classes),
        "errors_pairs": plots.most_confused_pairs(err.y_true, err.y_pred, labels=err.classes),
        "errors_gallery": plots.misclassified_gallery(err.images, err.y_true, err.y_pred, err.proba,
                                                      classes=err.classes),
        "errors_per_class": plots.per_class_metrics(err.y_true, err.y_pred, labels=err.classes),
        "errors_confidence": plots.confidence_histogram(err.y_true, err.y_pred, err.proba, classes=err.classes),
        "errors_weights": plots.first_layer_weights(err.model, max_units=16 if data.quick else 32),
    }
