"""From the original project's setting to ours: what each change does alone, in a chain, and taken out of ours.

The original project trained 32 sigmoid units from weights N(0, 0.01²) by full-batch gradient
descent at rate 0.1 for 1000 epochs; ours is MLPClassifier's defaults. Eight changes lead from one
to the other. A chain of single steps credits each change with what it adds *after the changes
before it*, which depends on their order: a learning rate of 0.001 ruins plain gradient descent, and
the adam step that follows only undoes that. So every change is measured three ways, on
cross-validated accuracy over seeds that each draw their own starting weights and folds: added
alone to the original, in the chain, and removed alone from ours. A change's effect in one view is
stated (raises, lowers, or no difference beyond the margin) only when every replication gives it
the same direction; where the views disagree, the change pays only together with others, or
another change already does its work.

The cap of 200 epochs comes early in the chain (after the relu step): every later step then trains
at most 200 epochs, which keeps the study fast; the other two views do not depend on the order, and
a configuration that differs from another only in its cap is read off the same training.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..experiments.params import LABEL
from ..experiments.results import SweepResult
from ..plots import loss_curves
from ..plots.style import mpl_patches, new_figure, percent_formatter
from ..words import pct
from .base import Settings, Study
from .common import GRADIENT_DESCENT
from .effects import LOWERS, RAISES, SAME, effect_claim, paired_effects, signed
from .registry import register
from .replication import seed_table

#: The original project's setting (with a correct softmax output): 32 sigmoid units, weights
#: N(0, 0.01^2), full-batch gradient descent at learning rate 0.1 for 1000 epochs.
ORIGINAL = {
    **GRADIENT_DESCENT,
    "hidden_layer_sizes": (32,),
    "activation": "logistic",
    "weight_init": "small_normal",
    "learning_rate_init": 0.1,
    "max_iter": 1000,
}


@dataclass(frozen=True)
class Change:
    """One change from the original setting towards ours: its name and the parameters it sets."""

    name: str
    params: dict


#: From the original setting to ours (MLPClassifier's defaults), in the chain's order.
CHANGES = (
    Change("glorot initial weights", {"weight_init": "glorot"}),
    Change("relu units", {"activation": "relu"}),
    Change("at most 200 epochs", {"max_iter": 200}),
    Change("100 units", {"hidden_layer_sizes": (100,)}),
    Change("mini-batches of 200, shuffled", {"batch_size": "auto", "shuffle": True}),
    Change("learning rate 0.001", {"learning_rate_init": 0.001}),
    Change("adam", {"solver": "adam"}),
    Change("stop after 10 epochs without a gain of 1e-4", {"n_iter_no_change": 10, "tol": 1e-4}),
)
#: Ours: every change made (momentum stays at the original's 0: adam does not use it).
OURS = {k: v for change in CHANGES for k, v in change.params.items()} | {
    k: v for k, v in ORIGINAL.items() if not any(k in c.params for c in CHANGES)
}
#: The three ways a change is measured; the effect is always that of having the change (with minus without).
VIEWS = ("alone", "chain", "removed")
VIEW_WORDS = {
    "alone": "added alone to the original",
    "chain": "in the chain, after the changes before it",
    "removed": "removed alone from ours",
}
METRIC = "cross-validated accuracy"


@dataclass(frozen=True)
class Layout:
    """The configurations (label, parameters), in grid order, and where each view reads each change:
    ``pairs[view, i] = (configuration with change i, configuration without it)``; ``chain`` lists the chain's
    configurations (the original first, ours last)."""

    arms: list
    pairs: dict
    chain: list


def layout(changes=CHANGES) -> Layout:
    """The chain of single steps, then each change alone on the original, then ours without each change; a
    configuration two views share (the first change alone is the chain's first step) is trained once."""
    arms, seen = [], {}

    def add(label, params):
        key = tuple(sorted(params.items()))
        if key not in seen:
            seen[key] = len(arms)
            arms.append((label, params))
        return seen[key]

    current = dict(ORIGINAL)
    chain = [add("original", current)]
    for change in changes:
        current = {**current, **change.params}
        chain.append(add(f"+ {change.name}", current))
    ours, pairs = current, {}
    for i, change in enumerate(changes):
        pairs["chain", i] = (chain[i + 1], chain[i])
        pairs["alone", i] = (add(f"original + {change.name}", {**ORIGINAL, **change.params}), chain[0])
    for i, change in enumerate(changes):
        pairs["removed", i] = (
            chain[-1],
            add(f"ours without {change.name}", {**ours, **{k: ORIGINAL[k] for k in change.params}}),
        )
    return Layout(arms, pairs, chain)


def grid(changes=CHANGES) -> list:
    """The sweep's grid: one labelled configuration per arm of :func:`layout`."""
    return [{LABEL: [label], **{k: [v] for k, v in params.items()}} for label, params in layout(changes).arms]


@dataclass
class StepsReading:
    """What the study found: every configuration's mean cross-validated accuracy and epochs trained (by
    configuration id), each change's effect in each view (``effects[view, i]``), the labels the runs carry, the
    chain's steps as they ran (``(label, parameters)``: the original's whole setting, then what each step changed),
    and the claims."""

    result: SweepResult
    layout: Layout
    accuracy: pd.Series
    effects: dict
    labels: dict
    steps: list
    claims: list
    epochs: dict = field(default_factory=dict)


def chain_steps(result, plan, labels) -> list:
    """``(label, parameters)`` along the chain as it ran: the original's setting, then what each step changed (the
    parameters of the sweep's configurations, so a run whose grid was overridden says what it really trained)."""
    params = [{k: v for k, v in p.items() if k != LABEL} for p in result.params] if result.params else []
    if len(params) < len(plan.arms) or not params[plan.chain[0]]:
        params = [p for _, p in plan.arms]
    steps = [(labels[plan.chain[0]], params[plan.chain[0]])]
    for before, after in zip(plan.chain, plan.chain[1:]):
        steps.append((labels[after], {k: v for k, v in params[after].items() if params[before].get(k) != v}))
    return steps


def _change_words(effect, difference):
    """What a difference does, in words: ``raises ... by 2.0 points``, ``... less than half the margin``, ..."""
    size = f"{100 * abs(difference):.1f} points"
    if effect.direction in (RAISES, LOWERS):
        return f"{'raises' if difference > 0 else 'lowers'} {METRIC} by {size}"
    if effect.direction == SAME:
        return f"changes {METRIC} by {signed(difference)}, less than half the margin (no difference)"
    return f"changes {METRIC} by {signed(difference)}: less than the margin, too close to it to call"


def _note(change, view, effect):
    """The effect in words, with its size (the size is descriptive: the claim is its direction)."""
    if view == "removed":  # the effect is that of having the change: taking it out does the opposite
        return (
            f"removing {change.name} from ours {_change_words(effect, -effect.mean)} ({pct(effect.with_mean)}"
            f" with it, {pct(effect.without_mean)} without)"
        )
    where = "added alone to the original" if view == "alone" else "as a step of the chain"
    return (
        f"{change.name}, {where}, {_change_words(effect, effect.mean)} ({pct(effect.without_mean)} without it,"
        f" {pct(effect.with_mean)} with it)"
    )


def effect_claims(effects, changes=CHANGES, study="original-to-ours") -> list:
    """One effect claim per change and view: its direction (the effect of having the change), supported when every
    replication gives it."""
    return [
        effect_claim(study, f"{changes[i].name}, {VIEW_WORDS[view]}", effect, METRIC, _note(changes[i], view, effect))
        for (view, i), effect in effects.items()
        if effect.direction is not None
    ]


#: What a change does, from its effect added alone to the original and its effect removed alone from ours.
KINDS_OF_CHANGE = {
    "alone": "help on their own (added alone to the original), and ours loses accuracy without them",
    "together": "help only together with the others (no gain, or a loss, added alone to the original, yet ours"
    " loses accuracy without them)",
    "covered": "help the original alone, yet ours loses nothing without them (other changes do their work there)",
    "nothing": "make no difference beyond the margin, alone or in ours",
    "hurt": "help neither the original nor ours, and lower one of them",
    "uncertain": "the data cannot settle (not every replication agrees, or an effect is too close to the margin to"
    " call)",
}


#: The same, in a table's cell.
SHORT_KINDS = {
    "alone": "helps alone",
    "together": "helps only together",
    "covered": "helps alone, not in ours",
    "nothing": "no difference",
    "hurt": "hurts",
    "uncertain": "the data cannot settle",
}


def kind_of_change(alone, removed) -> str:
    """A key of :data:`KINDS_OF_CHANGE` from two supported directions of the effect of having the change: added alone
    to the original, and in ours (None: not supported)."""
    if alone is None or removed is None:
        return "uncertain"
    if alone == RAISES:
        return "alone" if removed == RAISES else "covered"
    if removed == RAISES:
        return "together"
    return "nothing" if alone == removed == SAME else "hurt"


def supported_direction(effect):
    """The effect's direction if it replicates, else None."""
    return effect.direction if effect is not None and effect.supported else None


def kinds(reading, changes=CHANGES) -> dict:
    """change index -> its kind (:func:`kind_of_change`)."""
    return {
        i: kind_of_change(
            supported_direction(reading.effects.get(("alone", i))),
            supported_direction(reading.effects.get(("removed", i))),
        )
        for i in range(len(changes))
    }


#: The parameters of how long training goes on: a change that sets one says how many epochs it makes the network train.
LENGTH = ("max_iter", "n_iter_no_change", "tol")


def _epochs_note(reading, view, i, changes=CHANGES):
    """``; alone it trains 18 epochs, against 1000``: for a change of how long training goes on, where it moves the
    epochs trained by more than 10%."""
    if not set(LENGTH) & set(changes[i].params):
        return ""
    with_it, without = reading.layout.pairs[view, i]
    a, b = reading.epochs.get(with_it), reading.epochs.get(without)
    if a is None or b is None or not (np.isfinite(a) and np.isfinite(b)) or abs(a - b) <= 0.1 * max(a, b):
        return ""
    return (
        f"; alone it trains {a:.0f} epochs, against {b:.0f}"
        if view == "alone"
        else f"; ours trains {a:.0f} epochs with it, {b:.0f} without"
    )


def _named(reading, i, changes=CHANGES):
    """A change with what it adds alone and what it is worth in ours (what ours loses without it), a view whose
    direction not every replication gives marked uncertain, and the epochs trained where the change moves them."""
    parts = []
    for view, where in (("alone", "alone"), ("removed", "in ours")):
        effect = reading.effects[view, i]
        parts.append(f"{signed(effect.mean)} {where}" + ("" if effect.supported else " (uncertain)"))
    return (
        f"{changes[i].name} ({', '.join(parts)}{_epochs_note(reading, 'alone', i)}"
        f"{_epochs_note(reading, 'removed', i)})"
    )


def _order_text(reading, changes=CHANGES):
    """The changes whose chain step says something else than the change alone or removed from ours."""
    odd = []
    for i, change in enumerate(changes):
        chain, alone, removed = (supported_direction(reading.effects[v, i]) for v in VIEWS)
        if chain is not None and ((alone is not None and alone != chain) or (removed is not None and removed != chain)):
            e = reading.effects
            odd.append(
                f"{change.name} with {signed(e['chain', i].mean)} (alone {signed(e['alone', i].mean)}, in ours"
                f" {signed(e['removed', i].mean)})"
            )
    if not odd:
        return " Every change's step in the chain goes the way of its effect alone and in ours."
    return (
        " The chain's order matters: its step credits " + "; ".join(odd) + " — a step counts what it adds after"
        " the changes before it, which may undo or enable it."
    )


class OriginalToOurs(Study):
    name = "original-to-ours"
    title = "Original vs ours"
    order = 10
    section = "network"
    question = (
        "What made the difference? Eight changes lead from the original project's setting to ours"
        " (MLPClassifier's defaults); each is measured three ways on cross-validated accuracy: added alone to"
        " the original, as a step of a chain of single changes, and removed alone from ours."
    )
    metric = METRIC
    margin = 0.005
    description = (
        "The original project's setting (32 sigmoid units, weights N(0, 0.01^2), full-batch gradient"
        " descent at learning rate 0.1, 1000 epochs) and ours (MLPClassifier's defaults): each of eight"
        " changes added alone to the original, in a chain of single steps, and removed alone from ours,"
        " judged on 3-fold cross-validated accuracy."
    )
    notebook = r"""The `original-to-ours` preset trains the original project's network (32 sigmoid units, initial weights
$N(0, 0.01^2)$, full-batch gradient descent at learning rate 0.1 for 1000 epochs, with a correct softmax output) and
ours (`MLPClassifier`'s defaults), and measures each of the eight changes between them three ways: added alone to the
original, as a step of a chain of single changes, and removed alone from ours. A chain credits each change with what
it adds after the changes before it; the two other views show whether it matters on its own or only together with
others. An effect (raises or lowers cross-validated accuracy by half a point or more, or no difference: within a quarter
of a point; in between it is too close to call) is stated only when every replication gives it."""
    grid = grid()
    base_params: dict = {}
    cv = 3
    full = Settings(seeds=3)
    quick = Settings(seeds=2, grid={"max_iter": [80]})
    captions = (
        (
            "network_original_effects",
            "Each change's effect on cross-validated accuracy, three ways: added"
            " alone to the original, as a step of the chain, and removed alone from ours (the effect of having"
            " it; hatched: not every replication agrees).",
        ),
        (
            "network_original_steps",
            "Cross-validated accuracy of every configuration (mean ± standard error"
            " over the seeds): the chain, each change alone on the original, ours without each change.",
        ),
        ("network_original_vs_ours", "Training loss per epoch along the chain."),
    )

    def read(self, result, split):
        plan = layout()
        configs = result.runs["config"].nunique() if "config" in result.runs else 0
        if configs != len(plan.arms):
            raise UsageError(
                f"these original-to-ours results hold {configs} configurations, and the study has"
                f" {len(plan.arms)}: they were made by another version of it; run the study again"
            )
        table = seed_table(result.runs, "config", "val_accuracy").reindex(range(len(plan.arms)))
        effects = paired_effects(table, plan.pairs, self.margin)
        labels = dict(zip(result.runs["config"], result.runs["label"].astype(str))) if "label" in result.runs else {}
        labels = {c: labels.get(c, label) for c, (label, _) in enumerate(plan.arms)}
        epochs = result.runs.groupby("config")["n_iter"].mean().to_dict() if "n_iter" in result.runs else {}
        return StepsReading(
            result,
            plan,
            table.mean(axis=1),
            effects,
            labels,
            chain_steps(result, plan, labels),
            effect_claims(effects),
            epochs,
        )

    def table(self, reading):
        kind = kinds(reading)
        rows = []
        for i, change in enumerate(CHANGES):
            row = {"change": change.name}
            for view in VIEWS:
                e = reading.effects[view, i]
                row[VIEW_WORDS[view].split(",")[0]] = f"{100 * e.mean:+.1f} ± {100 * e.error:.1f} points" + (
                    "" if e.supported else " (uncertain)"
                )
            row["what it does"] = SHORT_KINDS[kind[i]]
            rows.append(row)
        return pd.DataFrame(rows)

    def conclusion(self, reading):
        """What each change does alone and in ours, from the claims; the changes whose chain step says otherwise."""
        chain, accuracy = reading.layout.chain, reading.accuracy
        seeds = len(reading.result.config.seeds or [])
        text = (
            f"Judged on {METRIC} over {seeds} seeds (each with its own starting weights and folds), the original"
            f" setting reached {pct(accuracy[chain[0]])} and ours {pct(accuracy[chain[-1]])}. Each change is"
            " measured by the accuracy it adds three ways: added alone to the original, as a step of the chain"
            " (after the changes before it), and in ours (what ours loses when that change alone is undone)."
        )
        by_kind = kinds(reading)
        for kind, words in KINDS_OF_CHANGE.items():
            named = [_named(reading, i) for i, k in by_kind.items() if k == kind]
            if named:
                text += f" Changes that {words}: " + "; ".join(named) + "."
        return text + _order_text(reading)

    def figures(self, reading):
        runs, curves = reading.result.runs, reading.result.curves
        chain = runs[runs["config"].isin(reading.layout.chain)]
        return {
            "network_original_effects": effects_figure(reading),
            "network_original_steps": steps_figure(reading),
            "network_original_vs_ours": loss_curves(
                chain,
                curves,
                label_by="label",
                show_validation=False,
                title="Training loss per epoch: the original setting, one change at a time to ours",
            ),
        }


VIEW_COLORS = {"alone": "#332288", "chain": "#999933", "removed": "#CC6677"}


#: Ticks of the effects' symmetric log axis, in points.
EFFECT_TICKS = (-100, -10, -1, 0, 1, 10, 100)  # a decade apart: legible on a phone's narrow panel too


def effects_figure(reading, changes=CHANGES, title=None):
    """Each change's effect in each view, as horizontal bars (points of accuracy; symmetric log scale beyond ±1), a
    tick at every bar's end so that a zero effect shows too; hatched where not every replication agrees."""
    fig = new_figure(9.5, 0.75 * len(changes) + 1.8)
    ax = fig.add_subplot()
    height = 0.26
    margin = 100 * OriginalToOurs.margin
    ax.axvspan(-margin, margin, color="0.88", zorder=0)
    for j, view in enumerate(VIEWS):
        for i in range(len(changes)):
            e, y = reading.effects[view, i], i + (j - 1) * height
            ax.barh(
                y,
                100 * e.mean,
                height,
                xerr=100 * e.error,
                color=VIEW_COLORS[view],
                alpha=1 if e.supported else 0.45,
                hatch=None if e.supported else "///",
                edgecolor="white",
                error_kw={"lw": 0.8},
            )
            ax.plot([100 * e.mean] * 2, [y - height / 2, y + height / 2], color=VIEW_COLORS[view], lw=2)
    handles = [mpl_patches.Patch(color=VIEW_COLORS[v], label=VIEW_WORDS[v]) for v in VIEWS]
    handles += [
        mpl_patches.Patch(facecolor="white", edgecolor="0.4", hatch="///", label="not every replication agrees"),
        mpl_patches.Patch(color="0.88", label=f"within the margin (±{margin:g} points)"),
    ]
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xscale("symlog", linthresh=1.0)
    low, high = ax.get_xlim()
    ax.set_xticks(
        [t for t in EFFECT_TICKS if low <= t <= high],
        [f"{t:+g}" if t else "0" for t in EFFECT_TICKS if low <= t <= high],
    )
    ax.set_yticks(range(len(changes)), [textwrap.fill(c.name, 20) for c in changes], fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel("effect on cross-validated accuracy\n(points; symmetric log scale beyond ±1)")
    ax.set_ylabel("change (the chain's order)")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(handles=handles, fontsize="x-small", loc="best")
    ax.set_title(title or "What each change does: alone, in the chain, and in ours")
    return fig


def _accuracy_stats(reading, configs):
    """Mean and standard error over the seeds of each configuration's cross-validated accuracy (fractions)."""
    table = seed_table(reading.result.runs, "config", "val_accuracy").reindex(configs)
    values = table.to_numpy(dtype=float)
    counts = np.isfinite(values).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.nanmean(values, axis=1) if values.size else np.full(len(configs), np.nan)
        errors = np.where(counts > 1, np.nanstd(values, axis=1, ddof=1) / np.sqrt(np.maximum(counts, 1)), 0.0)
    return means, np.nan_to_num(errors)


def steps_figure(reading, changes=CHANGES, title=None):
    """Cross-validated accuracy of every configuration, in three panels: the chain, the original with each change
    alone, ours without each change (a dashed line at the original's, and at ours', accuracy). Configurations run
    down the panels, so that their names read across (on a phone too, where the panels stack)."""
    plan = reading.layout
    n = len(changes)
    panels = [
        ("chain", "the chain", plan.chain, ["original"] + [f"+ {c.name}" for c in changes]),
        (
            "alone",
            "alone, on the original",
            [plan.chain[0]] + [plan.pairs["alone", i][0] for i in range(n)],
            ["original"] + [f"+ {c.name}" for c in changes],
        ),
        (
            "removed",
            "removed from ours",
            [plan.chain[-1]] + [plan.pairs["removed", i][1] for i in range(n)],
            ["ours"] + [f"− {c.name}" for c in changes],
        ),
    ]
    fig = new_figure(14.0, 0.42 * (n + 1) + 1.9)
    axes = fig.subplots(1, 3)
    for ax, (view, name, configs, ticks) in zip(axes, panels):
        means, errors = _accuracy_stats(reading, configs)
        y = np.arange(len(configs))
        ax.errorbar(
            means, y, xerr=errors, fmt="o-" if view == "chain" else "o", color=VIEW_COLORS[view], capsize=3, label=name
        )
        if view != "chain":
            ax.axvline(means[0], color="0.5", lw=0.8, ls="--", label=f"{ticks[0]}: {pct(means[0])}")
        ax.set_yticks(y, [textwrap.fill(tick, 25) for tick in ticks], fontsize="small")
        ax.invert_yaxis()  # the starting point on top, the changes in the chain's order below it
        ax.set_xlim(0, 1.02)
        ax.xaxis.set_major_formatter(percent_formatter())
        ax.set_title(name, fontsize="medium")
        ax.set_xlabel("CV accuracy ± std error")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="x-small", loc="best")
    axes[0].set_ylabel("configuration")
    fig.suptitle(title or "From the original setting to ours: three views of the same changes")
    return fig


register(OriginalToOurs())
