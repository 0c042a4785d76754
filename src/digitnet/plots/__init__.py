"""Pictures of every study: loss curves, sweeps, the comparison, error analysis, learned weights.

Every function returns a :class:`matplotlib.figure.Figure` built with the object-oriented API
(``Figure(...)``, never ``pyplot``), so nothing depends on a display or leaks global state; write
one to disk with :func:`save_figure`. One module per kind of figure:

- :mod:`~digitnet.plots.curves`: :func:`loss_curves`, :func:`learning_rate_panels`, :func:`epochs_chart`;
- :mod:`~digitnet.plots.tuned`: what several studies draw: :func:`mean_band`, :func:`tuned_curves` (each arm
  at its own best rate), :func:`against_parameter` (a study's own figures live in its module of
  :mod:`digitnet.studies`);
- :mod:`~digitnet.plots.sweeps`: :func:`accuracy_heatmap`, :func:`architecture_plot`;
- :mod:`~digitnet.plots.comparison`: :func:`comparison_bars`, :func:`accuracy_vs_time`;
- :mod:`~digitnet.plots.errors`: :func:`confusion_matrices`, :func:`most_confused_pairs`,
  :func:`misclassified_gallery`, :func:`per_class_metrics`, :func:`confidence_histogram`;
- :mod:`~digitnet.plots.weights`: :func:`first_layer_weights`; :mod:`~digitnet.plots.digits`:
  :func:`digit_samples_figure`;
- :mod:`~digitnet.plots.style`: colours, names and helpers they share; :mod:`~digitnet.plots.saving`.

Inputs are the tidy tables of :mod:`digitnet.experiments` (extra columns are ignored):

- *comparison runs*: one row per (model, seed) with ``model`` ("digitnet" | "sklearn"), ``seed``,
  ``accuracy``, ``precision``, ``recall``, ``f1``, ``fit_seconds``, ``n_iter``;
- *sweep runs*: one row per run, parameter columns (``hidden_layer_sizes`` as "64-32",
  ``activation``, ``learning_rate_init``, ``max_iter``, ...), ``seed``, ``run_id``,
  ``val_accuracy``, ``test_accuracy``, ...;
- *curves*: ``{run_id: {"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...]}}``
  (the ``val_*`` lists are optional; an estimator's ``history_`` has this shape);
- error analysis: plain arrays ``y_true``, ``y_pred``, ``proba`` (n, n_classes) and ``images`` (n, 8, 8).
"""

from ..experiments.params import parse_layers
from .comparison import accuracy_vs_time, baselines_figure, comparison_bars
from .curves import epochs_chart, learning_rate_panels, loss_curves
from .digits import digit_samples_figure
from .errors import (
    confidence_histogram,
    confused_pairs,
    confusion_matrices,
    misclassified_gallery,
    most_confused_pairs,
    per_class_metrics,
)
from .saving import save_figure
from .style import ACTIVATION_COLORS, COLORS, LABELS, OUTCOME_COLORS, PARAM_LABELS
from .sweeps import accuracy_heatmap, architecture_plot
from .tuned import against_parameter, mean_band, tuned_curves
from .weights import first_layer_weights

__all__ = [
    "ACTIVATION_COLORS",
    "COLORS",
    "LABELS",
    "OUTCOME_COLORS",
    "PARAM_LABELS",
    "accuracy_heatmap",
    "accuracy_vs_time",
    "against_parameter",
    "architecture_plot",
    "baselines_figure",
    "comparison_bars",
    "confidence_histogram",
    "confused_pairs",
    "confusion_matrices",
    "digit_samples_figure",
    "epochs_chart",
    "first_layer_weights",
    "learning_rate_panels",
    "loss_curves",
    "mean_band",
    "misclassified_gallery",
    "most_confused_pairs",
    "parse_layers",
    "per_class_metrics",
    "save_figure",
    "tuned_curves",
]
