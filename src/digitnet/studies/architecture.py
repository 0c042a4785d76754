"""The architecture study: width, depth, activation and input scaling, and the model carried forward.

Which network, and how should its inputs be scaled? Every configuration is cross-validated over
several seeds (each seed its own starting weights and stratified folds of the development rows).
The configuration with the highest mean cross-validated accuracy is carried forward: the best
estimate there is of its accuracy on new digits. The study says which configurations the seeds
cannot tell apart from it (:func:`~digitnet.studies.ranking.rank_arms`: levels that replicate),
shows the simplest of those beside it, ranks every axis on its own (each value's mean over the
other axes), and only then refits the carried-forward configuration on all the development rows
and scores it on the test set, once (:mod:`digitnet.experiments.selection`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..experiments.analysis import by_config, finished
from ..experiments.params import DECLINED, DEFAULTS, count_weights, data_param, format_layers, resolved_params
from ..experiments.results import SweepResult
from ..experiments.selection import Selection
from ..plots import architecture_plot
from ..words import pct
from .base import Settings, Study
from .claims import Claim, sentence
from .ranking import Ranking, rank_arms
from .registry import register
from .replication import replicate, seed_table

METRIC = "cross-validated accuracy"
#: The grid: one hidden layer of 64 to 512 units, or two (256-128); relu or tanh; inputs standardised or divided
#: by their largest value (16). Adam with MLPClassifier's other defaults (up to 200 epochs, its stopping rule).
SHAPES = [(64,), (128,), (256,), (512,), (256, 128)]
ACTIVATIONS = ["relu", "tanh"]
SCALINGS = ["standard", "max"]
#: The axes ranked on their own, with their names in words.
AXES = {"hidden_layer_sizes": "hidden layers", "activation": "activation", "scaling": "input scaling"}
#: What the carried-forward model's claim is about.
MODEL = "model"


def arm_name(layers, activation, scaling) -> str:
    """A configuration in words, as its claims name it: ``"256-128 relu (max)"``."""
    return f"{format_layers(layers)} {activation} ({scaling})"


@dataclass
class ArchitectureReading:
    """What the study found.

    Attributes
    ----------
    result : SweepResult
    selection : Selection
        The configuration carried forward (the highest mean cross-validated accuracy) and its test scores.
    configs : DataFrame
        Every configuration's mean scores (:func:`~digitnet.experiments.analysis.by_config`), with its ``name``,
        ``scaling``, number of weights (``n_weights``) and the spread of its score over the seeds (``std``).
    ranking : Ranking
        The configurations ranked by their mean score, in levels that replicate.
    tied : list of int
        The configurations the seeds cannot tell apart from the carried-forward one (its level; itself included).
    simplest : int
        The one of those with the fewest weights.
    axes : dict of str -> Ranking
        Each varied axis ranked on its own (each value's mean over the other axes, per seed).
    claims : list of Claim
    metric : str
        What the configurations are ranked by.
    """

    result: SweepResult
    selection: Selection
    configs: pd.DataFrame
    ranking: Ranking
    tied: list
    simplest: int
    axes: dict
    claims: list
    metric: str = METRIC

    def name(self, config) -> str:
        """A configuration in words: ``"64-32 relu (standard)"``."""
        return self.configs.loc[config, "name"]


def _configs(result, n_features, n_classes):
    """:func:`by_config` with each configuration's name, scaling, weights and spread over the seeds."""
    configs = by_config(result.runs)
    params = {c: result.params[c] for c in configs.index}
    configs["scaling"] = [data_param(params[c], "scaling") for c in configs.index]
    configs["name"] = [
        arm_name(params[c].get("hidden_layer_sizes", (100,)), row["activation"], row["scaling"])
        for c, row in configs.iterrows()
    ]
    configs["n_weights"] = [count_weights(params[c], n_features, n_classes) for c in configs.index]
    configs["std"] = finished(result.runs).groupby("config")["val_accuracy"].std().reindex(configs.index)
    return configs


def _best_arm(table, weights):
    """The arm a set of seeds carries forward: the highest mean score (on equal means, the fewest weights)."""
    means = table.mean(axis=1, skipna=False).dropna()
    return {MODEL: min(means.index, key=lambda arm: (-means[arm], weights[arm], arm))} if len(means) else {}


def chosen_claim(study, table, selection, name, weights, metric=METRIC) -> Claim:
    """The model carried forward: its name, its parameters (every estimator parameter that shapes the model, the
    declined features at their defaults included, and ``scaling``), and
    whether other seeds would carry it forward too (both halves of the seeds, 95% of resamples)."""
    verdict = replicate(lambda t: _best_arm(t, weights), table).get(MODEL)
    every = {**{k: DEFAULTS[k] for k in DECLINED}, **resolved_params(selection.params)}
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in every.items()}
    params["scaling"] = selection.scaling
    over = len(table.columns)
    note = (
        f"carried forward: {name}, the highest mean {metric} ({pct(selection.val_accuracy)} over {over} seeds);"
        f" refitted on the {selection.refit_on or 'development rows'}, {pct(selection.test_accuracy)} on the"
        " test set"
    )
    return Claim(
        study,
        "chosen",
        MODEL,
        [name],
        bool(verdict and verdict.supported and verdict.value == name),
        metric,
        agreement=None if verdict is None else verdict.agreement,
        params=params,
        estimator="NumpyMLPClassifier",
        note=note,
    )


def _axis_rankings(study, runs, margin, metric=METRIC):
    """Each varied axis ranked on its own: per seed, each value's mean score over the other axes."""
    rankings = {}
    for axis in AXES:
        if axis in runs and runs[axis].nunique() > 1:
            values = runs.assign(**{axis: runs[axis].astype(str)})
            rankings[axis] = rank_arms(study, axis, metric, seed_table(values, axis, "val_accuracy"), margin)
    return rankings


def tied_with(ranking, arm) -> list:
    """``arm`` and the arms the seeds cannot tell apart from it: those that no replication puts behind it by the
    margin (both halves of the seeds and 95% of resamples of them), by decreasing mean.

    Not the top level of the ranking: a level ends only where every arm above it is ahead of every arm below, so
    with graded arms one level can hold an arm far behind the best (beaten by it on every replication) because a
    neighbour of it cannot be told apart from the arms just above.
    """

    def behind(other):
        verdict = ranking.pairs.get(tuple(sorted((arm, other), key=str)))
        return verdict is not None and verdict.supported and verdict.value == arm

    return [a for a in ranking.means.sort_values(ascending=False, kind="stable").index if a == arm or not behind(a)]


def read_architecture(study, result, n_features, n_classes) -> ArchitectureReading:
    """The study's reading of a sweep (``result.best`` set by
    :func:`~digitnet.experiments.selection.select_and_test`)."""
    configs = _configs(result, n_features, n_classes)
    runs = finished(result.runs).assign(arm=lambda r: r["config"].map(configs["name"]))
    if "scaling" not in runs:
        runs = runs.assign(scaling=runs["config"].map(configs["scaling"]))
    table = seed_table(runs, "arm", "val_accuracy")
    ranking = rank_arms(study.name, "architecture", study.metric, table, study.margin)
    selection = result.best
    chosen = configs.loc[selection.config, "name"]
    level = tied_with(ranking, chosen)
    by_name = {name: c for c, name in configs["name"].items()}
    tied = [by_name[name] for name in level]
    simplest = min(tied, key=lambda c: (configs.loc[c, "n_weights"], -configs.loc[c, "val_accuracy"], c))
    axes = _axis_rankings(study.name, runs, study.margin, study.metric)
    weights = dict(zip(configs["name"], configs["n_weights"]))
    claims = [c for c in ranking.claims if c.kind != "tie"]  # its tie is the top level; ours, the best's equals
    if len(level) > 1:
        claims.append(
            Claim(
                study.name,
                "tie",
                "architecture",
                level,
                True,
                study.metric,
                note=f"cannot be told apart from {chosen}, the model carried forward",
            )
        )
    claims += [
        *(c for r in axes.values() for c in r.claims),
        chosen_claim(study.name, table, selection, chosen, weights, study.metric),
    ]
    return ArchitectureReading(result, selection, configs, ranking, tied, simplest, axes, claims, study.metric)


def _others(reading, tied):
    names = [reading.name(c) for c in tied]
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    return f"{len(names)} other{'s' if len(names) != 1 else ''} ({shown})"


def _axes_text(reading):
    parts = []
    for axis, ranking in reading.axes.items():
        order = next(c for c in ranking.claims if c.kind == "order")
        tie = next((c for c in ranking.claims if c.kind == "tie"), None)
        said = sentence(order) if order.supported or tie is None else sentence(tie)
        parts.append(f"{AXES[axis]}: {said.removeprefix(f'by {order.metric}: ').removeprefix(f'by {order.metric}, ')}")
    return (" Each axis on its own (each value's mean over the other axes): " + "; ".join(parts) + ".") if parts else ""


def conclusion_text(reading, margin) -> str:
    """What the study found, from its claims: the model carried forward and whether other seeds would carry it
    forward too, the configurations the seeds cannot tell apart from it and the simplest of them, its one test
    score, and each axis's order or tie."""
    best, result = reading.selection, reading.result
    n_seeds, folds = len(result.config.seeds), result.config.cv
    chosen = next(c for c in reading.claims if c.kind == "chosen")
    over = f"{n_seeds} seed{'s' if n_seeds != 1 else ''}" + (f" × {folds} folds" if folds else "")
    text = (
        f"Carried forward: {chosen.values[0]}, the highest mean {reading.metric} of the"
        f" {len(reading.configs)} configurations, {pct(best.val_accuracy)} over {over}"
    )
    text += (
        f" (other seeds would carry it forward too: {100 * chosen.agreement:.0f}% of resamples of the seeds)"
        if chosen.supported
        else f" (another set of seeds may carry forward another: it has the highest mean in"
        f" {100 * (chosen.agreement or 0):.0f}% of resamples of the seeds)"
    )
    others = [c for c in reading.tied if c != best.config]
    if others:
        text += (
            f". The seeds cannot tell it apart from {_others(reading, others)}: none of them is behind it by"
            f" {100 * margin:.1f} points or more on every replication"
        )
        if reading.simplest != best.config:
            row = reading.configs.loc[reading.simplest]
            text += (
                f"; the simplest of them, {reading.name(reading.simplest)}, has {int(row['n_weights']):,}"
                f" weights against {best.n_weights:,} and reached {pct(row['val_accuracy'])}"
            )
    else:
        text += f". It is ahead of every other configuration by at least {100 * margin:.1f} points on every replication"
    seeds = f"mean over the {n_seeds} seeds" if n_seeds > 1 else "one seed"
    text += (
        f". Refitted on all the {best.refit_on or 'development rows'}, it scored {pct(best.test_accuracy)} on"
        f" the test set ({seeds}), looked at once, for this configuration only."
    )
    return text + _axes_text(reading)


class Architecture(Study):
    name = "architecture"
    title = "Architecture"
    order = 20
    section = "architecture"
    question = (
        "Which network, and how should its inputs be scaled? Width, depth, activation and input scaling"
        " (standardised, or divided by the largest pixel value, 16), every configuration cross-validated"
        " over several seeds. The one with the highest mean cross-validated accuracy is carried forward;"
        " the configurations the seeds cannot tell apart from it are named, the simplest of them shown"
        " beside it; then, once, its test score."
    )
    metric = METRIC
    margin = 0.005
    description = (
        "Hidden layers 64, 128, 256, 512 or 256-128, relu or tanh, inputs standardised or divided by 16"
        " (adam, up to 200 epochs), judged on 3-fold cross-validated accuracy; the configuration with"
        " the highest mean is carried forward, refitted on the development rows and scored once on the"
        " test set."
    )
    notebook = r"""Width, depth, activation and how the pixels are scaled (standardised: mean 0 and variance 1 per pixel
on the training rows; or divided by 16, the largest pixel value, which keeps the nearly blank border pixels small
instead of blowing them up), every configuration cross-validated over several seeds (3 stratified folds of the
development rows, drawn anew for every seed, so that each seed is a replication). The configuration with the highest
mean cross-validated accuracy is **carried forward**: it is the best estimate of how a configuration will do on new
digits. The others are not "worse" unless they replicate as worse: the configurations that no replication (both
halves of the seeds, 95% of resamples of them) puts half a point behind are named as tied, and the simplest of them
(the fewest weights) is shown beside it. Only then is the chosen configuration refitted on all the development rows
and scored, once, on the test set."""
    grid = {"hidden_layer_sizes": SHAPES, "activation": ACTIVATIONS, "scaling": SCALINGS}
    base_params = {"solver": "adam", "max_iter": 200}
    varied = ("hidden_layer_sizes", "activation", "scaling")
    select = True
    cv = 3
    full = Settings(seeds=3)
    quick = Settings(seeds=2, grid={"hidden_layer_sizes": [(64,), (256,)]}, params={"max_iter": 30})
    captions = (
        (
            "architecture",
            "Cross-validated accuracy of every configuration: one panel per depth, one line per"
            " activation and input scaling (mean ± std over the seeds).",
        ),
    )
    twin = "architecture.js"

    def read(self, result, split):
        return read_architecture(self, result, split.X_train.shape[1], len(split.classes))

    def conclusion(self, reading):
        """The model carried forward, the configurations tied with it and the simplest of them, its test score, and
        each axis's order (see :func:`conclusion_text`)."""
        return conclusion_text(reading, self.margin)

    def table(self, reading):
        """One row per configuration, best first: its score, spread, weights, and where it stands."""
        return architecture_table(reading)

    def quoted(self, reading):
        return [reading.selection.config]

    def figures(self, reading):
        runs = reading.result.runs.copy()
        runs["activation (scaling)"] = runs["config"].map(reading.configs["name"]).str.split(" ", n=1).str[1]
        return {
            "architecture": architecture_plot(
                runs, activation_col="activation (scaling)", value="val_accuracy", value_label=self.metric
            )
        }

    def page(self, reading):
        best = reading.selection
        return {
            "configs": [
                {
                    "name": row["name"],
                    "depth": len(str(row["hidden_layer_sizes"]).split("-")),
                    "activation": row["activation"],
                    "scaling": row["scaling"],
                    "mean": row["val_accuracy"],
                    "std": row["std"],
                    "n_weights": int(row["n_weights"]),
                    "tied": config in reading.tied,
                    "chosen": config == best.config,
                    "simplest": config == reading.simplest,
                }
                for config, row in reading.configs.iterrows()
            ],
            "metric": self.metric,
        }


def mark(reading, config) -> str:
    """Where a configuration stands: carried forward, the simplest of the tied, tied, or nothing."""
    if config == reading.selection.config:
        return "carried forward"
    if config == reading.simplest:
        return "tied (the simplest)"
    return "tied" if config in reading.tied else ""


def architecture_table(reading) -> pd.DataFrame:
    """Every configuration, best first: hidden layers, activation, scaling, the mean score ± its standard error over
    the seeds, weights, where it stands, epochs and training loss."""
    rows = []
    for config, row in reading.configs.sort_values(["val_accuracy", "n_weights"], ascending=[False, True]).iterrows():
        standing = reading.selection.standing(config)
        se = standing.std_error if standing else float("nan")
        rows.append(
            {
                "hidden layers": row["hidden_layer_sizes"],
                "activation": row["activation"],
                "scaling": row["scaling"],
                METRIC: f"{pct(row['val_accuracy'])} ± {100 * se:.1f}",
                "weights": int(row["n_weights"]),
                "cannot be told apart from the best": mark(reading, config),
                "epochs": int(round(row["n_iter"])),
                "training loss": row["train_loss"],
            }
        )
    return pd.DataFrame(rows)


register(Architecture())
