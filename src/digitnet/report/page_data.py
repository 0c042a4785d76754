"""What the page's JavaScript gets: the model, the digits, and each study's numbers, as JSON inside the page.

:func:`page_model` is the report's selected model in float64 with its scaler (written next to the
page as ``model.npz``); :func:`page_data` gathers everything the interactive parts draw from;
:func:`script_json` writes it so that it can sit inside a ``<script>`` element whatever the
strings in it (a class label ``</script>`` must not end the script).
"""

from __future__ import annotations

import copy
import json

import numpy as np
from sklearn.pipeline import Pipeline

from ..experiments.analysis import (
    best_rate_per, by_value, early_stopping, histories_of, learning_rate_landscape, lowest, mean_curve,
)
from ..experiments.params import count_weights, format_layers, hidden_layers
from ..jsonify import plain
from ..model_file import parts
from .conclusions import by_config
from .figures import illustrative_rates
from .words import finished

#: Points kept of a long curve (log-spaced epochs: dense at the start, where curves change fastest).
CURVE_POINTS = 300


def page_model(errors, split):
    """The selected model in float64 (its float32 weights, exactly) behind the split's scaler: what the page runs."""
    mlp = copy.copy(errors.model)
    mlp.coefs_ = [np.asarray(W, dtype=np.float64) for W in errors.model.coefs_]
    mlp.intercepts_ = [np.asarray(b, dtype=np.float64) for b in errors.model.intercepts_]
    return Pipeline([("scaler", split.scaler), ("mlp", mlp)])


def model_json(model):
    """A loaded model file's pipeline as the page's ``predictProba`` needs it."""
    scaler, mlp = parts(model)
    return {"layer_sizes": [int(mlp.coefs_[0].shape[0])] + [int(W.shape[1]) for W in mlp.coefs_],
            "weights": [W.ravel() for W in mlp.coefs_], "biases": list(mlp.intercepts_),
            "activation": mlp.activation, "classes": list(mlp.classes_),
            "mean": scaler.mean_, "scale": scaler.scale_}


def _digits(split):
    def part(X, y):
        return {"pixels": np.asarray(X, dtype=int).ravel(), "labels": np.asarray(y, dtype=int)}
    return {"train": part(split.X_train_raw, split.y_train), "val": part(split.X_val_raw, split.y_val),
            "mean": split.scaler.mean_, "scale": split.scaler.scale_}


def _curve(histories, key="loss"):
    """``[[epoch, mean over seeds], ...]`` of a curve, thinned to :data:`CURVE_POINTS` log-spaced epochs."""
    summary = mean_curve(histories, key)
    if summary is None:
        return []
    mean = summary[0]
    epochs = np.arange(1, len(mean) + 1)
    if len(mean) > CURVE_POINTS:
        epochs = np.unique(np.round(np.logspace(0, np.log10(len(mean)), CURVE_POINTS)).astype(int))
    return [[int(e), float(f"{mean[e - 1]:.5g}")] for e in epochs if np.isfinite(mean[e - 1])]


def _group_curves(result, group, label):
    return [{"name": label(value), "curve": _curve(histories_of(runs, result.curves))}
            for value, runs in result.runs.groupby(group, sort=False)]


def _learning_rate(result):
    readings = learning_rate_landscape(result.runs, result.curves, result.n_val)
    rates = result.runs["learning_rate_init"]
    return {"rates": [{"rate": r.rate, "region": r.region, "val": r.val_accuracy, "val_se": r.val_error,
                       "final_loss": r.final_loss, "diverged_at": r.diverged_at,
                       "curve": _curve(histories_of(result.runs[rates == r.rate], result.curves))}
                      for r in readings],
            "shown": illustrative_rates(readings)}


def _epochs(result):
    longest = result.runs[result.runs["n_iter"] == result.runs["n_iter"].max()].drop_duplicates("seed")
    histories = histories_of(longest, result.curves)
    val_loss, val_acc = mean_curve(histories, "val_loss"), mean_curve(histories, "val_accuracy")
    out = {"training loss": _curve(histories, "loss"), "validation loss": _curve(histories, "val_loss")}
    if val_loss is not None and val_acc is not None:
        out["lowest"], out["kept"] = lowest(val_loss[0])[0], early_stopping(val_acc[0])[1]
    return out


def _tuned(result, group, label):
    """Per value of ``group``: the loss curve at every rate tried, the best rate, seconds per epoch."""
    best, runs, out = best_rate_per(result.runs, group), result.runs, []
    for value, mine in runs.groupby(group, sort=False):
        curves = {f"{rate:g}": _curve(histories_of(at, result.curves))
                  for rate, at in mine.groupby("learning_rate_init")}
        out.append({"name": label(value), "rates": curves, "best": None if value not in best else f"{best[value]:g}",
                    "seconds_per_epoch": float(np.mean(mine["fit_seconds"] / mine["n_iter"].clip(lower=1)))})
    return {"groups": out}


def _regularization(result):
    runs = finished(result.runs)
    train, val = by_value(runs, "alpha", "train_accuracy"), by_value(runs, "alpha", "val_accuracy")
    return {"alphas": [{"alpha": a, "train": train[a][0], "val": val[a][0], "val_se": val[a][1]} for a in val]}


def _architecture(result, n_features, n_classes):
    table, best = by_config(result.runs), result.best
    std = finished(result.runs).groupby("config")["val_accuracy"].std()
    return {"configs": [{"name": f"{row['hidden_layer_sizes']} {row['activation']}",
                         "depth": len(str(row["hidden_layer_sizes"]).split("-")), "activation": row["activation"],
                         "mean": row["val_accuracy"], "std": std.get(config, np.nan),
                         "n_weights": count_weights(result.params[config], n_features, n_classes),
                         "tied": config in best["tied"], "chosen": config == best["config"]}
                        for config, row in table.iterrows()]}


def _errors(errors):
    return {"classes": list(errors.classes), "true": errors.y_true, "pred": errors.y_pred,
            "confidence": [float(f"{p:.3g}") for p in errors.proba.max(axis=1)],
            "pixels": np.asarray(errors.images, dtype=int).reshape(len(errors.y_true), -1)}


def page_data(data, model, version):
    """Everything the page's scripts use, JSON-ready (see :func:`script_json`)."""
    s, n_features, n_classes = data.studies, data.split.X_train.shape[1], len(data.split.classes)
    return plain({
        "version": version, "model": model_json(model), "model_name": f"{format_layers(hidden_layers(data.errors.params))}"
                                                                    f" {model[-1].activation}",
        "digits": _digits(data.split),
        "studies": {
            "learning-rate": _learning_rate(s["learning-rate"]),
            "epochs": _epochs(s["epochs"]),
            "batch-size": _tuned(s["batch-size"], "batch_size", lambda v: f"batch {v}"),
            "optimizer": _tuned(s["optimizer"], "label", str),
            "momentum": {"groups": _group_curves(s["momentum"], "momentum", lambda v: f"β = {v:g}")},
            "regularization": _regularization(s["regularization"]),
            "initialization": {"groups": _group_curves(s["initialization"], ["weight_init", "activation",
                                                                             "hidden_layer_sizes"], " ".join)},
            "architecture": _architecture(s["architecture"], n_features, n_classes),
        },
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
