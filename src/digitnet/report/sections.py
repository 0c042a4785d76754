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
from ..nn.gradcheck import TOLERANCE as GRADCHECK_TOLERANCE
from ..words import num, pct, points
from .conclusions import conclusions, trust_conclusion
from .html import (
    describe_grid, escape, figure_html, fill, html_table, params_text, percent_columns, readable, script, template,
)
from .page_data import page_data, page_model, script_json
from .training_sections import section_training

#: The page's sections, in order: (anchor id, heading). Training parameters has a subsection per study.
SECTIONS = [
    ("data", "Data"),
    ("play", "Play: draw a digit, train a network"),
    ("network", "The network"),
    ("comparison", "Comparison with scikit-learn's MLPClassifier"),
    ("architecture", "Architecture"),
    ("training", "Training parameters"),
    ("errors", "Error analysis"),
    ("trust", "How far to trust these numbers"),
    ("conclusions", "Conclusions"),
]


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
    grad = pd.DataFrame({"activation": list(data.gradcheck), "largest error of a W or b": list(data.gradcheck.values())})
    worst = max(data.gradcheck.values())
    verdict = ("Every activation passes." if worst < GRADCHECK_TOLERANCE else
               "Some activation is above the threshold: its gradient is wrong.")
    outcome = _section_study(data, "network")
    study, reading = outcome.study, outcome.reading
    settings = [f"<li><b>{escape(label)}</b>: {escape(params_text(p) if p else 'unchanged in this run')}</li>"
                for label, p in reading.steps]
    table = study.table(reading)
    return fill("section_network.html", layers=escape(" → ".join(map(str, layers))),
                n_parameters=f"{n_parameters(layers):,}", activation=escape(model.activation),
                tolerance=f"{GRADCHECK_TOLERANCE:g}", worst=f"{worst:.1e}", verdict=verdict,
                gradcheck_table=html_table(grad, formats={"largest error of a W or b": "{:.1e}"}),
                question=escape(study.question), settings="".join(settings),
                seed_table="" if table is None else html_table(table),
                figures="\n".join(figure_html(images, key, caption) for key, caption in study.captions),
                conclusion=escape(study.conclusion(reading)))


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
    test = result.test
    plain = ("" if not np.isfinite(test.pvalue) else
             "In plain words: from the same seed the two fitted the same model." if test.identical else
             f"In plain words: with {test.n} seeds the difference in accuracy is {points(test.mean_difference)},"
             f" and the 95% interval, {points(test.ci_low)} to {points(test.ci_high)}, "
             + ("does not contain 0: the difference is real." if test.significant else
                "contains 0: the two models cannot be told apart."))
    return fill("section_comparison.html", params=escape(params_text(shown)),
                rest="MLPClassifier's defaults" if not params else "everything else at MLPClassifier's defaults",
                n_train=len(data.compare_split.y_train), n_test=len(data.compare_split.y_test),
                seeds=escape(", ".join(map(str, result.config["seeds"]))), table=html_table(_compare_table(result)),
                test=escape(test.describe()), plain=escape(plain),
                figure_bars=figure_html(images, "compare_bars", "Test metrics of both models (macro averages over"
                                        " the digits)."),
                figure_time=figure_html(images, "compare_time", "Test accuracy against fit time, one dot per seed."))


def _section_study(data, section):
    """The outcome of the study shown in a section of its own (the first, if several)."""
    return next(o for o in data.studies.values() if o.study.section == section)


def _section_architecture(data, images):
    outcome = _section_study(data, "architecture")
    result, best = outcome.result, outcome.reading.selection
    tied = set(best.tied)
    table = outcome.reading.configs.reset_index()
    table["se"] = [best.standing(c).std_error if best.standing(c) else math.nan for c in table["config"]]
    table["tied"] = ["chosen" if c == best.config else "≈ best" if c in tied else "" for c in table["config"]]
    table = table.sort_values(["val_accuracy", "config"], ascending=[False, True])
    shown = table[["hidden_layer_sizes", "activation", "val_accuracy", "se", "tied", "train_loss", "n_iter",
                   "fit_seconds"]].copy()
    shown["n_iter"] = shown["n_iter"].round().astype(int)
    shown["se"] = [f"± {100 * v:.1f}" if np.isfinite(v) else "" for v in shown["se"]]
    shown = readable(percent_columns(shown, ["val_accuracy"])).rename(
        columns={"se": "std error (points)", "tied": "cannot be told apart"})
    top = min(len(shown), 12)
    caption = (f"The {top} best of {len(shown)} configurations" if top < len(shown) else f"All {top} configurations")
    base = dict(data.settings[outcome.study.name].params)
    n_val = len(data.split.y_val)
    row_of = {c: r for c, r in zip(table["config"], table.itertuples())}
    top_row = row_of[best.best_config]
    preset_note = ("" if data.quick else " The preset's full grid (depth 1–3, widths 16–256, five activations: 110"
                   " configurations) is <code>digitnet sweep --preset architecture</code>.")
    return fill("section_architecture.html", grid=escape(describe_grid(result)),
                max_iter=escape(str(result.params[0].get("max_iter", 200))),
                base=escape(" (" + params_text(base) + ")" if base else ""), n_val=n_val,
                one_image=f"{100 / n_val:.2f}", rule=escape(best.rule), refit_on=escape(best.refit_on),
                preset_note=preset_note,
                table=html_table(shown.head(top), digits=3, best_row=0, formats={"fit time (s)": "{:.1f}"},
                                 caption=caption + ", by mean validation accuracy"),
                top_name=escape(f"{top_row.hidden_layer_sizes} {top_row.activation}"),
                top_val=pct(best.best_val_accuracy), n_tied=len(tied),
                best_layers=escape(best.hidden_layer_sizes), best_activation=escape(best.activation),
                best_weights=f"{best.n_weights:,}", best_val=pct(best.val_accuracy),
                best_test=pct(best.test_accuracy), best_f1=num(best.test_f1, 3),
                figure="\n".join(figure_html(images, key, caption) for key, caption in outcome.study.captions))


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


def _section_trust(data):
    return fill("section_trust.html", text=escape(trust_conclusion(data.errors.accuracy, len(data.errors.y_true))))


def _section_conclusions(data):
    items = "\n".join(f"<li><b>{escape(topic)}.</b> {escape(text)}</li>" for topic, text in conclusions(data))
    note = " (quick mode: few seeds and epochs, so numbers are only indicative)" if data.quick else ""
    return fill("section_conclusions.html", quick_note=note, items=items)


def _section_play(data, model):
    return fill("section_play.html", model_name=escape(data.errors.name), n_train=len(data.split.y_train),
                n_val=len(data.split.y_val))


def render_html(data, images, files=(), model=None):
    """The report page as a string.

    Parameters
    ----------
    data : ReportData
    images : dict of str -> bytes
        PNG bytes of each figure by name (see :func:`~digitnet.report.figures.make_figures`), embedded as data URIs.
    files : sequence of str
        Result files written next to the page (paths relative to it), listed at the end.
    model : Pipeline, optional
        The page's model, as read back from the ``model.npz`` written next to it (default:
        :func:`~digitnet.report.page_data.page_model`, not written anywhere).

    Returns
    -------
    str
    """
    bodies = {
        "data": _section_data(data, images),
        "play": _section_play(data, model),
        "network": _section_network(data, images),
        "comparison": _section_comparison(data, images),
        "architecture": _section_architecture(data, images),
        "training": section_training(data, images),
        "errors": _section_errors(data, images),
        "trust": _section_trust(data),
        "conclusions": _section_conclusions(data),
    }
    nav = "".join(f'<li><a href="#{key}">{escape(title)}</a></li>' for key, title in SECTIONS)
    sections = "\n".join(f'<section id="{key}">\n<h2>{escape(title)}</h2>\n{bodies[key]}\n</section>'
                         for key, title in SECTIONS)
    versions = package_versions()
    model = page_model(data.errors, data.split) if model is None else model
    return fill("page.html", css=template("style.css"), nav=nav, sections=sections,
                page_data=script_json(page_data(data, model, versions["digitnet"])), script=script(),
                mode=escape("in quick mode: few seeds and epochs" if data.quick else "full run"),
                written=escape(time.strftime("%Y-%m-%d %H:%M")), elapsed=f"{data.elapsed:.0f}",
                timing=", ".join(f"{escape(name)} {seconds:.1f} s" for name, seconds in data.timings.items()),
                versions=escape(", ".join(f"{k} {v}" for k, v in versions.items())),
                files="".join(f'<li><a href="{escape(f)}">{escape(f)}</a></li>' for f in files))
