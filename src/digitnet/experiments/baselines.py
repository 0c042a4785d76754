"""Baselines beside the network: on the same split, with the same intervals.

How good is 98% on Digits? :func:`baselines` puts the network the architecture study carried
forward beside MLPClassifier's defaults and three classic models, all trained on the same
development rows (the standard split's 80%) and scored on the same 360 test digits:

- the carried-forward network, refitted with every seed (its parameters and input scaling as the
  study's ``chosen`` claim gives them), and MLPClassifier's defaults (the comparison's own fits):
  stochastic, so their test accuracy is given as mean ± std over the seeds;
- logistic regression, k-nearest neighbours and an RBF support-vector classifier, each tuned by
  :class:`~sklearn.model_selection.GridSearchCV` with stratified folds of the development rows
  only (the scaler inside the pipeline, fitted on each fold's training rows), refitted on all of
  them, and only then scored on the test rows, once: deterministic, one number each.

Every model also gets Wilson's 95% interval for its (mean) accuracy on the test digits
(:func:`~digitnet.experiments.analysis.accuracy_interval`): the uncertainty that comes from
having only 360 of them, whatever the seeds.

The grids (:data:`GRIDS`), and why: logistic regression's L2 strength ``C`` from strong (0.01) to
weak (3), on standardised pixels (lbfgs converges in a few dozen iterations there; on pixels/16
with a weak penalty it needs thousands); k-nearest neighbours' k from 1 to 7, equal or
distance weights, on either scaling (a distance on standardised pixels weighs the nearly blank
border pixels as much as the strokes); the SVC's ``C`` from 0.3 to 10 and ``gamma`` three values
a factor of about 3 apart from scikit-learn's ``"scale"`` up (1 / (64 × the inputs' variance), about
0.1), on pixels/16 only: an RBF kernel is a function of the distance between two images, which
standardising distorts as it does for k-nearest neighbours (a first, wider search on both
scalings found the best standardised SVC, 98.3% cross-validated, a point below the best on
pixels/16, 99.2%, at twice the cost). A best value at the edge of its grid is reported as such
(:attr:`Baseline.at_edge`).
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from ..data import MAX, SCALINGS, STANDARD, MaxScaler, scaler_for
from ..errors import UsageError
from ..estimator import NumpyMLPClassifier
from ..jsonify import dumps
from .analysis import accuracy_interval
from .chunks import cancellation_quiet, n_workers_of
from .params import DATA_PARAMS, DEFAULTS, format_layers, resolve, seed_list
from .results import _read_csv, package_versions, read_results_json

if TYPE_CHECKING:
    from ..data import Split
    from .compare import CompareResult

#: Stratified folds of the development rows that tune each baseline (GridSearchCV's default number).
FOLDS = 5
#: The seed of those folds (the same folds for every baseline).
FOLDS_SEED = 0
#: Each baseline: its name, its estimator, and the grid GridSearchCV searches (``scaling`` chooses the pipeline's
#: scaler). See the module docstring for why these values.
GRIDS = {
    "logistic regression": (
        lambda: LogisticRegression(max_iter=5000),
        [{"scaling": [STANDARD], "C": [0.01, 0.03, 0.1, 0.3, 1.0, 3.0]}],
    ),
    "k-nearest neighbours": (
        KNeighborsClassifier,
        [{"scaling": [STANDARD, MAX], "n_neighbors": [1, 3, 5, 7], "weights": ["uniform", "distance"]}],
    ),
    "RBF SVC": (SVC, [{"scaling": [MAX], "C": [0.3, 1.0, 3.0, 10.0], "gamma": [0.1, 0.3, 1.0]}]),
}
#: Baselines at fixed settings, fitted once on the development rows (no tuning: a study that puts its models beside
#: them at little cost): the RBF SVC on raw pixels at the C and gamma a wider search found best (gamma 3e-4 on
#: pixels 0..16 is 0.077 on pixels / 16, between the tuned grid's 0.1 and its neighbours), one nearest neighbour on
#: raw pixels, and logistic regression at scikit-learn's defaults on standardised pixels. Name -> (estimator,
#: scaling: ``None`` for raw pixels).
FIXED = {
    "RBF SVC": (lambda: SVC(C=3.0, gamma=3e-4), None),
    "1-nearest neighbour": (lambda: KNeighborsClassifier(n_neighbors=1), None),
    "logistic regression": (lambda: LogisticRegression(max_iter=5000), STANDARD),
}
#: The names of the two networks in the comparison (MLPClassifier's, when the comparison ran its defaults).
CHOSEN, MLP_DEFAULTS = "digitnet, carried forward", "MLPClassifier, defaults"


@dataclass
class Baseline:
    """One model beside the others: what it is, how it was tuned, and its test accuracy.

    Attributes
    ----------
    name : str
        ``"RBF SVC"``, ``"MLPClassifier, defaults"``, ...
    estimator : str
        The class that was fitted.
    params : dict
        Its parameters (for a tuned baseline, those GridSearchCV chose; ``scaling``: how its inputs were scaled).
    seeds : list of int
        The seeds it was fitted with (empty for a deterministic model, fitted once).
    accuracies : list of float
        Its test accuracy for each seed (one value for a deterministic model).
    fit_seconds : float
        Mean seconds per fit (this machine's).
    n_test : int
        The test digits each accuracy was measured on.
    cv_accuracy : float
        For a tuned baseline, its best mean accuracy over the folds of the development rows (NaN otherwise).
    grid : list of dict
        What it was tuned over (empty if it was not).
    at_edge : list of str
        The tuned parameters whose chosen value is the smallest or largest of the grid.
    """

    name: str
    estimator: str
    params: dict
    seeds: list
    accuracies: list
    fit_seconds: float
    n_test: int
    cv_accuracy: float = math.nan
    grid: list = field(default_factory=list)
    at_edge: list = field(default_factory=list)

    @property
    def stochastic(self) -> bool:
        """Whether it was fitted with several seeds (a mean ± std), not once."""
        return bool(self.seeds)

    @property
    def mean(self) -> float:
        return float(np.mean(self.accuracies))

    @property
    def std(self) -> float:
        """The spread of its accuracy over the seeds (ddof=1; NaN with fewer than two)."""
        return float(np.std(self.accuracies, ddof=1)) if len(self.accuracies) > 1 else math.nan

    @property
    def network(self) -> bool:
        """Whether it is one of the networks (digitnet's or MLPClassifier)."""
        return self.estimator in ("NumpyMLPClassifier", "MLPClassifier")

    @property
    def settings(self) -> str:
        """Its parameters in a few words: ``"512 relu, max scaling"`` for a network (and its parameters that are not
        MLPClassifier's defaults), ``"C=1, gamma=0.3, max scaling"`` for a tuned baseline (the parameters it was
        tuned over; those at the edge of their grid said to be)."""
        scaling = f"{self.params.get('scaling', STANDARD)} scaling"
        if self.network:
            layers = format_layers(self.params.get("hidden_layer_sizes", DEFAULTS["hidden_layer_sizes"]))
            other = {
                k: v
                for k, v in self.params.items()
                if k not in ("hidden_layer_sizes", "activation", "scaling")
                and k in DEFAULTS
                and _differs(v, DEFAULTS[k])
            }
            shown = ", ".join(f"{k}={v}" for k, v in other.items())
            return f"{layers} {self.params.get('activation', DEFAULTS['activation'])}, {scaling}" + (
                f"; {shown}" if shown else ""
            )
        tuned = dict.fromkeys(k for g in self.grid for k in g if k != "scaling")
        shown = ", ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.params.items() if k in tuned
        )
        edge = f" ({', '.join(self.at_edge)} at the edge of its grid)" if self.at_edge else ""
        return f"{shown}, {scaling}{edge}"

    @property
    def interval(self) -> tuple[float, float]:
        """Wilson's 95% interval of its (mean) accuracy on the :attr:`n_test` test digits."""
        low, high = accuracy_interval(self.mean, self.n_test)
        return float(low), float(high)


def _differs(value, default):
    """Whether a parameter's value is not its default (a list of layers equals the same tuple)."""
    if isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)):
        return list(value) != list(default)
    return value != default


def _pipeline_grid(grid):
    """A grid of ``scaling`` and estimator parameters as GridSearchCV's grid over a ``scale`` / ``model`` pipeline."""
    return [
        {**{f"model__{k}": v for k, v in g.items() if k != "scaling"}, "scale": [scaler_for(s) for s in g["scaling"]]}
        for g in grid
    ]


def _edges(grid, chosen):
    """The parameters whose chosen value is at the edge of its (numeric) range in the grid that holds it."""
    edges = []
    for g in grid:
        if all(chosen.get(k) in v for k, v in g.items()):
            for k, values in g.items():
                numeric = [v for v in values if isinstance(v, (int, float))]
                if len(numeric) > 2 and chosen[k] in (min(numeric), max(numeric)):
                    edges.append(k)
    return edges


def tune(name: str, split: Split, folds: int = FOLDS, n_jobs: int = 1) -> Baseline:
    """One of :data:`GRIDS`, tuned by GridSearchCV on the development rows only, refitted on all of them, then
    scored once on the test rows.

    Parameters
    ----------
    name : str
        A key of :data:`GRIDS`.
    split : Split
        Its raw development rows (``X_dev_raw``, ``y_dev``) tune and fit it; its raw test rows score it.
    folds : int
        Stratified folds (shuffled, seed :data:`FOLDS_SEED`).
    """
    make, grid = GRIDS[name]
    search = GridSearchCV(
        Pipeline([("scale", StandardScaler()), ("model", make())]),
        _pipeline_grid(grid),
        cv=StratifiedKFold(folds, shuffle=True, random_state=FOLDS_SEED),
        n_jobs=n_jobs,
    )
    with threadpool_limits(limits=1), warnings.catch_warnings():  # BLAS and OpenMP (kNN, SVC): one thread each
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(split.X_dev_raw, split.y_dev)
    best = search.best_params_
    params = {k.removeprefix("model__"): v for k, v in best.items() if k != "scale"}
    params["scaling"] = MAX if isinstance(best["scale"], MaxScaler) else STANDARD
    accuracy = float(search.score(split.X_test_raw, split.y_test))
    return Baseline(
        name=name,
        estimator=type(search.best_estimator_[-1]).__name__,
        params=params,
        seeds=[],
        accuracies=[accuracy],
        fit_seconds=float(search.refit_time_),
        n_test=len(split.y_test),
        cv_accuracy=float(search.best_score_),
        grid=grid,
        at_edge=_edges(grid, params),
    )


def fixed(name, split) -> Baseline:
    """One of :data:`FIXED`, fitted on the raw development rows of ``split`` (scaled as it says) and scored once on
    its raw test rows."""
    make, scaling = FIXED[name]
    model = make()
    steps = [("model", model)] if scaling is None else [("scale", scaler_for(scaling)), ("model", model)]
    pipeline = Pipeline(steps)
    start = time.perf_counter()
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(split.X_dev_raw, split.y_dev)
        seconds = time.perf_counter() - start
        accuracy = float(pipeline.score(split.X_test_raw, split.y_test))
    params = {k: v for k, v in model.get_params().items() if k in ("C", "gamma", "n_neighbors", "max_iter")}
    return Baseline(
        name=name,
        estimator=type(model).__name__,
        params={**params, "scaling": scaling or "raw pixels"},
        seeds=[],
        accuracies=[accuracy],
        fit_seconds=seconds,
        n_test=len(split.y_test),
    )


def _fit_network(params, seed, split):
    """One seed of a network refitted on the development rows, scaled as ``params`` says; its test accuracy."""
    scaling = params.get("scaling", DATA_PARAMS["scaling"][1])
    scaler = scaler_for(scaling).fit(split.X_dev_raw)
    X, X_test = scaler.transform(split.X_dev_raw), scaler.transform(split.X_test_raw)
    model = NumpyMLPClassifier(**resolve(params, len(split.y_dev)), random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, split.y_dev)
        seconds = time.perf_counter() - start
    return float(np.mean(model.predict(X_test) == split.y_test)), seconds


def network(
    name: str, params: Mapping[str, Any], split: Split, seeds: int | Sequence[int], n_jobs: int = 1
) -> Baseline:
    """A network (:class:`NumpyMLPClassifier` with ``params``, ``scaling`` among them) refitted on the development
    rows with each seed, and its test accuracy for each.

    Raises
    ------
    UsageError
        If ``scaling`` is not one of :data:`digitnet.data.SCALINGS`.
    """
    if params.get("scaling", STANDARD) not in SCALINGS:
        raise UsageError(f"scaling must be one of {', '.join(SCALINGS)}, got {params['scaling']!r}")
    seeds = seed_list(seeds)
    n_workers = n_workers_of(n_jobs, len(seeds))
    with threadpool_limits(limits=1, user_api="blas"), cancellation_quiet():
        done = (
            Parallel(n_jobs=n_workers)(delayed(_fit_network)(params, s, split) for s in seeds)
            if n_workers > 1
            else [_fit_network(params, s, split) for s in seeds]
        )
    return Baseline(
        name=name,
        estimator="NumpyMLPClassifier",
        params=dict(params),
        seeds=seeds,
        accuracies=[a for a, _ in done],
        fit_seconds=float(np.mean([t for _, t in done])),
        n_test=len(split.y_test),
    )


def from_comparison(compare_result: CompareResult, model: str = "sklearn") -> Baseline:
    """One model of a :func:`~digitnet.experiments.compare` result as a :class:`Baseline` (its fits, not new ones),
    named :data:`MLP_DEFAULTS` when the comparison ran MLPClassifier's defaults."""
    runs = compare_result.runs[compare_result.runs["model"] == model].sort_values("seed")
    params = dict(compare_result.config["sklearn_params" if model == "sklearn" else "params"])
    name = ("MLPClassifier" if model == "sklearn" else "digitnet") + (", defaults" if not params else "")
    return Baseline(
        name=name,
        estimator="MLPClassifier" if model == "sklearn" else "NumpyMLPClassifier",
        params={**params, "scaling": STANDARD},
        seeds=[int(s) for s in runs["seed"]],
        accuracies=[float(a) for a in runs["accuracy"]],
        fit_seconds=float(runs["fit_seconds"].mean()),
        n_test=int(compare_result.config["split"]["n_test"]),
    )


@dataclass
class BaselinesResult:
    """What :func:`baselines` returns: every model, in the order of the page (the carried-forward network first)."""

    models: list
    config: dict
    elapsed: float
    versions: dict = field(default_factory=package_versions)

    kind = "baselines"

    def get(self, name: str) -> Baseline:
        return next(m for m in self.models if m.name == name)

    def summary(self) -> pd.DataFrame:
        """One row per model: its test accuracy (mean, std over seeds), Wilson's interval, cross-validated accuracy,
        seeds, parameters."""
        return pd.DataFrame(
            [
                {
                    "model": m.name,
                    "estimator": m.estimator,
                    "accuracy_mean": m.mean,
                    "accuracy_std": m.std,
                    "interval_low": m.interval[0],
                    "interval_high": m.interval[1],
                    "n_seeds": len(m.seeds),
                    "cv_accuracy": m.cv_accuracy,
                    "fit_seconds": m.fit_seconds,
                    "params": dumps(m.params),
                }
                for m in self.models
            ]
        )

    def files(self) -> dict[str, str]:
        """``baselines.csv``: one row per model and seed (a deterministic model: one row, no seed)."""
        rows = [
            {"model": m.name, "seed": s, "accuracy": a}
            for m in self.models
            for s, a in zip(m.seeds or [None], m.accuracies)
        ]
        return {
            "baselines.csv": pd.DataFrame(rows).to_csv(index=False),
            "summary.csv": self.summary().to_csv(index=False),
        }

    def metadata(self) -> dict:
        return {"models": [asdict(m) for m in self.models]}


def baselines(
    split: Split,
    chosen: Mapping[str, Any] | None = None,
    seeds: int | Sequence[int] = 10,
    compare_result: CompareResult | None = None,
    n_jobs: int = 1,
    names: Sequence[str] = tuple(GRIDS),
) -> BaselinesResult:
    """The carried-forward network, MLPClassifier's defaults and the tuned baselines, on ``split``.

    Parameters
    ----------
    split : Split
        Without a validation part (its training rows are the development rows), e.g. ``load_split("digits")``.
    chosen : dict, optional
        The carried-forward network's parameters (a ``chosen`` claim's ``params``, ``scaling`` among them).
    seeds : int or sequence of int
        The seeds of the carried-forward network (those of ``compare_result`` for MLPClassifier).
    compare_result : CompareResult, optional
        A comparison on the same split whose ``sklearn`` fits are MLPClassifier's row.
    names : sequence of str
        The tuned baselines to run (keys of :data:`GRIDS`).
    """
    start = time.perf_counter()
    if split.X_dev_raw is None or split.y_val is not None:
        raise UsageError(
            "the baselines need a split without a validation part (its training rows are the development rows)"
        )
    models = []
    if chosen is not None:
        models.append(network(CHOSEN, chosen, split, seeds, n_jobs))
    if compare_result is not None:
        models.append(from_comparison(compare_result))
    models += [tune(name, split, n_jobs=n_jobs) for name in names]
    config = {
        "split": split.describe(),
        "folds": FOLDS,
        "folds_seed": FOLDS_SEED,
        "seeds": seed_list(seeds),
        "chosen": chosen,
    }
    return BaselinesResult(models, config, time.perf_counter() - start)


def load_baselines(folder: str | os.PathLike[str]) -> BaselinesResult:
    """The :class:`BaselinesResult` that :func:`~digitnet.experiments.save_results` wrote to ``folder``."""
    meta = read_results_json(folder)
    if meta["kind"] != BaselinesResult.kind:
        raise UsageError(f"{folder} holds a {meta['kind']} result, not baselines")
    _read_csv(f"{folder}/baselines.csv")  # present and readable, as the page lists it
    try:
        models = [
            Baseline(**{**m, "cv_accuracy": math.nan if m.get("cv_accuracy") is None else m["cv_accuracy"]})
            for m in meta["models"]
        ]
    except (KeyError, TypeError) as exc:
        raise UsageError(f"{folder}/results.json does not hold baselines: {exc}") from None
    return BaselinesResult(
        models, meta["config"], float(meta.get("elapsed_seconds") or 0.0), meta.get("versions") or {}
    )
