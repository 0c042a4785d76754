"""The report page: one function per section fills that section's template from the results.

:data:`SECTIONS` lists the sections in page order; :func:`render_html` assembles the page.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ..estimator import NumpyMLPClassifier
from ..experiments import package_versions
from ..jsonify import dumps
from ..nn.gradcheck import TOLERANCE as GRADCHECK_TOLERANCE
from ..nn.network import n_parameters
from ..plots import LABELS
from ..studies.claims import sentence
from ..words import num, pct, points
from .conclusions import baselines_conclusion, conclusions, trust_conclusion
from .html import (
    describe_grid,
    escape,
    figure_html,
    fill,
    html_table,
    page_scripts,
    params_text,
    template,
)
from .page_data import pad_of, page_data, page_model, page_model_name, script_json
from .training_sections import section_training

#: The page's sections, in order: (anchor id, heading). Training parameters has a subsection per study.
SECTIONS = [
    ("data", "Data"),
    ("play", "Play: draw a digit, train a network"),
    ("network", "The network"),
    ("comparison", "Comparison with MLPClassifier and the baselines"),
    ("architecture", "Architecture"),
    ("training", "Training parameters"),
    ("errors", "Error analysis"),
    ("trust", "How far to trust these numbers"),
    ("conclusions", "Conclusions"),
]


def _section_data(data, images):
    d, split = data.dataset, data.split
    classes, counts = np.unique(d.y, return_counts=True)
    parts = {
        name: np.unique(y, return_counts=True)[1]
        for name, y in (("training", split.y_train), ("validation", split.y_val), ("test", split.y_test))
    }
    table = pd.DataFrame(
        {
            "digit": [str(c) for c in classes],
            "all rows": counts,
            **{f"{name} rows": values for name, values in parts.items()},
        }
    )
    total = pd.DataFrame(
        {
            "digit": ["all"],
            "all rows": [counts.sum()],
            **{f"{name} rows": [values.sum()] for name, values in parts.items()},
        }
    )
    return fill(
        "section_data.html",
        n_images=len(d.y),
        height=d.images.shape[1],
        width=d.images.shape[2],
        max_value=int(d.X.max()),
        n_features=d.X.shape[1],
        n_classes=len(classes),
        classes=escape(", ".join(str(c) for c in classes)),
        table=html_table(pd.concat([table, total], ignore_index=True)),
        figure_samples=figure_html(
            images, "data_samples", "Sample images: the first images of each digit in the dataset.", narrow=True
        ),
    )


def _section_network(data, images):
    model = NumpyMLPClassifier(**data.compare.config["params"])
    layers = [data.split.X_train.shape[1], *model.get_params()["hidden_layer_sizes"], len(data.split.classes)]
    grad = pd.DataFrame(
        {"activation": list(data.gradcheck), "largest error of a W or b": list(data.gradcheck.values())}
    )
    worst = max(data.gradcheck.values())
    verdict = (
        "Every activation passes."
        if worst < GRADCHECK_TOLERANCE
        else "Some activation is above the threshold: its gradient is wrong."
    )
    outcome = _section_study(data, "network")
    study, reading = outcome.study, outcome.reading
    settings = [
        f"<li><b>{escape(label)}</b>: {escape(params_text(p) if p else 'unchanged in this run')}</li>"
        for label, p in reading.steps
    ]
    table = study.table(reading)
    return fill(
        "section_network.html",
        layers=escape(" → ".join(map(str, layers))),
        n_parameters=f"{n_parameters(layers):,}",
        activation=escape(model.activation),
        tolerance=f"{GRADCHECK_TOLERANCE:g}",
        worst=f"{worst:.1e}",
        verdict=verdict,
        gradcheck_table=html_table(grad, formats={"largest error of a W or b": "{:.1e}"}),
        question=escape(study.question),
        settings="".join(settings),
        seed_table="" if table is None else html_table(table),
        figures="\n".join(figure_html(images, key, caption) for key, caption in study.captions),
        conclusion=escape(study.conclusion(reading)),
    )


def _compare_table(result):
    """The comparison summary, one row per metric: mean ± std over seeds of each model, in readable units."""
    rows = []
    units = [
        ("accuracy", "test accuracy", pct),
        ("precision", "test precision (macro)", pct),
        ("recall", "test recall (macro)", pct),
        ("f1", "test F1 (macro)", pct),
        ("fit_seconds", "fit time", lambda v: f"{num(v)} s"),
        ("n_iter", "epochs", lambda v: num(v, 0)),
    ]
    for metric, name, fmt in units:
        row = {"metric": name}
        for model, values in result.summary.iterrows():
            mean, std = values[f"{metric}_mean"], values[f"{metric}_std"]
            row[f"{LABELS.get(model, model)} (mean ± std)"] = fmt(mean) + (
                "" if not np.isfinite(std) else f" ± {fmt(std)}"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def baselines_table(result, short=False):
    """Every model of the comparison, one row each: its test accuracy (mean ± std over the seeds, or its one
    score), Wilson's 95% interval on the test digits and, unless ``short``, how it was tuned or set and its fit
    time."""
    rows = []
    for m in result.models:
        low, high = m.interval
        row = {
            "model": m.name,
            "settings": m.settings,
            "test accuracy": f"{pct(m.mean)} ± {100 * m.std:.1f}"
            if m.stochastic and np.isfinite(m.std)
            else pct(m.mean),
            "seeds": str(len(m.seeds)) if m.stochastic else "one fit",
            "95% interval (Wilson)": f"{pct(low)} to {pct(high)}",
        }
        if not short:
            row["cross-validated accuracy"] = pct(m.cv_accuracy) if np.isfinite(m.cv_accuracy) else ""
            row["fit time"] = f"{num(m.fit_seconds)} s"
        rows.append(row)
    return pd.DataFrame(rows)


def _section_comparison(data, images):
    result = data.compare
    params = result.config["params"]
    shown = {
        k: v
        for k, v in NumpyMLPClassifier(**params).get_params().items()
        if k
        in (
            "hidden_layer_sizes",
            "activation",
            "solver",
            "alpha",
            "batch_size",
            "learning_rate_init",
            "max_iter",
            "tol",
            "n_iter_no_change",
        )
        or k in params
    }
    test = result.test
    plain = (
        ""
        if not np.isfinite(test.pvalue)
        else "In plain words: from the same seed the two fitted the same model."
        if test.identical
        else f"In plain words: with {test.n} seeds the difference in accuracy is {points(test.mean_difference)},"
        f" and the 95% interval, {points(test.ci_low)} to {points(test.ci_high)}, "
        + (
            "does not contain 0: the difference is real."
            if test.significant
            else "contains 0: the two models cannot be told apart."
        )
    )
    others = data.baselines
    return fill(
        "section_comparison.html",
        params=escape(params_text(shown)),
        rest="MLPClassifier's defaults" if not params else "everything else at MLPClassifier's defaults",
        n_train=len(data.compare_split.y_train),
        n_test=len(data.compare_split.y_test),
        seeds=escape(", ".join(map(str, result.config["seeds"]))),
        table=html_table(_compare_table(result)),
        folds=others.config.get("folds", "") if others else "",
        baselines_table=html_table(baselines_table(others), caption="Every model on the same test digits")
        if others
        else "",
        headline=escape(baselines_conclusion(others)) if others else "",
        figure_baselines=figure_html(
            images,
            "compare_baselines",
            "Test accuracy of every model: the networks' seeds and mean, each model's Wilson 95% interval.",
        ),
        test=escape(test.describe()),
        plain=escape(plain),
        figure_bars=figure_html(
            images, "compare_bars", "Test metrics of both models (macro averages over the digits)."
        ),
        figure_time=figure_html(images, "compare_time", "Test accuracy against fit time, one dot per seed."),
    )


def _section_study(data, section):
    """The outcome of the study shown in a section of its own (the first, if several)."""
    return next(o for o in data.studies.values() if o.study.section == section)


def _claims_list(claims):
    """The study's claims as list items, each marked supported or not."""
    return "".join(f"<li>{'supported' if c.supported else 'not supported'}: {escape(sentence(c))}</li>" for c in claims)


def _chosen_words(reading):
    """Whether other seeds would carry the same configuration forward, from the chosen claim."""
    chosen = next(c for c in reading.claims if c.kind == "chosen")
    share = f"{100 * (chosen.agreement or 0):.0f}% of resamples of the seeds"
    return (
        f"other seeds would carry it forward too ({share})"
        if chosen.supported
        else f"another set of seeds may carry forward another configuration (it has the highest mean in {share})"
    )


def _section_architecture(data, images):
    outcome = _section_study(data, "architecture")
    study, reading, result = outcome.study, outcome.reading, outcome.result
    best, configs = reading.selection, reading.configs
    n_seeds, n_dev = len(result.config.seeds), int(result.config.split.get("n_train", 0))
    n_dev += int(result.config.split.get("n_val", 0))
    base = dict(data.settings[study.name].params)
    simplest = configs.loc[reading.simplest]
    chosen = next(c for c in reading.claims if c.kind == "chosen")
    others = data.baselines
    return fill(
        "section_architecture.html",
        question=escape(study.question),
        grid=escape(describe_grid(result)),
        max_iter=escape(str(result.params[0].get("max_iter", 200))),
        base=escape(" (" + params_text(base) + ")" if base else ""),
        max_value=f"{data.dataset.X.max():g}" if data.dataset.X is not None else "16",
        metric=escape(study.metric),
        cv=result.config.cv or "",
        n_dev=n_dev,
        one_image=f"{100 / max(n_dev, 1):.2f}",
        margin=f"{100 * study.margin:.1f}",
        table=html_table(
            study.table(reading),
            digits=4,
            caption=f"Every configuration, by mean {study.metric} (± its standard error over"
            f" the {n_seeds} seeds, in points)",
        ),
        chosen=escape(reading.name(best.config)),
        chosen_weights=f"{best.n_weights:,}",
        chosen_val=pct(best.val_accuracy),
        replicates=escape(_chosen_words(reading)),
        refit_on=escape(best.refit_on),
        chosen_test=pct(best.test_accuracy),
        chosen_f1=num(best.test_f1, 3),
        over=escape(f"mean over the {n_seeds} seeds" if n_seeds > 1 else "one seed"),
        simplest=escape(reading.name(reading.simplest)),
        simplest_weights=f"{int(simplest['n_weights']):,}",
        simplest_val=pct(simplest["val_accuracy"]),
        params=escape(dumps(chosen.params)),
        figure="\n".join(figure_html(images, key, caption) for key, caption in study.captions),
        baselines=html_table(
            baselines_table(others, short=True),
            caption="Beside the baselines, on the same test digits (see the comparison)",
        )
        if others
        else "",
        conclusion=escape(study.conclusion(reading)),
        claims=_claims_list(study.claims(reading)),
    )


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
    return fill(
        "section_errors.html",
        name=escape(err.name),
        seed=err.seed,
        n_wrong=int((err.y_true != err.y_pred).sum()),
        n_test=len(err.y_true),
        accuracy=pct(err.accuracy),
        figures="\n".join(figure_html(images, name, caption) for name, caption in _ERROR_FIGURES),
    )


def _section_trust(data):
    return fill("section_trust.html", text=escape(trust_conclusion(data.errors.accuracy, len(data.errors.y_true))))


def _section_conclusions(data):
    items = "\n".join(f"<li><b>{escape(topic)}.</b> {escape(text)}</li>" for topic, text in conclusions(data))
    note = " (quick mode: few seeds and epochs, so numbers are only indicative)" if data.quick else ""
    return fill("section_conclusions.html", quick_note=note, items=items)


def _section_play(data, model):
    tta = getattr(model, "tta", 0)
    note = (
        f" The page does not run its test-time augmentation ({tta} jittered copies of the drawing), which"
        " <code>digitnet predict</code> does."
        if tta
        else ""
    )
    return fill(
        "section_play.html",
        model_name=escape(page_model_name(model, data.errors)),
        tta_note=note,
        n_train=len(data.split.y_train),
        n_val=len(data.split.y_val),
    )


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
        :func:`~digitnet.report.page_data.page_model` of the ladder's best model, not written anywhere).

    Returns
    -------
    str
    """
    model = page_model(data.errors, pad_of(data)) if model is None else model
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
    sections = "\n".join(
        f'<section id="{key}">\n<h2>{escape(title)}</h2>\n{bodies[key]}\n</section>' for key, title in SECTIONS
    )
    versions = package_versions()
    import_map, entry = page_scripts()
    return fill(
        "page.html",
        css=template("style.css"),
        nav=nav,
        sections=sections,
        page_data=script_json(page_data(data, model, versions["digitnet"])),
        import_map=import_map,
        script=entry,
        mode=escape("in quick mode: few seeds and epochs" if data.quick else "full run"),
        written=escape(time.strftime("%Y-%m-%d %H:%M")),
        elapsed=f"{data.elapsed:.0f}",
        timing=", ".join(f"{escape(name)} {seconds:.1f} s" for name, seconds in data.timings.items()),
        versions=escape(", ".join(f"{k} {v}" for k, v in versions.items())),
        files="".join(f'<li><a href="{escape(f)}">{escape(f)}</a></li>' for f in files),
    )
