"""What the page's JavaScript gets: the model, the digits, and each study's numbers, as JSON inside the page.

:func:`page_model` is the model the architecture study carried forward, in float64 with its scaler
(written next to the page as ``model.npz``); :func:`page_data` gathers everything the interactive parts draw from (each
study's numbers from the study itself, :meth:`digitnet.studies.Study.page`);
:func:`script_json` writes it so that it can sit inside a ``<script>`` element whatever the
strings in it (a class label ``</script>`` must not end the script).
"""

from __future__ import annotations

import copy
import json

import numpy as np
from sklearn.pipeline import Pipeline

from ..jsonify import plain
from ..model_file import parts


def page_model(errors):
    """The carried-forward model in float64 (its float32 weights, exactly) behind the scaler it was trained with
    (fitted on the development rows; for ``scaling="max"`` a StandardScaler of mean 0 and scale 16): what the page
    runs, and ``model.npz`` holds."""
    mlp = copy.copy(errors.model)
    mlp.coefs_ = [np.asarray(W, dtype=np.float64) for W in errors.model.coefs_]
    mlp.intercepts_ = [np.asarray(b, dtype=np.float64) for b in errors.model.intercepts_]
    return Pipeline([("scaler", errors.scaler), ("mlp", mlp)])


def model_json(model):
    """A loaded model file's pipeline as the page's ``predictProba`` needs it."""
    scaler, mlp = parts(model)
    return {"layer_sizes": [int(mlp.coefs_[0].shape[0])] + [int(W.shape[1]) for W in mlp.coefs_],
            "weights": [W.ravel() for W in mlp.coefs_], "biases": list(mlp.intercepts_),
            "activation": mlp.activation, "out_activation": mlp.out_activation_, "classes": list(mlp.classes_),
            "mean": scaler.mean_, "scale": scaler.scale_}


def _digits(split):
    def part(X, y):
        return {"pixels": np.asarray(X, dtype=int).ravel(), "labels": np.asarray(y, dtype=int)}
    return {"train": part(split.X_train_raw, split.y_train), "val": part(split.X_val_raw, split.y_val),
            "mean": split.scaler.mean_, "scale": split.scaler.scale_}


def _errors(errors):
    return {"classes": list(errors.classes), "true": errors.y_true, "pred": errors.y_pred,
            "confidence": [float(f"{p:.3g}") for p in errors.proba.max(axis=1)],
            "pixels": np.asarray(errors.images, dtype=int).reshape(len(errors.y_true), -1)}


def page_data(data, model, version):
    """Everything the page's scripts use, JSON-ready (see :func:`script_json`)."""
    return plain({
        "version": version, "model": model_json(model), "model_name": data.errors.name,
        "digits": _digits(data.split),
        "studies": {name: outcome.study.page(outcome.reading) for name, outcome in data.studies.items()},
        "errors": _errors(data.errors),
    })


def script_json(value):
    """JSON text safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` appears raw
    (so no string can close the element or open a comment), nor the two line separators JavaScript rejects."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                          ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text
