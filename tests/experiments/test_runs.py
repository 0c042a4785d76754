"""One training run: read off at several epoch counts, bit for bit what separate fits give."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from digitnet import NumpyMLPClassifier
from digitnet.experiments import Task, run_task
from digitnet.experiments.runs import StudyModel

READ_OFF_CASES = {
    "full-batch-gd": dict(
        solver="sgd",
        batch_size=300,
        momentum=0.0,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=np.inf,
        learning_rate_init=0.1,
    ),
    "adam-shuffled-minibatches": dict(solver="adam", batch_size=64, learning_rate_init=0.01),
    "sgd-nesterov-invscaling": dict(
        solver="sgd", batch_size=50, momentum=0.9, learning_rate="invscaling", power_t=0.3, learning_rate_init=0.2
    ),
    "sgd-adaptive-stalls": dict(
        solver="sgd", batch_size=100, learning_rate="adaptive", tol=0.05, n_iter_no_change=2, learning_rate_init=0.05
    ),
}


@pytest.mark.parametrize("params", READ_OFF_CASES.values(), ids=READ_OFF_CASES.keys())
def test_read_off_at_each_epoch_count_equals_a_fresh_fit(split, params, fit_fresh):
    """One training read off at 3, 7 and 12 epochs gives, bit for bit, what fits with max_iter=3, 7, 12 give."""
    params = {"hidden_layer_sizes": (16,), **params}
    task = Task(params=params, checkpoints=(3, 7, 12), config_ids=(0, 1, 2), seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        records = run_task(task, (split, None))
    for record, k in zip(records, (3, 7, 12)):
        fresh = fit_fresh(params, k, 5, split)
        assert record.error is None
        assert record.n_iter == fresh.n_iter_
        assert record.curve == fresh.history_  # every epoch's loss, accuracy, val_loss, val_accuracy: exactly
        assert record.train_loss == fresh.loss_
        assert record.test_accuracy == fresh.score(split.X_test, split.y_test)
        assert record.val_accuracy == fresh.score(split.X_val, split.y_val)


def test_resumable_fits_continue_the_optimizer_exactly(split, fit_fresh):
    params = dict(hidden_layer_sizes=(12,), solver="adam", batch_size=64, learning_rate_init=0.01)
    model = StudyModel(**params, max_iter=4, warm_start=True, random_state=np.random.RandomState(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(split.X_train, split.y_train)
        model.set_params(max_iter=5)
        model.fit(split.X_train, split.y_train)
    fresh = fit_fresh(params, 9, 2, split)
    for a, b in zip(model.coefs_ + model.intercepts_, fresh.coefs_ + fresh.intercepts_):
        np.testing.assert_array_equal(a, b)
    # a plain warm start would not do: it restarts Adam's moments
    plain = NumpyMLPClassifier(**params, max_iter=4, warm_start=True, random_state=np.random.RandomState(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain.fit(split.X_train, split.y_train)
        plain.set_params(max_iter=5)
        plain.fit(split.X_train, split.y_train)
    assert not np.array_equal(plain.coefs_[0], fresh.coefs_[0])


def test_read_off_after_an_early_stop_on_a_checkpoint(split, fit_fresh):
    """If the stopping rule fires exactly at a checkpoint, later checkpoints keep that state, as fresh fits do."""
    params = dict(
        hidden_layer_sizes=(16,), solver="adam", batch_size=100, learning_rate_init=0.01, tol=0.05, n_iter_no_change=2
    )
    stop = fit_fresh(params, 500, 1, split).n_iter_
    assert stop < 500
    task = Task(params=params, checkpoints=(stop - 1, stop, stop + 4), config_ids=(0, 1, 2), seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        records = run_task(task, (split, None))
    for record, k in zip(records, task.checkpoints):
        fresh = fit_fresh(params, k, 1, split)
        assert record.n_iter == fresh.n_iter_ == min(k, stop)
        assert record.curve == fresh.history_
