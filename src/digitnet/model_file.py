"""Model files: ``.npz`` weights plus JSON metadata; loading one can never execute code.

Layout of a model file (a plain ``np.savez`` archive)::

    coefs_0 .. coefs_{L-1}            weight matrices, coefs_l of shape (fan_in, fan_out)
    intercepts_0 .. intercepts_{L-1}  bias vectors, intercepts_l of shape (fan_out,)
    classes                           class labels (numbers or unicode strings)
    scaler_mean, scaler_scale         optional: the StandardScaler to apply to raw features
    meta                              0-d unicode array: JSON with format, version,
                                      estimator parameters, n_features_in_, out_activation_, ...

Files are read with ``np.load(path, allow_pickle=False)``: object arrays (the
only way a NumPy file can carry code) are refused. Every key, shape and
metadata field is checked; a problem raises :class:`UsageError` with one line
naming the file and what is wrong. Files are written to a temporary name and
renamed, so an interrupted save never leaves a half-written model.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler

from .errors import UsageError
from .estimator import NumpyMLPClassifier
from .files import atomic_write
from .jsonify import dumps

__all__ = ["FORMAT", "VERSION", "load_model", "save_model"]

FORMAT = "digitnet-model"
VERSION = 1


def _split_pipeline(model):
    """(scaler or None, NumpyMLPClassifier) from a fitted model or Pipeline(scaler, model)."""
    scaler = None
    if isinstance(model, Pipeline):
        steps = [step for _, step in model.steps]
        if len(steps) == 2 and isinstance(steps[0], StandardScaler):
            scaler, model = steps
        elif len(steps) == 1:
            model = steps[0]
    if not isinstance(model, NumpyMLPClassifier):
        raise TypeError(f"save_model takes a fitted NumpyMLPClassifier (optionally after a StandardScaler in a"
                        f" Pipeline), got {type(model).__name__}")
    if not hasattr(model, "coefs_"):
        raise ValueError("save_model needs a fitted model; call fit() first")
    return scaler, model


def _saved_params(mlp):
    """The estimator's parameters as the file keeps them: a random state object is not worth keeping."""
    params = mlp.get_params()
    if not isinstance(params["random_state"], (int, np.integer, type(None))):
        params["random_state"] = None
    params["hidden_layer_sizes"] = [int(W.shape[1]) for W in mlp.coefs_[:-1]]
    return params


def save_model(model, path, *, feature_names=None, extra=None):
    """Save a fitted model to ``path`` (an ``.npz`` archive; no pickle inside).

    Parameters
    ----------
    model : NumpyMLPClassifier or Pipeline([StandardScaler, NumpyMLPClassifier])
        With a scaler, the file also holds its mean and scale, and :func:`load_model`
        gives back a pipeline that takes raw features.
    path : str or path-like
    feature_names : sequence of str, optional
        Names of the input features, in order (lets ``digitnet predict`` pick the
        right columns of a CSV file).
    extra : dict, optional
        JSON-ready facts to keep in the metadata (e.g. the dataset and target name).
    """
    scaler, mlp = _split_pipeline(model)
    classes = np.asarray(mlp.classes_)
    if classes.dtype.kind not in "biuf":
        classes = classes.astype(str)  # strings as a fixed-width unicode array, never an object array
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "params": _saved_params(mlp),
        "layer_sizes": [int(mlp.coefs_[0].shape[0])] + [int(W.shape[1]) for W in mlp.coefs_],
        "n_features_in_": int(mlp.n_features_in_),
        "out_activation_": mlp.out_activation_,
        "y_type": mlp._label_binarizer.y_type_,
        "n_iter_": int(getattr(mlp, "n_iter_", 0)),
        "loss_": float(getattr(mlp, "loss_", float("nan"))),
        "feature_names": None if feature_names is None else [str(f) for f in feature_names],
        "extra": extra or {},
    }
    arrays = {f"coefs_{i}": np.asarray(W) for i, W in enumerate(mlp.coefs_)}
    arrays.update({f"intercepts_{i}": np.asarray(b) for i, b in enumerate(mlp.intercepts_)})
    arrays["classes"] = classes
    if scaler is not None:
        arrays["scaler_mean"] = np.asarray(scaler.mean_, dtype=np.float64)
        arrays["scaler_scale"] = np.asarray(scaler.scale_, dtype=np.float64)
    arrays["meta"] = np.array(dumps(meta))
    atomic_write(path, lambda f: np.savez(f, **arrays))


# ----------------------------------------------------------------------------------------------
# Loading: every piece checked before it is used
# ----------------------------------------------------------------------------------------------


def _read_archive(path):
    """All arrays of the archive, read eagerly, with every way of failing turned into a UsageError."""
    if not os.path.exists(path):
        raise UsageError(f"model file {path} does not exist")
    if os.path.isdir(path):
        raise UsageError(f"model file {path} is a directory, not a model file")
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise UsageError(f"cannot read model file {path}: {exc.strerror or exc}") from None
    if magic != b"PK\x03\x04":  # every .npz archive is a zip file
        what = "it is empty" if not magic else "it is not an .npz archive"
        raise UsageError(f"{path} is not a digitnet model file: {what}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except ValueError as exc:
        if "allow_pickle" in str(exc):  # an object array: unpickling it could run code
            raise UsageError(f"{path} holds pickled Python objects; refusing to load it (a model file holds"
                             " only plain arrays)") from None
        raise UsageError(f"{path} is not a digitnet model file ({' '.join(str(exc).split())})") from None
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise UsageError(f"{path} is truncated or corrupt: {' '.join(str(exc).split()) or type(exc).__name__}") \
            from None


def _read_meta(path, arrays):
    """The metadata dict, after checking its format and version."""
    if "meta" not in arrays:
        raise UsageError(f"{path} is not a digitnet model file: it has no 'meta' entry")
    try:
        meta = json.loads(str(arrays["meta"][()]))
    except (ValueError, TypeError, IndexError):
        raise UsageError(f"{path} is not a digitnet model file: its 'meta' entry is not JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise UsageError(f"{path} is not a digitnet model file: its metadata has no format {FORMAT!r}")
    if meta.get("version") != VERSION:
        raise UsageError(f"{path} is a model file of format version {meta.get('version')}; this digitnet reads"
                         f" version {VERSION}")
    return meta


def _read_layers(path, arrays, sizes):
    """``(coefs, intercepts)`` for layer sizes ``sizes``: present, float, finite, of the right shapes, no extras."""
    n_layers = len(sizes) - 1
    coefs, intercepts = [], []
    for i in range(n_layers):
        for name, shape, out in ((f"coefs_{i}", (sizes[i], sizes[i + 1]), coefs),
                                 (f"intercepts_{i}", (sizes[i + 1],), intercepts)):
            if name not in arrays:
                raise UsageError(f"{path}: missing array {name!r} for a network of layer sizes {sizes}")
            a = arrays[name]
            if a.shape != shape or a.dtype.kind != "f":
                raise UsageError(f"{path}: {name} has shape {a.shape} and dtype {a.dtype}, but the architecture"
                                 f" {sizes} needs a float array of shape {shape}")
            if not np.isfinite(a).all():
                raise UsageError(f"{path}: {name} holds non-finite values")
            out.append(np.ascontiguousarray(a))
    expected = {f"coefs_{i}" for i in range(n_layers)} | {f"intercepts_{i}" for i in range(n_layers)}
    extra_layers = sorted(k for k in arrays if k.startswith(("coefs_", "intercepts_")) and k not in expected)
    if extra_layers:
        raise UsageError(f"{path}: arrays {', '.join(extra_layers)} do not belong to a network of layer sizes {sizes}")
    return coefs, intercepts


def _read_sizes(path, meta):
    """``(layer sizes, n_features, out_activation)`` from the metadata."""
    try:
        sizes = [int(s) for s in meta["layer_sizes"]]
        n_features = int(meta["n_features_in_"])
        out_activation = str(meta["out_activation_"])
        dict(meta["params"])
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{path}: the model metadata is incomplete or malformed ({exc!r})") from None
    if len(sizes) < 2 or sizes[0] != n_features:
        raise UsageError(f"{path}: the metadata's layer sizes {sizes} do not fit n_features_in_={n_features}")
    return sizes, n_features, out_activation


def _read_estimator(path, meta, sizes):
    """An unfitted NumpyMLPClassifier with the metadata's parameters, checked against the stored layers."""
    params = dict(meta["params"])
    hidden = tuple(sizes[1:-1])
    if tuple(params.get("hidden_layer_sizes") or ()) != hidden:
        raise UsageError(f"{path}: hidden_layer_sizes {params.get('hidden_layer_sizes')} in the metadata does not"
                         f" match the stored weights {list(hidden)}")
    params["hidden_layer_sizes"] = hidden
    for key, value in params.items():
        if value in ("inf", "-inf", "nan"):
            params[key] = float(value)
    try:
        model = NumpyMLPClassifier(**params)
        model._validate_params()
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{path}: invalid parameters in the metadata: {' '.join(str(exc).split())}") from None
    return model


def _read_classes(path, arrays, meta, n_out):
    """The fitted LabelBinarizer of the file's classes, checked against the output layer."""
    try:
        y_type = str(meta["y_type"])
    except KeyError as exc:
        raise UsageError(f"{path}: the model metadata is incomplete or malformed ({exc!r})") from None
    if "classes" not in arrays:
        raise UsageError(f"{path}: missing array 'classes'")
    classes = arrays["classes"]
    expected_out = 1 if (len(classes) == 2 and y_type == "binary") else len(classes)
    if classes.ndim != 1 or len(classes) < 2 or n_out != expected_out:
        raise UsageError(f"{path}: {len(classes)} classes do not fit an output layer of {n_out} unit(s)")
    binarizer = LabelBinarizer()
    binarizer.fit(np.eye(len(classes), dtype=int) if y_type == "multilabel-indicator" else classes)
    if binarizer.y_type_ != y_type:
        raise UsageError(f"{path}: the metadata says target type {y_type!r}, the classes say {binarizer.y_type_!r}")
    return binarizer


def _read_scaler(path, arrays, n_features):
    """The file's StandardScaler, or None if it has none."""
    if ("scaler_mean" in arrays) != ("scaler_scale" in arrays):
        raise UsageError(f"{path}: has only one of scaler_mean / scaler_scale")
    if "scaler_mean" not in arrays:
        return None
    mean, scale = arrays["scaler_mean"], arrays["scaler_scale"]
    if mean.shape != (n_features,) or scale.shape != (n_features,):
        raise UsageError(f"{path}: the scaler has {mean.shape} / {scale.shape} entries for {n_features} features")
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_, scaler.var_ = mean, scale, scale**2
    scaler.n_features_in_, scaler.n_samples_seen_ = n_features, 0
    return scaler


def load_model(path):
    """Load a model saved by :func:`save_model`, checking everything first.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    NumpyMLPClassifier, or Pipeline([StandardScaler, NumpyMLPClassifier]) if the file holds a scaler.
        Fitted and ready for ``predict`` / ``predict_proba``. The metadata dict is
        available as ``model_file_meta_`` on the classifier.

    Raises
    ------
    UsageError
        If the file is missing, truncated, not a model file, holds pickled
        objects, or its arrays do not fit the architecture its metadata describes.
    """
    path = os.fspath(path)
    arrays = _read_archive(path)
    meta = _read_meta(path, arrays)
    sizes, n_features, out_activation = _read_sizes(path, meta)
    coefs, intercepts = _read_layers(path, arrays, sizes)
    model = _read_estimator(path, meta, sizes)
    model.coefs_, model.intercepts_ = coefs, intercepts
    model.n_features_in_, model.out_activation_ = n_features, out_activation
    model._label_binarizer = _read_classes(path, arrays, meta, sizes[-1])
    model.classes_ = model._label_binarizer.classes_
    model.n_layers_ = len(sizes)
    model.n_outputs_ = sizes[-1]
    model.n_iter_ = int(meta.get("n_iter_", 0))
    model.model_file_meta_ = meta
    scaler = _read_scaler(path, arrays, model.n_features_in_)
    return model if scaler is None else Pipeline([("scaler", scaler), ("mlp", model)])
