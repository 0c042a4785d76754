"""The figures of curvature and landscapes, from a real tracked fit: what they draw, their titles, axes and legends."""

import warnings

import numpy as np
import pytest
from sklearn.preprocessing import LabelBinarizer

import digitnet.functional as F
from digitnet import NumpyMLPClassifier
from digitnet.plots.curvature import gradient_flow_figure, lr_range_figure, sharpness_figure
from digitnet.plots.landscape import loss_line_figure, loss_surface_figure

from .helpers import check_png, legend_labels

GD = dict(solver="sgd", batch_size=300, momentum=0.0, shuffle=False, tol=0.0, n_iter_no_change=np.inf)


@pytest.fixture(scope="module")
def tracked(request):
    """Two real full-batch fits of 300 digits at rates 0.3 and 1, tracked every 2 epochs."""
    X_train, _, y_train, _ = request.getfixturevalue("digits_split")
    X, y = X_train[:300], y_train[:300]
    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rate in (0.3, 1.0):
            fits[rate] = NumpyMLPClassifier(
                (16, 8),
                max_iter=9,
                random_state=0,
                learning_rate_init=rate,
                track=("sharpness", "grad_norms", "update_ratios", "weights"),
                track_every=2,
                **GD,
            ).fit(X, y)
    return fits, X, LabelBinarizer().fit_transform(y).astype(float)


def _axes_text(ax):
    return ax.get_title(), ax.get_xlabel(), ax.get_ylabel()


def test_sharpness_against_two_over_eta(tracked, tmp_path):
    fits, _, _ = tracked
    fig = sharpness_figure({rate: model.history_ for rate, model in fits.items()})
    ax = fig.axes[0]
    title, xlabel, ylabel = _axes_text(ax)
    assert title and xlabel == "epochs trained" and "sharpness" in ylabel and "log scale" in ylabel
    assert legend_labels(ax) == ["η = 0.3", "η = 1", "2/η, its stability limit"]
    drawn = [line for line in ax.lines if len(line.get_xdata()) > 2]
    assert [list(line.get_xdata()) for line in drawn] == [[0, 2, 4, 6, 8]] * 2  # the measured epochs only
    limits = sorted(line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == "--")
    assert limits == pytest.approx([2.0, 2 / 0.3])
    check_png(fig, tmp_path)


@pytest.mark.parametrize("key", ["grad_norm", "update_ratio"])
def test_each_layers_flow(tracked, tmp_path, key):
    fits, _, _ = tracked
    fig = gradient_flow_figure(fits[1.0].history_, key=key)
    ax = fig.axes[0]
    assert legend_labels(ax) == ["layer 1", "layer 2", "layer 3 (output)"]
    assert all(_axes_text(ax)) and ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), np.array(fits[1.0].history_[f"{key}_1"])[::2])
    check_png(fig, tmp_path)


def test_the_range_test_and_its_rates(tracked, tmp_path):
    _, X, Y = tracked
    params = F.initialize_weights([64, 16, 10], "relu", rng=0)
    test = F.lr_range_test(X, Y, params.weights, params.biases, min_rate=1e-4, max_rate=30, steps=80)
    fig = lr_range_figure(test)
    ax = fig.axes[0]
    labels = legend_labels(ax)
    assert labels[:2] == ["loss before the step", "smoothed (Savitzky–Golay)"]
    assert labels[2] == f"suggested: steepest descent, η = {test.suggested:.3g}"
    assert ax.get_xscale() == "log" and all(_axes_text(ax))
    assert ("stopped" in ax.get_title()) == (test.stopped is not None)
    check_png(fig, tmp_path)


def test_the_landscape_line_and_planes(tracked, tmp_path):
    fits, X, Y = tracked
    path, sizes = fits[1.0].trajectory_.weights, [64, 16, 8, 10]
    net = dict(activation="relu", alpha=fits[1.0].alpha)
    line = F.loss_along_line(X, Y, path[0], path[-1], sizes, t=np.linspace(0, 1, 11), **net)
    fig = loss_line_figure(line)
    assert legend_labels(fig.axes[0]) == ["loss along the line", "starting weights (t = 0)", "final weights (t = 1)"]
    assert all(_axes_text(fig.axes[0]))
    check_png(fig, tmp_path, "line.png")
    surface = F.loss_surface(
        X, Y, path[-1], F.random_directions(path[-1], sizes), sizes, np.linspace(-1, 1, 5), np.linspace(-1, 1, 5), **net
    )
    fig = loss_surface_figure(surface)
    assert legend_labels(fig.axes[0]) == ["final weights"] and "log scale" in fig.axes[1].get_ylabel()
    check_png(fig, tmp_path, "slice.png")
    plane = F.path_directions(path)
    fig = loss_surface_figure(
        F.path_surface(X, Y, plane, path[-1], sizes, resolution=5, **net),
        path=plane.coordinates,
        title="The training path",
        axis_names=("first principal direction", "second principal direction"),
    )
    assert legend_labels(fig.axes[0]) == ["final weights", "training path", "starting weights"]
    assert fig.axes[0].get_xlabel() == "first principal direction"
    check_png(fig, tmp_path, "path.png")


def test_a_plane_where_the_loss_is_not_finite_says_so():
    surface = F.LossSurface(np.linspace(-1, 1, 3), np.linspace(-1, 1, 3), np.full((3, 3), np.inf))
    fig = loss_surface_figure(surface)
    assert any("not finite" in t.get_text() for t in fig.axes[0].texts)
