"""``digitnet train``'s DigitsClassifier options (scaling, augmentation, members, test-time augmentation) and
``digitnet predict --tta``.

Any of these options trains a :class:`~digitnet.DigitsClassifier` on the raw features (which it scales
itself) instead of a NumpyMLPClassifier on standardised ones; the model options are its members'. The
others keep DigitsClassifier's defaults (pixels divided by 16, one member, no augmentation).
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from ..data import SCALINGS
from ..ensemble import DigitsClassifier
from ..errors import UsageError
from .options import _option, argtype, at_least, jobs, jobs_note, number

#: option's parameter -> (parser, help); the defaults are DigitsClassifier's.
DIGITS_OPTIONS = {
    "n_members": (
        at_least(1, "members"),
        "networks trained, each with its own seed, whose probabilities are averaged (an ensemble)",
    ),
    "augment_copies": (
        at_least(0, "jittered copies"),
        "jittered copies of the training images drawn anew every"
        " epoch (0: none); the images' pixels are the raw features, background 0",
    ),
    "shift": (number(float), "largest shift of a jittered image, in pixels (sub-pixel, bilinear)"),
    "rotation": (number(float), "largest rotation of a jittered image, in degrees"),
    "zoom": (number(float), "largest relative change of size of a jittered image, in [0, 1)"),
    "elastic": (number(float), "strength of an elastic distortion of a jittered image, in pixels (0: none)"),
    "elastic_sigma": (number(float), "smoothness of the elastic distortion, in pixels"),
    "tta": (
        at_least(0, "test-time copies"),
        "test-time augmentation: average each prediction over the image and this many jittered copies",
    ),
    "scaling": (
        str,
        f"how the raw features become inputs: {' or '.join(SCALINGS)} (max: divided by their largest"
        " value, 16 for digits; standard: standardised)",
    ),
}
_DEFAULTS = DigitsClassifier().get_params()
_CALLBACK_OPTIONS = ("stop_early_on", "reduce_lr_on", "checkpoint", "progress")


def add_digits_options(parser):
    """The options that make ``train`` fit a DigitsClassifier (and ``--jobs``, its members' worker processes)."""
    group = parser.add_argument_group(
        "DigitsClassifier options (any of them trains digitnet.DigitsClassifier on the"
        " raw features, which it scales itself; the model options are its members')"
    )
    for name, (parse, text) in DIGITS_OPTIONS.items():
        choices = list(SCALINGS) if name == "scaling" else None
        group.add_argument(
            _option(name if name != "n_members" else "members"),
            dest=name,
            default=None,
            type=argtype(parse) if choices is None else None,
            choices=choices,
            help=f"{text} (default: {_DEFAULTS[name]})",
        )
    group.add_argument(
        "--jobs",
        type=argtype(jobs),
        default=None,
        help="worker processes training the members"
        " (-1: every core; never more than the cores or the members; the model does not depend on it)"
        " (default: 1)",
    )


def digits_params(args):
    """The DigitsClassifier options given (an empty dict: train a NumpyMLPClassifier)."""
    given = {name: getattr(args, name) for name in DIGITS_OPTIONS if getattr(args, name, None) is not None}
    if args.jobs is not None and not given:
        raise UsageError(
            "--jobs trains a DigitsClassifier's members on worker processes; give --members (or another"
            " DigitsClassifier option) too"
        )
    return given


def check_digits_args(args, given):
    """Before any work: the options fit a DigitsClassifier (a classification, no callbacks, values in range)."""
    if args.task == "regression":
        raise UsageError(
            f"{_option(next(iter(given)))} is a DigitsClassifier option, which classifies; a regression"
            " trains NumpyMLPRegressor"
        )
    callback = next((name for name in _CALLBACK_OPTIONS if getattr(args, name, None)), None)
    if callback is not None:
        raise UsageError(
            f"{_option(callback)} acts on one network's training; a DigitsClassifier's members train"
            " apart (on worker processes): leave it out, or train one NumpyMLPClassifier"
        )
    for name, value in given.items():
        try:
            DigitsClassifier(**{name: value})._validate_params()
        except ValueError as exc:  # "The 'zoom' parameter of DigitsClassifier must be ... Got 1.5 instead."
            text = re.sub(r"^.*? must ", "must ", re.sub(r"\s*Got .* instead\.?$", "", " ".join(str(exc).split())))
            raise UsageError(f"{_option('members' if name == 'n_members' else name, value)}: it {text}") from None
    return jobs_note(args.jobs, given.get("n_members", 1), unit="members")


def digits_model(given, params, seed, n_jobs):
    """The DigitsClassifier to train: its own options, the members' model options, the seed, the workers."""
    return DigitsClassifier(**given, **params, random_state=seed, n_jobs=n_jobs)


def check_images(model, n_features):
    """Augmentation needs the 8x8 images' pixels as features: one line saying so, before any work."""
    try:
        model._check_images(np.zeros((1, n_features)))
    except ValueError as exc:
        raise UsageError(f"--augment-copies and --tta jitter images: {exc}") from None


def raw_split(split, dtype):
    """The split with its raw rows as the features (a DigitsClassifier scales them itself), in ``dtype``."""
    raw = lambda A: None if A is None else np.ascontiguousarray(A, dtype=dtype)  # noqa: E731
    return dataclasses.replace(
        split, X_train=raw(split.X_train_raw), X_val=raw(split.X_val_raw), X_test=raw(split.X_test_raw)
    )


def fitted_summary(model):
    """``"3 members, 57-64 epochs"``: what a DigitsClassifier's training did."""
    epochs = [m.n_iter_ for m in model.estimators_]
    span = f"{min(epochs)}" if min(epochs) == max(epochs) else f"{min(epochs)}-{max(epochs)}"
    return f"{len(epochs)} member{'s' if len(epochs) != 1 else ''}, {span} epochs"


def with_tta(model, tta, path):
    """``predict --tta N``: a DigitsClassifier set to average over N jittered copies (other models refused)."""
    if tta is None:
        return model
    if not isinstance(model, DigitsClassifier):
        raise UsageError(
            f"--tta jitters the images a DigitsClassifier predicts; model {path} is a"
            f" {type(model).__name__} (train one with 'digitnet train --tta N' or --members K)"
        )
    check_images(model.set_params(tta=tta), model.n_features_in_)
    return model
