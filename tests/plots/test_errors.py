"""Error analysis: confusion matrices, confused pairs, the gallery, per-class scores, confidence."""

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer

from digitnet import plots

from .helpers import check_png, legend_labels, texts


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
    assert plots.confused_pairs(y_true, y_pred) == [
        (3, 8, 3, 3),
        (1, 7, 2, 2),
        (0, 9, 1, 2),
        (2, 1, 1, 2),
        (5, 6, 1, 1),
    ]
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
    assert [t.get_text() for t in ax.get_xticklabels()][3] == "3\n10"
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
