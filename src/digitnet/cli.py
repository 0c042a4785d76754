"""The ``digitnet`` command: report, train, compare, sweep, results, predict, gradcheck.

``main(argv)`` runs in-process and returns the exit status: 0 on success,
2 for bad input (one ``digitnet: error: ...`` line on stderr, no traceback),
1 when ``gradcheck`` finds a gradient out of tolerance or a sweep's worker
process dies, 130 when interrupted (Ctrl-C; SIGTERM during a sweep), with one
line saying how many runs of the sweep are saved.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from .errors import UsageError
from .functional import HIDDEN_ACTIVATIONS, WEIGHT_INITS
from .report import add_report_command, cmd_report  # report imports matplotlib only when it runs

_DEFAULTS = None  # NumpyMLPClassifier's defaults, read once (importing the estimator is not free)


def _defaults():
    global _DEFAULTS
    if _DEFAULTS is None:
        from .estimator import NumpyMLPClassifier

        _DEFAULTS = NumpyMLPClassifier().get_params()
    return _DEFAULTS


# ------------------------------------------------------------------------------- value parsers


def parse_layers(text):
    """``"64"`` -> ``(64,)``; ``"128-64"`` -> ``(128, 64)``."""
    try:
        layers = tuple(int(part) for part in str(text).split("-"))
    except ValueError:
        raise UsageError(f"hidden layer sizes are positive integers joined by '-', like 64 or 128-64; got {text!r}") \
            from None
    if not all(h > 0 for h in layers):
        raise UsageError(f"hidden layer sizes must be positive, got {text!r}")
    return layers


def parse_bool(text):
    value = str(text).strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise UsageError(f"expected true or false, got {text!r}")


def _number(kind):
    def parse(text):
        try:
            return kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise UsageError(f"expected {what}, got {text!r}") from None
    parse.__name__ = kind.__name__
    return parse


def parse_batch_size(text):
    """An integer, ``auto`` or ``full``."""
    if text in ("auto", "full"):
        return text
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"batch size is an integer, 'auto' or 'full'; got {text!r}") from None


def parse_int_or_inf(text):
    if str(text).lower() in ("inf", "infinity"):
        return float("inf")
    return _number(int)(text)


def _string(text):
    return str(text)


#: Every estimator parameter the command line can set: (name, parser, help). Defaults are the estimator's.
MODEL_OPTIONS = [
    ("hidden_layer_sizes", parse_layers, "units of each hidden layer, '-' between layers (e.g. 64 or 128-64)"),
    ("activation", _string, f"hidden-layer activation: {', '.join(HIDDEN_ACTIVATIONS)}"),
    ("solver", _string, "optimizer: adam, sgd or lbfgs"),
    ("alpha", _number(float), "L2 penalty strength"),
    ("batch_size", parse_batch_size, "rows per gradient step: an integer, 'auto' (= min(200, rows)) or 'full'"
                                     " (the whole training set: plain gradient descent)"),
    ("learning_rate", _string, "learning-rate schedule for sgd: constant, invscaling or adaptive"),
    ("learning_rate_init", _number(float), "initial learning rate (sgd, adam)"),
    ("power_t", _number(float), "exponent of the invscaling schedule"),
    ("max_iter", _number(int), "epochs (sgd, adam) or iterations (lbfgs)"),
    ("shuffle", parse_bool, "shuffle the training rows every epoch (true/false)"),
    ("tol", _number(float), "stop when the loss (or validation score) improves by less than this for"
                            " n_iter_no_change epochs"),
    ("n_iter_no_change", parse_int_or_inf, "epochs without improvement before stopping ('inf': never stop)"),
    ("momentum", _number(float), "momentum of sgd, in [0, 1]"),
    ("nesterovs_momentum", parse_bool, "use Nesterov's momentum (sgd; true/false)"),
    ("early_stopping", parse_bool, "hold out validation_fraction of the training rows and stop when their"
                                   " accuracy stalls (true/false)"),
    ("validation_fraction", _number(float), "fraction held out by early_stopping"),
    ("beta_1", _number(float), "adam: decay of the first-moment estimate"),
    ("beta_2", _number(float), "adam: decay of the second-moment estimate"),
    ("epsilon", _number(float), "adam: numerical-stability constant"),
    ("max_fun", _number(int), "lbfgs: maximum loss evaluations"),
    ("weight_init", _string, f"initial weights: {', '.join(WEIGHT_INITS)} (glorot is MLPClassifier's)"),
]
PARSERS = {name: parse for name, parse, _ in MODEL_OPTIONS}


def _show(value):
    if isinstance(value, tuple):
        return "-".join(map(str, value))
    return value


# ------------------------------------------------------------------------------- argparse


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and a UsageError (exit status 2), not a usage dump."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog):
        super().__init__(prog, max_help_position=34, width=100)


def _argtype(parse):
    """An argparse ``type=`` that reports a bad value as an argparse error (one line)."""
    def convert(text):
        try:
            return parse(text)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = getattr(parse, "__name__", "value")
    return convert


def _add_model_options(parser, note=None):
    """``--hidden-layer-sizes`` ... ``--weight-init``: the defaults shown are NumpyMLPClassifier's."""
    group = parser.add_argument_group("model options (NumpyMLPClassifier parameters)", note)
    defaults = _defaults()
    for name, parse, text in MODEL_OPTIONS:
        group.add_argument("--" + name.replace("_", "-"), dest=name, type=_argtype(parse), default=None,
                           metavar=name.upper() if name != "hidden_layer_sizes" else "LAYERS",
                           help=f"{text} (default: {_show(defaults[name])})")


def _add_data_options(parser, validation_size=0.0):
    group = parser.add_argument_group("data options")
    source = group.add_mutually_exclusive_group()
    source.add_argument("--dataset", default="digits", choices=["digits", "iris", "wine", "breast_cancer"],
                        help="scikit-learn's bundled dataset to use (default: digits)")
    source.add_argument("--csv", metavar="FILE", help="read the dataset from this CSV file instead: numeric"
                        " feature columns and a target column (default: none)")
    group.add_argument("--target", metavar="COLUMN", help="target column of --csv (default: the last column)")
    group.add_argument("--test-size", type=_argtype(_number(float)), default=0.2,
                       help="fraction of the rows held out for testing, stratified (default: 0.2)")
    group.add_argument("--validation-size", type=_argtype(_number(float)), default=validation_size,
                       help=f"fraction of the training part held out for validation (default: {validation_size})")
    group.add_argument("--split-seed", type=_argtype(_number(int)), default=42,
                       help="random_state of the train/validation/test split (default: 42)")
    group.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                       help="floating-point type of the features and weights (default: float64)")


def build_parser():
    """The ``digitnet`` argument parser with its seven subcommands."""
    parser = _Parser(prog="digitnet", formatter_class=_Formatter, description=(
        "A from-scratch NumPy MLP trained by gradient descent, compared fairly with scikit-learn's MLPClassifier."))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_report_command(commands)

    p = commands.add_parser("train", formatter_class=_Formatter, help="fit one model, print its test metrics",
                            description="Fit NumpyMLPClassifier on the training part of the split and print its"
                            " metrics on the test part (and the validation part, if any).")
    _add_model_options(p)
    _add_data_options(p)
    p.add_argument("--seed", type=_argtype(_number(int)), default=0, help="random_state of the model (default: 0)")
    p.add_argument("--save", metavar="FILE", help="save the fitted model (with its scaler) to this .npz file"
                   " (default: not saved)")

    p = commands.add_parser("compare", formatter_class=_Formatter, help="ours vs MLPClassifier over seeds",
                            description="Train NumpyMLPClassifier and scikit-learn's MLPClassifier with the same"
                            " parameters on the same split for each seed; write DIR/compare.csv (one row per run),"
                            " DIR/summary.csv and DIR/results.json, and print the summary and a paired t-test.")
    _add_model_options(p)
    _add_data_options(p)
    p.add_argument("--seeds", type=_argtype(_number(int)), default=5, help="seeds 0..N-1 (default: 5)")
    p.add_argument("--per-class", action="store_true", help="also write per-class report.csv and confusion"
                   " matrices (default: off)")
    p.add_argument("--jobs", type=_argtype(_number(int)), default=1,
                   help="parallel processes (default: 1, which keeps fit times free of contention)")
    p.add_argument("--out", metavar="DIR", required=True, help="output directory (required; created if needed)")

    from .experiments import PRESETS

    p = commands.add_parser("sweep", formatter_class=_Formatter, help="train a grid of configurations",
                            description="Train every configuration of a grid for every seed; write DIR/sweep.csv"
                            " (one row per run, its parameters as columns), DIR/curves.json (per-epoch curves) and"
                            " DIR/results.json, exported from DIR/sweep.sqlite, the results store that every"
                            " finished run is committed to at once. Interrupted (Ctrl-C, a kill) or extended, the"
                            " same command resumes: runs already in the store are not trained again."
                            "\n\npresets:\n" + "\n".join(
                                f"  {name:13} {preset.description}" for name, preset in PRESETS.items()),
                            epilog="examples:\n  digitnet sweep --preset learning-rate --out out/lr\n"
                            "  digitnet sweep --param hidden_layer_sizes=32,64-32 --param activation=relu,tanh"
                            " --seeds 3 --cv 5 --jobs 4 --out out/grid\n"
                            "  digitnet sweep --param max_iter=50,100,200 --backend dask --scheduler tcp://10.0.0.5:8786"
                            " --out out/big\n  digitnet results out/grid")
    p.add_argument("--preset", choices=list(PRESETS), help="run a preset study (default: none); --param then"
                   " replaces that axis of its grid")
    p.add_argument("--param", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="a grid axis: any NumpyMLPClassifier parameter and its values, comma-separated;"
                   " repeatable (default: none)")
    p.add_argument("--seeds", type=_argtype(_number(int)), default=1, help="seeds 0..N-1 per configuration"
                   " (default: 1)")
    p.add_argument("--cv", type=_argtype(_number(int)), default=None, metavar="K",
                   help="stratified K-fold cross-validation on the training part instead of the validation"
                   " split (default: off)")
    p.add_argument("--backend", choices=["serial", "processes", "dask"], default="processes",
                   help="where to train: 'processes' (a pool of --jobs worker processes), 'dask' (a Dask cluster:"
                   " --scheduler's, or a local one of --jobs workers started for the sweep; needs pip install -e"
                   " \".[dask]\") or 'serial' (this process, for debugging); results do not depend on it"
                   " (default: processes)")
    p.add_argument("--jobs", type=_argtype(_number(int)), default=-1, help="worker processes of --backend"
                   " processes or of a local Dask cluster; -1 = all cores (default: -1)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="with --backend dask: the address of a running Dask"
                   " scheduler, like tcp://HOST:8786, whose workers have digitnet installed (default: start a local"
                   " cluster on 127.0.0.1 for the sweep)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar (default: shown)")
    p.add_argument("--out", metavar="DIR", required=True, help="output directory (required; created if needed);"
                   " every finished run is saved at once in DIR/sweep.sqlite, and running the same command again"
                   " trains only the runs not there yet")
    _add_model_options(p, "Shared by every configuration; with --preset they override the preset's own"
                          " settings (see results.json), else the defaults below.")
    _add_data_options(p, validation_size=0.2)

    p = commands.add_parser("predict", formatter_class=_Formatter, help="predict with a saved model",
                            description="Predict classes and class probabilities with a model saved by"
                            " 'digitnet train --save'. Writes CSV (prediction, then one probability column per"
                            " class) to stdout or --out.")
    p.add_argument("--model", metavar="FILE", required=True, help="model file (.npz) (required)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", metavar="FILE", help="CSV file of raw features, columns matched by name (or"
                        " in order); a target column, if present, is reported as 'true' and scored (required:"
                        " this or --dataset)")
    source.add_argument("--dataset", choices=["digits", "iris", "wine", "breast_cancer"],
                        help="predict the test part of this bundled dataset's standard split (required: this or"
                        " --csv)")
    p.add_argument("--target", metavar="COLUMN", help="column of true labels in --csv (default: the model's"
                   " training target name)")
    p.add_argument("--test-size", type=_argtype(_number(float)), default=0.2,
                   help="test fraction of the --dataset split (default: 0.2)")
    p.add_argument("--split-seed", type=_argtype(_number(int)), default=42,
                   help="random_state of the --dataset split (default: 42)")
    p.add_argument("--out", metavar="FILE", help="write the predictions to this CSV file (default: stdout)")

    p = commands.add_parser("results", formatter_class=_Formatter, help="best configurations of a sweep's store",
                            description="Print the best configurations and a summary of the runs in a sweep's"
                            " results store (DIR/sweep.sqlite, written by 'digitnet sweep --out DIR'), without"
                            " training anything. Configurations are ranked by their mean validation accuracy over"
                            " seeds (and folds, with --cv); the test accuracy when there is no validation score.")
    p.add_argument("dir", metavar="DIR", help="the sweep's output directory (or its sweep.sqlite file) (required)")
    p.add_argument("--top", type=_argtype(_number(int)), default=10, help="configurations to list (default: 10)")

    p = commands.add_parser("gradcheck", formatter_class=_Formatter, help="check backpropagation numerically",
                            description="Compare backpropagated gradients with central finite differences on a"
                            " small random network, for every hidden activation; print the worst relative error"
                            " of each. Exit status 1 if one exceeds --tolerance.")
    p.add_argument("--hidden-layer-sizes", type=_argtype(parse_layers), default=(5, 4), metavar="LAYERS",
                   help="hidden layers of the test network (default: 5-4)")
    p.add_argument("--alpha", type=_argtype(_number(float)), default=0.01, help="L2 penalty (default: 0.01)")
    p.add_argument("--samples", type=_argtype(_number(int)), default=7, help="random rows (default: 7)")
    p.add_argument("--classes", type=_argtype(_number(int)), default=3,
                   help="classes; 2 uses one logistic output unit (default: 3)")
    p.add_argument("--seed", type=_argtype(_number(int)), default=0, help="seed of data and weights (default: 0)")
    p.add_argument("--eps", type=_argtype(_number(float)), default=1e-6, help="finite-difference step"
                   " (default: 1e-06)")
    p.add_argument("--tolerance", type=_argtype(_number(float)), default=1e-4,
                   help="largest acceptable relative error (default: 0.0001)")
    return parser


# ------------------------------------------------------------------------------- commands


def _model_params(args):
    """The model options the user gave (the others keep the estimator's, or the preset's, defaults)."""
    return {name: getattr(args, name) for name, _, _ in MODEL_OPTIONS if getattr(args, name, None) is not None}


def _split(args, validation_size=None):
    from .data import load_split

    return load_split(args.dataset, path=args.csv, target=args.target, test_size=args.test_size,
                      validation_size=args.validation_size if validation_size is None else validation_size,
                      random_state=args.split_seed, dtype=np.dtype(args.dtype).type)


def _describe(split):
    val = "" if split.y_val is None else f", {len(split.y_val)} validation"
    return (f"{split.name}: {len(split.y_train)} training{val}, {len(split.y_test)} test rows; "
            f"{split.X_train.shape[1]} features, {len(split.classes)} classes")


def _fit_error(exc):
    """The estimator's errors during fit (divergence, ...) as one line."""
    return UsageError(f"training failed: {' '.join(str(exc).split())}")


def cmd_train(args):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support
    from sklearn.pipeline import Pipeline

    from .estimator import NumpyMLPClassifier
    from .experiments import _resolve, check_params
    from .io import save_model

    params = check_params(_model_params(args))
    if args.save:
        from .experiments import prepare_out_dir

        prepare_out_dir(os.path.dirname(os.path.abspath(args.save)))
    split = _split(args)
    model = NumpyMLPClassifier(**_resolve(params, len(split.y_train)), random_state=args.seed)
    validation = None if split.X_val is None else (split.X_val, split.y_val)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        try:
            model.fit(split.X_train, split.y_train, validation_data=validation)
        except ValueError as exc:
            raise _fit_error(exc) from None
        seconds = time.perf_counter() - start
    print(_describe(split))
    shown = ", ".join(f"{k}={_show(v)}" for k, v in params.items()) or "defaults"
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


def cmd_compare(args):
    from .experiments import compare, prepare_out_dir, save_results

    prepare_out_dir(args.out)
    split = _split(args)
    try:
        result = compare(split, seeds=args.seeds, per_class=args.per_class, n_jobs=args.jobs, **_model_params(args))
    except ValueError as exc:
        if isinstance(exc, UsageError):
            raise
        raise _fit_error(exc) from None
    print(_describe(split))
    print(result.table().to_string())
    print(result.test.describe())
    paths = save_results(result, args.out)
    print("wrote " + ", ".join(paths))
    return 0


def _parse_param(text):
    """``name=v1,v2`` -> (name, [values]) with values parsed for that parameter."""
    from .experiments import LABEL, PARAM_NAMES, check_params

    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise UsageError(f"--param takes NAME=VALUE1,VALUE2,...; got {text!r}")
    if name == LABEL:
        return name, [v.strip() for v in values.split(",")]
    if name not in PARAM_NAMES:
        check_params({name: None})  # raises the unknown-name error, with the closest known name
    parse = PARSERS.get(name, _string)
    parsed = []
    for value in values.split(","):
        try:
            parsed.append(parse(value.strip()))
        except UsageError as exc:
            raise UsageError(f"--param {name}: {exc}") from None
        try:
            check_params({name: parsed[-1]})
        except UsageError as exc:
            raise UsageError(f"--param {name}={value.strip()}: {exc}") from None
    return name, parsed


def cmd_sweep(args):
    import pandas as pd

    from .experiments import prepare_out_dir, run_preset, save_results, sweep

    axes = {}
    for text in args.param:
        name, values = _parse_param(text)
        if name in axes:
            raise UsageError(f"--param {name} is given twice; put all its values in one --param")
        axes[name] = values
    if not args.preset and not axes:
        raise UsageError("give --preset NAME or at least one --param NAME=V1,V2,... (see 'digitnet sweep --help')")
    if args.cv is not None and args.cv < 2:
        raise UsageError(f"--cv needs at least 2 folds, got {args.cv}")
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler needs --backend dask")
    if args.jobs == 0 or args.jobs < -1:
        raise UsageError(f"--jobs must be a positive number of workers, or -1 for all cores; got {args.jobs}")
    if args.backend == "dask":
        from .backends import require_dask

        require_dask()  # before any work: one line saying how to install Dask
    prepare_out_dir(args.out)
    split = _split(args, validation_size=0.0 if args.cv else None)
    base = _model_params(args)
    from .store import FILENAME

    options = dict(seeds=args.seeds, cv=args.cv, n_jobs=args.jobs, progress=not args.no_progress,
                   backend=args.backend, scheduler=args.scheduler, store=os.path.join(args.out, FILENAME),
                   log=lambda line: print(line, flush=True))
    with _sigterm_as_interrupt():
        if args.preset:
            result = run_preset(args.preset, split, grid=axes, params=base, **options)
        else:
            result = sweep(axes, split, base_params=base, **options)
    print(_describe(split))
    runs = result.runs
    hidden = {"config", "run_id", "train_accuracy", "error"}
    if result.best is not None:  # the test set is looked at once, for the chosen configuration only
        hidden |= {"test_accuracy", "test_f1"}
    with pd.option_context("display.width", 200, "display.max_columns", 50, "display.max_rows", 1000):
        print(runs[[c for c in runs.columns if c not in hidden]].to_string(index=False, na_rep="-",
                                                                          float_format=lambda v: f"{v:.4g}"))
    if "error" in runs:
        failed = runs[runs["error"] != ""]
        print(f"{len(failed)} run(s) failed; the first: {failed['error'].iloc[0]}")
    if result.best is not None:
        best = result.best
        print(f"best by validation accuracy: hidden_layer_sizes={best['hidden_layer_sizes']}"
              f" activation={best['activation']}: validation {best['val_accuracy']:.4f}, test (checked once)"
              f" {best['test_accuracy']:.4f}")
    config = result.config
    resumed = f"; {config['n_found']} runs were already in the store" if config["n_found"] else ""
    print(f"{len(runs)} runs from {config['n_trainings']} trainings in {result.elapsed:.1f} s"
          f" ({config['n_trained']} trained now{resumed})")
    paths = save_results(result, args.out)
    print("wrote " + ", ".join(paths))
    return 0


class _sigterm_as_interrupt:
    """While active, SIGTERM raises KeyboardInterrupt: a killed sweep stops as cleanly as one given Ctrl-C."""

    def __enter__(self):
        import signal
        import threading

        self._old = None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._raise)
        return self

    @staticmethod
    def _raise(signum, frame):
        raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self._old is not None:
            import signal

            signal.signal(signal.SIGTERM, self._old)
        return False


def cmd_results(args):
    import pandas as pd

    from .store import FILENAME, Store, summarize

    path = args.dir
    if os.path.isdir(path):
        path = os.path.join(path, FILENAME)
    if not os.path.isfile(path):
        raise UsageError(f"no results store at {path}: 'digitnet sweep --out DIR' writes DIR/{FILENAME}")
    if args.top < 1:
        raise UsageError(f"--top must be at least 1, got {args.top}")
    with Store(path, readonly=True) as store:
        rows, sweeps = store.rows(), store.sweeps()
    if not rows:
        print(f"{path}: no finished runs yet")
        return 0
    summary = summarize(rows, sweeps, top=args.top)
    for line in summary["lines"]:
        print(line)
    with pd.option_context("display.width", 200, "display.max_columns", 50, "display.max_rows", 1000):
        # "-" where there is no number: a spread over one seed, a metric of a run that diverged
        print(summary["table"].to_string(index=False, na_rep="-", float_format=lambda v: f"{v:.4g}"))
    print(summary["best"])
    return 0


def cmd_predict(args):
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from .data import load_split, read_features_csv
    from .io import atomic_write, load_model

    if args.out:
        from .experiments import prepare_out_dir

        prepare_out_dir(os.path.dirname(os.path.abspath(args.out)))
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


def cmd_gradcheck(args):
    from .gradcheck import gradient_check

    if args.classes < 2 or args.samples < 1 or args.eps <= 0:
        raise UsageError("gradcheck needs --classes >= 2, --samples >= 1 and --eps > 0")
    print(f"finite-difference gradient check: hidden layers {_show(args.hidden_layer_sizes)}, alpha {args.alpha},"
          f" {args.samples} samples, {args.classes} classes, eps {args.eps:g}, float64")
    print(f"{'activation':12} {'max relative error':>20}  result")
    worst = 0.0
    for activation in HIDDEN_ACTIVATIONS:
        error = gradient_check(activation, args.hidden_layer_sizes, args.alpha, args.samples, args.classes, args.seed,
                               args.eps)
        worst = max(worst, error)
        print(f"{activation:12} {error:20.3e}  {'ok' if error <= args.tolerance else 'FAIL'}")
    print(f"worst {worst:.3e} ({'within' if worst <= args.tolerance else 'ABOVE'} tolerance {args.tolerance:g})")
    return 0 if worst <= args.tolerance else 1


COMMANDS = {"train": cmd_train, "compare": cmd_compare, "sweep": cmd_sweep, "results": cmd_results,
            "predict": cmd_predict, "gradcheck": cmd_gradcheck, "report": cmd_report}


def main(argv=None):
    """Run the ``digitnet`` command line; return its exit status."""
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"digitnet: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help (0) from argparse
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM during a sweep
        describe = getattr(exc, "describe", None)
        print(f"digitnet: {describe() if describe else 'interrupted'}", file=sys.stderr)
        return 130
    except Exception as exc:
        from .backends import WorkerLost

        if isinstance(exc, WorkerLost):  # a worker process died: what was finished is saved
            print(f"digitnet: error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
