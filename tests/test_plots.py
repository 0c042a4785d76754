"""Every figure of digitnet.plots: it builds, carries titles and labels, and saves as a valid PNG."""

import inspect
import os
import warnings

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from sklearn.exceptions import ConvergenceWarning

from digitnet import NumpyMLPClassifier
from digitnet import plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_png(fig, tmp_path, name="figure.png", dpi=60):
    """Save ``fig`` with save_figure and check the file is a readable, non-trivial PNG.

    A low resolution keeps the suite fast; the layout is the same at any dpi.
    """
    assert isinstance(fig, Figure)
    path = plots.save_figure(fig, tmp_path / name, dpi=dpi)
    assert path == tmp_path / name
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 2000
    image = matplotlib.image.imread(path)
    width, height = fig.get_size_inches() * dpi
    assert image.ndim == 3 and image.shape[:2] == (round(height), round(width))
    # something was drawn: not a blank canvas
    assert image[..., :3].std() > 0.01
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp file left
    return image


def texts(fig):
    """All text on the figure: titles, labels, tick labels, annotations, legend entries."""
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def legend_labels(ax_or_fig):
    legends = ax_or_fig.legends if isinstance(ax_or_fig, Figure) else [ax_or_fig.get_legend()]
    return [t.get_text() for legend in legends if legend is not None for t in legend.get_texts()]


# --------------------------------------------------------------------------
# Synthetic inputs.
# --------------------------------------------------------------------------


def make_history(n_epochs, scale, seed, validation=True):
    rng = np.random.default_rng(seed)
    epochs = np.arange(1, n_epochs + 1)
    loss = scale * 2.3 / epochs**0.7 * (1 + 0.02 * rng.standard_normal(n_epochs))
    history = {"loss": list(loss), "accuracy": list(1 - 0.9 / epochs**0.5)}
    if validation:
        history["val_loss"] = list(loss * 1.2)
        history["val_accuracy"] = list(1 - 0.95 / epochs**0.5)
    return history


@pytest.fixture
def sweep():
    """A learning rate x epochs sweep, two seeds each, with its curves."""
    rows, curves = [], {}
    for lr in (1e-3, 1e-2, 1e-1):
        for epochs in (5, 20):
            for seed in (0, 1):
                run_id = f"lr={lr}-ep={epochs}-s={seed}"
                rows.append({"hidden_layer_sizes": "64", "activation": "relu", "learning_rate_init": lr,
                             "max_iter": epochs, "batch_size": 200, "seed": seed, "run_id": run_id,
                             "val_accuracy": 0.9 + lr / 2 + 0.001 * epochs, "test_accuracy": 0.88 + lr / 2
                             + 0.002 * epochs + 0.01 * seed, "test_f1": 0.9, "train_loss": 0.1,
                             "fit_seconds": 0.5, "n_iter": epochs, "extra": "ignored"})
                curves[run_id] = make_history(epochs, 1 / (1 + 10 * lr), seed)
    return pd.DataFrame(rows), curves


@pytest.fixture
def architectures():
    rows = []
    rng = np.random.default_rng(0)
    for layers in ("16", "32", "64", "32-32", "64-64", "64-32"):
        for activation in ("relu", "tanh"):
            for seed in range(3):
                rows.append({"hidden_layer_sizes": layers, "activation": activation, "seed": seed,
                             "run_id": f"{layers}-{activation}-{seed}",
                             "val_accuracy": 0.93 + 0.01 * len(layers) + 0.005 * rng.standard_normal()})
    return pd.DataFrame(rows)


@pytest.fixture
def comparison():
    rng = np.random.default_rng(0)
    rows = []
    for model, base, seconds in (("digitnet", 0.975, 1.0), ("sklearn", 0.978, 2.0)):
        for seed in range(4):
            noise = 0.004 * rng.standard_normal(4)
            rows.append({"model": model, "seed": seed, "accuracy": base + noise[0], "precision": base + noise[1],
                         "recall": base + noise[2], "f1": base + noise[3],
                         "fit_seconds": seconds * (1 + 0.1 * rng.standard_normal()), "n_iter": 150})
    return pd.DataFrame(rows)


@pytest.fixture
def predictions():
    """Labels with a few deliberate mistakes: 3 -> 8 three times, 9 -> 4 once, 1 -> 7 twice."""
    rng = np.random.default_rng(0)
    y_true = np.repeat(np.arange(10), 10)
    y_pred = y_true.copy()
    y_pred[30:33] = 8
    y_pred[90] = 4
    y_pred[10:12] = 7
    proba = np.full((100, 10), 0.01)
    proba[np.arange(100), y_pred] = rng.uniform(0.5, 0.99, 100)
    proba /= proba.sum(axis=1, keepdims=True)
    images = rng.uniform(0, 16, (100, 8, 8))
    return y_true, y_pred, proba, images


@pytest.fixture(scope="module")
def tiny_fit(request):
    """A real, quick fit: 16 hidden units, 20 epochs on 300 training digits."""
    X_train, X_test, y_train, y_test = request.getfixturevalue("digits_split")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = NumpyMLPClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0)
        model.fit(X_train[:300], y_train[:300], validation_data=(X_test, y_test))
    return model, X_test, y_test


# --------------------------------------------------------------------------
# Curves.
# --------------------------------------------------------------------------


def test_loss_curves_one_line_per_configuration(sweep, tmp_path):
    runs, curves = sweep
    fig = plots.loss_curves(runs[runs.max_iter == 20], curves)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch"
    assert "loss" in ax.get_ylabel() and "nats" in ax.get_ylabel()
    assert ax.get_title()
    # 3 learning rates x (training + validation), seeds averaged into one line each
    assert len(ax.get_lines()) == 6
    labels = legend_labels(fig)
    assert labels == ["learning rate = 0.001", "learning rate = 0.01", "learning rate = 0.1", "training",
                      "validation"]
    # the mean of the two seeds is drawn
    first = runs[(runs.max_iter == 20) & (runs.learning_rate_init == 1e-3)].run_id
    expected = np.mean([curves[r]["loss"] for r in first], axis=0)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), expected)
    check_png(fig, tmp_path)


def test_loss_curves_accuracy_is_linear_and_in_percent(sweep, tmp_path):
    runs, curves = sweep
    fig = plots.loss_curves(runs, curves, label_by="max_iter", metric="accuracy", title="Accuracy")
    (ax,) = fig.axes
    assert ax.get_yscale() == "linear"
    assert ax.get_title() == "Accuracy"
    assert "%" in ax.get_ylabel()
    assert [t for t in legend_labels(fig) if t.startswith("epochs")] == ["epochs = 5", "epochs = 20"]
    check_png(fig, tmp_path)


def test_loss_curves_of_named_settings_show_the_names(tmp_path):
    runs = pd.DataFrame({"run_id": ["a", "b"], "label": ["original", "ours (relu, adam)"]})
    curves = {"a": make_history(6, 1, 0), "b": make_history(6, 0.5, 1)}
    fig = plots.loss_curves(runs, curves, label_by="label")
    (ax,) = fig.axes
    assert legend_labels(fig)[:2] == ["original", "ours (relu, adam)"]
    assert ax.get_title() == "Loss per epoch by setting"
    check_png(fig, tmp_path)


def test_loss_curves_without_validation_curves(sweep, tmp_path):
    runs, curves = sweep
    train_only = {k: {"loss": v["loss"], "accuracy": v["accuracy"]} for k, v in curves.items()}
    fig = plots.loss_curves(runs[runs.max_iter == 5], train_only)
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 3
    assert "validation" not in legend_labels(fig)
    check_png(fig, tmp_path)


def test_loss_curves_without_runs_table_and_ragged_lengths(tmp_path):
    curves = {"short": make_history(4, 1, 0), "long": make_history(30, 1, 1), "diverged": {"loss": [2.0, np.inf]}}
    fig = plots.loss_curves(None, curves, log=False)
    (ax,) = fig.axes
    assert ax.get_yscale() == "linear"
    assert {"short", "long", "diverged"} <= set(legend_labels(fig))
    check_png(fig, tmp_path)


def test_loss_curves_with_no_matching_curve_says_so(sweep, tmp_path):
    runs, _ = sweep
    fig = plots.loss_curves(runs, {})
    assert "no curves to show" in texts(fig)
    check_png(fig, tmp_path)


def test_loss_curves_missing_column_is_a_clear_error(sweep):
    runs, curves = sweep
    with pytest.raises(KeyError, match="momentum"):
        plots.loss_curves(runs, curves, label_by="momentum")


@pytest.mark.parametrize("n_rates, shape", [(3, (1, 3)), (5, (2, 3))])
def test_learning_rate_panels_one_panel_per_rate(n_rates, shape, tmp_path):
    rates = [10.0**-k for k in range(n_rates)]
    runs = pd.DataFrame({"run_id": [f"r{i}" for i in range(n_rates)], "learning_rate_init": rates, "seed": 0})
    curves = {f"r{i}": make_history(15, 1 + i, i) for i in range(n_rates)}
    fig = plots.learning_rate_panels(runs, curves)
    assert len(fig.axes) == n_rates
    geometry = fig.axes[0].get_subplotspec().get_geometry()[:2]
    assert geometry == shape
    titles = [ax.get_title() for ax in fig.axes]
    assert all(t.startswith("learning rate = ") and "final: train" in t and "val" in t for t in titles)
    assert "learning rate = 1" in titles[-1]  # sorted: the largest rate last
    assert fig.get_suptitle()
    assert all(ax.get_yscale() == "log" for ax in fig.axes)
    # panels share their y axis, so the curves compare by height
    assert fig.axes[0].get_shared_y_axes().joined(fig.axes[0], fig.axes[-1])
    assert fig.axes[0].get_ylabel() and fig.axes[-1].get_xlabel() == "epoch"
    assert legend_labels(fig) == ["training", "validation"]
    check_png(fig, tmp_path)


def test_learning_rate_panels_with_a_failed_run(tmp_path):
    runs = pd.DataFrame({"run_id": ["ok", "diverged"], "learning_rate_init": [0.01, 10.0]})
    fig = plots.learning_rate_panels(runs, {"ok": make_history(10, 1, 0), "diverged": {}})
    assert len(fig.axes) == 2
    assert fig.axes[1].get_title().endswith("no curve")
    assert "no curve recorded\n(training failed?)" in [t.get_text() for t in fig.axes[1].texts]
    assert len(fig.axes[0].get_xticks()) > 0  # the shared axes keep their ticks
    check_png(fig, tmp_path)


def test_learning_rate_panels_averages_seeds_and_handles_no_curves(sweep, tmp_path):
    runs, curves = sweep
    fig = plots.learning_rate_panels(runs[runs.max_iter == 20], curves, metric="accuracy")
    assert len(fig.axes) == 3
    assert all("(2 runs)" in ax.get_title() and "%" in ax.get_title() for ax in fig.axes)
    check_png(fig, tmp_path, "panels.png")
    empty = plots.learning_rate_panels(runs, {})
    assert len(empty.axes) == 1 and "no curves to show" in texts(empty)
    check_png(empty, tmp_path, "empty.png")


def test_epochs_chart_marks_where_each_budget_ends(sweep, tmp_path):
    runs, curves = sweep
    fig = plots.epochs_chart(runs[runs.learning_rate_init == 1e-2], curves)
    (ax,) = fig.axes
    assert ax.get_title() and ax.get_xlabel() == "epoch" and "loss" in ax.get_ylabel()
    labels = legend_labels(fig)
    assert labels == ["5 epochs", "20 epochs", "training", "validation"]
    markers = [line for line in ax.get_lines() if line.get_marker() in ("o", "s")]
    assert len(markers) == 4  # (training, validation) x 2 budgets
    assert sorted(int(m.get_xdata()[0]) for m in markers) == [5, 5, 20, 20]
    check_png(fig, tmp_path)


# --------------------------------------------------------------------------
# Sweeps.
# --------------------------------------------------------------------------


def test_accuracy_heatmap_annotates_every_cell(sweep, tmp_path):
    runs, _ = sweep
    fig = plots.accuracy_heatmap(runs)
    heat, bar = fig.axes
    assert heat.get_xlabel() == "epochs" and heat.get_ylabel() == "learning rate"
    assert "mean of 2 seeds" in heat.get_title()
    assert "test accuracy" in bar.get_ylabel()
    assert [t.get_text() for t in heat.get_xticklabels()] == ["5", "20"]
    assert [t.get_text() for t in heat.get_yticklabels()] == ["0.001", "0.01", "0.1"]
    cells = [t.get_text() for t in heat.texts]
    assert len(cells) == 6
    mean = runs[(runs.learning_rate_init == 1e-3) & (runs.max_iter == 5)].test_accuracy.mean()
    assert cells[0] == f"{mean:.1%}"
    check_png(fig, tmp_path)


def test_accuracy_heatmap_marks_missing_cells(sweep, tmp_path):
    runs, _ = sweep
    runs = runs[~((runs.learning_rate_init == 1e-1) & (runs.max_iter == 20))]
    fig = plots.accuracy_heatmap(runs, value="val_accuracy")
    assert [t.get_text() for t in fig.axes[0].texts].count("n/a") == 1
    check_png(fig, tmp_path)


def test_architecture_plot_one_panel_per_depth_with_error_bars(architectures, tmp_path):
    fig = plots.architecture_plot(architectures)
    one, two = fig.axes
    assert one.get_title() == "1 hidden layer" and two.get_title() == "2 hidden layers"
    assert one.get_xlabel() == "units per hidden layer"
    assert [t.get_text() for t in one.get_xticklabels()] == ["16", "32", "64"]
    # unequal widths ("64-32") are shown in full
    assert two.get_xlabel() == "hidden layer sizes (units)"
    assert [t.get_text() for t in two.get_xticklabels()] == ["32-32", "64-32", "64-64"]
    assert "validation accuracy" in one.get_ylabel()
    assert "3 seeds" in fig.get_suptitle()
    assert legend_labels(fig) == ["relu", "tanh"]
    for ax in (one, two):
        assert len(ax.containers) == 2 and all(c.has_yerr for c in ax.containers)
    # colours are the module's activation colours
    assert to_hex(one.containers[0].lines[0].get_color()) == plots.ACTIVATION_COLORS["relu"].lower()
    # the mean over seeds is plotted
    expected = architectures.query("hidden_layer_sizes == '16' and activation == 'relu'").val_accuracy.mean()
    assert one.containers[0].lines[0].get_ydata()[0] == pytest.approx(expected)
    check_png(fig, tmp_path)


def test_architecture_plot_single_seed_and_given_std(architectures, tmp_path):
    single = architectures[(architectures.seed == 0) & (architectures.activation == "relu")]
    fig = plots.architecture_plot(single.drop(columns="activation"))
    assert len(fig.axes) == 2
    assert all(not c.has_yerr for ax in fig.axes for c in ax.containers)
    assert "one run each" in fig.get_suptitle()
    check_png(fig, tmp_path, "single.png")
    with_std = single.assign(val_accuracy_std=0.01, hidden_layer_sizes=single.hidden_layer_sizes.map(
        plots.parse_layers))  # tuples work as well as "64-32"
    fig = plots.architecture_plot(with_std)
    assert all(c.has_yerr for ax in fig.axes for c in ax.containers)
    check_png(fig, tmp_path, "given_std.png")


@pytest.mark.parametrize("value, expected", [("64-32", (64, 32)), ("(64, 32)", (64, 32)), (64, (64,)),
                                             ((16, 16), (16, 16)), ("128", (128,))])
def test_parse_layers(value, expected):
    assert plots.parse_layers(value) == expected


# --------------------------------------------------------------------------
# digitnet versus scikit-learn.
# --------------------------------------------------------------------------


def test_comparison_bars(comparison, tmp_path):
    fig = plots.comparison_bars(comparison)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["accuracy", "precision", "recall", "F1"]
    assert legend_labels(fig) == ["digitnet", "scikit-learn"]
    assert "%" in ax.get_ylabel() and "axis starts at" in ax.get_ylabel()
    assert "4 seeds" in fig.get_suptitle()
    ours, theirs = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(ours) == len(theirs) == 4
    assert to_hex(ours[0].get_facecolor()) == plots.COLORS["digitnet"].lower()
    assert to_hex(theirs[0].get_facecolor()) == plots.COLORS["sklearn"].lower()
    assert ours[0].get_height() == pytest.approx(comparison.query("model == 'digitnet'").accuracy.mean())
    assert ours.errorbar is not None and ours.errorbar.has_yerr
    low, high = ax.get_ylim()
    assert 0.9 <= low < comparison[["accuracy", "precision", "recall", "f1"]].min().min() and high <= 1.01
    check_png(fig, tmp_path)


def test_comparison_bars_single_seed_has_no_error_bars(comparison, tmp_path):
    fig = plots.comparison_bars(comparison[comparison.seed == 0], metrics=("accuracy", "f1", "absent"))
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["accuracy", "F1"]
    assert all(c.errorbar is None for c in ax.containers if isinstance(c, BarContainer))
    assert "one seed" in fig.get_suptitle()
    check_png(fig, tmp_path)


def test_accuracy_vs_time(comparison, tmp_path):
    fig = plots.accuracy_vs_time(comparison)
    (ax,) = fig.axes
    assert ax.get_xlabel() == "fit time (seconds)" and ax.get_xscale() == "linear"
    assert "%" in ax.get_ylabel()
    assert sorted(legend_labels(ax)) == ["digitnet (one seed each)", "digitnet mean (bar: ± std of accuracy)",
                                         "scikit-learn (one seed each)",
                                         "scikit-learn mean (bar: ± std of accuracy)"]
    means = [c for c in ax.containers if c.has_yerr]
    assert len(means) == 2 and not any(c.has_xerr for c in means)
    ours = comparison[comparison.model == "digitnet"]
    np.testing.assert_allclose(means[0].lines[0].get_xydata()[0], [ours.fit_seconds.mean(), ours.accuracy.mean()])
    check_png(fig, tmp_path, "linear.png")
    spread = comparison.assign(fit_seconds=np.where(comparison.model == "sklearn", 100.0, 0.5))
    fig = plots.accuracy_vs_time(spread.query("seed == 0"))
    assert fig.axes[0].get_xscale() == "log" and "log scale" in fig.axes[0].get_xlabel()
    assert legend_labels(fig.axes[0]) == ["digitnet", "scikit-learn"]
    check_png(fig, tmp_path, "log.png")


# --------------------------------------------------------------------------
# Error analysis.
# --------------------------------------------------------------------------


def test_confusion_matrices_counts_and_normalised(predictions, tmp_path):
    y_true, y_pred, _, _ = predictions
    fig = plots.confusion_matrices(y_true, y_pred, labels=np.arange(10))
    counts, normalised = fig.axes
    for ax in (counts, normalised):
        assert ax.get_xlabel() == "predicted digit" and ax.get_ylabel() == "true digit"
        assert ax.get_title()
    assert "6 errors in 100" in fig.get_suptitle()
    assert np.sum(counts.images[0].get_array()) == 100
    np.testing.assert_allclose(normalised.images[0].get_array().sum(axis=1), 1.0)
    assert counts.images[0].get_array()[3, 8] == 3
    cell_texts = [t.get_text() for t in counts.texts]
    assert "3" in cell_texts and "7" in cell_texts  # 3 -> 8 three times, 7 right 3s
    assert "30" in [t.get_text() for t in normalised.texts]  # 3/10 of the 3s
    check_png(fig, tmp_path)


def test_most_confused_pairs(predictions, tmp_path):
    y_true, y_pred, _, _ = predictions
    fig = plots.most_confused_pairs(y_true, y_pred, top=2)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["3 → 8", "1 → 7"]
    assert [p.get_width() for p in ax.patches] == [3, 2]
    assert "number of test digits" in ax.get_xlabel()
    assert "the 2 most frequent of 3 kinds of mistake" in ax.get_title()
    assert "6 misclassified digits" in ax.get_title()
    check_png(fig, tmp_path, "top2.png")
    every = plots.most_confused_pairs(y_true, y_pred)
    assert len(every.axes[0].patches) == 3  # only 3 kinds of mistake
    assert "all 3 kinds of mistake" in every.axes[0].get_title()


def test_confused_pairs_rank_mistakes_as_the_figure_does():
    y_true = np.array([3, 3, 3, 1, 1, 5, 0, 0, 2, 2])
    y_pred = np.array([8, 8, 8, 7, 7, 6, 0, 9, 1, 2])
    # most frequent first; ties (0 -> 9, 2 -> 1, 5 -> 6) by true label, then by predicted label
    assert plots.confused_pairs(y_true, y_pred) == [(3, 8, 3, 3), (1, 7, 2, 2), (0, 9, 1, 2), (2, 1, 1, 2),
                                                     (5, 6, 1, 1)]
    assert plots.confused_pairs(y_true, y_true) == []


def test_most_confused_pairs_without_mistakes(tmp_path):
    y = np.arange(10)
    fig = plots.most_confused_pairs(y, y)
    assert "no misclassified digits" in texts(fig)
    check_png(fig, tmp_path)


def test_misclassified_gallery_most_confident_first(predictions, tmp_path):
    y_true, y_pred, proba, images = predictions
    fig = plots.misclassified_gallery(images, y_true, y_pred, proba, classes=np.arange(10))
    assert len(fig.axes) == 6
    titles = [ax.get_title() for ax in fig.axes]
    assert all("→" in t and "sure" in t for t in titles)
    confidences = [int(t.split("\n")[1].split("%")[0]) for t in titles]
    assert confidences == sorted(confidences, reverse=True)
    assert "6 of 100" in fig.get_suptitle()
    check_png(fig, tmp_path, "gallery.png")
    # flat 64-pixel rows, no probabilities, capped number of images
    fig = plots.misclassified_gallery(images.reshape(100, 64), y_true, y_pred, max_images=4, ncols=2)
    assert len(fig.axes) == 4 and fig.axes[0].images[0].get_array().shape == (8, 8)
    assert "sure" not in fig.axes[0].get_title()
    check_png(fig, tmp_path, "flat.png")


def test_misclassified_gallery_without_mistakes(predictions, tmp_path):
    y_true, _, proba, images = predictions
    fig = plots.misclassified_gallery(images, y_true, y_true, proba)
    assert len(fig.axes) == 1
    assert any("no misclassified digits" in t for t in texts(fig))
    check_png(fig, tmp_path)


def test_per_class_metrics(predictions, tmp_path):
    y_true, y_pred, _, _ = predictions
    fig = plots.per_class_metrics(y_true, y_pred)
    (ax,) = fig.axes
    assert legend_labels(fig) == ["precision", "recall", "F1"]
    assert len(ax.patches) == 30
    assert [t.get_text() for t in ax.get_xticklabels()][3] == "3\n(n=10)"
    recall_bars = [c for c in ax.containers if isinstance(c, BarContainer)][1]
    assert recall_bars[3].get_height() == pytest.approx(0.7)
    assert "digit" in ax.get_xlabel() and "%" in ax.get_ylabel()
    check_png(fig, tmp_path)


def test_confidence_histogram(predictions, tmp_path):
    y_true, y_pred, proba, _ = predictions
    fig = plots.confidence_histogram(y_true, y_pred, proba)
    (ax,) = fig.axes
    labels = legend_labels(ax)
    assert labels[0].startswith("right: 94 predictions") and labels[1].startswith("wrong: 6 predictions")
    # each group is normalised to 100%, its bars in its colour
    right_bars, wrong_bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert sum(p.get_height() for p in right_bars) == pytest.approx(1.0)
    assert sum(p.get_height() for p in wrong_bars) == pytest.approx(1.0)
    assert to_hex(wrong_bars[0].get_facecolor()) == plots.OUTCOME_COLORS["wrong"].lower()
    assert "confidence" in ax.get_xlabel() and "%" in ax.get_ylabel()
    check_png(fig, tmp_path, "both.png")
    only_right = plots.confidence_histogram(y_true, y_true, proba)
    assert legend_labels(only_right.axes[0])[1] == "no wrong predictions"
    check_png(only_right, tmp_path, "right.png")


# --------------------------------------------------------------------------
# A real (tiny) fit: learned weights and the gallery of its mistakes.
# --------------------------------------------------------------------------


def test_first_layer_weights_of_a_real_fit(tiny_fit, tmp_path):
    model, _, _ = tiny_fit
    fig = plots.first_layer_weights(model.coefs_[0])
    assert len(fig.axes) == 16 + 1  # every unit and the colour bar
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 16 and images[0].get_array().shape == (8, 8)
    low, high = images[0].get_clim()
    assert low == -high == -np.abs(model.coefs_[0]).max()  # symmetric around 0
    assert images[0].get_cmap().name == "RdBu_r"
    # largest-norm unit first, its weights reshaped row by row
    norms = np.linalg.norm(model.coefs_[0], axis=0)
    first = int(np.argmax(norms))
    assert fig.axes[0].get_title() == f"unit {first}"
    np.testing.assert_array_equal(images[0].get_array(), model.coefs_[0][:, first].reshape(8, 8))
    assert "weight" in fig.axes[-1].get_ylabel()
    check_png(fig, tmp_path, "weights.png")
    fig = plots.first_layer_weights(model, max_units=6, ncols=3, order="index")
    assert [ax.get_title() for ax in fig.axes[:6]] == [f"unit {i}" for i in range(6)]
    assert "6 of 16 units" in fig.get_suptitle()
    check_png(fig, tmp_path, "six.png")


def test_first_layer_weights_rejects_non_square_input():
    with pytest.raises(ValueError, match="image_shape"):
        plots.first_layer_weights(np.zeros((10, 3)))
    fig = plots.first_layer_weights(np.arange(30.0).reshape(10, 3) - 15, image_shape=(2, 5))
    assert fig.axes[0].images[0].get_array().shape == (2, 5)


def test_error_analysis_of_a_real_fit(tiny_fit, tmp_path):
    model, X_test, y_test = tiny_fit
    y_pred, proba = model.predict(X_test), model.predict_proba(X_test)
    n_wrong = int(np.sum(y_pred != y_test))
    assert n_wrong > 0
    fig = plots.misclassified_gallery(X_test.reshape(-1, 8, 8), y_test, y_pred, proba, classes=model.classes_,
                                      max_images=12)
    assert len(fig.axes) == min(12, n_wrong)
    check_png(fig, tmp_path, "gallery.png")
    hist = plots.confidence_histogram(y_test, y_pred, proba, classes=model.classes_)
    check_png(hist, tmp_path, "hist.png")
    curves = plots.loss_curves(None, {"16 units": model.history_})
    assert "validation" in legend_labels(curves)
    check_png(curves, tmp_path, "curves.png")


# --------------------------------------------------------------------------
# Saving, and no global state.
# --------------------------------------------------------------------------


def test_save_figure_is_atomic(tmp_path, monkeypatch):
    fig = Figure()
    fig.add_subplot().plot([0, 1], [1, 0])
    target = tmp_path / "sub" / "dir" / "plot.png"
    plots.save_figure(fig, target)  # creates the missing directories
    original = target.read_bytes()
    assert original[:8] == PNG_SIGNATURE
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)

    def broken_savefig(*args, **kwargs):
        args[0].write(b"half an image")
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", broken_savefig)
    with pytest.raises(RuntimeError, match="disk full"):
        plots.save_figure(fig, target)
    assert target.read_bytes() == original  # the previous file is intact
    assert os.listdir(target.parent) == ["plot.png"]  # and no temporary file is left


def test_save_figure_other_formats(tmp_path):
    fig = Figure()
    fig.add_subplot().plot([0, 1])
    assert plots.save_figure(fig, tmp_path / "plot.svg").read_text().lstrip().startswith("<?xml")


def test_figures_stay_out_of_pyplot(comparison):
    """Figures are plain Figure objects: pyplot never registers them, so nothing leaks or needs closing."""
    import matplotlib.pyplot as plt

    source = inspect.getsource(plots)
    assert "matplotlib.pyplot" not in source and "import pyplot" not in source
    before = plt.get_fignums()
    fig = plots.comparison_bars(comparison)
    assert fig.canvas.manager is None
    assert plt.get_fignums() == before
