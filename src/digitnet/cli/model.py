"""``digitnet train`` and ``digitnet predict``: fit one model and save it; predict with a saved one."""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from sklearn.pipeline import Pipeline

from ..data import DATASETS, load_split, read_features_csv
from ..errors import UsageError
from ..estimator import NumpyMLPClassifier
from ..experiments.params import check_params, resolve
from ..files import atomic_write, prepare_out_file
from ..model_file import load_model, save_model
from .options import (
    Formatter, add_data_options, add_model_options, argtype, describe, fit_error, model_params, number, show,
    split_of,
)


def add_train(commands):
    p = commands.add_parser("train", formatter_class=Formatter, help="fit one model, print its test metrics",
                            description="Fit NumpyMLPClassifier on the training part of the split and print its"
                            " metrics on the test part (and the validation part, if any).")
    add_model_options(p)
    add_data_options(p)
    p.add_argument("--seed", type=argtype(number(int)), default=0, help="random_state of the model (default: 0)")
    p.add_argument("--save", metavar="FILE", help="save the fitted model (with its scaler) to this .npz file"
                   " (default: not saved)")


def run_train(args):
    params = check_params(model_params(args))
    if args.save:
        prepare_out_file(args.save)
    split = split_of(args)
    model = NumpyMLPClassifier(**resolve(params, len(split.y_train)), random_state=args.seed)
    validation = None if split.X_val is None else (split.X_val, split.y_val)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        try:
            model.fit(split.X_train, split.y_train, validation_data=validation)
        except ValueError as exc:
            raise fit_error(exc) from None
        seconds = time.perf_counter() - start
    print(describe(split))
    shown = ", ".join(f"{k}={show(v)}" for k, v in params.items()) or "defaults"
    print(f"trained NumpyMLPClassifier({shown}) in {seconds:.2f} s: {model.n_iter_} epochs, final training loss"
          f" {model.loss_:.4f}" + (" (not converged: max_iter reached)" if caught else ""))
    if validation is not None:
        print(f"validation accuracy {accuracy_score(split.y_val, model.predict(split.X_val)):.4f}")
    predicted = model.predict(split.X_test)
    precision, recall, f1, _ = precision_recall_fscore_support(split.y_test, predicted, average="macro",
                                                               zero_division=0)
    print(f"test accuracy {accuracy_score(split.y_test, predicted):.4f}  precision {precision:.4f}  recall"
          f" {recall:.4f}  f1 {f1:.4f}  (macro averages)")
    if args.save:
        save_model(Pipeline([("scaler", split.scaler), ("mlp", model)]), args.save,
                   feature_names=split.feature_names,
                   extra={"dataset": split.name, "target": split.target_name, "split": split.describe()})
        print(f"saved model to {args.save}")
    return 0


def add_predict(commands):
    p = commands.add_parser("predict", formatter_class=Formatter, help="predict with a saved model",
                            description="Predict classes and class probabilities with a model saved by"
                            " 'digitnet train --save'. Writes CSV (prediction, then one probability column per"
                            " class) to stdout or --out.")
    p.add_argument("--model", metavar="FILE", required=True, help="model file (.npz) (required)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", metavar="FILE", help="CSV file of raw features, columns matched by name (or"
                        " in order); a target column, if present, is reported as 'true' and scored (required:"
                        " this or --dataset)")
    source.add_argument("--dataset", choices=list(DATASETS),
                        help="predict the test part of this bundled dataset's standard split (required: this or"
                        " --csv)")
    p.add_argument("--target", metavar="COLUMN", help="column of true labels in --csv (default: the model's"
                   " training target name)")
    p.add_argument("--test-size", type=argtype(number(float)), default=0.2,
                   help="test fraction of the --dataset split (default: 0.2)")
    p.add_argument("--split-seed", type=argtype(number(int)), default=42,
                   help="random_state of the --dataset split (default: 42)")
    p.add_argument("--out", metavar="FILE", help="write the predictions to this CSV file (default: stdout)")


def run_predict(args):
    if args.out:
        prepare_out_file(args.out)
    model = load_model(args.model)
    mlp = model.steps[-1][1] if isinstance(model, Pipeline) else model
    meta = mlp.model_file_meta_
    n_features = mlp.n_features_in_
    if args.dataset:
        split = load_split(args.dataset, test_size=args.test_size, random_state=args.split_seed)
        # a pipeline scales raw features itself; a bare model expects the split's scaled ones
        X, y = (split.X_test_raw if isinstance(model, Pipeline) else split.X_test), split.y_test
        source = f"the test part of {args.dataset}"
        if X.shape[1] != n_features:
            raise UsageError(f"model {args.model} expects {n_features} features, but {args.dataset} has"
                             f" {X.shape[1]}")
    else:
        target = args.target or (meta.get("extra") or {}).get("target")
        X, y = read_features_csv(args.csv, n_features, meta.get("feature_names"), target)
        source = args.csv
        if args.target and y is None:
            raise UsageError(f"{args.csv} has no column {args.target!r}")
    predicted = model.predict(X)
    proba = model.predict_proba(X)
    table = pd.DataFrame({"prediction": predicted})
    if y is not None:
        table.insert(0, "true", y)
    for i, c in enumerate(mlp.classes_):
        table[f"probability_{c}"] = proba[:, i]
    text = table.to_csv(index=False, float_format="%.6g")
    summary = f"{len(table)} predictions for {source}"
    if y is not None:
        summary += f"; accuracy {float(np.mean(np.asarray(predicted).astype(str) == np.asarray(y).astype(str))):.4f}"
    if args.out:
        atomic_write(args.out, lambda f: f.write(text.encode()))
        print(f"{summary}; wrote {args.out}")
    else:
        sys.stdout.write(text)
        print(summary, file=sys.stderr)
    return 0
