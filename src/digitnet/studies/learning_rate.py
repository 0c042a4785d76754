"""The learning-rate study: plain full-batch gradient descent at 13 rates, from crawling to diverging.

How big a step? Each rate is trained over several seeds, each seed with its own starting weights
and its own stratified folds of the development rows, and judged on its cross-validated accuracy
(every development digit validates once). The rates fall into regions (:func:`regions`): too
small (the loss crawls), good (within ``margin`` of the best rate's mean accuracy), too large (the
loss overshoots) and diverging (the loss explodes: recorded with its epoch). A rate's region is a
supported claim only when every replication (both halves of the seeds, 95% of resamples of them)
puts it there; a rate on a boundary that moves between replications is said to be uncertain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..estimator.lr_find import lr_find
from ..experiments.analysis import CurveSummary, histories_of, last_finite, mean_and_error, mean_curve, overshoot, rises
from ..experiments.results import SweepResult
from ..plots.curvature import sharpness_figure
from ..words import num, pct, rate
from .base import Settings, Study
from .claims import REGIONS, Claim
from .common import GRADIENT_DESCENT, curve_points, sharpness_paths
from .learning_rate_figures import curves_figure, epochs_array, landscape_figure, range_test_figure
from .registry import register
from .replication import replicate, seed_table

#: From far too small to divergent, log-spaced; the original project's four rates among them.
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 2.0, 3.0, 5.0, 10.0)
ORIGINAL_RATES = (0.1, 0.01, 0.001, 0.0001)
#: A mean loss this far above its minimum counts as having risen (not round-off or noise).
RISE_FACTOR = 1.02
#: Shades of the regions (an uncertain rate is hatched in its region's shade).
METRIC = "cross-validated accuracy"
#: The rates whose sharpness is followed along training (those of the grid), for how many epochs, and how often.
SHARPNESS_RATES = (1.0, 3.0, 5.0)
SHARPNESS_EPOCHS, SHARPNESS_EVERY = 40, 5
#: Steps of the learning-rate range test, its rate ramped from the grid's smallest to its largest.
RANGE_STEPS = 200


@dataclass
class Curvature:
    """Why the regions are where they are: the sharpness lambda (the loss's largest Hessian eigenvalue).

    A quadratic model of the loss says gradient descent at rate eta overshoots where lambda > 2/eta, so the
    sharpness at the start, lambda_0 (one per seed), predicts the largest stable rate, 2/lambda_0; ``paths``
    follow lambda along training at a few rates (the first seed): a rate above 2/lambda_0 may still converge if
    the weights move where the loss is flatter (lambda falls below 2/eta: a "catapult").
    """

    start: dict  # seed -> lambda_0
    paths: dict  # rate -> (epochs, sharpness) measured along training, first seed
    verdict: dict  # seed -> where the boundary between good and too large sits against 2/lambda_0


@dataclass
class RateReading:
    """One learning rate of the landscape: mean scores over seeds, and what the data make of it."""

    rate: float
    val_accuracy: float
    val_error: float
    final_loss: float
    diverged_at: int | None  # the earliest epoch at which a seed diverged
    rises: float  # share of epochs at which the mean loss went up
    overshoot: float  # how far the mean loss climbed back above its lowest so far (1.0: never)
    region: str  # "too small", "good", "too large" or "diverges", on all the seeds
    loss: CurveSummary | None = None  # the training loss per epoch, over the seeds
    supported: bool = True  # whether every replication puts the rate in that region
    agreement: float = 1.0  # the share of resamples of the seeds that do


@dataclass
class LearningRateReading:
    """The landscape (one :class:`RateReading` per rate, by increasing rate), the rates worth drawing, the
    epochs trained, and the claims."""

    result: SweepResult
    rates: list
    shown: list
    epochs: int
    claims: list
    curvature: Curvature | None = None


def regions(table, margin):
    """Each rate's region on one set of seeds (a rate row, a seed column; NaN where a seed diverged).

    A rate *diverges* if any of these seeds diverged; of the others, the *good* ones reach a mean accuracy within
    ``margin`` of the best mean; the rest are *too small* below the best rate and *too large* above it.
    """
    means = table.mean(axis=1, skipna=False)
    sound = means.dropna()
    if sound.empty:
        return dict.fromkeys(table.index, "diverges")
    best_rate = sound.idxmax()
    good = set(sound.index[sound >= sound.max() - margin])
    return {
        r: "diverges"
        if r not in sound.index
        else "good"
        if r in good
        else "too small"
        if r < best_rate
        else "too large"
        for r in table.index
    }


def landscape(runs, curves, margin) -> list[RateReading]:
    """Every rate's :class:`RateReading`, by increasing rate, with its region and whether it replicates."""
    table = seed_table(runs, "learning_rate_init", "val_accuracy").sort_index()
    verdicts = replicate(lambda t: regions(t, margin), table)
    readings = []
    for value, group in runs.groupby("learning_rate_init", sort=True):
        val, se, _ = mean_and_error(group["val_accuracy"])
        diverged = group["diverged_at"].dropna() if "diverged_at" in group else []
        summary = mean_curve(histories_of(group, curves), "loss")
        curve = summary.mean if summary is not None else np.array([])
        verdict = verdicts[value]
        readings.append(
            RateReading(
                float(value),
                val,
                se,
                last_finite(curve),
                int(min(diverged)) if len(diverged) else None,
                rises(curve[np.isfinite(curve)]),
                overshoot(curve),
                verdict.value,
                summary,
                verdict.supported,
                verdict.agreement,
            )
        )
    return readings


def region_claims(readings, study="learning-rate", metric=METRIC) -> list[Claim]:
    """One claim per region holding the rates every replication puts there, and one per uncertain rate."""
    claims = []
    for region in REGIONS:
        sure = [r.rate for r in readings if r.region == region and r.supported]
        if sure:
            claims.append(Claim(study, "region", "learning_rate_init", sure, True, metric, region=region))
    for r in readings:
        if not r.supported:
            claims.append(
                Claim(
                    study,
                    "region",
                    "learning_rate_init",
                    [r.rate],
                    False,
                    metric,
                    region=r.region,
                    agreement=r.agreement,
                )
            )
    good = [r.rate for r in readings if r.region == "good"]
    if len(good) > 1:
        claims.append(Claim(study, "tie", "learning_rate_init", good, True, metric))
    return claims


def measure_sharpness(result, split) -> dict:
    """The sharpness at the start of every seed, and along training at :data:`SHARPNESS_RATES` for the first (what
    :meth:`LearningRate.measure` keeps): ``{"start": {seed: lambda_0}, "paths": {rate: [[epoch, lambda], ...]}}``."""
    params = {k: v for k, v in result.params[0].items() if k not in ("learning_rate_init", "label", "max_iter")}
    seeds = list(result.config.seeds)
    grid = set(result.runs["learning_rate_init"])
    histories = sharpness_paths(
        split, params, [r for r in SHARPNESS_RATES if r in grid], seeds[0], SHARPNESS_EPOCHS, SHARPNESS_EVERY
    )
    start = {seeds[0]: float(next(iter(histories.values()))["sharpness"][0])} if histories else {}
    for seed in seeds[1:]:
        start[seed] = float(sharpness_paths(split, params, [1.0], seed, 1, 1)[1.0]["sharpness"][0])
    paths = {}
    for value, history in histories.items():
        values = np.asarray(history["sharpness"], dtype=float)
        paths[value] = [[int(e), float(values[e])] for e in np.flatnonzero(np.isfinite(values))]
    return {"start": {str(k): v for k, v in start.items()}, "paths": {str(k): v for k, v in paths.items()}}


def curvature(readings, measured) -> Curvature | None:
    """The :class:`Curvature` of what :func:`measure_sharpness` measured, and, per seed, where the boundary between
    the good rates and the ones above them sits against 2/lambda_0: ``"beyond 2/λ₀"`` (good rates above it: they
    converge anyway), ``"at 2/λ₀"`` (between the last good rate and the next), ``"before 2/λ₀"``."""
    if not measured or not measured.get("start"):
        return None
    start = {int(k): float(v) for k, v in measured["start"].items()}
    paths = {
        float(k): (np.array([e for e, _ in p], dtype=int), np.array([v for _, v in p], dtype=float))
        for k, p in measured.get("paths", {}).items()
    }
    good = [r.rate for r in readings if r.region == "good"]
    above = [r.rate for r in readings if good and r.rate > max(good)]
    verdict = {}
    for seed, lam in start.items():
        limit = 2 / lam
        verdict[seed] = (
            "beyond 2/λ₀"
            if good and max(good) > limit
            else "at 2/λ₀"
            if good and (not above or min(above) >= limit)
            else "before 2/λ₀"
        )
    return Curvature(start, paths, verdict)


def measure_range_test(result, split) -> dict:
    """The learning-rate range test (:func:`digitnet.functional.lr_find`) of the study's network, full batch, on every
    development row, once per seed: ``{seed: {"rates", "losses", "smoothed", "suggested", "minimum", "stopped"}}``."""
    params = result.params[0]
    dev = split.dev_split()
    X, y = np.asarray(dev.X_train, dtype=np.float64), dev.y_train
    out = {}
    for seed in result.config.seeds:
        test = lr_find(
            X,
            y,
            hidden_layer_sizes=tuple(params["hidden_layer_sizes"]),
            activation=params["activation"],
            alpha=params.get("alpha", 0.0001),
            solver="sgd",
            momentum=0.0,
            batch_size="full",
            min_rate=min(LEARNING_RATES),
            max_rate=max(LEARNING_RATES),
            steps=RANGE_STEPS,
            random_state=seed,
        )
        out[str(seed)] = {
            "rates": test.rates.tolist(),
            "losses": test.losses.tolist(),
            "smoothed": test.smoothed.tolist(),
            "suggested": float(test.suggested),
            "minimum": float(test.minimum),
            "stopped": test.stopped,
        }
    return out


def range_test_claim(measured, readings, study="learning-rate") -> Claim | None:
    """Where the range test's suggestion falls against the good region: supported when every seed's does the same."""
    good = [r.rate for r in readings if r.region == "good"]
    if not measured or not good:
        return None
    where = {
        seed: "below the good region"
        if t["suggested"] < min(good)
        else "inside the good region"
        if t["suggested"] <= max(good)
        else "above the good region"
        for seed, t in measured.items()
    }
    value = sorted(set(where.values()))[0]
    shown = ", ".join(f"{t['suggested']:.2g}" for t in measured.values())
    tenth = ", ".join(f"{t['minimum'] / 10:.2g}" for t in measured.values())
    return Claim(
        study,
        "effect",
        "the range test's suggested rate",
        [value],
        len(set(where.values())) == 1,
        "a learning-rate range test (one ramped training per seed)",
        note=f"the range test suggests η = {shown} (one per seed, its steepest descent), {value}"
        f" ({rate(min(good))} to {rate(max(good))}); fastai's other reading, a tenth of the rate at its"
        f" lowest point, gives {tenth}",
    )


def curvature_claim(c: Curvature, study="learning-rate") -> Claim:
    """Where the boundary sits against 2/lambda_0: supported when every seed says the same."""
    values = set(c.verdict.values())
    value = next(iter(values)) if len(values) == 1 else sorted(values)[0]
    limits = ", ".join(f"{2 / lam:.2g}" for lam in c.start.values())
    return Claim(
        study,
        "effect",
        "the good rates' upper boundary",
        [value],
        len(values) == 1,
        "the sharpness at the start",
        note=f"the boundary between good and too large rates sits {value} (2/λ₀ = {limits} on the seeds)",
    )


def _curvature_text(c: Curvature | None) -> str:
    """Why the regions are where they are, from the sharpness measured."""
    if c is None or not c.start:
        return ""
    lam = float(np.mean(list(c.start.values())))
    text = (
        f" Why there: the loss's sharpest curvature at the start, λ₀ = {lam:.2g} (the largest eigenvalue of its"
        f" Hessian, mean over the seeds), says that a quadratic model of it is overshot by any step above"
        f" 2/λ₀ ≈ {2 / lam:.2g}; the boundary between good and too large rates sits"
        f" {next(iter(c.verdict.values()))}"
        + ("" if len(set(c.verdict.values())) == 1 else " on some seeds only")
        + "."
    )
    parts = []
    for value, (epochs, values) in sorted(c.paths.items()):
        if len(values) < 2:
            continue
        peak, last, limit = float(np.max(values)), float(values[-1]), 2 / value
        below = epochs[values < limit]
        if peak > limit and last < limit:
            rose = f"rose to {peak:.2g}" if peak > values[0] else f"started at {peak:.2g}"
            parts.append(
                f"at η = {rate(value)} the sharpness {rose}, above 2/η = {limit:.2g}, and was below it by"
                f" epoch {int(below[0])} ({last:.2g} at the end): the weights moved to flatter ground and"
                " training converged anyway (a catapult)"
            )
        elif peak > limit:
            parts.append(
                f"at η = {rate(value)} it rose to {peak:.2g}, far above 2/η = {limit:.2g}, and stayed"
                " there until training diverged"
            )
        else:
            parts.append(
                f"at η = {rate(value)} it fell from {values[0]:.2g} to {last:.2g}, always below 2/η = {limit:.2g}"
            )
    return text + (" Along training, " + "; ".join(parts) + "." if parts else "")


def illustrative_rates(readings) -> list[float]:
    """A few learning rates worth drawing: the smallest, the last too small, the best, the largest that did not
    diverge (the one likeliest to oscillate), and the first that diverged."""
    sound = [r for r in readings if r.diverged_at is None]
    picks = [readings[0].rate]
    small = [r.rate for r in readings if r.region == "too small"]
    if small:
        picks.append(small[-1])
    if sound:
        picks.append(max(sound, key=lambda r: r.val_accuracy).rate)
        picks.append(sound[-1].rate)
    diverging = [r.rate for r in readings if r.diverged_at is not None]
    if diverging:
        picks.append(diverging[0])
    return sorted(set(picks))


def best_rate(reading) -> float:
    """The rate of the best mean cross-validated accuracy, among those that did not diverge."""
    return max((r for r in reading.rates if r.diverged_at is None), key=lambda r: r.val_accuracy).rate


def _span(readings, region):
    rates = [r for r in readings if r.region == region]
    if not rates:
        return "none"
    named = [rate(r.rate) + ("" if r.supported else " (uncertain)") for r in rates]
    return (
        named[0]
        if len(named) == 1
        else f"{named[0]} to {named[-1]}"
        if all(r.supported for r in rates)
        else ", ".join(named)
    )


def _original_rates(readings, originals=ORIGINAL_RATES):
    mine = [r for r in readings if r.rate in originals]
    if not mine:
        return ""
    shown = ", ".join(
        f"{rate(r.rate)} ({r.region}{'' if r.supported else ', uncertain'}, {pct(r.val_accuracy)})"
        for r in sorted(mine, key=lambda r: -r.rate)
    )
    return f" The original project's rates: {shown}."


def _regions_text(readings, epochs, n_seeds):
    parts = [f"{region}: {_span(readings, region)}" for region in ("too small", "good", "too large")]
    diverging = [r for r in readings if r.region == "diverges"]
    parts.append(
        "diverges: "
        + (
            ", ".join(
                f"{rate(r.rate)} (at epoch {r.diverged_at})" + ("" if r.supported else ", not on every seed")
                for r in diverging
            )
            or "none"
        )
    )
    return (
        f"Over {epochs} epochs of full-batch gradient descent, judged on {METRIC} over {n_seeds} seeds (each"
        " with its own starting weights and folds), the rates fall into four regions — " + "; ".join(parts) + "."
    )


def _uncertain_text(readings):
    uncertain = [r for r in readings if not r.supported]
    if not uncertain:
        return (
            " Every replication (both halves of the seeds, 95% of resamples of them) puts every rate in the same"
            " region."
        )
    return (
        " Not every replication agrees on "
        + ", ".join(
            f"{rate(r.rate)} ({r.region} on all the seeds, {100 * r.agreement:.0f}% of resamples)" for r in uncertain
        )
        + ": those rates sit on a boundary the data cannot place."
    )


class LearningRate(Study):
    name = "learning-rate"
    title = "Learning rate"
    order = 30
    question = (
        "How big a step? Plain full-batch gradient descent, θ ← θ − η ∂J/∂θ, as in the original project,"
        " at 13 learning rates η from 0.0001 to 10 (the original project tried only 0.1 to 0.0001, and"
        " its loop never passed the rate to the training function), each judged on its cross-validated"
        " accuracy. A run whose loss becomes infinite, or ten times that of its starting weights, has"
        " diverged: it is recorded with that epoch, and drawn up to it."
    )
    metric = METRIC
    margin = 0.005
    description = (
        "Full-batch gradient descent (a 64-unit relu network, 300 epochs) at 13 learning rates from 1e-4"
        " to 10, judged on 3-fold cross-validated accuracy: too small, good, too large and divergent; the"
        " original project's 0.1, 0.01, 0.001, 0.0001 among them."
    )
    notebook = r"""How big a step? Plain full-batch gradient descent,
$\theta \leftarrow \theta - \eta\,\partial J/\partial\theta$, as in the original project, at 13 learning rates from $10^{-4}$ to 10 (the original tried only 0.1 to 0.0001, and its
loop never passed the rate on). Too small a rate crawls; a good one converges; too large a one overshoots the
minimum and the loss oscillates; larger still, each step overshoots by more than the last and training diverges. A
run that diverges (its loss infinite or ten times that of its starting weights) is a result: recorded with the
epoch at which it diverged and drawn up to there. Every rate is judged on its cross-validated accuracy, over seeds
that each draw their own starting weights and folds: *good* is within half a point of the best rate's mean, and a
rate's region is stated only when every replication (both halves of the seeds, and 95% of resamples of them) puts
it there; the others are called uncertain. Circled: the original project's four rates."""
    grid = {"learning_rate_init": list(LEARNING_RATES)}
    base_params = {**GRADIENT_DESCENT, "hidden_layer_sizes": (64,), "activation": "relu", "max_iter": 300}
    varied = ("learning_rate_init",)
    highlight = {"learning_rate_init": ORIGINAL_RATES}
    cv = 3
    full = Settings(seeds=3)
    quick = Settings(seeds=2, params={"max_iter": 100})
    captions = (
        (
            "learning_rate_landscape",
            "Final training loss and cross-validated accuracy against the learning"
            " rate, the regions shaded (hatched: uncertain); circled: the original project's rates; ✕:"
            " diverged; dotted: 2/λ₀, the largest step a quadratic model of the loss at the start allows.",
        ),
        (
            "learning_rate_sharpness",
            "Why: the loss's sharpness λ (its Hessian's largest eigenvalue) along"
            " training at a few rates (first seed), each beside its stability limit 2/η.",
        ),
        (
            "learning_rate_range_test",
            "The learning-rate range test (one training, its rate ramped up step by"
            " step; first seed) beside the study's good region (shaded): the suggested rate is where the loss"
            " falls fastest.",
        ),
        ("learning_rate_curves", "The training loss per epoch at a few learning rates (log scales)."),
    )
    twin = "learning_rate.js"

    def measure(self, result, split):
        return {"sharpness": measure_sharpness(result, split), "range_test": measure_range_test(result, split)}

    def read(self, result, split):
        rates = landscape(result.runs, result.curves, self.margin)
        curv = curvature(rates, result.extra.get("sharpness")) if any(r.region == "good" for r in rates) else None
        tested = range_test_claim(result.extra.get("range_test"), rates, self.name)
        claims = (
            region_claims(rates, self.name, self.metric)
            + ([curvature_claim(curv, self.name)] if curv else [])
            + ([tested] if tested else [])
        )
        return LearningRateReading(
            result, rates, illustrative_rates(rates), int(result.runs["n_iter"].max()), claims, curv
        )

    def table(self, reading):
        return pd.DataFrame(
            [
                {
                    "learning rate": rate(r.rate),
                    "region": r.region if r.supported else f"{r.region}? ({100 * r.agreement:.0f}%)",
                    "cross-validated accuracy": f"{pct(r.val_accuracy)} ± {100 * r.val_error:.1f}"
                    if np.isfinite(r.val_accuracy)
                    else "n/a",
                    "final training loss": r.final_loss if r.diverged_at is None else np.nan,
                    "loss climbed back to": f"{r.overshoot:.2f}× its lowest",
                    "diverged at epoch": "" if r.diverged_at is None else r.diverged_at,
                }
                for r in reading.rates
            ]
        )

    def conclusion(self, reading):
        """The landscape in words, from its claims: the regions (uncertain rates named), the rates the data cannot
        rank, divergence, oscillation, and the original project's four rates."""
        readings, epochs = reading.rates, reading.epochs
        sound = [r for r in readings if r.region not in ("diverges", "")]
        if not sound:
            return "Every learning rate of the grid diverged: the grid needs smaller rates."
        best = max(sound, key=lambda r: r.val_accuracy)
        text = _regions_text(readings, epochs, len(reading.result.config.seeds)) + _uncertain_text(readings)
        good = [r for r in sound if r.region == "good"]
        text += (
            f" The good rates cannot be told apart (the best mean, {pct(best.val_accuracy)}, came at"
            f" {rate(best.rate)}, but another replication may put another good rate first)."
            if len(good) > 1
            else f" The best, {pct(best.val_accuracy)}, came at {rate(best.rate)}, alone in the good region."
        )
        slow = min(sound, key=lambda r: r.rate)
        if slow.region == "too small":
            text += (
                f" A rate too small barely moves the loss (still {num(slow.final_loss, 3)} after {epochs} epochs"
                f" at {rate(slow.rate)}, against {num(best.final_loss, 4)} at {rate(best.rate)});"
            )
        worst = max(sound, key=lambda r: r.overshoot)
        if worst.overshoot > RISE_FACTOR:
            text += (
                f" at {rate(worst.rate)} ({worst.region}) the loss climbed back to {worst.overshoot:.1f} times"
                f" its lowest value so far before it settled: each step overshoots the minimum, and the loss"
                f" oscillates"
            )
        else:
            text += " no rate that converged ever made the loss go up"
        diverging = any(r.diverged_at is not None for r in readings)
        text += (
            "; at larger rates each step overshoots by more than the last, and training diverges."
            if diverging
            else "; no rate of the grid diverged."
        )
        tested = next((c for c in reading.claims if c.about == "the range test's suggested rate"), None)
        text += _original_rates(readings) + _curvature_text(reading.curvature)
        if tested is not None:
            text += (
                f" A learning-rate range test (one training whose rate is ramped up step by step) is the quick"
                f" way to guess a rate: {tested.note}" + ("" if tested.supported else " on some seeds only") + "."
            )
        return text

    def quoted(self, reading):
        runs = reading.result.runs
        return list(runs.loc[runs["learning_rate_init"] == best_rate(reading), "config"].unique())

    def figures(self, reading):
        c = reading.curvature
        limit = None if c is None or not c.start else 2 / float(np.mean(list(c.start.values())))
        figures = {"learning_rate_landscape": landscape_figure(reading.rates, ORIGINAL_RATES, limit=limit)}
        if c is not None and c.paths:
            figures["learning_rate_sharpness"] = sharpness_figure(
                {r: {"sharpness": epochs_array(e, v)} for r, (e, v) in c.paths.items()}
            )
        tests = reading.result.extra.get("range_test") or {}
        if tests:
            figures["learning_rate_range_test"] = range_test_figure(next(iter(tests.values())), reading.rates)
        figures["learning_rate_curves"] = curves_figure(reading)
        return figures

    def page(self, reading):
        c = reading.curvature
        sharpness = (
            None
            if c is None
            else {
                "start": list(c.start.values()),
                "paths": [
                    {"rate": r, "points": [[int(e), float(v)] for e, v in zip(*p)]} for r, p in sorted(c.paths.items())
                ],
            }
        )
        return {
            "rates": [
                {
                    "rate": r.rate,
                    "region": r.region,
                    "supported": r.supported,
                    "val": r.val_accuracy,
                    "val_se": r.val_error,
                    "final_loss": r.final_loss,
                    "diverged_at": r.diverged_at,
                    "curve": curve_points(r.loss),
                }
                for r in reading.rates
            ],
            "shown": reading.shown,
            "sharpness": sharpness,
        }


register(LearningRate())
