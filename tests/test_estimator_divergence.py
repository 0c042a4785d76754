"""The estimators when training diverges (digitnet.nn.divergence's rule), against scikit-learn's own behaviour:
a warning at the epoch it diverges, scikit-learn's numbers otherwise; a non-finite loss stops a plain fit at once;
early stopping never raises and keeps its best weights (scikit-learn's issue 29504). Also validation labels that
training never saw."""

import math
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor
from digitnet.estimator.divergence import NONFINITE_WEIGHTS, DivergenceWarning, TrainingDiverged

pytestmark = pytest.mark.filterwarnings("ignore:Stochastic Optimizer. Maximum iterations")  # the fits are short

# the setting of issue 18: 128-64 units, one row a step, rate 10, no momentum (with alpha=1e-4, the default)
BLOW_UP = dict(
    hidden_layer_sizes=(128, 64), solver="sgd", learning_rate_init=10.0, batch_size=1, momentum=0.0, random_state=0
)


def _fit_quietly(model, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def _same_model(ours, theirs):
    """digitnet's drop-in promise: the same epochs, loss curve and weights as scikit-learn's, to 1e-9."""
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    for mine, its in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, its, rtol=1e-9, atol=1e-12)


def test_a_blow_up_within_the_first_epoch_is_named_and_scikit_learns_numbers_kept(digits_split):
    """The first epoch's mean loss is already 2e121; judged against it (as before), nothing diverged."""
    X, _, y, _ = digits_split
    ours = NumpyMLPClassifier(**BLOW_UP, max_iter=2)
    with np.errstate(all="ignore"), pytest.warns(DivergenceWarning) as caught:
        ours.fit(X, y)
    diverged = [w.message for w in caught if isinstance(w.message, DivergenceWarning)]
    assert len(diverged) == 1 and diverged[0].epoch == 1 and diverged[0].loss == ours.loss_curve_[0]
    assert str(diverged[0]) == (
        f"Training diverged at epoch 1: the loss rose from {diverged[0].rule.start_loss:.4g} with the starting"
        f" weights to {ours.loss_curve_[0]:.4g}, more than 10 times as much; it goes on, as scikit-learn's does, but"
        " the model it ends with is unlikely to be of use. Use a smaller learning_rate_init (now 10.0) or scale the"
        " input features."
    )
    assert 2 < diverged[0].rule.start_loss < 3 and ours.loss_curve_[0] > 1e100
    theirs = _fit_quietly(MLPClassifier(**BLOW_UP, max_iter=2), X, y)
    _same_model(ours, theirs)  # the same fit as scikit-learn's


def test_the_divergence_warning_as_an_error_stops_training_at_that_epoch(digits_split):
    X, _, y, _ = digits_split
    model = NumpyMLPClassifier(**BLOW_UP, max_iter=50)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("error", DivergenceWarning)
        with pytest.raises(DivergenceWarning, match="^Training diverged at epoch 1: the loss rose from"):
            model.fit(X, y)
    assert model.n_iter_ == 1  # not 50 epochs of a blown-up network


def test_the_starting_loss_is_that_of_the_starting_weights_on_the_training_rows(digits_split):
    """The reference is computed before the first update, from the very weights scikit-learn draws, and leaves the
    fit's numbers as they are (full batch: it is the first epoch's loss, to the bit)."""
    X, _, y, _ = digits_split
    params = dict(
        hidden_layer_sizes=(16,),
        solver="sgd",
        batch_size=len(y),
        shuffle=False,
        learning_rate_init=10.0,
        momentum=0.0,
        random_state=3,
    )
    with np.errstate(all="ignore"), pytest.warns(DivergenceWarning) as caught:
        model = NumpyMLPClassifier(**params, max_iter=4).fit(X, y)
    warning = next(w.message for w in caught if isinstance(w.message, DivergenceWarning))
    rule = warning.rule
    assert rule.start_loss == model.loss_curve_[0]  # full batch, rows in order: the same computation
    assert rule.baseline_loss == pytest.approx(math.log(10), abs=1e-3) and rule.ceiling == 10 * rule.start_loss
    assert warning.epoch == rule.epoch(model.loss_curve_) == 3  # 2.66, 7.76, then 27.4 > 26.6
    theirs = _fit_quietly(MLPClassifier(**params, max_iter=4), X, y)
    _same_model(model, theirs)


def test_a_loss_that_is_not_finite_stops_at_once_after_scikit_learns_message():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(100, 4)), np.arange(100) % 3
    clf = NumpyMLPClassifier(
        (8,), "identity", solver="sgd", learning_rate_init=1e3, max_iter=200, n_iter_no_change=np.inf, random_state=0
    )
    with (
        np.errstate(all="ignore"),
        warnings.catch_warnings(record=True) as caught,
        pytest.raises(TrainingDiverged) as raised,
    ):
        warnings.simplefilter("always")
        clf.fit(X, y)
    assert str(raised.value) == (
        f"{NONFINITE_WEIGHTS} Training diverged at epoch 50: the loss became nan (from 1.281"
        " with the starting weights). Use a smaller learning_rate_init (now 1000.0) or scale"
        " the input features."
    )
    assert isinstance(raised.value, ValueError) and raised.value.epoch == clf.n_iter_ == 50
    # it had diverged, finitely, at epoch 2, and said so then
    assert [w.message.epoch for w in caught if isinstance(w.message, DivergenceWarning)] == [2]


def test_data_that_overflow_before_any_update_are_said_to_be_the_cause():
    """scikit-learn's test_nonfinite_params: its message first, then why (the loss of the starting weights)."""
    rng = np.random.RandomState(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    y = rng.standard_normal(size=10)
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged) as raised:
        NumpyMLPRegressor().fit(X, y)
    message = str(raised.value)
    assert message.startswith(
        NONFINITE_WEIGHTS + " Training diverged at epoch 1: the loss of the starting weights is already "
    )
    assert message.endswith(", before any update. Scale the input features (and the target of a regression).")
    assert not math.isfinite(raised.value.rule.start_loss)


def test_early_stopping_never_raises_and_keeps_its_best_weights_as_scikit_learn_does():
    """scikit-learn's test_mlp_diverging_loss (its issue 29504), and the same numbers as MLPRegressor's."""
    X, y = load_iris(return_X_y=True)
    params = dict(
        hidden_layer_sizes=100,
        activation="identity",
        solver="sgd",
        alpha=0.0001,
        learning_rate="constant",
        learning_rate_init=1,
        shuffle=True,
        max_iter=20,
        early_stopping=True,
        n_iter_no_change=10,
        random_state=0,
    )
    ours = NumpyMLPRegressor(**params)
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours.fit(X, y)
    diverged = [w.message for w in caught if isinstance(w.message, DivergenceWarning)]
    assert len(
        diverged
    ) == 1 and "it goes on, as scikit-learn's does, and keeps the weights with the best validation score" in str(
        diverged[0]
    )
    assert isinstance(ours.validation_scores_[-1], float) and math.isnan(ours.validation_scores_[-1])
    theirs = _fit_quietly(MLPRegressor(**params), X, y)
    np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-9)  # NaN where NaN
    assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_, rel=1e-9)
    _same_model(ours, theirs)  # the best weights, finite
    assert np.isfinite(ours.predict(X)).all()


def test_validation_labels_training_never_saw_are_refused():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), np.arange(60) % 3
    model = NumpyMLPClassifier((4,), max_iter=5, random_state=0)
    with pytest.raises(
        ValueError,
        match=r"^y_val contains previously unseen labels: \[7 9\]\. The training labels"
        r" \(`classes_`\) are \[0 1 2\]\.$",
    ):
        model.fit(X, y, X_val=X[:4], y_val=[0, 7, 9, 7])
    words = np.array(["cat", "dog", "eel"])[y]
    with pytest.raises(ValueError, match=r"^y_val contains previously unseen labels: \['fox'\]"):
        model.fit(X, words, X_val=X[:2], y_val=["cat", "fox"])
    _fit_quietly(model, X, words, X_val=X[:2], y_val=["cat", "eel"])  # seen labels: scored
    assert len(model.history_["val_accuracy"]) == 5
