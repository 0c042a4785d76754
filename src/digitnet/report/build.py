"""``digitnet report``: run every study and write the report folder; or rebuild its page from the results in it.

:func:`build_report` checks the output folder, runs the studies (:mod:`~digitnet.report.studies`),
writes every study's result tables, draws and saves every figure, and writes ``index.html``
(:mod:`~digitnet.report.sections`), every file to a temporary name first. :func:`rebuild_report`
reads a report folder's results back (:mod:`~digitnet.report.saved`) and draws the figures and
the page again, without training.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ..errors import UsageError
from ..experiments import save_results
from ..experiments.chunks import check_n_jobs
from ..files import atomic_write, prepare_out_dir
from ..model_file import load_model, save_model
from ..plots.saving import save_picture
from ..studies.claims import write_claims
from .figures import make_figures
from .page_data import pad_of, page_model
from .saved import ERRORS_MODEL, RECORD, load_report_data, report_record
from .sections import render_html
from .studies import BASELINES, COMPARISON, Steps, n_steps, run_studies, study_settings

#: Resolution of the PNG figures (the page scales them to its width).
REPORT_DPI = 110


def _write_predictions(errors, path):
    table = pd.DataFrame({"true": errors.y_true, "predicted": errors.y_pred})
    for i, c in enumerate(errors.classes):
        table[f"probability_{c}"] = errors.proba[:, i]
    text = table.to_csv(index=False, float_format="%.6g")
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def build_report(out_dir, *, quick=False, seeds=None, n_jobs=2, progress=True):
    """Run every study and write the report to ``out_dir``.

    Writes ``index.html`` (self-contained: figures embedded as data URIs), each
    figure as ``<name>.png``, each study's results in a folder of its own
    (``compare/``, ``baselines/`` and one per preset study, named after it: CSV tables plus ``results.json``,
    by :func:`digitnet.experiments.save_results`)
    ``errors/predictions.csv``, ``errors/model.npz`` (the model the architecture study carried forward, with its
    scaler) and ``model.npz`` (what the page's drawing pad runs: the accuracy ladder's top rung trained for drawn
    digits, :mod:`~digitnet.report.pad_model`, or else the carried-forward one; :func:`~digitnet.report.page_data.page_model`). Every file is written to a temporary name and renamed into place.

    Parameters
    ----------
    out_dir : str or Path
        Created if needed.
    quick : bool, default=False
        Few seeds and epochs (see :func:`study_settings`): a smoke run in well under a minute.
    seeds : int, optional
        Seeds per study, instead of the defaults.
    n_jobs : int, default=2
        Processes for the sweeps (-1: every core; never more than the cores this process may use).
    progress : bool, default=True
        One line per step (and the sweeps' progress bars) on stderr.

    Returns
    -------
    Path
        The path of ``index.html``.

    Raises
    ------
    UsageError
        If ``out_dir`` cannot be written (checked before any training), ``seeds`` is not a positive integer or
        ``n_jobs`` is 0.
    """
    study_settings(quick, seeds)  # bad seeds or n_jobs: fail before any work
    check_n_jobs(n_jobs)
    out = Path(prepare_out_dir(out_dir))
    steps = Steps(n_steps() + 2, progress)  # the studies, then writing the results and drawing the figures
    data = run_studies(quick=quick, seeds=seeds, n_jobs=n_jobs, progress=progress, steps=steps)

    def write_results():
        save_results(data.compare, out / COMPARISON)
        save_results(data.baselines, out / BASELINES)
        for name, outcome in data.studies.items():
            save_results(outcome.result, out / name)
            write_claims(outcome.study.claims(outcome.reading), out / name)
        prepare_out_dir(out / "errors")  # also removes what a killed run left there
        _write_predictions(data.errors, out / "errors" / "predictions.csv")

    try:
        steps.run("results", "writing result tables", write_results)
        extra = {
            "dataset": data.split.name,
            "target": data.split.target_name,
            "split": data.split.describe(),
            "trained_on": "development rows (training + validation)",
        }
        save_model(
            page_model(data.errors),
            out / ERRORS_MODEL,
            feature_names=data.split.feature_names,
            extra={**extra, "scaling": data.errors.scaling},
        )
        pad = page_model(data.errors, pad_of(data))
        save_model(
            pad,
            out / "model.npz",
            feature_names=data.split.feature_names,
            extra={**extra, "scaling": getattr(pad, "scaling", data.errors.scaling)},
        )
        index = _write_page(data, out, steps, progress)
        atomic_write(out / RECORD, lambda f: f.write(report_record(data).encode("utf-8")))  # the timings complete
        return index
    except OSError as exc:
        raise UsageError(f"cannot write the report to {out}: {exc.strerror or exc}") from None


def _result_files(out):
    """Every result file of a report folder (not its figures or page), relative to it, sorted."""
    return sorted(str(p.relative_to(out)) for p in out.glob("*/*") if p.suffix in (".csv", ".json") and p.is_file())


def _write_page(data, out, steps, progress, timed=True):
    """Draw and save every figure, then write ``index.html`` (the page runs the folder's ``model.npz``); ``timed``:
    the page states the time every step took, these included (a rebuilt page states the original run's)."""

    def write_figures():  # each also drawn for a phone (plots.saving.save_picture), which the page embeds
        return {
            name: save_picture(fig, out / f"{name}.png", dpi=REPORT_DPI) for name, fig in make_figures(data).items()
        }

    images = steps.run("figures", "drawing figures", write_figures)
    if timed:
        data.elapsed = sum(steps.timings.values())
    files = _result_files(out) + [f"{name}.png" for name in images] + ["model.npz"]
    page = render_html(data, images, files, model=load_model(out / "model.npz"))
    index = out / "index.html"
    atomic_write(index, lambda f: f.write(page.encode("utf-8")))
    if progress:
        print(f"digitnet report: wrote {index} in {data.elapsed:.0f} s", file=sys.stderr, flush=True)
    return index


def rebuild_report(folder, *, progress=True):
    """Draw the figures and write ``index.html`` again from a report folder's saved results, without training.

    Parameters
    ----------
    folder : str or Path
        A folder :func:`build_report` wrote.

    Returns
    -------
    Path
        The path of ``index.html``.

    Raises
    ------
    UsageError
        If the folder is not a report folder, or cannot be written.
    """
    out = Path(prepare_out_dir(folder))
    data = load_report_data(out)
    try:
        return _write_page(data, out, Steps(1, progress), progress, timed=False)
    except OSError as exc:
        raise UsageError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
