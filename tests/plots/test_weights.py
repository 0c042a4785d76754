"""A real (tiny) fit: its learned first-layer weights and the gallery of its mistakes."""

import numpy as np
import pytest

from digitnet import plots

from .helpers import check_png, legend_labels


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
    fig = plots.misclassified_gallery(
        X_test.reshape(-1, 8, 8), y_test, y_pred, proba, classes=model.classes_, max_images=12
    )
    assert len(fig.axes) == min(12, n_wrong)
    check_png(fig, tmp_path, "gallery.png")
    hist = plots.confidence_histogram(y_test, y_pred, proba, classes=model.classes_)
    check_png(hist, tmp_path, "hist.png")
    curves = plots.loss_curves(None, {"16 units": model.history_})
    assert "validation" in legend_labels(curves)
    check_png(curves, tmp_path, "curves.png")
