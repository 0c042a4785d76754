"""The report's "Training parameters" section: one subsection per study of that section (template ``study.html``).

Each subsection says what the study asks, with which grid and settings, shows its table of
readings and its figures, leaves a place for its interactive twin, and ends with its conclusion:
all of it from the study's own module (:mod:`digitnet.studies`).
"""

from __future__ import annotations

from ..experiments.params import seed_list
from ..studies.claims import sentence
from ..words import rate
from .html import describe_grid, escape, figure_html, fill, html_table, params_text


def shared_settings(outcome):
    """The parameters every configuration of the study shares (those it varies, and the label, left out)."""
    varied = (*outcome.study.varied, "label")
    return params_text({k: v for k, v in outcome.result.params[0].items() if k not in varied})


def replications(result):
    """How many independent replications a study ran: its seeds, each with its own folds when it cross-validates."""
    config = result.config
    n = len(seed_list(config.seeds))
    folds = f", each with its own {config.cv} folds of the development rows" if config.cv else ""
    return f"{n} seed{'s' if n != 1 else ''}{folds}"


def margin_text(study):
    """What counts as a difference, in words."""
    if not study.margin:
        return ""
    size = f"{100 * study.margin:g} points" if study.margin < 1 else f"{study.margin:g}"
    return f"Two values closer than {size} are not told apart."


def claims_html(outcome):
    """The study's claims as a list: each sentence, marked supported (every replication says it) or uncertain."""
    claims = outcome.study.claims(outcome.reading)
    if not claims:
        return ""
    items = "".join(
        f'<li class="{"supported" if c.supported else "uncertain"}">'
        f"{'✓' if c.supported else '?'} {escape(sentence(c, fmt=_value))}</li>"
        for c in claims
    )
    return (
        f'<details class="claims"><summary>What it claims ({sum(c.supported for c in claims)} of {len(claims)}'
        f" supported: both halves of the seeds and 95% of resamples of them say it)</summary><ul>{items}</ul>"
        "</details>"
    )


def _value(value):
    return rate(value) if isinstance(value, float) else str(value)


def study_section(outcome, images):
    """One study's subsection, as HTML."""
    study, reading = outcome.study, outcome.reading
    table = study.table(reading)
    return fill(
        "study.html",
        anchor=study.name,
        title=escape(study.title),
        what=escape(study.question),
        grid=escape(describe_grid(outcome.result)),
        settings=escape(shared_settings(outcome)),
        metric=escape(study.metric),
        replications=escape(replications(outcome.result)),
        margin=escape(margin_text(study)),
        table="" if table is None else html_table(table, digits=4),
        figures="\n".join(figure_html(images, key, caption) for key, caption in study.captions),
        conclusion=escape(study.conclusion(reading)),
        claims=claims_html(outcome),
    )


def section_training(data, images):
    """The section's HTML: the subsection of every study shown under "Training parameters"."""
    training = [o for o in data.studies.values() if o.study.section == "training"]
    body = "\n".join(study_section(o, images) for o in training)
    first = training[0].result
    return fill(
        "section_training.html",
        seeds=len(seed_list(first.config.seeds)),
        n_dev=f"{len(data.split.y_train) + len(data.split.y_val):,}",
        subsections=body,
    )
