"""What the page's JavaScript gets: the model, the digits, and each study's numbers, as JSON inside the page.

:func:`page_model` is the draw pad's model (:mod:`digitnet.report.pad_model`; else the model the architecture
study carried forward), in float64 with its scaler (written next to the page as ``model.npz``); :func:`page_data` gathers everything the interactive parts draw from (each
study's numbers from the study itself, :meth:`digitnet.studies.Study.page`);
:func:`script_json` writes it so that it can sit inside a ``<script>`` element whatever the
strings in it (a class label ``</script>`` must not end the script).
"""

from __future__ import annotations

import copy
import json

import numpy as np
from sklearn.pipeline import Pipeline

from ..ensemble import DigitsClassifier
from ..experiments.params import format_layers
from ..jsonify import plain
from ..model_file import parts

#: The most networks of an ensemble the page carries (the pad runs every one of them, at each stroke).
MAX_PAGE_MEMBERS = 3
#: The hidden activations the page's network (nn.js) runs.
PAGE_ACTIVATIONS = ("identity", "logistic", "tanh", "relu", "leaky_relu", "elu")


def _float64(mlp):
    """A copy of a fitted network with its weights in float64 (float32 weights, exactly)."""
    mlp64 = copy.copy(mlp)
    mlp64.coefs_ = [np.asarray(W, dtype=np.float64) for W in mlp.coefs_]
    mlp64.intercepts_ = [np.asarray(b, dtype=np.float64) for b in mlp.intercepts_]
    return mlp64


def pad_of(data):
    """The draw pad's fitted :class:`~digitnet.DigitsClassifier` (:mod:`digitnet.report.pad_model`) when the report
    fitted one (not when it is read back from a folder: its ``model.npz`` is then the page's), else None."""
    pad = getattr(data, "pad", None)
    return pad if isinstance(pad, DigitsClassifier) and hasattr(pad, "estimators_") else None


def _carried(best):
    """``best`` as the page can run it: its first :data:`MAX_PAGE_MEMBERS` networks in float64 (its
    ``n_members`` and seeds cut to them); None when the page cannot run its networks (an activation nn.js lacks)."""
    if not isinstance(best.activation, str) or best.activation not in PAGE_ACTIVATIONS:
        return None
    model = copy.copy(best)
    members = best.estimators_[:MAX_PAGE_MEMBERS]
    model.estimators_ = [_float64(m) for m in members]
    model.member_seeds_ = list(best.member_seeds_[: len(members)])
    model.n_iter_ = np.asarray(best.n_iter_[: len(members)])
    model.n_members = len(members)
    return model


def page_model(errors, best=None):
    """The model the page runs and ``model.npz`` holds (every weight in float64: float32 weights, exactly).

    Parameters
    ----------
    errors : ErrorAnalysis
        The carried-forward model and the scaler it was trained with (fitted on the development rows; for
        ``scaling="max"`` a StandardScaler of mean 0 and scale 16): the page's model when ``best`` is not.
    best : DigitsClassifier, optional
        The draw pad's model (:func:`pad_of`): the page's, with at most
        :data:`MAX_PAGE_MEMBERS` of its networks, when the page can run them.

    Returns
    -------
    DigitsClassifier or Pipeline
    """
    carried = None if best is None else _carried(best)
    if carried is not None:
        return carried
    return Pipeline([("scaler", errors.scaler), ("mlp", _float64(errors.model))])


def page_model_name(model, errors):
    """The page's model in words: the pad's (``"the accuracy ladder's top rung for drawn digits: 3 networks of 512
    relu (max), averaged"``) or the carried-forward configuration's name."""
    if not isinstance(model, DigitsClassifier):
        return errors.name
    first, k = model.estimators_[0], len(model.estimators_)
    what = f"{format_layers(first.hidden_layer_sizes)} {model.activation} ({model.scaling})"
    return (
        f"the accuracy ladder's top rung for drawn digits: {k} networks of {what}, averaged"
        if k > 1
        else f"the accuracy ladder's top rung for drawn digits: {what}"
    )


def model_json(model):
    """A loaded model file's model (a pipeline, or a DigitsClassifier whose networks' probabilities the page
    averages) as the page's ``predictProba`` needs it: ``members``, each network's weights and biases."""
    scaler, net = parts(model)
    members = getattr(net, "estimators_", [net])
    mlp = members[0]
    return {
        "layer_sizes": [int(mlp.coefs_[0].shape[0])] + [int(W.shape[1]) for W in mlp.coefs_],
        "members": [{"weights": [W.ravel() for W in m.coefs_], "biases": list(m.intercepts_)} for m in members],
        "activation": mlp.activation,
        "out_activation": mlp.out_activation_,
        "classes": list(mlp.classes_),
        "mean": scaler.mean_,
        "scale": scaler.scale_,
    }


def _digits(split):
    def part(X, y):
        return {"pixels": np.asarray(X, dtype=int).ravel(), "labels": np.asarray(y, dtype=int)}

    return {
        "train": part(split.X_train_raw, split.y_train),
        "val": part(split.X_val_raw, split.y_val),
        "mean": split.scaler.mean_,
        "scale": split.scaler.scale_,
    }


def _errors(errors):
    return {
        "classes": list(errors.classes),
        "true": errors.y_true,
        "pred": errors.y_pred,
        "confidence": [float(f"{p:.3g}") for p in errors.proba.max(axis=1)],
        "pixels": np.asarray(errors.images, dtype=int).reshape(len(errors.y_true), -1),
    }


def page_data(data, model, version):
    """Everything the page's scripts use, JSON-ready (see :func:`script_json`)."""
    return plain(
        {
            "version": version,
            "model": model_json(model),
            "model_name": page_model_name(model, data.errors),
            "digits": _digits(data.split),
            "studies": {name: outcome.study.page(outcome.reading) for name, outcome in data.studies.items()},
            "errors": _errors(data.errors),
        }
    )


def script_json(value):
    """JSON text safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` appears raw
    (so no string can close the element or open a comment), nor the two line separators JavaScript rejects."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text
