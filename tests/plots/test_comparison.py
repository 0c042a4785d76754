"""digitnet against scikit-learn: the comparison bars, accuracy against time."""

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer

from digitnet import plots

from .helpers import check_png, legend_labels


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
    assert sorted(legend_labels(ax)) == [
        "digitnet (one seed each)",
        "digitnet mean (bar: ± std of accuracy)",
        "scikit-learn (one seed each)",
        "scikit-learn mean (bar: ± std of accuracy)",
    ]
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
