"""The features scikit-learn declined, at the estimator: off by default (MLPClassifier's numbers bit for bit), dropout's
masks drawn from the estimator's stream after scikit-learn's draws (replayed by hand), class weights as
compute_sample_weight makes them, schedules on every stochastic solver, label smoothing in every loss the fit
records, a user's own activation as a pair of functions, and what a model file keeps of them."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.utils.class_weight import compute_sample_weight

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor
from digitnet.errors import UsageError
from digitnet.estimator.base import shuffled
from digitnet.model_file import load_model, save_model
from digitnet.nn import activations, training
from digitnet.nn.activations import Activation
from digitnet.nn.network import compute_loss, dropout_masks, forward_pass, initialize_weights, smooth_labels
from digitnet.nn.optimizers import Adam
from digitnet.nn.schedules import Cosine

#: Every declined feature at its default, given explicitly.
OFF = dict(
    dropout=0.0,
    class_weight=None,
    label_smoothing=0.0,
    weight_decay=0.01,
    rho=0.99,
    warmup=0,
    step_every=50,
    step_factor=0.1,
    callbacks=None,
)


def _fit(model, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **fit_params)


def _same(a, b):
    return (
        all(np.array_equal(u, v) for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_))
        and a.loss_curve_ == b.loss_curve_
    )


def _same_as_sklearn(ours, ref):
    """MLPClassifier's weights bit for bit; its loss curve to an ulp or two (it sums the loss in another order)."""
    return all(
        np.array_equal(u, v) for u, v in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_)
    ) and np.allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-14, atol=0)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_every_feature_off_is_mlpclassifiers_model_bit_for_bit(small_digits, solver):
    X, y = small_digits
    settings = dict(hidden_layer_sizes=(16,), max_iter=15, random_state=0, learning_rate_init=0.01, solver=solver)
    ours, ref = _fit(NumpyMLPClassifier(**settings, **OFF), X, y), _fit(MLPClassifier(**settings), X, y)
    assert _same_as_sklearn(ours, ref)


# ------------------------------------------------------------------------------------------------ dropout


def test_dropout_draws_its_masks_after_scikit_learns_draws_replayed_by_hand(small_digits):
    """RandomState(seed): the weights, then each epoch the shuffle, then each batch's masks (layer by layer):
    the readable path, driven by hand in that order, ends with the estimator's weights and losses (1e-12)."""
    X, y = small_digits
    model = _fit(
        NumpyMLPClassifier(
            (12, 8),
            dropout=(0.3, 0.1),
            max_iter=4,
            batch_size=64,
            random_state=7,
            learning_rate_init=0.01,
            tol=0,
            n_iter_no_change=np.inf,
        ),
        X,
        y,
    )
    rng = np.random.RandomState(7)
    flat, weights, biases = initialize_weights([64, 12, 8, 10], "relu", "glorot", rng)
    optimizer, order, losses = Adam(flat, 0.01), np.arange(len(X)), []
    for _ in range(4):
        order = shuffled(order, rng)
        loss, _ = training.train_epoch(
            X,
            np.eye(10)[y],
            weights,
            biases,
            optimizer,
            alpha=1e-4,
            batch_size=64,
            order=order,
            dropout=(0.3, 0.1),
            rng=rng,
        )
        losses.append(loss)
    np.testing.assert_allclose(model.loss_curve_, losses, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        np.concatenate([W.ravel() for W in model.coefs_ + model.intercepts_]), flat, rtol=0, atol=1e-12
    )
    assert not _same(
        model,
        _fit(
            NumpyMLPClassifier(
                (12, 8),
                max_iter=4,
                batch_size=64,
                random_state=7,
                learning_rate_init=0.01,
                tol=0,
                n_iter_no_change=np.inf,
            ),
            X,
            y,
        ),
    )


def test_dropout_keeps_units_with_probability_one_minus_p_and_scales_them():
    masks = dropout_masks(np.random.default_rng(0), (0.25, 0.0, 0.6), 20_000, (10, 3, 10))
    assert masks[1] is None  # a rate of 0 draws nothing
    for mask, p in ((masks[0], 0.25), (masks[2], 0.6)):
        assert set(np.unique(mask)) == {0.0, 1 / (1 - p)}
        assert abs((mask > 0).mean() - (1 - p)) < 0.005 and abs(mask.mean() - 1) < 0.01  # E[M] = 1


def test_a_model_trained_with_dropout_predicts_without_it(small_digits):
    X, y = small_digits
    model = _fit(NumpyMLPClassifier((16,), dropout=0.5, max_iter=5, random_state=0), X, y)
    plain = forward_pass(X, model.coefs_, model.intercepts_, "relu")[-1]
    np.testing.assert_allclose(model.predict_proba(X), plain, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(model.predict_proba(X), model.predict_proba(X))  # no random draw at prediction


def test_dropout_of_zero_in_every_layer_draws_nothing_and_changes_nothing(small_digits):
    X, y = small_digits
    settings = dict(hidden_layer_sizes=(16, 8), max_iter=5, random_state=2)
    assert _same(
        _fit(NumpyMLPClassifier(**settings, dropout=(0.0, 0.0)), X, y), _fit(NumpyMLPClassifier(**settings), X, y)
    )


def test_dropout_trains_float32_and_a_regressor(small_digits):
    X, y = small_digits
    model = _fit(NumpyMLPClassifier((16,), dropout=0.2, max_iter=5, random_state=0), X.astype(np.float32), y)
    assert model.coefs_[0].dtype == np.float32 and np.isfinite(model.loss_curve_).all()
    regressor = _fit(NumpyMLPRegressor(hidden_layer_sizes=(16,), dropout=0.2, max_iter=5, random_state=0), X, y / 9)
    assert regressor.loss_curve_[-1] < regressor.loss_curve_[0]


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(dropout=(0.2, 0.3, 0.1)), r"dropout has 3 rates but the network has 2 hidden layer\(s\)"),
        (dict(dropout=1.0), r"The 'dropout' parameter of NumpyMLPClassifier must be a float in the range \[0.0, 1.0\)"),
        (dict(dropout=(0.2, 1.5)), r"dropout rates must be in \[0, 1\), got \(0.2, 1.5\)"),
        (dict(dropout=0.2, solver="lbfgs"), r"dropout needs a stochastic solver \(sgd, adam, adamw, rmsprop, nadam\)"),
        (
            dict(learning_rate="cosine", warmup=5, max_iter=5),
            r"warmup \(5 epochs\) must be shorter than max_iter \(5\)",
        ),
        (dict(label_smoothing=1.5), r"'label_smoothing' parameter .* range \[0.0, 1.0\]"),
        (dict(class_weight="even"), r"'class_weight' parameter .* must be None, a str among \{'balanced'\} or"),
        (dict(activation=(np.tanh,)), r"activation must be a registered name .* or a pair \(f, df\)"),
        (dict(activation=(lambda z: z[:1], np.ones_like)), r"f of activation '<lambda>'|turns an array of shape"),
    ],
)
def test_bad_settings_of_the_features_are_named(small_digits, params, message):
    X, y = small_digits
    with pytest.raises((ValueError, TypeError), match=message):
        _fit(NumpyMLPClassifier(**{"hidden_layer_sizes": (8, 4), "max_iter": 3, **params}), X, y)


# ------------------------------------------------------------------------------------------------ class weights


def test_class_weight_is_compute_sample_weight_times_sample_weight_bit_for_bit(small_digits):
    X, y = small_digits
    weights = {0: 3.0, 1: 0.5, 7: 2.0}
    sw = np.random.default_rng(0).uniform(0.5, 2, len(y))
    settings = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=1)
    for class_weight in ("balanced", weights):
        expected = compute_sample_weight(class_weight, y)
        ours = _fit(NumpyMLPClassifier(**settings, class_weight=class_weight), X, y, sample_weight=sw)
        assert _same(ours, _fit(NumpyMLPClassifier(**settings), X, y, sample_weight=sw * expected))
    balanced = compute_sample_weight("balanced", y)
    np.testing.assert_allclose(balanced, len(y) / (10 * np.bincount(y)[y]))  # n / (n_classes x count)


def test_class_weight_with_two_classes_multilabel_and_partial_fit(small_digits):
    X, y = small_digits
    settings = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    binary = np.where(y < 3, "small", "large")
    assert _same(
        _fit(NumpyMLPClassifier(**settings, class_weight={"small": 4.0}), X, binary),
        _fit(NumpyMLPClassifier(**settings), X, binary, sample_weight=np.where(binary == "small", 4.0, 1.0)),
    )
    labels = np.column_stack([y < 3, y % 2 == 0]).astype(int)
    multilabel = _fit(NumpyMLPClassifier(**settings, class_weight="balanced"), X, labels)
    assert _same(
        multilabel,
        _fit(NumpyMLPClassifier(**settings), X, labels, sample_weight=compute_sample_weight("balanced", labels)),
    )
    with pytest.raises(ValueError, match="class_weight='balanced' is not supported for partial_fit"):
        NumpyMLPClassifier(class_weight="balanced").partial_fit(X, y, classes=np.arange(10))
    model = NumpyMLPClassifier((8,), class_weight={3: 2.0}, random_state=0).partial_fit(X, y, classes=np.arange(10))
    assert model.n_iter_ == 1


# ------------------------------------------------------------------------------------------------ label smoothing


def test_label_smoothing_is_in_every_loss_the_fit_records(small_digits):
    """The training loss (lbfgs: the function it minimised, at its final weights) and the validation loss are the
    cross-entropy against the smoothed targets; accuracy still counts the true labels."""
    X, y = small_digits
    model = _fit(
        NumpyMLPClassifier((16,), solver="lbfgs", label_smoothing=0.2, max_iter=20, random_state=0, alpha=0),
        X[:200],
        y[:200],
        X_val=X[200:],
        y_val=y[200:],
    )
    smooth = lambda rows: smooth_labels(np.eye(10)[y[rows]], 0.2)  # noqa: E731
    assert model.loss_ == pytest.approx(compute_loss(smooth(slice(0, 200)), model.predict_proba(X[:200])), abs=1e-12)
    assert model.history_["val_loss"][-1] == pytest.approx(
        compute_loss(smooth(slice(200, None)), model.predict_proba(X[200:])), abs=1e-12
    )
    assert model.history_["val_accuracy"][-1] == pytest.approx(model.score(X[200:], y[200:]))
    plain = _fit(NumpyMLPClassifier((16,), solver="lbfgs", max_iter=20, random_state=0, alpha=0), X[:200], y[:200])
    assert model.loss_ > plain.loss_ + 0.1  # smoothed targets cannot be fitted to zero loss


def test_early_stopping_splits_on_the_true_labels_with_label_smoothing(small_digits):
    """Smoothing comes after the early-stopping split, which is stratified on the labels (binary: one unit)."""
    X, y = small_digits
    binary = (y < 5).astype(int)
    settings = dict(hidden_layer_sizes=(8,), early_stopping=True, max_iter=3, random_state=0)
    smoothed = _fit(NumpyMLPClassifier(**settings, label_smoothing=0.1), X, binary)
    plain = _fit(NumpyMLPClassifier(**settings), X, binary)
    assert smoothed.validation_scores_[0] == pytest.approx(plain.validation_scores_[0], abs=0.1)


# ------------------------------------------------------------------------------------------------ schedules


def test_adam_ignores_scikit_learns_schedules_as_mlpclassifier_does_but_not_ours(small_digits):
    X, y = small_digits
    settings = dict(hidden_layer_sizes=(16,), max_iter=6, random_state=0, learning_rate_init=0.01)
    constant = _fit(NumpyMLPClassifier(**settings), X, y)
    for schedule in ("invscaling", "adaptive"):
        ours = _fit(NumpyMLPClassifier(**settings, learning_rate=schedule), X, y)
        assert _same(ours, constant)
        assert _same_as_sklearn(ours, _fit(MLPClassifier(**settings, learning_rate=schedule), X, y))
    rates = []
    _fit(NumpyMLPClassifier(**settings, learning_rate="cosine", callbacks=[_Rates(rates)]), X, y)
    np.testing.assert_allclose(rates, [Cosine(6).rate(0.01, k) for k in range(1, 7)], rtol=1e-15)


class _Rates:
    """A user's callback (not a Callback subclass): the learning rate after each epoch."""

    def __init__(self, rates):
        self.rates = rates

    def on_epoch_end(self, model, epoch, logs):
        self.rates.append(logs["learning_rate"])


def test_adaptive_and_invscaling_act_on_the_new_solvers(small_digits):
    X, y = small_digits
    rates = []
    model = _fit(
        NumpyMLPClassifier(
            (16,),
            solver="nadam",
            learning_rate="adaptive",
            learning_rate_init=0.01,
            tol=10,
            n_iter_no_change=2,
            max_iter=12,
            random_state=0,
            callbacks=[_Rates(rates)],
        ),
        X,
        y,
    )
    assert rates[:3] == [0.01] * 3 and rates[3] == pytest.approx(0.002) and rates[6] == pytest.approx(0.0004)
    assert model.n_iter_ == 12
    rates.clear()
    _fit(
        NumpyMLPClassifier(
            (16,),
            solver="rmsprop",
            learning_rate="invscaling",
            power_t=0.5,
            max_iter=3,
            random_state=0,
            callbacks=[_Rates(rates)],
        ),
        X,
        y,
    )
    np.testing.assert_allclose(rates, [0.001 / (k * len(y) + 1) ** 0.5 for k in (1, 2, 3)], rtol=1e-15)


# ------------------------------------------------------------------------------------------------ a user's activation


def softsign(z):
    return z / (1 + np.abs(z))


def softsign_derivative(z):
    return 1 / (1 + np.abs(z)) ** 2


def test_an_activation_given_as_a_pair_trains_as_the_same_one_registered(small_digits):
    X, y = small_digits
    settings = dict(hidden_layer_sizes=(16, 8), max_iter=4, random_state=0)
    pair = _fit(NumpyMLPClassifier(activation=(softsign, softsign_derivative), **settings), X, y)
    registered = activations.register(Activation("softsign_", softsign, softsign_derivative))
    try:
        named = _fit(NumpyMLPClassifier(activation="softsign_", **settings), X, y)
        assert _same(pair, named)
        np.testing.assert_array_equal(pair.predict_proba(X), named.predict_proba(X))
        copy = clone(pair)
        assert copy.get_params()["activation"] == (softsign, softsign_derivative)
        assert _same(_fit(copy, X, y), pair)
        object_model = _fit(NumpyMLPClassifier(activation=registered, **settings), X, y)
        assert _same(object_model, named)
        logistic = _fit(NumpyMLPClassifier(activation=activations.get("logistic"), **settings), X, y)
        assert _same(logistic, _fit(NumpyMLPClassifier(activation="logistic", **settings), X, y))  # Glorot's range
    finally:
        activations.unregister("softsign_")


def test_a_model_file_refuses_an_activation_it_cannot_name_and_names_a_registered_object(small_digits, tmp_path):
    X, y = small_digits
    pair = _fit(NumpyMLPClassifier((8,), activation=(softsign, softsign_derivative), max_iter=2), X, y)
    with pytest.raises(
        ValueError,
        match=r"^save_model cannot store activation=\(<function softsign at .*\): a model"
        r" file names its activation, and functions have no name it can be loaded by;"
        r" register it",
    ):
        save_model(pair, tmp_path / "pair.npz")
    assert not list(tmp_path.iterdir())  # nothing written
    unregistered = Activation("softsign_", softsign, softsign_derivative)
    with pytest.raises(ValueError, match="save_model cannot store activation=Activation"):
        save_model(_fit(NumpyMLPClassifier((8,), activation=unregistered, max_iter=2), X, y), tmp_path / "o.npz")
    activations.register(unregistered)
    try:
        model = _fit(NumpyMLPClassifier((8,), activation=unregistered, max_iter=2), X, y)
        save_model(model, tmp_path / "named.npz")
        loaded = load_model(tmp_path / "named.npz")
        assert loaded.activation == "softsign_"
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    finally:
        activations.unregister("softsign_")


def test_a_model_file_keeps_the_features_settings_and_says_what_it_does_not_store(small_digits, tmp_path):
    X, y = small_digits
    model = _fit(
        NumpyMLPClassifier(
            (8, 4),
            dropout=(0.2, 0.1),
            class_weight={0: 2.0, 9: 0.5},
            label_smoothing=0.1,
            solver="adamw",
            weight_decay=0.02,
            learning_rate="cosine",
            warmup=1,
            max_iter=3,
            callbacks=[_Rates([])],
            random_state=0,
        ),
        X,
        y,
    )
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.get_params() == {**model.get_params(), "callbacks": None, "hidden_layer_sizes": (8, 4)}
    assert loaded.model_file_meta_["not_stored"] == {"callbacks": "_Rates"}
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    _fit(loaded.set_params(warm_start=True, max_iter=2), X, y)  # and it goes on training with them
    assert loaded.n_iter_ == 2


def test_a_model_file_with_a_bad_dropout_is_refused_in_one_line(small_digits, tmp_path):
    import json

    X, y = small_digits
    save_model(_fit(NumpyMLPClassifier((8,), max_iter=2), X, y), tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as archive:
        arrays = dict(archive)
    meta = json.loads(str(arrays["meta"]))
    meta["params"]["dropout"] = [0.2, 0.3]
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(
        UsageError,
        match=r"bad.npz: invalid parameters in the metadata: dropout has 2 rates but the"
        r" network has 1 hidden layer\(s\)",
    ):
        load_model(tmp_path / "bad.npz")
