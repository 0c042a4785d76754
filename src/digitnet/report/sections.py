"""The report page: one function per section fills that section's template from the results.

:data:`SECTIONS` lists the sections in page order; :func:`render_html` assembles the page.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from ..estimator import NumpyMLPClassifier
from ..experiments import package_versions
from ..nn.network import n_parameters
from ..plots import LABELS
from .conclusions import by_config, conclusions, curve_ends, finished, num, pct, rate
from .html import (
    describe_grid, escape, figure_html, fill, html_table, params_text, percent_columns, readable, template,
)

#: The page's sections, in order: (anchor id, heading). Training parameters has two subsections.
SECTIONS = [
    ("data", "Data"),
    ("network", "The network"),
    ("comparison", "Comparison with scikit-learn's MLPClassifier"),
    ("architecture", "Architecture"),
    ("training", "Training parameters"),
    ("errors", "Error analysis"),
    ("conclusions", "Conclusions"),
]
TRAINING_SUBSECTIONS = [("learning-rate", "Learning rate"), ("epochs", "Epochs")]


def _section_data(data, images):
    d, split = data.dataset, data.split
    classes, counts = np.unique(d.y, return_counts=True)
    parts = {name: np.unique(y, return_counts=True)[1] for name, y in
             (("training", split.y_train), ("validation", split.y_val), ("test", split.y_test))}
    table = pd.DataFrame({"digit": [str(c) for c in classes], "all rows": counts,
                          **{f"{name} rows": values for name, values in parts.items()}})
    total = pd.DataFrame({"digit": ["all"], "all rows": [counts.sum()],
                          **{f"{name} rows": [values.sum()] for name, values in parts.items()}})
    return fill("section_data.html", n_images=len(d.y), height=d.images.shape[1], width=d.images.shape[2],
                max_value=int(d.X.max()), n_features=d.X.shape[1], n_classes=len(classes),
                classes=escape(", ".join(str(c) for c in classes)),
                table=html_table(pd.concat([table, total], ignore_index=True)),
                figure_samples=figure_html(images, "data_samples", "Sample images: the first images of each digit in"
                                           " the dataset.", narrow=True))


def _section_network(data, images):
    model = NumpyMLPClassifier(**data.compare.config["params"])
    layers = [data.split.X_train.shape[1], *model.get_params()["hidden_layer_sizes"], len(data.split.classes)]
    grad = pd.DataFrame({"activation": list(data.gradcheck), "largest relative error": list(data.gradcheck.values())})
    rows = finished(data.original.runs).groupby("label", sort=False)[["test_accuracy", "val_accuracy", "train_loss",
                                                                   "n_iter", "fit_seconds"]].mean().reset_index()
    rows["n_iter"] = rows["n_iter"].round().astype(int)
    rows = readable(percent_columns(rows, ["test_accuracy", "val_accuracy"]))
    settings = [f"<li><b>{escape(str(p.get('label', '')))}</b>:"
                f" {escape(params_text({k: v for k, v in p.items() if k != 'label'}))}</li>" for p in data.original.params]
    return fill("section_network.html", layers=escape(" → ".join(map(str, layers))),
                n_parameters=f"{n_parameters(layers):,}", activation=escape(model.activation),
                gradcheck_table=html_table(grad, formats={"largest relative error": "{:.1e}"}),
                settings="".join(settings), seed_table=html_table(rows, digits=3, formats={"fit time (s)": "{:.1f}"}),
                figure_loss=figure_html(images, "network_original_vs_ours",
                                        "Training (solid) and validation (dashed) loss per epoch for each setting."),
                figure_accuracy=figure_html(images, "network_original_vs_ours_accuracy",
                                            "Training and validation accuracy per epoch for each setting."))


def _compare_table(result):
    """The comparison summary, one row per metric: mean ± std over seeds of each model, in readable units."""
    rows = []
    units = [("accuracy", "test accuracy", pct), ("precision", "test precision (macro)", pct),
             ("recall", "test recall (macro)", pct), ("f1", "test F1 (macro)", pct),
             ("fit_seconds", "fit time", lambda v: f"{num(v)} s"), ("n_iter", "epochs", lambda v: num(v, 0))]
    for metric, name, fmt in units:
        row = {"metric": name}
        for model, values in result.summary.iterrows():
            mean, std = values[f"{metric}_mean"], values[f"{metric}_std"]
            row[f"{LABELS.get(model, model)} (mean ± std)"] = fmt(mean) + ("" if not np.isfinite(std) else
                                                                           f" ± {fmt(std)}")
        rows.append(row)
    return pd.DataFrame(rows)


def _section_comparison(data, images):
    result = data.compare
    params = result.config["params"]
    shown = {k: v for k, v in NumpyMLPClassifier(**params).get_params().items()
             if k in ("hidden_layer_sizes", "activation", "solver", "alpha", "batch_size", "learning_rate_init",
                      "max_iter", "tol", "n_iter_no_change") or k in params}
    return fill("section_comparison.html", params=escape(params_text(shown)),
                rest="MLPClassifier's defaults" if not params else "everything else at MLPClassifier's defaults",
                n_train=len(data.compare_split.y_train), n_test=len(data.compare_split.y_test),
                seeds=escape(", ".join(map(str, result.config["seeds"]))), table=html_table(_compare_table(result)),
                test=escape(result.test.describe()),
                figure_bars=figure_html(images, "compare_bars", "Test metrics of both models (macro averages over"
                                        " the digits)."),
                figure_time=figure_html(images, "compare_time", "Test accuracy against fit time, one dot per seed."))


def _section_architecture(data, images):
    result, best = data.architecture, data.architecture.best
    table = by_config(result.runs).reset_index().sort_values(["val_accuracy", "config"], ascending=[False, True])
    shown = table[["hidden_layer_sizes", "activation", "val_accuracy", "train_loss", "n_iter", "fit_seconds"]].copy()
    shown["n_iter"] = shown["n_iter"].round().astype(int)
    shown = readable(percent_columns(shown, ["val_accuracy"]))
    top = min(len(shown), 10)
    caption = (f"The {top} best of {len(shown)} configurations" if top < len(shown) else f"All {top} configurations")
    base = data.settings["architecture"]["params"]
    preset_note = ("" if data.quick else " The preset's full grid (depth 1–3, widths 16–256, five activations: 110"
                   " configurations) is <code>digitnet sweep --preset architecture</code>.")
    return fill("section_architecture.html", grid=escape(describe_grid(result)),
                max_iter=escape(str(result.params[0].get("max_iter", 200))),
                base=escape(" (" + params_text(base) + ")" if base else ""), refit_on=escape(best["refit_on"]),
                preset_note=preset_note,
                table=html_table(shown.head(top), digits=3, best_row=0, formats={"fit time (s)": "{:.1f}"},
                                 caption=caption + ", by validation accuracy"),
                best_layers=escape(best["hidden_layer_sizes"]), best_activation=escape(best["activation"]),
                best_val=pct(best["val_accuracy"]), best_test=pct(best["test_accuracy"]),
                best_f1=num(best["test_f1"], 3),
                figure=figure_html(images, "architecture", "Validation accuracy of every architecture: one panel per"
                                   " depth, one line per activation."))


def _learning_rate_table(lr):
    ends = curve_ends(lr)
    rows = []
    for _, r in lr.runs.iterrows():
        first, last, _ = ends.get(r["run_id"], (math.nan, math.nan, 0))
        rows.append({"learning rate": rate(r["learning_rate_init"]), "seed": r["seed"], "first loss": first,
                     "final loss": last, "epochs": r["n_iter"], "training accuracy": pct(r["train_accuracy"]),
                     "validation accuracy": pct(r["val_accuracy"]), "test accuracy": pct(r["test_accuracy"]),
                     **({"error": r["error"]} if "error" in lr.runs else {})})
    return pd.DataFrame(rows)


def _section_training(data, images):
    lr, ep = data.learning_rate, data.epochs
    ep_table = finished(ep.runs).groupby("max_iter")[["train_loss", "train_accuracy", "val_accuracy", "test_accuracy",
                                                      "fit_seconds"]].mean().reset_index()
    ep_table = percent_columns(ep_table, ["train_accuracy", "val_accuracy", "test_accuracy"])
    ep_table = readable(ep_table.rename(columns={"fit_seconds": "seconds to train this far"}))
    return fill(
        "section_training.html", n_train=len(data.split.y_train), lr_grid=escape(describe_grid(lr)),
        lr_settings=escape(params_text({k: v for k, v in lr.params[0].items() if k != "learning_rate_init"})),
        lr_table=html_table(_learning_rate_table(lr), digits=3),
        figure_lr_loss=figure_html(images, "learning_rate_loss", "Loss per epoch, one panel per learning rate"
                                   " (training solid, validation dashed; log scale)."),
        figure_lr_accuracy=figure_html(images, "learning_rate_accuracy", "Accuracy per epoch for every learning"
                                       " rate."),
        epochs_grid=escape(describe_grid(ep)),
        epochs_settings=escape(params_text({k: v for k, v in ep.params[0].items() if k != "max_iter"})),
        epochs_table=html_table(ep_table, digits=3, formats={"seconds to train this far": "{:.1f}"}),
        figure_epochs_loss=figure_html(images, "epochs_loss", "Loss per epoch; each marker is where a training"
                                       " budget ends."),
        figure_epochs_accuracy=figure_html(images, "epochs_accuracy", "Accuracy per epoch for each training budget."))


_ERROR_FIGURES = [
    ("errors_confusion", "Confusion matrix on the test set."),
    ("errors_pairs", "The most frequent mistakes."),
    ("errors_gallery", "Misclassified test digits, the most confident mistakes first."),
    ("errors_per_class", "Precision, recall and F1 of each digit."),
    ("errors_confidence", "Confidence of right and wrong predictions."),
    ("errors_weights", "What the first hidden layer learned: each unit's weights from the 64 pixels."),
]


def _section_errors(data, images):
    err = data.errors
    return fill("section_errors.html", name=escape(err.name), seed=err.seed,
                n_wrong=int((err.y_true != err.y_pred).sum()), n_test=len(err.y_true), accuracy=pct(err.accuracy),
                figures="\n".join(figure_html(images, name, caption) for name, caption in _ERROR_FIGURES))


def _section_conclusions(data):
    items = "\n".join(f"<li><b>{escape(topic)}.</b> {escape(text)}</li>" for topic, text in conclusions(data))
    note = " (quick mode: few seeds and epochs, so numbers are only indicative)" if data.quick else ""
    return fill("section_conclusions.html", quick_note=note, items=items)


def render_html(data, images, files=()):
    """The report page as a string.

    Parameters
    ----------
    data : ReportData
    images : dict of str -> bytes
        PNG bytes of each figure by name (see :func:`~digitnet.report.figures.make_figures`), embedded as data URIs.
    files : sequence of str
        Result files written next to the page (paths relative to it), listed at the end.

    Returns
    -------
    str
    """
    bodies = {
        "data": _section_data(data, images),
        "network": _section_network(data, images),
        "comparison": _section_comparison(data, images),
        "architecture": _section_architecture(data, images),
        "training": _section_training(data, images),
        "errors": _section_errors(data, images),
        "conclusions": _section_conclusions(data),
    }
    nav = "".join(f'<li><a href="#{key}">{escape(title)}</a></li>' for key, title in SECTIONS)
    sections = "\n".join(f'<section id="{key}">\n<h2>{escape(title)}</h2>\n{bodies[key]}\n</section>'
                         for key, title in SECTIONS)
    versions = package_versions()
    return fill("page.html", css=template("style.css"), nav=nav, sections=sections,
                mode=escape("in quick mode: few seeds and epochs" if data.quick else "full run"),
                written=escape(time.strftime("%Y-%m-%d %H:%M")), elapsed=f"{data.elapsed:.0f}",
                timing=", ".join(f"{escape(name)} {seconds:.1f} s" for name, seconds in data.timings.items()),
                versions=escape(", ".join(f"{k} {v}" for k, v in versions.items())),
                files="".join(f'<li><a href="{escape(f)}">{escape(f)}</a></li>' for f in files))
