"""What the report runs: the settings of every study, running them, and the error analysis.

:func:`study_settings` says what each study runs (quick or full), :func:`run_studies` runs them
all (every registered study, :mod:`digitnet.studies`) and returns a :class:`ReportData`,
:func:`error_analysis` refits the model the architecture study carried forward and predicts the test
set, and :func:`run_baselines` puts that model, refitted with the comparison's seeds, beside
MLPClassifier's defaults and the tuned baselines (:mod:`digitnet.experiments.baselines`).
The notebook runs the same functions with the same settings, so its numbers agree with the report's.
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from ..data import STANDARD, load_dataset, load_split, scaler_for
from ..errors import UsageError
from ..estimator import NumpyMLPClassifier
from ..experiments import compare
from ..experiments.baselines import baselines
from ..experiments.params import (
    DEFAULTS,
    MAX_SEEDS,
    data_param,
    format_layers,
    hidden_layers,
    resolve,
    seed_list,
    without_label,
)
from ..nn.activations import HIDDEN_ACTIVATIONS
from ..nn.gradcheck import gradient_check
from ..studies import Settings, run_preset, studies
from .pad_model import fit_pad_model

#: The floating-point type of the studies' arithmetic (the comparison with MLPClassifier runs in float64):
#: the same conclusions as float64 (benchmarks/float32_conclusions.py), in about half the time.
STUDY_DTYPE = np.float32
#: The comparison with MLPClassifier: 10 seeds (quick: 3, and 20 epochs).
COMPARE = Settings(seeds=10)
COMPARE_QUICK = Settings(seeds=3, params={"max_iter": 20})
#: The name of the comparison among the report's steps and settings.
COMPARISON = "compare"
#: The folder of the baselines beside the carried-forward model (the comparison's seeds).
BASELINES = "baselines"


def study_settings(quick=False, seeds=None):
    """The settings of every study, for the report and the notebook alike.

    Parameters
    ----------
    quick : bool
        Few seeds and epochs: the whole report in well under a minute (numbers
        are then illustrative, not converged).
    seeds : int or sequence of int, optional
        Use this many seeds (0..N-1), or these seeds, in every study instead of the defaults
        (full: 10 for the comparison, 3 for each study; quick: 3 and 2).

    Returns
    -------
    dict of str -> Settings
        ``"compare"`` and every registered study's name, in page order (see :class:`~digitnet.studies.Settings`;
        for ``compare``, ``params`` are the model parameters of both models).
    """
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer, tuple, list))):
        raise UsageError(f"the number of seeds must be an integer from 1 to {MAX_SEEDS:,}, got {seeds!r}")
    if seeds is not None:  # the same check, and line, as every other study's
        seeds = int(seeds) if isinstance(seeds, (int, np.integer)) else tuple(seed_list(seeds))
        seed_list(seeds)
    settings = {COMPARISON: (COMPARE_QUICK if quick else COMPARE).with_seeds(seeds)}
    for study in studies():
        settings[study.name] = study.settings(quick).with_seeds(seeds)
    return settings


@dataclass
class ErrorAnalysis:
    """A fitted model's predictions on the test set, for the error-analysis figures.

    Attributes
    ----------
    model : NumpyMLPClassifier
        The configuration the architecture study carried forward, fitted on all the development rows.
    params : dict
        Its parameters (``scaling`` among them, if the configuration set it).
    seed : int
    y_true, y_pred : ndarray of shape (n_test,)
    proba : ndarray of shape (n_test, n_classes)
    images : ndarray of shape (n_test, 8, 8) or None
        The unscaled test images.
    classes : ndarray
    accuracy : float
    scaler : StandardScaler or None
        What turns raw pixels into the model's inputs (fitted on the development rows; a
        :class:`~digitnet.data.MaxScaler` for ``scaling="max"``): with ``model``, what ``model.npz`` holds.
    """

    model: object
    params: dict
    seed: int
    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray
    images: np.ndarray | None
    classes: np.ndarray
    accuracy: float
    scaler: object = None

    @property
    def scaling(self):
        """How its inputs are scaled: ``"standard"`` or ``"max"``."""
        return data_param(self.params, "scaling")

    @property
    def name(self):
        """The selected configuration in words, e.g. ``"64-32 relu (max)"``."""
        return (
            f"{format_layers(hidden_layers(self.params))} {self.params.get('activation', DEFAULTS['activation'])}"
            f" ({self.scaling})"
        )


def error_analysis(architecture, split, seed=None):
    """Refit the configuration the architecture study carried forward, and predict the test set.

    The model is the one the study scored on the test set for ``seed``: the same parameters and
    seed, fitted on the same rows (all the development rows, scaled on them as the configuration
    says), so its accuracy is that run's ``test_accuracy``.

    Parameters
    ----------
    architecture : SweepResult
        Of a selecting study (``run_preset("architecture", split, ...)``), with ``best`` set.
    split : Split
        The split the study ran on.
    seed : int, optional
        Default: the study's first seed.

    Returns
    -------
    ErrorAnalysis
    """
    if architecture.best is None:
        raise UsageError("error analysis needs a selecting sweep (the architecture preset); this one chose nothing")
    params = without_label(architecture.best.params)
    seed = architecture.config.seeds[0] if seed is None else seed
    dev = split.dev_split()
    scaling = data_param(params, "scaling")
    X, _, X_test = dev.scaled(scaling)
    scaler = dev.scaler if scaling == STANDARD else scaler_for(scaling).fit(dev.X_train_raw)
    model = NumpyMLPClassifier(**resolve(params, len(dev.y_train)), random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, dev.y_train)
    proba = model.predict_proba(X_test)
    y_pred = model.classes_[proba.argmax(axis=1)]
    return ErrorAnalysis(
        model=model,
        params=params,
        seed=seed,
        y_true=np.asarray(split.y_test),
        y_pred=y_pred,
        proba=proba,
        images=split.images_test,
        classes=model.classes_,
        accuracy=float(np.mean(y_pred == split.y_test)),
        scaler=scaler,
    )


@dataclass
class ReportData:
    """Everything the report shows: the results of each study and how they were run.

    ``studies`` maps each registered study's name to its :class:`~digitnet.studies.Outcome` (its
    sweep's result and its reading), in page order.
    """

    quick: bool
    settings: dict
    dataset: object  # digitnet.data.Dataset
    split: object  # the split of the presets (train / validation / test)
    compare_split: object  # the split of the comparison (train / test)
    compare: object  # CompareResult
    studies: dict  # name -> Outcome
    errors: ErrorAnalysis
    gradcheck: dict  # activation -> largest error of a parameter array
    baselines: object = None  # BaselinesResult: the carried-forward network beside MLPClassifier and the baselines
    pad: object = None  # the draw pad's DigitsClassifier (report/pad_model.py); None when read back from a folder
    timings: dict = field(default_factory=dict)  # step -> seconds
    elapsed: float = 0.0


class Steps:
    """One line per step on stderr: ``digitnet report [3/8] epochs study ... done in 41.2 s``."""

    def __init__(self, total, enabled):
        self.total, self.enabled, self.done, self.timings = total, enabled, 0, {}

    def run(self, name, what, function):
        self.done += 1
        if self.enabled:
            print(f"digitnet report [{self.done}/{self.total}] {what} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        value = function()
        self.timings[name] = seconds = time.perf_counter() - start
        if self.enabled:
            print(
                f"digitnet report [{self.done}/{self.total}] {what}: done in {seconds:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        return value


def compare_one_blas_thread(split, *, seeds=5, params=None, per_class=True, n_jobs=2):
    """:func:`digitnet.experiments.compare` with BLAS limited to one thread for both models, on two cores.

    digitnet already runs its small matrix products on one thread
    (``digitnet.nn._fast.blas_threads``), which is fastest for them; MLPClassifier uses
    every BLAS thread, which on a busy machine can make it several times slower
    for reasons that have nothing to do with either implementation. With the
    same single thread for both, fit times compare the code. With ``n_jobs=2`` each seed's two fits run at
    the same moment, one per core (:func:`~digitnet.experiments.compare`): the two times of a pair see the same
    machine, and the comparison takes half as long.

    Parameters
    ----------
    split : Split
    seeds : int or sequence of int
    params : dict, optional
        Model parameters for both (default: MLPClassifier's defaults).
    per_class : bool

    Returns
    -------
    CompareResult
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return compare(split, seeds=seeds, per_class=per_class, n_jobs=n_jobs, blas_threads=1, **(params or {}))


def _gradient_checks():
    return {a: gradient_check(a, hidden_layer_sizes=(5, 4), alpha=0.01) for a in HIDDEN_ACTIVATIONS}


def n_steps():
    """Steps of :func:`run_studies`, for its progress lines: data, gradcheck, comparison, each study, errors,
    baselines, the pad's model."""
    return 6 + len(studies())


def carried_forward(outcome) -> dict:
    """The parameters of the model a selecting study carried forward, as its ``chosen`` claim gives them (every
    estimator parameter, and ``scaling``)."""
    return dict(next(c for c in outcome.study.claims(outcome.reading) if c.kind == "chosen").params)


def run_baselines(selecting, compare_split, comparison, seeds, n_jobs=2):
    """The carried-forward model refitted with ``seeds`` on the comparison's split, beside MLPClassifier's
    defaults (the comparison's own fits) and the tuned baselines (:func:`digitnet.experiments.baselines.baselines`).
    """
    return baselines(
        compare_split, chosen=carried_forward(selecting), seeds=seeds, compare_result=comparison, n_jobs=n_jobs
    )


def run_studies(*, quick=False, seeds=None, n_jobs=2, progress=True, steps=None):
    """Run the comparison, every preset study, the error analysis, the baselines and the gradient check.

    Parameters
    ----------
    quick : bool
    seeds : int, optional
        See :func:`study_settings`.
    n_jobs : int, default=2
        Processes for the sweeps, and for the comparison (each seed's two fits at once: see
        :func:`compare_one_blas_thread`).
    progress : bool
        One line per step on stderr, and the sweeps' progress.

    Returns
    -------
    ReportData
    """
    settings = study_settings(quick, seeds)
    steps = steps or Steps(n_steps(), progress)
    start = time.perf_counter()
    dataset = steps.run("data", "loading the digits", lambda: load_dataset("digits"))
    split = load_split("digits", validation_size=0.2, dtype=STUDY_DTYPE)
    compare_split = load_split("digits")
    gradcheck = steps.run("gradcheck", "checking gradients by finite differences", _gradient_checks)
    c = settings[COMPARISON]
    comparison = steps.run(
        COMPARISON,
        f"comparing with MLPClassifier ({c.seeds} seeds)",
        lambda: compare_one_blas_thread(compare_split, seeds=c.seeds, params=dict(c.params), n_jobs=n_jobs),
    )
    outcomes = {}
    for study in studies():
        s = settings[study.name]
        result = steps.run(
            study.name,
            f"{study.name} study ({len(seed_list(s.seeds))} seeds)",
            lambda: run_preset(
                study, split, seeds=s.seeds, n_jobs=n_jobs, progress=progress, grid=s.grid, params=dict(s.params)
            ),
        )
        outcomes[study.name] = study.outcome(result, split)
    selecting = next(o for o in outcomes.values() if o.study.select)
    errors = steps.run(
        "errors", "error analysis of the carried-forward model", lambda: error_analysis(selecting.result, split)
    )
    others = steps.run(
        BASELINES,
        f"the carried-forward model ({c.seeds} seeds) beside the baselines",
        lambda: run_baselines(selecting, compare_split, comparison, c.seeds, n_jobs),
    )
    pad = steps.run(
        "pad",
        "the draw pad's model (the ladder's top rung, for drawn digits)",
        lambda: fit_pad_model(compare_split, quick),
    )
    return ReportData(
        quick=quick,
        settings=settings,
        dataset=dataset,
        split=split,
        compare_split=compare_split,
        compare=comparison,
        studies=outcomes,
        errors=errors,
        gradcheck=gradcheck,
        baselines=others,
        pad=pad,
        timings=steps.timings,
        elapsed=time.perf_counter() - start,
    )
