"""A DigitsClassifier's model file: its members' weights and its scaler in one ``.npz``, its parameters in JSON.

The same format as a single network's (:mod:`digitnet.model_file`: format ``digitnet-model``, version 1,
no pickle, every array's shape and type checked against the metadata before its data are read), written
and read through :func:`~digitnet.model_file.save_model` and :func:`~digitnet.model_file.load_model`
(registered with :func:`~digitnet.model_file.register_format`)::

    member{k}_coefs_{i}, member{k}_intercepts_{i}   member k's layers (k < n_members), all of layer_sizes
    classes                                         the class labels
    scaler_mean, scaler_scale                       the fitted scaling of the raw pixels
    input_min, input_max                            the members' inputs' ranges in training (scaled)
    training_rows                                   optional: the training rows' fingerprint
    meta                                            JSON: "estimator": "DigitsClassifier", "params" (all of
                                                    them: DigitsClassifier(**params) is the recipe),
                                                    "member_seeds", "layer_sizes", "n_iter_" (per member), ...

Loading refuses, in one line naming the file, what it cannot rebuild: a field missing or of the wrong
type, parameters DigitsClassifier does not accept, a count of members, seeds or epochs that disagree, a
scaler that is not the ``scaling`` the parameters name, an augmentation for images of another size than
the inputs, an array no such model has, and everything a single network's file refuses.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ..data import MAX, MaxScaler
from ..errors import UsageError
from ..files import atomic_write
from ..jsonify import dumps
from ..model_file import (
    FORMAT,
    VERSION,
    _activation_name,
    _read_classes,
    _read_estimator,
    _read_fingerprint,
    _read_input_range,
    _read_scaler,
    _training_print,
    register_format,
)
from ..model_file_checks import _is_int, _one_of, _read_layers, _shown
from ..nn.activations import HIDDEN_ACTIVATIONS
from .classifier import OWN_PARAMS, DigitsClassifier

__all__ = ["load_digits_classifier", "save_digits_classifier"]

_OUTPUT = {"multiclass": "softmax", "binary": "logistic"}
_FIXED_MEMBERS = {"meta", "classes", "scaler_mean", "scaler_scale", "input_min", "input_max", "training_rows"}


def _saved_params(model):
    """DigitsClassifier's parameters as JSON keeps them (a random state object as None, a class_weight dict as
    pairs, the activation by its registered name)."""
    params = model.get_params(deep=False)
    if not isinstance(params["random_state"], (Integral, type(None))):
        params["random_state"] = None
    params["hidden_layer_sizes"] = [int(W.shape[1]) for W in model.estimators_[0].coefs_[:-1]]
    params["image_shape"] = [int(s) for s in params["image_shape"]]
    params["activation"] = _activation_name(params["activation"])
    if isinstance(params.get("class_weight"), dict):
        params["class_weight"] = [[label, weight] for label, weight in params["class_weight"].items()]
    return params


def save_digits_classifier(model, path, *, feature_names=None, extra=None, training_rows=None):
    """Write a fitted :class:`DigitsClassifier` to ``path`` (see the module docstring; the options are
    :func:`~digitnet.model_file.save_model`'s)."""
    if not hasattr(model, "estimators_"):
        raise ValueError("save_model needs a fitted model; call fit() first")
    first = model.estimators_[0]
    seen = _training_print(training_rows, model)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "estimator": DigitsClassifier.__name__,
        "preprocessing": f"{model.scaling} scaling of the raw pixels (the file holds the scaler)",
        "params": _saved_params(model),
        "member_seeds": [int(s) for s in model.member_seeds_],
        "layer_sizes": [int(first.coefs_[0].shape[0])] + [int(W.shape[1]) for W in first.coefs_],
        "n_features_in_": int(model.n_features_in_),
        "out_activation_": first.out_activation_,
        "y_type": first._label_binarizer.y_type_,
        "n_iter_": [int(m.n_iter_) for m in model.estimators_],
        "feature_names": None if feature_names is None else [str(f) for f in feature_names],
        "training_rows": None if seen is None else seen.n_rows,
        "extra": extra or {},
        "not_stored": {},
    }
    classes = np.asarray(model.classes_)
    arrays = {
        "classes": classes if classes.dtype.kind in "biuf" else classes.astype(str),
        "scaler_mean": np.asarray(model.scaler_.mean_, dtype=np.float64),
        "scaler_scale": np.asarray(model.scaler_.scale_, dtype=np.float64),
    }
    if all(hasattr(m, "_input_range") for m in model.estimators_):
        low, high = (
            np.minimum.reduce(parts) if i == 0 else np.maximum.reduce(parts)
            for i, parts in enumerate(zip(*(m._input_range for m in model.estimators_)))
        )
    else:  # a model read from a file keeps the members' ranges as one (load_digits_classifier)
        low, high = model._input_range
    arrays["input_min"], arrays["input_max"] = np.asarray(low, np.float64), np.asarray(high, np.float64)
    for k, member in enumerate(model.estimators_):
        arrays.update({f"member{k}_coefs_{i}": np.asarray(W) for i, W in enumerate(member.coefs_)})
        arrays.update({f"member{k}_intercepts_{i}": np.asarray(b) for i, b in enumerate(member.intercepts_)})
    if seen is not None:
        arrays["training_rows"] = seen.hashes
    arrays["meta"] = np.array(dumps(meta))
    atomic_write(path, lambda f: np.savez(f, **arrays))


# ----------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------


def _check_meta(path, meta):
    """Every field's type, and the counts that must agree (members, seeds, epochs)."""
    params = meta.get("params")
    n_members = params.get("n_members") if isinstance(params, dict) else None
    counted = lambda v: isinstance(v, list) and len(v) == n_members  # noqa: E731
    checks = {
        "params": lambda v: isinstance(v, dict) and _is_int(n_members, 1),
        "member_seeds": lambda v: counted(v) and all(_is_int(s) for s in v),
        "layer_sizes": lambda v: isinstance(v, list) and len(v) >= 2 and all(_is_int(s, 1) for s in v),
        "n_features_in_": lambda v: _is_int(v, 1) and v == meta["layer_sizes"][0],
        "y_type": _one_of(_OUTPUT),
        "out_activation_": lambda v: v == _OUTPUT.get(meta.get("y_type")),
        "n_iter_": lambda v: counted(v) and all(_is_int(n) for n in v),
        "feature_names": lambda v: (
            v is None
            or (
                isinstance(v, list)
                and len(v) == meta["n_features_in_"]
                and all(isinstance(n, str) for n in v)
                and len(set(v)) == len(v)
            )
        ),
        "training_rows": lambda v: v is None or _is_int(v, 1),
        "extra": lambda v: v is None or isinstance(v, dict),
        "not_stored": lambda v: v is None or v == {},
    }
    for field, ok in checks.items():
        if (field not in meta and field not in ("feature_names", "training_rows", "extra", "not_stored")) or not ok(
            meta.get(field)
        ):
            raise UsageError(
                f"{path}: the model metadata's {field!r} is missing or invalid ({_shown(meta.get(field))})"
            )


def _check_arrays(archive, n_members, n_layers):
    """No array but those of ``n_members`` networks of ``n_layers`` layers and the shared ones."""
    layers = {
        f"member{k}_{kind}_{i}" for k in range(n_members) for kind in ("coefs", "intercepts") for i in range(n_layers)
    }
    unknown = sorted(archive.names - _FIXED_MEMBERS - layers)
    if unknown:
        raise UsageError(
            f"{archive.path}: arrays {', '.join(unknown[:5])} do not belong to a DigitsClassifier of"
            f" {n_members} member(s) of {n_layers} layer(s)"
        )


def _model_of(path, meta):
    """The unfitted DigitsClassifier of the metadata's parameters (a UsageError for any it does not accept)."""
    params = dict(meta["params"])
    for key, value in params.items():
        if isinstance(value, str) and value in ("inf", "-inf", "nan"):
            params[key] = float(value)
    for key in ("hidden_layer_sizes", "image_shape", "dropout"):
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    weights = params.get("class_weight")
    if isinstance(weights, list) and all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[0], (str, int, float)) for p in weights
    ):
        params["class_weight"] = {label: weight for label, weight in weights}
    activation = params.get("activation")
    if isinstance(activation, str) and activation.isidentifier() and activation not in HIDDEN_ACTIVATIONS:
        raise UsageError(
            f"{path}: invalid parameters in the metadata: the activation {activation!r} is not registered"
            " in this process (register a user's own activation with digitnet.nn.activations.register"
            f" before loading its model); the registered ones are {', '.join(HIDDEN_ACTIVATIONS)}"
        )
    try:
        model = DigitsClassifier(**params)
        model._validate_params()
        if model.augment_copies or model.tta:
            model._check_images(np.zeros((1, meta["n_features_in_"])))
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{path}: invalid parameters in the metadata: {' '.join(str(exc).split())}") from None
    return model


def _read_members(archive, meta, model):
    """The fitted members: each a NumpyMLPClassifier of the member parameters, its seed and its layers."""
    sizes = meta["layer_sizes"]
    member_params = {k: v for k, v in meta["params"].items() if k not in OWN_PARAMS}
    member_meta = {
        "params": member_params,
        "layer_sizes": sizes,
        "estimator": "NumpyMLPClassifier",
        "out_activation_": meta["out_activation_"],
    }
    binarizer = _read_classes(archive, meta)
    members = []
    for k, (seed, epochs) in enumerate(zip(meta["member_seeds"], meta["n_iter_"])):
        member = _read_estimator(archive.path, member_meta)
        member.set_params(random_state=seed)
        member.coefs_, member.intercepts_ = _read_layers(archive, sizes, prefix=f"member{k}_")
        member._label_binarizer, member.classes_ = binarizer, binarizer.classes_
        member.n_features_in_, member.n_layers_, member.n_outputs_ = sizes[0], len(sizes), sizes[-1]
        member.out_activation_, member.n_iter_, member.t_ = meta["out_activation_"], epochs, 0
        members.append(member)
    return members, binarizer.classes_


def _read_scaling(archive, model, n_features):
    """The scaler of the raw pixels: a StandardScaler, or a MaxScaler (mean 0, one scale) for ``scaling="max"``."""
    scaler = _read_scaler(archive, n_features)
    if scaler is None:
        raise UsageError(f"{archive.path}: missing the scaling of the raw pixels (scaler_mean, scaler_scale)")
    if model.scaling != MAX:
        return scaler
    if (scaler.mean_ != 0).any() or (scaler.scale_ != scaler.scale_[0]).any():
        raise UsageError(f"{archive.path}: its scaler is not scaling='max' (every mean 0, one scale for every pixel)")
    fitted = MaxScaler()
    fitted.mean_, fitted.scale_, fitted.var_ = scaler.mean_, scaler.scale_, scaler.var_
    fitted.n_features_in_, fitted.n_samples_seen_ = n_features, 0
    return fitted


def load_digits_classifier(archive, meta):
    """The fitted :class:`DigitsClassifier` a file holds, every field and array checked before it is used."""
    path = archive.path
    _check_meta(path, meta)
    sizes, n_members = meta["layer_sizes"], meta["params"]["n_members"]
    _check_arrays(archive, n_members, len(sizes) - 1)
    model = _model_of(path, meta)
    model.estimators_, model.classes_ = _read_members(archive, meta, model)
    model.member_seeds_, model.n_iter_ = list(meta["member_seeds"]), np.array(meta["n_iter_"])
    model.scaler_ = _read_scaling(archive, model, sizes[0])
    model.n_features_in_ = sizes[0]
    model._input_range = _read_input_range(archive, sizes[0])
    model._training_rows = _read_fingerprint(archive, meta)
    model.model_file_meta_ = meta
    return model


register_format(DigitsClassifier, save_digits_classifier, load_digits_classifier)
