"""``digitnet train`` and ``digitnet predict``: fit one model and save it; predict with a saved one."""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (
    accuracy_score,
    mean_absolute_error,
    precision_recall_fscore_support,
    r2_score,
    root_mean_squared_error,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ..csv_data import MAX_MAGNITUDE
from ..data import DATASETS, TASKS, load_split, read_features_csv
from ..digit_image import BITMAP, BLOCK, FORMAT_NAMES, MAX_SIDE, image_to_input
from ..errors import UsageError
from ..estimator import NumpyMLPClassifier, NumpyMLPRegressor
from ..estimator.callbacks import EarlyStopping, ModelCheckpoint, ProgressBar, ReduceLROnPlateau
from ..estimator.divergence import DivergenceWarning, TrainingDiverged
from ..experiments.params import check_combination, check_params, resolve
from ..files import atomic_write, check_not_inputs, prepare_out_file
from ..model_file import load_model, save_model, with_target_scaler
from ..model_inputs import FAR_OUTSIDE_SHARE, compare_with_training, parts, training_rows_seen
from . import digits
from .options import (
    CLASSIFIER_ONLY,
    Formatter,
    _option,
    add_data_options,
    add_model_options,
    argtype,
    at_least,
    describe,
    fit_error,
    model_params,
    number,
    seed,
    show,
    split_of,
)


def add_train(commands):
    p = commands.add_parser(
        "train",
        formatter_class=Formatter,
        help="fit one model, print its test metrics",
        description="Fit NumpyMLPClassifier (or, with --task regression, NumpyMLPRegressor) on"
        " the training part of the split and print its metrics on the test part (and the"
        " validation part, if any).",
    )
    add_model_options(p)
    add_data_options(p)
    p.add_argument(
        "--task",
        choices=TASKS,
        default="classification",
        help="classification: the target holds class"
        " labels (a stratified split, accuracy, precision, recall, F1); regression: it holds numbers"
        " (a random split, squared-error loss, R2, RMSE, MAE) (default: classification)",
    )
    p.add_argument(
        "--scale-target",
        action="store_true",
        help="with --task regression: standardise the target"
        " (mean 0, standard deviation 1 on the training rows) for training, and put predictions back in"
        " its units, as scikit-learn's TransformedTargetRegressor with a StandardScaler does; the model"
        " file keeps the scaling (default: the target as it is)",
    )
    p.add_argument("--seed", type=argtype(seed), default=0, help="random_state of the model (default: 0)")
    p.add_argument(
        "--save", metavar="FILE", help="save the fitted model (with its scaler) to this .npz file (default: not saved)"
    )
    add_callback_options(p)
    digits.add_digits_options(p)


def add_callback_options(parser):
    """``train``'s callbacks (digitnet.estimator.callbacks): early stopping, the rate on a plateau, checkpoints, a bar."""
    group = parser.add_argument_group("callbacks (after each epoch; see digitnet.estimator.callbacks)")
    group.add_argument(
        "--stop-early-on",
        metavar="QUANTITY",
        help="stop when this quantity has not improved for"
        " --patience epochs: loss, accuracy (r2), or with --validation-size val_loss, val_accuracy"
        " (val_r2) (default: no such stop)",
    )
    group.add_argument(
        "--restore-best-weights",
        action="store_true",
        help="with --stop-early-on: end with the weights of its best epoch (default: the last epoch's)",
    )
    group.add_argument(
        "--reduce-lr-on",
        metavar="QUANTITY",
        help="multiply the learning rate by --plateau-factor when"
        " this quantity has not improved for --patience epochs (default: never)",
    )
    group.add_argument(
        "--plateau-factor",
        type=argtype(number(float)),
        default=0.1,
        help="what --reduce-lr-on multiplies the rate by, in (0, 1) (default: 0.1)",
    )
    group.add_argument(
        "--patience",
        type=argtype(at_least(1, "epochs of patience")),
        default=10,
        help="epochs without improvement before --stop-early-on or --reduce-lr-on acts (default: 10)",
    )
    group.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="after each epoch, write the model (with its scaler) to"
        " this .npz file, atomically; with --stop-early-on, only when that quantity improves"
        " (default: none)",
    )
    group.add_argument(
        "--progress", action="store_true", help="show a progress bar of the epochs on stderr (default: none)"
    )


def _callbacks(args, split):
    """The callbacks ``train``'s options ask for, each checked before any work; ``(list, early stopping or None)``."""
    score = "r2" if args.task == "regression" else "accuracy"
    known = ["loss", score] + (["val_loss", f"val_{score}"] if split.X_val is not None else [])
    for option in ("stop_early_on", "reduce_lr_on"):
        quantity = getattr(args, option)
        if quantity is not None and quantity not in known:
            held = "" if split.X_val is not None else " (the val_ quantities need --validation-size above 0)"
            raise UsageError(f"{_option(option)} {quantity}: this training records {', '.join(known)}{held}")
    if args.checkpoint is not None and args.scale_target:
        raise UsageError(
            "--checkpoint writes the network with its feature scaler only; with --scale-target its"
            " predictions would be in standardised units: use --save for the final model instead"
        )
    if args.restore_best_weights and args.stop_early_on is None:
        raise UsageError(
            "--restore-best-weights needs --stop-early-on QUANTITY (the quantity whose best epoch it keeps)"
        )
    stopper = (
        None
        if args.stop_early_on is None
        else EarlyStopping(args.stop_early_on, patience=args.patience, restore_best_weights=args.restore_best_weights)
    )
    callbacks = [
        c
        for c in (
            stopper,
            None
            if args.reduce_lr_on is None
            else ReduceLROnPlateau(args.reduce_lr_on, factor=args.plateau_factor, patience=args.patience),
        )
        if c is not None
    ]
    if args.checkpoint is not None:
        callbacks.append(
            ModelCheckpoint(
                args.checkpoint,
                monitor=args.stop_early_on,
                scaler=split.scaler,
                feature_names=split.feature_names,
                extra={"dataset": split.name, "target": split.target_name},
            )
        )
    return callbacks + ([ProgressBar()] if args.progress else []), stopper


def _fit(model, X, y, validation):
    """Fit, keeping the warnings: whether max_iter stopped training, and every other warning (one line each).

    Returns ``(seconds, converged, diverged)``; ``diverged`` is None, or where training diverged: the
    estimator's DivergenceWarning, made an error so that training stops at that epoch, or its
    TrainingDiverged (a loss that is not finite at once).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", DivergenceWarning)
        start = time.perf_counter()
        try:
            model.fit(X, y, **validation)
        except (DivergenceWarning, TrainingDiverged) as exc:
            return time.perf_counter() - start, False, exc
        except (ValueError, TypeError) as exc:
            raise fit_error(exc) from None
        seconds = time.perf_counter() - start
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            print(f"digitnet: warning: {' '.join(str(w.message).split())}", file=sys.stderr)
    return seconds, converged, None


def _diverged_error(diverged, model, saving):
    """A diverged training as one line: where, and which option to change (the model is not saved)."""
    if not math.isfinite(diverged.rule.start_loss):
        remedy = "the data give a loss that is not finite before any update: scale them (a regression's target too)"
    elif model.solver == "lbfgs":
        remedy = "scale the features or use a larger --alpha"
    else:
        remedy = f"use a smaller --learning-rate-init (now {model.learning_rate_init:g})"
    return UsageError(f"training {diverged.what}; {remedy}" + ("; the model was not saved" if saving else ""))


#: With float32 arithmetic, an unscaled regression target beyond this magnitude overflows when squared and summed.
FLOAT32_TARGET_LIMIT = 1e15


def _target_scaler(args, split):
    """The fitted StandardScaler of the training target with --scale-target (a regression only), else None."""
    if not args.scale_target:
        largest = float(np.max(np.abs(split.y_train))) if args.task == "regression" else 0.0
        if np.dtype(args.dtype) == np.float32 and largest > FLOAT32_TARGET_LIMIT:
            raise UsageError(
                f"the target {split.target_name!r} reaches {largest:.4g}: with --dtype float32 the"
                f" squares of values beyond ±{FLOAT32_TARGET_LIMIT:g} overflow; give --scale-target (the"
                " target is then standardised), or --dtype float64"
            )
        return None
    if args.task != "regression":
        raise UsageError(
            "--scale-target standardises a regression's numeric target; give --task regression (class"
            " labels are not scaled)"
        )
    return StandardScaler().fit(np.reshape(split.y_train, (-1, 1)))


def _target_hint(split):
    """A hint to standardise a regression target far from mean 0 and standard deviation 1, or None."""
    mean, std = float(np.mean(split.y_train)), float(np.std(split.y_train))
    if std == 0 or (abs(mean) <= 3 * std and 0.1 <= std <= 10):
        return None
    return (
        f"hint: the target {split.target_name!r} has mean {mean:.4g} and standard deviation {std:.4g} in the"
        " training rows; the network's output starts near 0 with a spread near 1, so it learns such a target"
        " slowly, if at all: --scale-target standardises it for training and puts predictions back in its units"
        " (as scikit-learn's TransformedTargetRegressor with a StandardScaler)"
    )


def _check_outputs(args, params):
    """Before any work: --plateau-factor in range, the classifier's options refused for a regression, the output files
    writable and none of them an input."""
    if not 0 < args.plateau_factor < 1:
        raise UsageError(f"--plateau-factor must be a number in (0, 1), got {args.plateau_factor}")
    given = [name for name in CLASSIFIER_ONLY if name in params]
    if args.task == "regression" and given:
        raise UsageError(f"{_option(given[0])} is for classification (a regression's target has no classes)")
    outputs = [
        (f"--{name} {path}", path)
        for name, path in (("save", args.save), ("checkpoint", args.checkpoint))
        if path is not None
    ]
    check_not_inputs(outputs, {"--csv": args.csv})
    if (
        args.save is not None
        and args.checkpoint is not None
        and os.path.realpath(args.save) == os.path.realpath(args.checkpoint)
    ):
        raise UsageError(
            f"--checkpoint {args.checkpoint} is also --save: the checkpoints (the epochs' models) and the"
            " final model need two files"
        )
    for option, path in outputs:
        prepare_out_file(path, "checkpoint file" if option.startswith("--checkpoint") else "model file")


def run_train(args):
    params = check_combination(check_params(model_params(args)))
    ensemble = digits.digits_params(args)
    if ensemble:
        note = digits.check_digits_args(args, ensemble)
    _check_outputs(args, params)
    split = split_of(args)
    if ensemble:
        return _train_digits(args, params, ensemble, split, note)
    callbacks, stopper = _callbacks(args, split)
    target_scaler = _target_scaler(args, split)
    estimator = NumpyMLPRegressor if args.task == "regression" else NumpyMLPClassifier
    model = estimator(**resolve(params, len(split.y_train)), random_state=args.seed, callbacks=callbacks or None)
    scale = (
        (lambda y: y) if target_scaler is None else (lambda y: target_scaler.transform(np.reshape(y, (-1, 1))).ravel())
    )
    validation = {} if split.X_val is None else {"X_val": split.X_val, "y_val": scale(split.y_val)}
    seconds, converged, diverged = _fit(model, split.X_train, scale(split.y_train), validation)
    if diverged is not None:
        raise _diverged_error(diverged, model, args.save is not None)
    print(describe(split))
    shown = ", ".join(f"{k}={show(v)}" for k, v in params.items()) or "defaults"
    print(
        f"trained {estimator.__name__}({shown}) in {seconds:.2f} s: {model.n_iter_} epochs, final training loss"
        f" {model.loss_:.4f}"
        + ("" if target_scaler is None else " (of the standardised target)")
        + ("" if converged or (stopper and stopper.stopped_epoch) else " (not converged: max_iter reached)")
    )
    if stopper is not None and stopper.stopped_epoch:
        print(
            f"stopped early at epoch {stopper.stopped_epoch}: {stopper.monitor} best at epoch {stopper.best_epoch}"
            f" ({stopper.best:.4f})" + (", its weights kept" if args.restore_best_weights else "")
        )
    if target_scaler is None:
        _print_scores(model, split)
    else:  # predictions put back in the target's units in float64: in float32 a large target would overflow
        _print_scores(
            with_target_scaler(model, target_scaler),
            dataclasses.replace(
                split,
                X_test=split.X_test.astype(np.float64),
                X_val=None if split.X_val is None else split.X_val.astype(np.float64),
            ),
        )
    hint = _target_hint(split) if args.task == "regression" and target_scaler is None else None
    if hint:
        print(f"digitnet: {hint}", file=sys.stderr)
    if args.save is not None:
        pipeline = Pipeline([("scaler", split.scaler), ("mlp", model)])
        save_model(
            pipeline if target_scaler is None else with_target_scaler(pipeline, target_scaler),
            args.save,
            feature_names=split.feature_names,
            training_rows=split.X_train_raw,
            extra={"dataset": split.name, "target": split.target_name, "split": split.describe()},
        )
        print(f"saved model to {args.save}")
    return 0


def _train_digits(args, params, given, split, note):
    """``train`` with a DigitsClassifier option: fit one on the raw rows, print its scores, save it."""
    model = digits.digits_model(given, resolve(params, len(split.y_train)), args.seed, args.jobs)
    digits.check_images(model, split.X_train.shape[1])
    if note:
        print(note)
    split = digits.raw_split(split, np.dtype(args.dtype))
    seconds, converged, diverged = _fit(model, split.X_train, split.y_train, {})
    if diverged is not None:
        raise _diverged_error(diverged, model, args.save is not None)
    print(describe(split))
    shown = ", ".join(f"{k}={show(v)}" for k, v in {**given, **params}.items())
    print(
        f"trained DigitsClassifier({shown}) in {seconds:.2f} s: {digits.fitted_summary(model)}"
        + ("" if converged else " (not converged: max_iter reached)")
    )
    _print_scores(model, split)
    if args.save is not None:
        save_model(
            model,
            args.save,
            feature_names=split.feature_names,
            training_rows=split.X_train_raw,
            extra={"dataset": split.name, "target": split.target_name, "split": split.describe()},
        )
        print(f"saved model to {args.save}")
    return 0


def _print_scores(model, split):
    """The validation score (if any), then the test metrics: a classifier's or a regressor's."""
    if split.classes is None:
        if split.X_val is not None:
            print(f"validation R2 {r2_score(split.y_val, model.predict(split.X_val)):.4f}")
        predicted = model.predict(split.X_test)
        print(
            f"test R2 {r2_score(split.y_test, predicted):.4f}  RMSE"
            f" {root_mean_squared_error(split.y_test, predicted):.4g}  MAE"
            f" {mean_absolute_error(split.y_test, predicted):.4g}"
        )
        return
    if split.X_val is not None:
        print(f"validation accuracy {accuracy_score(split.y_val, model.predict(split.X_val)):.4f}")
    predicted = model.predict(split.X_test)
    precision, recall, f1, _ = precision_recall_fscore_support(
        split.y_test, predicted, average="macro", zero_division=0
    )
    print(
        f"test accuracy {accuracy_score(split.y_test, predicted):.4f}  precision {precision:.4f}  recall"
        f" {recall:.4f}  f1 {f1:.4f}  (macro averages)"
    )


def add_predict(commands):
    p = commands.add_parser(
        "predict",
        formatter_class=Formatter,
        help="predict with a saved model",
        description="Predict classes and class probabilities (or a regressor's values) with a"
        " model saved by 'digitnet train --save'. Writes CSV (prediction, then for a classifier"
        " one probability column per class) to stdout or --out.",
    )
    p.add_argument("--model", metavar="FILE", required=True, help="model file (.npz) (required)")
    _add_predict_sources(p)
    p.add_argument(
        "--target", metavar="COLUMN", help="column of true labels in --csv (default: the model's training target name)"
    )
    p.add_argument(
        "--test-size",
        type=argtype(number(float)),
        default=0.2,
        help="test fraction of the --dataset split (default: 0.2)",
    )
    p.add_argument(
        "--split-seed", type=argtype(seed), default=42, help="random_state of the --dataset split (default: 42)"
    )
    p.add_argument(
        "--no-header",
        action="store_true",
        help="--csv has no header row: its columns are the model's"
        " features in order (and --target, if any, is a column number from 0) (default: a header row)",
    )
    p.add_argument(
        "--no-input-check",
        action="store_true",
        help="predict even when the data lie far outside the"
        " ranges the model was trained on (default: refuse, as they are then not what it expects)",
    )
    p.add_argument("--out", metavar="FILE", help="write the predictions to this CSV file (default: stdout)")
    p.add_argument(
        "--tta",
        type=argtype(at_least(0, "test-time copies")),
        default=None,
        help="a DigitsClassifier's"
        " test-time augmentation: average each prediction over the image and this many jittered copies"
        " (default: the model's)",
    )


def _add_predict_sources(p):
    """What to predict: exactly one of a CSV file, a bundled dataset's test part, a picture."""
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--csv",
        metavar="FILE",
        help="CSV file of raw features, columns matched by name (or"
        " in order); a target column, if present, is reported as 'true' and scored (required:"
        " this, --dataset or --image)",
    )
    source.add_argument(
        "--dataset",
        choices=list(DATASETS),
        help="predict the test part of this bundled dataset's standard split (required: this, --csv or --image)",
    )
    source.add_argument(
        "--image",
        metavar="FILE",
        help=f"a picture of one handwritten digit ({FORMAT_NAMES},"
        f" 8-bit, 16-bit or float, up to {MAX_SIDE} pixels a side; dark ink on light paper or the"
        " reverse; other formats refused), turned into the 8x8 input of the Digits data"
        " as they were made (a model trained on digits) (required: this, --csv or --dataset)",
    )


def _predict_inputs(args, model):
    """``(X, y or None, description)``: the raw features to predict and their true labels, if known."""
    scaler, mlp = parts(model)
    meta, n_features = mlp.model_file_meta_, mlp.n_features_in_
    if args.dataset:
        split = load_split(args.dataset, test_size=args.test_size, random_state=args.split_seed)
        # a pipeline scales raw features itself; a bare model expects the split's scaled ones
        X, y = (split.X_test_raw if scaler is not None else split.X_test), split.y_test
        if X.shape[1] != n_features:
            raise UsageError(f"model {args.model} expects {n_features} features, but {args.dataset} has {X.shape[1]}")
        return X, y, f"the test part of {args.dataset}"
    if args.image:
        if n_features != BITMAP // BLOCK * (BITMAP // BLOCK):
            raise UsageError(
                f"--image gives the 64 pixels of the Digits data, but model {args.model} expects {n_features} features"
            )
        pixels = image_to_input(args.image)
        print(f"{args.image} as the model sees it (8x8, ink 0-16):", file=sys.stderr)
        for row in pixels.reshape(8, 8):
            print("  " + " ".join(f"{v:2d}" for v in row), file=sys.stderr)
        return pixels.reshape(1, -1).astype(np.float64), None, args.image
    target = args.target if args.target is not None or args.no_header else (meta.get("extra") or {}).get("target")
    X, y = read_features_csv(args.csv, n_features, meta.get("feature_names"), target, header=not args.no_header)
    if args.target is not None and y is None:
        raise UsageError(f"{args.csv} has no column {args.target!r}")
    return X, y, args.csv


def _true_values(y, source):
    """A regressor's true values as float64: numbers, finite, of a size its R2 can be computed from."""
    try:
        values = np.asarray(y, dtype=np.float64)
    except ValueError:
        raise UsageError(f"the true values in {source} are not all numbers; a regressor's target is") from None
    bad = ~np.isfinite(values) | (np.abs(values) > MAX_MAGNITUDE)
    if bad.any():
        raise UsageError(
            f"the true values in {source} include {y[int(np.argmax(bad))]!r} (row {int(np.argmax(bad)) + 1}):"
            f" a regressor's target must be a finite number within ±{MAX_MAGNITUDE:g}"
        )
    return values


def _accuracy(predicted, y):
    """The share of predicted labels equal to the true ones: as numbers if both are, else as text ("1" is not "01")."""
    predicted, y = np.asarray(predicted), np.asarray(y)
    if predicted.dtype.kind in "biuf" and y.dtype.kind in "biuf":
        return float(np.mean(predicted == y))
    return float(np.mean(predicted.astype(str) == y.astype(str)))


def _predictions(model, X, y, source):
    """``(table, score)``: true values (if known), predictions and a classifier's probabilities; the score
    of the predictions ("accuracy 0.97" or "R2 0.82") if the true values are known, else None. A model of
    several outputs (a multilabel classifier, a multi-output regressor) gets one prediction column per output."""
    _, mlp = parts(model)
    predicted = model.predict(X)
    if predicted.ndim == 2:
        if y is not None:
            raise UsageError(
                f"the model predicts {predicted.shape[1]} outputs per row, but {source} gives one true"
                " value per row: they cannot be compared; give a CSV file of the features only"
            )
        table = pd.DataFrame(predicted, columns=[f"prediction_{j}" for j in range(predicted.shape[1])])
    else:
        table = pd.DataFrame({"prediction": predicted})
    if y is not None:
        table.insert(0, "true", y)
    if isinstance(mlp, NumpyMLPRegressor):
        return table, None if y is None else f"R2 {r2_score(_true_values(y, source), predicted):.4f}"
    proba = model.predict_proba(X)
    for i, c in enumerate(mlp.classes_):
        table[f"probability_{c}"] = proba[:, i]
    return table, None if y is None else f"accuracy {_accuracy(predicted, y):.4f}"


def _training_note(mlp, X):
    """ "; N of these M rows were used for training ..." when the model file's fingerprint knows some rows, else ""."""
    seen = training_rows_seen(mlp, X)
    if seen is None or seen[0] == 0:
        return ""
    count, estimated = seen
    return (
        f"; {'about ' if estimated else ''}{count} of these {len(X)} rows were used for training the model"
        + (" (judged from a sample of the training rows' fingerprints)" if estimated else "")
        + ": a score on them says little about new data"
    )


def run_predict(args):
    if args.out is not None:
        check_not_inputs(
            [(f"--out {args.out}", args.out)], {"--model": args.model, "--csv": args.csv, "--image": args.image}
        )
        prepare_out_file(args.out, "predictions file")
    model = digits.with_tta(load_model(args.model), args.tta, args.model)
    X, y, source = _predict_inputs(args, model)
    share, where = compare_with_training(model, X, source)
    if where and share > FAR_OUTSIDE_SHARE and not args.no_input_check:
        raise UsageError(
            f"the data do not look like what model {args.model} was trained on: {where}"
            " (--no-input-check predicts anyway)"
        )
    if where:
        print(f"digitnet: warning: {where}", file=sys.stderr)
    table, score = _predictions(model, X, y, source)
    text = table.to_csv(index=False, float_format="%.6g")
    summary = (
        f"{len(table)} predictions for {source}"
        + ("" if score is None else f"; {score}")
        + _training_note(parts(model)[1], X)
    )
    if args.out is not None:
        atomic_write(args.out, lambda f: f.write(text.encode()))
        print(f"{summary}; wrote {args.out}")
    else:
        sys.stdout.write(text)
        print(summary, file=sys.stderr)
    return 0
