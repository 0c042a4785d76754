"""What the report runs: the settings of every study, running them, and the error analysis.

:func:`study_settings` says what each study runs (quick or full), :func:`run_studies` runs them
all and returns a :class:`ReportData`, and :func:`error_analysis` refits the selected
architecture and predicts the test set. The notebook runs the same functions with the same
settings, so its numbers agree with the report's.
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from ..data import load_dataset, load_split
from ..errors import UsageError
from ..estimator import NumpyMLPClassifier
from ..experiments import compare, run_preset
from ..experiments.analysis import activation_spread
from ..experiments.params import (
    DEFAULTS, MAX_SEEDS, format_layers, hidden_layers, resolve, seed_list, without_label,
)
from ..nn.activations import HIDDEN_ACTIVATIONS
from ..nn.gradcheck import gradient_check

#: The architectures of the full report: a reduced version of the ``architecture`` preset's grid
#: (110 configurations, several minutes), still covering depth 1-3, widths 32-128 and the three classic activations.
REPORT_ARCHITECTURES = [(32,), (64,), (128,), (64, 32), (128, 64), (128, 64, 32)]
REPORT_ACTIVATIONS = ["logistic", "tanh", "relu"]
#: The preset studies of the report, in page order.
PRESET_STUDIES = ("original-to-ours", "architecture", "learning-rate", "epochs", "batch-size", "optimizer", "momentum",
                  "regularization", "initialization")
#: The floating-point type of the studies' arithmetic (the comparison with MLPClassifier runs in float64):
#: the same conclusions as float64 (benchmarks/float32_conclusions.py), in about half the time.
STUDY_DTYPE = np.float32

_FULL = {
    "compare": {"seeds": 10},
    "architecture": {"grid": {"hidden_layer_sizes": list(REPORT_ARCHITECTURES), "activation": list(REPORT_ACTIVATIONS)}},
}
#: Quick mode: fewer seeds, epochs and grid points; the whole report in well under a minute.
_QUICK = {
    "compare": {"seeds": 3, "params": {"max_iter": 20}},
    "original-to-ours": {"grid": {"max_iter": [80]}},
    "architecture": {"grid": {"hidden_layer_sizes": [(32,), (64,), (64, 32)], "activation": ["tanh", "relu"]},
                     "params": {"max_iter": 20}},
    "learning-rate": {"params": {"max_iter": 150}},
    "epochs": {"grid": {"max_iter": [10, 20, 40]}},
    "batch-size": {"grid": {"batch_size": [1, 32, "full"]}, "params": {"max_iter": 4}},
    "optimizer": {"params": {"max_iter": 25}},
    "momentum": {"params": {"max_iter": 80}},
    "regularization": {"grid": {"alpha": [0.0, 0.01, 1.0, 10.0, 100.0]}, "params": {"max_iter": 30}},
    "initialization": {"params": {"max_iter": 150}},
}


def study_settings(quick=False, seeds=None):
    """The settings of every study, for the report and the notebook alike.

    Parameters
    ----------
    quick : bool
        Few seeds and epochs: the whole report in well under a minute (numbers
        are then illustrative, not converged).
    seeds : int, optional
        Use this many seeds (0..N-1) in every study instead of the defaults
        (full: 10 for the comparison, 3 for each preset; quick: 3 and 2).

    Returns
    -------
    dict
        ``study -> {"seeds": int, "grid": dict or None, "params": dict}``; ``grid``
        replaces axes of the preset's grid and ``params`` its shared parameters
        (see :func:`digitnet.experiments.run_preset`); for ``compare``, ``params``
        are the model parameters of both models.
    """
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer))):
        raise UsageError(f"the number of seeds must be an integer from 1 to {MAX_SEEDS:,}, got {seeds!r}")
    if seeds is not None:
        seed_list(int(seeds))  # the same check, and line, as every other study's
    changes = _QUICK if quick else _FULL
    settings = {}
    for study in ("compare", *PRESET_STUDIES):
        default = {"seeds": 2 if quick else 3, "grid": None, "params": {}}
        settings[study] = {**default, **changes.get(study, {})}
        if seeds is not None:
            settings[study]["seeds"] = int(seeds)
    return settings


@dataclass
class ErrorAnalysis:
    """A fitted model's predictions on the test set, for the error-analysis figures.

    Attributes
    ----------
    model : NumpyMLPClassifier
        Fitted on the split's training rows (validation curves in ``history_``).
    params : dict
        Its parameters (the selected configuration).
    seed : int
    y_true, y_pred : ndarray of shape (n_test,)
    proba : ndarray of shape (n_test, n_classes)
    images : ndarray of shape (n_test, 8, 8) or None
        The unscaled test images.
    classes : ndarray
    accuracy : float
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

    @property
    def name(self):
        """The selected configuration in words, e.g. ``"64-32 relu"``."""
        return f"{format_layers(hidden_layers(self.params))} {self.params.get('activation', DEFAULTS['activation'])}"


def error_analysis(architecture, split, seed=None):
    """Refit the configuration the architecture study selected, and predict the test set.

    The model is the one the study scored on the test set for ``seed``: the same
    parameters, seed and training rows, so its accuracy is that run's ``test_accuracy``.

    Parameters
    ----------
    architecture : SweepResult
        From ``run_preset("architecture", split, ...)``, with ``best`` set.
    split : Split
        The split the study ran on (with a validation part).
    seed : int, optional
        Default: the study's first seed.

    Returns
    -------
    ErrorAnalysis
    """
    if architecture.best is None:
        raise UsageError("error analysis needs a selecting sweep (the architecture preset); this one chose nothing")
    params = without_label(architecture.best["params"])
    seed = architecture.config["seeds"][0] if seed is None else seed
    model = NumpyMLPClassifier(**resolve(params, len(split.y_train)), random_state=seed)
    validation = {} if split.X_val is None else {"X_val": split.X_val, "y_val": split.y_val}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(split.X_train, split.y_train, **validation)
    proba = model.predict_proba(split.X_test)
    y_pred = model.classes_[proba.argmax(axis=1)]
    return ErrorAnalysis(model=model, params=params, seed=seed, y_true=np.asarray(split.y_test), y_pred=y_pred,
                         proba=proba, images=split.images_test, classes=model.classes_,
                         accuracy=float(np.mean(y_pred == split.y_test)))


@dataclass
class ReportData:
    """Everything the report shows: the results of each study and how they were run.

    ``studies`` maps each name of :data:`PRESET_STUDIES` to its SweepResult (``architecture``'s
    with ``best`` set); ``spreads`` holds each initialization's activation spread at the start
    (see :func:`digitnet.experiments.analysis.activation_spread`).
    """

    quick: bool
    settings: dict
    dataset: object            # digitnet.data.Dataset
    split: object              # the split of the presets (train / validation / test)
    compare_split: object      # the split of the comparison (train / test)
    compare: object            # CompareResult
    studies: dict              # name -> SweepResult
    spreads: dict              # (weight_init, activation) -> spread of each hidden layer
    errors: ErrorAnalysis
    gradcheck: dict            # activation -> largest error of a parameter array
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
            print(f"digitnet report [{self.done}/{self.total}] {what}: done in {seconds:.1f} s", file=sys.stderr,
                  flush=True)
        return value


def compare_one_blas_thread(split, *, seeds=5, params=None, per_class=True):
    """:func:`digitnet.experiments.compare` with BLAS limited to one thread for both models.

    digitnet already runs its small matrix products on one thread
    (``digitnet.nn._fast.blas_threads``), which is fastest for them; MLPClassifier uses
    every BLAS thread, which on a busy machine can make it several times slower
    for reasons that have nothing to do with either implementation. With the
    same single thread for both, fit times compare the code.

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
        return compare(split, seeds=seeds, per_class=per_class, n_jobs=1, **(params or {}))


def _gradient_checks():
    return {a: gradient_check(a, hidden_layer_sizes=(5, 4), alpha=0.01) for a in HIDDEN_ACTIVATIONS}


def initialization_spreads(split, hidden=(32, 32, 32), seed=0):
    """The activation spread of each hidden layer at the start, for each initialization and activation."""
    return {(init, activation): activation_spread(split.X_train, {"hidden_layer_sizes": hidden,
                                                                  "activation": activation, "weight_init": init}, seed)
            for init in ("small_normal", "glorot", "he") for activation in ("logistic", "relu")}


#: Steps of :func:`run_studies`, for its progress lines.
N_STEPS = 4 + len(PRESET_STUDIES)


def run_studies(*, quick=False, seeds=None, n_jobs=2, progress=True, steps=None):
    """Run the comparison, every preset study, the error analysis and the gradient check.

    Parameters
    ----------
    quick : bool
    seeds : int, optional
        See :func:`study_settings`.
    n_jobs : int, default=2
        Processes for the sweeps (the comparison stays in this process: its fit times are a result).
    progress : bool
        One line per step on stderr, and the sweeps' progress.

    Returns
    -------
    ReportData
    """
    settings = study_settings(quick, seeds)
    steps = steps or Steps(N_STEPS, progress)
    start = time.perf_counter()
    dataset = steps.run("data", "loading the digits", lambda: load_dataset("digits"))
    split = load_split("digits", validation_size=0.2, dtype=STUDY_DTYPE)
    compare_split = load_split("digits")
    gradcheck = steps.run("gradcheck", "checking gradients by finite differences", _gradient_checks)
    comparison = steps.run("compare", f"comparing with MLPClassifier ({settings['compare']['seeds']} seeds)",
                           lambda: compare_one_blas_thread(compare_split, seeds=settings["compare"]["seeds"],
                                                           params=settings["compare"]["params"]))
    studies = {}
    for name in PRESET_STUDIES:
        s = settings[name]
        studies[name] = steps.run(name, f"{name} study ({s['seeds']} seeds)", lambda: run_preset(
            name, split, seeds=s["seeds"], n_jobs=n_jobs, progress=progress, grid=s["grid"], params=s["params"]))
    errors = steps.run("errors", "error analysis of the selected architecture",
                       lambda: error_analysis(studies["architecture"], split))
    return ReportData(quick=quick, settings=settings, dataset=dataset, split=split, compare_split=compare_split,
                      compare=comparison, studies=studies, spreads=initialization_spreads(split), errors=errors,
                      gradcheck=gradcheck, timings=steps.timings, elapsed=time.perf_counter() - start)
