"""One training loop: a fit, a study's run and train_model differ only by the estimator's TrainingPolicy (what
divergence does, what a warm start keeps), never by overriding the loop's steps."""

import inspect
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from digitnet import NumpyMLPClassifier
from digitnet import functional as F
from digitnet.estimator.divergence import DivergenceWarning, TrainingDiverged
from digitnet.estimator.policy import STUDY, TrainingPolicy
from digitnet.experiments.runs import StudyModel

# full-batch gradient descent at rate 5 on the 300 digits: finite losses that pass 10 times the start at epoch 5
DIVERGES = dict(
    hidden_layer_sizes=(16,),
    solver="sgd",
    batch_size=300,
    shuffle=False,
    momentum=0.0,
    tol=0.0,
    n_iter_no_change=np.inf,
    learning_rate_init=5.0,
    max_iter=8,
    random_state=3,
)


def test_a_study_model_overrides_nothing_of_the_estimator():
    """StudyModel is NumpyMLPClassifier with another policy: no method of its own, so its runs are fits."""
    own = {
        name
        for name, value in vars(StudyModel).items()
        if inspect.isfunction(value) or isinstance(value, (classmethod, staticmethod, property))
    }
    assert own == set() and StudyModel.training_policy is STUDY
    assert clone(StudyModel(max_iter=3)).training_policy is STUDY  # a clone keeps it
    assert NumpyMLPClassifier().training_policy == TrainingPolicy("warn", resume=False)


@pytest.mark.parametrize("policy, expected", [("warn", DivergenceWarning), ("stop", None), ("raise", TrainingDiverged)])
def test_what_divergence_does_is_the_policys(small_digits, policy, expected):
    X, y = small_digits
    model = NumpyMLPClassifier(**DIVERGES)
    model.training_policy = TrainingPolicy(on_divergence=policy)
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if expected is TrainingDiverged:
            with pytest.raises(TrainingDiverged, match="^Training diverged at epoch 5: the loss rose from 2.6"):
                model.fit(X, y)
        else:
            model.fit(X, y)
    diverging = [w.message for w in caught if isinstance(w.message, DivergenceWarning)]
    if policy == "warn":  # scikit-learn's fit: said once, and it goes on to max_iter
        assert [w.epoch for w in diverging] == [5] and model.n_iter_ == 8 and model.diverged_at_ is None
    elif policy == "stop":  # a result: kept, quietly, the curves ending at the epoch before
        assert diverging == [] and model.diverged_at_ == 5 and model.n_iter_ == 4 and len(model.loss_curve_) == 4
    else:
        assert diverging == [] and model.n_iter_ == 5 and len(model.loss_curve_) == 4


def test_a_resuming_policy_makes_warm_starts_one_training(small_digits):
    """Under resume=True, fit(max_iter=3) then fit(max_iter=4) from a RandomState is one fit(max_iter=7), bit for
    bit (the optimizer's moments and the row order carry on); under scikit-learn's policy it is not."""
    X, y = small_digits
    params = dict(hidden_layer_sizes=(12,), solver="adam", batch_size=64, learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        whole = NumpyMLPClassifier(**params, max_iter=7, random_state=np.random.RandomState(2)).fit(X, y)
        for resume in (True, False):
            model = NumpyMLPClassifier(**params, max_iter=3, warm_start=True, random_state=np.random.RandomState(2))
            model.training_policy = TrainingPolicy(resume=resume)
            model.fit(X, y)
            model.set_params(max_iter=4)
            model.fit(X, y)
            assert np.array_equal(model._flat, whole._flat) == resume
            assert (model.loss_curve_ == whole.loss_curve_) == resume
    with pytest.raises(ValueError, match=r"on_divergence must be one of \('warn', 'stop', 'raise'\), got 'ignore'"):
        TrainingPolicy(on_divergence="ignore")


@pytest.mark.parametrize("batch_size", [None, 64])
def test_train_model_is_the_estimators_loop(small_digits, batch_size):
    """train_model is NumpyMLPClassifier(solver="sgd", ...) with a Generator: the same weights and curves, bit for
    bit, full batch or shuffled mini-batches."""
    X, y = small_digits
    weights, biases, history = F.train_model(
        X,
        y,
        (16,),
        "tanh",
        epochs=12,
        learning_rate=0.2,
        batch_size=batch_size,
        momentum=0.5,
        alpha=0.01,
        random_state=7,
        X_val=X[:50],
        y_val=y[:50],
    )
    rows = 300 if batch_size is None else batch_size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = NumpyMLPClassifier(
            (16,),
            "tanh",
            solver="sgd",
            learning_rate_init=0.2,
            batch_size=rows,
            momentum=0.5,
            nesterovs_momentum=False,
            alpha=0.01,
            max_iter=12,
            tol=0,
            n_iter_no_change=np.inf,
            shuffle=batch_size is not None,
            random_state=np.random.default_rng(7),
        ).fit(X, y, X_val=X[:50], y_val=y[:50])
    assert history == model.history_ and len(history["val_accuracy"]) == 12
    for mine, its in zip(weights + biases, model.coefs_ + model.intercepts_):
        np.testing.assert_array_equal(mine, its)


def test_train_model_with_two_classes_has_one_logistic_unit_and_predicts():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    weights, biases, _ = F.train_model(X, y, (8,), epochs=200, learning_rate=0.5, random_state=0)
    assert weights[-1].shape == (8, 1)
    assert np.mean(F.predict(X, weights, biases) == y) > 0.9


def test_train_model_takes_labels_0_to_k_minus_1():
    X = np.random.default_rng(0).normal(size=(9, 2))
    with pytest.raises(ValueError, match=r"^train_model takes the labels 0..K-1, each present; got \[0, 2, 5\]"):
        F.train_model(X, np.array([0, 2, 5] * 3), epochs=2)
