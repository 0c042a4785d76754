"""Model files: ``.npz`` weights plus JSON metadata; loading one can never execute code, nor exhaust memory.

Layout of a model file (a plain ``np.savez`` archive)::

    coefs_0 .. coefs_{L-1}            weight matrices, coefs_l of shape (fan_in, fan_out)
    intercepts_0 .. intercepts_{L-1}  bias vectors, intercepts_l of shape (fan_out,)
    classes                           a classifier's class labels (numbers or unicode strings)
    scaler_mean, scaler_scale         optional: the StandardScaler to apply to raw features
    input_min, input_max              optional: each model input's range in the training data
    meta                              0-d unicode array: JSON with format, version, preprocessing,
                                      estimator parameters, n_features_in_, out_activation_, ...

Loading reads the archive's directory first and refuses any member a model does not have; it
reads each array's header (shape and type) and checks it against the metadata *before* reading
its data, and reads exactly the bytes that shape needs, so a crafted file cannot make it read
gigabytes. Object arrays (the only way a NumPy file can carry code) are refused. Every metadata
field is checked for its type, its value and its agreement with the arrays; a problem raises
:class:`UsageError` with one line naming the file and what is wrong. Files are written to a
temporary name and renamed, so an interrupted save never leaves a half-written model.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
import zlib
from numbers import Integral

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler

from .errors import UsageError
from .estimator import NumpyMLPClassifier, NumpyMLPRegressor
from .estimator.regressor import OUTPUTS as REGRESSION_OUTPUTS
from .files import atomic_write, check_regular_file
from .jsonify import dumps
from .nn.activations import CLASSIFYING_OUTPUTS
from .resources import available_memory, gib

__all__ = ["FORMAT", "VERSION", "load_model", "save_model"]

FORMAT = "digitnet-model"
VERSION = 1
#: The metadata is a short JSON text.
MAX_META_BYTES = 1 << 20
#: Preprocessing a model file says it includes.
WITH_SCALER = "standard scaling of the raw features (the file holds the scaler)"
WITHOUT_SCALER = "none: the model takes its input features as they are"
_OUTPUT = {"multiclass": "softmax", "binary": "logistic", "multilabel-indicator": "logistic"}
#: The estimators a model file can hold (files that do not say are a classifier's: the first format did not).
ESTIMATORS = {cls.__name__: cls for cls in (NumpyMLPClassifier, NumpyMLPRegressor)}


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
        raise TypeError(f"save_model takes a fitted NumpyMLPClassifier or NumpyMLPRegressor (optionally after a"
                        f" StandardScaler in a Pipeline), got {type(model).__name__}")
    if not hasattr(model, "coefs_"):
        raise ValueError("save_model needs a fitted model; call fit() first")
    return scaler, model


def _saved_params(mlp):
    """The estimator's parameters as the file keeps them: a random state object is not worth keeping."""
    params = mlp.get_params()
    if not isinstance(params["random_state"], (Integral, type(None))):
        params["random_state"] = None
    params["hidden_layer_sizes"] = [int(W.shape[1]) for W in mlp.coefs_[:-1]]
    return params


def save_model(model, path, *, feature_names=None, extra=None):
    """Save a fitted model to ``path`` (an ``.npz`` archive; no pickle inside).

    Parameters
    ----------
    model : NumpyMLPClassifier, NumpyMLPRegressor, or either in Pipeline([StandardScaler, model])
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
    classifier = isinstance(mlp, NumpyMLPClassifier)
    meta = {
        "format": FORMAT, "version": VERSION,
        "estimator": (NumpyMLPClassifier if classifier else NumpyMLPRegressor).__name__,
        "preprocessing": WITHOUT_SCALER if scaler is None else WITH_SCALER,
        "params": _saved_params(mlp),
        "layer_sizes": [int(mlp.coefs_[0].shape[0])] + [int(W.shape[1]) for W in mlp.coefs_],
        "n_features_in_": int(mlp.n_features_in_),
        "out_activation_": mlp.out_activation_,
        "y_type": mlp._label_binarizer.y_type_ if classifier else None,
        "n_iter_": int(getattr(mlp, "n_iter_", 0)),
        "t_": int(getattr(mlp, "t_", 0)),
        "loss_": float(getattr(mlp, "loss_", float("nan"))),
        "feature_names": None if feature_names is None else [str(f) for f in feature_names],
        "extra": extra or {},
    }
    arrays = {f"coefs_{i}": np.asarray(W) for i, W in enumerate(mlp.coefs_)}
    arrays.update({f"intercepts_{i}": np.asarray(b) for i, b in enumerate(mlp.intercepts_)})
    if classifier:
        classes = np.asarray(mlp.classes_)
        # strings as a fixed-width unicode array, never an object array
        arrays["classes"] = classes if classes.dtype.kind in "biuf" else classes.astype(str)
    if scaler is not None:
        arrays["scaler_mean"] = np.asarray(scaler.mean_, dtype=np.float64)
        arrays["scaler_scale"] = np.asarray(scaler.scale_, dtype=np.float64)
    if getattr(mlp, "_input_range", None) is not None:
        arrays["input_min"], arrays["input_max"] = (np.asarray(a, dtype=np.float64) for a in mlp._input_range)
    arrays["meta"] = np.array(dumps(meta))
    atomic_write(path, lambda f: np.savez(f, **arrays))


# ----------------------------------------------------------------------------------------------
# Reading members: their directory first, each header before its data, bounded
# ----------------------------------------------------------------------------------------------


class _Archive:
    """An open model file: its members' names, and each array read only after its header is checked."""

    def __init__(self, path):
        self.path = check_regular_file(path, "model file")
        try:
            with open(self.path, "rb") as f:
                magic = f.read(4)
        except OSError as exc:
            raise UsageError(f"cannot read model file {self.path}: {exc.strerror or exc}") from None
        if magic != b"PK\x03\x04":  # every .npz archive is a zip file
            raise UsageError(f"{self.path} is not a digitnet model file: "
                             f"{'it is empty' if not magic else 'it is not an .npz archive'}")
        try:
            self.zip = zipfile.ZipFile(self.path)
            names = [info.filename for info in self.zip.infolist()]
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise UsageError(f"{self.path} is truncated or corrupt: {' '.join(str(exc).split())}") from None
        if any(not n.endswith(".npy") for n in names) or len(set(names)) != len(names):
            raise UsageError(f"{self.path} is not a digitnet model file: it holds members other than arrays")
        self.names = {n[:-4] for n in names}
        budget = available_memory()
        self.budget = min(budget // 2, 16 << 30) if budget else 16 << 30  # the most all arrays may take

    def close(self):
        self.zip.close()

    def read(self, name, shape=None, kinds="f", max_bytes=None):
        """Array ``name``, after checking that its header declares ``shape`` (or a 1-D shape if None, at most
        ``max_bytes``) and a dtype kind in ``kinds``; exactly that many bytes are read."""
        try:
            with self.zip.open(name + ".npy") as f:
                version = np.lib.format.read_magic(f)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f"unsupported .npy version {version}")
                header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                    np.lib.format.read_array_header_2_0
                declared, fortran, dtype = header(f)
                nbytes = self._check_header(name, declared, dtype, shape, kinds, max_bytes)
                data = f.read(nbytes)
        except UsageError:
            raise
        except (ValueError, zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
            raise UsageError(f"{self.path} is truncated or corrupt ({name}: {' '.join(str(exc).split())})") from None
        if len(data) != nbytes:
            raise UsageError(f"{self.path} is truncated: {name} holds {len(data)} of its {nbytes} bytes")
        array = np.frombuffer(data, dtype=dtype).reshape(declared, order="F" if fortran else "C")
        return np.array(array, order="C")  # a writable copy of our own

    def _check_header(self, name, declared, dtype, shape, kinds, max_bytes):
        if dtype.hasobject:  # unpickling an object array could run code
            raise UsageError(f"{self.path} holds pickled Python objects; refusing to load it (a model file holds"
                             " only plain arrays)")
        if dtype.kind not in kinds or (shape is not None and tuple(declared) != tuple(shape)) or \
                (shape is None and len(declared) != 1):
            want = f"of shape {tuple(shape)}" if shape is not None else "of one dimension"
            raise UsageError(f"{self.path}: {name} has shape {tuple(declared)} and dtype {dtype}, but the model"
                             f" needs an array {want} of {'floats' if kinds == 'f' else 'labels'}")
        nbytes = int(np.prod(declared, dtype=np.int64)) * dtype.itemsize
        if nbytes > min(self.budget, max_bytes or self.budget):
            raise UsageError(f"{self.path}: {name} declares {gib(nbytes)} of data, more than a model may hold here")
        self.budget -= nbytes
        return nbytes


# ----------------------------------------------------------------------------------------------
# Loading: every field checked before it is used
# ----------------------------------------------------------------------------------------------


def _is_int(value, low=0):
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _read_meta(archive):
    """The metadata dict, after checking its format, version and the type of every field."""
    path = archive.path
    if "meta" not in archive.names:
        raise UsageError(f"{path} is not a digitnet model file: it has no 'meta' entry")
    try:
        meta = json.loads(str(archive.read("meta", shape=(), kinds="U", max_bytes=MAX_META_BYTES)[()]))
    except ValueError:
        raise UsageError(f"{path} is not a digitnet model file: its 'meta' entry is not JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise UsageError(f"{path} is not a digitnet model file: its metadata has no format {FORMAT!r}")
    if meta.get("version") != VERSION:
        raise UsageError(f"{path} is a model file of format version {meta.get('version')}; this digitnet reads"
                         f" version {VERSION}")
    meta.setdefault("estimator", NumpyMLPClassifier.__name__)
    classifier = meta["estimator"] == NumpyMLPClassifier.__name__
    checks = {
        "estimator": lambda v: v in ESTIMATORS,
        "layer_sizes": lambda v: isinstance(v, list) and len(v) >= 2 and all(_is_int(s, 1) for s in v),
        "n_features_in_": lambda v: _is_int(v, 1),
        "params": lambda v: isinstance(v, dict),
        "out_activation_": lambda v: v in (CLASSIFYING_OUTPUTS if classifier else REGRESSION_OUTPUTS.values()),
        "y_type": lambda v: v in _OUTPUT if classifier else v is None,
        "n_iter_": lambda v: _is_int(v),
        "t_": lambda v: v is None or _is_int(v),
        "feature_names": lambda v: v is None or (isinstance(v, list) and all(isinstance(n, str) for n in v)
                                                  and len(set(v)) == len(v)),
        "extra": lambda v: v is None or isinstance(v, dict),
    }
    for field, ok in checks.items():
        if (field not in meta and field not in ("t_", "feature_names", "extra", "y_type")) or not ok(meta.get(field)):
            raise UsageError(f"{path}: the model metadata's {field!r} is missing or invalid ({meta.get(field)!r})")
    return meta


def _check_consistency(path, meta):
    """The metadata's fields agree with each other: inputs, hidden layers, output layer, feature names."""
    sizes = meta["layer_sizes"]
    if sizes[0] != meta["n_features_in_"]:
        raise UsageError(f"{path}: the metadata's layer sizes {sizes} do not fit n_features_in_="
                         f"{meta['n_features_in_']}")
    if meta["y_type"] is not None and meta["out_activation_"] != _OUTPUT[meta["y_type"]]:
        raise UsageError(f"{path}: out_activation_ {meta['out_activation_']!r} does not fit a {meta['y_type']}"
                         f" target (it needs {_OUTPUT[meta['y_type']]!r})")
    names = meta.get("feature_names")
    if names is not None and len(names) != sizes[0]:
        raise UsageError(f"{path}: the metadata names {len(names)} features for a model of {sizes[0]} inputs")


_MEMBERS = {"meta", "classes", "scaler_mean", "scaler_scale", "input_min", "input_max"}
_LAYER_MEMBER = re.compile(r"^(coefs|intercepts)_\d+$")


def _check_members(archive, n_layers=None):
    """No member a model does not have (an unknown member is refused, never read). Without ``n_layers``,
    names of no model at all; with it, layers a network of ``n_layers`` layers does not have."""
    if n_layers is None:
        unknown = sorted(n for n in archive.names - _MEMBERS if not _LAYER_MEMBER.match(n))
        if unknown:
            raise UsageError(f"{archive.path} is not a digitnet model file: it holds arrays no model has"
                             f" ({', '.join(unknown[:5])})")
        return
    layers = {f"coefs_{i}" for i in range(n_layers)} | {f"intercepts_{i}" for i in range(n_layers)}
    extra = sorted(archive.names - _MEMBERS - layers)
    if extra:
        raise UsageError(f"{archive.path}: arrays {', '.join(extra)} do not belong to a network of layer sizes"
                         f" of {n_layers} layer(s)")


def _read_layers(archive, sizes):
    """``(coefs, intercepts)``: present, float, finite, of the shapes the layer sizes say."""
    coefs, intercepts = [], []
    for i in range(len(sizes) - 1):
        for name, shape, out in ((f"coefs_{i}", (sizes[i], sizes[i + 1]), coefs),
                                 (f"intercepts_{i}", (sizes[i + 1],), intercepts)):
            if name not in archive.names:
                raise UsageError(f"{archive.path}: missing array {name!r} for a network of layer sizes {sizes}")
            a = archive.read(name, shape=shape)
            if not np.isfinite(a).all():
                raise UsageError(f"{archive.path}: {name} holds non-finite values")
            out.append(a)
    return coefs, intercepts


def _read_estimator(path, meta):
    """An unfitted estimator of the metadata's class, with its (validated) parameters."""
    params, sizes = dict(meta["params"]), meta["layer_sizes"]
    hidden = params.get("hidden_layer_sizes")
    if not isinstance(hidden, list) or not all(_is_int(h, 1) for h in hidden) or hidden != sizes[1:-1]:
        raise UsageError(f"{path}: hidden_layer_sizes {hidden} in the metadata does not match the stored weights"
                         f" {sizes[1:-1]}")
    params["hidden_layer_sizes"] = tuple(meta["layer_sizes"][1:-1])
    for key, value in params.items():
        if value in ("inf", "-inf", "nan"):
            params[key] = float(value)
    try:
        model = ESTIMATORS[meta["estimator"]](**params)
        model._validate_params()
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{path}: invalid parameters in the metadata: {' '.join(str(exc).split())}") from None
    if isinstance(model, NumpyMLPRegressor) and model._output_activation() != meta["out_activation_"]:
        raise UsageError(f"{path}: out_activation_ {meta['out_activation_']!r} does not fit the loss"
                         f" {model.loss!r} (it needs {model._output_activation()!r})")
    return model


def _read_classes(archive, meta):
    """The fitted LabelBinarizer of the file's classes: unique, as many as the output layer needs."""
    path, y_type, n_out = archive.path, meta["y_type"], meta["layer_sizes"][-1]
    if "classes" not in archive.names:
        raise UsageError(f"{path}: missing array 'classes'")
    classes = archive.read("classes", kinds="biufU", max_bytes=64 << 20)
    if len(np.unique(classes)) != len(classes):
        raise UsageError(f"{path}: its class labels are not unique ({len(classes)} labels,"
                         f" {len(np.unique(classes))} distinct)")
    expected_out = 1 if y_type == "binary" else len(classes)
    if len(classes) < 2 or n_out != expected_out or (y_type == "multiclass") != (len(classes) > 2):
        raise UsageError(f"{path}: {len(classes)} classes do not fit an output layer of {n_out} unit(s) (a {y_type}"
                         " target)")
    binarizer = LabelBinarizer()
    binarizer.fit(np.eye(len(classes), dtype=int) if y_type == "multilabel-indicator" else classes)
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


def _read_scaler(archive, n_features):
    """The file's StandardScaler (finite means, finite positive scales), or None if it has none."""
    pair = _read_pair(archive, ("scaler_mean", "scaler_scale"), n_features, lambda mean, scale: (
        "the scaler holds non-finite values" if not (np.isfinite(mean).all() and np.isfinite(scale).all()) else
        "the scaler has a scale that is not positive" if (scale <= 0).any() else None))
    if pair is None:
        return None
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_ = pair
    scaler.var_, scaler.n_features_in_, scaler.n_samples_seen_ = pair[1] ** 2, n_features, 0
    return scaler


def load_model(path):
    """Load a model saved by :func:`save_model`, checking everything first.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    NumpyMLPClassifier or NumpyMLPRegressor, in Pipeline([StandardScaler, model]) if the file holds a scaler.
        Fitted and ready for ``predict`` (and a classifier's ``predict_proba``), and to go on training
        (``partial_fit``, or ``fit`` with ``warm_start=True``). The metadata dict is
        available as ``model_file_meta_`` on the estimator.

    Raises
    ------
    UsageError
        If the file is missing, not a regular file, truncated, not a model file, holds pickled
        objects or members a model has not, or its arrays or metadata do not fit each other.
    """
    archive = _Archive(os.fspath(path))
    try:
        meta = _read_meta(archive)
        _check_members(archive)
        _check_consistency(archive.path, meta)
        sizes = meta["layer_sizes"]
        layers = _read_layers(archive, sizes)
        _check_members(archive, len(sizes) - 1)
        model = _read_estimator(archive.path, meta)
        model.coefs_, model.intercepts_ = layers
        if isinstance(model, NumpyMLPClassifier):
            model._label_binarizer = _read_classes(archive, meta)
        elif "classes" in archive.names:
            raise UsageError(f"{archive.path}: a regressor's file holds class labels ('classes')")
        scaler = _read_scaler(archive, sizes[0])
        model._input_range = _read_pair(archive, ("input_min", "input_max"), sizes[0], lambda low, high: (
            "its input ranges hold non-finite values" if not (np.isfinite(low).all() and np.isfinite(high).all())
            else "an input range's minimum is above its maximum" if (low > high).any() else None))
    finally:
        archive.close()
    if isinstance(model, NumpyMLPClassifier):
        model.classes_ = model._label_binarizer.classes_
    model.n_features_in_, model.n_layers_, model.n_outputs_ = sizes[0], len(sizes), sizes[-1]
    model.out_activation_, model.n_iter_, model.t_ = meta["out_activation_"], meta["n_iter_"], meta.get("t_") or 0
    model.model_file_meta_ = meta
    return model if scaler is None else Pipeline([("scaler", scaler), ("mlp", model)])


# ----------------------------------------------------------------------------------------------
# Data given to a loaded model: do they look like what it was trained on?
# ----------------------------------------------------------------------------------------------

#: More than this share of values far outside the training ranges: the data are not what the model expects.
FAR_OUTSIDE_SHARE = 0.01


def parts(model):
    """``(scaler or None, estimator)`` of a loaded model."""
    if isinstance(model, Pipeline):
        return model.steps[0][1], model.steps[-1][1]
    return None, model


def compare_with_training(model, X, source):
    """How far the raw features ``X`` lie outside the ranges the model saw in training.

    A value is *far outside* when it is beyond a feature's training range by more than the width
    of that range (or, for a feature that was constant in training, the median width). Returns
    ``(share of values far outside, one line saying where)``, or ``(0.0, None)`` when every value
    is within bounds or the model file records no ranges (files written before it did).
    """
    scaler, mlp = parts(model)
    if getattr(mlp, "_input_range", None) is None:
        return 0.0, None
    low, high = mlp._input_range
    if scaler is not None:  # the ranges were recorded on the model's (scaled) inputs: back to raw units
        low, high = low * scaler.scale_ + scaler.mean_, high * scaler.scale_ + scaler.mean_
    span = high - low
    margin = np.maximum(span, np.median(span) if np.median(span) > 0 else 1.0)
    outside = (X < low - margin) | (X > high + margin)
    if not outside.any():
        return 0.0, None
    j = int(outside.sum(axis=0).argmax())
    names = mlp.model_file_meta_.get("feature_names") if hasattr(mlp, "model_file_meta_") else None
    name = repr(names[j]) if names else f"number {j}"
    text = (f"{outside.mean():.1%} of the values in {source} lie far outside the ranges the model was trained on"
            f" (feature {name}: {X[:, j].min():.4g} to {X[:, j].max():.4g} here, {low[j]:.4g} to {high[j]:.4g} in"
            f" training)")
    if scaler is None:
        text += ("; this model file holds no scaling, so the model expects its inputs scaled as they were in"
                 " training: scale them, or save the model with its scaler (a Pipeline)")
    return float(outside.mean()), text
