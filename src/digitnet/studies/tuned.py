"""Studies that give each arm its own learning rate (the batch sizes, the optimizers): :class:`TunedStudy`.

Such a study answers two questions, each ranked by its own metric and with each arm's rate chosen by that same
metric, on every replication again (:func:`tuned_questions`): which generalises (cross-validated accuracy, the
declared held-out metric) and how far training gets in the epochs given (the training loss, compared on a log
scale). :func:`tuned_arms` reads each arm at the rates the two questions chose; :func:`question_text` says what a
question's claims say.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..experiments.analysis import histories_of, mean_and_error, mean_curve
from ..experiments.results import SweepResult
from ..words import pct, rate
from .base import Study
from .claims import Claim
from .common import curve_points
from .ranking import Ranking, rank_arms, tuned_table
from .replication import replicate

#: What counts as a difference of training losses: one this many times the other. Losses are compared on a log
#: scale (the same factor is the same distance whether the losses are near 1 or near 0.001).
LOSS_FACTOR = 1.25
LOSS_MARGIN = math.log10(LOSS_FACTOR)
#: What counts as a difference, in words (the tuned studies' declared margins: ``margin`` = 0.005 of accuracy).
DIFFERENCE = (
    f"A difference counts from half a point of accuracy, or a factor of {LOSS_FACTOR:g} in loss; arms closer"
    " than that, or in an order that not every replication gives, are named as tied."
)
#: The column of a run's log10 training loss (NaN for a run that diverged: no loss to compare).
LOG_LOSS = "log10_train_loss"


def accuracy_metric(epochs: int) -> str:
    """The held-out metric of a tuned study, in words."""
    return f"cross-validated accuracy after {epochs} epochs"


def loss_metric(epochs: int) -> str:
    """The training metric of a tuned study, in words."""
    return f"training loss after {epochs} epochs"


def with_log_loss(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs with :data:`LOG_LOSS`: log10 of the last epoch's training loss, NaN for a run that diverged."""
    fine = runs["diverged_at"].isna() if "diverged_at" in runs else pd.Series(True, index=runs.index)
    loss = runs["train_loss"].astype(float).where(fine.to_numpy(dtype=bool) & (runs["train_loss"] > 0))
    return runs.assign(**{LOG_LOSS: np.log10(loss)})


def epoch_seconds(runs: pd.DataFrame) -> tuple[float, int]:
    """``(median seconds per epoch, how many runs it is the median of)`` over the runs that finished: each run's
    training time over the epochs it trained (all its folds'). A median, so that a run slowed down by another
    process counts for little; still this machine's, under this load: not a number other machines would repeat."""
    done = runs[runs["diverged_at"].isna()] if "diverged_at" in runs else runs
    if done.empty:
        return math.nan, 0
    folds = done["n_folds"].astype(float) if "n_folds" in done else 1.0
    per_epoch = done["fit_seconds"].astype(float) / (folds * done["n_iter"].astype(float).clip(lower=1))
    return float(np.median(per_epoch)), int(len(per_epoch))


@dataclass
class TunedQuestion:
    """One of the two questions a tuned study answers, each arm at the rate chosen by the question's own metric.

    Attributes
    ----------
    key : str
        ``"accuracy"`` (which generalises: the declared held-out metric) or ``"loss"`` (how far training gets).
    asks : str
        The question, in words.
    metric : str
        What it ranks by and chooses each arm's rate by, in words (as its claims say it).
    difference : str
        What counts as a difference, in words.
    ranking : Ranking
        :func:`~digitnet.studies.ranking.rank_arms` with ``rates=True``: the arms' levels and each arm's rate,
        chosen again on every replication.
    claims : list of Claim
        The arms' order, best or tie, and for each arm the order of its rates (:func:`rate_claims`).
    """

    key: str
    asks: str
    metric: str
    difference: str
    ranking: Ranking
    claims: list


def _rate_pairs(values, groups, margin):
    """For every arm (``groups``: arm -> row positions of its rates) and two of its rates: which is ahead by
    ``margin`` in mean score (``values``: rows x seeds, higher is better), or None; rates without a score on
    every seed are left out (NumPy: this runs once per resample of the seeds)."""
    means = values.mean(axis=1)
    out = {}
    for arm, rows in groups.items():
        for i, j in itertools.combinations([r for r in rows if np.isfinite(means[r])], 2):
            d = means[i] - means[j]
            out[arm, i, j] = i if d >= margin else j if d <= -margin else None
    return out


def _rate_levels(order, verdicts, arm):
    """Cut an arm's rates (best first) into levels: a cut only where every rate above beats every rate below on
    every replication (as :func:`~digitnet.studies.ranking.rank_arms` cuts arms)."""

    def beats(a, b):
        v = verdicts.get((arm, *sorted((a, b))))
        return v is not None and v.supported and v.value == a

    levels, start = [], 0
    for cut in range(1, len(order)):
        if all(beats(a, b) for a in order[start:cut] for b in order[cut:]):
            levels.append(order[start:cut])
            start = cut
    levels.append(order[start:])
    return levels


def rate_claims(study: str, metric: str, table: pd.DataFrame, margin: float, higher: bool) -> list:
    """Each arm's rates ranked like arms: an order over the levels that replicate, the best rate only when it is
    ahead of every other rate of the arm by ``margin`` on every replication, else the rates tied at the top.

    (An arm's rate of highest mean alone is no claim: two rates within the noise of each other would each be
    "best" on some set of three seeds.) ``table`` is a :func:`~digitnet.studies.ranking.tuned_table`.
    """
    sign = 1.0 if higher else -1.0
    values = pd.DataFrame(sign * table.to_numpy(dtype=float), columns=table.columns)
    groups = {}
    for position, (arm, _) in enumerate(table.index):
        groups.setdefault(arm, []).append(position)
    verdicts = replicate(lambda t: _rate_pairs(t.to_numpy(dtype=float), groups, margin), values)
    means = values.to_numpy().mean(axis=1)
    claims = []
    for arm, rows in groups.items():
        order = sorted((r for r in rows if np.isfinite(means[r])), key=lambda r: -means[r])
        if not order:
            continue
        levels = _rate_levels(order, verdicts, arm)
        rates = [[float(table.index[r][1]) for r in level] for level in levels]
        about = f"learning rate of {arm}"
        claims.append(Claim(study, "order", about, rates, len(levels) > 1, metric))
        if len(levels) > 1 and len(levels[0]) == 1:
            agreement = min(v.agreement for k, v in verdicts.items() if k[0] == arm and levels[0][0] in k[1:])
            claims.append(Claim(study, "best", about, rates[0], True, metric, agreement=agreement))
        elif len(levels[0]) > 1:
            claims.append(Claim(study, "tie", about, rates[0], True, metric))
    return claims


def _question(key, asks, metric, difference, table, margin, higher, study, about):
    ranking = rank_arms(study, about, metric, table, margin, higher=higher, rates=True)
    arms_claims = [c for c in ranking.claims if not c.about.startswith("learning rate of ")]
    return TunedQuestion(
        key, asks, metric, difference, ranking, arms_claims + rate_claims(study, metric, table, margin, higher)
    )


def tuned_questions(
    runs: pd.DataFrame, arm: str, study: str, about: str, epochs: int, margin: float
) -> list[TunedQuestion]:
    """Rank the arms twice: by cross-validated accuracy (margin ``margin``) and by training loss (log scale, a
    factor of :data:`LOSS_FACTOR`), each arm at the rate that question's own metric chooses, on every
    replication again (:func:`~digitnet.studies.ranking.tuned_table`); and each arm's rates by the same metric."""
    logged = with_log_loss(runs)
    return [
        _question(
            "accuracy",
            "which generalises?",
            accuracy_metric(epochs),
            f"{100 * margin:.1f} points of accuracy",
            tuned_table(logged, arm, "val_accuracy"),
            margin,
            True,
            study,
            about,
        ),
        _question(
            "loss",
            f"how far does training get in {epochs} epochs?",
            loss_metric(epochs),
            f"a factor of {LOSS_FACTOR:g} in loss",
            tuned_table(logged, arm, LOG_LOSS),
            LOSS_MARGIN,
            False,
            study,
            about,
        ),
    ]


@dataclass
class TunedArm:
    """One arm of a tuned study: the rates it tried, the rate each question chose, its scores there.

    Attributes
    ----------
    value : object
        The arm (a batch size, an optimizer's label).
    rates : list of float
        The rates it tried, increasing.
    chosen : dict
        Question key -> the rate it chose on all the seeds (None: the arm diverged at every rate).
    supported : dict
        Question key -> whether that rate is the arm's best by the question's metric, ahead of its other rates on
        every replication (:func:`rate_claims`).
    tied : dict
        Question key -> the rates the data cannot tell apart at the top (the chosen one among them).
    accuracy : dict
        Rate -> (mean cross-validated accuracy, its standard error over the seeds); NaN where a seed diverged.
    loss : dict
        Rate -> the geometric mean over the seeds of the final training loss; NaN where a seed diverged.
    curves : dict
        Rate -> :class:`CurveSummary` of the training loss per epoch.
    val_curves : dict
        Rate -> :class:`CurveSummary` of the cross-validated accuracy per epoch.
    seconds_per_epoch : float
        :func:`epoch_seconds` over all its runs (every rate: the rate does not change the work of an epoch).
    timed : int
        How many runs that median is taken over.
    """

    value: object
    rates: list
    chosen: dict
    supported: dict
    tied: dict
    accuracy: dict
    loss: dict
    curves: dict
    val_curves: dict
    seconds_per_epoch: float
    timed: int

    def unsure(self, key: str) -> bool:
        """Whether the data cannot tell the rate question ``key`` chose from another rate the arm tried."""
        return not self.supported.get(key) and len(self.tied.get(key) or []) > 1

    def mark(self, key: str) -> str:
        """``?`` after a rate the data cannot single out; a note on a rate that is the only one with a score."""
        if self.chosen.get(key) is None or self.supported.get(key):
            return ""
        return "?" if self.unsure(key) else " (the others diverged)"

    def at_edge(self, key: str) -> bool:
        """Whether the rate question ``key`` chose is the smallest or largest the arm tried."""
        return self.chosen.get(key) in (self.rates[0], self.rates[-1])

    def score(self, key: str) -> float:
        """Its score at the rate question ``key`` chose (accuracy, or training loss)."""
        r = self.chosen.get(key)
        return math.nan if r is None else self.accuracy[r][0] if key == "accuracy" else self.loss[r]


def _per_rate(mine, curves):
    """Rate -> (mean accuracy, standard error), geometric-mean loss, loss curve, validation-accuracy curve."""
    accuracy, loss, loss_curves, val_curves = {}, {}, {}, {}
    for r, g in mine.groupby("learning_rate_init", sort=True):
        bad = g[LOG_LOSS].isna().any()
        accuracy[float(r)] = (math.nan, math.nan) if bad else mean_and_error(g["val_accuracy"])[:2]
        loss[float(r)] = math.nan if bad else float(10 ** g[LOG_LOSS].mean())
        histories = histories_of(g, curves)
        loss_curves[float(r)] = mean_curve(histories, "loss")
        val_curves[float(r)] = mean_curve(histories, "val_accuracy")
    return accuracy, loss, loss_curves, val_curves


def _rate_verdict(question: TunedQuestion, value, chosen):
    """Whether the question's claims say ``chosen`` is the arm's best rate, and the rates tied with it at the top."""
    about = f"learning rate of {value}"
    best = any(c.kind == "best" and c.about == about and c.values == [chosen] for c in question.claims)
    order = next((c.values for c in question.claims if c.kind == "order" and c.about == about), [[]])
    return best, order[0]


def tuned_arms(result: SweepResult, arm: str, questions: list[TunedQuestion]) -> list[TunedArm]:
    """Each arm of the sweep, in the grid's order, with the rate each question chose for it."""
    runs = with_log_loss(result.runs)
    out = []
    for value, mine in runs.groupby(arm, sort=False):
        accuracy, loss, loss_curves, val_curves = _per_rate(mine, result.curves)
        chosen = {q.key: q.ranking.rates.get(value) for q in questions}
        chosen = {k: None if v is None else float(v.value) for k, v in chosen.items()}
        verdicts = {q.key: _rate_verdict(q, value, chosen[q.key]) for q in questions}
        seconds, timed = epoch_seconds(mine)
        out.append(
            TunedArm(
                value,
                sorted(accuracy),
                chosen,
                {k: v[0] for k, v in verdicts.items()},
                {k: v[1] for k, v in verdicts.items()},
                accuracy,
                loss,
                loss_curves,
                val_curves,
                seconds,
                timed,
            )
        )
    return out


def _score_text(key: str, value: float) -> str:
    return pct(value) if key == "accuracy" else "n/a" if not np.isfinite(value) else f"{value:.3g}"


def _names(values, name) -> str:
    names = [name(v) for v in values]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def arm_claims(question: TunedQuestion) -> list:
    """A question's claims about the arms (not about each arm's rates)."""
    return [c for c in question.claims if not c.about.startswith("learning rate of ")]


def ranking_text(question: TunedQuestion, name) -> str:
    """What a question's claims say of the arms: the levels that replicate, best first, or the arms the data
    cannot tell apart."""
    claims = arm_claims(question)
    order = next((c for c in claims if c.kind == "order"), None)
    if order is None:
        return "no arm has a score"
    levels = order.values
    if len(levels) == 1:
        return (
            (
                f"the data cannot tell {_names(levels[0], name)} apart (no difference of {question.difference}"
                " holds on every replication)"
            )
            if len(levels[0]) > 1
            else f"only {name(levels[0][0])} has a score"
        )
    words = [_names(level, name) + (" (tied)" if len(level) > 1 else "") for level in levels]
    best = next((c for c in claims if c.kind == "best"), None)
    text = " > ".join(words) + ", every replication agreeing on each step down"
    if best is not None:
        text += f": {name(best.values[0])} is best"
    return text


def rates_text(question: TunedQuestion, arms: list[TunedArm], name) -> str:
    """Each arm's score at the rate the question chose (``?``: the data cannot tell that rate from another the arm
    tried; ``edge``: the smallest or largest rate the arm tried)."""
    parts = []
    for arm in arms:
        r = arm.chosen.get(question.key)
        if r is None:
            parts.append(f"{name(arm.value)}: diverged at every rate")
            continue
        mark = arm.mark(question.key) + (", the edge of its grid" if arm.at_edge(question.key) else "")
        parts.append(f"{name(arm.value)} {_score_text(question.key, arm.score(question.key))} at {rate(r)}{mark}")
    return "; ".join(parts)


def question_text(question: TunedQuestion, arms: list[TunedArm], name, kind: str) -> str:
    """One question in words, generated from its claims: what it asks, each arm at the rate the question's own
    metric chose, and the order that replicates."""
    how = "highest" if question.key == "accuracy" else "lowest"
    text = (
        f"{question.asks[0].upper()}{question.asks[1:]} By {question.metric}, each {kind} at the learning rate"
        f" that makes it {how} ({rates_text(question, arms, name)}): {ranking_text(question, name)}."
    )
    unsure = [arm for arm in arms if arm.unsure(question.key)]
    if unsure:
        ties = "; ".join(f"{name(a.value)}: {_names(a.tied[question.key], rate)}" for a in unsure)
        text += (
            " (?: that rate has the highest mean on these seeds, but the data cannot tell it from the arm's"
            f" other rates — {ties}.)"
        )
    return text


def _level_of(question: TunedQuestion, value) -> str:
    levels = next((c.values for c in arm_claims(question) if c.kind == "order"), [])
    for i, level in enumerate(levels):
        if value in level:
            return f"{i + 1}" + (" (tied)" if len(level) > 1 else "")
    return ""


def tuned_frame(arms: list[TunedArm], questions: list[TunedQuestion], column: str, name) -> pd.DataFrame:
    """One row per arm: for each question, the rate it chose (``?``: not on every replication), the score there
    and the arm's place in the order that replicates (1 = top; tied arms share a place)."""
    rows = []
    for arm in arms:
        row = {column: name(arm.value)}
        for q in questions:
            r = arm.chosen.get(q.key)
            label = "accuracy" if q.key == "accuracy" else "training loss"
            row[f"rate by {label}"] = "" if r is None else rate(r) + arm.mark(q.key)
            row[q.metric] = (
                f"{pct(arm.score(q.key))} ± {100 * arm.accuracy[r][1]:.1f}"
                if q.key == "accuracy" and r is not None
                else arm.score(q.key)
            )
            row[f"place by {label}"] = _level_of(q, arm.value)
        rows.append(row)
    return pd.DataFrame(rows)


def tuned_page(arms: list[TunedArm], name) -> dict:
    """What the twin of a tuned study draws: per arm, the loss per epoch at every rate it tried, the rate each
    question chose (``best``: the training loss's, as the twin draws the loss), its scores, seconds per epoch."""

    def chosen(arm, key):
        r = arm.chosen.get(key)
        return None if r is None else f"{r:g}"

    return {
        "groups": [
            {
                "name": name(arm.value),
                "rates": {f"{r:g}": curve_points(c) for r, c in arm.curves.items()},
                "best": chosen(arm, "loss"),
                "best_loss": chosen(arm, "loss"),
                "best_accuracy": chosen(arm, "accuracy"),
                "accuracy": {f"{r:g}": v[0] for r, v in arm.accuracy.items()},
                "loss": {f"{r:g}": v for r, v in arm.loss.items()},
                "seconds_per_epoch": arm.seconds_per_epoch,
            }
            for arm in arms
        ]
    }


@dataclass
class TunedReading:
    """A tuned study's reading: its arms (:class:`TunedArm`), its two questions, the epochs trained, its claims."""

    result: SweepResult
    arms: list
    questions: list
    epochs: int
    claims: list


class TunedStudy(Study):
    """A study whose arms (``arm``: a column of the runs) each get their own learning rate, chosen anew for each
    question by that question's metric; a subclass sets ``arm``, ``about``, ``kind`` and :meth:`name_of`."""

    arm: str
    about: str
    kind: str
    cv = 3

    def name_of(self, value) -> str:
        """An arm's name in sentences, tables and legends."""
        return str(value)

    def read(self, result, split):
        epochs = int(round(result.runs["n_iter"].max()))
        questions = tuned_questions(result.runs, self.arm, self.name, self.about, epochs, self.margin)
        return TunedReading(
            result, tuned_arms(result, self.arm, questions), questions, epochs, [c for q in questions for c in q.claims]
        )

    def table(self, reading):
        return tuned_frame(reading.arms, reading.questions, self.kind, self.name_of)

    def question_texts(self, reading) -> str:
        """Both questions in words, from their claims."""
        if not any(arm.chosen.get("accuracy") is not None for arm in reading.arms):
            return f"Every run of the {self.kind} study diverged."
        return " ".join(question_text(q, reading.arms, self.name_of, self.kind) for q in reading.questions)

    def quoted(self, reading):
        runs = reading.result.runs
        chosen = {(arm.value, r) for arm in reading.arms for r in arm.chosen.values() if r is not None}
        return [
            c
            for c, g in runs.groupby("config")
            if (g[self.arm].iloc[0], float(g["learning_rate_init"].iloc[0])) in chosen
        ]

    def page(self, reading):
        return {
            **tuned_page(reading.arms, self.name_of),
            "questions": [
                {
                    "key": q.key,
                    "asks": q.asks,
                    "metric": q.metric,
                    "difference": q.difference,
                    "text": question_text(q, reading.arms, self.name_of, self.kind),
                }
                for q in reading.questions
            ],
        }
