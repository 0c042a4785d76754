"""The report's "Training parameters" section: one subsection per study of that section (template ``study.html``).

Each subsection says what the study asks, with which grid and settings, shows its table of
readings and its figures, leaves a place for its interactive twin, and ends with its conclusion:
all of it from the study's own module (:mod:`digitnet.studies`).
"""

from __future__ import annotations

from .html import describe_grid, escape, figure_html, fill, html_table, params_text


def shared_settings(outcome):
    """The parameters every configuration of the study shares (those it varies, and the label, left out)."""
    varied = (*outcome.study.varied, "label")
    return params_text({k: v for k, v in outcome.result.params[0].items() if k not in varied})


def study_section(outcome, images):
    """One study's subsection, as HTML."""
    study, reading = outcome.study, outcome.reading
    table = study.table(reading)
    return fill("study.html", anchor=study.name, title=escape(study.title), what=escape(study.question),
                grid=escape(describe_grid(outcome.result)), settings=escape(shared_settings(outcome)),
                table="" if table is None else html_table(table, digits=4),
                figures="\n".join(figure_html(images, key, caption) for key, caption in study.captions),
                conclusion=escape(study.conclusion(reading)))


def section_training(data, images):
    """The section's HTML: the subsection of every study shown under "Training parameters"."""
    training = [o for o in data.studies.values() if o.study.section == "training"]
    body = "\n".join(study_section(o, images) for o in training)
    first = training[0].result
    return fill("section_training.html", seeds=len(first.config["seeds"]), n_val=len(data.split.y_val),
                n_train=len(data.split.y_train), subsections=body)
