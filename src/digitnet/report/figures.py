"""Every figure of the report, drawn from its results (by :mod:`digitnet.plots`)."""

from __future__ import annotations

from .. import plots


def make_figures(data):
    """Every figure of the report, by file stem, in page order.

    Returns
    -------
    dict of str -> matplotlib.figure.Figure
    """
    lr, ep, arch, original, err = data.learning_rate, data.epochs, data.architecture, data.original, data.errors
    return {
        "data_samples": plots.digit_samples_figure(data.dataset.images, data.dataset.y),
        "network_original_vs_ours": plots.loss_curves(original.runs, original.curves, label_by="label",
                                                      title="Loss per epoch: the original setting, step by step"
                                                      " to ours"),
        "network_original_vs_ours_accuracy": plots.loss_curves(original.runs, original.curves, label_by="label",
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
