"""Sweeps at a glance: the accuracy heatmap and the architecture study."""

import pytest
from matplotlib.colors import to_hex

from digitnet import plots

from .helpers import check_png, legend_labels


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
    with_std = single.assign(
        val_accuracy_std=0.01, hidden_layer_sizes=single.hidden_layer_sizes.map(plots.parse_layers)
    )  # tuples work as well as "64-32"
    fig = plots.architecture_plot(with_std)
    assert all(c.has_yerr for ax in fig.axes for c in ax.containers)
    check_png(fig, tmp_path, "given_std.png")


@pytest.mark.parametrize(
    "value, expected", [("64-32", (64, 32)), ("(64, 32)", (64, 32)), (64, (64,)), ((16, 16), (16, 16)), ("128", (128,))]
)
def test_parse_layers(value, expected):
    assert plots.parse_layers(value) == expected
