"""The checks of a model file's header, metadata fields and arrays, each a one-line UsageError naming the file.

:mod:`digitnet.model_file` (and :mod:`digitnet.ensemble.model_file`) read a file through these: the metadata's
depth measured before it is parsed, its format and version, the type of every field and their agreement, the
archive's members, and each layer's arrays (shape, type, finite) checked before they are used.
"""

from __future__ import annotations

import json
import re

import numpy as np

from .errors import UsageError
from .estimator import NumpyMLPClassifier, NumpyMLPRegressor
from .estimator.regressor import OUTPUTS as REGRESSION_OUTPUTS
from .nn.activations import CLASSIFYING_OUTPUTS

FORMAT = "digitnet-model"
VERSION = 1
#: The metadata is a short JSON text ...
MAX_META_BYTES = 1 << 20
#: ... of a few levels of nesting (the metadata digitnet writes has 3; JSON parsers recurse per level).
MAX_META_DEPTH = 64
_OUTPUT = {"multiclass": "softmax", "binary": "logistic", "multilabel-indicator": "logistic"}
#: The estimators a model file can hold (files that do not say are a classifier's: the first format did not).
ESTIMATORS = {cls.__name__: cls for cls in (NumpyMLPClassifier, NumpyMLPRegressor)}


def _shown(value, limit=60):
    """A metadata value as a message shows it: its repr, shortened."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _is_int(value, low=0):
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


#: A JSON string (its escapes included): what the depth scan skips.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _json_depth(text):
    """The deepest nesting of arrays and objects in JSON ``text``, found in linear time without recursion.

    Strings are cut out first (a bracket in a string nests nothing); a text that is not JSON gets
    a depth too, which is harmless: the parser refuses it anyway.
    """
    skeleton = np.frombuffer(_JSON_STRING.sub("", text).encode("ascii", "replace"), dtype=np.uint8)
    steps = np.isin(skeleton, (ord("["), ord("{"))).astype(np.int64) - np.isin(skeleton, (ord("]"), ord("}")))
    return int(np.cumsum(steps).max(initial=0))


def _parse_meta(archive):
    """The metadata's JSON text, parsed once its depth is known to be small and checked to be valid Unicode."""
    path = archive.path
    text = archive.read("meta", shape=(), kinds="U", max_bytes=MAX_META_BYTES)[()]
    try:
        text = str(text)
        depth = _json_depth(text)
        if depth > MAX_META_DEPTH:
            raise UsageError(
                f"{path} is not a digitnet model file: its metadata is nested {depth} levels deep"
                f" (a model's has a few; at most {MAX_META_DEPTH} are read)"
            )
        meta = json.loads(text)
        json.dumps(meta, ensure_ascii=False).encode("utf-8")  # a lone surrogate ("\\ud800") is not text
    except UnicodeEncodeError:
        raise UsageError(f"{path}: its metadata holds text that is not valid Unicode (a lone surrogate)") from None
    except UsageError:
        raise
    except (ValueError, RecursionError):
        raise UsageError(f"{path} is not a digitnet model file: its 'meta' entry is not JSON") from None
    return meta


def _one_of(choices):
    """A check that a metadata value is one of ``choices`` (strings); a list or dict is simply not one."""
    return lambda v: isinstance(v, str) and v in choices


def _read_header(archive):
    """The metadata dict, after checking that it is JSON of this format and version."""
    path = archive.path
    if "meta" not in archive.names:
        raise UsageError(f"{path} is not a digitnet model file: it has no 'meta' entry")
    meta = _parse_meta(archive)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise UsageError(f"{path} is not a digitnet model file: its metadata has no format {FORMAT!r}")
    if meta.get("version") != VERSION:
        raise UsageError(
            f"{path} is a model file of format version {_shown(meta.get('version'))}; this digitnet"
            f" reads version {VERSION}"
        )
    return meta


def _read_meta(archive, meta):
    """The metadata dict, after checking the type of every field."""
    path = archive.path
    meta.setdefault("estimator", NumpyMLPClassifier.__name__)
    classifier = meta["estimator"] == NumpyMLPClassifier.__name__
    checks = {
        "estimator": _one_of(ESTIMATORS),
        "layer_sizes": lambda v: isinstance(v, list) and len(v) >= 2 and all(_is_int(s, 1) for s in v),
        "n_features_in_": lambda v: _is_int(v, 1),
        "params": lambda v: isinstance(v, dict),
        "out_activation_": _one_of(CLASSIFYING_OUTPUTS if classifier else tuple(REGRESSION_OUTPUTS.values())),
        "y_type": _one_of(_OUTPUT) if classifier else lambda v: v is None,
        "n_iter_": lambda v: _is_int(v),
        "t_": lambda v: v is None or _is_int(v),
        "feature_names": lambda v: (
            v is None or (isinstance(v, list) and all(isinstance(n, str) for n in v) and len(set(v)) == len(v))
        ),
        "target_scaled": lambda v: v is None or (isinstance(v, bool) and not (v and classifier)),
        "training_rows": lambda v: v is None or _is_int(v, 1),
        "extra": lambda v: v is None or isinstance(v, dict),
        "not_stored": lambda v: (
            v is None or (isinstance(v, dict) and all(isinstance(k, str) and isinstance(t, str) for k, t in v.items()))
        ),
    }
    optional = ("t_", "feature_names", "extra", "y_type", "target_scaled", "training_rows", "not_stored")
    for field, ok in checks.items():
        if (field not in meta and field not in optional) or not ok(meta.get(field)):
            raise UsageError(
                f"{path}: the model metadata's {field!r} is missing or invalid ({_shown(meta.get(field))})"
            )
    meta.setdefault("y_type", None)
    return meta


def _check_consistency(path, meta):
    """The metadata's fields agree with each other: inputs, hidden layers, output layer, feature names."""
    sizes = meta["layer_sizes"]
    if sizes[0] != meta["n_features_in_"]:
        raise UsageError(
            f"{path}: the metadata's layer sizes {sizes} do not fit n_features_in_={meta['n_features_in_']}"
        )
    if meta["y_type"] is not None and meta["out_activation_"] != _OUTPUT[meta["y_type"]]:
        raise UsageError(
            f"{path}: out_activation_ {meta['out_activation_']!r} does not fit a {meta['y_type']}"
            f" target (it needs {_OUTPUT[meta['y_type']]!r})"
        )
    names = meta.get("feature_names")
    if names is not None and len(names) != sizes[0]:
        raise UsageError(f"{path}: the metadata names {len(names)} features for a model of {sizes[0]} inputs")


_MEMBERS = {
    "meta",
    "classes",
    "scaler_mean",
    "scaler_scale",
    "target_mean",
    "target_scale",
    "input_min",
    "input_max",
    "training_rows",
}
_LAYER_MEMBER = re.compile(r"^(coefs|intercepts)_\d+$")


def _check_members(archive, n_layers=None):
    """No member a model does not have (an unknown member is refused, never read). Without ``n_layers``,
    names of no model at all; with it, layers a network of ``n_layers`` layers does not have."""
    if n_layers is None:
        unknown = sorted(n for n in archive.names - _MEMBERS if not _LAYER_MEMBER.match(n))
        if unknown:
            raise UsageError(
                f"{archive.path} is not a digitnet model file: it holds arrays no model has ({', '.join(unknown[:5])})"
            )
        return
    layers = {f"coefs_{i}" for i in range(n_layers)} | {f"intercepts_{i}" for i in range(n_layers)}
    extra = sorted(archive.names - _MEMBERS - layers)
    if extra:
        raise UsageError(
            f"{archive.path}: arrays {', '.join(extra)} do not belong to a network of layer sizes"
            f" of {n_layers} layer(s)"
        )


def _read_layers(archive, sizes, prefix=""):
    """``(coefs, intercepts)``: present, float, finite, of the shapes the layer sizes say (the arrays
    ``{prefix}coefs_{i}`` and ``{prefix}intercepts_{i}``)."""
    coefs, intercepts = [], []
    for i in range(len(sizes) - 1):
        for name, shape, out in (
            (f"{prefix}coefs_{i}", (sizes[i], sizes[i + 1]), coefs),
            (f"{prefix}intercepts_{i}", (sizes[i + 1],), intercepts),
        ):
            if name not in archive.names:
                raise UsageError(f"{archive.path}: missing array {name!r} for a network of layer sizes {sizes}")
            a = archive.read(name, shape=shape)
            if not np.isfinite(a).all():
                raise UsageError(f"{archive.path}: {name} holds non-finite values")
            out.append(a)
    return coefs, intercepts
