"""Every figure of the report: the data, the comparison (baselines included) and the error analysis here, each
study's from its module."""

from __future__ import annotations

from .. import plots


def make_figures(data):
    """Every figure of the report, by file stem, in page order.

    Returns
    -------
    dict of str -> matplotlib.figure.Figure
    """
    err = data.errors
    return {
        "data_samples": plots.digit_samples_figure(data.dataset.images, data.dataset.y),
        **({"compare_baselines": plots.baselines_figure(data.baselines.models)} if data.baselines else {}),
        "compare_bars": plots.comparison_bars(data.compare.runs),
        "compare_time": plots.accuracy_vs_time(data.compare.runs),
        **{
            key: figure
            for outcome in data.studies.values()
            for key, figure in outcome.study.figures(outcome.reading).items()
        },
        "errors_confusion": plots.confusion_matrices(err.y_true, err.y_pred, labels=err.classes),
        "errors_pairs": plots.most_confused_pairs(err.y_true, err.y_pred, labels=err.classes),
        "errors_gallery": plots.misclassified_gallery(
            err.images, err.y_true, err.y_pred, err.proba, classes=err.classes
        ),
        "errors_per_class": plots.per_class_metrics(err.y_true, err.y_pred, labels=err.classes),
        "errors_confidence": plots.confidence_histogram(err.y_true, err.y_pred, err.proba, classes=err.classes),
        "errors_weights": plots.first_layer_weights(err.model, max_units=16 if data.quick else 32),
    }
