"""Results of experiments as tables, and writing them to disk as CSV plus JSON.

Every experiment returns a result object (:class:`SweepResult` here,
:class:`~digitnet.experiments.compare.CompareResult` for the comparison) holding tidy pandas
tables and the exact configuration that made them. :func:`save_results` writes one to a folder:
its tables as CSV and a ``results.json`` with the configuration, seeds, package versions and
elapsed time, every file atomically.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field, fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any  # Any: a result with files() and metadata() (their modules import this one)

import pandas as pd

from ..errors import UsageError
from ..files import check_regular_file, prepare_out_dir, write_files
from ..jsonify import dumps, numbers
from .params import DEFAULTS, format_layers


def package_versions() -> dict[str, str]:
    """Versions of Python, the platform and every package a result depends on."""
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for package in ("digitnet", "numpy", "scipy", "scikit-learn", "pandas", "joblib"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = None
    return out


@dataclass(frozen=True)
class SweepConfig:
    """How a sweep ran: everything needed to reproduce its runs (``results.json``'s ``config``).

    Attributes
    ----------
    name : str or None
        The study (preset) it ran, or None.
    grid, base_params
        The grid (a dict of axes, or a list of labelled sub-grids) and the parameters every configuration shares.
    seeds : list of int
    cv : int or None
        Cross-validation folds of the development rows, or None for the split's validation part.
    folds_per_seed : bool
        Whether each seed drew its own folds (a replication of its own) or all shared one set.
    split : dict
        The split, described (:meth:`digitnet.data.Split.describe`).
    score_test : bool
        Whether every run was scored on the test part (a selecting study scores only its choice).
    n_configs, n_jobs, backend, scheduler
        How many configurations, and where they ran.
    n_runs, n_trainings, n_trained, n_found
        Runs and trainings in all, trained by this call, and found already in the results store.
    preset, description : str or None
        The study it ran, and its one-line description.
    store : str or None
        The results store its runs were committed to.
    """

    name: str | None
    grid: object
    base_params: dict
    seeds: list
    cv: int | None
    split: dict
    score_test: bool = True
    n_configs: int = 0
    folds_per_seed: bool = False
    n_jobs: int = 1
    backend: str = "serial"
    scheduler: str | None = None
    n_runs: int = 0
    n_trainings: int = 0
    n_trained: int = 0
    n_found: int = 0
    preset: str | None = None
    description: str | None = None
    store: str | None = None

    def to_json(self) -> dict:
        """A plain dict, as ``results.json`` and the results store keep it."""
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict) -> SweepConfig:
        """The inverse of :meth:`to_json` (keys a file of an older digitnet lacks take their defaults)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in value.items() if k in known})


@dataclass
class SweepResult:
    """What :func:`~digitnet.experiments.sweep` returns.

    Attributes
    ----------
    runs : DataFrame
        One row per run (configuration x seed): ``label`` (if the grid names
        configurations), each grid parameter (``hidden_layer_sizes`` as ``"64-32"``),
        ``seed``, ``run_id``, ``val_accuracy`` (with ``cv``: the mean over folds,
        and ``val_accuracy_std``, ``n_folds``), ``test_accuracy``, ``test_f1``,
        ``train_loss``, ``train_accuracy``, ``fit_seconds``, ``n_iter``, and
        ``error`` when a run failed.
    curves : dict
        ``run_id`` -> ``{"loss": [...], "accuracy": [...], "val_loss": [...],
        "val_accuracy": [...]}``, one value per epoch (with ``cv``: the mean over
        the folds still training at that epoch).
    params : list of dict
        The full estimator parameters of each configuration (``runs.config`` indexes it).
    config : SweepConfig
        Grid, base parameters, seeds, cv, split, preset: all that is needed to reproduce the runs.
    elapsed : float
        Seconds the sweep took.
    best : Selection or None
        For a selecting study (``architecture``): the chosen configuration,
        its validation accuracy and its single test-set check.
    stored : list of StoredRun
        Its runs as the results store (``config.store``) holds them, for a summary ranked as
        ``digitnet results`` ranks (:func:`~digitnet.experiments.summary.summarize`); empty without
        a store; not written to disk (the store has them).
    models : dict
        Fitted models a study kept from its :meth:`~digitnet.studies.Study.measure` (the ladder's top rung), for
        its reading; not written to disk (a result read back has none).
    """

    runs: pd.DataFrame
    curves: dict
    params: list
    config: SweepConfig
    elapsed: float
    best: object = None  # a Selection (digitnet.experiments.selection)
    extra: dict = field(default_factory=dict)  # what a study measured besides its runs (its measure()), JSON-ready
    versions: dict = field(default_factory=package_versions)
    stored: list = field(default_factory=list, repr=False)
    models: dict = field(default_factory=dict, repr=False)

    kind = "sweep"

    def files(self) -> dict[str, str]:
        """``sweep.csv`` (one row per run) and ``curves.json`` (run_id -> per-epoch lists)."""
        return {"sweep.csv": self.runs.to_csv(index=False), "curves.json": dumps(self.curves) + "\n"}

    @property
    def n_val(self) -> int:
        """How many digits each validation accuracy was measured on (with ``cv``: one fold's size)."""
        split = self.config.split or {}
        n_val = int(split.get("n_val") or 0)
        if n_val == 0 and self.config.cv:
            n_val = int(split.get("n_train", 0)) // int(self.config.cv)
        return max(n_val, 1)

    def metadata(self) -> dict:
        """What ``results.json`` holds besides the configuration: every configuration's parameters, the best."""
        return {
            "configurations": self.params,
            "best": None if self.best is None else self.best.to_json(),
            "extra": self.extra,
        }


def save_results(result: Any, out_dir: str | os.PathLike[str]) -> list[str]:
    """Write a result to ``out_dir`` as CSV plus JSON, atomically.

    - sweep: ``sweep.csv`` (one row per run), ``curves.json`` (run_id -> per-epoch
      lists) and ``results.json``;
    - compare: ``compare.csv`` (one row per run), ``summary.csv`` (one row per
      model), ``report.csv`` (per class, with ``per_class``) and ``results.json``.

    ``results.json`` holds the exact configuration, seeds, package versions,
    elapsed seconds, and (sweep) the full parameters of each configuration and
    the selected best, or (compare) the paired test and confusion matrices.

    Returns
    -------
    list of str
        The paths written.
    """
    out_dir = prepare_out_dir(out_dir)
    config = result.config.to_json() if hasattr(result.config, "to_json") else result.config
    meta = {
        "kind": result.kind,
        "config": config,
        "elapsed_seconds": result.elapsed,
        "versions": result.versions,
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **result.metadata(),
    }
    files = {**result.files(), "results.json": dumps(meta, indent=2) + "\n"}
    return write_files(out_dir, files)


def read_results_json(folder: str | os.PathLike[str]) -> dict:
    """A result folder's ``results.json``, checked to be one (a UsageError saying what is missing or wrong)."""
    path = check_regular_file(Path(folder) / "results.json", "results file")
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    if not isinstance(meta, dict) or "kind" not in meta or "config" not in meta:
        raise UsageError(f"{path} is not a digitnet results file (no kind or config)")
    return meta


def _read_csv(path, **options):
    try:
        return pd.read_csv(check_regular_file(path, "results table"), **options)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def load_sweep(folder: str | os.PathLike[str]) -> SweepResult:
    """The :class:`SweepResult` that :func:`save_results` wrote to ``folder``, the same tables and types.

    The grid's columns of ``sweep.csv`` are taken from the configurations in ``results.json`` (a
    batch size of 1 stays the integer 1 beside ``"full"``), the rest from the CSV.
    """
    from .selection import Selection

    folder = Path(folder)
    meta = read_results_json(folder)
    if meta["kind"] != "sweep":
        raise UsageError(f"{folder} holds a {meta['kind']} result, not a sweep")
    params = [{k: _number_back(k, v) for k, v in p.items()} for p in meta.get("configurations") or []]
    runs = _read_csv(folder / "sweep.csv", keep_default_na=False, na_values=[""])
    for key in [k for k in runs.columns if params and k in params[0]]:
        values = [params[c].get(key) for c in runs["config"]]
        runs[key] = [format_layers(v) for v in values] if key == "hidden_layer_sizes" else values
    if "error" in runs:
        runs["error"] = runs["error"].fillna("").astype(str)
    if "diverged_at" in runs:
        runs["diverged_at"] = runs["diverged_at"].astype("Int64")
    try:
        curves = json.loads((folder / "curves.json").read_text(encoding="utf-8"))
        curves = {run_id: {key: numbers(values) for key, values in curve.items()} for run_id, curve in curves.items()}
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise UsageError(f"cannot read {folder / 'curves.json'}: {exc}") from None
    best = Selection.from_json(meta["best"]) if meta.get("best") else None
    return SweepResult(
        runs=runs,
        curves=curves,
        params=params,
        config=SweepConfig.from_json(meta["config"]),
        elapsed=float(meta.get("elapsed_seconds") or 0.0),
        best=best,
        extra=meta.get("extra") or {},
        versions=meta.get("versions") or {},
    )


def _number_back(name, value):
    """A parameter as JSON wrote it, as the estimator takes it: ``"inf"`` is infinity for a numeric parameter (a
    label or a word stays as it is)."""
    if (
        value in ("inf", "-inf")
        and isinstance(DEFAULTS.get(name), (int, float))
        and not isinstance(DEFAULTS.get(name), bool)
    ):
        return float(value)
    return value
