"""Callbacks: called after each epoch with its history_ entry, able to stop training; the ready ones (early stopping on
any quantity with restore_best_weights, reducing the rate on a plateau, checkpoints to a model file, a progress bar,
stopping on a loss that is not finite), and a user's own object; with lbfgs too."""

import io
import os
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor
from digitnet.errors import UsageError
from digitnet.estimator.callbacks import (
    Callback,
    EarlyStopping,
    ModelCheckpoint,
    ProgressBar,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from digitnet.model_file import load_model


class Recorder(Callback):
    """Every epoch's number, logs and weights."""

    def __init__(self):
        self.began, self.epochs, self.logs, self.weights, self.ended = False, [], [], [], False

    def on_train_begin(self, model):
        self.began, self.epochs, self.logs, self.weights, self.ended = True, [], [], [], False

    def on_epoch_end(self, model, epoch, logs):
        self.epochs.append(epoch)
        self.logs.append(logs)
        self.weights.append(model._flat.copy())
        return False

    def on_train_end(self, model):
        self.ended = True


def _fit(model, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **fit_params)


@pytest.fixture(scope="module")
def parts(small_digits):
    X, y = small_digits
    return X[:220], y[:220], X[220:], y[220:]


def test_a_callback_sees_each_epochs_history_entry(parts):
    X, y, X_val, y_val = parts
    recorder = Recorder()
    model = _fit(
        NumpyMLPClassifier((16,), max_iter=5, random_state=0, callbacks=[recorder]), X, y, X_val=X_val, y_val=y_val
    )
    assert recorder.began and recorder.ended and recorder.epochs == [1, 2, 3, 4, 5]
    for k, logs in enumerate(recorder.logs):
        assert logs == {
            "loss": model.history_["loss"][k],
            "accuracy": model.history_["accuracy"][k],
            "val_loss": model.history_["val_loss"][k],
            "val_accuracy": model.history_["val_accuracy"][k],
            "epoch": k + 1,
            "learning_rate": 0.001,
        }
    np.testing.assert_array_equal(
        recorder.weights[-1], np.concatenate([W.ravel() for W in model.coefs_ + model.intercepts_])
    )


def test_callbacks_change_nothing_unless_they_stop(parts):
    X, y, _, _ = parts
    plain = _fit(NumpyMLPClassifier((16,), max_iter=5, random_state=0), X, y)
    watched = _fit(
        NumpyMLPClassifier((16,), max_iter=5, random_state=0, callbacks=[Recorder(), TerminateOnNaN()]), X, y
    )
    assert watched.loss_curve_ == plain.loss_curve_
    assert all(np.array_equal(a, b) for a, b in zip(watched.coefs_, plain.coefs_))


def test_a_stop_ends_training_without_a_convergence_warning(parts):
    X, y, _, _ = parts

    class StopAtThree:  # a user's object: on_epoch_end only
        def on_epoch_end(self, model, epoch, logs):
            return epoch == 3

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = NumpyMLPClassifier((16,), max_iter=3, random_state=0, callbacks=[StopAtThree()]).fit(X, y)
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]


@pytest.mark.parametrize("monitor, min_delta", [("val_loss", 0.0), ("val_accuracy", 0.0), ("loss", 1e-3)])
def test_early_stopping_on_any_quantity_with_the_best_weights_restored(parts, monitor, min_delta):
    X, y, X_val, y_val = parts
    recorder = Recorder()
    stopper = EarlyStopping(monitor, patience=3, restore_best_weights=True, min_delta=min_delta)
    model = _fit(
        NumpyMLPClassifier(
            (32,),
            max_iter=300,
            learning_rate_init=0.05,
            random_state=0,
            tol=0,
            n_iter_no_change=np.inf,
            callbacks=[recorder, stopper],
        ),
        X,
        y,
        X_val=X_val,
        y_val=y_val,
    )  # no stopping rule of scikit-learn's: only the callback stops
    values, sign = model.history_[monitor], (1 if monitor.endswith("loss") else -1)
    best, best_value = None, np.inf
    for k, value in enumerate(values):  # the rule, replayed: better than the best by more than min_delta
        if sign * value < best_value - min_delta:
            best, best_value = k, sign * value
    assert model.n_iter_ < 300 and stopper.stopped_epoch == model.n_iter_ == best + 1 + 3  # patience 3
    assert stopper.best_epoch == best + 1 and stopper.best == values[best]
    np.testing.assert_array_equal(
        np.concatenate([W.ravel() for W in model.coefs_ + model.intercepts_]), recorder.weights[best]
    )


def test_early_stopping_monitoring_what_the_fit_does_not_record_says_so(parts):
    X, y, _, _ = parts
    with pytest.raises(
        ValueError,
        match=r"EarlyStopping monitors 'val_loss', which this fit does not record \(it"
        r" records loss, accuracy, learning_rate\); the val_ quantities need"
        r" held-out rows",
    ):
        _fit(NumpyMLPClassifier((8,), max_iter=3, callbacks=[EarlyStopping()]), X, y)


def test_reduce_lr_on_plateau_divides_the_rate_after_patience_epochs(parts):
    X, y, _, _ = parts
    recorder = Recorder()
    reducer = ReduceLROnPlateau("loss", factor=0.5, patience=2, min_delta=10.0, cooldown=1, min_lr=0.003)
    _fit(
        NumpyMLPClassifier(
            (16,), solver="sgd", learning_rate_init=0.02, max_iter=9, random_state=0, callbacks=[reducer, recorder]
        ),
        X,
        y,
    )
    # min_delta 10: no epoch improves but the first; halved after epoch 3 (two epochs waiting), after epoch 5 (the
    # cooldown epoch counts once it is over) and after 7, where min_lr holds it; the logs give the rate the next
    # epoch starts with, before the callbacks
    assert [logs["learning_rate"] for logs in recorder.logs] == [
        0.02,
        0.02,
        0.02,
        0.01,
        0.01,
        0.005,
        0.005,
        0.003,
        0.003,
    ]


def test_reduce_lr_on_plateau_scales_a_schedule(parts):
    X, y, _, _ = parts
    recorder = Recorder()
    _fit(
        NumpyMLPClassifier(
            (16,),
            solver="rmsprop",
            learning_rate="step",
            step_every=2,
            step_factor=0.5,
            learning_rate_init=0.01,
            max_iter=6,
            random_state=0,
            callbacks=[ReduceLROnPlateau("loss", factor=0.1, patience=3, min_delta=10.0), recorder],
        ),
        X,
        y,
    )
    rates = [logs["learning_rate"] for logs in recorder.logs]
    # the step schedule's 0.01 x 0.5^floor(epoch / 2) for the next epoch, scaled by 0.1 from the end of epoch 4 on
    np.testing.assert_allclose(rates, [0.01, 0.005, 0.005, 0.0025, 0.00025, 0.000125], rtol=1e-12)
    with pytest.raises(ValueError, match="ReduceLROnPlateau changes a stochastic solver's learning rate; lbfgs has"):
        _fit(NumpyMLPClassifier((8,), solver="lbfgs", callbacks=[ReduceLROnPlateau()]), X, y)


def test_checkpoints_are_model_files_of_the_best_epoch(parts, tmp_path):
    X, y, X_val, y_val = parts
    path = tmp_path / "best.npz"
    recorder, checkpoint = Recorder(), ModelCheckpoint(path, monitor="val_accuracy")
    model = _fit(
        NumpyMLPClassifier((16,), max_iter=8, random_state=0, callbacks=[checkpoint, recorder]),
        X,
        y,
        X_val=X_val,
        y_val=y_val,
    )
    best = int(np.argmax(model.history_["val_accuracy"]))
    assert checkpoint.saved_epoch == best + 1
    saved = load_model(path)
    assert saved.model_file_meta_["n_iter_"] == best + 1
    np.testing.assert_array_equal(
        np.concatenate([W.ravel() for W in saved.coefs_ + saved.intercepts_]), recorder.weights[best]
    )
    assert sorted(os.listdir(tmp_path)) == ["best.npz"]  # written to a temporary name, renamed: none left


def test_a_checkpoint_with_its_scaler_takes_raw_features(small_digits, tmp_path):
    X, y = small_digits
    raw = X * 4 + 8
    scaler = StandardScaler().fit(raw)
    model = _fit(
        NumpyMLPClassifier(
            (8,),
            max_iter=2,
            random_state=0,
            callbacks=[ModelCheckpoint(tmp_path / "each.npz", scaler=scaler, extra={"note": "epoch"})],
        ),
        scaler.transform(raw),
        y,
    )
    loaded = load_model(tmp_path / "each.npz")
    np.testing.assert_allclose(loaded.predict_proba(raw), model.predict_proba(scaler.transform(raw)), rtol=1e-12)
    assert loaded.steps[1][1].model_file_meta_["extra"] == {"note": "epoch"}


def test_a_checkpoint_that_cannot_be_written_is_refused_before_training(parts, tmp_path):
    X, y, _, _ = parts
    (tmp_path / "file").write_text("not a directory")
    recorder = Recorder()
    with pytest.raises(UsageError, match="cannot write to output directory .*file: a file of that name exists"):
        _fit(
            NumpyMLPClassifier((8,), max_iter=3, callbacks=[ModelCheckpoint(tmp_path / "file" / "m.npz"), recorder]),
            X,
            y,
        )
    assert recorder.epochs == []  # refused before the first epoch


def test_the_progress_bar_counts_epochs_and_shows_the_loss(parts):
    X, y, _, _ = parts
    out = io.StringIO()
    _fit(NumpyMLPClassifier((8,), max_iter=4, random_state=0, callbacks=[ProgressBar(file=out)]), X, y)
    text = out.getvalue()
    assert "NumpyMLPClassifier" in text and "4/4" in text and "loss=" in text and "accuracy=" in text


def test_terminate_on_nan_stops_where_early_stopping_would_go_on(parts):
    X, y, _, _ = parts
    stop = TerminateOnNaN()
    settings = dict(
        hidden_layer_sizes=(16,),
        solver="sgd",
        learning_rate_init=1e4,
        momentum=0.0,
        early_stopping=True,
        max_iter=50,
        n_iter_no_change=50,
        random_state=0,
    )
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        going_on = NumpyMLPClassifier(**settings).fit(X, y)
        stopped = NumpyMLPClassifier(**settings, callbacks=[stop]).fit(X, y)
    history = going_on.history_
    first = next(k for k in range(50) if not np.isfinite(history["loss"][k]) or not np.isfinite(history["val_loss"][k]))
    assert going_on.n_iter_ == 50 and stopped.n_iter_ == stop.stopped_epoch == first + 1


def test_lbfgs_iterations_are_the_callbacks_epochs(parts):
    X, y, X_val, y_val = parts
    recorder = Recorder()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = NumpyMLPClassifier(
            (16,),
            solver="lbfgs",
            max_iter=200,
            random_state=0,
            callbacks=[recorder, EarlyStopping("val_loss", patience=2, restore_best_weights=True)],
        ).fit(X, y, X_val=X_val, y_val=y_val)
    assert recorder.epochs == list(range(1, len(model.history_["loss"]) + 1)) and len(recorder.epochs) < 200
    assert "learning_rate" not in recorder.logs[0]
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]  # a stop, not a failure
    best = int(np.argmin(model.history_["val_loss"]))
    np.testing.assert_array_equal(
        np.concatenate([W.ravel() for W in model.coefs_ + model.intercepts_]), recorder.weights[best]
    )


def test_a_regressor_takes_callbacks_and_a_non_callback_is_refused(parts):
    X, y, X_val, y_val = parts
    stopper = EarlyStopping("val_r2", patience=2)
    _fit(
        NumpyMLPRegressor(
            hidden_layer_sizes=(8,), max_iter=200, learning_rate_init=0.01, random_state=0, callbacks=[stopper]
        ),
        X,
        y / 9.0,
        X_val=X_val,
        y_val=y_val / 9.0,
    )
    assert stopper.stopped_epoch is not None and stopper.best == pytest.approx(stopper.best)
    with pytest.raises(
        TypeError,
        match=r"callbacks\[1\] is 'print', not a callback: a callback has a method"
        r" on_epoch_end\(model, epoch, logs\)",
    ):
        NumpyMLPClassifier(callbacks=[Recorder(), "print"]).fit(X, y)
    with pytest.raises(
        ValueError, match="'callbacks' parameter of NumpyMLPClassifier must be None or an instance of 'list'"
    ):
        NumpyMLPClassifier(callbacks=Recorder()).fit(X, y)
