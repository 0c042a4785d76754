"""The accuracy ladder: how far an MLP goes on Digits, one rung at a time from MLPClassifier's defaults.

Every model is a :class:`~digitnet.DigitsClassifier` (raw pixels in: scaling, augmentation, members and
test-time augmentation are its parameters), trained for a fixed number of epochs (no stopping rule: the rungs
compare at equal cost, and a schedule knows its length). The ladder starts from MLPClassifier's defaults (100
relu units, adam, standardised pixels) and climbs rung by rung (:data:`RUNGS`): each rung's candidates are set on
top of the incumbent and scored on the declared metric, the accuracy on the validation rows of each seed's own
three stratified folds of the development rows (every rung on every fold but the costliest, the ensemble: the
first fold alone, its incumbent then scored on that fold too). Test-time augmentation predicts with the
incumbent's fitted models (no training), the ensemble grows the incumbent's network with two more. A
candidate replaces the incumbent only when it beats it by the margin and the verdict replicates (all the seeds,
both halves of them, 95% of resamples: :mod:`~digitnet.studies.effects`); otherwise the incumbent stays, and
the claim says whether the rung did not help on other seeds or the data cannot tell. The test rows are used
once, at the end: the top rung fitted on all the development rows with each seed, beside baselines fitted on the
same rows (an RBF SVC, one nearest neighbour, logistic regression, MLPClassifier's defaults).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats

from ..ensemble.classifier import DigitsClassifier
from ..experiments.baselines import FIXED, MLP_DEFAULTS, fixed, network
from ..experiments.results import SweepResult
from ..words import pct
from .base import Settings, Study
from .claims import Claim
from .effects import RAISES, SAME, effect_claim, moves, paired_effects, signed
from .ladder_fits import FOLDS, Arm, Rows, Rung, accuracy, climb, fit_final, score_start
from .registry import register

#: Epochs every rung trains (no stopping rule: ``tol=0`` with patience as long as training).
EPOCHS = 60
LENGTH = {"max_iter": EPOCHS, "tol": 0.0, "n_iter_no_change": EPOCHS}
#: The first incumbent: MLPClassifier's defaults (DigitsClassifier's, on standardised pixels).
START_LABEL = "MLPClassifier's defaults"
START = {"scaling": "standard"}
#: The rungs, in order, each on every fold but the costliest (the ensemble: the first fold alone). Test-time
#: augmentation comes before the ensemble: it predicts with the incumbent's models of every fold.
RUNGS = (
    Rung("input scaling", (("pixels / 16", {"scaling": "max"}),)),
    Rung(
        "width and depth",
        (("512 units", {"hidden_layer_sizes": (512,)}), ("256-256 units", {"hidden_layer_sizes": (256, 256)})),
    ),
    Rung("dropout", (("dropout 0.2", {"dropout": 0.2}),)),
    Rung("weight decay", (("AdamW, decay 0.05", {"solver": "adamw", "weight_decay": 0.05}),)),
    Rung("schedule", (("cosine from rate 0.002", {"learning_rate": "cosine", "learning_rate_init": 0.002}),)),
    Rung("label smoothing", (("label smoothing 0.1", {"label_smoothing": 0.1}),)),
    Rung("augmentation", (("4 jittered copies", {"augment_copies": 4}),)),
    Rung("test-time augmentation", (("8 test-time copies", {"tta": 8}),), kind="predict"),
    Rung("ensemble", (("ensemble of 3", {"n_members": 3}),), folds=1, kind="ensemble"),
)
#: The acceptance target on the standard split's test rows (issue 21).
TARGET = 0.992
METRIC = "cross-validated accuracy"
#: What counts as a difference: 0.2 points, about one digit of the 479 a fold validates on.
MARGIN = 0.002
#: Parameters of a DigitsClassifier that are not part of the recipe (the seed is a replication's; the workers
#: are the machine's).
NOT_RECIPE = ("random_state", "n_jobs")


def recipe(params) -> dict:
    """A DigitsClassifier's full parameters for ``params`` (its defaults filled in), the seed and workers left out."""
    full = DigitsClassifier(**params).get_params(deep=False)
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in full.items() if k not in NOT_RECIPE}


@dataclass
class RungReading:
    """One rung as read: its incumbent, its candidates' changes, its seed table (rows: the incumbent, then the
    candidates; columns: seeds), each candidate's effect against the incumbent, and the one adopted (or None)."""

    name: str
    folds: int
    incumbent: str
    changes: dict
    table: pd.DataFrame
    effects: dict
    adopted: str | None


def decide_rung(table: pd.DataFrame, incumbent: str, margin: float):
    """The ladder's rule on one rung's seed table: ``(effects, adopted)``.

    Each candidate's effect (candidate minus incumbent, paired by seed) is judged by
    :func:`~digitnet.studies.effects.paired_effects`; a candidate is adopted only when it raises the metric by
    at least ``margin`` and that replicates (all seeds, both halves, 95% of resamples); of several such, the
    highest mean. ``adopted`` is None when the incumbent stays.
    """
    effects = paired_effects(table, {c: (c, incumbent) for c in table.index if c != incumbent}, margin)
    winners = [c for c, e in effects.items() if e.supported and e.direction == RAISES]
    return effects, (max(winners, key=lambda c: effects[c].mean) if winners else None)


def _arm_table(incumbent: Arm, arms, seeds, folds) -> pd.DataFrame:
    rows = {incumbent.label: incumbent.seed_scores(seeds, folds)}
    rows.update({arm.label: arm.seed_scores(seeds, folds) for arm in arms})
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(seeds))


def _rung_json(rung, incumbent, arms, adopted, seeds):
    def scores(arm):
        return [[arm.scores[seed, f] for f in range(rung.folds)] for seed in seeds]

    return {
        "name": rung.name,
        "folds": rung.folds,
        "kind": rung.kind,
        "incumbent": incumbent.label,
        "incumbent_scores": scores(incumbent),
        "adopted": None if adopted is None else adopted.label,
        "arms": [
            {"label": a.label, "changes": dict(c), "scores": scores(a)} for a, (_, c) in zip(arms, rung.candidates)
        ],
    }


def measure_ladder(result: SweepResult, split, rungs=RUNGS, margin=MARGIN) -> dict:
    """Climb the ladder on ``split``'s development rows, then fit the top rung on all of them with every seed and
    score it (and the baselines) on the test rows, once. The first seed's top model goes to ``result.models``."""
    start_time = time.perf_counter()
    seeds = [int(s) for s in result.config.seeds]
    n_jobs = result.config.n_jobs
    length = {k: v for k, v in result.params[0].items() if k in LENGTH} if result.params else LENGTH
    X, y = np.asarray(split.X_dev_raw, dtype=np.float32), np.asarray(split.y_dev)
    rows = Rows(X, y, {seed: split.cv_folds(FOLDS, random_state=seed) for seed in seeds})
    start = score_start(START_LABEL, {**START, **length}, rows, max(r.folds for r in rungs), n_jobs)

    def decide(rung, incumbent, arms):
        _, label = decide_rung(_arm_table(incumbent, arms, seeds, rung.folds), incumbent.label, margin)
        return next((a for a in arms if a.label == label), None)

    steps = climb(rungs, start, rows, decide, n_jobs)
    climbed = time.perf_counter()
    top = next((adopted for *_, adopted in reversed(steps) if adopted is not None), start)
    X_test = np.asarray(split.X_test_raw, dtype=np.float32)
    models = fit_final(top.params, seeds, X, y, n_jobs)
    result.models["ladder"] = models[seeds[0]]
    tested = time.perf_counter()
    others = [fixed(name, split) for name in FIXED] + [network(MLP_DEFAULTS, {}, split, seeds, n_jobs)]
    return {
        "ladder": {
            "seeds": seeds,
            "folds": FOLDS,
            "margin": margin,
            "start": {"label": start.label, "params": recipe(start.params)},
            "rungs": [_rung_json(*step, seeds) for step in steps],
            "top": {
                "changes": [adopted.label for *_, adopted in steps if adopted is not None],
                "params": recipe(top.params),
            },
            "test": {
                "seeds": seeds,
                "accuracies": [accuracy(models[s], X_test, split.y_test) for s in seeds],
                "n_test": len(split.y_test),
            },
            "baselines": [
                {k: v for k, v in asdict(b).items() if k in ("name", "estimator", "params", "seeds", "accuracies")}
                for b in others
            ],
            "seconds": {
                "climb": climbed - start_time,
                "top on the test rows": tested - climbed,
                "baselines": time.perf_counter() - tested,
            },
        }
    }


@dataclass
class TestScores:
    """Test accuracies (one per seed; a deterministic model: one, no seed) of a model fitted on the development
    rows."""

    name: str
    seeds: list
    accuracies: list
    params: dict = field(default_factory=dict)

    @property
    def mean(self) -> float:
        return float(np.mean(self.accuracies))

    @property
    def std(self) -> float:
        return float(np.std(self.accuracies, ddof=1)) if len(self.accuracies) > 1 else 0.0


@dataclass
class LadderReading:
    """The ladder as read: the start's scores, each rung, the top rung (its changes and full parameters), its
    test scores and the baselines', the claims, and ``best``: the top rung fitted on the development rows with the
    first seed (the model scored on the test rows; None when read back from files)."""

    result: SweepResult
    seeds: list
    start: pd.Series
    rungs: list
    top_changes: list
    top_params: dict
    test: TestScores | None
    baselines: list
    claims: list
    best: object = None

    @property
    def top_label(self) -> str:
        return " + ".join([START_LABEL, *self.top_changes])

    def baseline(self, name) -> TestScores | None:
        return next((b for b in self.baselines if b.name == name), None)


def _seed_means(scores):
    """Each seed's mean over its folds (``scores``: one list of fold scores per seed)."""
    return [float(np.mean(per_seed)) for per_seed in scores]


def read_rungs(measured: dict, margin: float) -> list:
    """Every rung's :class:`RungReading`, decided again from its stored scores (the same rule, the same verdict)."""
    seeds = measured["seeds"]
    rungs = []
    for r in measured["rungs"]:
        rows = {r["incumbent"]: _seed_means(r["incumbent_scores"])}
        rows.update({a["label"]: _seed_means(a["scores"]) for a in r["arms"]})
        table = pd.DataFrame.from_dict(rows, orient="index", columns=list(seeds))
        effects, adopted = decide_rung(table, r["incumbent"], margin)
        rungs.append(
            RungReading(
                r["name"],
                int(r["folds"]),
                r["incumbent"],
                {a["label"]: a["changes"] for a in r["arms"]},
                table,
                effects,
                adopted,
            )
        )
    return rungs


def verdict_of(effect, adopted=True) -> str:
    """What the ladder did with a candidate, in a table's words (``adopted``: whether it was the rung's choice, of
    the candidates that helped)."""
    if effect.supported and effect.direction == RAISES:
        return "adopted" if adopted else "helped, less than the one adopted"
    if effect.supported:
        return "did not help" if effect.direction == SAME else "hurt"
    return "the data cannot tell"


def _effect_note(rung, label, effect):
    what = f"{label} (on top of {rung.incumbent})"
    verdict = verdict_of(effect, label == rung.adopted)
    tail = {
        "adopted": "adopted",
        "helped, less than the one adopted": f"helped, less than {rung.adopted}",
        "the data cannot tell": "kept the incumbent",
    }.get(verdict, "did not help on other seeds: kept the incumbent")
    return (
        f"{rung.name}: {what} {moves(effect.direction, METRIC)} ({pct(effect.without_mean)} →"
        f" {pct(effect.with_mean)}, {signed(effect.mean, digits=2)}); {tail}"
    )


def ladder_claims(rungs, top_changes, top_params, study="ladder") -> list:
    """One effect claim per candidate, and the ``chosen`` claim: the top rung (a DigitsClassifier and its full
    parameters), supported when every rung's verdict replicates (other seeds would climb the same way)."""
    claims = [
        effect_claim(study, f"{rung.name}: {label}", e, METRIC, _effect_note(rung, label, e))
        for rung in rungs
        for label, e in rung.effects.items()
        if e.direction is not None
    ]
    adopted = {f"{rung.name}: {rung.adopted}" for rung in rungs if rung.adopted}
    claims = [replace(c, extra={**c.extra, "adopted": c.about in adopted}) for c in claims]
    steady = all(e.supported for rung in rungs for e in rung.effects.values())
    label = " + ".join([START_LABEL, *top_changes])
    claims.append(
        Claim(
            study,
            "chosen",
            "the top rung",
            [label],
            steady,
            METRIC,
            params=dict(top_params),
            estimator="DigitsClassifier",
            note=f"the top rung: {label}" + ("" if steady else " (other seeds may climb otherwise)"),
        )
    )
    return claims


def interval(values) -> tuple:
    """Mean and half-width of Student's 95% interval over the seeds (half-width 0 with one seed)."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return float(values.mean()), 0.0
    half = stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return float(values.mean()), float(half)


def _pct2(x) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.2f}%"


def _points(difference) -> str:
    return f"{100 * abs(difference):.2f} points {'above' if difference >= 0 else 'below'}"


class Ladder(Study):
    name = "ladder"
    title = "The accuracy ladder"
    order = 95
    question = (
        "How far can an MLP go on Digits? From MLPClassifier's defaults, one rung at a time (input scaling,"
        " width and depth, dropout, weight decay, schedule, label smoothing, augmentation, test-time"
        " augmentation, an ensemble): a rung's candidate replaces the incumbent only when it beats it by the"
        " margin and other seeds would say so too. The test rows are used once, at the end, for the top"
        " rung, beside an RBF SVC, one nearest neighbour, logistic regression and MLPClassifier's defaults."
    )
    metric = METRIC
    margin = MARGIN
    description = (
        f"From MLPClassifier's defaults to a DigitsClassifier, one rung at a time ({len(RUNGS)} rungs),"
        f" {EPOCHS} epochs each, judged on cross-validated accuracy; the top rung scored once on the test"
        " rows beside the baselines."
    )
    notebook = r"""The `ladder` preset climbs from MLPClassifier's defaults one rung at a time: each rung's candidate
is set on top of the incumbent and judged on the accuracy on the validation rows of each seed's own stratified folds
of the development rows (all three folds for every rung but the ensemble, the costliest: the first fold). It
replaces the incumbent only when it raises that accuracy by the margin on all the
seeds, on both halves of them and on 95% of resamples of them. The test digits are used once, for the top rung."""
    #: The rungs it climbs (a subclass may climb others).
    rungs = RUNGS
    grid = {"hidden_layer_sizes": [(100,)]}
    base_params = dict(LENGTH)
    varied = ()
    cv = FOLDS
    seeds = (0, 1, 2, 3, 4)
    full = Settings(seeds=5)
    quick = Settings(seeds=2, params={"max_iter": 5})
    captions = (
        (
            "ladder",
            "Each rung's candidates on top of the incumbent (cross-validated accuracy, mean and 95%"
            " interval over the seeds; a grey tick: the incumbent on the same folds), then the top rung's"
            " accuracy on the test digits beside the baselines' and the 99.2% target.",
        ),
    )

    def measure(self, result, split):
        return measure_ladder(result, split, self.rungs, self.margin)

    def read(self, result, split):
        measured = result.extra.get("ladder")
        if not measured:
            return LadderReading(result, [], pd.Series(dtype=float), [], [], {}, None, [], [], None)
        seeds = measured["seeds"]
        first = measured["rungs"][0]["incumbent_scores"] if measured["rungs"] else []
        start = pd.Series(_seed_means(first), index=seeds[: len(first)], dtype=float)
        rungs = read_rungs(measured, measured.get("margin", self.margin))
        top = measured["top"]
        test = TestScores("top rung", measured["test"]["seeds"], measured["test"]["accuracies"])
        baselines = [
            TestScores(b["name"], b["seeds"], b["accuracies"], b.get("params", {})) for b in measured["baselines"]
        ]
        claims = ladder_claims(rungs, top["changes"], top["params"], self.name)
        return LadderReading(
            result,
            seeds,
            start,
            rungs,
            top["changes"],
            top["params"],
            test,
            baselines,
            claims,
            result.models.get("ladder"),
        )

    def table(self, reading):
        rows = []
        for rung in reading.rungs:
            for label, effect in rung.effects.items():
                mean, half = interval(rung.table.loc[label])
                rows.append(
                    {
                        "rung": rung.name,
                        "candidate (on top of the incumbent)": label,
                        "folds": f"{rung.folds} of {FOLDS}",
                        f"{METRIC} (mean ± 95% interval)": f"{pct(mean)} ± {100 * half:.2f}",
                        "incumbent on the same folds": f"{rung.incumbent}: {pct(effect.without_mean)}",
                        "change": f"{signed(effect.mean, digits=2)} ± {100 * effect.error:.2f}",
                        "verdict": verdict_of(effect, label == rung.adopted),
                        "agreement": f"{100 * effect.verdict.agreement:.0f}%",
                    }
                )
        return pd.DataFrame(rows) if rows else None

    def conclusion(self, reading):
        if not reading.rungs:
            return "The ladder was not measured."
        return ladder_conclusion(reading)

    def figures(self, reading):
        if not reading.rungs:
            return {}
        from ..plots.ladder import ladder_figure

        return {"ladder": ladder_figure(figure_rows(reading), figure_tests(reading), TARGET)}

    def page(self, reading):
        if reading.test is None:
            return {}
        return {
            "top": reading.top_label,
            "params": reading.top_params,
            "test": reading.test.accuracies,
            "baselines": {b.name: b.accuracies for b in reading.baselines},
        }


def ladder_conclusion(reading) -> str:
    """The ladder in words, from its claims and its test scores."""
    n = len(reading.seeds)
    sweep = reading.result.runs["val_accuracy"].mean() if "val_accuracy" in reading.result.runs else np.nan
    text = (
        f"From {START_LABEL} ({pct(reading.start.mean())} {METRIC} over {n} seeds × {FOLDS} folds; MLPClassifier"
        f" itself on the same folds: {pct(sweep)}), judged on {METRIC} with a margin of"
        f" {100 * MARGIN:g} points."
    )
    effects = [c for c in reading.claims if c.kind == "effect"]
    groups = (
        ("Adopted (every replication agrees it helps)", lambda c: c.extra["adopted"]),
        (
            "Helped, less than the candidate of its rung that was adopted",
            lambda c: c.supported and c.values == [RAISES] and not c.extra["adopted"],
        ),
        ("Did not help on other seeds", lambda c: c.supported and c.values != [RAISES]),
        ("The data cannot tell (kept the incumbent)", lambda c: not c.supported),
    )
    for words, keep in groups:
        named = [f"{c.about} ({signed(c.extra['difference'], digits=2)})" for c in effects if keep(c)]
        if named:
            text += f" {words}: " + "; ".join(named) + "."
    test, svc = reading.test, reading.baseline("RBF SVC")
    text += (
        f" The top rung ({reading.top_label}), fitted on all the development rows, scored {_pct2(test.mean)} ±"
        f" {100 * test.std:.2f} on the test digits (mean ± std over {len(test.accuracies)} seeds): "
    )
    if svc is not None:
        setting = ", ".join(f"{k}={v:g}" for k, v in svc.params.items() if k in ("C", "gamma"))
        text += f"{_points(test.mean - svc.mean)} the RBF SVC's {_pct2(svc.mean)} ({setting}, raw pixels), and "
    text += f"{_points(test.mean - TARGET)} the {_pct2(TARGET)} target."
    chosen = next(c for c in reading.claims if c.kind == "chosen")
    if not chosen.supported:
        text += " Not every rung's verdict replicates: other seeds may climb to another top rung."
    return text


def figure_rows(reading) -> list:
    """``(label, mean, half-width, status, incumbent mean)`` per row of the figure: the start, then each candidate."""
    mean, half = interval(reading.start)
    rows = [(START_LABEL, mean, half, "start", None)]
    for rung in reading.rungs:
        for label, effect in rung.effects.items():
            m, h = interval(rung.table.loc[label])
            status = "adopted" if label == rung.adopted else "not adopted"
            rows.append((f"{rung.name}: {label}", m, h, status, effect.without_mean))
    return rows


def figure_tests(reading) -> list:
    """``(name, mean, std)`` of the test accuracies: the top rung, then the baselines."""
    return [("top rung", reading.test.mean, reading.test.std)] + [(b.name, b.mean, b.std) for b in reading.baselines]


register(Ladder())
