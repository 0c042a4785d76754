"""The L2 study: the penalty alpha from 0 to 100 on a wide network, from overfitting to underfitting.

How strong an L2 penalty? The loss adds (α/2n) Σ‖W‖², which pulls every weight towards 0: a little
may narrow the gap between training and held-out accuracy, too much keeps the network from fitting
even its training digits. Every alpha is judged on its cross-validated accuracy (3 folds per seed,
each seed its own replication); the study states, only where every replication agrees:

- the alphas ranked by cross-validated accuracy (:func:`~digitnet.studies.ranking.rank_arms`): the
  best alpha if it is alone at the top, else the alphas the data cannot tell apart;
- the gap between training and cross-validated accuracy at the smallest alpha (overfitting);
- the alphas whose penalty lowers even the training accuracy against the smallest alpha's (underfitting).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..experiments.analysis import by_value, finished
from ..experiments.results import SweepResult
from ..plots import against_parameter
from ..words import pct
from .base import Settings, Study
from .common import NO_STOPPING
from .effects import LOWERS, RAISES, SAME, effect_claim, moves, paired_effects, signed
from .ranking import finite, rank_arms
from .registry import register
from .replication import seed_table

METRIC = "cross-validated accuracy"


@dataclass
class PenaltyReading:
    """``alpha -> (mean, standard error, n)`` over the seeds of the training and the cross-validated accuracy, the
    ranking, the effects (``gap``: training minus cross-validated accuracy at the smallest alpha; ``underfit[a]``:
    training accuracy at ``a`` minus at the smallest alpha), and the claims."""

    result: SweepResult
    train: dict
    val: dict
    ranking: object
    gap: object
    underfit: dict
    claims: list


def penalty_effects(runs, margin):
    """The gap at the smallest alpha (training minus cross-validated accuracy, paired by seed) and each larger
    alpha's effect on the training accuracy against the smallest alpha's."""
    train = finite(seed_table(runs, "alpha", "train_accuracy").sort_index())
    val = finite(seed_table(runs, "alpha", "val_accuracy").sort_index())
    if train.empty or val.empty:
        return None, {}
    smallest = train.index[0]
    both = pd.concat({"train": train.loc[[smallest]], "val": val.loc[[smallest]]})
    gap = paired_effects(both, {"gap": (("train", smallest), ("val", smallest))}, margin)["gap"]
    underfit = paired_effects(train, {a: (a, smallest) for a in train.index[1:]}, margin)
    return gap, underfit


def penalty_claims(ranking, gap, underfit, study="regularization") -> list:
    """The ranking's claims, the gap at the smallest alpha, and the effect of each larger alpha on training accuracy."""
    claims = list(ranking.claims)
    if gap is not None:
        what = {RAISES: ": a gap (overfitting)", SAME: ": no gap"}.get(
            gap.direction, ", too close to the margin to call"
        )
        claims.append(
            effect_claim(
                study,
                "training against cross-validated accuracy at the smallest alpha",
                gap,
                "training minus cross-validated accuracy",
                f"at the smallest alpha the training accuracy is {signed(gap.mean)} from the"
                f" cross-validated ({pct(gap.with_mean)} against {pct(gap.without_mean)}){what}",
            )
        )
    for alpha, effect in underfit.items():
        claims.append(
            effect_claim(
                study,
                f"alpha {alpha:g} against the smallest alpha",
                effect,
                "training accuracy",
                f"against the smallest alpha, alpha {alpha:g}"
                f" {moves(effect.direction, 'the training accuracy')} ({pct(effect.without_mean)} to"
                f" {pct(effect.with_mean)})" + (" (underfitting)" if effect.direction == LOWERS else ""),
            )
        )
    return claims


def _ranking_text(reading):
    ranking, val = reading.ranking, reading.val
    top = ranking.levels[0] if ranking.levels else []
    if len(ranking.levels) > 1 and len(top) == 1:
        return (
            f"The best alpha by {METRIC} is {top[0]:g} ({pct(val[top[0]][0])}), ahead of every other on every"
            " replication."
        )
    best = max(top, key=lambda a: val[a][0])
    return (
        f"By {METRIC}, alphas {', '.join(f'{a:g}' for a in sorted(top))} cannot be told apart (the best mean,"
        f" {pct(val[best][0])}, came at {best:g}, but another replication may put another of them first)."
    )


def _fit_text(reading):
    train, val, gap = reading.train, reading.val, reading.gap
    smallest = min(val)
    without = "Without penalty" if smallest == 0 else "With the smallest penalty"
    text = (
        f"{without} (alpha {smallest:g}) the network fits its training digits at {pct(train[smallest][0])} and"
        f" the held-out digits at {pct(val[smallest][0])}"
    )
    if gap is not None and gap.direction == RAISES:
        text += (
            f": a gap of {100 * gap.mean:.1f} points (overfitting)"
            + ("" if gap.supported else ", though not every replication puts it beyond the margin")
            + "."
        )
    elif gap is not None and gap.direction == SAME:
        text += ": no gap" + ("" if gap.supported else " (not every replication agrees)") + "."
    else:
        text += f": a gap of {100 * gap.mean:.1f} points, too close to the margin to call." if gap is not None else "."
    under = [a for a, e in reading.underfit.items() if e.direction == LOWERS and e.supported]
    unsure = [a for a, e in reading.underfit.items() if e.direction == LOWERS and not e.supported]
    if under:
        a = max(under)
        text += (
            f" From alpha {min(under):g} on, the penalty lowers even the training accuracy (on every replication:"
            f" {', '.join(f'{x:g}' for x in under)}): it wins over the data, and at alpha {a:g} the network"
            f" fits only {pct(train[a][0])} of its training digits and {pct(val[a][0])} of the held-out ones"
            " (underfitting)."
        )
    else:
        text += " No alpha of the grid lowers the training accuracy on every replication: no underfitting."
    if unsure:
        text += f" At alpha {', '.join(f'{x:g}' for x in unsure)} not every replication agrees that it does."
    return text


class Regularization(Study):
    name = "regularization"
    title = "Regularization"
    order = 80
    question = (
        "How strong an L2 penalty? The loss adds (α/2n) Σ‖W‖², which pulls every weight towards 0; α"
        " from 0 to 100 on a wide network, each judged on its cross-validated accuracy, beside its training"
        " accuracy (the gap between them, and underfitting)."
    )
    metric = METRIC
    margin = 0.005
    description = (
        "The L2 penalty alpha from 0 to 100 on a wide network (256 relu units, adam, 150 epochs):"
        " training and 3-fold cross-validated accuracy, from overfitting to underfitting."
    )
    notebook = r"""How strong an L2 penalty? The loss adds $\frac{\alpha}{2n}\sum_l \lVert W^{[l]} \rVert^2$, which pulls every weight
towards 0; $\alpha$ from 0 to 100 on a wide network, ranked by cross-validated accuracy (a difference under half a
point does not count), beside the training accuracy: the gap between them at small $\alpha$ (overfitting), and the
$\alpha$ from which the penalty lowers even the training accuracy (underfitting). Each is stated only when every
replication (both halves of the seeds, 95% of resamples of them) agrees."""
    grid = {"alpha": [0.0, 1e-3, 1e-2, 0.1, 1.0, 3.0, 10.0, 30.0, 100.0]}
    base_params = {"hidden_layer_sizes": (256,), "activation": "relu", "solver": "adam", "max_iter": 150, **NO_STOPPING}
    varied = ("alpha",)
    cv = 3
    full = Settings(seeds=3)
    quick = Settings(seeds=2, grid={"alpha": [0.0, 0.01, 1.0, 10.0, 100.0]}, params={"max_iter": 30})
    captions = (
        ("regularization", "Training and cross-validated accuracy against α (mean ± standard error over the seeds)."),
    )
    twin = "regularization.js"

    def read(self, result, split):
        runs = finished(result.runs)
        table = seed_table(runs, "alpha", "val_accuracy")
        ranking = rank_arms(self.name, "alpha", METRIC, finite(table), self.margin)
        gap, underfit = penalty_effects(runs, self.margin)
        return PenaltyReading(
            result,
            by_value(runs, "alpha", "train_accuracy"),
            by_value(runs, "alpha", "val_accuracy"),
            ranking,
            gap,
            underfit,
            penalty_claims(ranking, gap, underfit, self.name),
        )

    def table(self, reading):
        train, val = reading.train, reading.val
        level = {a: i for i, lv in enumerate(reading.ranking.levels) for a in lv}
        rows = []
        for a in val:
            effect = reading.underfit.get(a)
            rows.append(
                {
                    "alpha": f"{a:g}",
                    "training accuracy": pct(train[a][0]),
                    "cross-validated accuracy": f"{pct(val[a][0])} ± {100 * val[a][1]:.1f}",
                    "gap (points)": f"{100 * (train[a][0] - val[a][0]):.1f}",
                    "rank (1: best; shared: cannot be told apart)": level.get(a, -1) + 1 or "",
                    "underfits": ""
                    if effect is None
                    else "yes"
                    if effect.direction == LOWERS and effect.supported
                    else "uncertain"
                    if effect.direction == LOWERS
                    else "no",
                }
            )
        return pd.DataFrame(rows)

    def conclusion(self, reading):
        """The ranking by cross-validated accuracy, the gap at the smallest alpha and the underfitting alphas, from the
        claims."""
        if not reading.val:
            return "Every run of the regularization study failed."
        return _ranking_text(reading) + " " + _fit_text(reading)

    def quoted(self, reading):
        runs = reading.result.runs
        top = reading.ranking.levels[0] if reading.ranking.levels else []
        return list(runs.loc[runs["alpha"].isin(top), "config"].unique())

    def figures(self, reading):
        cross = reading.result.config.cv is not None
        held_out = "cross-validated accuracy" if cross else "validation accuracy"
        return {
            "regularization": against_parameter(
                reading.result.runs,
                "alpha",
                labels={"val_accuracy": held_out},
                title=f"Training and {held_out} against the L2 penalty α",
            )
        }

    def page(self, reading):
        train, val = reading.train, reading.val
        top = set(reading.ranking.levels[0]) if reading.ranking.levels else set()
        return {
            "alphas": [
                {"alpha": a, "train": train[a][0], "val": val[a][0], "val_se": val[a][1], "top": a in top} for a in val
            ]
        }


register(Regularization())
