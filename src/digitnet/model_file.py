"""Model files: ``.npz`` weights plus JSON metadata; loading one can never execute code, nor exhaust memory.

Layout of a model file (a plain ``np.savez`` archive)::

    coefs_0 .. coefs_{L-1}            weight matrices, coefs_l of shape (fan_in, fan_out)
    intercepts_0 .. intercepts_{L-1}  bias vectors, intercepts_l of shape (fan_out,)
    classes                           a classifier's class labels (numbers or unicode strings)
    scaler_mean, scaler_scale         optional: the StandardScaler to apply to raw features
    target_mean, target_scale         optional: a regressor's standardised target (one value per output)
    input_min, input_max              optional: each model input's range in the training data
    training_rows                     optional: the training rows' fingerprint (see :mod:`digitnet.model_inputs`)
    meta                              0-d unicode array: JSON with format, version, preprocessing,
                                      estimator parameters, n_features_in_, out_activation_, ...

Loading reads the archive's directory first and refuses any member a model does not have, and any
member that is encrypted or compressed other than as NumPy writes them (stored or deflated); it
reads each array's header (shape and type) and checks it against the metadata *before* reading
its data, and reads exactly the bytes that shape needs, so a crafted file cannot make it read
gigabytes. Object arrays (the only way a NumPy file can carry code) are refused. The metadata's
nesting depth is measured before it is parsed; every field is checked for its type, its value and
its agreement with the arrays, and class labels must be labels a classifier can have (finite,
whole numbers or valid Unicode text). A problem raises :class:`UsageError` with one line naming the
file and what is wrong. Files are written to a temporary name and renamed, so an interrupted save
never leaves a half-written model.

A classifier (multiclass, binary or multilabel), a regressor (one or several outputs), either behind
a StandardScaler in a Pipeline, and a regressor in a TransformedTargetRegressor that standardises its
target are saved and loaded back as they were.

What a file cannot hold is refused or said: an activation given as functions (an ``Activation`` that is
not the one registered under its name, or a pair ``(f, df)``) is refused when saving, since a file names
its activation; ``callbacks`` (objects that act during training, not part of the model) are not stored:
the metadata's ``not_stored`` says which were given, and the loaded model has ``callbacks=None``. A
``class_weight`` dict is stored as ``[[label, weight], ...]`` (JSON keys are only text) and read back as a dict.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler

from .errors import UsageError
from .estimator import NumpyMLPClassifier, NumpyMLPRegressor
from .estimator.solvers import dropout_rates
from .files import atomic_write
from .jsonify import dumps
from .model_file_checks import (
    ESTIMATORS,
    FORMAT,
    VERSION,
    _check_consistency,
    _check_members,
    _is_int,
    _read_header,
    _read_layers,
    _read_meta,
)
from .model_inputs import FINGERPRINT_ROWS, Fingerprint, fingerprint, parts
from .nn.activations import HIDDEN_ACTIVATIONS, Activation
from .nn.activations import get as registered_activation
from .npz_archive import Archive

__all__ = ["FORMAT", "VERSION", "load_model", "parts", "register_format", "save_model", "with_target_scaler"]

#: Preprocessing a model file says it includes.
WITH_SCALER = "standard scaling of the raw features (the file holds the scaler)"
WITHOUT_SCALER = "none: the model takes its input features as they are"
#: Estimators whose files another module writes and reads (class name -> (class, save, load)), registered by it
#: with :func:`register_format` (:mod:`digitnet.ensemble.model_file`: DigitsClassifier), in the same format and
#: version, so that save_model and load_model take them too without importing them.
FORMATS: dict = {}


def register_format(cls: type, save: Callable[..., None], load: Callable[[Archive, dict], BaseEstimator]) -> None:
    """Let :func:`save_model` write instances of ``cls`` with ``save(model, path, **options)`` and :func:`load_model`
    read files whose metadata names ``cls`` with ``load(archive, meta)`` (``meta`` checked for format and version)."""
    FORMATS[cls.__name__] = (cls, save, load)


def _split_target(model):
    """``(target scaler or None, the model inside)`` of a fitted model, a TransformedTargetRegressor's unwrapped."""
    if not isinstance(model, TransformedTargetRegressor):
        return None, model
    if not hasattr(model, "regressor_"):
        raise ValueError("save_model needs a fitted model; call fit() first")
    scaler = model.transformer_
    if (
        type(scaler) is not StandardScaler
        or not (scaler.with_mean and scaler.with_std)
        or model.func is not None
        or model.inverse_func is not None
    ):
        raise TypeError(
            "save_model takes a TransformedTargetRegressor only with transformer=StandardScaler() (a"
            " standardised target), not a function or another transformer"
        )
    return scaler, model.regressor_


def _split_pipeline(model):
    """(scaler or None, estimator) from a fitted model or Pipeline(scaler, model)."""
    scaler = None
    if isinstance(model, Pipeline):
        steps = [step for _, step in model.steps]
        if len(steps) == 2 and isinstance(steps[0], StandardScaler):
            scaler, model = steps
        elif len(steps) == 1:
            model = steps[0]
    if not isinstance(model, tuple(ESTIMATORS.values())):
        raise TypeError(
            f"save_model takes a fitted NumpyMLPClassifier or NumpyMLPRegressor (optionally after a"
            f" StandardScaler in a Pipeline, a regressor optionally in a TransformedTargetRegressor),"
            f" got {type(model).__name__}"
        )
    if not hasattr(model, "coefs_"):
        raise ValueError("save_model needs a fitted model; call fit() first")
    return scaler, model


def _activation_name(activation):
    """The name a file keeps for the estimator's activation; a ValueError for one it cannot name."""
    if isinstance(activation, str):
        return activation
    name = getattr(activation, "name", None)
    if isinstance(activation, Activation) and name in HIDDEN_ACTIVATIONS and registered_activation(name) is activation:
        return name
    raise ValueError(
        f"save_model cannot store activation={activation!r}: a model file names its activation, and"
        " functions have no name it can be loaded by; register it (digitnet.nn.activations.register("
        "Activation(name, f, df))) and fit with activation=name"
    )


def _saved_params(mlp):
    """``(params, not_stored)``: the estimator's parameters as the file keeps them (a random state object is not
    worth keeping; a class_weight dict as pairs), and a description of each it cannot keep (callbacks)."""
    params = mlp.get_params()
    if not isinstance(params["random_state"], (Integral, type(None))):
        params["random_state"] = None
    params["hidden_layer_sizes"] = [int(W.shape[1]) for W in mlp.coefs_[:-1]]
    params["activation"] = _activation_name(params["activation"])
    if isinstance(params.get("class_weight"), dict):
        params["class_weight"] = [[label, weight] for label, weight in params["class_weight"].items()]
    not_stored = {}
    if params.get("callbacks"):
        not_stored["callbacks"] = ", ".join(type(c).__name__ for c in params["callbacks"])
    params["callbacks"] = None
    return params, not_stored


def _training_print(rows, mlp):
    """The fingerprint of ``rows`` (a dense matrix of the model's raw inputs), or None without rows."""
    if rows is None:
        return None
    rows = np.asarray(rows)
    if rows.ndim != 2 or rows.shape[1] != mlp.n_features_in_ or rows.dtype.kind not in "biuf":
        raise ValueError(
            f"training_rows must be a numeric matrix of {mlp.n_features_in_} columns (the raw features"
            f" the model was trained on), got an array of shape {rows.shape} and dtype {rows.dtype}"
        )
    return fingerprint(rows)


def save_model(
    model: BaseEstimator,
    path: str | os.PathLike[str],
    *,
    feature_names: Sequence[str] | None = None,
    extra: Mapping[str, object] | None = None,
    training_rows: ArrayLike | None = None,
) -> None:
    """Save a fitted model to ``path`` (an ``.npz`` archive; no pickle inside).

    Parameters
    ----------
    model : NumpyMLPClassifier, NumpyMLPRegressor, or either in Pipeline([StandardScaler, model])
        With a scaler, the file also holds its mean and scale, and :func:`load_model`
        gives back a pipeline that takes raw features. A regressor (or its pipeline) may be in a
        fitted ``TransformedTargetRegressor(transformer=StandardScaler())``: the file then holds
        the target's mean and scale, and :func:`load_model` gives it back in one.
    path : str or path-like
    feature_names : sequence of str, optional
        Names of the input features, in order (lets ``digitnet predict`` pick the
        right columns of a CSV file).
    extra : dict, optional
        JSON-ready facts to keep in the metadata (e.g. the dataset and target name).
    training_rows : array of shape (n_rows, n_features), optional
        The raw rows the model was trained on, as ``predict`` is given them: the file keeps their
        fingerprint (see :mod:`digitnet.model_inputs`), so that ``predict`` can say which rows it
        is given were training rows.
    """
    for cls, save, _ in FORMATS.values():
        if isinstance(model, cls):
            return save(model, path, feature_names=feature_names, extra=extra, training_rows=training_rows)
    target_scaler, inner = _split_target(model)
    scaler, mlp = _split_pipeline(inner)
    classifier = isinstance(mlp, NumpyMLPClassifier)
    if classifier and target_scaler is not None:
        raise TypeError("save_model: a TransformedTargetRegressor holds a regressor, not a classifier")
    seen = _training_print(training_rows, mlp)
    params, not_stored = _saved_params(mlp)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "estimator": (NumpyMLPClassifier if classifier else NumpyMLPRegressor).__name__,
        "preprocessing": WITHOUT_SCALER if scaler is None else WITH_SCALER,
        "target_scaled": target_scaler is not None,
        "params": params,
        "not_stored": not_stored,
        "layer_sizes": [int(mlp.coefs_[0].shape[0])] + [int(W.shape[1]) for W in mlp.coefs_],
        "n_features_in_": int(mlp.n_features_in_),
        "out_activation_": mlp.out_activation_,
        "y_type": mlp._label_binarizer.y_type_ if classifier else None,
        "n_iter_": int(getattr(mlp, "n_iter_", 0)),
        "t_": int(getattr(mlp, "t_", 0)),
        "loss_": float(getattr(mlp, "loss_", float("nan"))),
        "feature_names": None if feature_names is None else [str(f) for f in feature_names],
        "training_rows": None if seen is None else seen.n_rows,
        "extra": extra or {},
    }
    arrays = {f"coefs_{i}": np.asarray(W) for i, W in enumerate(mlp.coefs_)}
    arrays.update({f"intercepts_{i}": np.asarray(b) for i, b in enumerate(mlp.intercepts_)})
    if classifier:
        classes = np.asarray(mlp.classes_)
        # strings as a fixed-width unicode array, never an object array
        arrays["classes"] = classes if classes.dtype.kind in "biuf" else classes.astype(str)
    for name, fitted in (("scaler", scaler), ("target", target_scaler)):
        if fitted is not None:
            arrays[f"{name}_mean"] = np.asarray(fitted.mean_, dtype=np.float64)
            arrays[f"{name}_scale"] = np.asarray(fitted.scale_, dtype=np.float64)
    if getattr(mlp, "_input_range", None) is not None:
        arrays["input_min"], arrays["input_max"] = (np.asarray(a, dtype=np.float64) for a in mlp._input_range)
    if seen is not None:
        arrays["training_rows"] = seen.hashes
    arrays["meta"] = np.array(dumps(meta))
    atomic_write(path, lambda f: np.savez(f, **arrays))


def with_target_scaler(regressor: BaseEstimator, target_scaler: StandardScaler) -> TransformedTargetRegressor:
    """A fitted ``TransformedTargetRegressor``: ``regressor`` (fitted on the standardised target) and the fitted
    ``StandardScaler`` of the target, which un-standardises its predictions."""
    model = TransformedTargetRegressor(regressor=regressor, transformer=target_scaler, check_inverse=False)
    model.regressor_, model.transformer_ = regressor, target_scaler
    model._training_dim = 1 if len(target_scaler.mean_) == 1 else 2
    return model


# ----------------------------------------------------------------------------------------------
# Loading: every field checked before it is used (the checks of the header, metadata and layers:
# :mod:`digitnet.model_file_checks`)
# ----------------------------------------------------------------------------------------------


def _read_estimator(path, meta):
    """An unfitted estimator of the metadata's class, with its (validated) parameters."""
    params, sizes = dict(meta["params"]), meta["layer_sizes"]
    hidden = params.get("hidden_layer_sizes")
    if not isinstance(hidden, list) or not all(_is_int(h, 1) for h in hidden) or hidden != sizes[1:-1]:
        raise UsageError(
            f"{path}: hidden_layer_sizes {hidden} in the metadata does not match the stored weights {sizes[1:-1]}"
        )
    params["hidden_layer_sizes"] = tuple(meta["layer_sizes"][1:-1])
    for key, value in params.items():
        if isinstance(value, str) and value in ("inf", "-inf", "nan"):
            params[key] = float(value)
    weights = params.get("class_weight")
    if isinstance(weights, list) and all(
        isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int, float)) for pair in weights
    ):
        params["class_weight"] = {label: weight for label, weight in weights}  # JSON keys are text: kept as pairs
    if isinstance(params.get("dropout"), list):
        params["dropout"] = tuple(params["dropout"])
    activation = params.get("activation")
    if isinstance(activation, str) and activation.isidentifier() and activation not in HIDDEN_ACTIVATIONS:
        raise UsageError(
            f"{path}: invalid parameters in the metadata: the activation {activation!r} is not registered"
            " in this process (a user's own activation is registered with digitnet.nn.activations.register"
            f" before loading its model); the registered ones are {', '.join(HIDDEN_ACTIVATIONS)}"
        )
    try:
        model = ESTIMATORS[meta["estimator"]](**params)
        model._validate_params()
        dropout_rates(model.dropout, len(sizes) - 2, model.solver)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{path}: invalid parameters in the metadata: {' '.join(str(exc).split())}") from None
    if isinstance(model, NumpyMLPRegressor) and model._output_activation() != meta["out_activation_"]:
        raise UsageError(
            f"{path}: out_activation_ {meta['out_activation_']!r} does not fit the loss"
            f" {model.loss!r} (it needs {model._output_activation()!r})"
        )
    return model


def _label_problem(classes):
    """What makes these class labels ones no classifier can have (None if nothing): scikit-learn's classifiers
    take whole numbers (floats too, if whole) and text; a label must also be writable (valid Unicode)."""
    if classes.dtype.kind == "f":
        values = classes.astype(np.float64)
        if not np.isfinite(values).all():
            return "a label that is not a finite number"
        if (np.abs(values) > 2.0**53).any() or (values != np.round(values)).any():
            return "a label that is not a whole number of at most 2^53"
    if classes.dtype.kind == "U":
        try:
            "".join(classes.tolist()).encode("utf-8")
        except UnicodeEncodeError:
            return "a label that is not valid Unicode (a lone surrogate)"
    return None


def _read_classes(archive, meta):
    """The fitted LabelBinarizer of the file's classes: unique, as many as the output layer needs."""
    path, y_type, n_out = archive.path, meta["y_type"], meta["layer_sizes"][-1]
    if "classes" not in archive.names:
        raise UsageError(f"{path}: missing array 'classes'")
    classes = archive.read("classes", kinds="biufU", max_bytes=64 << 20)
    problem = _label_problem(classes)
    if problem:
        raise UsageError(f"{path}: its class labels include {problem}")
    if len(np.unique(classes)) != len(classes):
        raise UsageError(
            f"{path}: its class labels are not unique ({len(classes)} labels, {len(np.unique(classes))} distinct)"
        )
    fits = {
        "binary": len(classes) == 2 and n_out == 1,
        "multiclass": len(classes) > 2 and n_out == len(classes),
        "multilabel-indicator": len(classes) >= 2 and n_out == len(classes),
    }
    if not fits[y_type]:
        raise UsageError(
            f"{path}: {len(classes)} classes do not fit an output layer of {n_out} unit(s) (a {y_type} target)"
        )
    multilabel = y_type == "multilabel-indicator"
    if multilabel and not np.array_equal(classes, np.arange(len(classes))):
        raise UsageError(f"{path}: a multilabel model's classes are its outputs' numbers 0 .. {len(classes) - 1}")
    binarizer = LabelBinarizer()
    binarizer.fit(np.eye(len(classes), dtype=int) if multilabel else classes)
    if binarizer.y_type_ != y_type:
        raise UsageError(f"{path}: the metadata says target type {y_type!r}, the classes say {binarizer.y_type_!r}")
    return binarizer


def _read_pair(archive, names, n_features, check):
    """Two optional per-feature arrays that come together (None if absent); ``check(a, b)`` says what is wrong."""
    present = [n in archive.names for n in names]
    if any(present) and not all(present):
        raise UsageError(f"{archive.path}: has only one of {' / '.join(names)}")
    if not all(present):
        return None
    a, b = (archive.read(n, shape=(n_features,)) for n in names)
    problem = check(a, b)
    if problem:
        raise UsageError(f"{archive.path}: {problem}")
    return a, b


def _read_input_range(archive, n_features):
    """The file's per-feature input range (``input_min``, ``input_max``: finite, minimum at most maximum), or None."""
    return _read_pair(
        archive,
        ("input_min", "input_max"),
        n_features,
        lambda low, high: (
            "its input ranges hold non-finite values"
            if not (np.isfinite(low).all() and np.isfinite(high).all())
            else "an input range's minimum is above its maximum"
            if (low > high).any()
            else None
        ),
    )


def _read_scaler(archive, n_values, name="scaler"):
    """The file's StandardScaler ``name`` (finite means, finite positive scales), or None if it has none."""
    what = "the scaler" if name == "scaler" else "the target's scaling"
    pair = _read_pair(
        archive,
        (f"{name}_mean", f"{name}_scale"),
        n_values,
        lambda mean, scale: (
            f"{what} holds non-finite values"
            if not (np.isfinite(mean).all() and np.isfinite(scale).all())
            else f"{what} has a scale that is not positive"
            if (scale <= 0).any()
            else None
        ),
    )
    if pair is None:
        return None
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_ = pair
    scaler.var_, scaler.n_features_in_, scaler.n_samples_seen_ = pair[1] ** 2, n_values, 0
    return scaler


def _read_fingerprint(archive, meta):
    """The training rows' :class:`Fingerprint` (sorted distinct hashes, as many as the metadata says), or None."""
    n_rows = meta.get("training_rows")
    if ("training_rows" in archive.names) != (n_rows is not None):
        raise UsageError(
            f"{archive.path}: the training rows' fingerprint and its count come together; this file has"
            " only one of them"
        )
    if n_rows is None:
        return None
    hashes = archive.read("training_rows", kinds="u", max_bytes=8 * FINGERPRINT_ROWS)
    if hashes.dtype != np.uint64 or len(hashes) != min(n_rows, FINGERPRINT_ROWS) or (hashes[1:] <= hashes[:-1]).any():
        raise UsageError(
            f"{archive.path}: its training rows' fingerprint is not {min(n_rows, FINGERPRINT_ROWS)}"
            " sorted, distinct 64-bit hashes"
        )
    return Fingerprint(hashes, n_rows)


def _read_model(archive, meta):
    """``(estimator, scaler or None, target scaler or None)``, every member checked before it is used."""
    path, meta = archive.path, _read_meta(archive, meta)
    _check_members(archive)
    _check_consistency(path, meta)
    sizes = meta["layer_sizes"]
    layers = _read_layers(archive, sizes)
    _check_members(archive, len(sizes) - 1)
    model = _read_estimator(path, meta)
    model.coefs_, model.intercepts_ = layers
    if isinstance(model, NumpyMLPClassifier):
        model._label_binarizer = _read_classes(archive, meta)
        model.classes_ = model._label_binarizer.classes_
    elif "classes" in archive.names:
        raise UsageError(f"{path}: a regressor's file holds class labels ('classes')")
    scaler = _read_scaler(archive, sizes[0])
    target_scaler = _read_scaler(archive, sizes[-1], "target")
    if (target_scaler is not None) != bool(meta.get("target_scaled")):
        raise UsageError(
            f"{path}: the metadata's 'target_scaled' ({meta.get('target_scaled')}) does not fit the"
            f" file, which {'holds' if target_scaler is not None else 'has no'} target_mean/target_scale"
        )
    model._input_range = _read_input_range(archive, sizes[0])
    model._training_rows = _read_fingerprint(archive, meta)
    model.n_features_in_, model.n_layers_, model.n_outputs_ = sizes[0], len(sizes), sizes[-1]
    model.out_activation_, model.n_iter_, model.t_ = meta["out_activation_"], meta["n_iter_"], meta.get("t_") or 0
    model.model_file_meta_ = meta
    return model, scaler, target_scaler


def load_model(path: str | os.PathLike[str]) -> BaseEstimator:
    """Load a model saved by :func:`save_model`, checking everything first.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    NumpyMLPClassifier, NumpyMLPRegressor or a registered estimator (DigitsClassifier)
        In Pipeline([StandardScaler, model]) if the file holds a scaler, and (a regressor) in a
        TransformedTargetRegressor if the file holds its target's scaling. Fitted and ready for
        ``predict`` (and a classifier's ``predict_proba``), and to go on training
        (``partial_fit``, or ``fit`` with ``warm_start=True``). The metadata dict is
        available as ``model_file_meta_`` on the estimator.

    Raises
    ------
    UsageError
        If the file is missing, not a regular file, truncated, not a model file, encrypted or
        compressed other than as NumPy writes, holds pickled objects or members a model has not,
        or its arrays, class labels or metadata are invalid or do not fit each other.
    """
    archive = Archive(os.fspath(path))
    try:
        meta = _read_header(archive)
        estimator = meta.get("estimator")
        registered = FORMATS.get(estimator) if isinstance(estimator, str) else None
        if registered is not None:
            return registered[2](archive, meta)
        model, scaler, target_scaler = _read_model(archive, meta)
    finally:
        archive.close()
    if scaler is not None:
        model = Pipeline([("scaler", scaler), ("mlp", model)])
    return model if target_scaler is None else with_target_scaler(model, target_scaler)
