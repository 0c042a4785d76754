"""The accuracy ladder's training: rungs of candidates on top of an incumbent, fitted on each seed's folds.

Every model of the ladder is a :class:`~digitnet.DigitsClassifier` (raw pixels in), fitted member by member
on worker processes: :func:`fit_member` trains one member exactly as ``DigitsClassifier.fit`` does (the
scaler fitted on the rows, the jittered copies drawn from the member's seed) and :func:`assemble` puts members
together into the fitted model that ``DigitsClassifier(**params, random_state=seed).fit(X, y)`` returns, bit for
bit (its members' seeds are drawn as its fit draws them: :func:`member_seeds`). So the ensemble rung reuses the
incumbent's network as its first member and trains only the others, and the test-time augmentation rung
predicts with the incumbent's fitted models (no training at all), on every fold the incumbent was fitted on.

:func:`climb` runs the rungs in order: each rung's candidates are scored (accuracy on the validation rows of
the seed's folds: all of them, or the first alone for the costliest), the study's decision
(``decide``) says which candidate, if any, replaces the incumbent, and the next rung starts from there.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import unique_labels
from threadpoolctl import threadpool_limits

from ..augment import ScaledJitter
from ..data import scaler_for
from ..ensemble.classifier import MAX_SEED, DigitsClassifier
from ..estimator import NumpyMLPClassifier
from ..experiments.chunks import cancellation_quiet, n_workers_of

#: Stratified folds of the development rows drawn for each seed (as every cross-validating study draws them);
#: a rung scores its candidates on all of them, or (a costly rung) on the first alone.
FOLDS = 3
#: How a rung's candidates are made: trained (``fit``), the incumbent's members with more trained beside them
#: (``ensemble``), or the incumbent's fitted models predicting otherwise (``predict``: no training).
RUNG_KINDS = ("fit", "ensemble", "predict")


@dataclass(frozen=True)
class Rung:
    """One rung: its name, its candidates (``(label, parameters set on top of the incumbent's)``), the folds it
    scores on (``FOLDS``, or 1: the first only) and how its candidates are made (:data:`RUNG_KINDS`)."""

    name: str
    candidates: tuple
    folds: int = FOLDS
    kind: str = "fit"

    def __post_init__(self):
        if self.kind not in RUNG_KINDS:
            raise ValueError(f"a rung's kind is one of {RUNG_KINDS}, got {self.kind!r}")
        if not 1 <= self.folds <= FOLDS:
            raise ValueError(f"a rung scores on 1 to {FOLDS} folds, got {self.folds}")


@dataclass
class Arm:
    """A model of the ladder scored: its label, its full DigitsClassifier parameters, its accuracy on each
    ``(seed, fold)``, and its fitted models by ``(seed, fold)`` (for the rungs that reuse them; not kept on disk)."""

    label: str
    params: dict
    scores: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)

    def seed_scores(self, seeds, folds) -> list:
        """Each seed's mean accuracy over its first ``folds`` folds."""
        return [float(np.mean([self.scores[seed, f] for f in range(folds)])) for seed in seeds]


@dataclass
class Rows:
    """The development rows (raw pixels), their labels and each seed's folds ``[(train, validation), ...]``."""

    X: np.ndarray
    y: np.ndarray
    folds: dict

    @property
    def seeds(self) -> list:
        return list(self.folds)


def member_seeds(seed, n_members) -> list:
    """The seeds ``DigitsClassifier(n_members=n, random_state=seed)`` gives its members (its fit's first draw; the
    first ``k`` of them do not depend on ``n``)."""
    return [int(s) for s in check_random_state(seed).randint(MAX_SEED, size=n_members)]


def fit_member(params, member_seed, X, y):
    """One member of ``DigitsClassifier(**params)`` trained on raw rows ``X`` as its fit trains it: the scaler
    fitted on ``X``, the jittered copies (``augment_copies``) drawn from the member's own seed."""
    proto = DigitsClassifier(**params)
    scaler = scaler_for(proto.scaling).fit(X)
    scaled = np.ascontiguousarray(scaler.transform(X), dtype=X.dtype)
    augment = ScaledJitter(proto.jitter(), scaler) if proto.augment_copies else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return NumpyMLPClassifier(**proto.member_params(), random_state=member_seed).fit(scaled, y, augment=augment)


def assemble(params, seed, members, X, y) -> DigitsClassifier:
    """The fitted ``DigitsClassifier(**params, n_members=len(members), random_state=seed)`` whose members are
    ``members`` (those :func:`fit_member` trained on ``X`` with :func:`member_seeds`), as its own fit makes it."""
    model = DigitsClassifier(**{**params, "n_members": len(members)}, random_state=seed)
    model.classes_ = unique_labels(y)
    model.n_features_in_ = X.shape[1]
    model.scaler_ = scaler_for(model.scaling).fit(X)
    model.member_seeds_ = member_seeds(seed, len(members))
    model.estimators_ = list(members)
    model.n_iter_ = np.array([m.n_iter_ for m in members])
    return model


def fit_members(jobs, n_jobs=1) -> list:
    """:func:`fit_member` of each ``(params, member_seed, X, y)``, on up to ``n_jobs`` worker processes (one
    BLAS thread each), in order."""
    n_workers = n_workers_of(n_jobs, len(jobs))
    with threadpool_limits(limits=1, user_api="blas"), cancellation_quiet():
        if n_workers > 1:
            return Parallel(n_jobs=n_workers)(delayed(fit_member)(*job) for job in jobs)
        return [fit_member(*job) for job in jobs]


def accuracy(model, X, y) -> float:
    return float(np.mean(model.predict(X) == y))


def _candidates(rung, incumbent):
    return [Arm(label, {**incumbent.params, **params}) for label, params in rung.candidates]


def _member_jobs(rung, incumbent, arms, rows):
    """The members to train for a rung: ``(keys, jobs)``, a key ``(arm, seed, fold)`` per job."""
    keys, jobs = [], []
    for a, arm in enumerate(arms):
        n = int(arm.params.get("n_members", 1))
        seeds_of = {seed: member_seeds(seed, n) for seed in rows.seeds}
        for seed in rows.seeds:
            for fold in range(rung.folds):
                train = rows.folds[seed][fold][0]
                have = len(incumbent.models[seed, fold].estimators_) if rung.kind == "ensemble" else 0
                for m in range(have, n):
                    keys.append((a, seed, fold))
                    jobs.append((arm.params, seeds_of[seed][m], rows.X[train], rows.y[train]))
    return keys, jobs


def score_rung(rung, incumbent, rows, n_jobs=1) -> list:
    """The rung's candidates (:class:`Arm`) on top of ``incumbent``, scored on the rung's folds of every seed.

    Raises
    ------
    ValueError
        If the rung reuses the incumbent's models (an ensemble, a prediction option) on a fold it was not fitted on.
    """
    missing = [k for k in ((s, f) for s in rows.seeds for f in range(rung.folds)) if k not in incumbent.models]
    if rung.kind != "fit" and missing:
        raise ValueError(
            f"the {rung.name} rung reuses the incumbent's models on {rung.folds} folds, and"
            f" {incumbent.label} has none on fold {missing[0][1]} of seed {missing[0][0]}: score the"
            " rungs before it on as many folds"
        )
    arms = _candidates(rung, incumbent)
    if rung.kind == "predict":
        for arm, (_, changes) in zip(arms, rung.candidates):
            for seed in rows.seeds:
                for fold in range(rung.folds):
                    val = rows.folds[seed][fold][1]
                    arm.models[seed, fold] = model = copy.copy(incumbent.models[seed, fold]).set_params(**changes)
                    arm.scores[seed, fold] = accuracy(model, rows.X[val], rows.y[val])
        return arms
    keys, jobs = _member_jobs(rung, incumbent, arms, rows)
    grouped = defaultdict(list)
    for key, member in zip(keys, fit_members(jobs, n_jobs)):
        grouped[key].append(member)
    for (a, seed, fold), members in grouped.items():
        train, val = rows.folds[seed][fold]
        if rung.kind == "ensemble":
            members = incumbent.models[seed, fold].estimators_ + members
        arms[a].models[seed, fold] = model = assemble(arms[a].params, seed, members, rows.X[train], rows.y[train])
        arms[a].scores[seed, fold] = accuracy(model, rows.X[val], rows.y[val])
    return arms


def score_start(label, params, rows, folds=FOLDS, n_jobs=1) -> Arm:
    """The ladder's first incumbent, scored on ``folds`` folds of every seed."""
    (start,) = score_rung(Rung("start", ((label, dict(params)),), folds), Arm(label, {}), rows, n_jobs)
    return start


def climb(rungs, start, rows, decide, n_jobs=1) -> list:
    """Run ``rungs`` in order from the incumbent ``start``; ``decide(rung, incumbent, arms)`` returns the arm that
    replaces the incumbent, or None. Returns one ``(rung, incumbent, arms, adopted)`` per rung."""
    incumbent, steps = start, []
    for rung in rungs:
        arms = score_rung(rung, incumbent, rows, n_jobs)
        adopted = decide(rung, incumbent, arms)
        steps.append((rung, incumbent, arms, adopted))
        incumbent = adopted if adopted is not None else incumbent
    return steps


def fit_final(params, seeds, X, y, n_jobs=1) -> dict:
    """``DigitsClassifier(**params, random_state=seed)`` fitted on ``X`` for every seed: ``seed -> model``."""
    n = int(params.get("n_members", 1))
    keys = [(seed, m) for seed in seeds for m in member_seeds(seed, n)]
    fitted = fit_members([(params, m, X, y) for _, m in keys], n_jobs)
    return {seed: assemble(params, seed, [f for (s, _), f in zip(keys, fitted) if s == seed], X, y) for seed in seeds}
