"""What every subcommand shares: value parsers, the model and data options, argparse that fails in one line.

Every estimator option (``--hidden-layer-sizes`` ... ``--weight-init``) comes from
:data:`MODEL_OPTIONS`, with the estimator's defaults; a bad value or a usage mistake is a
:class:`~digitnet.errors.UsageError`, printed as one line with exit status 2.
"""

from __future__ import annotations

import argparse
import math
import re

import numpy as np

from ..data import DATASETS, load_split
from ..errors import UsageError
from ..estimator.solvers import SOLVERS
from ..experiments.chunks import n_workers_of, usable_cores
from ..experiments.params import DEFAULTS, MAX_SEEDS, closest, format_layers, misused, parse_layers
from ..nn.activations import HIDDEN_ACTIVATIONS
from ..nn.network import WEIGHT_INITS
from ..nn.schedules import SCHEDULES


def parse_bool(text):
    value = str(text).strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise UsageError(f"expected true or false, got {text!r}")


def number(kind):
    def parse(text):
        try:
            return kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise UsageError(f"expected {what}, got {text!r}") from None

    parse.__name__ = kind.__name__
    return parse


#: The largest seed: scikit-learn's ``random_state`` (NumPy's RandomState) takes an integer from 0 to 2**32 - 1.
MAX_SEED = 2**32 - 1


def seed(text):
    """A random seed: an integer from 0 to :data:`MAX_SEED`."""
    value = number(int)(text)
    if not 0 <= value <= MAX_SEED:
        raise UsageError(f"a seed is an integer from 0 to {MAX_SEED}, got {value}")
    return value


def seed_count(text):
    """A number of seeds (0..N-1): from 1 to :data:`~digitnet.experiments.params.MAX_SEEDS`; the same line
    for every command that takes ``--seeds``."""
    value = number(int)(text)
    if not 1 <= value <= MAX_SEEDS:
        raise UsageError(f"the number of seeds must be from 1 to {MAX_SEEDS:,}, got {value}")
    return value


def seeds(text):
    """``--seeds``: a count N (seeds 0..N-1, see :func:`seed_count`) or a list of seeds (``3,4,5``: the seeds
    themselves, each checked as :func:`seed`, none twice)."""
    if "," not in str(text):
        return seed_count(text)
    values = tuple(seed(part.strip()) for part in str(text).split(",") if part.strip())
    if not values:
        raise UsageError(f"expected a number of seeds or a list like 3,4,5; got {text!r}")
    if len(set(values)) != len(values):
        raise UsageError(f"a seed is given twice in {text!r}: every seed is one replication, once")
    if len(values) > MAX_SEEDS:
        raise UsageError(f"the number of seeds must be from 1 to {MAX_SEEDS:,}, got {len(values):,}")
    return values


def jobs(text):
    """``--jobs``: a number of worker processes (at least 1), or -1 for every core."""
    value = number(int)(text)
    if value == 0 or value < -1:
        raise UsageError(f"the number of worker processes must be at least 1, or -1 for every core; got {value}")
    return value


def at_least(low, what):
    """A parser of an integer count of ``what``, at least ``low``."""

    def parse(text):
        value = number(int)(text)
        if value < low:
            raise UsageError(f"the number of {what} must be at least {low}, got {value}")
        return value

    parse.__name__ = "int"
    return parse


def jobs_note(n_jobs, n_tasks=None, unit="tasks"):
    """The line saying that ``--jobs n_jobs`` starts fewer worker processes than asked (None when it does not).

    Never more workers than the cores this process may use, nor than ``n_tasks`` (when it is known
    before the work is planned; a sweep's is not, so its line says "at most"); -1 asks for every core.
    """
    if n_jobs is None or n_jobs < 1:
        return None
    used, cores = n_workers_of(n_jobs, n_tasks), usable_cores()
    if used >= n_jobs:
        return None
    reasons = ([f"{n_tasks} {unit} to run"] if n_tasks is not None and n_tasks < n_jobs else []) + (
        [f"{cores} usable core{'s' if cores != 1 else ''}"] if cores < n_jobs else []
    )
    return (
        f"--jobs {n_jobs}: using {'at most ' if n_tasks is None else ''}{used} worker"
        f" process{'es' if used != 1 else ''} ({', '.join(reasons)})"
    )


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
    return number(int)(text)


def string(text):
    return str(text)


def parse_dropout(text):
    """A dropout rate in [0, 1), or one per hidden layer joined by '-' (``0.5-0.2``)."""
    parts = [p.strip() for p in str(text).split("-")]
    try:
        rates = [float(p) for p in parts]
    except ValueError:
        raise UsageError(
            f"dropout is a rate in [0, 1), or one per hidden layer joined by '-' (like 0.5-0.2); got {text!r}"
        ) from None
    bad = next((r for r in rates if not 0 <= r < 1), None)  # NaN is never in range
    if bad is not None:
        raise UsageError(f"a dropout rate is a number in [0, 1) (the share of units dropped), got {bad:g}")
    return rates[0] if len(rates) == 1 else tuple(rates)


_PAIR = re.compile(r"^\s*([^:/]+?)\s*:\s*([^:/]+?)\s*$")


def parse_class_weight(text):
    """``balanced``, or ``LABEL:WEIGHT`` pairs joined by '/' (``3:2/8:1.5``; a label of digits is a number)."""
    if str(text).strip().lower() == "balanced":
        return "balanced"
    weights = {}
    for pair in str(text).split("/"):
        match = _PAIR.match(pair)
        if not match:
            raise UsageError(
                f"class weights are 'balanced' or LABEL:WEIGHT pairs joined by '/' (like 3:2/8:1.5); got {text!r}"
            )
        label, weight = match.groups()
        weight = number(float)(weight)
        if not (math.isfinite(weight) and weight >= 0):
            raise UsageError(f"a class weight is a finite number >= 0, got {weight:g} for class {label}")
        weights[int(label) if re.fullmatch(r"[+-]?\d+", label) else label] = weight
    return weights


#: Every estimator parameter the command line can set: (name, parser, help). Defaults are the estimator's.
MODEL_OPTIONS = [
    ("hidden_layer_sizes", parse_layers, "units of each hidden layer, '-' between layers (e.g. 64 or 128-64)"),
    ("activation", string, f"hidden-layer activation: {', '.join(HIDDEN_ACTIVATIONS)}"),
    ("solver", string, f"optimizer: {', '.join(SOLVERS)} (adamw, rmsprop and nadam are PyTorch's)"),
    ("alpha", number(float), "L2 penalty strength"),
    (
        "batch_size",
        parse_batch_size,
        "rows per gradient step: an integer, 'auto' (= min(200, rows)) or 'full'"
        " (the whole training set: plain gradient descent)",
    ),
    (
        "learning_rate",
        string,
        f"learning-rate schedule: {', '.join(SCHEDULES)} (cosine and step per epoch,"
        " onecycle per step, on every stochastic solver; adam ignores invscaling and adaptive,"
        " as MLPClassifier's does)",
    ),
    ("learning_rate_init", number(float), "initial learning rate (the stochastic solvers; onecycle's peak)"),
    ("power_t", number(float), "exponent of the invscaling schedule"),
    ("max_iter", number(int), "epochs (the stochastic solvers) or iterations (lbfgs)"),
    ("shuffle", parse_bool, "shuffle the training rows every epoch (true/false)"),
    (
        "tol",
        number(float),
        "stop when the loss (or validation score) improves by less than this for n_iter_no_change epochs",
    ),
    ("n_iter_no_change", parse_int_or_inf, "epochs without improvement before stopping ('inf': never stop)"),
    ("momentum", number(float), "momentum of sgd, in [0, 1]"),
    ("nesterovs_momentum", parse_bool, "use Nesterov's momentum (sgd; true/false)"),
    (
        "early_stopping",
        parse_bool,
        "hold out validation_fraction of the training rows and stop when their accuracy stalls (true/false)",
    ),
    ("validation_fraction", number(float), "fraction held out by early_stopping"),
    ("beta_1", number(float), "adam, adamw, nadam: decay of the first-moment estimate"),
    ("beta_2", number(float), "adam, adamw, nadam: decay of the second-moment estimate"),
    ("epsilon", number(float), "adam, adamw, nadam, rmsprop: numerical-stability constant"),
    ("max_fun", number(int), "lbfgs: maximum loss evaluations"),
    ("weight_init", string, f"initial weights: {', '.join(WEIGHT_INITS)} (glorot is MLPClassifier's)"),
    (
        "dropout",
        parse_dropout,
        "inverted dropout of the hidden layers while training: a rate in [0, 1), or one per"
        " hidden layer joined by '-' (0.5-0.2); a stochastic solver only",
    ),
    (
        "class_weight",
        parse_class_weight,
        "weights of the classes in the loss: 'balanced' (n / (classes x count)) or"
        " LABEL:WEIGHT pairs joined by '/' (3:2/8:1.5); classification only",
    ),
    (
        "label_smoothing",
        number(float),
        "label smoothing eps of the cross-entropy, in [0, 1] (targets (1 - eps) y +"
        " eps / K, as PyTorch's); classification only",
    ),
    ("weight_decay", number(float), "adamw: decoupled weight decay of the weights (PyTorch's AdamW)"),
    ("rho", number(float), "rmsprop: decay of the mean square gradient, in [0, 1) (PyTorch's alpha)"),
    ("warmup", number(int), "cosine schedule: epochs of linear warmup before the cosine"),
    ("step_every", number(int), "step schedule: epochs between two decays of the rate"),
    ("step_factor", number(float), "step schedule: what each decay multiplies the rate by"),
]
#: Parameters that only a classifier has (``train --task regression`` refuses them).
CLASSIFIER_ONLY = ("class_weight", "label_smoothing")
PARSERS = {name: parse for name, parse, _ in MODEL_OPTIONS}


def show(value):
    return format_layers(value) if isinstance(value, tuple) else value


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and a UsageError (exit status 2), not a usage dump; an unknown
    option close to one of the command's (``--lr``, ``--epochs``, ``--learning_rate_init``) is named."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def parse_args(self, args=None, namespace=None):
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:  # said by the subcommand's parser, which knows its options
            commands = next((a.choices for a in self._actions if isinstance(a, argparse._SubParsersAction)), {})
            command = commands.get(getattr(parsed, "command", None), self)
            command.error(f"unrecognized arguments: {' '.join(extras)}{command._guess(extras)}")
        return parsed

    def _guess(self, extras):
        """``; did you mean --learning-rate-init?`` for the first unknown option, if one of ours is close."""
        unknown = next((e for e in extras if e.startswith("--")), None)
        if unknown is None:
            return ""
        known = {o[2:].replace("-", "_"): o for o in self._option_string_actions if o.startswith("--")}
        close = closest(unknown[2:].split("=")[0].replace("-", "_"), list(known))
        return f"; did you mean {known[close]}?" if close else ""


def _option(name, value=None):
    """A parameter (and a value) as the command line writes it: ``--learning-rate-init 0.1``."""
    return "--" + name.replace("_", "-") + ("" if value is None else f" {value}")


class Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog):
        super().__init__(prog, max_help_position=34, width=100)


def argtype(parse, name=None):
    """An argparse ``type=`` that reports a bad value as an argparse error (one line); with the parameter's
    ``name``, a value meant for another parameter, or spelt otherwise, gets a pointer (:func:`misused`)."""

    def convert(text):
        hint = None if name is None else misused(name, text, spell=_option)
        if hint:
            raise argparse.ArgumentTypeError(f"got {text!r}: {hint}")
        try:
            return parse(text)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = getattr(parse, "__name__", "value")
    return convert


def add_model_options(parser, note=None):
    """``--hidden-layer-sizes`` ... ``--weight-init``: the defaults shown are NumpyMLPClassifier's."""
    group = parser.add_argument_group("model options (NumpyMLPClassifier parameters)", note)
    for name, parse, text in MODEL_OPTIONS:
        group.add_argument(
            _option(name),
            dest=name,
            type=argtype(parse, name),
            default=None,
            metavar=name.upper() if name != "hidden_layer_sizes" else "LAYERS",
            help=f"{text} (default: {show(DEFAULTS[name])})",
        )


def add_data_options(parser, validation_size=0.0):
    group = parser.add_argument_group("data options")
    source = group.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        default="digits",
        choices=list(DATASETS),
        help="scikit-learn's bundled dataset to use (default: digits)",
    )
    source.add_argument(
        "--csv",
        metavar="FILE",
        help="read the dataset from this CSV file instead: numeric feature columns and a target column (default: none)",
    )
    group.add_argument(
        "--target",
        metavar="COLUMN",
        help="target column of --csv: a name, or with --no-header a number from 0 (default: the last column)",
    )
    group.add_argument(
        "--no-header",
        action="store_true",
        help="--csv has no header row: every line is data and"
        " the columns are numbered 0, 1, ... (default: the first line names the columns)",
    )
    group.add_argument(
        "--test-size",
        type=argtype(number(float)),
        default=0.2,
        help="fraction of the rows held out for testing, stratified (default: 0.2)",
    )
    group.add_argument(
        "--validation-size",
        type=argtype(number(float)),
        default=validation_size,
        help=f"fraction of the training part held out for validation (default: {validation_size})",
    )
    group.add_argument(
        "--split-seed",
        type=argtype(seed),
        default=42,
        help="random_state of the train/validation/test split (default: 42)",
    )
    group.add_argument(
        "--dtype",
        choices=["float64", "float32"],
        default="float64",
        help="floating-point type of the features and weights (default: float64)",
    )


def model_params(args):
    """The model options the user gave (the others keep the estimator's, or the preset's, defaults)."""
    return {name: getattr(args, name) for name, _, _ in MODEL_OPTIONS if getattr(args, name, None) is not None}


def split_of(args, validation_size=None):
    return load_split(
        args.dataset,
        path=args.csv,
        target=args.target,
        header=not args.no_header,
        test_size=args.test_size,
        validation_size=args.validation_size if validation_size is None else validation_size,
        random_state=args.split_seed,
        dtype=np.dtype(args.dtype).type,
        task=getattr(args, "task", "classification"),
    )


def describe(split):
    val = "" if split.y_val is None else f", {len(split.y_val)} validation"
    return (
        f"{split.name}: {len(split.y_train)} training{val}, {len(split.y_test)} test rows; "
        f"{split.X_train.shape[1]} features, "
        + (f"target {split.target_name!r} (a regression)" if split.classes is None else f"{len(split.classes)} classes")
    )


def fit_error(exc):
    """The estimator's errors during fit (divergence, ...) as one line."""
    return UsageError(f"training failed: {' '.join(str(exc).split())}")
