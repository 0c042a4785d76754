"""A fair comparison with scikit-learn's MLPClassifier: same parameters, same split, paired by seed.

:func:`compare` fits ``NumpyMLPClassifier`` and ``MLPClassifier`` once per seed, alternating
between the two (fair timings), scores both on the test part (accuracy, macro precision, recall
and F1, fit time, epochs) and tests whether their accuracies differ (a paired t-test over seeds).

On two cores (``n_jobs=2``) each seed's two fits run at the same moment, one per core, so that both timings
of a pair see the same machine; every number but the fit times is the serial comparison's.
"""

from __future__ import annotations

import functools
import math
import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from ..data import Split, load_split
from ..errors import UsageError
from ..estimator import NumpyMLPClassifier
from ..progress import progress as progress_counter
from .analysis import paired_interval
from .chunks import cancellation_quiet, n_workers_of
from .params import DEFAULTS, OURS_ONLY, SKLEARN_CHOICES, check_params, resolve, seed_list
from .results import _read_csv, package_versions, read_results_json

#: The columns of every comparison run, and of its summary (mean and std over seeds of each).
COMPARE_METRICS = ("accuracy", "precision", "recall", "f1", "fit_seconds", "n_iter")


#: The metrics that count something (epochs): their means are printed as whole numbers where they are.
COUNTS = ("n_iter",)


def _spread(mean, std, metric, digits):
    """``mean ± std`` of one metric: to ``digits`` decimals, or for a count as :func:`_count` writes it."""
    if metric in COUNTS:
        return f"{_count(mean)} ± {_count(std)}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def _count(value):
    """A count's mean or spread: whole where it is (``200``, not ``200.0000``), else to one decimal (``187.5``)."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


@dataclass
class PairedTest:
    """A paired test over seeds of ``ours - sklearn`` for one metric.

    ``significant`` is ``pvalue < alpha``; ``ci_low`` and ``ci_high`` bound the mean difference
    (a 95% interval, Student's t); with fewer than 2 seeds there is no test (NaN). ``identical``:
    every seed gave both models exactly the same value (nothing for a test to weigh).
    """

    metric: str
    method: str
    statistic: float
    pvalue: float
    significant: bool
    mean_difference: float
    n: int
    alpha: float = 0.05
    ci_low: float = math.nan
    ci_high: float = math.nan
    identical: bool = False

    def describe(self) -> str:
        """One sentence, for humans."""
        if not np.isfinite(self.pvalue):
            return f"paired test on {self.metric}: needs at least 2 seeds (got {self.n})"
        if self.identical:
            return (
                f"{self.method} on {self.metric} over {self.n} seeds: every seed gave both models the same"
                f" {self.metric} (difference 0 each time), so there is no difference to test"
            )
        verdict = "significant" if self.significant else "not significant"
        return (
            f"{self.method} on {self.metric} over {self.n} seeds: mean difference (digitnet - sklearn)"
            f" {self.mean_difference:+.4f}, 95% interval [{self.ci_low:+.4f}, {self.ci_high:+.4f}],"
            f" t = {self.statistic:.3f}, p = {self.pvalue:.3g}: {verdict} at {self.alpha}"
        )


@dataclass
class CompareResult:
    """What :func:`compare` returns.

    Attributes
    ----------
    runs : DataFrame
        One row per model and seed: ``model`` (``"digitnet"`` or ``"sklearn"``),
        ``seed``, ``accuracy``, ``precision``, ``recall``, ``f1`` (macro averages
        on the test part), ``fit_seconds``, ``n_iter``.
    summary : DataFrame
        One row per model: ``<metric>_mean`` and ``<metric>_std`` (over seeds) of each metric.
    test : PairedTest
        Paired t-test of accuracy over seeds.
    confusion : dict or None
        ``model`` -> confusion matrix (n_classes, n_classes), rows = true class,
        summed over seeds (``per_class=True``).
    report : DataFrame or None
        Per-class precision, recall, f1 and support per model, mean over seeds (``per_class=True``).
    classes : ndarray
    config : dict
    elapsed : float
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    test: PairedTest
    confusion: dict | None
    report: pd.DataFrame | None
    classes: np.ndarray
    config: dict
    elapsed: float
    versions: dict = field(default_factory=package_versions)

    kind = "compare"

    def table(self, digits: int = 4) -> pd.DataFrame:
        """The side-by-side summary: one row per metric, one column per model, ``mean ± std`` (epochs, counted in
        whole numbers, as whole numbers where they are: ``200 ± 0``, else to one decimal)."""
        out = {}
        for model, row in self.summary.iterrows():
            out[model] = [_spread(row[f"{m}_mean"], row[f"{m}_std"], m, digits) for m in COMPARE_METRICS]
        return pd.DataFrame(out, index=list(COMPARE_METRICS))

    def files(self) -> dict[str, str]:
        """``compare.csv`` (one row per run), ``summary.csv`` (one row per model), ``report.csv`` (per class)."""
        files = {"compare.csv": self.runs.to_csv(index=False), "summary.csv": self.summary.to_csv(index_label="model")}
        if self.report is not None:
            files["report.csv"] = self.report.to_csv(index=False)
        return files

    def metadata(self) -> dict:
        """What ``results.json`` holds besides the configuration: the paired test, classes, confusion matrices."""
        return {"test": vars(self.test), "classes": self.classes, "confusion": self.confusion}


def _model(model_name, seed, params):
    if model_name == "sklearn":
        return MLPClassifier(**{k: v for k, v in params.items() if k not in OURS_ONLY}, random_state=seed)
    return NumpyMLPClassifier(**params, random_state=seed)


#: The settings this process has already fitted once, untimed (:func:`_warm_up`).
_WARMED = set()


def _warm_up(params, split):
    """Fit both models once on a few rows, untimed, the first time this process compares with these settings: the
    imports, the BLAS threads and digitnet's compiled kernels (loaded from numba's cache) are then ready before any
    fit is timed, in this process as in a worker process."""
    key = repr(sorted(params.items()))
    if key in _WARMED:
        return
    rows = min(len(split.y_train), 60)
    for name in ("digitnet", "sklearn"):
        model = _model(name, 0, {**resolve(params, rows), "max_iter": 1, "early_stopping": False})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(split.X_train[:rows], split.y_train[:rows])
    _WARMED.add(key)


def _compare_run(model_name, seed, params, split, blas_threads=None):
    """Fit one model (ours or scikit-learn's) and score it on the test part (BLAS on ``blas_threads`` threads, if
    given, in whichever process this runs)."""
    with threadpool_limits(blas_threads, "blas"):
        _warm_up(params, split)
        return _fit_and_score(_model(model_name, seed, resolve(params, len(split.y_train))), model_name, seed, split)


def _fit_and_score(model, model_name, seed, split):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(split.X_train, split.y_train)
        seconds = time.perf_counter() - start
    predicted = model.predict(split.X_test)
    precision, recall, f1, _ = precision_recall_fscore_support(
        split.y_test, predicted, average="macro", zero_division=0
    )
    return {
        "model": model_name,
        "seed": seed,
        "accuracy": float(accuracy_score(split.y_test, predicted)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "fit_seconds": seconds,
        "n_iter": int(model.n_iter_),
        "predicted": predicted,
    }


def _paired_test(ours, theirs, metric, alpha=0.05):
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    diff = ours - theirs
    n = len(diff)
    identical = bool(n >= 1 and np.all(diff == 0))
    if n < 2:
        return PairedTest(
            metric, "paired t-test", math.nan, math.nan, False, float(diff.mean()), n, alpha, identical=identical
        )
    low, high = paired_interval(diff)
    if np.all(diff == diff[0]):  # no spread: the t statistic is undefined (0/0) or infinite
        p = 1.0 if diff[0] == 0 else 0.0
        return PairedTest(
            metric,
            "paired t-test",
            0.0 if diff[0] == 0 else math.copysign(math.inf, diff[0]),
            p,
            p < alpha,
            float(diff.mean()),
            n,
            alpha,
            low,
            high,
            identical,
        )
    result = stats.ttest_rel(ours, theirs)
    p = float(result.pvalue)
    return PairedTest(
        metric, "paired t-test", float(result.statistic), p, p < alpha, float(diff.mean()), n, alpha, low, high
    )


def _per_class(records, split):
    """Confusion matrices (summed over seeds) and per-class precision, recall, F1 (mean over seeds) per model."""
    confusion, rows = {}, []
    support = np.array([np.sum(split.y_test == c) for c in split.classes])
    for model in ("digitnet", "sklearn"):
        mine = [r for r in records if r["model"] == model]
        confusion[model] = sum(confusion_matrix(split.y_test, r["predicted"], labels=split.classes) for r in mine)
        scores = np.mean(
            [
                precision_recall_fscore_support(split.y_test, r["predicted"], labels=split.classes, zero_division=0)[:3]
                for r in mine
            ],
            axis=0,
        )
        for i, c in enumerate(split.classes):
            rows.append(
                {
                    "model": model,
                    "class": c,
                    "precision": scores[0, i],
                    "recall": scores[1, i],
                    "f1": scores[2, i],
                    "support": int(support[i]),
                }
            )
    return confusion, pd.DataFrame(rows)


def summarize_comparison(runs: pd.DataFrame) -> tuple[pd.DataFrame, PairedTest]:
    """The per-model summary and the paired test of accuracy, from the comparison's runs.

    Parameters
    ----------
    runs : DataFrame
        One row per model and seed (see :class:`CompareResult`).

    Returns
    -------
    summary : DataFrame
        One row per model: ``n_runs``, then ``<metric>_mean`` and ``<metric>_std`` of each of :data:`COMPARE_METRICS`.
    test : PairedTest
        ``digitnet - sklearn`` accuracy, paired by seed.
    """
    grouped = runs.groupby("model", sort=False)[list(COMPARE_METRICS)]
    summary = pd.concat([grouped.mean().add_suffix("_mean"), grouped.std().add_suffix("_std")], axis=1)
    summary = summary[[f"{m}_{s}" for m in COMPARE_METRICS for s in ("mean", "std")]]
    summary.insert(0, "n_runs", grouped.size())
    ours = runs[runs.model == "digitnet"].sort_values("seed")
    theirs = runs[runs.model == "sklearn"].sort_values("seed")
    return summary, _paired_test(ours.accuracy, theirs.accuracy, "accuracy")


def compare(
    split: Split | None = None,
    *,
    seeds: int | Sequence[int] = 5,
    per_class: bool = False,
    n_jobs: int = 1,
    progress: bool = False,
    blas_threads: int | None = None,
    **model_params: Any,
) -> CompareResult:
    """Train ours and scikit-learn's MLPClassifier with the same parameters, over several seeds.

    Both get the same split and every shared parameter (architecture,
    activation, solver, batch size, epochs, alpha, ...); ``weight_init`` goes to
    ours only (its default, ``glorot``, is MLPClassifier's scheme). Seed ``s``
    is ``random_state=s`` for both, and both draw their initial weights, shuffles
    and early-stopping split from it in the same way: with the default
    ``weight_init`` the two fit the same model, and the comparison measures what
    differs (time, and the last bits of floating point).

    Parameters
    ----------
    split : Split, optional
        Default: ``load_split("digits")``.
    seeds : int or sequence of int, default=5
    per_class : bool, default=False
        Also compute per-class reports and confusion matrices.
    n_jobs : int, default=1
        Processes; -1 for every core. Never more are started than the cores this process may use, nor than the
        fits (two per seed). With 2 (or more) each seed's two fits run at the same moment, one per core, the next
        pair once both are done: the two fit times of a pair then share the machine's state (each has a core,
        both share the memory bus), and every result but the fit times is the serial comparison's. 1 fits one
        model at a time, alone on the machine.
    progress : bool, default=False
        Show progress (in fits) on stderr.
    blas_threads : int, optional
        BLAS threads of every fit, in this process and in the worker processes (default: the library's own).
    **model_params
        NumpyMLPClassifier parameters (``batch_size="full"`` allowed).

    Returns
    -------
    CompareResult
    """
    start = time.perf_counter()
    params = check_params(model_params)
    for name, choices in SKLEARN_CHOICES.items():
        if params.get(name, DEFAULTS[name]) not in choices:
            raise UsageError(
                f"MLPClassifier has no {name} {params[name]!r}; compare needs one both support: {', '.join(choices)}"
            )
    seeds = seed_list(seeds)
    split = load_split("digits") if split is None else split
    jobs = [(model, seed) for seed in seeds for model in ("digitnet", "sklearn")]  # interleaved: fair timings
    n_workers = n_workers_of(n_jobs, len(jobs))
    with progress_counter(len(jobs), "compare", unit="fit", enabled=progress) as bar, cancellation_quiet():
        records = []
        for record in _run_jobs(
            functools.partial(_compare_run, params=params, split=split, blas_threads=blas_threads), jobs, n_workers
        ):
            records.append(record)
            bar.update(1)
    runs = pd.DataFrame([{k: v for k, v in r.items() if k != "predicted"} for r in records])
    summary, test = summarize_comparison(runs)
    confusion, report = _per_class(records, split) if per_class else (None, None)
    config = {
        "params": params,
        "sklearn_params": {k: v for k, v in params.items() if k not in OURS_ONLY},
        "seeds": seeds,
        "per_class": per_class,
        "n_jobs": n_jobs,
        "split": split.describe(),
    }
    return CompareResult(
        runs=runs,
        summary=summary,
        test=test,
        confusion=confusion,
        report=report,
        classes=split.classes,
        config=config,
        elapsed=time.perf_counter() - start,
    )


def _run_jobs(run, jobs, n_workers):
    """``run(model, seed)`` of each of ``jobs`` ((model, seed), each seed's two in a row), in order: one at a time in
    this process, or each seed's two at once in two worker processes (one joblib pool, reused from pair to pair),
    the next pair once both are done."""
    if n_workers == 1:
        yield from (run(m, s) for m, s in jobs)
        return
    with Parallel(n_jobs=2) as parallel:
        for i in range(0, len(jobs), 2):
            yield from parallel(delayed(run)(m, s) for m, s in jobs[i : i + 2])


def load_compare(folder: str | os.PathLike[str]) -> CompareResult:
    """The :class:`CompareResult` that :func:`~digitnet.experiments.save_results` wrote to ``folder``."""
    from pathlib import Path

    folder = Path(folder)
    meta = read_results_json(folder)
    if meta["kind"] != "compare":
        raise UsageError(f"{folder} holds a {meta['kind']} result, not a comparison")
    test = {k: (math.nan if v is None else v) for k, v in meta["test"].items()}
    confusion = meta.get("confusion")
    report = _read_csv(folder / "report.csv") if (folder / "report.csv").exists() else None
    return CompareResult(
        runs=_read_csv(folder / "compare.csv"),
        summary=_read_csv(folder / "summary.csv", index_col="model"),
        test=PairedTest(**test),
        report=report,
        classes=np.asarray(meta.get("classes") or []),
        confusion=None if confusion is None else {k: np.asarray(v) for k, v in confusion.items()},
        config=meta["config"],
        elapsed=float(meta.get("elapsed_seconds") or 0.0),
        versions=meta.get("versions") or {},
    )
