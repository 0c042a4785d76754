"""Estimator parameters as experiments use them: names, checks, grids, seeds, layer notation.

Every fact about parameters that experiments, the command line, the plots and the report share
is defined here once: which parameters a grid may vary, how hidden layers are written as text
(``(64, 32)`` <-> ``"64-32"``), the defaults, ``batch_size="full"``, how a grid expands into
configurations, and the normalised form of a configuration that a run's identity hashes.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from ..data import SCALINGS, STANDARD
from ..errors import UsageError
from ..estimator import NumpyMLPClassifier
from ..estimator.solvers import SOLVERS, dropout_rates
from ..nn.activations import HIDDEN_ACTIVATIONS
from ..nn.network import WEIGHT_INITS, n_weights
from ..nn.schedules import SCHEDULES

#: NumpyMLPClassifier's parameters and their defaults.
DEFAULTS = NumpyMLPClassifier().get_params()
#: Parameters an experiment sets itself; a grid may vary every other one.
SET_BY_EXPERIMENT = ("random_state", "warm_start", "verbose")
#: Parameters of the data rather than the estimator, with their choices and defaults: how the raw pixels are
#: scaled into the network's inputs (:data:`digitnet.data.SCALINGS`, on each training part's rows).
DATA_PARAMS = {"scaling": (SCALINGS, STANDARD)}
#: Parameters that are not settings a run's identity can name, and why: objects acting during one fit, or what
#: ``track=`` measures, which changes nothing of a fit.
NOT_SWEPT = {
    "callbacks": "takes objects that act during one fit",
    "track": "measures a fit without changing it",
    "track_every": "measures a fit without changing it",
}
PARAM_NAMES = tuple(p for p in DEFAULTS if p not in (*SET_BY_EXPERIMENT, *NOT_SWEPT)) + tuple(DATA_PARAMS)
#: A grid key that names a configuration instead of setting a parameter (a column of the results).
LABEL = "label"
#: ``batch_size="full"``: every step uses the whole training set (plain gradient descent).
FULL_BATCH = "full"
#: The features scikit-learn declined (issue 21), each off by default. A run's identity names them only when
#: they are set to something else, so that every run stored before they existed keeps its id.
DECLINED = ("dropout", "class_weight", "label_smoothing", "weight_decay", "rho", "warmup", "step_every", "step_factor")
#: Parameters MLPClassifier lacks; ``compare`` gives them to ours only.
OURS_ONLY = ("weight_init", *DECLINED)
SKLEARN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
#: What MLPClassifier's solver and learning_rate take (``compare`` refuses the others).
SKLEARN_CHOICES = {
    "activation": SKLEARN_ACTIVATIONS,
    "solver": ("lbfgs", "sgd", "adam"),
    "learning_rate": ("constant", "invscaling", "adaptive"),
}
#: The most seeds an experiment runs: beyond this its list of runs alone would fill the memory.
MAX_SEEDS = 10_000
#: Estimator parameters that are floats; an int given for one (alpha=1) is the same run as the float.
FLOAT_PARAMS = tuple(name for name in PARAM_NAMES if isinstance(DEFAULTS.get(name), float))

_LAYERS_TEXT = re.compile(r"^\s*[(\[]?\s*(\d+(\s*[-,]\s*\d+)*)\s*,?\s*[)\]]?\s*$")


def format_layers(hidden_layer_sizes: int | str | Sequence[int]) -> str:
    """``(64, 32)`` -> ``"64-32"``, ``64`` -> ``"64"``: hidden layers as one word (text stays as it is)."""
    if isinstance(hidden_layer_sizes, str):
        return hidden_layer_sizes
    if isinstance(hidden_layer_sizes, Integral):
        return str(int(hidden_layer_sizes))
    return "-".join(str(int(h)) for h in hidden_layer_sizes)


def parse_layers(value: int | str | Sequence[int]) -> tuple[int, ...]:
    """Hidden layer sizes as a tuple of positive ints, from ``"64-32"``, ``"64"``, ``"(64, 32)"``
    (a tuple after a CSV round trip), ``64`` or ``(64, 32)``.

    Raises
    ------
    UsageError
        For anything else ("64-x", "0", an empty sequence, 10.5).
    """
    if isinstance(value, str):
        match = _LAYERS_TEXT.match(value)
        layers = tuple(int(h) for h in re.split(r"\s*[-,]\s*", match.group(1))) if match else ()
    elif isinstance(value, (Integral, Real)) and not isinstance(value, bool):
        layers = (int(value),) if float(value).is_integer() else ()
    elif isinstance(value, (tuple, list, np.ndarray)) and all(
        isinstance(h, Integral) or (isinstance(h, Real) and float(h).is_integer()) for h in value
    ):
        layers = tuple(int(h) for h in value)
    else:
        layers = ()
    if not layers or not all(h > 0 for h in layers):
        raise UsageError(f"hidden layer sizes are positive integers joined by '-', like 64 or 128-64; got {value!r}")
    return layers


def hidden_layers(params: Mapping[str, Any]) -> tuple[int, ...]:
    """The hidden layer sizes of a configuration, as a tuple (the estimator's default if not set)."""
    return parse_layers(params.get("hidden_layer_sizes", DEFAULTS["hidden_layer_sizes"]))


def count_weights(params: Mapping[str, Any], n_features: int, n_outputs: int) -> int:
    """Weights (not biases) of the network a configuration builds for this many inputs and outputs."""
    return n_weights([n_features, *hidden_layers(params), n_outputs])


def _normalize(name, value):
    if name == "hidden_layer_sizes":
        layers = (value,) if isinstance(value, Integral) else tuple(value)
        if not layers or not all(isinstance(h, Integral) and h > 0 for h in layers):
            raise UsageError(f"hidden_layer_sizes must be positive integers, like 64 or 64-32; got {value!r}")
        return tuple(int(h) for h in layers)
    if isinstance(value, np.generic):
        return value.item()
    return value


#: What people call some parameters (the original project's words among them).
SYNONYMS = {
    "epochs": "max_iter",
    "lr": "learning_rate_init",
    "layers": "hidden_layer_sizes",
    "l2": "alpha",
    "optimizer": "solver",
    "momentum_rate": "momentum",
    "init": "weight_init",
}


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice ``name`` was most likely meant to be ("hiden" -> "hidden_layer_sizes"), or None.

    A whole name close enough (difflib's rule), else a name one of whose words (between
    underscores) is very close, or that starts with ``name``.
    """
    if SYNONYMS.get(name) in choices:
        return SYNONYMS[name]
    match = difflib.get_close_matches(name, choices, n=1)
    if match:
        return match[0]
    score = {c: max(difflib.SequenceMatcher(None, name, word).ratio() for word in c.split("_")) for c in choices}
    best = max(choices, key=lambda c: (score[c], c.startswith(name)), default=None)
    if best is not None and (score[best] >= 0.8 or (len(name) >= 3 and best.startswith(name))):
        return best
    return None


#: The words each parameter that takes a word accepts.
CHOICES = {"activation": HIDDEN_ACTIVATIONS, "solver": SOLVERS, "learning_rate": SCHEDULES, "weight_init": WEIGHT_INITS}
#: Words people use for a choice that scikit-learn names otherwise, and why.
_OTHER_WORDS = {
    "sigmoid": ("logistic", "scikit-learn's name for the sigmoid"),
    "linear": ("identity", "scikit-learn's name for no activation"),
}


def _parameter(name, value=None):
    return name if value is None else f"{name}={value}"


def misused(name: str, value: object, spell: Callable[..., str] = _parameter) -> str | None:
    """A pointer for a value that belongs to another parameter or that scikit-learn spells otherwise, or None.

    A number for ``learning_rate`` (scikit-learn's name for the *schedule*) was meant for
    ``learning_rate_init``, a schedule for ``learning_rate_init`` for ``learning_rate``;
    ``sigmoid`` is ``logistic``; choices are lower case. Only values the parameter refuses get one.

    Parameters
    ----------
    name : str
        The parameter given the value.
    value : object
        The value, as given (text from the command line, or any object).
    spell : callable(name, value=None) -> str
        How the caller's user writes a parameter and a value: ``learning_rate_init=0.1`` (the default),
        or ``--learning-rate-init 0.1`` on the command line.
    """
    text = str(value).strip()
    if name == "learning_rate" and _is_number(text):
        return (
            f"did you mean {spell('learning_rate_init', text)}? ({spell('learning_rate')} is the schedule:"
            f" {', '.join(SCHEDULES)})"
        )
    if name == "learning_rate_init" and text.lower() in SCHEDULES:
        return (
            f"did you mean {spell('learning_rate', text.lower())}? ({spell('learning_rate_init')} is the"
            " initial step size, a number)"
        )
    if name == "activation" and text.lower() == "softmax":
        return (
            f"softmax is the output layer's activation, which the estimator chooses; the hidden layers take"
            f" {', '.join(HIDDEN_ACTIVATIONS)}"
        )
    word, why = _OTHER_WORDS.get(text.lower(), (text.lower(), "choices are lower case"))
    if word != text and word in CHOICES.get(name, ()):
        return f"did you mean {spell(name, word)}? ({why})"
    return None


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Validate estimator parameters; return them normalised (``hidden_layer_sizes`` as a tuple).

    Parameters
    ----------
    params : dict
        Names from :data:`PARAM_NAMES`; ``batch_size`` may also be ``"full"``.

    Returns
    -------
    dict

    Raises
    ------
    UsageError
        For an unknown name (with the closest known one), a parameter the
        experiment sets itself, or a value NumpyMLPClassifier rejects (its message).
    """
    params = dict(params)
    for name in params:
        if name in SET_BY_EXPERIMENT:
            hint = " (use seeds to choose the random states)" if name == "random_state" else ""
            raise UsageError(f"parameter {name!r} is set by the experiment itself{hint}")
        if name in NOT_SWEPT:
            raise UsageError(
                f"parameter {name!r} {NOT_SWEPT[name]}; an experiment's runs are named and stored by"
                f" their settings, so it cannot take them (fit an estimator with {name}= instead)"
            )
        if name not in PARAM_NAMES:
            close = closest(name, PARAM_NAMES)
            hint = f"; did you mean {close!r}?" if close else f"; known parameters: {', '.join(PARAM_NAMES)}"
            raise UsageError(f"unknown parameter {name!r}{hint}")
    params = {name: _normalize(name, value) for name, value in params.items()}
    if not isinstance(params.get("activation", ""), str):
        raise UsageError(
            "an experiment takes an activation by its name (the registered ones:"
            f" {', '.join(HIDDEN_ACTIVATIONS)}); register your own with digitnet.nn.activations.register"
            " and give its name"
        )
    for name, (choices, _) in DATA_PARAMS.items():
        if name in params and params[name] not in choices:
            raise UsageError(f"{name} must be one of {', '.join(choices)}; got {params[name]!r}")
    probe = {k: (1 if k == "batch_size" and v == FULL_BATCH else v) for k, v in params.items() if k not in DATA_PARAMS}
    try:
        NumpyMLPClassifier(**probe)._validate_params()
    except (TypeError, ValueError) as exc:
        message = " ".join(str(exc).split())
        if "batch_size" in message:
            message += " (or 'full' for the whole training set)"
        hint = next(filter(None, (misused(name, value) for name, value in params.items())), None)
        raise UsageError(f"{message.rstrip('.')}; {hint}" if hint else message) from None
    return params


def check_combination(params: dict[str, Any]) -> dict[str, Any]:
    """Refuse (UsageError) the settings of a whole configuration that are each valid but not together: dropout with
    lbfgs or with a rate for each of more hidden layers than there are, a cosine warmup as long as the training.
    Called on a configuration before any run (the fit would refuse them too, later); returns ``params``."""
    settings = {**DEFAULTS, **params}
    try:
        dropout_rates(settings["dropout"], len(hidden_layers(params)), settings["solver"])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if settings["learning_rate"] == "cosine" and settings["warmup"] >= settings["max_iter"]:
        raise UsageError(
            f"the cosine schedule's warmup ({settings['warmup']} epochs) must be shorter than max_iter"
            f" ({settings['max_iter']})"
        )
    return params


def _is_default(name, value):
    """Whether ``value`` is the default of parameter ``name`` (a float default equals the same number as an int)."""
    default = DEFAULTS[name]
    if isinstance(default, float) and isinstance(value, (Integral, Real)) and not isinstance(value, bool):
        return float(value) == default
    return value is default or (type(value) is type(default) and value == default)


def resolve(params: Mapping[str, Any], n_train: int) -> dict[str, Any]:
    """Estimator parameters for a training set of ``n_train`` rows (``batch_size="full"`` -> n_train; the data's
    parameters, :data:`DATA_PARAMS`, left out)."""
    params = {k: v for k, v in params.items() if k not in DATA_PARAMS}
    if params.get("batch_size") == FULL_BATCH:
        return {**params, "batch_size": int(n_train)}
    return params


def data_param(params: Mapping[str, Any], name: str) -> Any:
    """A data parameter of a configuration (:data:`DATA_PARAMS`), its default if it does not set it."""
    return params.get(name, DATA_PARAMS[name][1])


def without_label(params: Mapping[str, Any]) -> dict[str, Any]:
    """A configuration's estimator parameters (its ``label``, if any, removed)."""
    return {k: v for k, v in params.items() if k != LABEL}


def expand_grid(grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Sequence[Any]]]) -> list[dict[str, Any]]:
    """All configurations of a grid, in order.

    Parameters
    ----------
    grid : dict of name -> list of values, or a list of such dicts
        Each dict is a Cartesian product (like scikit-learn's ``ParameterGrid``);
        a list gives the union of its products. A value that is not a list is a
        single value. The key ``"label"`` names a configuration.

    Returns
    -------
    list of dict
    """
    grids = [grid] if isinstance(grid, Mapping) else list(grid)
    configs = []
    for g in grids:
        if not isinstance(g, Mapping):
            raise UsageError(f"a grid is a dict of name -> list of values, or a list of them; got {g!r}")
        keys = list(g)
        values = [
            [v] if isinstance(v, (str, bytes, Integral, float)) or not hasattr(v, "__iter__") else list(v)
            for v in g.values()
        ]
        for key, vals in zip(keys, values):
            if not vals:
                raise UsageError(f"grid parameter {key!r} has no values")
        configs.extend(dict(zip(keys, combo)) for combo in itertools.product(*values))
    return configs


def seed_list(seeds: int | Sequence[int]) -> list[int]:
    """``5`` -> ``[0, 1, 2, 3, 4]``; a sequence of ints stays as it is (at most :data:`MAX_SEEDS` of them)."""
    if isinstance(seeds, Integral):
        if not 1 <= seeds <= MAX_SEEDS:
            raise UsageError(f"the number of seeds must be from 1 to {MAX_SEEDS:,}, got {seeds}")
        return list(range(int(seeds)))
    seeds = [int(s) for s in seeds]
    if not seeds or len(seeds) > MAX_SEEDS:
        raise UsageError(f"give from 1 to {MAX_SEEDS:,} seeds, got {len(seeds)}")
    if len(set(seeds)) != len(seeds):
        raise UsageError(f"seeds must be distinct, got {seeds}")
    return seeds


def resolved_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Every estimator parameter of a configuration (defaults filled in, ``max_iter`` included),
    normalised: what a run's identity hashes, so ``{}`` and ``{"activation": "relu"}`` are the same run.
    The :data:`DECLINED` features appear only when set to something other than their defaults (so
    ``{"dropout": 0.0}`` is ``{}`` too, the run it was before dropout existed)."""
    defaults = {k: v for k, v in DEFAULTS.items() if k in PARAM_NAMES and k not in DECLINED}
    given = {k: v for k, v in without_label(params).items() if k not in DECLINED or not _is_default(k, v)}
    out = {**defaults, **given}
    out["hidden_layer_sizes"] = _normalize("hidden_layer_sizes", out["hidden_layer_sizes"])
    for name, value in out.items():
        if isinstance(value, np.generic):
            out[name] = value = value.item()
        if name in FLOAT_PARAMS and isinstance(value, Integral) and not isinstance(value, bool):
            out[name] = float(value)
    return out
