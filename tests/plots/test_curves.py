"""Curves per epoch: loss and accuracy, the learning-rate panels, the epochs chart."""

import numpy as np
import pandas as pd
import pytest

from digitnet import plots

from .helpers import check_png, legend_labels, make_history, texts


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
    assert labels == ["learning rate = 0.001", "learning rate = 0.01", "learning rate = 0.1", "training", "validation"]
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
