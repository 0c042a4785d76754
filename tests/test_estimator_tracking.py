"""``track=``: the sharpness, the gradient flow and the weights' path recorded during a fit, measured at the right
weights, into history_ lists of one number per epoch, without changing the training by a bit."""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.preprocessing import LabelBinarizer

import digitnet.functional as F
from digitnet import NumpyMLPClassifier, NumpyMLPRegressor
from digitnet.experiments.runs import StudyModel
from digitnet.nn.tracking import TRACKABLE, TRACKING_TOLERANCE

ALL = ("sharpness", "grad_norms", "update_ratios", "activation_std", "weights")
#: Plain full-batch gradient descent (the learning-rate study's setting): one step per epoch.
GD = dict(solver="sgd", batch_size=300, momentum=0.0, shuffle=False, tol=0.0, n_iter_no_change=np.inf)


def fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: a fixed number of epochs
        return model.fit(X, y)


@pytest.mark.parametrize(
    "params",
    [dict(solver="adam"), dict(solver="sgd", momentum=0.9), GD],
    ids=["adam", "sgd-nesterov", "gradient-descent"],
)
def test_tracking_changes_nothing_of_the_training(small_digits, params):
    X, y = small_digits
    plain = fit(NumpyMLPClassifier((16, 8), max_iter=7, random_state=0, **params), X, y)
    tracked = fit(NumpyMLPClassifier((16, 8), max_iter=7, random_state=0, track=ALL, track_every=2, **params), X, y)
    assert np.array_equal(plain._flat, tracked._flat)  # bit for bit
    assert plain.loss_curve_ == tracked.loss_curve_ and plain.history_["accuracy"] == tracked.history_["accuracy"]
    assert not hasattr(plain, "trajectory_") and set(plain.history_) == {"loss", "accuracy"}


def test_every_tracked_list_is_one_number_per_epoch_measured_every_k(small_digits):
    X, y = small_digits
    model = fit(NumpyMLPClassifier((16, 8), max_iter=7, random_state=0, track=ALL, track_every=3, **GD), X, y)
    keys = ["sharpness"] + [
        f"{name}_{l}" for name in ("grad_norm", "update_ratio", "activation_std") for l in (1, 2, 3)
    ]
    assert set(model.history_) == {"loss", "accuracy", *keys}
    for key in keys:
        values = np.array(model.history_[key])
        assert len(values) == 7 and np.flatnonzero(np.isfinite(values)).tolist() == [0, 3, 6], key
    assert model.trajectory_.epochs.tolist() == [0, 3, 6, 7]
    assert model.trajectory_.weights.shape == (4, model._flat.size)
    assert np.array_equal(model.trajectory_.weights[-1], model._flat)


def test_the_numbers_are_those_of_the_functions_at_those_weights(small_digits):
    """Entry i is measured at the weights after i epochs: the trajectory's, where the functions give the same."""
    X, y = small_digits
    rate = 0.5
    model = fit(
        NumpyMLPClassifier(
            (16,), max_iter=5, random_state=1, learning_rate_init=rate, alpha=0.01, track=ALL, track_every=2, **GD
        ),
        X,
        y,
    )
    Y, sizes = LabelBinarizer().fit_transform(y).astype(float), [64, 16, 10]
    for j, epoch in enumerate(model.trajectory_.epochs[:-1]):
        weights, biases = F.unpack(model.trajectory_.weights[j], sizes)
        lam = F.sharpness(X, Y, weights, biases, "relu", alpha=0.01)[0]
        assert model.history_["sharpness"][epoch] == pytest.approx(lam, rel=10 * TRACKING_TOLERANCE)
        flow = F.gradient_flow(X, Y, weights, biases, "relu", alpha=0.01, learning_rate=rate)
        for l in (1, 2):
            assert model.history_[f"grad_norm_{l}"][epoch] == pytest.approx(flow.grad_norms[l - 1], rel=1e-10)
            assert model.history_[f"activation_std_{l}"][epoch] == pytest.approx(flow.activation_std[l - 1], rel=1e-10)
            # one full-batch step moves layer l by rate * its gradient: the measured ratio is the predicted one
            assert model.history_[f"update_ratio_{l}"][epoch] == pytest.approx(flow.update_ratios[l - 1], rel=1e-9)
    start = F.initialize_weights(sizes, "relu", "glorot", np.random.RandomState(1))
    assert np.array_equal(model.trajectory_.weights[0], start.flat)


def test_a_warm_start_continues_the_count_and_the_path(small_digits):
    X, y = small_digits
    model = NumpyMLPClassifier((8,), max_iter=3, random_state=0, warm_start=True, **GD)
    fit(model, X, y)  # 3 epochs untracked
    model.set_params(track=("grad_norms", "weights"), track_every=2, max_iter=4)
    fit(model, X, y)  # epochs 4..7, measured after 4 and 6
    values = np.array(model.history_["grad_norm_1"])
    assert len(values) == 7 and np.flatnonzero(np.isfinite(values)).tolist() == [4, 6]
    assert model.trajectory_.epochs.tolist() == [4, 6, 7]
    fit(model, X, y)  # epochs 8..11, measured after 8 and 10
    assert model.trajectory_.epochs.tolist() == [4, 6, 7, 8, 10, 11]
    model.set_params(warm_start=False)
    fit(model, X, y)  # a fresh fit starts a fresh path
    assert model.trajectory_.epochs.tolist() == [0, 2, 4]


def test_a_diverging_study_run_keeps_its_lists_aligned(small_digits):
    X, y = small_digits
    model = fit(
        StudyModel((16,), max_iter=40, random_state=0, learning_rate_init=30.0, track=("sharpness",), **GD), X, y
    )
    assert model.diverged_at_ is not None
    assert len(model.history_["sharpness"]) == len(model.history_["loss"]) == model.diverged_at_ - 1


def test_a_regressor_and_sparse_rows_are_tracked(small_digits):
    X, y = small_digits
    reg = fit(
        NumpyMLPRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=0, track=("sharpness", "grad_norms")),
        X,
        y.astype(float) / 9,
    )
    assert np.all(np.isfinite(reg.history_["sharpness"])) and len(reg.history_["grad_norm_2"]) == 3
    dense = fit(NumpyMLPClassifier((8,), max_iter=2, random_state=0, track=("sharpness",)), X, y)
    thin = fit(NumpyMLPClassifier((8,), max_iter=2, random_state=0, track=("sharpness",)), sparse.csr_matrix(X), y)
    assert np.allclose(dense.history_["sharpness"], thin.history_["sharpness"], rtol=1e-8)


def test_what_cannot_be_tracked_is_refused_in_one_sentence(small_digits):
    X, y = small_digits
    with pytest.raises(
        ValueError, match="track= is recorded by the stochastic solvers \\(sgd, adam\\), epoch by epoch; not by lbfgs"
    ):
        NumpyMLPClassifier((8,), solver="lbfgs", track="sharpness").fit(X, y)
    with pytest.raises(ValueError, match=f"track takes names from {', '.join(TRACKABLE)}; got \\('sharpnes',\\)"):
        NumpyMLPClassifier((8,), max_iter=1, track=("sharpnes",)).fit(X, y)
    with pytest.raises(
        ValueError, match="The 'track_every' parameter of NumpyMLPClassifier must be an int in the range \\[1, inf\\)"
    ):
        NumpyMLPClassifier((8,), track="sharpness", track_every=0).fit(X, y)


def test_a_fit_that_goes_on_past_divergence_records_nan_quietly(capfd):
    """Early stopping keeps training on, as scikit-learn's fit does, while the weights overflow: where the numbers
    no longer exist they are NaN, the path ends at the last finite weights, and nothing (no LAPACK message) is
    printed."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = X @ rng.normal(size=5)
    model = fit(
        NumpyMLPRegressor(
            hidden_layer_sizes=(8,),
            solver="sgd",
            learning_rate_init=1e3,
            momentum=0,
            early_stopping=True,
            max_iter=12,
            n_iter_no_change=100,
            random_state=0,
            track=("sharpness", "grad_norms", "update_ratios", "weights"),
        ),
        X,
        y,
    )
    sharp = np.array(model.history_["sharpness"])
    assert len(sharp) == 12 and np.isfinite(sharp[0]) and np.isnan(sharp[-1])
    assert np.isfinite(model.trajectory_.weights).all() and model.trajectory_.epochs[-1] < 11
    assert capfd.readouterr() == ("", "")
