"""A report folder's results read back: what ``digitnet report --from DIR`` rebuilds the page from, without training.

A report folder holds every study's result (``<study>/sweep.csv``, ``curves.json``,
``results.json``), the comparison's (``compare/``) and the baselines' (``baselines/``), the error
analysis's predictions and model (``errors/``), the page's model (``model.npz``) and ``report.json``
(:func:`report_record`): how the report was run, its gradient checks and timings.
:func:`load_report_data` reads them all into the :class:`~digitnet.report.studies.ReportData` that
:func:`~digitnet.report.build.build_report` would have made, each study read again by its own module,
so a template, a script or a conclusion can be changed and the page rebuilt in seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import load_dataset, load_split
from ..errors import UsageError
from ..experiments.baselines import load_baselines
from ..experiments.compare import load_compare
from ..experiments.params import without_label
from ..experiments.results import load_sweep
from ..files import check_regular_file
from ..jsonify import dumps
from ..model_file import load_model, parts
from ..studies import Settings, studies
from .studies import BASELINES, COMPARISON, STUDY_DTYPE, ErrorAnalysis, ReportData

#: The file of a report folder that says how the report was run.
RECORD = "report.json"
#: The error analysis's model (the carried-forward network and its scaler); ``model.npz`` is the page's.
ERRORS_MODEL = "errors/model.npz"


def report_record(data: ReportData) -> str:
    """``report.json``'s text: the mode and settings of the run, the gradient checks, the error analysis's seed,
    and the timings."""
    return (
        dumps(
            {
                "quick": data.quick,
                "settings": {k: vars(s) for k, s in data.settings.items()},
                "gradcheck": data.gradcheck,
                "errors": {"seed": data.errors.seed},
                "timings": data.timings,
                "elapsed_seconds": data.elapsed,
            },
            indent=2,
        )
        + "\n"
    )


def _errors(folder: Path, split, selecting, seed: int) -> ErrorAnalysis:
    """The error analysis as it was written: its predictions, and its model (the selected one)."""
    table = pd.read_csv(check_regular_file(folder / "errors" / "predictions.csv", "predictions file"))
    # a folder written before the page had the ladder's model: model.npz is the carried-forward network
    path = folder / ERRORS_MODEL if (folder / ERRORS_MODEL).exists() else folder / "model.npz"
    scaler, model = parts(load_model(path))
    if not hasattr(model, "coefs_"):
        raise UsageError(f"{folder} has no error analysis's model ({ERRORS_MODEL}): run digitnet report again")
    classes = model.classes_
    proba = table[[f"probability_{c}" for c in classes]].to_numpy()
    y_true, y_pred = table["true"].to_numpy(), table["predicted"].to_numpy()
    return ErrorAnalysis(
        model=model,
        params=without_label(selecting.best.params),
        seed=seed,
        y_true=y_true,
        y_pred=y_pred,
        proba=proba,
        images=split.images_test,
        classes=classes,
        accuracy=float(np.mean(y_pred == y_true)),
        scaler=scaler,
    )


def load_report_data(folder) -> ReportData:
    """The :class:`ReportData` of a report folder, read from its files (see the module docstring).

    Raises
    ------
    UsageError
        If a file is missing or is not what the report writes (one line naming it).
    """
    folder = Path(folder)
    try:
        record = json.loads(Path(check_regular_file(folder / RECORD, "report record")).read_text(encoding="utf-8"))
        settings = {k: Settings(**v) for k, v in record["settings"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"cannot read {folder / RECORD} (is {folder} a report folder?): {exc}") from None
    split = load_split("digits", validation_size=0.2, dtype=STUDY_DTYPE)
    outcomes = {}
    for study in studies():
        if not (folder / study.name).is_dir():
            raise UsageError(f"{folder} has no results of the {study.name} study: run digitnet report again")
        outcomes[study.name] = study.outcome(load_sweep(folder / study.name), split)
    if not (folder / BASELINES).is_dir():
        raise UsageError(
            f"{folder} has no baselines beside the comparison (an earlier digitnet wrote it): run digitnet report again"
        )
    selecting = next(o.result for o in outcomes.values() if o.study.select)
    return ReportData(
        quick=bool(record["quick"]),
        settings=settings,
        dataset=load_dataset("digits"),
        split=split,
        compare_split=load_split("digits"),
        compare=load_compare(folder / COMPARISON),
        baselines=load_baselines(folder / BASELINES),
        studies=outcomes,
        errors=_errors(folder, split, selecting, int(record["errors"]["seed"])),
        gradcheck={k: float(v) for k, v in record["gradcheck"].items()},
        timings=record.get("timings", {}),
        elapsed=float(record.get("elapsed_seconds") or 0.0),
    )
