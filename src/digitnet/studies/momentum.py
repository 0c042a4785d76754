"""The momentum study: full-batch gradient descent with momentum β from 0 to 0.99, at equal η and at equal step.

How much momentum? v ← β v − η g, θ ← θ + v: the velocity remembers past steps. Where the gradient
keeps its direction the velocity grows to η g / (1 − β): the *effective step* η/(1 − β). At one
learning rate (the original setting, η = 0.1), a larger β is therefore also a larger step (0.1, 0.2,
1 and 10 for β = 0, 0.5, 0.9, 0.99), and what β does is confounded with what a larger rate does.
The study runs both grids: equal η, and equal effective step η/(1 − β) = 1, and ranks the βs of
each by cross-validated accuracy (the declared metric) and, apart, by training loss; how far the
loss climbs back above its lowest (overshoot) is kept as a descriptive effect.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..experiments.analysis import CurveSummary, histories_of, mean_and_error, mean_curve, overshoot, rises
from ..experiments.results import SweepResult
from ..plots.style import new_figure, percent_formatter
from ..plots.tuned import summary_band
from ..words import pct
from .base import Settings, Study
from .claims import Claim
from .common import GRADIENT_DESCENT, curve_points
from .ranking import Ranking, rank_arms
from .registry import register
from .replication import replicate, seed_table
from .tuned import LOG_LOSS, LOSS_FACTOR, LOSS_MARGIN, with_log_loss

BETAS = (0.0, 0.5, 0.9, 0.99)
#: The original setting's learning rate (the first grid: every β at this η).
RATE = 0.1
#: The effective step of the second grid: η = STEP (1 − β) for every β. 1 is the effective step of the original
#: setting's β = 0.9 (so the grids share that run), and, for β = 0, plain gradient descent at a rate inside the
#: learning-rate study's good region: at equal step, no β starts from a step that crawls or one that overshoots.
STEP = 1.0
EPOCHS = 300
#: A loss that climbs back above this many times its lowest value so far overshoots (not round-off or noise).
RISE_FACTOR = 1.02


def accuracy_metric(epochs: int) -> str:
    return f"cross-validated accuracy after {epochs} epochs"


def loss_metric(epochs: int) -> str:
    return f"training loss after {epochs} epochs"


def step_rate(beta: float) -> float:
    """The learning rate of the equal-step grid for ``beta``: η = STEP (1 − β), rounded as a grid value is written."""
    return float(f"{STEP * (1 - beta):.6g}")


def effective_step(rate: float, beta: float) -> float:
    """η / (1 − β), rounded to six significant digits (0.01 / (1 − 0.99) is 1, not 0.9999999999999991)."""
    return float(f"{rate / (1 - beta):.6g}")


@dataclass
class MomentumArm:
    """One β of one grid: its training loss per epoch, scores, and how far its loss climbed back."""

    beta: float
    rate: float
    step: float  # η/(1 − β)
    loss: CurveSummary | None
    final_loss: float  # geometric mean over the seeds of the last epoch's training loss (NaN: a seed diverged)
    val_accuracy: float
    val_error: float
    rises: float  # share of epochs at which the loss went up (mean over the seeds)
    overshoot: float  # how far the loss climbed back above its lowest so far (1.0: never; mean over the seeds)
    diverged: bool


@dataclass
class MomentumGrid:
    """One of the two grids: equal η, or equal effective step; its arms, rankings and overshoot effect."""

    key: str  # "rate" or "step"
    words: str  # "at learning rate η = 0.1", "at effective step η/(1 − β) = 1"
    arms: list
    accuracy: Ranking
    loss: Ranking
    overshoot: Claim


@dataclass
class MomentumReading:
    result: SweepResult
    grids: list
    epochs: int
    claims: list


def _grid_runs(runs, key):
    """The runs of one grid: every β at η = RATE, or every β at η = STEP (1 − β)."""
    if key == "rate":
        return runs[np.isclose(runs["learning_rate_init"], RATE)]
    steps = [effective_step(r, b) for r, b in zip(runs["learning_rate_init"], runs["momentum"])]
    return runs[np.isclose(steps, STEP)]


def _arm(beta, group, curves):
    histories = histories_of(group, curves)
    each = [np.asarray(h["loss"], dtype=float) for h in histories]
    each = [c[np.isfinite(c)] for c in each]
    bad = group[LOG_LOSS].isna().any()
    rate = float(group["learning_rate_init"].iloc[0])
    val, se, _ = mean_and_error(group["val_accuracy"])
    return MomentumArm(
        float(beta),
        rate,
        effective_step(rate, beta),
        mean_curve(histories, "loss"),
        math.nan if bad else float(10 ** group[LOG_LOSS].mean()),
        val,
        se,
        float(np.mean([rises(c) for c in each])) if each else math.nan,
        float(np.mean([overshoot(c) for c in each])) if each else math.nan,
        bool(group["diverged_at"].notna().any()),
    )


def overshoot_claim(study, runs, curves, about, words) -> Claim:
    """Which βs make the loss climb back above its lowest by more than :data:`RISE_FACTOR` (each seed's curve;
    the mean over seeds decides), supported when every replication names the same βs: a descriptive effect."""
    climbs = runs.assign(
        climb=[
            overshoot(np.asarray(curves[r]["loss"], dtype=float)) if r in curves else math.nan for r in runs["run_id"]
        ]
    )
    table = seed_table(climbs, "momentum", "climb").sort_index()
    verdicts = replicate(lambda t: {b: bool(t.loc[b].mean() > RISE_FACTOR) for b in t.index}, table)
    over = [float(b) for b, v in verdicts.items() if v.value]
    means = table.mean(axis=1)
    note = (
        f"{words}, the loss climbs back above its lowest so far (overshoot) with β "
        + ", ".join(f"{b:g} (to {means[b]:.2f}×)" for b in over)
        if over
        else f"{words}, no β makes the loss climb back above its lowest so far (no overshoot)"
    )
    return Claim(
        study,
        "effect",
        about,
        over,
        all(v.supported for v in verdicts.values()),
        "the training loss climbing back above its lowest so far",
        note=note,
    )


def read_grid(study, runs, curves, key, words) -> MomentumGrid:
    """One grid's arms, its two rankings (accuracy, the declared metric; training loss, on a log scale) and its
    overshoot effect."""
    mine = _grid_runs(with_log_loss(runs), key)
    arms = [_arm(b, g, curves) for b, g in mine.groupby("momentum", sort=True)]
    about, epochs = f"momentum {words}", study_epochs(runs)
    accuracy = rank_arms(
        study.name, about, accuracy_metric(epochs), seed_table(mine, "momentum", "val_accuracy"), study.margin
    )
    loss = rank_arms(
        study.name, about, loss_metric(epochs), seed_table(mine, "momentum", LOG_LOSS), LOSS_MARGIN, higher=False
    )
    return MomentumGrid(
        key, words, arms, accuracy, loss, overshoot_claim(study.name, mine, curves, f"overshoot {words}", words)
    )


def study_epochs(runs) -> int:
    return int(round(runs["n_iter"].max()))


def _levels_text(ranking: Ranking) -> str:
    """A ranking's levels in words: "0.5, 0.9 and 0 (tied) > 0.99", or the βs it cannot tell apart."""

    def level(values):
        names = [f"{v:g}" for v in values]
        return (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]) + (
            " (tied)" if len(names) > 1 else ""
        )

    if len(ranking.levels) == 1:
        return f"β {level(ranking.levels[0]).removesuffix(' (tied)')} cannot be told apart"
    return "β " + " > ".join(level(values) for values in ranking.levels)


def grid_text(grid: MomentumGrid, epochs: int) -> str:
    """One grid in words, from its claims: each β's scores, the two orders that replicate, the overshoot."""
    each = "; ".join(
        f"β {a.beta:g} (η {a.rate:g}, step {a.step:g}): "
        + ("diverged" if a.diverged else f"{pct(a.val_accuracy)}, loss {a.final_loss:.3g}")
        for a in grid.arms
    )
    return (
        f"{grid.words[0].upper()}{grid.words[1:]} — {each}. Which generalises, by {accuracy_metric(epochs)}:"
        f" {_levels_text(grid.accuracy)}; how far training gets in {epochs} epochs, by training loss (a factor"
        f" of {LOSS_FACTOR:g} counts): {_levels_text(grid.loss)}. {grid.overshoot.note[0].upper()}"
        f"{grid.overshoot.note[1:]}"
        + ("" if grid.overshoot.supported else " (not every replication agrees on which βs)")
        + "."
    )


def _factors(grid: MomentumGrid) -> dict:
    """β -> how many times lower its training loss ended than β 0's, in this grid."""
    base = next((a.final_loss for a in grid.arms if a.beta == 0.0), math.nan)
    return {a.beta: base / a.final_loss for a in grid.arms if a.beta != 0.0}


def _level(ranking: Ranking, beta) -> int | None:
    return next((i for i, level in enumerate(ranking.levels) if beta in level), None)


def _join(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _betas(values) -> str:
    return _join(f"{v:g}" for v in values)


def _numbers(values, fmt="{:.3g}") -> str:
    return _join(fmt.format(v) for v in values)


def hidden_text(by_rate: MomentumGrid, by_step: MomentumGrid) -> str:
    """What equal effective step shows that equal η hides, from the two grids' loss rankings and numbers: the βs
    that beat β 0 at equal η, and where each of them stands against β 0 at equal step."""
    rate_f, step_f = _factors(by_rate), _factors(by_step)
    steps = {a.beta: a.step for a in by_rate.arms}
    zero_rate, zero_step = _level(by_rate.loss, 0.0), _level(by_step.loss, 0.0)
    ahead = [
        b for b in rate_f if None not in (_level(by_rate.loss, b), zero_rate) and _level(by_rate.loss, b) < zero_rate
    ]
    if not ahead or zero_step is None:
        return ""
    text = (
        f" What equal η hides: at η = {RATE:g}, β {_betas(ahead)} end with a training loss"
        f" {_numbers(rate_f[b] for b in ahead)} times lower than β 0, but their effective steps are"
        f" {_betas([steps[b] for b in ahead])}, not {RATE:g}."
    )
    placed = {b: _level(by_step.loss, b) for b in ahead if b in step_f}
    same = [b for b, lv in placed.items() if lv == zero_step]
    better = [b for b, lv in placed.items() if lv is not None and lv < zero_step]
    worse = [b for b, lv in placed.items() if lv is not None and lv > zero_step]
    if same:
        text += (
            f" At equal effective step {STEP:g} the data cannot tell β {_betas(same)} from β 0 (a factor of"
            f" {_numbers((step_f[b] for b in same), '{:.2f}')}): for "
            + ("them" if len(same) > 1 else "it")
            + " the gain was the larger step, not the velocity."
        )
    if better:
        text += (
            f" At equal step {STEP:g}, β {_betas(better)} still "
            + ("end" if len(better) > 1 else "ends")
            + f" {_numbers(step_f[b] for b in better)} times lower than β 0: that part of the gain is momentum's"
            " own."
        )
    if worse:
        text += (
            f" At equal step {STEP:g}, β {_betas(worse)} "
            + ("end" if len(worse) > 1 else "ends")
            + " behind β 0 (a loss"
            f" {_numbers(1 / step_f[b] for b in worse)} times higher): a velocity needs about 1/(1 − β) ="
            f" {_numbers(1 / (1 - b) for b in worse)} steps to build up to the effective step."
        )
    return text + _overshoot_text(by_rate, by_step, steps)


def _overshoot_text(by_rate, by_step, steps) -> str:
    only = [b for b in by_rate.overshoot.values if b not in by_step.overshoot.values]
    if not only or not (by_rate.overshoot.supported and by_step.overshoot.supported):
        return ""
    return (
        f" The overshoot of β {_betas(only)} at η = {RATE:g} (effective step {_betas([steps[b] for b in only])})"
        f" is gone at equal step {STEP:g}: it came with the step size."
    )


def generalises_text(grid: MomentumGrid) -> str:
    """When the β that trains furthest is the one that generalises worst, say so (from the two rankings)."""
    lowest = grid.loss.levels[0] if len(grid.loss.levels) > 1 else []
    worst = grid.accuracy.levels[-1] if len(grid.accuracy.levels) > 1 else []
    if len(lowest) == 1 and len(worst) == 1 and lowest[0] == worst[0]:
        arm = next(a for a in grid.arms if a.beta == lowest[0])
        best = max(grid.arms, key=lambda a: a.val_accuracy)
        return (
            f" {grid.words[0].upper()}{grid.words[1:]}, β {arm.beta:g} reaches the lowest training loss and the"
            f" lowest accuracy ({pct(arm.val_accuracy)} against {pct(best.val_accuracy)} at β {best.beta:g}):"
            " training further is not generalising better."
        )
    return ""


class Momentum(Study):
    name = "momentum"
    title = "Momentum"
    order = 70
    question = (
        "How much momentum? v ← β v − η g, θ ← θ + v: the velocity v remembers past steps, and where the"
        " gradient keeps its direction it grows to η g/(1 − β): an effective step η/(1 − β). Full-batch"
        f" gradient descent, {EPOCHS} epochs, β from 0 to 0.99 in two grids: at the original setting's"
        f" learning rate η = {RATE:g} (where a larger β is also a larger step) and at equal effective step"
        f" η/(1 − β) = {STEP:g} (the effective step of the original setting's β = 0.9; for β = 0, plain"
        f" gradient descent at η = {STEP:g}, inside the learning-rate study's good region)."
        " Each grid's βs are ranked by cross-validated accuracy (which generalises)"
        " and, apart, by training loss (how far training gets): a difference counts from half a point of"
        f" accuracy, or a factor of {LOSS_FACTOR:g} in loss. The overshoot (the loss climbing back above its"
        " lowest) is described, not ranked."
    )
    metric = accuracy_metric(EPOCHS)
    margin = 0.005
    description = (
        f"Full-batch gradient descent with momentum 0, 0.5, 0.9 and 0.99 ({EPOCHS} epochs) at learning"
        f" rate {RATE:g} and at equal effective step η/(1 − β) = {STEP:g}: 3-fold cross-validated accuracy"
        " and training loss, each ranked apart; overshoot described."
    )
    notebook = r"""How much momentum? $v \leftarrow \beta v - \eta g$, $\theta \leftarrow \theta + v$: the velocity $v$ remembers past
steps; where the gradient keeps its direction it grows to $\eta g/(1-\beta)$, an *effective step* $\eta/(1-\beta)$. At
one learning rate, a larger $\beta$ is also a larger step (at $\eta = 0.1$: 0.1, 0.2, 1 and 10 for
$\beta \in \{0, 0.5, 0.9, 0.99\}$), so the study runs a second grid at equal effective step $\eta/(1-\beta) = 1$
($\eta = 1, 0.5, 0.1, 0.01$): what momentum does beyond taking larger steps. Each grid is ranked by cross-validated
accuracy and, apart, by training loss; the overshoot (the loss climbing back above its lowest) is described."""
    grid = [{"momentum": list(BETAS), "learning_rate_init": [RATE]}] + [
        {"momentum": [b], "learning_rate_init": [step_rate(b)]} for b in BETAS if not math.isclose(step_rate(b), RATE)
    ]
    base_params = {
        **GRADIENT_DESCENT,
        "hidden_layer_sizes": (64,),
        "activation": "relu",
        "nesterovs_momentum": False,
        "max_iter": EPOCHS,
    }
    varied = ("momentum", "learning_rate_init")
    cv = 3
    full = Settings(seeds=3)
    quick = Settings(seeds=2, params={"max_iter": 60})
    captions = (
        (
            "momentum",
            f"The training loss per epoch for each momentum β: at learning rate η = {RATE:g} (left)"
            f" and at equal effective step η/(1 − β) = {STEP:g} (right); log scales.",
        ),
        (
            "momentum_scores",
            "Cross-validated accuracy (left) and training loss after the last epoch (right) against β, in both grids.",
        ),
    )
    twin = "momentum.js"

    def read(self, result, split):
        runs, curves = result.runs, result.curves
        grids = [
            read_grid(self, runs, curves, "rate", f"at learning rate η = {RATE:g}"),
            read_grid(self, runs, curves, "step", f"at effective step η/(1 − β) = {STEP:g}"),
        ]
        claims = [c for g in grids for c in (*g.accuracy.claims, *g.loss.claims, g.overshoot)]
        return MomentumReading(result, grids, study_epochs(runs), claims)

    def table(self, reading):
        rows = []
        for grid in reading.grids:
            for a in grid.arms:
                rows.append(
                    {
                        "grid": "equal η" if grid.key == "rate" else "equal effective step",
                        "β": f"{a.beta:g}",
                        "η": f"{a.rate:g}",
                        "η/(1 − β)": f"{a.step:g}",
                        "cross-validated accuracy": f"{pct(a.val_accuracy)} ± {100 * a.val_error:.1f}",
                        "place by accuracy": _place(grid.accuracy, a.beta),
                        f"training loss after {reading.epochs} epochs": a.final_loss,
                        "place by training loss": _place(grid.loss, a.beta),
                        "loss went up at": f"{a.rises:.0%} of epochs",
                        "loss climbed back to": f"{a.overshoot:.2f}× its lowest",
                    }
                )
        return pd.DataFrame(rows)

    def conclusion(self, reading):
        """Both grids from their claims, then what equal effective step shows that equal η hides."""
        by_rate, by_step = reading.grids
        return (
            " ".join(grid_text(g, reading.epochs) for g in reading.grids)
            + hidden_text(by_rate, by_step)
            + generalises_text(by_rate)
            + generalises_text(by_step)
        )

    def figures(self, reading):
        return {"momentum": curves_figure(reading), "momentum_scores": scores_figure(reading)}

    def page(self, reading):
        seen, groups = set(), []
        for grid in reading.grids:
            for a in grid.arms:
                if (a.beta, a.rate) in seen:
                    continue
                seen.add((a.beta, a.rate))
                groups.append(
                    {
                        "name": f"β = {a.beta:g}, η = {a.rate:g} (η/(1 − β) = {a.step:g})",
                        "curve": curve_points(a.loss),
                        "beta": a.beta,
                        "rate": a.rate,
                        "step": a.step,
                        "val": a.val_accuracy,
                        "final_loss": a.final_loss,
                    }
                )
        return {
            "groups": groups,
            "grids": [{"key": g.key, "words": g.words, "text": grid_text(g, reading.epochs)} for g in reading.grids],
        }


def _place(ranking: Ranking, beta) -> str:
    i = _level(ranking, beta)
    return "" if i is None else f"{i + 1}" + (" (tied)" if len(ranking.levels[i]) > 1 else "")


def curves_figure(reading):
    """The training loss per epoch of every β, one panel per grid (log scales)."""
    fig = new_figure(11.0, 4.6)
    axes = fig.subplots(1, 2, sharey=True)
    colors = dict(zip(BETAS, ("#332288", "#117733", "#DDCC77", "#CC6677")))
    for ax, grid in zip(axes, reading.grids):
        for a in grid.arms:
            summary_band(ax, a.loss, colors.get(a.beta, "#888888"), f"β = {a.beta:g}, η = {a.rate:g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("epoch (log scale)")
        ax.set_ylabel("training loss (nats, log scale)")
        ax.set_title(grid.words, fontsize="medium")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="x-small")
    fig.suptitle("Training loss per epoch by momentum β: equal η, and equal effective step")
    return fig


def scores_figure(reading):
    """Cross-validated accuracy and final training loss against β, both grids (β at evenly spaced places)."""
    fig = new_figure(11.0, 4.4)
    acc_ax, loss_ax = fig.subplots(1, 2)
    for grid, color, marker in zip(reading.grids, ("#332288", "#CC6677"), ("o-", "s--")):
        xs = [BETAS.index(a.beta) if a.beta in BETAS else i for i, a in enumerate(grid.arms)]
        acc_ax.errorbar(
            xs,
            [a.val_accuracy for a in grid.arms],
            yerr=[a.val_error for a in grid.arms],
            fmt=marker,
            color=color,
            capsize=3,
            label=grid.words,
        )
        loss_ax.plot(xs, [a.final_loss for a in grid.arms], marker, color=color, label=grid.words)
    for ax in (acc_ax, loss_ax):
        ax.set_xticks(range(len(BETAS)), [f"{b:g}" for b in BETAS])
        ax.set_xlabel("momentum β")
        ax.grid(True, alpha=0.3)
    acc_ax.set_ylabel("cross-validated accuracy (%)\nmean ± std error over seeds")
    acc_ax.yaxis.set_major_formatter(percent_formatter())
    loss_ax.set_yscale("log")
    loss_ax.set_ylabel(f"training loss after {reading.epochs} epochs\n(nats, log scale)")
    loss_ax.legend(fontsize="small")
    acc_ax.set_title("which generalises", fontsize="medium")
    loss_ax.set_title("how far training gets", fontsize="medium")
    fig.suptitle("Momentum β at equal η and at equal effective step")
    return fig


register(Momentum())
